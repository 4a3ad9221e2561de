// The product filter as the list, the bulk editor and saved views carry it (ProductFilter).

export const FILTER_KEYS = ["q", "status", "vendor", "product_type", "tag", "collection_id", "sync_state", "price_min", "price_max", "category", "metafield"];

/** The filter's set keys, as the API takes them (status and sync state as lists). */
export function filterBody(state) {
  const filter = {};
  for (const key of FILTER_KEYS) {
    const value = state[key];
    if (value === "" || value === undefined || value === null) continue;
    filter[key] = key === "status" || key === "sync_state" ? String(value).split(",") : value;
  }
  return filter;
}
