// Short confirmations at the bottom of the screen, announced to screen readers.
import { h } from "../core/dom.js";

let region = null;

function ensureRegion() {
  if (!region || !region.isConnected) {
    region = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(region);
  }
  return region;
}

export function toast(message, { tone = "", action = null, timeout = 5000 } = {}) {
  const node = h("div", { class: ["toast", tone] }, h("span", message));
  if (action) {
    node.append(
      h("button", { class: "btn btn-plain", type: "button", onclick: () => { node.remove(); action.onAction(); } }, action.label),
    );
  }
  ensureRegion().append(node);
  setTimeout(() => node.remove(), action ? timeout * 2 : timeout);
  return node;
}

export function toastError(error) {
  return toast(error && error.message ? error.message : String(error), { tone: "critical", timeout: 8000 });
}
