// Follow one job: live events from the WebSocket, with a slow poll as a safety net.
import { api } from "../core/api.js";
import { jobLabel } from "../core/format.js";
import { live } from "../core/live.js";

const FINAL = new Set(["completed", "failed", "stopped"]);

// The job's last write (its `updated_at`) in microseconds: answers and live events about a job
// race (an answer read before a change can arrive after the change's event), and the later write
// is the truth. Date.parse keeps only milliseconds; two writes of a job can share one.
function writtenAt(job) {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec((job && job.updated_at) || "");
  if (!match) return null;
  return Date.parse(match[1] + match[3]) * 1000 + Number((match[2] || "").padEnd(6, "0").slice(0, 6));
}

const idOf = (job) => job && (job.id ?? job.job_id);

/** True when `next` (a job, its sync status, or an event about it) was read before what `shown`
 * says of the same job: `next` must not replace it. */
export function olderThan(next, shown) {
  if (!next || !shown || idOf(next) !== idOf(shown)) return false;
  const [a, b] = [writtenAt(next), writtenAt(shown)];
  return a !== null && b !== null && a < b;
}

/** True when `a` and `b` say what one write of the same job left. */
export function sameWrite(a, b) {
  if (!a || !b || idOf(a) !== idOf(b)) return false;
  const stamp = writtenAt(a);
  return stamp !== null && stamp === writtenAt(b);
}

/** Call onUpdate(job) on every change until the job ends (or until() says stop); returns stop(). */
export function watchJob(jobId, onUpdate, { until = () => false, pollMs = 2000 } = {}) {
  let stopped = false;
  let timer = null;
  let shown = null;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    off();
  };
  const handle = (job) => {
    if (stopped) return;
    if (until()) return stop();
    if (olderThan(job, shown)) return;
    shown = job;
    onUpdate(job);
    if (FINAL.has(job.state)) stop();
  };
  const off = live.on("jobs", (event) => {
    if (event.data && event.data.id === jobId) handle(event.data);
  });
  const poll = async () => {
    if (stopped) return;
    try {
      handle(await api("GET", `/api/jobs/${encodeURIComponent(jobId)}`));
    } catch {
      // the live stream may still deliver
    }
    if (!stopped) timer = setTimeout(poll, pollMs);
  };
  poll();
  return stop;
}

/** What a queued job waits for, in words (null when it is not waiting for another job). Only
 * `GET /api/jobs` answers carry `waiting_for`; a live event keeps what was shown. */
export function waitingNote(job) {
  const holder = job && job.state === "queued" ? job.waiting_for : null;
  if (!holder) return null;
  return `Queued: waiting for another job to finish first (${jobLabel(holder.type)}, job ${holder.id.slice(0, 8)}).`;
}

export { FINAL as FINAL_JOB_STATES };
