// Sync with Shopify: start a push or pull, follow it live (progress, throughput, budget), stop or
// resume it, and compare past runs with their alerts.
import { api } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtAgo, fmtDuration, fmtNumber, humanize } from "../core/format.js";
import { live } from "../core/live.js";
import { ratePoints } from "../core/rates.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, emptyState, field, pageHeader, progressBar, select, tableHead } from "../ui/components.js";
import { lineChart } from "../ui/chart.js";
import { olderThan, sameWrite } from "../ui/jobs.js";
import { toast, toastError } from "../ui/toast.js";
import { safetyCard } from "./sync-safety.js";
import { schedulesCard } from "./sync-schedules.js";

const MODES = [
  ["auto", "Automatic (chosen by size)"],
  ["sequential", "Sequential"],
  ["parallel", "Parallel workers"],
  ["batch", "Batched mutations"],
  ["bulk", "Bulk operation"],
];
// A pull reads Shopify page by page or with one bulk query; the push's other modes do not apply.
const PULL_MODES = [
  ["auto", "Automatic (pages for changes, a bulk query for the whole store)"],
  ["sequential", "Page by page (only what changed)"],
  ["bulk", "Bulk query"],
];
const MODE_HELP = {
  push: "Automatic picks sequential, batched or bulk by how many products changed.",
  pull: "The first pull, or one of the whole store, is always one bulk query.",
};
const ACTIVE = new Set(["queued", "running", "stopping"]);
const SYNC_JOBS = new Set(["sync.push", "sync.pull"]);
const ENDED = { completed: "finished", stopped: "stopped", failed: "failed", awaiting_approval: "held for approval" };
const MAX_POINTS = 120;

function processed(progress) {
  return (progress.done || 0) + (progress.failed || 0) + (progress.skipped || 0);
}

function percentOf(progress, state) {
  if (state === "completed") return 100;
  if (!progress.total) return 0;
  return Math.min(100, (processed(progress) / progress.total) * 100);
}

function figure(caption, chart) {
  return h("figure", { style: "margin: 0" }, h("figcaption", { class: "subtitle" }, caption), chart);
}

function stat(label, value, hint = null) {
  return h("div", { class: "stat" }, h("div", { class: "label" }, label), h("div", { class: "value" }, value), hint ? h("div", { class: "hint" }, hint) : null);
}

export async function syncView(params, query, root) {
  document.title = "Sync · Product Dashboard";
  const canEdit = session.canEdit;
  let current = null; // the SyncStatus of the run on screen
  let following = null; // the run on screen, or the one about to be (its status on the way)
  let heard = null; // the newest job event about `following` while its status is on the way
  let safetyOf = null; // the job whose safety card is on screen (or being drawn)
  let series = { jobId: null, points: [] }; // live samples of the current run

  const startSlot = h("div");
  const currentSlot = h("div");
  const safetySlot = h("div");
  const alertsSlot = h("div");
  const historySlot = h("div");
  const schedulesSlot = h("div");
  root.append(h("div", { class: "page" }, pageHeader("Sync with Shopify"), alertsSlot, startSlot, currentSlot, safetySlot, historySlot, schedulesSlot));

  // -- start -------------------------------------------------------------------------------------
  const summarySlot = h("div");
  async function renderCounts() {
    const counts = {};
    for (const state of ["pending", "never_synced", "error", "conflict"]) {
      try {
        counts[state] = (await api("GET", "/api/products", { query: { sync_state: state, per_page: 1 } })).total;
      } catch {
        counts[state] = null;
      }
    }
    const waiting = (counts.pending || 0) + (counts.never_synced || 0) + (counts.error || 0);
    const summary = h(
      "div",
      { class: "grid-stats" },
      stat("Waiting to push", fmtNumber(waiting), `${fmtNumber(counts.pending)} changed · ${fmtNumber(counts.never_synced)} new · ${fmtNumber(counts.error)} failed before`),
      stat("In conflict", fmtNumber(counts.conflict), counts.conflict ? h("a", { href: "/conflicts" }, "Resolve conflicts first") : "none"),
    );
    summarySlot.replaceChildren(summary);
  }

  // The form is built once: refreshing the counts keeps the merchant's choices.
  async function renderStart() {
    await renderCounts();
    if (!canEdit) {
      startSlot.replaceChildren(summarySlot);
      return;
    }
    const direction = select([["push", "Push: dashboard → Shopify"], ["pull", "Pull: Shopify → dashboard"]], { value: "push" });
    const mode = select(MODES, { value: "auto" });
    const modeHelp = h("span", MODE_HELP.push);
    direction.addEventListener("change", () => {
      const options = direction.value === "pull" ? PULL_MODES : MODES;
      const keep = options.some(([value]) => value === mode.value) ? mode.value : "auto";
      mode.replaceChildren(...select(options, { value: keep }).children);
      mode.value = keep;
      modeHelp.textContent = MODE_HELP[direction.value];
    });
    const onlyChanged = h("input", { type: "checkbox", checked: true, id: "sync-only-changed" });
    const errors = h("div");
    const launch = (dryRun) => async () => {
      errors.replaceChildren();
      start.disabled = preview.disabled = true;
      try {
        const body = { direction: direction.value, mode: mode.value, only_changed: onlyChanged.checked, dry_run: dryRun };
        const started = await api("POST", "/api/sync/parallel/start", { body });
        series = { jobId: started.job_id, points: [] };
        toast(dryRun ? "Working out what a push would change" : "Sync started");
        await loadStatus(started.job_id);
      } catch (error) {
        errors.append(banner({ tone: "critical", title: "The sync could not start", body: [h("p", error.message)] }));
      } finally {
        start.disabled = preview.disabled = false;
      }
    };
    const start = button("Start sync", { primary: true, onClick: launch(false) });
    // A preview of a push: field by field, from the last sync to the dashboard, nothing sent.
    const preview = button("Preview push", { onClick: launch(true) });
    direction.addEventListener("change", () => {
      preview.hidden = direction.value !== "push";
    });
    startSlot.replaceChildren(
      summarySlot,
      card({
        title: "Start a sync",
        sections: [
          h(
            "div",
            errors,
            h("div", { class: "field-row" }, field("Direction", direction), field("Mode", mode, { help: modeHelp })),
            h("label", { class: "choice" }, onlyChanged, "Only products changed since their last sync (unchanged ones cost no API calls)"),
            h("div", { class: "btn-group", style: "margin-top: 12px" }, start, preview),
          ),
        ],
      }),
    );
  }

  // -- the current run ------------------------------------------------------------------------------
  // Live samples only: a finished run's figures are its report's, not a point of the live curve.
  function sample(status) {
    if (series.jobId !== status.job_id) series = { jobId: status.job_id, points: [] };
    if (!ACTIVE.has(status.state)) return;
    const now = Date.now() / 1000;
    series.points.push({ t: now, pps: status.metrics.products_per_second || 0, cost: status.metrics.cost_points || 0 });
    if (series.points.length > MAX_POINTS) series.points.shift();
  }

  function renderCurrent() {
    if (!current) {
      currentSlot.replaceChildren(card({ title: "Current run", sections: [emptyState("No sync has run yet", "Start one above; its progress and figures appear here live.")] }));
      return;
    }
    const s = current;
    const pct = percentOf(s.progress, s.state);
    const m = s.metrics || {};
    const actions = [];
    if (canEdit && ACTIVE.has(s.state) && s.state !== "stopping") actions.push(button("Stop", { onClick: () => control("stop") }));
    if (canEdit && (s.state === "stopped" || s.state === "failed")) actions.push(button("Resume", { primary: true, onClick: () => control("resume") }));
    const first = series.points[0];
    const t0 = first ? first.t : 0;
    const charts = series.points.length > 1
      ? h(
          "div",
          { class: "columns", style: "grid-template-columns: 1fr 1fr" },
          figure("Throughput (products per second)", lineChart(series.points.map((p) => [p.t - t0, p.pps]), { label: "Throughput over time" })),
          figure(
            "API budget use (cost points per second)",
            lineChart(
              ratePoints(series.points.map((p) => ({ t: p.t, value: p.cost }))).map(([t, rate]) => [t - t0, rate]),
              { label: "Cost points per second over time", className: "budget" },
            ),
          ),
        )
      : h("p", { class: "subtitle" }, ACTIVE.has(s.state) ? "Charts fill in as the run reports progress." : "Live charts show while a run is in progress.");
    const bar = progressBar(pct, { big: true, label: "Sync progress", failed: s.state === "failed" });
    currentSlot.replaceChildren(
      card({
        title: `Current run · ${humanize(s.direction)}${s.mode ? ` · ${humanize(s.mode)}` : ""}`,
        actions: h("span", { class: "btn-group" }, badge(s.state), actions),
        sections: [
          h(
            "div",
            { "data-testid": "sync-run", dataset: { jobId: s.job_id, state: s.state } },
            h("div", { class: "progress-row" }, bar, h("span", { class: "pct", "data-testid": "sync-percent" }, `${Math.floor(pct)}%`)),
            h(
              "p",
              { class: "subtitle", "aria-live": "polite" },
              (s.phase === "previewing" ? "Previewing: " : "") +
                `${fmtNumber(processed(s.progress))} of ${fmtNumber(s.progress.total)} products` +
                (s.phase === "previewing" ? " read" : "") +
                (s.progress.failed ? ` · ${fmtNumber(s.progress.failed)} failed` : "") +
                (s.progress.skipped ? ` · ${fmtNumber(s.progress.skipped)} unchanged` : "") +
                (s.eta_seconds && ACTIVE.has(s.state) ? ` · about ${fmtDuration(s.eta_seconds)} left` : "") +
                (s.finished_at && ENDED[s.state] ? ` · ${ENDED[s.state]} ${fmtAgo(s.finished_at)}` : "") +
                (s.state === "stopped" ? ` · ${fmtNumber(Math.max(0, s.progress.total - processed(s.progress)))} left to resume` : ""),
            ),
            s.error ? banner({ tone: "critical", title: "The run failed", body: [h("p", s.error)] }) : null,
          ),
          h(
            "div",
            { class: "grid-stats", style: "margin: 0" },
            stat("Throughput", `${(m.products_per_second || 0).toFixed(1)}/s`, "products per second"),
            stat("API calls", fmtNumber(m.api_calls || 0), processed(s.progress) ? `${((m.api_calls || 0) / Math.max(1, s.progress.done)).toFixed(2)} per product` : null),
            stat("Cost points", fmtNumber(m.cost_points || 0), s.progress.done ? `${((m.cost_points || 0) / Math.max(1, s.progress.done)).toFixed(1)} per product` : null),
            stat("Throttled", fmtNumber(m.throttled_responses || 0), "responses"),
            stat("Workers", fmtNumber(m.workers || 0), m.workers_max ? `range ${m.workers_min}–${m.workers_max}` : null),
            stat("Latency", m.latency_ms ? `${Math.round(m.latency_ms)} ms` : "—", "per API call"),
          ),
          charts,
          s.errors && s.errors.length
            ? h("details", h("summary", `${s.errors.length} product errors`), h("ul", s.errors.slice(0, 20).map((e) => h("li", `${e.product_id ?? ""} ${e.error ?? e.message ?? JSON.stringify(e)}`))))
            : null,
        ],
      }),
    );
  }

  async function control(action) {
    try {
      const status = await api("POST", `/api/sync/parallel/${action}`, { body: { job_id: current.job_id } });
      toast(action === "stop" ? "Stopping the sync" : "Sync resumed");
      if (showStatus(status)) renderCurrent();
    } catch (error) {
      toastError(error);
    }
  }

  // Answers and events race; a bar that moves backwards would only confuse, so progress only grows
  // (within a phase: a guarded pull's preview counts what it read, then the pull what it applied).
  function settle(next) {
    const samePhase = current && (current.phase || null) === (next.phase || null);
    if (samePhase && current.job_id === next.job_id && processed(next.progress) < processed(current.progress)) {
      return { ...next, progress: current.progress };
    }
    return next;
  }

  // Status answers, job answers and live events race: an answer read before a change can arrive
  // after the change's event (and a held run sends no later event to correct it). Each says when
  // the job was last written (`updated_at`); only what is at least as new as what is shown of the
  // followed run replaces it, whatever order it comes in.
  function follow(jobId) {
    if (following === jobId) return;
    following = jobId;
    heard = null;
  }

  function merged(status, job) {
    const { state, progress, error, finished_at, updated_at } = job;
    return settle({ ...status, state, progress, error, finished_at, updated_at });
  }

  // A status answer of the followed run; false if it is stale (then nothing is drawn from it).
  function showStatus(status) {
    if (status.job_id !== following || olderThan(status, current)) return false;
    current = settle(status);
    if (olderThan(current, heard)) current = merged(current, heard);
    heard = null;
    sample(current);
    return true;
  }

  // A job event or job answer about the followed run: newer than its status on screen, its state,
  // progress and end replace the status's. True when that changed the state shown.
  function hear(job) {
    if (job.id !== following) return false;
    if (!current || current.job_id !== job.id) {
      if (!olderThan(job, heard)) heard = job;
      return false;
    }
    if (olderThan(job, current)) return false;
    const before = current.state;
    current = merged(current, job);
    return current.state !== before;
  }

  async function loadStatus(jobId) {
    follow(jobId);
    try {
      const status = await api("GET", "/api/sync/parallel/status", { query: { job_id: jobId } });
      if (!showStatus(status)) return;
    } catch (error) {
      if (jobId !== following) return;
      currentSlot.replaceChildren(banner({ tone: "critical", title: "Could not load the sync status", body: [h("p", error.message)] }));
      return;
    }
    renderCurrent();
    await renderSafety(jobId);
  }

  // The run's preview, hold, changes and undo: loaded when the run starts, is held or ends.
  async function renderSafety(jobId) {
    try {
      const job = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}`);
      if (job.id !== following) return;
      if (hear(job)) renderCurrent(); // read after the status on screen: the run moved on since
      // One card a write: a later state is on screen (the read that learnt it draws its card), or
      // this one is drawn (again, it would drop what the merchant opened in it: an undo preview).
      if (olderThan(job, current) || olderThan(job, safetyOf) || sameWrite(job, safetyOf)) return;
      safetyOf = job;
      const shown = await safetyCard(job, { canEdit, onChanged: (id) => loadStatus(id).then(refreshAfterRun) });
      if (job.id !== following || safetyOf !== job) return; // a later card is drawn or on its way
      safetySlot.replaceChildren(...(shown ? [shown] : []));
    } catch (error) {
      safetyOf = null;
      safetySlot.replaceChildren(banner({ tone: "critical", title: "Could not load the run's changes", body: [h("p", error.message)] }));
    }
  }

  // -- history and alerts ---------------------------------------------------------------------------------
  async function loadHistory() {
    let perf;
    try {
      perf = await api("GET", "/api/sync/performance");
    } catch (error) {
      historySlot.replaceChildren(banner({ tone: "critical", title: "Could not load sync history", body: [h("p", error.message)] }));
      return null;
    }
    alertsSlot.replaceChildren(
      ...perf.alerts.map((a) => banner({ tone: "warning", title: humanize(a.kind), body: [h("p", `${a.message} (${a.value.toFixed(2)} against a threshold of ${a.threshold})`)] })),
    );
    const rows = perf.runs.map((run) => {
      const m = run.metrics || {};
      const done = Math.max(1, run.progress.done);
      return h(
        "tr",
        h("td", h("span", { title: run.created_at }, fmtAgo(run.created_at))),
        h("td", `${humanize(run.direction)} · ${humanize(run.mode || "auto")}`),
        h("td", badge(run.state)),
        h("td", { class: "num" }, `${fmtNumber(run.progress.done)}${run.progress.failed ? ` (${fmtNumber(run.progress.failed)} failed)` : ""}`),
        h("td", { class: "num" }, m.products_per_second !== undefined ? `${Number(m.products_per_second).toFixed(1)}/s` : "—"),
        h("td", { class: "num" }, m.api_calls !== undefined ? (m.api_calls / done).toFixed(2) : "—"),
        h("td", { class: "num" }, m.cost_points !== undefined ? (m.cost_points / done).toFixed(1) : "—"),
        h("td", run.alerts.length ? run.alerts.map((a) => badge("error", humanize(a.kind))) : h("span", { class: "muted" }, "—")),
      );
    });
    historySlot.replaceChildren(
      card({
        title: "Past runs",
        flush: true,
        sections: [
          h(
            "div",
            { class: "card-section table-wrap" },
            perf.runs.length
              ? h(
                  "table",
                  { class: "data", "aria-label": "Sync runs" },
                  tableHead(["Started", "Kind", "State", ...["Products", "Throughput", "API calls / product", "Cost / product"].map((t) => [t, "num"]), "Alerts"]),
                  h("tbody", rows),
                )
              : emptyState("No runs yet", "Each sync's figures are kept here to compare modes and spot regressions."),
          ),
        ],
      }),
    );
    return perf;
  }

  const refreshAfterRun = debounce(async () => {
    await loadHistory();
    await renderCounts();
  }, 300);

  // The followed run's figures while it runs (another run is followed from its job.started).
  const offSync = live.on("sync", (event) => {
    const data = event.data || {};
    if (!data.job_id || data.job_id !== following) return;
    const base = current && current.job_id === data.job_id ? current : { job_id: data.job_id, direction: data.direction || "push", mode: null, state: "running", errors: [], error: null };
    current = settle({
      ...base,
      progress: data.progress || base.progress,
      metrics: { ...(base.metrics || {}), ...(data.metrics || {}) },
      eta_seconds: data.eta_seconds,
      mode: (data.metrics && data.metrics.mode) || base.mode,
      phase: "phase" in data ? data.phase : base.phase,
      // These carry no state: the run is running, unless its own events said more (stopping).
      state: base.state === "queued" ? "running" : base.state,
    });
    sample(current);
    renderCurrent();
    if (event.type === "sync.finished") loadStatus(data.job_id).then(refreshAfterRun);
  });
  // Any push or pull, started here or elsewhere (another tab, a teammate, a resolved conflict):
  // its start and end change the waiting counts and the past runs.
  const offJobs = live.on("jobs", (event) => {
    const job = event.data || {};
    if (!SYNC_JOBS.has(job.type)) return;
    const ended = ["job.completed", "job.failed", "job.stopped", "job.awaiting_approval"].includes(event.type);
    if (ended || event.type === "job.queued" || event.type === "job.started") refreshAfterRun();
    if (job.id !== following) {
      if (event.type === "job.started") loadStatus(job.id);
      return;
    }
    const moved = hear(job);
    if (ended) loadStatus(job.id).then(refreshAfterRun);
    else if (moved) {
      renderCurrent();
      // Queued again (its hold was approved, here or in another tab), or started: the card
      // changes with it. Both: the read the queued event asks for can come back after the start
      // is heard, and is then dropped as older than the state on screen.
      if (event.type === "job.queued" || event.type === "job.started") renderSafety(job.id);
    }
  });
  await renderStart();
  schedulesCard({ canEdit }).then((node) => schedulesSlot.replaceChildren(node));
  const perf = await loadHistory();
  if (perf && perf.runs.length) await loadStatus(perf.runs[0].job_id);
  else renderCurrent();
  return () => {
    offSync();
    offJobs();
    refreshAfterRun.cancel();
  };
}
