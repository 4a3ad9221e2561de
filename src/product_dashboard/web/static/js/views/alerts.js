// Alerts kept until someone acknowledges them: the header's count and Activity's Alerts card.
// A failed or held run raised while no page was open is listed here the morning after.
import { api, newestOnly } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtAgo, fmtTime, humanize, jobLabel } from "../core/format.js";
import { live } from "../core/live.js";
import { session } from "../core/session.js";
import { banner, button, card, emptyState, pagination } from "../ui/components.js";
import { toast, toastError } from "../ui/toast.js";

const PER_PAGE = 10;
const changeListeners = new Set();

/** fn() after this page acknowledged something (other pages hear `alert.acknowledged`). */
export function onAlertsChanged(fn) {
  changeListeners.add(fn);
  return () => changeListeners.delete(fn);
}

function changed() {
  for (const fn of changeListeners) fn();
}

/** Whether a live `system` event changes the alerts: a new one, or some acknowledged. */
export const isAlertEvent = (event) => event.type === "alert" || event.type === "alert.acknowledged";

/** How many alerts nobody has acknowledged yet. */
export async function unacknowledgedCount() {
  const page = await api("GET", "/api/alerts", { query: { unacknowledged: true, per_page: 1 } });
  return page.total;
}

// Our own pages only: the link is the server's, but an absolute URL never becomes a link here.
const pagePath = (link) => (typeof link === "string" && link.startsWith("/") && !link.startsWith("//") ? link : null);

function alertRow(alert, onAcknowledge) {
  const link = pagePath(alert.link);
  const acknowledged = alert.acknowledged_at
    ? h("span", `Acknowledged ${fmtAgo(alert.acknowledged_at)}${alert.acknowledged_by ? ` by ${alert.acknowledged_by}` : ""}`)
    : null;
  return h(
    "li",
    { class: ["alert-item", alert.acknowledged_at && "acknowledged"], dataset: { alertId: String(alert.id) } },
    h("span", { class: ["badge", alert.severity === "critical" ? "critical" : "warning"] }, humanize(alert.severity)),
    h(
      "div",
      { class: "alert-body" },
      h("p", { class: "alert-message" }, alert.message),
      h(
        "div",
        { class: "subtitle" },
        h("time", { datetime: alert.at, title: fmtTime(alert.at) }, fmtAgo(alert.at)),
        alert.job_type ? ` · ${jobLabel(alert.job_type)}` : "",
        acknowledged ? " · " : "",
        acknowledged,
      ),
    ),
    h(
      "div",
      { class: "btn-group" },
      link ? h("a", { class: "btn btn-plain", href: link, "aria-label": `Open: ${alert.message}` }, "Open") : null,
      session.canEdit && !alert.acknowledged_at
        ? button("Acknowledge", { onClick: () => onAcknowledge(alert), "aria-label": `Acknowledge: ${alert.message}` })
        : null,
    ),
  );
}

/** Activity's Alerts card: the unacknowledged ones (or all), newest first, a page at a time. */
export function alertsCard() {
  const slot = h("div", { class: "card-section" });
  const loads = newestOnly();
  let page = 1;
  let showAll = false;
  let newest = null;

  const all = button("Acknowledge all", {
    hidden: true,
    onClick: async () => {
      all.disabled = true;
      try {
        // Only up to the newest listed: one raised meanwhile stays for someone to read.
        const done = await api("POST", "/api/alerts/acknowledge-all", { body: { through_id: newest } });
        toast(done.acknowledged === 1 ? "1 alert acknowledged" : `${done.acknowledged} alerts acknowledged`);
        changed();
      } catch (error) {
        toastError(error);
      } finally {
        all.disabled = false;
      }
      load();
    },
  });
  const toggle = h("input", {
    type: "checkbox",
    onchange: () => {
      showAll = toggle.checked;
      page = 1;
      load();
    },
  });
  const actions = h("div", { class: "btn-group" }, h("label", { class: "check-option" }, toggle, "Show acknowledged"), session.canEdit ? all : null);

  async function acknowledge(alert) {
    try {
      await api("POST", `/api/alerts/${encodeURIComponent(alert.id)}/acknowledge`);
      changed();
    } catch (error) {
      toastError(error);
    }
    load();
  }

  async function load() {
    const signal = loads.next();
    let data;
    try {
      data = await api("GET", "/api/alerts", { query: { unacknowledged: showAll ? null : true, page, per_page: PER_PAGE }, signal });
    } catch (error) {
      if (signal.aborted) return;
      slot.replaceChildren(banner({ tone: "warning", title: "Could not list the alerts", body: [h("p", error.message)] }));
      return;
    }
    if (signal.aborted) return;
    if (!data.items.length && page > 1) {
      page -= 1;
      load();
      return;
    }
    for (const alert of data.items) newest = Math.max(newest ?? 0, alert.id);
    all.hidden = !data.items.some((alert) => !alert.acknowledged_at);
    const list = data.items.length
      ? h("ul", { class: "alert-list", "aria-label": "Alerts" }, data.items.map((alert) => alertRow(alert, acknowledge)))
      : emptyState(showAll ? "No alerts kept" : "No alerts to read", "A failed or held job, a sync run gone wrong, webhooks given up on or a failed backup is listed here until someone acknowledges it.");
    const pages = pagination({ page, perPage: PER_PAGE, total: data.total, label: "alerts", onPage: (next) => { page = next; load(); } });
    slot.replaceChildren(...(data.total > PER_PAGE ? [list, pages] : [list]));
  }

  const offLive = live.on("system", (event) => {
    if (isAlertEvent(event)) load();
  });
  load();
  const node = card({ title: "Alerts", actions, flush: true, sections: [slot] });
  node.id = "alerts";
  return {
    node,
    destroy() {
      offLive();
      loads.abort();
    },
  };
}
