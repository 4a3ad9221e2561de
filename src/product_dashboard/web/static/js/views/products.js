// Products: search, filters, sorting, pagination, multi-select and batch actions.
import { api, newestOnly } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtNumber, fmtPriceRange } from "../core/format.js";
import { live } from "../core/live.js";
import { navigate, setQuery } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, emptyState, field, input, pageHeader, pagination, select } from "../ui/components.js";
import { icon } from "../ui/icons.js";
import { suggestingInput } from "../ui/suggest.js";
import { productThumb } from "../ui/thumbs.js";
import { lastBatchBanner, openBatchModal, rememberBatch } from "./batch.js";
import { generateIcons } from "./icons.js";
import { pushSelection } from "./push.js";
import { filterBody } from "./filters.js";
import { savedViewsControl } from "./saved-views.js";
import { openExport, openImport } from "./transfer.js";

const PER_PAGE = 25;
const STATUS_TABS = [
  ["", "All"],
  ["active", "Active"],
  ["draft", "Draft"],
  ["archived", "Archived"],
];
const SYNC_STATES = [
  ["", "Any sync state"],
  ["never_synced", "Never synced"],
  ["pending", "Changed since sync"],
  ["synced", "Synced"],
  ["error", "Sync error"],
  ["conflict", "In conflict"],
];
const SORTS = [
  ["-updated_at", "Last updated"],
  ["title", "Title A–Z"],
  ["-title", "Title Z–A"],
  ["price", "Price: low to high"],
  ["-price", "Price: high to low"],
  ["-inventory", "Inventory: most"],
  ["inventory", "Inventory: least"],
  ["vendor", "Vendor A–Z"],
  ["-created_at", "Newest"],
];
export async function productsView(params, query, root) {
  document.title = "Products · Product Dashboard";
  const canEdit = session.canEdit;
  const state = {
    q: query.q || "",
    status: query.status || "",
    vendor: query.vendor || "",
    product_type: query.product_type || "",
    tag: query.tag || "",
    collection_id: query.collection_id || "",
    collection: query.collection || "",
    sync_state: query.sync_state || "",
    price_min: query.price_min || "",
    price_max: query.price_max || "",
    category: query.category || "",
    metafield: query.metafield || "",
    sort: query.sort || "-updated_at",
    page: Number(query.page || 1),
  };
  const selection = { ids: new Set(), allMatching: false };
  let listing = { items: [], total: 0, page: 1, per_page: PER_PAGE };
  const loads = newestOnly();

  const bannerSlot = h("div");
  const tableSlot = h("div", { class: "table-wrap" });
  const footerSlot = h("div");
  const bulkSlot = h("div");

  // -- filters ------------------------------------------------------------------------------
  const tabs = h(
    "div",
    { class: "tabs", role: "tablist", "aria-label": "Product status" },
    STATUS_TABS.map(([value, label]) =>
      h("button", { type: "button", role: "tab", "aria-selected": String(state.status === value), dataset: { status: value }, onclick: () => setFilter({ status: value }) }, label),
    ),
  );
  const search = input({ type: "search", placeholder: "Search title, SKU, vendor, tag", value: state.q, "aria-controls": "products-table" });
  const searchField = field("Search products", h("div", { class: "search-input" }, icon("search"), search), { hideLabel: true });
  search.id = searchField.querySelector("label").htmlFor = "product-search";
  search.addEventListener("input", debounce(() => setFilter({ q: search.value.trim() }), 250));
  const vendorInput = suggestingInput("vendor", { current: () => state.vendor, onChoose: (value) => setFilter({ vendor: value }) });
  const vendor = vendorInput.node;
  const typeInput = suggestingInput("product_type", { current: () => state.product_type, onChoose: (value) => setFilter({ product_type: value }) });
  const type = typeInput.node;
  const tagInput = suggestingInput("tag", { current: () => state.tag, onChoose: (value) => setFilter({ tag: value }) });
  const tag = tagInput.node;
  const collectionInput = suggestingInput("collection", {
    current: () => state.collection,
    // A collection filters by id: only a suggested title applies (a cleared field clears it).
    onChoose: (value, suggestion) => {
      if (!value) setFilter({ collection_id: "", collection: "" });
      else if (suggestion) setFilter({ collection_id: suggestion.id, collection: suggestion.value });
    },
  });
  const collection = collectionInput.node;
  const category = input({ value: state.category, placeholder: "Any" });
  category.addEventListener("change", () => setFilter({ category: category.value.trim() }));
  const metafield = input({ value: state.metafield, placeholder: "custom.material=silver" });
  metafield.addEventListener("change", () => setFilter({ metafield: metafield.value.trim() }));
  const syncState = select(SYNC_STATES, { value: state.sync_state });
  syncState.addEventListener("change", () => setFilter({ sync_state: syncState.value }));
  const priceMin = input({ type: "number", min: "0", step: "0.01", value: state.price_min, placeholder: "0.00" });
  priceMin.addEventListener("change", () => setFilter({ price_min: priceMin.value }));
  const priceMax = input({ type: "number", min: "0", step: "0.01", value: state.price_max, placeholder: "Any" });
  priceMax.addEventListener("change", () => setFilter({ price_max: priceMax.value }));
  const sort = select(SORTS, { value: state.sort, id: "product-sort" });
  sort.addEventListener("change", () => setFilter({ sort: sort.value }));

  const filterBar = h(
    "div",
    { class: "filter-bar", role: "search", "aria-label": "Filter products" },
    h("div", { class: "grow" }, searchField),
    h("div", { class: "fixed" }, field("Vendor", vendor), vendorInput.list, typeInput.list),
    h("div", { class: "fixed" }, field("Type", type)),
    h("div", { class: "fixed" }, field("Tag", tag), tagInput.list, collectionInput.list),
    h("div", { class: "fixed" }, field("Collection", collection)),
    h("div", { class: "fixed" }, field("Category", category)),
    h("div", { class: "fixed" }, field("Metafield", metafield)),
    h("div", { class: "fit" }, field("Sync state", syncState)),
    h("div", { class: "price" }, field("Min price", priceMin)),
    h("div", { class: "price" }, field("Max price", priceMax)),
  );

  function setFilter(changes) {
    Object.assign(state, changes, changes.page ? {} : { page: 1 });
    selection.ids.clear();
    selection.allMatching = false;
    for (const tab of tabs.querySelectorAll("[role=tab]")) tab.setAttribute("aria-selected", String(tab.dataset.status === state.status));
    setQuery({ ...state, page: state.page > 1 ? state.page : "", sort: state.sort !== "-updated_at" ? state.sort : "" });
    load();
  }

  // -- data ---------------------------------------------------------------------------------
  async function load() {
    const signal = loads.next();
    tableSlot.setAttribute("aria-busy", "true");
    try {
      const answer = await api("GET", "/api/products", { query: { ...filterBody(state), page: state.page, per_page: PER_PAGE, sort: state.sort }, signal });
      if (signal.aborted) return; // a newer load draws the list
      listing = answer;
      renderTable();
    } catch (error) {
      if (signal.aborted) return;
      tableSlot.replaceChildren(banner({ tone: "critical", title: "Could not load products", body: [h("p", error.message)] }));
    } finally {
      if (loads.done(signal)) tableSlot.removeAttribute("aria-busy");
    }
  }

  function selectedCount() {
    return selection.allMatching ? listing.total : selection.ids.size;
  }

  function selectionBody() {
    return selection.allMatching ? { filter: filterBody(state) } : { product_ids: [...selection.ids] };
  }

  function renderBulk() {
    bulkSlot.replaceChildren();
    const count = selectedCount();
    if (!canEdit || count === 0) return;
    const onPage = listing.items.length;
    const allOnPage = listing.items.every((p) => selection.ids.has(p.id));
    const done = (result) => {
      selection.ids.clear();
      selection.allMatching = false;
      if (result) showBatch(result);
      load();
    };
    const bar = h(
      "div",
      { class: "bulk-bar", role: "toolbar", "aria-label": "Bulk actions" },
      h("span", { class: "count", "aria-live": "polite" }, `${fmtNumber(count)} selected`),
      button("Set status", { onClick: () => openBatchModal("status", selectionBody(), count, done) }),
      button("Change prices", { onClick: () => openBatchModal("pricing", selectionBody(), count, done) }),
      button("Set category", { onClick: () => openBatchModal("category", selectionBody(), count, done) }),
      button("Add to collection", { onClick: () => openBatchModal("add_to_collection", selectionBody(), count, done) }),
      button("Generate icons", { onClick: () => generateIcons(selectionBody(), count, () => load()) }),
      button("Push to Shopify", { onClick: () => pushSelection(selectionBody(), count) }),
      button("Delete", { onClick: () => openBatchModal("delete", selectionBody(), count, done) }),
    );
    if (allOnPage && onPage < listing.total && !selection.allMatching) {
      bar.append(button(`Select all ${fmtNumber(listing.total)} matching products`, { plain: true, onClick: () => { selection.allMatching = true; renderTable(); } }));
    } else if (selection.allMatching) {
      bar.append(button("Clear selection", { plain: true, onClick: () => { selection.allMatching = false; selection.ids.clear(); renderTable(); } }));
    }
    bulkSlot.append(bar);
  }

  function showBatch(result) {
    rememberBatch(result);
    renderBanner();
  }

  function renderBanner() {
    bannerSlot.replaceChildren();
    const node = lastBatchBanner({ reload: load, rerender: renderBanner });
    if (node) bannerSlot.append(node);
  }

  function sortHeader(label, field, className = null) {
    const active = state.sort === field || state.sort === `-${field}`;
    const descending = state.sort === `-${field}`;
    const next = active && !descending ? `-${field}` : field;
    return h(
      "th",
      { class: className, scope: "col", "aria-sort": active ? (descending ? "descending" : "ascending") : null },
      h("button", { type: "button", class: "sort-btn", onclick: () => { sort.value = SORTS.some(([v]) => v === next) ? next : sort.value; setFilter({ sort: next }); } }, label, active ? (descending ? " ↓" : " ↑") : ""),
    );
  }

  function renderTable() {
    const items = listing.items;
    renderBulk();
    if (!items.length) {
      const filtered = Object.keys(filterBody(state)).length > 0;
      tableSlot.replaceChildren(
        filtered
          ? emptyState("No products found", "Try changing the filters or the search term.", button("Clear filters", { onClick: clearFilters }))
          : emptyState("Add your first product", "Products you add or pull from Shopify appear here.", canEdit ? h("a", { class: "btn btn-primary", href: "/products/new" }, "Add product") : null),
      );
      footerSlot.replaceChildren();
      return;
    }
    const allChecked = selection.allMatching || items.every((p) => selection.ids.has(p.id));
    const someChecked = !allChecked && items.some((p) => selection.ids.has(p.id));
    const headerCheck = canEdit
      ? h("input", {
          type: "checkbox",
          "aria-label": allChecked ? "Deselect all products on this page" : "Select all products on this page",
          checked: allChecked,
          indeterminate: someChecked,
          onchange: (event) => {
            selection.allMatching = false;
            for (const p of items) event.target.checked ? selection.ids.add(p.id) : selection.ids.delete(p.id);
            renderTable();
          },
        })
      : null;
    const rows = items.map((product) => {
      const checked = selection.allMatching || selection.ids.has(product.id);
      return h(
        "tr",
        { class: checked ? "selected" : null, dataset: { productId: product.id } },
        canEdit
          ? h(
              "td",
              { class: "check" },
              h("input", {
                type: "checkbox",
                "aria-label": `Select ${product.title}`,
                checked,
                onchange: (event) => {
                  if (selection.allMatching) {
                    selection.allMatching = false;
                    for (const p of items) selection.ids.add(p.id);
                  }
                  event.target.checked ? selection.ids.add(product.id) : selection.ids.delete(product.id);
                  renderTable();
                },
              }),
            )
          : null,
        h("td", h("div", { class: "title-cell" }, productThumb(product), h("a", { href: `/products/${product.id}` }, product.title))),
        h("td", badge(product.status)),
        h("td", { class: "num inventory" }, `${fmtNumber(product.total_inventory)} in stock`, h("span", { class: "sub" }, product.variants_count === 1 ? "1 variant" : `${product.variants_count} variants`)),
        h("td", { class: "muted hide-narrow" }, product.product_type || "—"),
        h("td", { class: "muted" }, product.vendor || "—"),
        h("td", { class: "num nowrap" }, fmtPriceRange(product.price_min, product.price_max)),
        h("td", badge(product.sync_state)),
      );
    });
    tableSlot.replaceChildren(
      h(
        "table",
        { class: "data", id: "products-table", "aria-label": "Products" },
        h(
          "thead",
          h(
            "tr",
            canEdit ? h("th", { class: "check", scope: "col" }, headerCheck) : null,
            sortHeader("Product", "title"),
            sortHeader("Status", "status"),
            sortHeader("Inventory", "inventory", "num"),
            sortHeader("Type", "product_type", "hide-narrow"),
            sortHeader("Vendor", "vendor"),
            sortHeader("Price", "price", "num"),
            h("th", { scope: "col" }, "Sync"),
          ),
        ),
        h("tbody", rows),
      ),
    );
    footerSlot.replaceChildren(pagination({ page: listing.page, perPage: listing.per_page, total: listing.total, label: "products", onPage: (page) => setFilter({ page }) }));
  }

  function clearFilters() {
    for (const control of [search, vendor, type, tag, collection, category, metafield, priceMin, priceMax]) control.value = "";
    syncState.value = "";
    setFilter({ q: "", status: "", vendor: "", product_type: "", tag: "", collection_id: "", collection: "", sync_state: "", price_min: "", price_max: "", category: "", metafield: "" });
  }

  const exportScopes = () => {
    const scopes = [];
    if (selectedCount()) scopes.push(["selected", `Selected products (${fmtNumber(selectedCount())})`, selectionBody()]);
    if (Object.keys(filterBody(state)).length) scopes.push(["filter", `Products matching the filters (${fmtNumber(listing.total)})`, { filter: filterBody(state) }]);
    scopes.push(["all", "All products", { filter: {} }]);
    return scopes;
  };
  const withSort = (filters) => Object.fromEntries(Object.entries({ ...filters, sort: state.sort }).filter(([, value]) => value !== ""));
  const views = savedViewsControl({
    current: () => ({ filters: filterBody(state), sort: state.sort, columns: [] }),
    open: (view) => `/products?${new URLSearchParams({ ...view.filters, sort: view.sort, view: view.id })}`,
    selected: query.view,
  });
  const header = pageHeader("Products", {
    actions: [
      views.node,
      button("Bulk editor", { onClick: () => navigate(`/products/editor?${new URLSearchParams(withSort(filterBody(state)))}`) }),
      button("Export", { onClick: () => openExport(exportScopes()) }),
      canEdit ? button("Import", { onClick: () => openImport(() => load()) }) : null,
      canEdit ? h("a", { class: "btn btn-primary", href: "/products/new" }, "Add product") : null,
    ].filter(Boolean),
  });
  root.append(
    h(
      "div",
      { class: "page" },
      header,
      bannerSlot,
      card({
        label: "Product list",
        flush: true,
        sections: [
          h(
            "div",
            { class: "card-section" },
            h("div", { class: "list-toolbar" }, tabs, h("div", { class: "sort" }, h("label", { for: "product-sort" }, "Sort by"), sort)),
            filterBar,
            bulkSlot,
            tableSlot,
            footerSlot,
          ),
        ],
      }),
    ),
  );
  renderBanner();
  await load();

  const refresh = debounce(() => {
    if (!loads.busy) load();
  }, 600);
  const offProducts = live.on("products", refresh);
  const offJobs = live.on("jobs", (event) => {
    if (event.type === "job.completed" || event.type === "job.failed") refresh();
  });
  return () => {
    views.destroy();
    refresh.cancel();
    offProducts();
    offJobs();
    loads.abort();
  };
}
