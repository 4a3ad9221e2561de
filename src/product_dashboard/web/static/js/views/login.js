// Sign in.
import { h } from "../core/dom.js";
import { navigate } from "../core/router.js";
import { session } from "../core/session.js";
import { banner, button, field, input } from "../ui/components.js";
import { LOGO } from "../ui/icons.js";

export async function loginView(params, query, root) {
  document.title = "Log in · Product Dashboard";
  const email = input({ type: "email", name: "email", autocomplete: "username", required: true });
  const password = input({ type: "password", name: "password", autocomplete: "current-password", required: true });
  const errorSlot = h("div");
  const submit = button("Log in", { primary: true, type: "submit" });
  const form = h(
    "form",
    { novalidate: true, "aria-labelledby": "login-title" },
    errorSlot,
    field("Email", email),
    field("Password", password),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorSlot.replaceChildren();
    if (!email.value || !password.value) {
      errorSlot.append(banner({ tone: "critical", title: "Enter your email and password." }));
      return;
    }
    submit.disabled = true;
    submit.textContent = "Logging in…";
    try {
      await session.login(email.value.trim(), password.value);
      const next = sessionStorage.getItem("pd.next");
      sessionStorage.removeItem("pd.next");
      navigate(next && next !== "/login" ? next : "/products", { replace: true });
    } catch (error) {
      const message = error.status === 401 ? "Wrong email or password." : error.status === 429 ? "Too many attempts. Wait a minute and try again." : error.message;
      errorSlot.append(banner({ tone: "critical", title: message }));
      password.select();
    } finally {
      submit.disabled = false;
      submit.textContent = "Log in";
    }
  });
  root.replaceChildren(
    h(
      "main",
      { class: "login-wrap", id: "main" },
      h(
        "section",
        { class: "card login-card" },
        h(
          "div",
          { class: "card-section" },
          h("div", { class: "brand" }, LOGO(), h("span", "Product Dashboard")),
          h("h1", { id: "login-title" }, "Log in"),
          h("p", { class: "subtitle" }, "Continue to your store's catalog"),
          form,
        ),
      ),
    ),
  );
  email.focus();
}
