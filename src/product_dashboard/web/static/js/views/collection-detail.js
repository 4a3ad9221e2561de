// One collection. Manual: drag products in from the catalog and drag to reorder (buttons for
// keyboard users do the same). Smart: its conditions and the products they select.
import { api } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtNumber, fmtPriceRange } from "../core/format.js";
import { navigate } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, emptyState, field, input, pageHeader } from "../ui/components.js";
import { icon } from "../ui/icons.js";
import { confirmModal, openModal } from "../ui/modal.js";
import { productThumb } from "../ui/thumbs.js";
import { toast, toastError } from "../ui/toast.js";
import { describeRule, ruleBuilder } from "./collections.js";

const MEMBERS_PAGE = 200;
const DRAG_TYPE = "application/x-pd-product";

export async function collectionDetailView(params, query, root) {
  let collection;
  try {
    collection = await api("GET", `/api/collections/${encodeURIComponent(params.id)}`);
  } catch (error) {
    root.append(emptyState("Collection not found", error.message, h("a", { class: "btn", href: "/collections" }, "Back to collections")));
    return;
  }
  document.title = `${collection.title} · Collections`;
  const editable = session.canEdit;
  const manual = collection.collection_type === "manual";
  let members = [];
  let total = 0;
  let dragging = null; // {source: "members"|"catalog", id}

  const status = h("div", { "aria-live": "polite", class: "visually-hidden" });
  const list = h("ol", { class: "dnd-list", "aria-label": "Products in this collection" });
  const countLabel = h("span");
  const catalogList = h("ul", { class: "dnd-list", "aria-label": "Catalog products to add" });
  const errorSlot = h("div");

  async function loadMembers() {
    const page = await api("GET", `/api/collections/${collection.id}/products`, { query: { per_page: MEMBERS_PAGE } });
    members = page.items;
    total = page.total;
    renderMembers();
  }

  function announce(text) {
    status.textContent = text;
  }

  function renderMembers() {
    countLabel.textContent = `${fmtNumber(total)} products`;
    if (!members.length) {
      list.replaceChildren(h("li", { class: "empty" }, manual && editable ? "Drag products here from the catalog, or use Add." : "No products yet."));
      return;
    }
    list.replaceChildren(
      ...members.map((product, index) => {
        const item = h(
          "li",
          { class: "dnd-item", draggable: manual && editable ? "true" : null, dataset: { productId: product.id } },
          manual && editable ? h("span", { class: "handle", title: "Drag to reorder" }, icon("drag")) : null,
          h("span", { class: "pos" }, String(index + 1)),
          productThumb(product),
          h("span", { class: "grow" }, h("a", { href: `/products/${product.id}` }, product.title)),
          h("span", { class: "muted" }, fmtPriceRange(product.price_min, product.price_max)),
          manual && editable
            ? h(
                "span",
                { class: "btn-group" },
                iconButton("up", `Move ${product.title} up`, index === 0, () => move(index, index - 1)),
                iconButton("down", `Move ${product.title} down`, index === members.length - 1, () => move(index, index + 1)),
                iconButton("close", `Remove ${product.title} from the collection`, false, () => removeMember(product)),
              )
            : null,
        );
        if (manual && editable) {
          item.addEventListener("dragstart", (event) => {
            dragging = { source: "members", id: product.id };
            event.dataTransfer.effectAllowed = "move";
            event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dragging));
            event.dataTransfer.setData("text/plain", product.title);
            item.classList.add("dragging");
          });
          item.addEventListener("dragend", () => {
            item.classList.remove("dragging");
            dragging = null;
            clearMarks();
          });
        }
        return item;
      }),
    );
  }

  function iconButton(name, label, disabled, onClick) {
    const node = h("button", { type: "button", class: "btn btn-plain btn-icon", "aria-label": label, title: label, disabled, onclick: onClick });
    node.append(icon(name));
    return node;
  }

  function clearMarks() {
    list.classList.remove("drop-target");
    for (const node of list.querySelectorAll(".drop-before")) node.classList.remove("drop-before");
  }

  function dropIndex(event) {
    const items = [...list.querySelectorAll(".dnd-item")];
    for (let i = 0; i < items.length; i += 1) {
      const box = items[i].getBoundingClientRect();
      if (event.clientY < box.top + box.height / 2) return i;
    }
    return items.length;
  }

  async function saveOrder(ids, message) {
    try {
      await api("PUT", `/api/collections/${collection.id}/products/order`, { body: { product_ids: ids } });
      announce(message);
    } catch (error) {
      toastError(error);
    }
    await loadMembers();
  }

  async function move(from, to) {
    if (to < 0 || to >= members.length) return;
    const ids = members.map((p) => p.id);
    const [id] = ids.splice(from, 1);
    ids.splice(to, 0, id);
    members.splice(to, 0, members.splice(from, 1)[0]);
    renderMembers();
    await saveOrder(ids, `Moved to position ${to + 1}`);
    const button_ = list.querySelectorAll(".dnd-item")[to];
    if (button_) (button_.querySelector(`[aria-label^="Move"]:not([disabled])`) || button_).focus();
  }

  async function addProduct(productId, position) {
    try {
      const change = await api("POST", `/api/collections/${collection.id}/products`, { body: { product_ids: [productId], position: position ?? undefined } });
      toast(change.added ? "Added to the collection" : "Already in the collection");
      announce(change.added ? `Added at position ${position ?? change.products_count}` : "Already in the collection");
    } catch (error) {
      toastError(error);
    }
    await loadMembers();
    await searchCatalog();
  }

  async function removeMember(product) {
    try {
      await api("DELETE", `/api/collections/${collection.id}/products/${product.id}`);
      announce(`Removed ${product.title}`);
    } catch (error) {
      toastError(error);
    }
    await loadMembers();
    await searchCatalog();
  }

  if (manual && editable) {
    list.addEventListener("dragover", (event) => {
      if (!dragging) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = dragging.source === "catalog" ? "copy" : "move";
      clearMarks();
      list.classList.add("drop-target");
      const index = dropIndex(event);
      const target = list.querySelectorAll(".dnd-item")[index];
      if (target) target.classList.add("drop-before");
    });
    list.addEventListener("dragleave", (event) => {
      if (!list.contains(event.relatedTarget)) clearMarks();
    });
    list.addEventListener("drop", async (event) => {
      event.preventDefault();
      let data = dragging;
      try {
        data = JSON.parse(event.dataTransfer.getData(DRAG_TYPE) || "null") || dragging;
      } catch {
        // keep the in-page record
      }
      const index = dropIndex(event);
      clearMarks();
      dragging = null;
      if (!data) return;
      if (data.source === "catalog") {
        await addProduct(data.id, index + 1);
        return;
      }
      const from = members.findIndex((p) => p.id === data.id);
      if (from < 0) return;
      const to = index > from ? index - 1 : index;
      if (to === from) return;
      await move(from, to);
    });
  }

  // -- the catalog side ---------------------------------------------------------------------------
  const search = input({ type: "search", placeholder: "Search products to add" });
  async function searchCatalog() {
    if (!(manual && editable)) return;
    let page;
    try {
      page = await api("GET", "/api/products", { query: { q: search.value.trim(), per_page: 20, sort: "title" } });
    } catch (error) {
      catalogList.replaceChildren(h("li", { class: "field-error" }, error.message));
      return;
    }
    const inside = new Set(members.map((p) => p.id));
    catalogList.replaceChildren(
      ...page.items.map((product) => {
        const member = inside.has(product.id);
        const item = h(
          "li",
          { class: "dnd-item", draggable: member ? null : "true", dataset: { productId: product.id } },
          member ? null : h("span", { class: "handle", title: "Drag into the collection" }, icon("drag")),
          productThumb(product),
          h("span", { class: "grow" }, product.title),
          member ? badge("resolved", "Added") : button("Add", { onClick: () => addProduct(product.id), "aria-label": `Add ${product.title}` }),
        );
        item.addEventListener("dragstart", (event) => {
          dragging = { source: "catalog", id: product.id };
          event.dataTransfer.effectAllowed = "copy";
          event.dataTransfer.setData(DRAG_TYPE, JSON.stringify(dragging));
          event.dataTransfer.setData("text/plain", product.title);
          item.classList.add("dragging");
        });
        item.addEventListener("dragend", () => {
          item.classList.remove("dragging");
          dragging = null;
          clearMarks();
        });
        return item;
      }),
    );
    if (!page.items.length) catalogList.append(h("li", { class: "empty" }, "No products match."));
  }
  search.addEventListener("input", debounce(searchCatalog, 250));

  // -- smart: conditions ----------------------------------------------------------------------------
  function editRules() {
    const builder = ruleBuilder(collection.rules, collection.disjunctive);
    const errors = h("div");
    openModal({
      title: "Edit conditions",
      wide: true,
      body: [errors, builder.node],
      actions: [
        { label: "Cancel" },
        {
          label: "Save conditions",
          primary: true,
          onClick: async () => {
            try {
              collection = await api("PUT", `/api/collections/${collection.id}`, { body: { ...builder.value(), version: collection.version } });
              toast("Conditions saved");
              renderPage();
              await loadMembers();
              return true;
            } catch (error) {
              errors.replaceChildren(banner({ tone: "critical", title: "Could not save", body: [h("p", error.message)] }));
              return false;
            }
          },
        },
      ],
    });
  }

  function rename() {
    const title = input({ value: collection.title, required: true, maxlength: 255 });
    const errors = h("div");
    openModal({
      title: "Rename collection",
      body: [errors, field("Title", title, { loc: "title", help: "Shoppers see this name; its handle (web address) stays." })],
      actions: [
        { label: "Cancel" },
        {
          label: "Rename",
          primary: true,
          onClick: async () => {
            const next = title.value.trim();
            if (!next || next === collection.title) return next !== "";
            try {
              collection = await api("PUT", `/api/collections/${collection.id}`, { body: { title: next, version: collection.version } });
              toast("Collection renamed");
              document.title = `${collection.title} · Collections`;
              renderPage();
              return true;
            } catch (error) {
              const stale = error.status === 409 ? " Someone changed it meanwhile: reload the page to see their version." : "";
              errors.replaceChildren(banner({ tone: "critical", title: "Could not rename", body: [h("p", error.message + stale)] }));
              return false;
            }
          },
        },
      ],
    });
  }

  async function removeCollection() {
    const ok = await confirmModal({ title: `Delete ${collection.title}?`, message: "The products stay in the catalog.", confirmLabel: "Delete collection", critical: true });
    if (!ok) return;
    try {
      await api("DELETE", `/api/collections/${collection.id}`);
      toast("Collection deleted");
      navigate("/collections");
    } catch (error) {
      toastError(error);
    }
  }

  const page = h("div", { class: "page" });
  root.append(page);

  function renderPage() {
    const header = pageHeader(collection.title, {
      back: "/collections",
      subtitle: h("span", { class: "btn-group" }, badge(collection.collection_type), badge(collection.sync_state)),
      actions: editable ? [button("Rename", { onClick: rename }), !manual ? button("Edit conditions", { onClick: editRules }) : null, button("Delete collection", { onClick: removeCollection })].filter(Boolean) : [],
    });
    const membersCard = card({
      title: manual ? "Products in this collection" : "Matching products",
      actions: countLabel,
      sections: [h("div", manual && editable ? h("p", { class: "subtitle" }, "Drag to reorder, or use the arrow buttons. Shoppers see this order.") : null, list)],
    });
    const side = manual
      ? editable
        ? card({
            title: "Add products",
            sections: [
              h(
                "div",
                field("Search products to add", search, { hideLabel: true }),
                h("p", { class: "subtitle" }, "Drag a product into the collection at the place you want, or press Add."),
                catalogList,
              ),
            ],
          })
        : null
      : card({ title: "Conditions", sections: [h("p", collection.disjunctive ? "Products matching any of:" : "Products matching all of:"), h("ul", collection.rules.map((r) => h("li", describeRule(r))))] });
    page.replaceChildren(header, errorSlot, status, h("div", { class: "columns" }, h("div", membersCard), h("div", side)));
  }

  renderPage();
  try {
    await loadMembers();
  } catch (error) {
    errorSlot.replaceChildren(banner({ tone: "critical", title: "Could not load products", body: [h("p", error.message)] }));
  }
  await searchCatalog();
}
