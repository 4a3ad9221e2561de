// Saved views: a menu of the merchant's views and the team's shared ones, and "Save view", for the
// product list and the bulk editor alike (each says how to open a view and what it holds now).
import { api } from "../core/api.js";
import { fill, h } from "../core/dom.js";
import { navigate } from "../core/router.js";
import { session } from "../core/session.js";
import { banner, field, input } from "../ui/components.js";
import { openModal } from "../ui/modal.js";
import { toast } from "../ui/toast.js";

const PER_PAGE = 100;

/**
 * savedViewsControl({current() → {filters, sort, columns}, open(view) → url, selected}) →
 * {node, destroy}. `selected` is the id of the view the page was opened from, if any.
 */
export function savedViewsControl({ current, open, selected = null }) {
  let views = [];
  const menu = h("select", { class: "select", "aria-label": "Saved views" });
  const saveButton = h("button", { type: "button", class: "btn", onclick: saveDialog }, "Save view");
  const node = h("div", { class: "saved-views" }, menu, session.canEdit ? saveButton : null);

  function render() {
    const mine = views.filter((v) => v.mine);
    const shared = views.filter((v) => !v.mine);
    const option = (v) => h("option", { value: String(v.id), selected: String(v.id) === String(selected) }, v.shared && v.mine ? `${v.name} (shared)` : v.name);
    fill(
      menu,
      h("option", { value: "" }, views.length ? "Saved views…" : "No saved views yet"),
      mine.length ? h("optgroup", { label: "Your views" }, mine.map(option)) : null,
      shared.length ? h("optgroup", { label: "Shared by the team" }, shared.map((v) => h("option", { value: String(v.id), selected: String(v.id) === String(selected) }, `${v.name} · ${v.owner_email}`))) : null,
    );
  }

  async function load() {
    try {
      views = (await api("GET", "/api/views", { query: { per_page: PER_PAGE } })).items;
    } catch {
      views = []; // the page works without its views
    }
    render();
  }

  menu.addEventListener("change", () => {
    const view = views.find((v) => String(v.id) === menu.value);
    if (view) navigate(open(view));
  });

  function saveDialog() {
    const opened = views.find((v) => String(v.id) === String(selected) && v.mine);
    const name = input({ value: opened ? opened.name : "", maxlength: "120", required: true });
    const share = h("input", { type: "checkbox", checked: opened ? opened.shared : false });
    const errors = h("div");
    openModal({
      title: "Save view",
      body: [
        errors,
        field("Name", name, { help: opened ? "Keep the name to update this view; a new name saves a new one." : null }),
        h("label", { class: "check-option" }, share, "Share with the team (they can open it; only you can change it)"),
      ],
      actions: [
        { label: "Cancel" },
        {
          label: "Save view",
          primary: true,
          onClick: async () => {
            const body = { ...current(), name: name.value.trim(), shared: share.checked };
            const existing = views.find((v) => v.mine && v.name === body.name);
            try {
              const saved = existing ? await api("PUT", `/api/views/${existing.id}`, { body }) : await api("POST", "/api/views", { body });
              selected = saved.id;
              toast(existing ? `View “${saved.name}” updated` : `View “${saved.name}” saved`);
              await load();
              return true;
            } catch (error) {
              errors.replaceChildren(banner({ tone: "critical", title: "The view was not saved", body: [h("p", error.message)] }));
              return false;
            }
          },
        },
      ],
    });
    name.focus();
  }

  load();
  return { node, destroy() {} };
}
