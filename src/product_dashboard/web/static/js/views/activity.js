// Activity: the live event stream, webhooks, jobs with progress (a push's, pull's or import's
// changes and undo), and batch edits with undo.
import { api } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtAgo, fmtDuration, fmtNumber, fmtTime, humanize, jobLabel } from "../core/format.js";
import { live } from "../core/live.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, emptyState, flushCard, progressBar, select, tableHead } from "../ui/components.js";
import { jobFailures } from "../ui/failures.js";
import { waitingNote } from "../ui/jobs.js";
import { openModal } from "../ui/modal.js";
import { toast, toastError } from "../ui/toast.js";
import { alertsCard } from "./alerts.js";
import { backupsCard } from "./backups.js";
import { deletedCard } from "./deleted-products.js";
import { undoBatch } from "./batch.js";
import { hasSafetyCard, safetyCard } from "./sync-safety.js";

const STREAM_LIMIT = 60;
const BATCH_KINDS = { status: "Set status", pricing: "Change prices", category: "Set category", add_to_collection: "Add to collection", delete: "Delete", cells: "Bulk editor" };

function stat(label, value, hint = null) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), hint ? h("div", { class: "hint" }, hint) : null);
}

const ms = (value) => (value === null || value === undefined ? "—" : `${Math.round(value)} ms`);

function summarize(data) {
  if (!data || typeof data !== "object") return String(data ?? "");
  const parts = [];
  for (const key of ["title", "topic", "type", "state", "outcome", "resource_id", "product_id", "percent", "error"]) {
    if (data[key] !== undefined && data[key] !== null) parts.push(`${key}: ${key === "percent" ? Math.round(data[key]) + "%" : data[key]}`);
  }
  if (data.progress) parts.push(`${data.progress.done}/${data.progress.total}`);
  return parts.join(" · ");
}

export function jobRow(job, onChange) {
  const canAct = session.canEdit;
  const actions = [];
  if (canAct && ["queued", "running"].includes(job.state)) {
    actions.push(button("Stop", { onClick: () => act(job, "cancel", onChange), "aria-label": `Stop ${jobLabel(job.type)}` }));
  }
  if (canAct && ["stopped", "failed"].includes(job.state)) {
    actions.push(button("Resume", { onClick: () => act(job, "resume", onChange), "aria-label": `Resume ${jobLabel(job.type)}` }));
  }
  if (hasSafetyCard(job)) {
    actions.push(button("Changes", { onClick: () => openChanges(job, onChange), "aria-label": `Changes of ${jobLabel(job.type)} ${job.id.slice(0, 8)}` }));
  }
  const pct = job.percent ?? (job.state === "completed" ? 100 : 0);
  return h(
    "tr",
    { dataset: { jobId: job.id } },
    h("td", h("strong", jobLabel(job.type)), h("div", { class: "subtitle mono" }, job.id.slice(0, 8))),
    h("td", badge(job.state)),
    h(
      "td",
      h(
        "div",
        { class: "progress-row" },
        progressBar(pct, { label: `Progress of ${jobLabel(job.type)}`, failed: job.state === "failed" }),
        h("span", { class: "pct" }, `${Math.round(pct)}%`),
      ),
      h(
        "div",
        { class: "subtitle" },
        `${fmtNumber(job.progress.done)} of ${fmtNumber(job.progress.total)}`,
        job.eta_seconds ? ` · ${fmtDuration(job.eta_seconds)} left` : "",
      ),
      waitingNote(job) ? h("div", { class: "subtitle", "data-testid": "job-waiting" }, waitingNote(job)) : null,
      job.progress.failed ? jobFailures(job) : null,
    ),
    h("td", { class: "muted" }, fmtAgo(job.started_at || job.created_at)),
    h("td", job.error ? h("span", { class: "field-error" }, job.error) : null, actions.length ? h("div", { class: "btn-group" }, actions) : null),
  );
}

// What a push, pull or import changed (or would, or is held with), its results files and its undo.
async function openChanges(summary, onChange) {
  try {
    const job = await api("GET", `/api/jobs/${encodeURIComponent(summary.id)}`);
    const shown = await safetyCard(job, { canEdit: session.canEdit, onChanged: onChange });
    openModal({
      title: `${jobLabel(job.type)} · ${fmtTime(job.finished_at || job.created_at)}`,
      wide: true,
      body: [shown || emptyState("Nothing recorded", "This job recorded no changes.")],
      actions: [{ label: "Close" }],
      onClose: onChange,
    });
  } catch (error) {
    toastError(error);
  }
}

async function act(job, action, onChange) {
  try {
    await api("POST", `/api/jobs/${job.id}/${action}`);
    toast(action === "cancel" ? "Stopping the job" : "Job resumed");
  } catch (error) {
    toastError(error);
  }
  onChange();
}

export function jobsTable(jobs, onChange) {
  if (!jobs.length) return emptyState("No jobs yet", "Syncs, large batch edits, exports and icon generation run as jobs and show up here.");
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", "aria-label": "Jobs" },
      tableHead(["Job", "State", "Progress", "Started", ""]),
      h("tbody", jobs.map((job) => jobRow(job, onChange))),
    ),
  );
}

export async function activityView(params, query, root) {
  document.title = "Activity · Product Dashboard";
  const statsSlot = h("div");
  const stream = h("ol", { class: "stream", "aria-label": "Live events", "aria-live": "off" });
  const jobsSlot = h("div");
  const batchesSlot = h("div");
  const eventsSlot = h("div");
  const failuresSlot = h("div");
  const filter = select([["*", "All channels"], ["jobs", "Jobs"], ["sync", "Sync"], ["webhooks", "Webhooks"], ["conflicts", "Conflicts"], ["products", "Products"]], { value: "*", "aria-label": "Show events from" });
  let jobs = [];
  const deleted = deletedCard();
  const alerts = alertsCard();

  const testButton = session.isAdmin
    ? button("Send test webhook", {
        onClick: async () => {
          try {
            const result = await api("POST", "/api/webhooks/test", { body: { topic: "products/update" } });
            toast(result.accepted ? "Test webhook verified and stored (its sample product is never saved)" : `Test webhook answered ${result.status_code}`);
          } catch (error) {
            toastError(error);
          }
          loadWebhooks();
        },
      })
    : null;

  root.append(
    h(
      "div",
      { class: "page" },
      h("div", { class: "page-header" }, h("h1", "Activity"), h("div", { class: "actions" }, testButton)),
      statsSlot,
      h(
        "div",
        { class: "columns" },
        h("div", alerts.node, flushCard("Jobs", jobsSlot), session.canEdit ? flushCard("Failures in the logs", failuresSlot) : null, flushCard("Batch edits", batchesSlot), deleted.node, flushCard("Recent webhook deliveries", eventsSlot), session.isAdmin ? backupsCard() : null),
        h("div", card({ title: "Live events", actions: filter, flush: true, sections: [h("div", { class: "card-section" }, stream)] })),
      ),
    ),
  );

  async function loadWebhooks() {
    try {
      const [status, metrics] = await Promise.all([api("GET", "/api/webhooks/status"), api("GET", "/api/webhooks/metrics")]);
      statsSlot.replaceChildren(
        h(
          "div",
          { class: "grid-stats" },
          stat("Webhooks", status.receiving ? "Receiving" : "Not receiving", status.last_received_at ? `last ${fmtAgo(status.last_received_at)}` : "none received yet"),
          stat("Received", fmtNumber(metrics.received), `${fmtNumber(metrics.duplicates)} duplicates · ${fmtNumber(metrics.refused + metrics.rejected)} refused`),
          stat("Processed", fmtNumber(metrics.processed), `${fmtNumber(metrics.pending)} pending`),
          stat("Failed", fmtNumber(metrics.failed), `${fmtNumber(metrics.dead)} dead-lettered`),
          stat("Acknowledged in", ms(metrics.ack_latency.p50_ms), metrics.ack_latency.p99_ms === null ? "p50" : `p50 · p99 ${ms(metrics.ack_latency.p99_ms)}`),
        ),
      );
      const events = await api("GET", "/api/webhooks/events", { query: { per_page: 8 } });
      eventsSlot.replaceChildren(
        events.items.length
          ? h(
              "div",
              { class: "table-wrap" },
              h(
                "table",
                { class: "data", "aria-label": "Webhook deliveries" },
                tableHead(["Topic", "Resource", "State", "Outcome", "Received"]),
                h(
                  "tbody",
                  events.items.map((e) =>
                    h(
                      "tr",
                      h("td", h("code", e.topic)),
                      h("td", { class: "muted" }, e.resource_id ? e.resource_id.split("/").pop() : "—"),
                      h("td", badge(e.state)),
                      h("td", e.outcome ? humanize(e.outcome) : e.last_error ? h("span", { class: "field-error" }, e.last_error) : "—"),
                      h("td", { class: "muted" }, fmtAgo(e.received_at)),
                    ),
                  ),
                ),
              ),
            )
          : emptyState("No webhook deliveries yet", "Shopify's product webhooks appear here as they arrive."),
      );
    } catch (error) {
      statsSlot.replaceChildren(banner({ tone: "warning", title: "Webhook status unavailable", body: [h("p", error.message)] }));
    }
  }

  async function loadJobs() {
    try {
      jobs = (await api("GET", "/api/jobs", { query: { per_page: 12 } })).items;
      jobsSlot.replaceChildren(jobsTable(jobs, loadJobs));
    } catch (error) {
      jobsSlot.replaceChildren(banner({ tone: "critical", title: "Could not load jobs", body: [h("p", error.message)] }));
    }
  }

  // The newest warnings and errors of logs/dashboard.log, one row per job (key=value fields).
  async function loadFailures() {
    if (!session.canEdit) return;
    let groups;
    try {
      groups = await api("GET", "/api/logs/failures", { query: { limit: 10 } });
    } catch (error) {
      failuresSlot.replaceChildren(banner({ tone: "warning", title: "Could not read the logs", body: [h("p", error.message)] }));
      return;
    }
    if (!groups.length) {
      failuresSlot.replaceChildren(emptyState("No failures logged recently", "Failed jobs, products refused by Shopify, webhook and conflict failures appear here with their reason."));
      return;
    }
    const productLinks = (ids) => ids.slice(0, 5).map((id, i) => [i ? ", " : "", h("a", { href: `/products/${encodeURIComponent(id)}` }, `#${id}`)]);
    failuresSlot.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data", "aria-label": "Failures in the logs" },
          tableHead(["Job", "Failures", "Last reason", "Products", "Last"]),
          h(
            "tbody",
            groups.map((g) =>
              h(
                "tr",
                h("td", g.job ? h("code", { title: g.job }, g.job.slice(0, 8)) : h("span", { class: "muted" }, "Outside jobs")),
                h("td", { class: "num" }, fmtNumber(g.count)),
                h("td", h("details", h("summary", g.last_reason || g.lines[0].message), h("ul", { class: "log-lines" }, g.lines.map((l) => h("li", h("span", { class: "muted" }, `${fmtTime(l.at)} ${l.level} `), l.message, l.fields.reason ? ` — ${l.fields.reason}` : ""))))),
                h("td", g.products.length ? productLinks(g.products) : "—", g.products.length > 5 ? ` +${g.products.length - 5}` : ""),
                h("td", { class: "muted" }, fmtAgo(g.last_at)),
              ),
            ),
          ),
        ),
      ),
    );
  }

  async function loadBatches() {
    let data;
    try {
      data = await api("GET", "/api/products/batch", { query: { per_page: 8 } });
    } catch (error) {
      batchesSlot.replaceChildren(banner({ tone: "critical", title: "Could not load batch edits", body: [h("p", error.message)] }));
      return;
    }
    if (!data.items.length) {
      batchesSlot.replaceChildren(emptyState("No batch edits yet", "Select products and choose a bulk action; every batch can be undone here."));
      return;
    }
    batchesSlot.replaceChildren(
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data", "aria-label": "Batch edits" },
          tableHead(["Change", "State", "Products", "By", "When", ""]),
          h(
            "tbody",
            data.items.map((b) =>
              h(
                "tr",
                h("td", BATCH_KINDS[b.kind] || humanize(b.kind)),
                h("td", badge(b.state)),
                h("td", { class: "num" }, `${fmtNumber(b.changed)} of ${fmtNumber(b.matched)}`),
                h("td", { class: "muted" }, b.actor_email || "—"),
                h("td", { class: "muted" }, fmtAgo(b.created_at)),
                h(
                  "td",
                  session.canEdit && b.state === "completed" && !b.undone_at
                    ? button("Undo", {
                        "aria-label": `Undo ${BATCH_KINDS[b.kind] || b.kind} from ${fmtTime(b.created_at)}`,
                        onClick: async () => {
                          try {
                            const result = await undoBatch(b.id);
                            toast(result.job_id ? "Undo started" : `Undone: ${fmtNumber(result.reverted)} products restored`);
                          } catch (error) {
                            toastError(error);
                          }
                          loadBatches();
                        },
                      })
                    : null,
                ),
              ),
            ),
          ),
        ),
      ),
    );
  }

  function pushEvent(event) {
    if (filter.value !== "*" && event.channel !== filter.value) return;
    for (const placeholder of stream.querySelectorAll(".placeholder")) placeholder.remove();
    stream.prepend(
      h(
        "li",
        h("time", { class: "when", datetime: event.at }, fmtTime(event.at || new Date().toISOString())),
        h("span", { class: "type" }, `${event.channel} · ${event.type}`),
        h("span", { class: "data" }, summarize(event.data)),
      ),
    );
    while (stream.children.length > STREAM_LIMIT) stream.lastChild.remove();
  }

  const reloadWebhooks = debounce(loadWebhooks, 500);
  const reloadBatches = debounce(loadBatches, 500);
  const reloadFailures = debounce(loadFailures, 1000);
  const reloadDeleted = debounce(deleted.reload, 500);
  const offAll = live.on("*", (event) => {
    if (event.channel === "*") return;
    pushEvent(event);
    if (event.channel === "webhooks") reloadWebhooks();
    if (event.type === "product.deleted_remotely") reloadDeleted();
    if (event.channel === "jobs") {
      const index = jobs.findIndex((j) => j.id === event.data.id);
      if (index >= 0) jobs[index] = { ...jobs[index], ...event.data };
      else jobs.unshift(event.data);
      jobsSlot.replaceChildren(jobsTable(jobs.slice(0, 12), loadJobs));
      if (String(event.data.type || "").startsWith("batch")) reloadBatches();
      if (event.type === "job.failed" || event.type === "job.completed") reloadFailures();
    }
  });
  stream.append(h("li", { class: "placeholder" }, "Waiting for events… they appear here as they happen."));
  await Promise.all([loadWebhooks(), loadJobs(), loadBatches(), loadFailures()]);
  return () => {
    alerts.destroy();
    offAll();
    reloadFailures.cancel();
    reloadWebhooks.cancel();
    reloadBatches.cancel();
    reloadDeleted.cancel();
  };
}
