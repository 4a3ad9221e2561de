// The safety net on the Sync page: a push's preview, the guard rules holding it for approval,
// what it changed (with its results files), and its undo, previewed first.
import { api, request, saveResponse } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtNumber, humanize } from "../core/format.js";
import { badge, banner, button, card, emptyState, tableHead } from "../ui/components.js";
import { watchJob } from "../ui/jobs.js";
import { toast, toastError } from "../ui/toast.js";

const ROWS_SHOWN = 20;

function show(value) {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function describe(change) {
  if (change.kind === "added") return `${change.path}: added`;
  if (change.kind === "removed") return `${change.path}: removed`;
  return `${change.path}: ${show(change.old)} → ${show(change.new)}`;
}

async function changesTable(jobId, stage, label) {
  const page = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}/results`, { query: { stage, per_page: ROWS_SHOWN } });
  if (!page.total) return emptyState("Nothing to change", "Every product in scope already matches.");
  const rows = page.items.map((row) =>
    h(
      "tr",
      h("td", row.handle || String(row.product_id ?? "")),
      h("td", badge(row.action === "failed" ? "error" : row.action, humanize(row.action))),
      h("td", row.changes.length ? h("ul", { class: "plain" }, row.changes.slice(0, 8).map((c) => h("li", describe(c)))) : h("span", { class: "muted" }, "—")),
      h("td", row.error || ""),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "data", "aria-label": label }, tableHead(["Product", "Action", "Fields (old → new)", "Error"]), h("tbody", rows)),
    page.total > ROWS_SHOWN ? h("p", { class: "subtitle" }, `First ${ROWS_SHOWN} of ${fmtNumber(page.total)} products; download the file for all of them.`) : null,
  );
}

function countsLine(counts) {
  if (!counts) return null;
  const actions = Object.entries(counts.actions || {}).map(([action, n]) => `${fmtNumber(n)} ${action}`);
  const fields = Object.entries(counts.fields || {}).map(([name, kinds]) => `${name}: ${Object.entries(kinds).map(([k, n]) => `${fmtNumber(n)} ${k}`).join(", ")}`);
  return h("p", { class: "subtitle", "data-testid": "change-counts" }, [actions.join(" · "), fields.join(" · ")].filter(Boolean).join(" — "));
}

async function download(jobId, stage, format) {
  const response = await request("GET", `/api/jobs/${encodeURIComponent(jobId)}/results.${format}`, { query: { stage } });
  await saveResponse(response, `job-${jobId}-${stage}.${format}`);
}

function files(jobId, stage) {
  return h(
    "span",
    { class: "btn-group" },
    button("Download CSV", { onClick: () => download(jobId, stage, "csv").catch(toastError) }),
    button("Download JSONL", { onClick: () => download(jobId, stage, "jsonl").catch(toastError) }),
  );
}

/** The safety card of a push job (`job`: GET /api/jobs/<id>); `onChanged(jobId)` shows another run. */
// A hit, with links to the products it names (the stock rules list them), the first 20.
function guardHit(hit) {
  const ids = hit.product_ids || [];
  const links = ids.slice(0, 20).map((id) => h("a", { href: `/products/${id}` }, `#${id}`));
  const more = ids.length > 20 ? ` and ${ids.length - 20} more` : "";
  return h(
    "div",
    h("p", { "data-testid": "guard-hit" }, `${humanize(hit.rule)}: ${hit.message}`),
    links.length ? h("p", { class: "muted" }, "Products: ", links.flatMap((link, i) => (i ? [", ", link] : [link])), more) : null,
  );
}

export async function safetyCard(job, { canEdit, onChanged }) {
  if (job.type !== "sync.push") return null;
  const report = job.report || {};
  const preview = report.preview;
  if (job.state === "awaiting_approval") {
    const decide = async (action) => {
      try {
        await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/${action}`, { body: action === "reject" ? { reason: null } : undefined });
        toast(action === "approve" ? "Approved: the push runs" : "Rejected: nothing was sent");
        onChanged(job.id);
      } catch (error) {
        toastError(error);
      }
    };
    return card({
      title: "Waiting for approval",
      sections: [
        banner({
          tone: "warning",
          title: "A guard rule held this push before it sent anything",
          body: (preview?.held_by || []).map((hit) => guardHit(hit)),
          actions: canEdit
            ? [button("Approve and push", { primary: true, onClick: () => decide("approve") }), button("Reject", { critical: true, onClick: () => decide("reject") })]
            : [],
        }),
        countsLine(preview?.counts),
        await changesTable(job.id, "preview", "Previewed changes"),
      ],
    });
  }
  if (job.params?.dry_run) {
    if (job.state !== "completed") return null;
    const wouldHold = preview?.held_by?.length
      ? banner({ tone: "warning", title: "A push of these changes would wait for approval", body: preview.held_by.map((hit) => h("p", hit.message)) })
      : null;
    return card({
      title: "Preview: what a push would change",
      actions: files(job.id, "preview"),
      sections: [wouldHold, countsLine(preview?.counts), await changesTable(job.id, "preview", "Previewed changes")],
    });
  }
  if (!["completed", "stopped", "failed"].includes(job.state)) return null;
  const undoSlot = h("div");
  const previewUndo = async () => {
    try {
      const started = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/undo`, { body: { dry_run: true } });
      undoSlot.replaceChildren(h("p", { class: "subtitle" }, "Working out what an undo would restore…"));
      watchJob(started.job_id, async (undo) => {
        if (undo.state === "completed") undoSlot.replaceChildren(await undoPreview(job.id, undo, { onChanged }));
      });
    } catch (error) {
      toastError(error);
    }
  };
  return card({
    title: "What this push changed",
    actions: h("span", { class: "btn-group" }, files(job.id, "done"), canEdit ? button("Preview undo", { onClick: previewUndo }) : null),
    sections: [countsLine(await summary(job.id)), await changesTable(job.id, "done", "Changes made"), undoSlot],
  });
}

async function summary(jobId) {
  try {
    return (await api("GET", `/api/jobs/${encodeURIComponent(jobId)}/results/summary`)).counts;
  } catch {
    return null;
  }
}

async function undoPreview(pushId, finished, { onChanged }) {
  // Job events carry no report: read the finished job for it.
  const undo = await api("GET", `/api/jobs/${encodeURIComponent(finished.id)}`);
  const report = undo.report || {};
  const kept = report.not_restored || [];
  const confirm = button("Undo this push", {
    critical: true,
    onClick: async () => {
      confirm.disabled = true;
      try {
        const started = await api("POST", `/api/jobs/${encodeURIComponent(pushId)}/undo`, { body: { dry_run: false } });
        toast("Undoing the push");
        watchJob(started.job_id, async (done) => {
          if (done.state !== "completed") return;
          const { report } = await api("GET", `/api/jobs/${encodeURIComponent(done.id)}`);
          if (report?.push_job_id) onChanged(report.push_job_id);
        });
      } catch (error) {
        confirm.disabled = false;
        toastError(error);
      }
    },
  });
  return h(
    "div",
    { "data-testid": "undo-preview" },
    h("h3", "Undo preview"),
    h("p", `${fmtNumber(report.restored_products || 0)} products would get their previous values back.`),
    kept.length
      ? banner({
          tone: "info",
          title: `${fmtNumber(report.not_restored_count)} places are left as they are`,
          body: [h("ul", kept.slice(0, 10).map((k) => h("li", `${k.product_id ?? ""} ${k.path}: ${k.reason}`)))],
        })
      : null,
    await changesTable(undo.id, "preview", "Undo changes"),
    h("div", { class: "btn-group" }, confirm),
  );
}
