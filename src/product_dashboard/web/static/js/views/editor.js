// The bulk editor: the products of the list's filter as a grid of variant rows, columns chosen by
// the merchant, edited in place and saved as one batch (previewed first; undo from the banner).
import { api } from "../core/api.js";
import { h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";
import { live } from "../core/live.js";
import { setLeaveGuard, setQuery } from "../core/router.js";
import { session } from "../core/session.js";
import { banner, button, pageHeader, tableHead } from "../ui/components.js";
import { createGrid } from "../ui/grid.js";
import { openModal } from "../ui/modal.js";
import { toast } from "../ui/toast.js";
import { lastBatchBanner, rememberBatch } from "./batch.js";
import { FILTER_KEYS, filterBody } from "./filters.js";
import { savedViewsControl } from "./saved-views.js";

function describeFilter(state) {
  const parts = [];
  const labels = { q: "search", status: "status", vendor: "vendor", product_type: "type", tag: "tag", sync_state: "sync state", price_min: "min price", price_max: "max price", collection_id: "collection" };
  for (const key of FILTER_KEYS) if (state[key]) parts.push(`${labels[key]} “${state[key]}”`);
  return parts.length ? `Products with ${parts.join(", ")}` : "All products";
}

/** Each changed cell of the preview's sample as [product, column, before, after]. */
function sampleLines(sample, labels) {
  const lines = [];
  for (const entry of sample || []) {
    for (const [key, after] of Object.entries(entry.after || {})) {
      if (key === "variants") continue;
      lines.push([entry.title, labels[key] || key, entry.before[key], after]);
    }
    const before = new Map((entry.before.variants || []).map((v) => [v.id, v]));
    for (const variant of entry.after.variants || []) {
      for (const [key, after] of Object.entries(variant)) {
        if (key !== "id") lines.push([entry.title, labels[key] || key, before.get(variant.id)?.[key], after]);
      }
    }
  }
  return lines;
}

export async function editorView(params, query, root) {
  document.title = "Bulk editor · Product Dashboard";
  const canEdit = session.canEdit;
  const state = { sort: query.sort || "-updated_at" };
  for (const key of FILTER_KEYS) state[key] = query[key] || "";
  const registry = await api("GET", "/api/products/grid/columns");
  const byKey = new Map(registry.map((c) => [c.key, c]));
  const chosenKeys = (query.columns || "").split(",").filter((k) => byKey.has(k));
  let chosen = chosenKeys.length ? chosenKeys.map((k) => byKey.get(k)) : registry.filter((c) => c.default);
  const labels = Object.fromEntries(registry.map((c) => [c.key, c.label]));

  const bannerSlot = h("div");
  const count = h("span", { class: "edit-count", "aria-live": "polite" });
  const saveButton = button("Review and save", { primary: true, disabled: true, onClick: review });
  const discardButton = button("Discard edits", { plain: true, disabled: true, onClick: () => grid.reload().then(updateCount) });

  const grid = createGrid({
    columns: chosen,
    readOnly: !canEdit,
    load: (offset, limit) =>
      api("GET", "/api/products/grid", { query: { ...filterBody(state), sort: state.sort, offset, limit, columns: chosen.map((c) => c.key).join(",") } }).then((page) => ({ rows: page.rows, total: page.total })),
    onChange: updateCount,
  });

  function updateCount() {
    const edits = grid.edits().length;
    const problems = grid.problemCount();
    count.textContent = edits ? `${fmtNumber(edits)} cell${edits === 1 ? "" : "s"} edited` + (problems ? ` · ${fmtNumber(problems)} to fix` : "") : `${fmtNumber(grid.total)} rows`;
    saveButton.disabled = edits === 0;
    discardButton.disabled = edits === 0;
    setLeaveGuard(edits ? () => window.confirm("Leave the bulk editor? Your unsaved edits will be lost.") : null);
  }

  function currentQuery() {
    return { ...filterBody(state), sort: state.sort !== "-updated_at" ? state.sort : "", columns: chosen.map((c) => c.key).join(",") };
  }

  // -- columns -----------------------------------------------------------------------------------
  const columnChecks = registry.map((column) =>
    h(
      "label",
      { class: "check-option" },
      h("input", {
        type: "checkbox",
        checked: chosen.some((c) => c.key === column.key),
        dataset: { column: column.key },
        onchange: () => setColumns(registry.filter((c) => columnChecks.some((l) => l.querySelector("input").checked && l.querySelector("input").dataset.column === c.key))),
      }),
      column.label,
    ),
  );
  const columnPicker = h("details", { class: "column-picker" }, h("summary", { class: "btn" }, "Columns"), h("div", { class: "popover" }, columnChecks));

  async function setColumns(columns) {
    if (!columns.length) return;
    chosen = columns;
    for (const label of columnChecks) {
      const input = label.querySelector("input");
      input.checked = chosen.some((c) => c.key === input.dataset.column);
    }
    setQuery(currentQuery());
    await grid.reload({ keepEdits: true, columns: chosen });
    updateCount();
  }

  // -- saving ------------------------------------------------------------------------------------
  function showBanner() {
    bannerSlot.replaceChildren();
    const node = lastBatchBanner({ reload: () => grid.reload().then(updateCount), rerender: showBanner });
    if (node) bannerSlot.append(node);
  }

  function problemBanner(error) {
    bannerSlot.replaceChildren(
      banner({
        tone: "critical",
        title: error.status === 422 ? "Some cells cannot be saved" : error.status === 409 ? "Products changed meanwhile" : "The edits could not be saved",
        body: [h("p", error.message)],
        actions: error.status === 409 ? [button("Reload rows (drops your edits)", { onClick: () => grid.reload().then(updateCount) })] : [],
        onDismiss: () => bannerSlot.replaceChildren(),
      }),
    );
  }

  async function send(dryRun) {
    try {
      return await api("POST", "/api/products/batch/update-cells", { body: { cells: grid.edits(), dry_run: dryRun } });
    } catch (error) {
      if (error.status === 422) grid.showProblems(error.fields);
      problemBanner(error);
      return null;
    }
  }

  async function review() {
    if (grid.problemCount()) {
      problemBanner({ status: 422, message: `Fix the ${fmtNumber(grid.problemCount())} highlighted cell(s) first; the message shows when you select one.` });
      return;
    }
    const preview = await send(true);
    if (!preview) return;
    const lines = sampleLines(preview.sample, labels);
    const summary = `${fmtNumber(preview.changed)} product${preview.changed === 1 ? "" : "s"} will change` + (preview.unchanged ? `; ${fmtNumber(preview.unchanged)} already hold these values.` : ".");
    openModal({
      title: "Save edits",
      wide: true,
      body: [
        banner({ tone: preview.changed ? "info" : "warning", title: "Preview", body: [h("p", { "data-testid": "preview-summary" }, summary)], role: "status" }),
        lines.length
          ? h(
              "div",
              { class: "table-wrap" },
              h("table", { class: "data", "aria-label": "Preview of the edits" }, tableHead(["Product", "Column", "Now", "New"]), h("tbody", lines.map(([title, column, before, after]) => h("tr", h("td", title), h("td", column), h("td", { class: "muted" }, before ?? "—"), h("td", h("strong", after ?? "—")))))),
            )
          : null,
        preview.changed > (preview.sample || []).length ? h("p", { class: "subtitle" }, `Showing the first ${preview.sample.length} products.`) : null,
      ],
      actions: [
        { label: "Keep editing" },
        {
          label: preview.changed ? `Save to ${fmtNumber(preview.changed)} product${preview.changed === 1 ? "" : "s"}` : "Nothing to save",
          primary: true,
          disabled: preview.changed === 0,
          onClick: async () => {
            const result = await send(false);
            if (!result) return true;
            rememberBatch(result);
            if (result.job_id) toast("Saving as a background job; the grid reloads when it is done");
            await grid.reload();
            updateCount();
            showBanner();
            return true;
          },
        },
      ],
    });
  }

  const views = savedViewsControl({
    current: () => ({ filters: filterBody(state), sort: state.sort, columns: chosen.map((c) => c.key) }),
    open: (view) => `/products/editor?${new URLSearchParams({ ...view.filters, sort: view.sort, columns: view.columns.join(","), view: view.id })}`,
    selected: query.view,
  });

  const listLink = () => `/products?${new URLSearchParams(Object.fromEntries(Object.entries({ ...filterBody(state), sort: state.sort }).filter(([, v]) => v)))}`;
  root.append(
    h(
      "div",
      { class: "page page-wide" },
      pageHeader("Bulk editor", {
        back: listLink(),
        subtitle: describeFilter(state),
        actions: [views.node, columnPicker],
      }),
      bannerSlot,
      h(
        "div",
        { class: "card editor-card" },
        h(
          "div",
          { class: "editor-toolbar", role: "toolbar", "aria-label": "Editing" },
          count,
          h("span", { class: "hint" }, "Arrows move · Enter edits · Tab next · Esc cancels · Shift+arrows select · Ctrl+D fills down · Ctrl+Home goes to the top · paste a block from a spreadsheet"),
          h("span", { class: "spacer" }),
          canEdit ? button("Fill down", { onClick: () => grid.fillDown() }) : null,
          canEdit ? discardButton : null,
          canEdit ? saveButton : null,
        ),
        grid.node,
      ),
    ),
  );
  showBanner();
  await grid.reload();
  updateCount();
  grid.focus();

  const offJobs = live.on("jobs", (event) => {
    if (event.type === "job.completed" && grid.edits().length === 0) grid.reload().then(updateCount);
  });
  return () => {
    offJobs();
    views.destroy();
  };
}
