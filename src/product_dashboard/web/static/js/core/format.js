// Formatting helpers: money, numbers, dates, and badge tones for states.

const number = new Intl.NumberFormat(undefined);
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });

export const fmtNumber = (n) => (n === null || n === undefined ? "—" : number.format(n));
export const fmtMoney = (amount) => (amount === null || amount === undefined ? "—" : `$${Number(amount).toFixed(2)}`);
export function fmtPriceRange(min, max) {
  if (min === null || min === undefined) return "—";
  return min === max || max === null ? fmtMoney(min) : `${fmtMoney(min)} – ${fmtMoney(max)}`;
}
export const fmtDate = (iso) => (iso ? dateTime.format(new Date(iso)) : "—");
export const fmtTime = (iso) => (iso ? timeOnly.format(new Date(iso)) : "—");
export function fmtAgo(iso) {
  if (!iso) return "never";
  const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return fmtDate(iso);
}
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

const TONES = {
  active: "success",
  disabled: "critical",
  draft: "info",
  archived: "",
  synced: "success",
  pending: "attention",
  never_synced: "",
  error: "critical",
  conflict: "warning",
  queued: "",
  running: "info",
  stopping: "attention",
  stopped: "attention",
  completed: "success",
  failed: "critical",
  undone: "",
  undoing: "attention",
  open: "warning",
  resolved: "success",
  superseded: "",
  processed: "success",
  processing: "info",
  ignored: "",
  dead: "critical",
  manual: "",
  smart: "info",
};

export function humanize(value) {
  const text = String(value ?? "").replace(/[_-]+/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const JOB_LABELS = {
  "sync.push": "Push to Shopify",
  "sync.pull": "Pull from Shopify",
  "icons.generate": "Generate icons",
  "conflicts.detect": "Detect conflicts",
  "conflicts.reconcile": "Reconcile with Shopify",
  export: "Export",
};

/** A job type as a person would name it ("sync.push" → "Push to Shopify"). */
export function jobLabel(type) {
  return JOB_LABELS[type] || humanize(String(type || "").replace(/\./g, " "));
}

export function toneOf(state) {
  return TONES[state] ?? "";
}
