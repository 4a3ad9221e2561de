// Build DOM nodes from data. Text always goes in as text nodes: nothing here parses HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function applyAttrs(node, attrs) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.setAttribute("class", Array.isArray(value) ? value.filter(Boolean).join(" ") : value);
    else if (key === "text") node.textContent = String(value);
    else if (key === "style") {
      // CSSOM, not the style attribute: the page's CSP forbids inline style attributes.
      if (typeof value === "string") node.style.cssText = value;
      else Object.assign(node.style, value);
    } else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in node) node.value = value;
    else if (key === "checked" || key === "selected" || key === "indeterminate") node[key] = Boolean(value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** `node.replaceChildren(...)` as `h` appends: null, undefined and false leave no trace (the DOM's
 * own method writes them as the text "null"). */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** `node.append(...)` as `h` appends (see `fill`). */
export function add(node, ...children) {
  append(node, children);
  return node;
}

/** h("button", {class: "btn", onclick}, "Save") */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs && (attrs instanceof Node || typeof attrs !== "object" || Array.isArray(attrs))) {
    children.unshift(attrs);
  } else {
    applyAttrs(node, attrs);
  }
  append(node, children);
  return node;
}

/** An SVG icon from path data (our own small set, see ui/icons.js). */
export function svg(paths, attrs = {}) {
  const node = document.createElementNS(SVG_NS, "svg");
  node.setAttribute("viewBox", attrs.viewBox || "0 0 20 20");
  node.setAttribute("aria-hidden", "true");
  node.setAttribute("focusable", "false");
  for (const d of paths) {
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", d);
    path.setAttribute("fill", "currentColor");
    node.append(path);
  }
  return node;
}

export function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

let uid = 0;
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}
