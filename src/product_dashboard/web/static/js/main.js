// Boot: session, shell, routes, live stream.
import { api, onUnauthorized, tokenStore } from "./core/api.js";
import { h } from "./core/dom.js";
import { live } from "./core/live.js";
import { currentPath, fallback, guard, navigate, rendered, route, start } from "./core/router.js";
import { session } from "./core/session.js";
import { card, emptyState, pageHeader } from "./ui/components.js";
import { icon, LOGO } from "./ui/icons.js";
import { toast } from "./ui/toast.js";
import { activityView } from "./views/activity.js";
import { isAlertEvent, onAlertsChanged, unacknowledgedCount } from "./views/alerts.js";
import { collectionDetailView } from "./views/collection-detail.js";
import { collectionsView } from "./views/collections.js";
import { conflictsView } from "./views/conflicts.js";
import { editorView } from "./views/editor.js";
import { loginView } from "./views/login.js";
import { changePasswordModal } from "./views/password.js";
import { productView } from "./views/product.js";
import { productsView } from "./views/products.js";
import { syncView } from "./views/sync.js";
import { teamView } from "./views/team.js";

const root = document.getElementById("app");
const NAV = [
  { path: "/products", label: "Products", icon: "products" },
  { path: "/collections", label: "Collections", icon: "collections" },
  { path: "/sync", label: "Sync", icon: "sync" },
  { path: "/conflicts", label: "Conflicts", icon: "conflicts", count: "conflicts" },
  { path: "/activity", label: "Activity", icon: "activity" },
  { path: "/team", label: "Team", icon: "team", adminOnly: true },
];

let shell = null;

function buildShell() {
  const user = session.user;
  const liveStatus = h("div", { class: "live-status", role: "status", "aria-label": "Live updates" }, h("span", { class: "live-dot" }), h("span", { class: "live-label" }, "Offline"));
  const counts = {};
  const links = NAV.filter((item) => !item.adminOnly || session.isAdmin).map((item) => {
    const count = item.count ? h("span", { class: "count", hidden: true, "aria-label": "open conflicts" }) : null;
    if (count) counts[item.count] = count;
    return h("li", h("a", { href: item.path, dataset: { nav: item.path } }, icon(item.icon), h("span", item.label), count));
  });
  const alertCount = h("span", { class: "count", hidden: true });
  const alertsLink = h("a", { class: "alerts-link", href: "/activity#alerts", "aria-label": "Alerts", title: "Alerts" }, icon("bell"), alertCount);
  const main = h("main", { id: "main", tabindex: "-1" });
  const node = h(
    "div",
    h(
      "header",
      { class: "topbar" },
      h("a", { class: "brand", href: "/products", "aria-label": "Product Dashboard home" }, LOGO(), h("span", "Product Dashboard")),
      h("div", { class: "spacer" }),
      alertsLink,
      liveStatus,
      h(
        "div",
        { class: "user-chip" },
        h("div", { class: "who" }, h("span", user.email), h("small", { dataset: { role: user.role } }, user.role)),
        h("span", { class: "avatar", "aria-hidden": "true" }, user.email.slice(0, 2).toUpperCase()),
        h("button", { type: "button", class: "btn btn-plain btn-icon", "aria-label": "Change password", title: "Change password", onclick: changePasswordModal }, icon("key")),
        h("button", { type: "button", class: "btn btn-plain btn-icon", "aria-label": "Log out", title: "Log out", onclick: logout }, icon("logout")),
      ),
    ),
    h("div", { class: "layout" }, h("nav", { class: "sidenav", "aria-label": "Main" }, h("ul", links)), main),
  );
  // Unacknowledged alerts, kept: those raised while no page was open count too.
  const refreshAlerts = async () => {
    let count = 0;
    try {
      count = await unacknowledgedCount();
    } catch {
      count = 0;
    }
    alertCount.hidden = count === 0;
    alertCount.textContent = String(count);
    alertsLink.setAttribute("aria-label", count ? `Alerts: ${count} unacknowledged` : "Alerts: none unacknowledged");
  };
  const offState = live.onState((state) => {
    if (state === "open") refreshAlerts(); // what was raised while the stream was down
    liveStatus.dataset.state = state;
    liveStatus.querySelector(".live-label").textContent = { open: "Live", connecting: "Connecting…", closed: "Offline" }[state];
  });
  const refreshCounts = async () => {
    try {
      const stats = await api("GET", "/api/conflicts/stats");
      const open = stats.open || 0;
      counts.conflicts.hidden = open === 0;
      counts.conflicts.textContent = String(open);
    } catch {
      counts.conflicts.hidden = true;
    }
  };
  const offConflicts = live.on("conflicts", refreshCounts);
  // Alerts (a job failed or held, a run's figures gone bad, webhooks given up on, a backup
  // failed) reach whoever has a page open, whatever the page.
  const offAlerts = live.on("system", (event) => {
    if (isAlertEvent(event)) refreshAlerts();
    if (event.type !== "alert") return;
    const alert = event.data;
    toast(alert.message, {
      tone: alert.severity === "critical" ? "critical" : "warning",
      timeout: 15000,
      action: alert.link ? { label: "Open", onAction: () => navigate(alert.link) } : null,
    });
  });
  const offAlertsChanged = onAlertsChanged(refreshAlerts);
  refreshCounts();
  refreshAlerts();
  return {
    node,
    main,
    refreshCounts,
    destroy() {
      offState();
      offConflicts();
      offAlerts();
      offAlertsChanged();
    },
    highlight(pathname) {
      for (const link of node.querySelectorAll("[data-nav]")) {
        if (pathname.startsWith(link.dataset.nav)) link.setAttribute("aria-current", "page");
        else link.removeAttribute("aria-current");
      }
    },
  };
}

async function logout() {
  live.stop();
  await session.logout();
  dropShell();
  navigate("/login");
}

function dropShell() {
  if (shell) shell.destroy();
  shell = null;
}

function target(pathname) {
  if (pathname === "/login") {
    dropShell();
    return root;
  }
  if (!shell) {
    shell = buildShell();
    root.replaceChildren(shell.node);
    live.start();
  }
  shell.highlight(pathname);
  shell.main.replaceChildren();
  return shell.main;
}

guard(async (pathname) => {
  if (pathname === "/login") return tokenStore.get() && (await session.load()) ? "/products" : null;
  if (!session.user && !(await session.load())) {
    sessionStorage.setItem("pd.next", currentPath());
    return "/login";
  }
  if (pathname === "/") return "/products";
  return null;
});

onUnauthorized(() => {
  live.stop();
  session.user = null;
  dropShell();
  sessionStorage.setItem("pd.next", currentPath());
  navigate("/login", { replace: true });
});

route("/login", loginView);
route("/products", productsView);
route("/products/editor", editorView);
route("/products/new", (params, query, node) => productView({ id: null }, query, node));
route("/products/:id", productView);
route("/collections", collectionsView);
route("/collections/:id", collectionDetailView);
route("/sync", syncView);
route("/conflicts", conflictsView);
route("/conflicts/:id", conflictsView);
route("/activity", activityView);
route("/team", teamView);
fallback((params, query, node) => {
  document.title = "Not found · Product Dashboard";
  const back = h("a", { class: "btn", href: "/products" }, "Go to products");
  const empty = emptyState("Nothing here", "This page does not exist, or it moved.", back);
  node.append(h("div", { class: "page" }, pageHeader("Page not found"), card({ label: "Not found", sections: [empty] })));
});

// After an in-app navigation, move focus to the new content (as a page load would reset it),
// unless the view focused something itself; screen readers then start at the new page.
rendered((firstLoad) => {
  if (firstLoad) return;
  const active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  const main = document.getElementById("main");
  if (main && main.hasAttribute("tabindex")) main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
});

start(target);
