// What failed in a job, each with its reason: "N failed" that opens onto the list.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";

const SHOWN = 200;

function reasonItem(error) {
  const what = error.product_id ? `Product ${error.product_id}` : error.shopify_id || error.handle || "A product";
  return h("li", h("strong", what), ": ", String(error.error ?? error.message ?? JSON.stringify(error)));
}

/** The reasons of `errors` (a job report's list), under a "N failed" summary. */
export function failureList(count, errors) {
  const items = (errors || []).slice(0, SHOWN).map(reasonItem);
  const more = count > items.length ? h("li", { class: "subtitle" }, `${fmtNumber(count - items.length)} more not listed`) : null;
  return h("details", { class: "failures" }, h("summary", `${fmtNumber(count)} failed`), h("ul", items, more));
}

/** "N failed" for a job whose report is not loaded yet: opening it loads the reasons. */
export function jobFailures(job) {
  const list = h("ul", h("li", { class: "subtitle" }, "Loading the reasons…"));
  const details = h("details", { class: "failures" }, h("summary", `${fmtNumber(job.progress.failed)} failed`), list);
  let loaded = false;
  details.addEventListener("toggle", async () => {
    if (!details.open || loaded) return;
    loaded = true;
    try {
      const full = await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`);
      const errors = (full.report && full.report.errors) || [];
      list.replaceChildren(...(errors.length ? errors.slice(0, SHOWN).map(reasonItem) : [h("li", { class: "subtitle" }, "No reasons were recorded for this job.")]));
    } catch (error) {
      loaded = false;
      list.replaceChildren(h("li", { class: "field-error" }, error.message));
    }
  });
  return details;
}
