// Schedules on the Sync page: recurring pulls, pushes, exports and detections, each with its next
// run and its last run's result; add one (cron expression, UTC) or remove one.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtAgo, humanize } from "../core/format.js";
import { badge, banner, button, card, emptyState, field, input, select, tableHead } from "../ui/components.js";
import { toast, toastError } from "../ui/toast.js";

const KINDS = [
  ["pull", "Pull from Shopify"],
  ["push", "Push to Shopify"],
  ["export", "Export (CSV)"],
  ["detect", "Detect conflicts"],
];

function when(iso) {
  if (!iso) return "—";
  return h("span", { title: iso }, new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC");
}

export async function schedulesCard({ canEdit }) {
  const slot = h("div");
  const errors = h("div");

  async function load() {
    let page;
    try {
      page = await api("GET", "/api/schedules", { query: { per_page: 100 } });
    } catch (error) {
      slot.replaceChildren(banner({ tone: "critical", title: "Could not load the schedules", body: [h("p", error.message)] }));
      return;
    }
    const rows = page.items.map((s) =>
      h(
        "tr",
        h("td", s.name),
        h("td", humanize(s.kind)),
        h("td", h("code", s.cron)),
        h("td", s.enabled ? when(s.next_run_at) : h("span", { class: "muted" }, "paused")),
        h("td", s.last_job ? [badge(s.last_job.state), " ", h("span", { class: "muted" }, fmtAgo(s.last_job.created_at))] : h("span", { class: "muted" }, "not run yet")),
        h("td", s.skipped_runs ? String(s.skipped_runs) : ""),
        canEdit
          ? h(
              "td",
              button("Remove", {
                plain: true,
                "aria-label": `Remove schedule ${s.name}`,
                onClick: async () => {
                  try {
                    await api("DELETE", `/api/schedules/${s.id}`);
                    toast("Schedule removed");
                    await load();
                  } catch (error) {
                    toastError(error);
                  }
                },
              }),
            )
          : null,
      ),
    );
    slot.replaceChildren(
      page.total
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "data", "aria-label": "Schedules" },
              tableHead(["Name", "Kind", "Cron (UTC)", "Next run", "Last run", "Skipped", canEdit ? "" : null]),
              h("tbody", rows),
            ),
          )
        : emptyState("No schedules", "Run pulls, pushes, exports or conflict checks on a schedule; each run is guarded like any job."),
    );
  }

  const name = input({ name: "schedule-name", placeholder: "Nightly pull" });
  const kind = select(KINDS, { value: "pull" });
  const cron = input({ name: "schedule-cron", placeholder: "0 3 * * *" });
  const add = button("Add schedule", {
    onClick: async () => {
      errors.replaceChildren();
      try {
        await api("POST", "/api/schedules", { body: { name: name.value, kind: kind.value, cron: cron.value } });
        toast("Schedule added");
        name.value = cron.value = "";
        await load();
      } catch (error) {
        errors.append(banner({ tone: "critical", title: "The schedule could not be added", body: [h("p", error.message)] }));
      }
    },
  });
  await load();
  return card({
    title: "Schedules",
    sections: [
      slot,
      canEdit
        ? h(
            "div",
            errors,
            h("div", { class: "field-row" }, field("Schedule name", name), field("Runs", kind), field("Cron expression", cron, { help: "minute hour day month weekday, in UTC" })),
            h("div", { class: "btn-group" }, add),
          )
        : null,
    ],
  });
}
