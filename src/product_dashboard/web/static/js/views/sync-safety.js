// The safety net of a job: a push's or pull's preview, the guard rules holding it for approval,
// what a push, pull or import changed (with its results files), and its undo, previewed first.
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

export function describe(change) {
  if (change.kind === "added") return `${change.path}: added`;
  if (change.kind === "removed") return `${change.path}: removed`;
  return `${change.path}: ${show(change.old)} → ${show(change.new)}`;
}

const CHANGES_SHOWN = 8;

// A results row's action as the merchant reads it. A pull's "learned" row replaced nothing here:
// it only read fields not known here before (counted with the unchanged products).
const ACTION_LABELS = { learned: "Fields now known" };
const actionLabel = (action) => ACTION_LABELS[action] || humanize(action);
const LEARNED_NOTE =
  "Updated: Shopify's changes replaced values here. Fields now known: nothing here was replaced; fields not known here before were read from Shopify (counted as unchanged, nothing to undo).";

const firstKnown = (change) => change.kind === "changed" && (change.old === null || change.old === undefined);

/** A row's changes, values replaced first; on a product that was here before, fields that only
 * became known (Shopify's defaults read by a first pull: "— → false") are counted, not listed, so
 * they never hide what changed. */
function changesList(row) {
  const learned = row.action === "created" || row.action === "learned" ? [] : row.changes.filter(firstKnown);
  const shown = learned.length ? row.changes.filter((c) => !firstKnown(c)) : row.changes;
  const items = shown.slice(0, CHANGES_SHOWN).map((c) => h("li", describe(c)));
  if (shown.length > CHANGES_SHOWN) items.push(h("li", { class: "muted" }, `and ${fmtNumber(shown.length - CHANGES_SHOWN)} more`));
  if (learned.length) {
    const n = learned.length;
    items.push(h("li", { class: "muted", title: learned.map((c) => c.path).join("\n") }, `${fmtNumber(n)} ${n === 1 ? "field" : "fields"} known for the first time`));
  }
  return h("ul", { class: "plain" }, items);
}

async function changesTable(jobId, stage, label) {
  const page = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}/results`, { query: { stage, per_page: ROWS_SHOWN } });
  if (!page.total) return emptyState("Nothing to change", "Every product in scope already matches.");
  const rows = page.items.map((row) =>
    h(
      "tr",
      h("td", row.handle || String(row.product_id ?? "")),
      h("td", badge(row.action === "failed" ? "error" : row.action, actionLabel(row.action))),
      h("td", row.changes.length ? changesList(row) : h("span", { class: "muted" }, "—")),
      h("td", row.error || ""),
    ),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h("table", { class: "data", "aria-label": label }, tableHead(["Product", "Action", "Fields (old → new)", "Error"]), h("tbody", rows)),
    page.total > ROWS_SHOWN ? h("p", { class: "subtitle" }, `First ${ROWS_SHOWN} of ${fmtNumber(page.total)} products; download the file for all of them.`) : null,
    page.items.some((row) => row.action === "learned") ? h("p", { class: "subtitle", "data-testid": "learned-note" }, LEARNED_NOTE) : null,
  );
}

function countsLine(counts) {
  if (!counts) return null;
  const actions = Object.entries(counts.actions || {}).map(([action, n]) => `${fmtNumber(n)} ${action === "learned" ? "with fields now known" : action}`);
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

// The jobs whose changes are recorded product by product, and can be undone.
const NOUNS = { "sync.push": "push", "sync.pull": "pull", "product.import": "import" };
const ENDED = ["completed", "stopped", "failed"];
const an = (noun) => (noun === "import" ? "an" : "a");

/** Whether a job (a summary will do) has a safety card: its hold, preview or changes. */
export const hasSafetyCard = (job) => Boolean(NOUNS[job.type]) && [...ENDED, "awaiting_approval"].includes(job.state);

/** The safety card of a push, pull or import (`job`: GET /api/jobs/<id>): its hold, preview, or
 * changes and undo; `onChanged(jobId)` shows another run (the push an undo queued). */
export async function safetyCard(job, { canEdit, onChanged }) {
  const noun = NOUNS[job.type];
  if (!noun) return null;
  const report = job.report || {};
  const preview = report.preview;
  if (job.state === "awaiting_approval") {
    const decide = async (action) => {
      try {
        await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/${action}`, { body: action === "reject" ? { reason: null } : undefined });
        toast(action === "approve" ? `Approved: the ${noun} runs` : "Rejected: nothing was changed");
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
          title: `A guard rule held this ${noun} before it changed anything`,
          body: (preview?.held_by || []).map((hit) => guardHit(hit)),
          actions: canEdit
            ? [button(`Approve and ${noun}`, { primary: true, onClick: () => decide("approve") }), button("Reject", { critical: true, onClick: () => decide("reject") })]
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
      ? banner({ tone: "warning", title: `${humanize(an(noun))} ${noun} of these changes would wait for approval`, body: preview.held_by.map((hit) => h("p", hit.message)) })
      : null;
    return card({
      title: `Preview: what ${an(noun)} ${noun} would change`,
      actions: files(job.id, "preview"),
      sections: [wouldHold, countsLine(preview?.counts), await changesTable(job.id, "preview", "Previewed changes")],
    });
  }
  return changedCard(job, { canEdit, onChanged });
}

/** What a finished push, pull or import changed (`job`: GET /api/jobs/<id>), its results files,
 * and its undo, previewed first; null while it runs. `onChanged(jobId)`: the push an undo of a
 * push queued; `onUndone()`: an undo finished. */
export async function changedCard(job, { canEdit, onChanged = () => {}, onUndone = () => {} }) {
  const noun = NOUNS[job.type];
  if (!noun || !ENDED.includes(job.state)) return null;
  const undoSlot = h("div");
  const previewUndo = async () => {
    try {
      const started = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/undo`, { body: { dry_run: true } });
      undoSlot.replaceChildren(h("p", { class: "subtitle" }, "Working out what an undo would restore…"));
      watchJob(started.job_id, async (undo) => {
        if (undo.state === "completed") undoSlot.replaceChildren(await undoPreview(job, noun, undo, undoSlot, { onChanged, onUndone }));
        else if (undo.state === "failed") undoSlot.replaceChildren(banner({ tone: "critical", title: "The undo preview failed", body: [h("p", undo.error || "")] }));
      });
    } catch (error) {
      toastError(error);
    }
  };
  return card({
    title: `What this ${noun} changed`,
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

async function undoPreview(job, noun, finished, slot, { onChanged, onUndone }) {
  // Job events carry no report: read the finished job for it.
  const undo = await api("GET", `/api/jobs/${encodeURIComponent(finished.id)}`);
  const report = undo.report || {};
  const kept = report.not_restored || [];
  const confirm = button(`Undo this ${noun}`, {
    critical: true,
    onClick: async () => {
      confirm.disabled = true;
      try {
        const started = await api("POST", `/api/jobs/${encodeURIComponent(job.id)}/undo`, { body: { dry_run: false } });
        toast(`Undoing the ${noun}`);
        watchJob(started.job_id, async (done) => {
          if (!ENDED.includes(done.state)) return;
          const { report: result, error } = await api("GET", `/api/jobs/${encodeURIComponent(done.id)}`);
          slot.replaceChildren(
            done.state === "completed"
              ? banner({
                  tone: "success",
                  title: `The ${noun} is undone`,
                  body: [h("p", { "data-testid": "undo-done" }, `${fmtNumber(result?.restored_products || 0)} products got their previous values back${result?.not_restored_count ? `; ${fmtNumber(result.not_restored_count)} places were left as they are` : ""}.`)],
                })
              : banner({ tone: "critical", title: "The undo did not finish", body: [h("p", error || done.state)] }),
          );
          onUndone();
          if (result?.push_job_id) onChanged(result.push_job_id);
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
