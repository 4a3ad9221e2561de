// Exports (CSV, JSON, NDJSON, Excel, Shopify's import CSV) and CSV imports with a dry run first.
import { api, request, saveResponse } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";
import { banner, field, select, tableHead } from "../ui/components.js";
import { waitingNote, watchJob } from "../ui/jobs.js";
import { openModal } from "../ui/modal.js";
import { toast, toastError } from "../ui/toast.js";
import { changedCard } from "./sync-safety.js";

const FORMATS = [
  ["csv", "CSV (for spreadsheets; re-importable)"],
  ["shopify_csv", "Shopify product import CSV"],
  ["xlsx", "Excel workbook (.xlsx)"],
  ["json", "JSON"],
  ["ndjson", "NDJSON (one product per line)"],
];

/** Export: `scopes` is [[value, label, selection-body], …]; the first is preselected. */
export function openExport(scopes) {
  const format = select(FORMATS, { value: "csv" });
  const scope = select(scopes.map(([value, label]) => [value, label]), { value: scopes[0][0] });
  const status = h("div", { "aria-live": "polite" });
  openModal({
    title: "Export products",
    body: [field("Products", scope), field("Format", format), status],
    actions: [
      { label: "Cancel" },
      {
        label: "Export",
        primary: true,
        onClick: async (ctx) => {
          const selection = scopes.find(([value]) => value === scope.value)[2];
          status.replaceChildren();
          try {
            const response = await request("POST", "/api/products/batch/export", { body: { ...selection, format: format.value } });
            if (response.status === 202) {
              const accepted = await response.json();
              status.replaceChildren(h("p", `Exporting ${fmtNumber(accepted.products)} products as a background job…`));
              watchJob(accepted.job_id, async (job) => {
                if (job.state === "completed") {
                  await saveResponse(await request("GET", accepted.download_url), `products.${format.value}`);
                  status.replaceChildren(banner({ tone: "success", title: "Export ready", body: [h("p", "The download has started.")] }));
                } else if (job.state === "failed") {
                  status.replaceChildren(banner({ tone: "critical", title: "The export failed", body: [h("p", job.error || "")] }));
                } else {
                  status.replaceChildren(h("p", waitingNote(job) || `Exporting… ${Math.round(job.percent || 0)}%`));
                }
              });
              return false;
            }
            await saveResponse(response, `products.${format.value}`);
            toast("Export downloaded");
            return true;
          } catch (error) {
            status.replaceChildren(banner({ tone: "critical", title: "The export failed", body: [h("p", error.message)] }));
            return false;
          }
        },
      },
    ],
  });
}

function reportNode(report, title) {
  const errors = report.errors || [];
  return h(
    "div",
    banner({
      tone: report.failed ? "warning" : "success",
      title,
      body: [
        h(
          "p",
          { "data-testid": "import-summary" },
          `${fmtNumber(report.products)} products: ${fmtNumber(report.created)} new, ${fmtNumber(report.updated)} updated, `,
          `${fmtNumber(report.unchanged)} unchanged, ${fmtNumber(report.failed)} with errors.`,
        ),
      ],
    }),
    errors.length
      ? h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "data", "aria-label": "Rows with errors" },
            tableHead(["Row", "Handle", "Field", "Problem"]),
            h("tbody", errors.slice(0, 50).map((e) => h("tr", h("td", String(e.row)), h("td", e.handle || "—"), h("td", h("code", e.field || "—")), h("td", e.message)))),
          ),
        )
      : null,
    resultsNode(report),
  );
}

const OUTCOMES = { created: "New", updated: "Updated", unchanged: "Unchanged", failed: "Not imported" };
const SHOWN_RESULTS = 200;

/** What became of each product of the file (its rows, handle, outcome and why), folded away. */
function resultsNode(report) {
  const results = report.results || [];
  if (!results.length) return null;
  const rows = (r) => (r.last_row > r.row ? `${r.row}–${r.last_row}` : String(r.row));
  const more = results.length > SHOWN_RESULTS || report.results_truncated;
  return h(
    "details",
    { "data-testid": "import-results" },
    h("summary", `Results by product (${fmtNumber(results.length)}${report.results_truncated ? "+" : ""})`),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "data", "aria-label": "Results by product" },
        tableHead(["Rows", "Handle", "Result", "Why"]),
        h("tbody", results.slice(0, SHOWN_RESULTS).map((r) => h("tr", h("td", rows(r)), h("td", r.handle || "—"), h("td", OUTCOMES[r.outcome] || r.outcome), h("td", r.reason || "")))),
      ),
    ),
    more ? h("p", `The first ${fmtNumber(SHOWN_RESULTS)} are shown; the API's report lists up to 10,000.`) : null,
  );
}

/** Import a CSV: check it (dry run), then import, skipping bad products if asked. */
export function openImport(onDone) {
  const file = h("input", { type: "file", accept: ".csv,text/csv,.xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const skip = h("input", { type: "checkbox" });
  const result = h("div", { "aria-live": "polite" });
  // A real import that changed anything is a job (`jobId`): what it changed, its files, its undo.
  const showReport = async (report, dryRun, jobId) => {
    const title = dryRun ? "Check complete — nothing was changed" : report.committed === false ? "Nothing was imported" : "Import complete";
    result.replaceChildren(reportNode(report, title));
    if (dryRun || !jobId || report.committed === false) return;
    const job = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}`);
    const changed = await changedCard(job, { canEdit: true, onUndone: onDone });
    if (changed) result.append(changed);
  };
  // A large file is checked or imported as a background job: follow it here, then show its report.
  const followImport = (accepted, dryRun) =>
    new Promise((resolve) => {
      const doing = dryRun ? "Checking" : "Importing";
      result.replaceChildren(h("p", { "data-testid": "import-progress" }, `${doing} ${fmtNumber(accepted.records)} rows as a background job…`));
      watchJob(accepted.job_id, async (job) => {
        if (job.state === "completed") {
          const finished = await api("GET", `/api/jobs/${encodeURIComponent(accepted.job_id)}`);
          await showReport(finished.report, dryRun, accepted.job_id).catch(toastError);
          resolve(finished.report);
        } else if (job.state === "failed" || job.state === "stopped") {
          result.replaceChildren(banner({ tone: "critical", title: dryRun ? "The check did not finish" : "The import did not finish", body: [h("p", job.error || job.state)] }));
          resolve(null);
        } else {
          const progress = `${doing} ${fmtNumber(accepted.records)} rows… ${Math.round(job.percent || 0)}%`;
          result.replaceChildren(h("p", { "data-testid": "import-progress" }, waitingNote(job) || progress));
        }
      });
    });
  const send = async (dryRun) => {
    if (!file.files.length) {
      result.replaceChildren(banner({ tone: "critical", title: "Choose a CSV or Excel file first." }));
      return null;
    }
    const form = new FormData();
    form.append("file", file.files[0]);
    form.append("dry_run", String(dryRun));
    form.append("on_error", skip.checked ? "skip" : "abort");
    try {
      const response = await request("POST", "/api/products/import", { form });
      const body = await response.json();
      if (response.status === 202) return await followImport(body, dryRun);
      await showReport(body, dryRun, body.job_id).catch(toastError);
      return body;
    } catch (error) {
      const report = error.body && error.body.report;
      result.replaceChildren(report ? reportNode(report, "Nothing was imported") : banner({ tone: "critical", title: "The file could not be imported", body: [h("p", error.message)] }));
      return null;
    }
  };
  openModal({
    title: "Import products",
    wide: true,
    body: [
      h("p", "Products are matched by handle: new handles are created, existing ones updated. Use the CSV or Excel (.xlsx) format this dashboard exports, or Shopify's product CSV."),
      field("CSV file or Excel workbook", file),
      h("label", { class: "choice" }, skip, "Skip products with errors instead of importing nothing"),
      result,
    ],
    actions: [
      { label: "Close" },
      { label: "Check file", onClick: async () => (await send(true), false) },
      {
        label: "Import",
        primary: true,
        onClick: async () => {
          const report = await send(false);
          if (report) onDone();
          return false;
        },
      },
    ],
  });
}

