// Change your own password (any role). Every other session of yours ends; this one carries on
// with the fresh token the API returns.
import { api, tokenStore } from "../core/api.js";
import { h } from "../core/dom.js";
import { clearFieldErrors, field, input, showFormError } from "../ui/components.js";
import { openModal } from "../ui/modal.js";
import { toast } from "../ui/toast.js";

export function changePasswordModal() {
  const current = input({ type: "password", autocomplete: "current-password" });
  const fresh = input({ type: "password", autocomplete: "new-password" });
  const errors = h("div");
  const body = h(
    "div",
    errors,
    field("Current password", current, { loc: "current_password" }),
    field("New password", fresh, { loc: "new_password", help: "At least 10 characters. Your other sessions end." }),
  );
  openModal({
    title: "Change your password",
    body: [body],
    actions: [
      { label: "Cancel" },
      {
        label: "Change password",
        primary: true,
        onClick: async () => {
          clearFieldErrors(body);
          errors.replaceChildren();
          try {
            const token = await api("POST", "/api/auth/password", { body: { current_password: current.value, new_password: fresh.value } });
            tokenStore.set(token.access_token, token.expires_in);
            toast("Password changed; your other sessions have ended");
            return true;
          } catch (error) {
            showFormError(body, errors, "The password was not changed", error);
            return false;
          }
        },
      },
    ],
  });
  current.focus();
}
