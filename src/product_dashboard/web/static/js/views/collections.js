// Collections: list, create manual or smart (rule builder with a live preview), suggestions.
import { api, newestOnly } from "../core/api.js";
import { debounce, fill, h } from "../core/dom.js";
import { fmtNumber, humanize } from "../core/format.js";
import { navigate } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, clearFieldErrors, emptyState, field, input, pageHeader, pagination, select, showFieldErrors, tableHead } from "../ui/components.js";
import { icon } from "../ui/icons.js";
import { watchJob } from "../ui/jobs.js";
import { openModal } from "../ui/modal.js";
import { toast } from "../ui/toast.js";

// Shopify's smart-collection columns and the relations each allows.
export const COLUMNS = [
  ["TITLE", "Product title", "text"],
  ["TYPE", "Product type", "text"],
  ["VENDOR", "Product vendor", "text"],
  ["TAG", "Product tag", "tag"],
  ["VARIANT_PRICE", "Price", "number"],
  ["VARIANT_COMPARE_AT_PRICE", "Compare-at price", "number"],
  ["VARIANT_INVENTORY", "Inventory stock", "number"],
  ["VARIANT_WEIGHT", "Weight", "number"],
  ["VARIANT_TITLE", "Variant's title", "text"],
  ["IS_PRICE_REDUCED", "Price is reduced", "flag"],
  ["PRODUCT_CATEGORY_ID", "Category ID", "tag"],
];
const RELATIONS = {
  text: ["EQUALS", "NOT_EQUALS", "STARTS_WITH", "ENDS_WITH", "CONTAINS", "NOT_CONTAINS"],
  tag: ["EQUALS"],
  number: ["EQUALS", "NOT_EQUALS", "GREATER_THAN", "LESS_THAN"],
  flag: ["IS_SET", "IS_NOT_SET"],
};
const RELATION_LABELS = {
  EQUALS: "is equal to",
  NOT_EQUALS: "is not equal to",
  STARTS_WITH: "starts with",
  ENDS_WITH: "ends with",
  CONTAINS: "contains",
  NOT_CONTAINS: "does not contain",
  GREATER_THAN: "is greater than",
  LESS_THAN: "is less than",
  IS_SET: "is true",
  IS_NOT_SET: "is false",
};
const columnKind = (column) => (COLUMNS.find(([c]) => c === column) || [null, null, "text"])[2];
export const describeRule = (rule) =>
  `${(COLUMNS.find(([c]) => c === rule.column) || [rule.column, rule.column])[1]} ${RELATION_LABELS[rule.relation] || humanize(rule.relation)}${columnKind(rule.column) === "flag" ? "" : ` ${rule.condition}`}`;

/** A rule builder: rows of column / relation / condition, all-or-any. */
export function ruleBuilder(initial = [], disjunctive = false, onChange = () => {}) {
  const rows = h("div", { class: "rules" });
  const anyRadio = h("input", { type: "radio", name: "disjunctive", value: "any", checked: disjunctive });
  const allRadio = h("input", { type: "radio", name: "disjunctive", value: "all", checked: !disjunctive });
  for (const radio of [anyRadio, allRadio]) radio.addEventListener("change", onChange);

  function addRow(rule = { column: "TYPE", relation: "EQUALS", condition: "" }) {
    const index = rows.children.length;
    const column = select(COLUMNS.map(([value, label]) => [value, label]), { value: rule.column });
    const relation = h("select");
    const condition = input({ value: rule.condition || "" });
    const fillRelations = () => {
      const kind = columnKind(column.value);
      const current = relation.value || rule.relation;
      relation.replaceChildren(...RELATIONS[kind].map((r) => h("option", { value: r }, RELATION_LABELS[r])));
      relation.value = RELATIONS[kind].includes(current) ? current : RELATIONS[kind][0];
      condition.hidden = kind === "flag";
      condition.type = kind === "number" ? "number" : "text";
    };
    column.addEventListener("change", () => {
      fillRelations();
      onChange();
    });
    fillRelations();
    relation.addEventListener("change", onChange);
    condition.addEventListener("input", onChange);
    const remove = button("", { class: "btn btn-icon", "aria-label": `Remove condition ${index + 1}`, onClick: () => { row.remove(); onChange(); } });
    remove.append(icon("close"));
    const row = h(
      "div",
      { class: "rule-row" },
      field(`Condition ${index + 1}: column`, column, { loc: `rules.${index}.column` }),
      field("Relation", relation, { loc: `rules.${index}.relation` }),
      field("Value", condition, { loc: `rules.${index}.condition` }),
      remove,
    );
    row.value = () => ({ column: column.value, relation: relation.value, condition: columnKind(column.value) === "flag" ? "" : condition.value.trim() });
    rows.append(row);
  }

  (initial.length ? initial : [undefined]).forEach((rule) => addRow(rule));
  const node = h(
    "fieldset",
    h("legend", "Conditions"),
    h("div", { class: "choice" }, h("span", "Products must match:"), h("label", { class: "choice" }, allRadio, "all conditions"), h("label", { class: "choice" }, anyRadio, "any condition")),
    rows,
    button("Add another condition", { onClick: () => { addRow(); onChange(); } }),
  );
  return { node, value: () => ({ rules: [...rows.children].map((r) => r.value()), disjunctive: anyRadio.checked }) };
}

function createModal(preset = null, onCreated) {
  const title = input({ value: preset ? preset.title : "", placeholder: "Summer collection" });
  const manual = h("input", { type: "radio", name: "collection_type", value: "manual", checked: !preset || preset.collection_type === "manual" });
  const smart = h("input", { type: "radio", name: "collection_type", value: "smart", checked: preset && preset.collection_type === "smart" });
  const previewSlot = h("p", { class: "subtitle", "aria-live": "polite" });
  const refreshPreview = debounce(async () => {
    if (!smart.checked) return;
    const { rules, disjunctive } = rules_.value();
    if (rules.some((r) => columnKind(r.column) !== "flag" && !r.condition)) {
      previewSlot.textContent = "Fill in every condition to see matching products.";
      return;
    }
    try {
      const page = await api("POST", "/api/collections/preview", { body: { rules, disjunctive }, query: { per_page: 5 } });
      const count = page.total === 1 ? "1 product matches" : `${fmtNumber(page.total)} products match`;
      previewSlot.textContent = count + (page.items.length ? `, e.g. ${page.items.map((p) => p.title).join(", ")}` : ".");
    } catch (error) {
      previewSlot.textContent = error.message;
    }
  }, 300);
  const rules_ = ruleBuilder(preset ? preset.rules : [], preset ? preset.disjunctive : false, refreshPreview);
  const smartPart = h("div", rules_.node, previewSlot);
  const errors = h("div");
  const sync = () => {
    smartPart.hidden = !smart.checked;
    refreshPreview();
  };
  manual.addEventListener("change", sync);
  smart.addEventListener("change", sync);
  const body = h(
    "div",
    errors,
    field("Title", title, { loc: "title" }),
    h(
      "fieldset",
      h("legend", "Collection type"),
      h("label", { class: "choice" }, manual, h("span", h("strong", "Manual"), " — you choose and order the products")),
      h("label", { class: "choice" }, smart, h("span", h("strong", "Smart"), " — products that match conditions are added automatically")),
    ),
    smartPart,
  );
  sync();
  openModal({
    title: preset ? `Create “${preset.title}”` : "Create collection",
    body: [body],
    wide: true,
    actions: [
      { label: "Cancel" },
      {
        label: "Create collection",
        primary: true,
        onClick: async () => {
          clearFieldErrors(body);
          errors.replaceChildren();
          const payload = { title: title.value.trim(), collection_type: smart.checked ? "smart" : "manual" };
          if (smart.checked) Object.assign(payload, rules_.value());
          else if (preset && preset.product_ids && preset.collection_type === "manual") payload.product_ids = preset.product_ids;
          try {
            const created = await api("POST", "/api/collections", { body: payload });
            toast("Collection created");
            onCreated(created);
            return true;
          } catch (error) {
            const unmatched = showFieldErrors(body, error.fields);
            errors.append(banner({ tone: "critical", title: "The collection could not be created", body: [h("p", error.message), unmatched.length ? h("ul", unmatched.map((f) => h("li", `${f.loc}: ${f.msg}`))) : null] }));
            return false;
          }
        },
      },
    ],
  });
}

async function suggestionsCard(onCreated) {
  let data;
  try {
    data = await api("GET", "/api/collections/suggestions", { query: { limit: 5 } });
  } catch {
    return null;
  }
  if (!data.items.length) return null;
  return card({
    title: "Suggested collections",
    flush: true,
    sections: [
      h(
        "div",
        { class: "card-section" },
        data.items.map((s) =>
          h(
            "div",
            { class: "suggestion" },
            h(
              "div",
              { class: "grow" },
              h("strong", s.title),
              " ",
              badge(s.collection_type),
              " ",
              h("span", { class: "badge plain" }, `${fmtNumber(s.size)} products`),
              h("div", { class: "reason" }, s.reason + (s.rules.length ? ` · ${s.rules.map(describeRule).join(s.disjunctive ? " or " : " and ")}` : "")),
            ),
            session.canEdit ? button("Review and create", { onClick: () => createModal(s, onCreated), "aria-label": `Create suggested collection ${s.title}` }) : null,
          ),
        ),
      ),
    ],
  });
}

/** One smart collection per product type, from the types in use (with their counts). */
function autoByTypeModal(onDone) {
  const minimum = input({ type: "number", min: "1", step: "1", value: "1" });
  const listing = h("div", h("p", { class: "subtitle" }, "Loading product types…"));
  const errors = h("div");
  api("GET", "/api/collections/product-types", { query: { per_page: 100 } })
    .then((page) => {
      fill(
        listing,
        page.items.length
          ? h(
              "table",
              { class: "data", "aria-label": "Product types" },
              tableHead(["Product type", ["Products", "num"], "Collection"]),
              h(
                "tbody",
                page.items.map((t) =>
                  h("tr", h("td", t.product_type), h("td", { class: "num" }, fmtNumber(t.products_count)), h("td", t.collection_id ? h("a", { href: `/collections/${t.collection_id}` }, "exists") : h("span", { class: "muted" }, "new"))),
                ),
              ),
            )
          : emptyState("No product types yet", "Give products a type to group them by it."),
        page.total > page.items.length ? h("p", { class: "subtitle" }, `and ${fmtNumber(page.total - page.items.length)} more types`) : null,
      );
    })
    .catch((error) => listing.replaceChildren(banner({ tone: "critical", title: "Could not load product types", body: [h("p", error.message)] })));
  openModal({
    title: "Collections by product type",
    wide: true,
    body: [
      h("p", "One smart collection per product type, kept up to date by its condition (type equals …). Existing ones are refreshed, not duplicated."),
      errors,
      field("Only types with at least this many products", minimum),
      listing,
    ],
    actions: [
      { label: "Cancel" },
      {
        label: "Create collections",
        primary: true,
        onClick: async () => {
          try {
            const result = await api("POST", "/api/collections/auto-by-type", { body: { min_products: Number(minimum.value || 1) } });
            toast(`Collections by type: ${result.created.length} created, ${result.updated.length} updated, ${result.unchanged.length} unchanged`);
            onDone();
            return true;
          } catch (error) {
            errors.replaceChildren(banner({ tone: "critical", title: "Could not create the collections", body: [h("p", error.message)] }));
            return false;
          }
        },
      },
    ],
  });
}

/** Push every collection (and its products' order) to Shopify as a job; shows how it went. */
async function pushCollections(statusSlot, onDone) {
  statusSlot.replaceChildren(h("p", { class: "subtitle", "data-testid": "collections-push" }, "Pushing collections to Shopify…"));
  let started;
  try {
    started = await api("POST", "/api/collections/sync", { body: { direction: "push" } });
  } catch (error) {
    statusSlot.replaceChildren(banner({ tone: "critical", title: "The push could not start", body: [h("p", error.message)] }));
    return;
  }
  watchJob(started.job_id, async (job) => {
    if (job.state === "completed") {
      const finished = await api("GET", `/api/jobs/${encodeURIComponent(started.job_id)}`);
      const r = finished.report || {};
      const tone = r.failed ? "warning" : "success";
      const summary = `${fmtNumber(r.created || 0)} created, ${fmtNumber(r.updated || 0)} updated, ${fmtNumber(r.deleted || 0)} deleted on Shopify, ${fmtNumber(r.failed || 0)} failed; ${fmtNumber(r.members_added || 0)} products added, ${fmtNumber(r.members_removed || 0)} removed, ${fmtNumber(r.members_moved || 0)} moved.`;
      statusSlot.replaceChildren(banner({ tone, title: "Collections pushed", body: [h("p", { "data-testid": "collections-push" }, summary)] }));
      onDone();
    } else if (job.state === "failed" || job.state === "stopped") {
      statusSlot.replaceChildren(banner({ tone: "critical", title: "The push did not finish", body: [h("p", job.error || job.state)] }));
    }
  });
}

export async function collectionsView(params, query, root) {
  document.title = "Collections · Product Dashboard";
  const state = { page: Number(query.page || 1), q: query.q || "" };
  const listSlot = h("div");
  const suggestionsSlot = h("div");
  const pushSlot = h("div", { "aria-live": "polite" });
  const onCreated = (created) => navigate(`/collections/${created.id}`);
  const search = input({ type: "search", value: state.q, placeholder: "Filter collections" });
  search.addEventListener("input", debounce(() => { state.q = search.value.trim(); state.page = 1; load(); }, 250));
  root.append(
    h(
      "div",
      { class: "page" },
      pageHeader("Collections", {
        actions: session.canEdit
          ? [
              button("Push to Shopify", { onClick: () => pushCollections(pushSlot, load) }),
              button("By product type", { onClick: () => autoByTypeModal(load) }),
              button("Create collection", { primary: true, onClick: () => createModal(null, onCreated) }),
            ]
          : [],
      }),
      pushSlot,
      listSlot,
      suggestionsSlot,
    ),
  );

  const goTo = (page) => {
    state.page = page;
    load();
  };

  const loads = newestOnly();
  async function load() {
    const signal = loads.next();
    let data;
    try {
      data = await api("GET", "/api/collections", { query: { page: state.page, per_page: 25, q: state.q }, signal });
    } catch (error) {
      if (signal.aborted) return;
      listSlot.replaceChildren(banner({ tone: "critical", title: "Could not load collections", body: [h("p", error.message)] }));
      return;
    }
    if (signal.aborted) return; // a newer load draws the list
    const table = data.items.length
      ? h(
          "table",
          { class: "data", "aria-label": "Collections" },
          tableHead(["Title", ["Products", "num"], "Type", "Conditions", "Shopify"]),
          h(
            "tbody",
            data.items.map((c) =>
              h(
                "tr",
                h("td", h("div", { class: "title-cell" }, h("div", { class: "thumb" }, icon("collections")), h("a", { href: `/collections/${c.id}` }, c.title))),
                h("td", { class: "num" }, fmtNumber(c.products_count)),
                h("td", badge(c.collection_type)),
                h("td", { class: "muted" }, c.collection_type === "smart" ? c.rules.map(describeRule).join(c.disjunctive ? " or " : " and ") : "—"),
                h("td", badge(c.sync_state)),
              ),
            ),
          ),
        )
      : emptyState(state.q ? "No collections match" : "No collections yet", "Group products so shoppers find them: by hand, or by conditions that keep the group up to date.");
    listSlot.replaceChildren(
      card({
        label: "Collection list",
        flush: true,
        sections: [
          h(
            "div",
            { class: "card-section" },
            h("div", { class: "filter-bar" }, h("div", { class: "grow" }, field("Filter collections", search, { hideLabel: true }))),
            h("div", { class: "table-wrap" }, table),
            pagination({ page: data.page, perPage: data.per_page, total: data.total, label: "collections", onPage: goTo }),
          ),
        ],
      }),
    );
  }

  await load();
  suggestionsCard(onCreated).then((node) => suggestionsSlot.replaceChildren(node || ""));
}
