// Push chosen products to Shopify now (a sync job scoped to them), with a link to follow it.
import { api } from "../core/api.js";
import { navigate } from "../core/router.js";
import { fmtNumber } from "../core/format.js";
import { toast, toastError } from "../ui/toast.js";

/** selection is {product_ids} or {filter}; every selected product is sent, changed or not. */
export async function pushSelection(selection, count) {
  try {
    await api("POST", "/api/products/batch/sync-shopify", { body: { ...selection, only_changed: false, mode: "auto" } });
    toast(`Pushing ${fmtNumber(count)} ${count === 1 ? "product" : "products"} to Shopify`, {
      action: { label: "Follow on Sync", onAction: () => navigate("/sync") },
    });
  } catch (error) {
    toastError(error);
  }
}
