// The product page's stock per location: one row per variant, one column per location. A level
// the dashboard has no number for shows "—" (unknown), never 0; an edited cell is saved with
// PUT /api/products/<id>/stock and sent to Shopify by the next push (compare-and-set there).
import { api } from "../core/api.js";
import { fill, h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";
import { button, card, input, tableHead } from "../ui/components.js";
import { toast, toastError } from "../ui/toast.js";

function unsent(level) {
  return level.available !== null && level.shopify_available !== null && level.available !== level.shopify_available;
}

export function stockCard(product, editable, onSaved) {
  const body = h("div", { class: "card-section" }, h("p", { class: "muted" }, "Loading stock…"));
  const node = card({ title: "Stock by location", flush: true, sections: [body] });
  load();
  return node;

  async function load() {
    let stock;
    try {
      stock = await api("GET", `/api/products/${product.id}/stock`);
    } catch (error) {
      body.replaceChildren(h("p", { class: "muted" }, `Could not load stock: ${error.message}`));
      return;
    }
    render(stock);
  }

  function render(stock) {
    const names = new Map(stock.locations.map((loc) => [loc.id, loc.is_primary ? `${loc.name} (primary)` : loc.name]));
    const edits = new Map(); // "variant:location" -> {variant_id, location_id, available}
    const saveButton = button("Save stock", { primary: true, disabled: true, onClick: () => save() });
    const rows = stock.variants.map((variant) =>
      h(
        "tr",
        h("td", variant.title || "Default", variant.sku ? h("div", { class: "muted" }, variant.sku) : null),
        variant.levels.map((level) => h("td", { class: "num" }, cell(variant, level))),
        h("td", { class: "num", "data-testid": "stock-total" }, fmtNumber(variant.inventory_quantity)),
      ),
    );
    const head = tableHead(["Variant", ...stock.locations.map((loc) => [names.get(loc.id), "num"]), ["Total", "num"]]);
    const table = h("table", { class: "data stock", "aria-label": "Stock by location" }, head, h("tbody", rows));
    fill(
      body,
      h("div", { class: "table-wrap" }, table),
      editable ? h("div", { class: "actions", style: "margin-top: 8px" }, saveButton) : null,
    );

    function cell(variant, level) {
      const label = `Available of ${variant.title || "Default"} at ${names.get(level.location_id)}`;
      const note = unsent(level) ? `Shopify last reported ${level.shopify_available}; this number is not pushed yet` : null;
      if (!editable) {
        return h("span", { title: note, "aria-label": label }, level.available === null ? "—" : fmtNumber(level.available));
      }
      return input({
        type: "number",
        step: "1",
        value: level.available === null ? "" : String(level.available),
        placeholder: "—",
        title: note,
        "aria-label": label,
        "data-testid": "stock-cell",
        style: "width: 7em; text-align: right",
        oninput: (event) => {
          const raw = event.target.value.trim();
          const key = `${variant.variant_id}:${level.location_id}`;
          if (raw === "" || Number(raw) === level.available) edits.delete(key);
          else edits.set(key, { variant_id: variant.variant_id, location_id: level.location_id, available: Math.trunc(Number(raw)) });
          saveButton.disabled = edits.size === 0;
        },
      });
    }

    async function save() {
      saveButton.disabled = true;
      try {
        const fresh = await api("PUT", `/api/products/${product.id}/stock`, { body: { version: stock.version, levels: [...edits.values()] } });
        toast(`Stock saved at ${edits.size} ${edits.size === 1 ? "place" : "places"}; the next push sends it.`);
        render(fresh);
        if (onSaved) onSaved();
      } catch (error) {
        saveButton.disabled = false;
        toastError(error);
      }
    }
  }
}
