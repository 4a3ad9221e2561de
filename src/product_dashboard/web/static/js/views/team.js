// Team (admins only): the accounts, their roles and status; add people, change roles, disable,
// reset passwords, sign people out everywhere. A generated password is shown once, to hand over.
import { api, newestOnly } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtDate, humanize } from "../core/format.js";
import { setQuery } from "../core/router.js";
import { session } from "../core/session.js";
import { badge, banner, button, card, clearFieldErrors, emptyState, field, input, pageHeader, pagination, select, showFormError, tableHead } from "../ui/components.js";
import { confirmModal, openModal } from "../ui/modal.js";
import { toast, toastError } from "../ui/toast.js";

const ROLES = [
  ["viewer", "Viewer — reads everything, changes nothing"],
  ["editor", "Editor — edits the catalog and runs syncs"],
  ["admin", "Admin — everything, and manages the team"],
];
const PER_PAGE = 25;

/** A password shown this once, with a copy button. */
function showPassword(title, email, password) {
  const value = input({ value: password, readonly: true, class: "mono", "aria-label": `Password for ${email}` });
  const status = h("span", { class: "subtitle", role: "status" });
  const copy = button("Copy password", {
    onClick: async () => {
      try {
        await navigator.clipboard.writeText(password);
        status.textContent = "Copied.";
      } catch {
        value.select();
        status.textContent = "Select the password and copy it (Ctrl+C).";
      }
    },
  });
  openModal({
    title,
    body: [
      h("p", "Hand this password to ", h("strong", email), ". It is shown only this once: it is not stored anywhere it could be read again."),
      h("div", { class: "copy-row" }, value, copy),
      status,
    ],
    actions: [{ label: "Done", primary: true }],
  });
  value.select();
}

function addUserModal(onDone) {
  const email = input({ type: "email", autocomplete: "off", placeholder: "name@example.com" });
  const role = select(ROLES, { value: "viewer" });
  const password = input({ type: "text", autocomplete: "new-password" });
  const errors = h("div");
  const body = h(
    "div",
    errors,
    field("Email", email, { loc: "email" }),
    field("Role", role, { loc: "role" }),
    field("Password (optional)", password, { loc: "password", help: "Leave empty to generate one; it is shown once." }),
  );
  openModal({
    title: "Add user",
    body: [body],
    actions: [
      { label: "Cancel" },
      {
        label: "Add user",
        primary: true,
        onClick: async () => {
          clearFieldErrors(body);
          errors.replaceChildren();
          const payload = { email: email.value.trim(), role: role.value };
          if (password.value) payload.password = password.value;
          try {
            const created = await api("POST", "/api/users", { body: payload });
            toast(`Added ${created.user.email}`);
            onDone();
            if (created.password) showPassword("User added", created.user.email, created.password);
            return true;
          } catch (error) {
            showFormError(body, errors, "The user could not be added", error);
            return false;
          }
        },
      },
    ],
  });
  email.focus();
}

function roleModal(user, onDone) {
  const role = select(ROLES, { value: user.role });
  const errors = h("div");
  const body = h("div", errors, field("Role", role, { loc: "role" }));
  openModal({
    title: `Change role of ${user.email}`,
    body: [body],
    actions: [
      { label: "Cancel" },
      {
        label: "Change role",
        primary: true,
        onClick: async () => {
          clearFieldErrors(body);
          errors.replaceChildren();
          try {
            const changed = await api("PUT", `/api/users/${user.id}/role`, { body: { role: role.value } });
            toast(`${changed.email} is now ${humanize(changed.role).toLowerCase()}`);
            onDone();
            return true;
          } catch (error) {
            showFormError(body, errors, "The role could not be changed", error);
            return false;
          }
        },
      },
    ],
  });
}

function resetPasswordModal(user, onDone) {
  const password = input({ type: "text", autocomplete: "new-password" });
  const errors = h("div");
  const body = h(
    "div",
    errors,
    h("p", `Sets a new password for ${user.email} and signs them out everywhere.`),
    field("New password (optional)", password, { loc: "password", help: "Leave empty to generate one; it is shown once." }),
  );
  openModal({
    title: "Reset password",
    body: [body],
    actions: [
      { label: "Cancel" },
      {
        label: "Reset password",
        critical: true,
        onClick: async () => {
          clearFieldErrors(body);
          errors.replaceChildren();
          try {
            const reset = await api("POST", `/api/users/${user.id}/reset-password`, { body: password.value ? { password: password.value } : {} });
            toast(`New password set for ${user.email}; their sessions have ended`);
            onDone();
            if (reset.password) showPassword("Password reset", user.email, reset.password);
            return true;
          } catch (error) {
            showFormError(body, errors, "The password could not be reset", error);
            return false;
          }
        },
      },
    ],
  });
}

async function act(path, message, onDone) {
  try {
    await api("POST", path);
    toast(message);
    onDone();
  } catch (error) {
    toastError(error);
  }
}

function rowActions(user, onDone) {
  if (session.user && user.id === session.user.id) return h("span", { class: "muted" }, "This is you");
  const label = (verb) => ({ "aria-label": `${verb} ${user.email}` });
  return h(
    "div",
    { class: "btn-group" },
    button("Change role", { onClick: () => roleModal(user, onDone), ...label("Change role of") }),
    user.is_active
      ? button("Disable", {
          ...label("Disable"),
          onClick: async () => {
            const sure = await confirmModal({
              title: `Disable ${user.email}?`,
              message: "They can no longer log in, and every session they have ends now. You can enable them again later.",
              confirmLabel: "Disable",
              critical: true,
            });
            if (sure) act(`/api/users/${user.id}/disable`, `Disabled ${user.email}`, onDone);
          },
        })
      : button("Enable", { ...label("Enable"), onClick: () => act(`/api/users/${user.id}/enable`, `Enabled ${user.email}`, onDone) }),
    button("Reset password", { ...label("Reset password of"), onClick: () => resetPasswordModal(user, onDone) }),
    button("Sign out everywhere", {
      ...label("Sign out everywhere"),
      onClick: async () => {
        const sure = await confirmModal({
          title: `Sign ${user.email} out everywhere?`,
          message: "Every session they have ends now; they can log in again with their password.",
          confirmLabel: "Sign out everywhere",
        });
        if (sure) act(`/api/users/${user.id}/revoke-sessions`, `Signed ${user.email} out everywhere`, onDone);
      },
    }),
  );
}

export async function teamView(params, query, root) {
  document.title = "Team · Product Dashboard";
  if (!session.isAdmin) {
    root.append(h("div", { class: "page" }, pageHeader("Team"), card({ label: "Team", sections: [emptyState("Administrators only", "Ask an administrator to add people or change roles.")] })));
    return;
  }
  const state = { page: Number(query.page || 1), q: query.q || "", role: query.role || "", active: query.active || "" };
  const listSlot = h("div");
  const search = input({ type: "search", value: state.q, placeholder: "Search by email" });
  const role = select([["", "All roles"], "admin", "editor", "viewer"], { value: state.role });
  const status = select([["", "Any status"], ["true", "Active"], ["false", "Disabled"]], { value: state.active });
  const refilter = () => {
    state.q = search.value.trim();
    state.role = role.value;
    state.active = status.value;
    state.page = 1;
    load();
  };
  search.addEventListener("input", debounce(refilter, 250));
  role.addEventListener("change", refilter);
  status.addEventListener("change", refilter);
  const filters = h(
    "div",
    { class: "filter-bar" },
    h("div", { class: "grow" }, field("Search by email", search, { hideLabel: true })),
    h("div", { class: "fixed" }, field("Role", role)),
    h("div", { class: "fixed" }, field("Status", status)),
  );
  root.append(h("div", { class: "page" }, pageHeader("Team", { actions: [button("Add user", { primary: true, onClick: () => addUserModal(load) })] }), listSlot));

  const loads = newestOnly();
  async function load() {
    setQuery({ page: state.page > 1 ? state.page : "", q: state.q, role: state.role, active: state.active });
    const signal = loads.next();
    let data;
    try {
      data = await api("GET", "/api/users", { query: { page: state.page, per_page: PER_PAGE, q: state.q, role: state.role, active: state.active }, signal });
    } catch (error) {
      if (signal.aborted) return;
      listSlot.replaceChildren(banner({ tone: "critical", title: "Could not load the team", body: [h("p", error.message)] }));
      return;
    }
    if (signal.aborted) return; // a newer load draws the list
    const filtered = state.q || state.role || state.active;
    const table = data.items.length
      ? h(
          "table",
          { class: "data", "aria-label": "Team members" },
          tableHead(["Email", "Role", "Status", "Created", "Actions"]),
          h(
            "tbody",
            data.items.map((user) =>
              h(
                "tr",
                h("td", user.email),
                h("td", h("span", { class: "badge plain" }, humanize(user.role))),
                h("td", badge(user.is_active ? "active" : "disabled")),
                h("td", { class: "muted" }, fmtDate(user.created_at)),
                h("td", rowActions(user, load)),
              ),
            ),
          ),
        )
      : emptyState(filtered ? "Nobody matches" : "No users yet", "Add the people who work on the catalog; each gets a role.");
    listSlot.replaceChildren(
      card({
        label: "Team members",
        flush: true,
        sections: [
          h(
            "div",
            { class: "card-section" },
            filters,
            h("div", { class: "table-wrap" }, table),
            pagination({
              page: data.page,
              perPage: data.per_page,
              total: data.total,
              label: "users",
              onPage: (page) => {
                state.page = page;
                load();
              },
            }),
          ),
        ],
      }),
    );
  }

  await load();
}
