// Modal dialogs on <dialog>: focus is trapped by the browser, Escape closes.
import { h } from "../core/dom.js";
import { icon } from "./icons.js";

/**
 * openModal({title, body, actions, wide}) → {dialog, close, setBody, footer}
 * actions: [{label, primary, critical, onClick(ctx) → (false keeps it open)}]
 */
export function openModal({ title, body, actions = [], wide = false, footerNote = null, onClose = null }) {
  const titleId = `modal-title-${Math.random().toString(36).slice(2, 8)}`;
  const bodyNode = h("div", { class: "modal-body" });
  const footer = h("div", { class: "modal-footer" });
  const note = h("span", { class: "left" }, footerNote || "");
  const dialog = h("dialog", { class: ["modal", wide && "wide"], "aria-labelledby": titleId });
  const ctx = {
    dialog,
    footer,
    close() {
      if (dialog.open) dialog.close();
    },
    setBody(...nodes) {
      bodyNode.replaceChildren(...nodes.flat());
    },
    setNote(text) {
      note.textContent = text || "";
    },
    setActions(list) {
      footer.replaceChildren(note);
      for (const action of list) {
        const button = h(
          "button",
          {
            type: "button",
            class: ["btn", action.primary && "btn-primary", action.critical && "btn-critical"],
            disabled: action.disabled,
          },
          action.label,
        );
        button.addEventListener("click", async () => {
          if (!action.onClick) return ctx.close();
          button.disabled = true;
          try {
            const keep = await action.onClick(ctx);
            if (keep !== false) ctx.close();
          } finally {
            button.disabled = false;
          }
        });
        if (action.id) button.id = action.id;
        footer.append(button);
      }
    },
  };
  dialog.append(
    h(
      "div",
      { class: "modal-form" },
      h(
        "div",
        { class: "modal-header" },
        h("h2", { id: titleId }, title),
        h("button", { type: "button", class: "btn btn-plain btn-icon", "aria-label": "Close", onclick: () => ctx.close() }, icon("close")),
      ),
      bodyNode,
      footer,
    ),
  );
  ctx.setBody(body || []);
  ctx.setActions(actions.length ? actions : [{ label: "Close" }]);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (onClose) onClose();
  });
  document.body.append(dialog);
  dialog.showModal();
  return ctx;
}

export function confirmModal({ title, message, confirmLabel = "Confirm", critical = false }) {
  return new Promise((resolve) => {
    let answered = false;
    openModal({
      title,
      body: [h("p", message)],
      actions: [
        { label: "Cancel" },
        {
          label: confirmLabel,
          primary: !critical,
          critical,
          onClick: () => {
            answered = true;
          },
        },
      ],
      onClose: () => resolve(answered),
    });
  });
}
