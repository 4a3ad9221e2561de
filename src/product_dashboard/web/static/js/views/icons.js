// Icons: generate for selected products and watch them appear as the job runs.
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";
import { watchJob } from "../ui/jobs.js";
import { banner, progressBar } from "../ui/components.js";
import { openModal } from "../ui/modal.js";

export function generateIcons(selection, count, onProgress) {
  const only = h("input", { type: "checkbox", id: "icons-only-missing" });
  const provider = h("span", { class: "subtitle" }, "");
  api("GET", "/api/icons/providers")
    .then((p) => (provider.textContent = p.openai_configured ? `Using OpenAI (${p.openai_image_model}).` : "Using the built-in generator (no OpenAI key configured)."))
    .catch(() => {});
  const modal = openModal({
    title: `Generate icons · ${fmtNumber(count)} products`,
    body: [h("p", "Each product gets a square icon derived from its type and title."), provider, h("label", { class: "choice" }, only, "Only products without an icon")],
    actions: [
      { label: "Cancel" },
      {
        label: "Generate",
        primary: true,
        onClick: async (ctx) => {
          let accepted;
          try {
            accepted = await api("POST", "/api/icons/batch", { body: { ...selection, only_missing: only.checked } });
          } catch (error) {
            ctx.setBody(banner({ tone: "critical", title: "Could not start", body: [h("p", error.message)] }));
            return false;
          }
          const bar = progressBar(0, { big: true, label: "Icon generation progress" });
          const text = h("p", { "aria-live": "polite" }, `0 of ${fmtNumber(accepted.total)} done`);
          ctx.setBody(bar, text);
          ctx.setActions([{ label: "Close" }]);
          watchJob(accepted.job_id, (job) => {
            const pct = job.percent ?? 0;
            bar.setAttribute("aria-valuenow", String(Math.round(pct)));
            bar.firstChild.style.width = `${pct}%`;
            text.textContent = `${fmtNumber(job.progress.done)} of ${fmtNumber(job.progress.total)} done` + (job.state === "completed" ? " — finished" : job.state === "failed" ? ` — failed: ${job.error}` : "");
            onProgress(job);
          }, { until: () => !modal.dialog.isConnected });
          return false;
        },
      },
    ],
  });
  return modal;
}
