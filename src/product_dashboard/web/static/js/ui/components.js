// Small reusable pieces: badges, banners, cards, fields with inline errors, pagination.
import { h, nextId } from "../core/dom.js";
import { humanize, toneOf } from "../core/format.js";
import { icon } from "./icons.js";

export function badge(state, label = null) {
  return h("span", { class: ["badge", toneOf(state)] }, label ?? humanize(state));
}

export function banner({ tone = "info", title = "", body = [], actions = [], onDismiss = null, role = null }) {
  const symbol = { critical: "!", warning: "!", success: "✓", info: "i" }[tone] || "i";
  return h(
    "div",
    { class: ["banner", tone], role: role || (tone === "critical" ? "alert" : "status") },
    h("span", { class: "banner-icon", "aria-hidden": "true" }, symbol),
    h(
      "div",
      { class: "banner-body" },
      title ? h("h2", title) : null,
      body,
      actions.length ? h("div", { class: "btn-group" }, actions) : null,
    ),
    onDismiss
      ? h("button", { type: "button", class: "btn btn-plain btn-icon dismiss", "aria-label": "Dismiss", onclick: onDismiss }, icon("close"))
      : null,
  );
}

export function card({ title = null, actions = null, sections = [], flush = false, label = null }) {
  const headingId = title ? nextId("card") : null;
  return h(
    "section",
    { class: ["card", flush && "flush"], "aria-labelledby": headingId, "aria-label": headingId ? null : label },
    title ? h("div", { class: "card-header" }, h("h2", { id: headingId }, title), actions) : null,
    sections
      .filter((section) => section !== null && section !== undefined && section !== false)
      .map((section) => (isSection(section) ? section : h("div", { class: "card-section" }, section))),
  );
}

/** A table head: each column is a label or [label, className]. */
export function tableHead(columns) {
  return h(
    "thead",
    h(
      "tr",
      columns.filter((c) => c !== null).map((c) => (Array.isArray(c) ? h("th", { scope: "col", class: c[1] }, c[0]) : h("th", { scope: "col" }, c))),
    ),
  );
}

/** A card whose content sits in one unpadded section (tables, lists). */
export function flushCard(title, ...content) {
  return card({ title, flush: true, sections: [h("div", { class: "card-section" }, content)] });
}

function isSection(node) {
  return node instanceof Node && node.classList && node.classList.contains("card-section");
}

export function button(label, { primary = false, critical = false, plain = false, onClick = null, type = "button", ...attrs } = {}) {
  return h(
    "button",
    { type, class: ["btn", primary && "btn-primary", critical && "btn-critical", plain && "btn-plain"], onclick: onClick, ...attrs },
    label,
  );
}

/**
 * A labelled control with a slot for its error. The control carries data-loc (the API's
 * error location, joined by dots) so validation errors land next to the right field.
 */
export function field(label, control, { help = null, loc = null, hideLabel = false } = {}) {
  const id = control.id || nextId("field");
  control.id = id;
  const errorId = `${id}-error`;
  const helpId = help ? `${id}-help` : null;
  if (loc) control.dataset.loc = loc;
  control.dataset.errorId = errorId;
  if (helpId) control.setAttribute("aria-describedby", helpId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id, class: hideLabel ? "visually-hidden" : null }, label),
    control,
    help ? h("div", { class: "help", id: helpId }, help) : null,
    h("div", { class: "field-error", id: errorId, hidden: true }),
  );
}

export function input(attrs = {}) {
  return h("input", { type: "text", autocomplete: "off", ...attrs });
}

export function select(options, attrs = {}) {
  const node = h("select", attrs);
  for (const option of options) {
    const [value, label] = Array.isArray(option) ? option : [option, humanize(option)];
    node.append(h("option", { value, selected: String(attrs.value ?? "") === String(value) }, label));
  }
  if (attrs.value !== undefined) node.value = attrs.value;
  return node;
}

/** Show API validation errors next to the controls whose data-loc matches; returns the unmatched. */
export function showFieldErrors(root, fields) {
  clearFieldErrors(root);
  const unmatched = [];
  let first = null;
  for (const error of fields || []) {
    const loc = (error.loc || []).filter((part) => part !== "body" && part !== "query").join(".");
    let control = null;
    for (let parts = loc.split("."); parts.length && !control; parts.pop()) {
      control = root.querySelector(`[data-loc="${CSS.escape(parts.join("."))}"]`);
    }
    if (!control) {
      unmatched.push({ ...error, loc });
      continue;
    }
    const slot = root.querySelector(`#${CSS.escape(control.dataset.errorId)}`);
    control.setAttribute("aria-invalid", "true");
    const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    if (!described.includes(control.dataset.errorId)) described.push(control.dataset.errorId);
    control.setAttribute("aria-describedby", described.join(" "));
    if (slot) {
      slot.textContent = slot.hidden ? capitalize(error.msg) : `${slot.textContent}; ${cleanMessage(error.msg)}`;
      slot.hidden = false;
    }
    first = first || control;
  }
  if (first) first.focus();
  return unmatched;
}

/** An API refusal in a form: field errors next to their controls, the rest in a banner in `slot`. */
export function showFormError(root, slot, title, error) {
  const unmatched = showFieldErrors(root, error.fields);
  slot.replaceChildren(
    banner({
      tone: "critical",
      title,
      body: [h("p", error.message), unmatched.length ? h("ul", unmatched.map((f) => h("li", `${f.loc}: ${f.msg}`))) : null],
    }),
  );
}

export function clearFieldErrors(root) {
  for (const control of root.querySelectorAll("[aria-invalid='true']")) control.removeAttribute("aria-invalid");
  for (const slot of root.querySelectorAll(".field-error")) {
    slot.hidden = true;
    slot.textContent = "";
  }
}

/** Pydantic prefixes its messages ("Value error, …"); a person needs only the message. */
export function cleanMessage(text) {
  return String(text || "").replace(/^(Value error|Assertion failed),\s*/i, "");
}

function capitalize(text) {
  const s = cleanMessage(text);
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function pagination({ page, perPage, total, onPage, label = "items" }) {
  const first = total === 0 ? 0 : (page - 1) * perPage + 1;
  const last = Math.min(total, page * perPage);
  const pages = Math.max(1, Math.ceil(total / perPage));
  return h(
    "nav",
    { class: "pagination", "aria-label": "Pagination" },
    h("span", { "aria-live": "polite" }, total ? `${first}–${last} of ${total} ${label}` : `No ${label}`),
    h(
      "div",
      { class: "btn-group" },
      button("Previous", { disabled: page <= 1, onClick: () => onPage(page - 1), "aria-label": "Previous page" }),
      button("Next", { disabled: page >= pages, onClick: () => onPage(page + 1), "aria-label": "Next page" }),
    ),
  );
}

export function progressBar(percent, { big = false, label = "Progress", failed = false } = {}) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  const bar = h("div", { style: `width: ${value}%` });
  return h(
    "div",
    {
      class: ["progress", big && "big", failed && "failed"],
      role: "progressbar",
      "aria-label": label,
      "aria-valuemin": "0",
      "aria-valuemax": "100",
      "aria-valuenow": String(Math.round(value)),
    },
    bar,
  );
}

export function emptyState(title, text, action = null) {
  return h("div", { class: "empty" }, h("h2", title), h("p", text), action);
}

export function pageHeader(title, { back = null, actions = [], subtitle = null } = {}) {
  return h(
    "div",
    { class: "page-header" },
    back ? h("a", { class: "back", href: back, "aria-label": "Back" }, icon("back")) : null,
    h("h1", title),
    subtitle ? h("span", { class: "subtitle" }, subtitle) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null,
  );
}
