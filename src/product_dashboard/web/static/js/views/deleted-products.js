// Activity's "Deleted in Shopify" card: products deleted here because Shopify deleted them (a
// webhook or a pull), each kept whole; editors restore one (unlinked: the next push creates it in
// Shopify again) after a preview of what comes back.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtAgo } from "../core/format.js";
import { badge, banner, button, emptyState, flushCard, pagination, tableHead } from "../ui/components.js";
import { session } from "../core/session.js";
import { openModal } from "../ui/modal.js";
import { toast, toastError } from "../ui/toast.js";
import { describe } from "./sync-safety.js";

const SHOWN = 8;
const CHANGES_SHOWN = 40;

async function openRestore(entry, onChange) {
  let preview;
  try {
    preview = await api("POST", "/api/products/restore", { body: { audit_id: entry.audit_id, dry_run: true } });
  } catch (error) {
    toastError(error);
    return;
  }
  const changes = preview.changes;
  openModal({
    title: `Restore ${entry.title}`,
    wide: true,
    body: [
      h("p", "It comes back unlinked, with every field, variant, image, metafield and stock level below; the next push creates it in Shopify again."),
      h(
        "ul",
        { class: "plain", "aria-label": "What comes back", "data-testid": "restore-preview" },
        changes.slice(0, CHANGES_SHOWN).map((change) => h("li", describe(change))),
      ),
      changes.length > CHANGES_SHOWN ? h("p", { class: "subtitle" }, `And ${changes.length - CHANGES_SHOWN} more.`) : null,
    ],
    actions: [
      { label: "Cancel" },
      {
        label: "Restore",
        primary: true,
        onClick: async () => {
          try {
            const done = await api("POST", "/api/products/restore", { body: { audit_id: entry.audit_id } });
            toast(`Restored as product #${done.product_id}; push to create it in Shopify`);
          } catch (error) {
            toastError(error);
          }
          onChange();
        },
      },
    ],
  });
}

function row(entry, onChange) {
  let state;
  if (entry.restored_product_id) state = h("a", { href: `/products/${entry.restored_product_id}` }, `Restored as #${entry.restored_product_id}`);
  else if (!entry.restorable) state = h("span", { class: "muted" }, "Not kept");
  else if (session.canEdit) state = button("Restore", { "aria-label": `Restore ${entry.title}`, onClick: () => openRestore(entry, onChange) });
  return h(
    "tr",
    { dataset: { auditId: entry.audit_id } },
    h("td", h("strong", entry.title), h("div", { class: "subtitle mono" }, entry.handle || "")),
    h("td", badge(entry.source, entry.source === "webhook" ? "Webhook" : "Pull")),
    h("td", { class: "muted" }, fmtAgo(entry.at)),
    h("td", state || null),
  );
}

export function deletedCard() {
  const slot = h("div");
  let page = 1;
  async function load() {
    let listing;
    try {
      listing = await api("GET", "/api/products/deleted", { query: { page, per_page: SHOWN } });
    } catch (error) {
      slot.replaceChildren(banner({ tone: "warning", title: "Could not load deleted products", body: [h("p", error.message)] }));
      return;
    }
    if (!listing.items.length && page > 1) {
      page = Math.max(1, Math.ceil(listing.total / SHOWN));
      load();
      return;
    }
    const goTo = (p) => {
      page = p;
      load();
    };
    slot.replaceChildren(
      listing.items.length
        ? h(
            "div",
            h("div", { class: "table-wrap" }, h("table", { class: "data", "aria-label": "Deleted in Shopify" }, tableHead(["Product", "By", "Deleted", ""]), h("tbody", listing.items.map((entry) => row(entry, load))))),
            listing.total > SHOWN ? pagination({ page: listing.page, perPage: listing.per_page, total: listing.total, label: "deleted products", onPage: goTo }) : null,
          )
        : emptyState("Nothing deleted in Shopify", "A product deleted in Shopify is deleted here too, kept whole: restore it here."),
    );
  }
  load();
  return { node: flushCard("Deleted in Shopify", slot), reload: load };
}
