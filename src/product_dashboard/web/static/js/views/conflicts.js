// Conflicts: a field changed here and in Shopify since the last sync. Compare and decide.
import { api, newestOnly } from "../core/api.js";
import { add, h } from "../core/dom.js";
import { fmtAgo, fmtNumber, humanize } from "../core/format.js";
import { live } from "../core/live.js";
import { navigate } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, emptyState, input, pageHeader, pagination, select, tableHead } from "../ui/components.js";
import { failureList } from "../ui/failures.js";
import { FINAL_JOB_STATES, watchJob } from "../ui/jobs.js";
import { toast } from "../ui/toast.js";

// null: not known here (never read); "": known to be none (a clear, or Shopify's none).
function show(value) {
  if (value === null || value === undefined) return h("span", { class: "subtitle" }, "(not known)");
  if (value === "") return h("span", { class: "subtitle" }, "(none)");
  if (typeof value === "object") return JSON.stringify(value, null, 1);
  return String(value);
}

/** What a finished check found: counts, and every product it could not check with the reason. */
function checkBanner(job, onDismiss) {
  const report = job.report || {};
  const outcomes = report.outcomes || {};
  const found = (report.conflicts || []).length;
  const failed = report.failed ?? outcomes.error ?? 0;
  if (job.state !== "completed") {
    return banner({ tone: "critical", title: `The check ${job.state}`, body: [h("p", job.error || "It can be resumed from Activity."), failed ? failureList(failed, report.errors) : null], onDismiss });
  }
  const merged = outcomes.merged || 0;
  const summary = `${fmtNumber(report.checked ?? 0)} products checked: ${found ? `${fmtNumber(found)} new conflicts` : "no new conflicts"}, ${fmtNumber(merged)} updated from Shopify.`;
  return banner({
    tone: failed ? "warning" : found ? "warning" : "success",
    title: failed ? `Checked Shopify; ${fmtNumber(failed)} products could not be checked` : "Checked Shopify",
    body: [h("p", summary), failed ? failureList(failed, report.errors) : null],
    onDismiss,
  });
}

async function statsCards() {
  try {
    const stats = await api("GET", "/api/conflicts/stats");
    const byField = Object.entries(stats.open_by_field || {}).sort((a, b) => b[1] - a[1]);
    return h(
      "div",
      { class: "grid-stats" },
      h("div", { class: "stat" }, h("div", { class: "label" }, "Open"), h("div", { class: "value" }, fmtNumber(stats.open || 0))),
      h("div", { class: "stat" }, h("div", { class: "label" }, "Resolved"), h("div", { class: "value" }, fmtNumber(stats.resolved || 0))),
      h(
        "div",
        { class: "stat" },
        h("div", { class: "label" }, "Most contested field"),
        h("div", { class: "value" }, byField.length ? humanize(byField[0][0]) : "—"),
        h("div", { class: "hint" }, byField.length ? `${byField[0][1]} open` : "No open conflicts"),
      ),
    );
  } catch {
    return null;
  }
}

function conflictDetail(conflict, onResolved) {
  const canEdit = session.canEdit && conflict.state === "open";
  const choices = new Map(conflict.fields.map((f) => [f.path, "local"]));
  const customs = new Map();
  const slot = h("div");

  const rows = conflict.fields.map((f) => {
    const name = `choice-${conflict.id}-${f.path}`;
    const cells = { local: h("td", { class: "picked" }), remote: h("td") };
    const custom = input({ value: typeof f.local === "object" ? JSON.stringify(f.local) : f.local ?? "", "aria-label": `Custom value for ${f.label}`, hidden: true });
    customs.set(f.path, custom);
    const mark = () => {
      cells.local.classList.toggle("picked", choices.get(f.path) === "local");
      cells.remote.classList.toggle("picked", choices.get(f.path) === "remote");
      custom.hidden = choices.get(f.path) !== "custom";
    };
    const radio = (value, label) =>
      h(
        "label",
        { class: "choice" },
        h("input", { type: "radio", name, value, checked: value === "local", onchange: () => { choices.set(f.path, value); mark(); } }),
        label,
      );
    add(cells.local, canEdit ? radio("local", "Ours") : null, h("div", { class: "value" }, show(f.local)));
    add(cells.remote, canEdit ? radio("remote", "Shopify's") : null, h("div", { class: "value" }, show(f.remote)));
    return h(
      "tr",
      { dataset: { path: f.path } },
      h("th", { scope: "row" }, f.label, h("div", { class: "subtitle mono" }, f.path)),
      h("td", h("div", { class: "value" }, show(f.base))),
      cells.local,
      cells.remote,
      canEdit ? h("td", h("label", { class: "choice" }, h("input", { type: "radio", name, value: "custom", onchange: () => { choices.set(f.path, "custom"); mark(); } }), "Other"), custom) : null,
    );
  });

  async function resolve(strategy) {
    const body = { strategy };
    if (strategy === "merge") {
      body.fields = {};
      for (const [path, choice] of choices) {
        if (choice === "custom") {
          const raw = customs.get(path).value;
          let value = raw;
          try {
            value = JSON.parse(raw);
          } catch {
            // plain text
          }
          body.fields[path] = { value };
        } else body.fields[path] = choice;
      }
    }
    try {
      const result = await api("POST", `/api/conflicts/${conflict.id}/resolve`, { body });
      toast(result.push_needed ? "Resolved — the result will be pushed to Shopify" : "Conflict resolved");
      onResolved(result);
    } catch (error) {
      slot.replaceChildren(banner({ tone: "critical", title: "Could not resolve", body: [h("p", error.message)] }));
    }
  }

  const table = h(
    "table",
    { class: "data compare", "aria-label": `Conflicting fields of ${conflict.product_title || "product"}` },
    tableHead(["Field", "Last synced", "Ours (dashboard)", "Shopify", canEdit ? "Other value" : null]),
    h("tbody", rows),
  );
  return card({
    title: `${conflict.product_title || `Product ${conflict.product_id}`}`,
    actions: badge(conflict.state),
    sections: [
      h(
        "div",
        h(
          "p",
          { class: "subtitle" },
          `Detected ${fmtAgo(conflict.created_at)} from ${humanize(conflict.source)}. `,
          h("a", { href: `/products/${conflict.product_id}` }, "Open product"),
        ),
        slot,
        h("div", { class: "table-wrap" }, table),
      ),
      canEdit
        ? h(
            "div",
            { class: "btn-group" },
            button("Keep all ours", { onClick: () => resolve("keep_local") }),
            button("Keep all Shopify's", { onClick: () => resolve("keep_remote") }),
            button("Apply chosen values", { primary: true, onClick: () => resolve("merge") }),
          )
        : conflict.state === "resolved"
          ? h("p", `Resolved: ${humanize(conflict.resolution || "")} ${conflict.resolved_at ? fmtAgo(conflict.resolved_at) : ""}`)
          : null,
    ],
  });
}

export async function conflictsView(params, query, root) {
  document.title = "Conflicts · Product Dashboard";
  const state = { state: query.state || "open", page: Number(query.page || 1) };
  const statsSlot = h("div");
  const listSlot = h("div");
  const detailSlot = h("div");
  const stateSelect = select([["open", "Open"], ["resolved", "Resolved"], ["superseded", "Superseded"]], { value: state.state, "aria-label": "Show conflicts" });
  stateSelect.addEventListener("change", () => {
    state.state = stateSelect.value;
    state.page = 1;
    load();
  });
  const noticeSlot = h("div", { "aria-live": "polite" });
  const detect = session.canEdit
    ? button("Check Shopify now", {
        onClick: async () => {
          detect.disabled = true;
          const dismiss = () => noticeSlot.replaceChildren();
          try {
            const started = await api("POST", "/api/conflicts/detect", { body: {} });
            const title = started.already_running ? "A check of Shopify is already running" : "Checking every linked product against Shopify";
            watchJob(started.job_id, async (job) => {
              if (!FINAL_JOB_STATES.has(job.state)) {
                const progress = `${fmtNumber(job.progress.done + job.progress.failed)} of ${fmtNumber(job.progress.total)} checked`;
                noticeSlot.replaceChildren(banner({ tone: "info", title, body: [h("p", progress)] }));
                return;
              }
              const finished = await api("GET", `/api/jobs/${encodeURIComponent(job.id)}`);
              noticeSlot.replaceChildren(checkBanner(finished, dismiss));
              detect.disabled = false;
              load();
            });
          } catch (error) {
            noticeSlot.replaceChildren(banner({ tone: "critical", title: "The check could not run", body: [h("p", error.message)], onDismiss: dismiss }));
            detect.disabled = false;
          }
        },
      })
    : null;
  root.append(h("div", { class: "page" }, pageHeader("Conflicts", { actions: [detect, stateSelect].filter(Boolean) }), noticeSlot, statsSlot, detailSlot, listSlot));

  const loads = newestOnly();
  async function load() {
    statsCards().then((node) => statsSlot.replaceChildren(node || ""));
    const signal = loads.next();
    let data;
    try {
      data = await api("GET", "/api/conflicts", { query: { state: state.state, page: state.page, per_page: 20 }, signal });
    } catch (error) {
      if (signal.aborted) return;
      listSlot.replaceChildren(banner({ tone: "critical", title: "Could not load conflicts", body: [h("p", error.message)] }));
      return;
    }
    if (signal.aborted) return; // a newer load draws the list
    detailSlot.replaceChildren();
    if (params.id) {
      try {
        const conflict = await api("GET", `/api/conflicts/${encodeURIComponent(params.id)}`);
        detailSlot.append(conflictDetail(conflict, () => navigate("/conflicts")));
      } catch (error) {
        detailSlot.append(banner({ tone: "critical", title: "Conflict not found", body: [h("p", error.message)] }));
      }
    }
    if (!data.items.length) {
      const empty =
        state.state === "open"
          ? emptyState("No open conflicts", "When a product is changed both here and in Shopify, the clash shows up here for you to decide.")
          : emptyState("Nothing here", "No conflicts in this state.");
      listSlot.replaceChildren(card({ label: "Conflicts", sections: [empty] }));
      return;
    }
    const rows = data.items.map((c) =>
      h(
        "tr",
        { class: String(c.id) === params.id ? "selected" : null },
        h("td", h("a", { href: `/conflicts/${c.id}` }, c.product_title || `Product ${c.product_id}`)),
        h("td", c.fields.map((f) => f.label).join(", ")),
        h("td", humanize(c.source)),
        h("td", badge(c.state)),
        h("td", { class: "muted" }, fmtAgo(c.created_at)),
      ),
    );
    const inline = !params.id && data.items.length ? conflictDetail(data.items[0], () => load()) : null;
    listSlot.replaceChildren(
      inline || "",
      card({
        title: "All conflicts",
        flush: true,
        sections: [
          h(
            "div",
            { class: "card-section" },
            h("div", { class: "table-wrap" }, h("table", { class: "data", "aria-label": "Conflicts" }, tableHead(["Product", "Fields", "Source", "State", "Detected"]), h("tbody", rows))),
            pagination({ page: data.page, perPage: data.per_page, total: data.total, label: "conflicts", onPage: (p) => { state.page = p; load(); } }),
          ),
        ],
      }),
    );
  }

  await load();
  const off = live.on("conflicts", () => load());
  return off;
}
