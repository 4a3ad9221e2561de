// Follow one job: live events from the WebSocket, with a slow poll as a safety net.
import { api } from "../core/api.js";
import { live } from "../core/live.js";

const FINAL = new Set(["completed", "failed", "stopped"]);

/** Call onUpdate(job) on every change until the job ends (or until() says stop); returns stop(). */
export function watchJob(jobId, onUpdate, { until = () => false, pollMs = 2000 } = {}) {
  let stopped = false;
  let timer = null;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    off();
  };
  const handle = (job) => {
    if (stopped) return;
    if (until()) return stop();
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

export { FINAL as FINAL_JOB_STATES };
