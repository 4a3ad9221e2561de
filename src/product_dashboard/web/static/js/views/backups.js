// Activity's Backups card (admins): the backups the app made, one made now, one downloaded.
import { api, request, saveResponse } from "../core/api.js";
import { fill, h } from "../core/dom.js";
import { fmtAgo, fmtNumber } from "../core/format.js";
import { banner, button, card, emptyState, tableHead } from "../ui/components.js";
import { toast, toastError } from "../ui/toast.js";

const megabytes = (bytes) => `${fmtNumber(Math.max(0.1, Math.round(bytes / 104_857.6) / 10))} MB`;

function schedule(data) {
  const when = data.interval_hours > 0 ? `every ${fmtNumber(data.interval_hours)} h, keeping the newest ${fmtNumber(data.keep)}` : "only when asked (BACKUP_INTERVAL_HOURS=0)";
  return h("p", { class: "subtitle" }, `The dashboard backs up its database and files ${when}, in `, h("code", data.folder), ". Restore one with ", h("code", "product-dashboard restore FILE"), ".");
}

function table(items) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data", "aria-label": "Backups" },
      tableHead(["Backup", ["Size", "num"], "Made", ""]),
      h(
        "tbody",
        items.map((item) =>
          h(
            "tr",
            h("td", h("code", item.name)),
            h("td", { class: "num" }, megabytes(item.size)),
            h("td", { class: "muted" }, fmtAgo(item.created_at)),
            h(
              "td",
              button("Download", {
                plain: true,
                "aria-label": `Download ${item.name}`,
                onClick: async () => {
                  try {
                    await saveResponse(await request("GET", `/api/backups/${encodeURIComponent(item.name)}`), item.name);
                  } catch (error) {
                    toastError(error);
                  }
                },
              }),
            ),
          ),
        ),
      ),
    ),
  );
}

export function backupsCard() {
  const slot = h("div", { class: "card-section" });
  const now = button("Back up now", {
    onClick: async () => {
      now.disabled = true;
      try {
        const made = await api("POST", "/api/backups");
        toast(`Backed up (${megabytes(made.size)})`);
      } catch (error) {
        toastError(error);
      } finally {
        now.disabled = false;
        load();
      }
    },
  });

  async function load() {
    let data;
    try {
      data = await api("GET", "/api/backups");
    } catch (error) {
      slot.replaceChildren(banner({ tone: "warning", title: "Could not list the backups", body: [h("p", error.message)] }));
      return;
    }
    fill(
      slot,
      schedule(data),
      data.last_error ? banner({ tone: "critical", title: "The last backup failed", body: [h("p", data.last_error)] }) : null,
      data.running ? h("p", { role: "status" }, "A backup is being made…") : null,
      data.items.length ? table(data.items) : emptyState("No backups yet", "Back up now, or wait for the first scheduled one (10 minutes after the dashboard starts)."),
    );
  }

  load();
  return card({ title: "Backups", actions: now, flush: true, sections: [slot] });
}
