// Batch edits: a form, a dry-run preview of what would change, then apply; the last batch can be undone.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtMoney, fmtNumber, humanize } from "../core/format.js";
import { banner, button, clearFieldErrors, field, input, select, showFieldErrors, tableHead } from "../ui/components.js";
import { openModal } from "../ui/modal.js";
import { toast } from "../ui/toast.js";

const LAST_BATCH_KEY = "pd.lastBatch";

const KINDS = {
  status: { title: "Set status", path: "/api/products/batch/update-status", verb: "Status set" },
  pricing: { title: "Change prices", path: "/api/products/batch/update-pricing", verb: "Prices changed" },
  category: { title: "Set category", path: "/api/products/batch/update-category", verb: "Category set" },
  add_to_collection: { title: "Add to collection", path: "/api/products/batch/add-to-collection", verb: "Added to collection" },
  delete: { title: "Delete products", path: "/api/products/batch/delete", method: "DELETE", verb: "Deleted" },
  cells: { title: "Save edits", path: "/api/products/batch/update-cells", verb: "Edits saved" },
};

// -- forms, one per kind: each returns {node, body()} -----------------------------------------

function statusForm() {
  const status = select([["active", "Active"], ["draft", "Draft"], ["archived", "Archived"]], { value: "active" });
  return { node: field("New status", status, { loc: "status" }), body: () => ({ status: status.value }) };
}

function pricingForm() {
  const operation = select([["increase", "Increase prices"], ["decrease", "Decrease prices"], ["set", "Set prices to"]], { value: "increase" });
  const by = select([["percent", "by percentage (%)"], ["amount", "by amount ($)"]], { value: "percent" });
  const value = input({ type: "number", step: "0.01", min: "0", value: "10", inputmode: "decimal" });
  const ending = select([["", "Don't round"], [".99", "End prices in .99"], [".95", "End prices in .95"], [".00", "Round to whole dollars"]], { value: "" });
  const direction = select([["nearest", "to the nearest"], ["up", "up"], ["down", "down"]], { value: "nearest" });
  const floor = input({ type: "number", step: "0.01", min: "0", placeholder: "No minimum", inputmode: "decimal" });
  const compareAt = select([["keep", "Keep as is"], ["from_old_price", "Set to the old price (show a sale)"], ["clear", "Remove compare-at price"]], { value: "keep" });
  const byField = field("Change", by, { loc: "pricing.mode" });
  const sync = () => {
    byField.hidden = operation.value === "set";
  };
  operation.addEventListener("change", sync);
  sync();
  const node = h(
    "div",
    h("div", { class: "field-row" }, field("Operation", operation, { loc: "pricing.operation" }), byField, field("Value", value, { loc: "pricing.amount" })),
    h("div", { class: "field-row" }, field("Rounding", ending, { loc: "pricing.rounding.ending" }), field("Round", direction, { loc: "pricing.rounding.direction" })),
    h("div", { class: "field-row" }, field("Minimum price", floor, { loc: "pricing.floor", help: "No price goes below this." }), field("Compare-at price", compareAt, { loc: "pricing.compare_at" })),
  );
  // Errors on "percent" land on the same value field.
  value.dataset.altLoc = "pricing.percent";
  return {
    node,
    body() {
      const pricing = { operation: operation.value, compare_at: compareAt.value };
      if (operation.value === "set" || by.value === "amount") pricing.amount = value.value;
      else pricing.percent = value.value;
      if (ending.value) pricing.rounding = { ending: ending.value, direction: direction.value };
      if (floor.value) pricing.floor = floor.value;
      return { pricing };
    },
  };
}

function categoryForm() {
  const name = input({ placeholder: "Apparel & Accessories > Clothing > Shirts" });
  const clear = h("input", { type: "checkbox" });
  return {
    node: h("div", field("Category", name, { loc: "category.name", help: "Shopify's taxonomy path, as text." }), h("label", { class: "choice" }, clear, "Remove the category instead")),
    body: () => ({ category: clear.checked ? null : { name: name.value.trim() } }),
  };
}

function collectionForm() {
  const picker = select([["", "Loading collections…"]], { disabled: true });
  api("GET", "/api/collections", { query: { collection_type: "manual", per_page: 200, sort: "title" } })
    .then((page) => {
      picker.replaceChildren(...page.items.map((c) => h("option", { value: c.id }, c.title)));
      picker.disabled = page.items.length === 0;
      if (!page.items.length) picker.append(h("option", { value: "" }, "No manual collections yet"));
    })
    .catch(() => picker.replaceChildren(h("option", { value: "" }, "Could not load collections")));
  return {
    node: field("Manual collection", picker, { loc: "collection_id", help: "Smart collections choose their products by rules." }),
    body: () => ({ collection_id: Number(picker.value) || 0 }),
  };
}

function deleteForm(count) {
  return {
    node: banner({ tone: "warning", title: `Delete ${fmtNumber(count)} products?`, body: [h("p", "Deleted products can be restored with Undo right after.")] }),
    body: () => ({}),
  };
}

const FORMS = { status: statusForm, pricing: pricingForm, category: categoryForm, add_to_collection: collectionForm, delete: deleteForm };

// -- preview ------------------------------------------------------------------------------------

function describe(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return value.name ?? JSON.stringify(value);
  return String(value);
}

function sampleTable(kind, sample) {
  if (!sample || !sample.length) return null;
  if (kind === "pricing") {
    const rows = [];
    for (const entry of sample) {
      entry.before.variants.forEach((before, i) => {
        const after = entry.after.variants[i];
        rows.push(
          h(
            "tr",
            h("td", i === 0 ? entry.title : ""),
            h("td", { class: "muted" }, before.title),
            h("td", { class: "num" }, fmtMoney(before.price)),
            h("td", { class: "num" }, h("strong", fmtMoney(after.price))),
            h("td", { class: "num muted" }, before.compare_at_price === after.compare_at_price ? fmtMoney(before.compare_at_price) : `${fmtMoney(before.compare_at_price)} → ${fmtMoney(after.compare_at_price)}`),
          ),
        );
      });
    }
    return h(
      "table",
      { class: "data", "aria-label": "Preview of price changes" },
      tableHead(["Product", "Variant", ["Price now", "num"], ["New price", "num"], ["Compare-at", "num"]]),
      h("tbody", rows),
    );
  }
  const keys = [...new Set(sample.flatMap((e) => [...Object.keys(e.before || {}), ...Object.keys(e.after || {})]))];
  return h(
    "table",
    { class: "data", "aria-label": "Preview of changes" },
    tableHead(["Product", ...keys.map(humanize)]),
    h(
      "tbody",
      sample.map((entry) =>
        h(
          "tr",
          h("td", entry.title),
          keys.map((k) => h("td", entry.after === null ? `${describe(entry.before?.[k])} → deleted` : `${describe(entry.before?.[k])} → ${describe(entry.after?.[k])}`)),
        ),
      ),
    ),
  );
}

function previewNode(kind, result) {
  const summary = `${fmtNumber(result.changed)} of ${fmtNumber(result.matched)} products will change` + (result.unchanged ? `; ${fmtNumber(result.unchanged)} already match.` : ".");
  const table = sampleTable(kind, result.sample);
  return h(
    "div",
    { class: "batch-preview" },
    banner({ tone: result.changed ? "info" : "warning", title: "Preview", body: [h("p", { "data-testid": "preview-summary" }, summary)], role: "status" }),
    table ? h("div", h("h3", "Examples"), h("div", { class: "table-wrap" }, table)) : null,
    table && result.changed > (result.sample || []).length ? h("p", { class: "subtitle" }, `Showing the first ${result.sample.length}.`) : null,
  );
}

// -- the modal ------------------------------------------------------------------------------------

/** Open the batch dialog for `kind` over `selection` ({product_ids} or {filter}); done(result) after apply. */
export function openBatchModal(kind, selection, count, done) {
  const spec = KINDS[kind];
  const form = FORMS[kind](count);
  const errors = h("div");
  const formNode = h("div", errors, form.node);
  const modal = openModal({ title: `${spec.title} · ${fmtNumber(count)} products`, body: [formNode], wide: kind === "pricing" });

  async function send(dryRun) {
    clearFieldErrors(formNode);
    errors.replaceChildren();
    const body = { ...selection, ...form.body(), dry_run: dryRun };
    try {
      return await api(spec.method || "POST", spec.path, { body });
    } catch (error) {
      for (const f of error.fields) {
        const loc = (f.loc || []).join(".");
        if (loc.endsWith("pricing.percent")) f.loc = ["body", "pricing", "amount"];
      }
      const unmatched = showFieldErrors(formNode, error.fields);
      errors.append(
        banner({
          tone: "critical",
          title: error.status === 422 ? "Check the highlighted fields" : "The change could not be made",
          body: [h("p", error.message), unmatched.length ? h("ul", unmatched.map((f) => h("li", `${f.loc}: ${f.msg}`))) : null],
        }),
      );
      if (modal.dialog.open === false) return null;
      modal.setBody(formNode);
      showForm();
      return null;
    }
  }

  function showForm() {
    modal.setBody(formNode);
    modal.setActions([
      { label: "Cancel" },
      {
        label: "Preview changes",
        primary: true,
        onClick: async () => {
          const preview = await send(true);
          if (preview) showPreview(preview);
          return false;
        },
      },
    ]);
  }

  function showPreview(preview) {
    modal.setBody(previewNode(kind, preview));
    modal.setActions([
      { label: "Back", onClick: () => (showForm(), false) },
      {
        label: preview.changed ? `Apply to ${fmtNumber(preview.changed)} products` : "Nothing to change",
        primary: kind !== "delete",
        critical: kind === "delete",
        disabled: preview.changed === 0,
        onClick: async () => {
          const result = await send(false);
          if (!result) return false;
          if (result.job_id) toast(`${spec.title}: running as a background job`);
          done(result);
          return true;
        },
      },
    ]);
  }

  showForm();
  return modal;
}

// -- the last batch and its undo ------------------------------------------------------------------

export function rememberBatch(result) {
  if (!result.batch_id) return;
  sessionStorage.setItem(LAST_BATCH_KEY, JSON.stringify({ ...result, at: Date.now() }));
}

export function forgetBatch() {
  sessionStorage.removeItem(LAST_BATCH_KEY);
}

function lastBatch() {
  try {
    return JSON.parse(sessionStorage.getItem(LAST_BATCH_KEY) || "null");
  } catch {
    return null;
  }
}

export async function undoBatch(batchId) {
  return api("POST", `/api/products/batch/${encodeURIComponent(batchId)}/undo`);
}

/** The banner for the last applied batch, with Undo; null when there is none. */
export function lastBatchBanner({ reload, rerender }) {
  const batch = lastBatch();
  if (!batch) return null;
  const spec = KINDS[batch.kind] || { verb: humanize(batch.kind) };
  const slot = h("div");
  const dismiss = () => {
    forgetBatch();
    rerender();
  };
  const undo = button("Undo", {
    onClick: async () => {
      undo.disabled = true;
      try {
        const result = await undoBatch(batch.batch_id);
        forgetBatch();
        slot.replaceChildren(
          banner({
            tone: "success",
            title: result.job_id ? "Undo started" : `Undone: ${fmtNumber(result.reverted)} products restored`,
            body: [h("p", "The products are back to how they were before this change.")],
            onDismiss: () => rerender(),
          }),
        );
        reload();
      } catch (error) {
        undo.disabled = false;
        slot.replaceChildren(
          banner({
            tone: "critical",
            title: error.status === 409 ? "This change can't be undone" : "Undo failed",
            body: [h("p", error.status === 409 ? `${error.message} Edit those products by hand instead.` : error.message)],
            onDismiss: dismiss,
          }),
        );
      }
    },
  });
  slot.append(
    banner({
      tone: "success",
      // A large batch runs as a job: its changed count is not known yet, only what it matched.
      title: batch.job_id ? `${spec.title}: running in the background on ${fmtNumber(batch.matched)} products` : `${spec.verb} on ${fmtNumber(batch.changed)} products`,
      body: batch.job_id ? [h("p", "Large changes run as a background job; follow it under Activity.")] : [],
      actions: [undo],
      onDismiss: dismiss,
    }),
  );
  return slot;
}
