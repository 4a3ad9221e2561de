// The product page's cards. Each builder takes the product and whether it is editable, and
// returns {node, value()} where value() is that card's part of the API body.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtAgo, fmtDate, fmtMoney, fmtNumber, humanize } from "../core/format.js";
import { sanitizeHtml } from "../core/sanitize.js";
import { badge, button, card, field, input, select, tableHead } from "../ui/components.js";
import { productThumb } from "../ui/thumbs.js";
import { editedText, knownPlaceholder, triState, triStateValue } from "./product-shopify.js";

function readonlyRow(label, value) {
  return [h("dt", label), h("dd", value === null || value === undefined || value === "" ? "—" : value)];
}

// -- title and description ------------------------------------------------------------------------

export function descriptionPreview(html) {
  const node = h("div", { class: "description-preview", "data-testid": "description" });
  node.append(sanitizeHtml(html));
  if (!node.childNodes.length) node.append(h("p", { class: "subtitle" }, "No description."));
  return node;
}

export function titleCard(product, editable, onChange) {
  if (!editable) {
    return { node: card({ title: "Description", sections: [descriptionPreview(product.description_html)] }), value: () => ({}) };
  }
  const title = input({ value: product.title, name: "title", placeholder: "Short sleeve t-shirt" });
  const html = h("textarea", { name: "description_html", rows: "8", spellcheck: "true" });
  html.value = product.description_html || "";
  const preview = h("div");
  const renderPreview = () => preview.replaceChildren(descriptionPreview(html.value));
  const showPreview = h("button", { type: "button", class: "btn", "aria-pressed": "true" }, "Preview");
  const showSource = h("button", { type: "button", class: "btn", "aria-pressed": "false" }, "Edit HTML");
  const sourceField = field("Description (HTML)", html, { loc: "description_html", help: "Shown to shoppers. Scripts, styles and unsafe attributes are removed when displayed." });
  const toggle = (source) => {
    sourceField.hidden = !source;
    preview.hidden = source;
    showSource.setAttribute("aria-pressed", String(source));
    showPreview.setAttribute("aria-pressed", String(!source));
    if (!source) renderPreview();
  };
  showPreview.addEventListener("click", () => toggle(false));
  showSource.addEventListener("click", () => {
    toggle(true);
    html.focus();
  });
  for (const control of [title, html]) control.addEventListener("input", onChange);
  renderPreview();
  toggle(!product.id);
  const node = card({
    label: "Title and description",
    sections: [
      h(
        "div",
        field("Title", title, { loc: "title" }),
        h(
          "div",
          { class: "field" },
          h("span", { class: "label", id: "desc-label" }, "Description"),
          h("div", { class: "desc-tabs", role: "group", "aria-labelledby": "desc-label" }, showPreview, showSource),
          preview,
          sourceField,
        ),
      ),
    ],
  });
  return { node, value: () => ({ title: title.value, description_html: html.value }) };
}

// -- variants ------------------------------------------------------------------------------------

const VARIANT_FIELDS = [
  ["sku", "SKU", "text"],
  ["price", "Price", "money"],
  ["compare_at_price", "Compare-at price", "money"],
  ["inventory_quantity", "Available", "int"],
  ["barcode", "Barcode", "text"],
];

// Known-or-not fields of a variant: a select with "Not set" for what Shopify has not told us.
const VARIANT_DETAILS = [
  ["taxable", "Taxable", "tri"],
  ["requires_shipping", "Requires shipping", "tri"],
  ["tax_code", "Tax code", "text"],
  ["image_src", "Image", "image"],
  ["unit_price_measurement", "Unit pricing", "measure"],
  ["show_unit_price", "Shows unit price", "tri"],
  ["requires_components", "Bundle only", "tri"],
  ["province_code_of_origin", "Province of origin", "code"],
  ["country_hs_codes", "HS codes by country", "codes"],
];
// Sent only when edited here (left out, what is stored, or not known, stays as it is).
const EDITED_ONLY = ["show_unit_price", "requires_components"];

// Per-country HS codes as text, as the page shows and takes them: "CA 090121.00, US 0901.21.0000".
function codesText(codes) {
  return codes ? codes.map((c) => `${c.country_code} ${c.harmonized_system_code}`).join(", ") : "";
}

function codesOf(text) {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [country, ...code] = part.split(/\s+/);
      return { country_code: country.toUpperCase(), harmonized_system_code: code.join(" ") };
    });
}

// A unit price measurement as the API also takes it as text: "750 ML / 100 ML".
function measureText(measure) {
  return measure ? `${measure.quantity_value} ${measure.quantity_unit} / ${measure.reference_value} ${measure.reference_unit}` : "";
}

function yesNo(value) {
  return value === null || value === undefined ? "—" : value ? "Yes" : "No";
}

function imageChoice(product, value) {
  const options = [["", "None"], ...(product.images || []).map((image, i) => [image.src, image.alt || `Image ${i + 1}`])];
  return select(options, { value: value || "" });
}

function variantTitle(variant) {
  return variant.option_values && variant.option_values.length ? variant.option_values.join(" / ") : variant.title || "Default";
}

export function variantsCard(product, editable, onChange) {
  const variants = product.variants.length ? product.variants : [{ id: null, option_values: [], price: "0.00", compare_at_price: null, sku: "", inventory_quantity: 0, barcode: "" }];
  if (!editable) {
    const rows = variants.map((v) =>
      h(
        "tr",
        h("td", variantTitle(v)),
        h("td", v.sku || "—"),
        h("td", { class: "num" }, fmtMoney(v.price)),
        h("td", { class: "num" }, fmtMoney(v.compare_at_price)),
        h("td", { class: "num" }, fmtNumber(v.inventory_quantity)),
        h("td", v.barcode || "—"),
        h("td", yesNo(v.taxable)),
        h("td", yesNo(v.requires_shipping)),
      ),
    );
    const head = tableHead(["Variant", "SKU", ["Price", "num"], ["Compare-at", "num"], ["Available", "num"], "Barcode", "Taxable", "Ships"]);
    const table = h("table", { class: "data variants", "aria-label": "Variants" }, head, h("tbody", rows));
    return { node: card({ title: `Variants (${variants.length})`, flush: true, sections: [h("div", { class: "card-section table-wrap" }, table)] }), value: () => ({}) };
  }
  const controls = variants.map((variant, index) => {
    const row = {};
    for (const [key, label, kind] of VARIANT_DETAILS) {
      const value = variant[key];
      const control =
        kind === "tri"
          ? triState(value)
          : kind === "image"
            ? imageChoice(product, value)
            : kind === "measure"
              ? input({ value: measureText(value), placeholder: "750 ML / 100 ML" })
              : kind === "codes"
                ? input({ value: codesText(value), placeholder: knownPlaceholder(value, "CA 090121.00, US 0901.21.0000") })
                : kind === "code"
                  ? input({ value: value || "", placeholder: knownPlaceholder(value, "None") })
                  : input({ value: value || "" });
      control.addEventListener(kind === "tri" || kind === "image" ? "change" : "input", onChange);
      row[key] = control;
    }
    for (const [key, label, kind] of VARIANT_FIELDS) {
      const value = variant[key];
      const control = input({
        type: kind === "int" ? "number" : "text",
        inputmode: kind === "money" ? "decimal" : null,
        value: value === null || value === undefined ? "" : String(value),
        "aria-label": `${label} for ${variantTitle(variant)}`,
        placeholder: kind === "money" ? "0.00" : null,
      });
      control.addEventListener("input", onChange);
      row[key] = control;
    }
    return row;
  });
  const rows = variants.map((variant, index) =>
    h(
      "tr",
      h("th", { scope: "row" }, variantTitle(variant)),
      VARIANT_FIELDS.map(([key, label]) => cell(variant, index, key, label)),
    ),
  );
  function cell(variant, index, key, label) {
    const wrapper = field(label, controls[index][key], { loc: `variants.${index}.${key}`, hideLabel: true });
    controls[index][key].setAttribute("aria-label", `${label} for ${variantTitle(variant)}`);
    return h("td", wrapper);
  }
  const table = h(
    "table",
    { class: "data variants", "aria-label": "Variants" },
    tableHead(["Variant", ...VARIANT_FIELDS.map(([, label]) => label)]),
    h("tbody", rows),
  );
  // Tax, shipping and image in a table of their own, so the price table keeps its width.
  const details = h(
    "table",
    { class: "data variants", "aria-label": "Variant tax, shipping and image" },
    tableHead(["Variant", ...VARIANT_DETAILS.map(([, label]) => label)]),
    h(
      "tbody",
      variants.map((variant, index) =>
        h("tr", h("th", { scope: "row" }, variantTitle(variant)), VARIANT_DETAILS.map(([key, label]) => cell(variant, index, key, label))),
      ),
    ),
  );
  const node = card({
    title: `Variants (${variants.length})`,
    flush: true,
    sections: [h("div", { class: "card-section table-wrap" }, table), h("div", { class: "card-section table-wrap" }, details)],
  });
  return {
    node,
    value() {
      return {
        variants: variants.map((variant, index) => {
          const c = controls[index];
          const out = {
            option_values: variant.option_values || [],
            sku: c.sku.value.trim() || null,
            barcode: c.barcode.value.trim() || null,
            price: c.price.value.trim(),
            compare_at_price: c.compare_at_price.value.trim() || null,
            inventory_quantity: c.inventory_quantity.value === "" ? 0 : Number(c.inventory_quantity.value),
            weight_grams: variant.weight_grams ?? null,
            taxable: triStateValue(c.taxable),
            requires_shipping: triStateValue(c.requires_shipping),
            tax_code: c.tax_code.value.trim() || null,
            image_src: c.image_src.value || null,
          };
          // Sent only when edited here: left out, the stored measurement stays as it is.
          const measure = c.unit_price_measurement.value.trim();
          if (measure !== measureText(variant.unit_price_measurement)) out.unit_price_measurement = measure || null;
          for (const key of EDITED_ONLY) {
            const control = c[key];
            const now = triStateValue(control);
            if (now !== (variant[key] ?? null)) out[key] = now;
          }
          // Emptied here: "" (none, the push clears Shopify's); not known and left empty: not sent.
          const province = editedText(c.province_code_of_origin, variant.province_code_of_origin, (text) => text.toUpperCase());
          if (province !== undefined) out.province_code_of_origin = province;
          // The whole list, and only when edited: emptied here is "none" ([]), sent as such.
          const codes = c.country_hs_codes.value.trim();
          if (codes !== codesText(variant.country_hs_codes)) out.country_hs_codes = codesOf(codes);
          if (variant.id) out.id = variant.id;
          return out;
        }),
      };
    },
  };
}

// -- status and organisation ------------------------------------------------------------------------

export function statusCard(product, editable, onChange) {
  if (!editable) return { node: card({ title: "Status", sections: [badge(product.status)] }), value: () => ({}) };
  const status = select([["active", "Active"], ["draft", "Draft"], ["archived", "Archived"]], { value: product.status || "draft" });
  status.addEventListener("change", onChange);
  return { node: card({ title: "Status", sections: [field("Status", status, { loc: "status", hideLabel: true })] }), value: () => ({ status: status.value }) };
}

function tagEditor(initial, onChange) {
  const tags = [...initial];
  const list = h("div", { class: "tags", "aria-live": "polite" });
  const entry = input({ placeholder: "Add a tag and press Enter" });
  const render = () =>
    list.replaceChildren(
      ...tags.map((tag, i) =>
        h("span", { class: "tag" }, tag, h("button", { type: "button", "aria-label": `Remove tag ${tag}`, onclick: () => { tags.splice(i, 1); render(); onChange(); entry.focus(); } }, "×")),
      ),
    );
  const add = () => {
    for (const part of entry.value.split(",")) {
      const tag = part.trim();
      if (tag && !tags.includes(tag)) tags.push(tag);
    }
    entry.value = "";
    render();
    onChange();
  };
  entry.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add();
    } else if (event.key === "Backspace" && !entry.value && tags.length) {
      tags.pop();
      render();
      onChange();
    }
  });
  entry.addEventListener("blur", () => entry.value.trim() && add());
  render();
  return { entry, list, values: () => [...tags] };
}

export function organizationCard(product, editable, onChange) {
  if (!editable) {
    return {
      node: card({
        title: "Product organization",
        sections: [
          h(
            "dl",
            { class: "kv" },
            readonlyRow("Vendor", product.vendor),
            readonlyRow("Type", product.product_type),
            readonlyRow("Category", product.category && product.category.name),
            readonlyRow("Tags", product.tags.length ? h("div", { class: "tags" }, product.tags.map((t) => h("span", { class: "tag readonly" }, t))) : null),
            readonlyRow("Handle", product.handle),
          ),
        ],
      }),
      value: () => ({}),
    };
  }
  const vendor = input({ value: product.vendor || "" });
  const type = input({ value: product.product_type || "" });
  const category = input({ value: (product.category && product.category.name) || "", placeholder: "Apparel & Accessories > Clothing" });
  const categoryId = input({ value: (product.category && product.category.id) || "", placeholder: "gid://shopify/TaxonomyCategory/aa-1" });
  const handle = input({ value: product.handle || "", placeholder: "Made from the title" });
  const tags = tagEditor(product.tags || [], onChange);
  for (const control of [vendor, type, category, categoryId, handle]) control.addEventListener("input", onChange);
  const tagField = field("Tags", tags.entry, { loc: "tags" });
  tagField.append(tags.list);
  return {
    node: card({
      title: "Product organization",
      sections: [
        h(
          "div",
          field("Vendor", vendor, { loc: "vendor" }),
          field("Product type", type, { loc: "product_type" }),
          field("Category", category, { loc: "category" }),
          field("Category id (Standard Product Taxonomy)", categoryId, { loc: "category.id" }),
          tagField,
          field("URL handle", handle, { loc: "handle" }),
        ),
      ],
    }),
    value() {
      const out = { vendor: vendor.value.trim(), product_type: type.value.trim(), tags: tags.values() };
      const name = category.value.trim();
      const id = categoryId.value.trim() || null;
      const before = (product.category && product.category.name) || "";
      const beforeId = (product.category && product.category.id) || null;
      if (name !== before || id !== beforeId) out.category = name ? { id, name } : null;
      else if (product.category) out.category = { id: product.category.id, name: product.category.name };
      else out.category = null;
      if (handle.value.trim()) out.handle = handle.value.trim();
      return out;
    },
  };
}

// -- sync, icon, images, history -------------------------------------------------------------------

export function syncCard(product, editable, onPush) {
  const sync = product.sync || {};
  return card({
    title: "Shopify",
    actions: badge(product.sync_state),
    sections: [
      editable && product.sync_state !== "synced" && product.sync_state !== "conflict"
        ? h("div", h("p", { class: "subtitle" }, "Changes here reach the store with the next sync."), button("Push to Shopify now", { onClick: onPush }))
        : null,
      h(
        "dl",
        { class: "kv" },
        readonlyRow("Shopify ID", sync.shopify_product_id ? h("code", sync.shopify_product_id.split("/").pop()) : "Not on Shopify yet"),
        readonlyRow("Local version", String(product.version)),
        readonlyRow("Synced version", sync.synced_version ?? "—"),
        readonlyRow("Last synced", sync.synced_at ? fmtAgo(sync.synced_at) : "Never"),
        sync.error ? readonlyRow("Error", h("span", { class: "field-error" }, sync.error)) : null,
      ),
    ],
  });
}

export function iconCard(product, editable, onGenerate) {
  const actions = editable && product.id ? button(product.icon_url ? "Regenerate" : "Generate icon", { onClick: onGenerate }) : null;
  return card({ title: "Icon", sections: [h("div", { class: "icon-box" }, productThumb(product, { large: true }), actions ? h("div", { class: "btn-group", style: "margin-top: 12px" }, actions) : null)] });
}

function summarizeChange(event) {
  const before = event.before || {};
  const after = event.after || {};
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !["version", "updated_at"].includes(k));
  if (!keys.length) return "";
  return keys
    .slice(0, 4)
    .map((key) => {
      const a = after[key];
      return typeof a === "string" || typeof a === "number" ? `${humanize(key)}: ${String(a).slice(0, 40)}` : humanize(key);
    })
    .join(" · ") + (keys.length > 4 ? ` · +${keys.length - 4} more` : "");
}

export function historyCard(product) {
  const list = h("ol", { class: "timeline", "aria-label": "Change history" });
  const more = button("Show more", { plain: true, hidden: true });
  let page = 1;
  const load = async () => {
    try {
      const data = await api("GET", `/api/products/${product.id}/history`, { query: { page, per_page: 8 } });
      for (const event of data.items) {
        list.append(
          h(
            "li",
            h("div", h("strong", humanize(event.action)), " ", h("span", { class: "subtitle" }, `by ${event.actor_email || "system"} via ${event.source}`)),
            h("div", { class: "changes" }, summarizeChange(event)),
            h("time", { class: "when", datetime: event.at, title: fmtDate(event.at) }, fmtAgo(event.at)),
          ),
        );
      }
      if (!list.childNodes.length) list.append(h("li", { class: "subtitle" }, "No changes recorded yet."));
      more.hidden = page * data.per_page >= data.total;
    } catch (error) {
      list.append(h("li", { class: "field-error" }, error.message));
    }
  };
  more.addEventListener("click", () => {
    page += 1;
    load();
  });
  load();
  return card({ title: "History", sections: [h("div", list, more)] });
}
