// Sync with Shopify (placeholder until the sync API lands).
import { h } from "../core/dom.js";
import { emptyState, pageHeader } from "../ui/components.js";

export async function syncView(params, query, root) {
  document.title = "Sync · Product Dashboard";
  root.append(h("div", { class: "page" }, pageHeader("Sync"), emptyState("Sync is not available yet", "This server has no sync engine.")));
}
