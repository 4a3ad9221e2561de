// A small History-API router: path patterns → view functions; same-origin links are intercepted.

const routes = [];
let notFound = null;
let current = { cleanup: null, token: 0 };
let renderTarget = null;
let beforeEach = null;
let leaveGuard = null;
let afterEach = null;
let renders = 0;

/** route("/products/:id", view) — a view is (params, query) => Promise<cleanup?> */
export function route(pattern, view) {
  const keys = [];
  const regex = new RegExp(
    "^" +
      pattern.replace(/\/:([a-z_]+)/gi, (_, key) => {
        keys.push(key);
        return "/([^/]+)";
      }) +
      "/?$",
  );
  routes.push({ regex, keys, view });
}

export function fallback(view) {
  notFound = view;
}

/** A hook run before each navigation; it may return a path to redirect to. */
export function guard(fn) {
  beforeEach = fn;
}

/** A hook run after each render with whether it was the first one (a full page load). */
export function rendered(fn) {
  afterEach = fn;
}

/** While set, navigating away asks first (unsaved changes). */
export function setLeaveGuard(fn) {
  leaveGuard = fn;
}

function match(pathname) {
  for (const { regex, keys, view } of routes) {
    const found = regex.exec(pathname);
    if (found) {
      const params = {};
      keys.forEach((key, i) => (params[key] = decodeURIComponent(found[i + 1])));
      return { view, params };
    }
  }
  return { view: notFound, params: {} };
}

export function currentPath() {
  return window.location.pathname + window.location.search;
}

export async function navigate(path, { replace = false } = {}) {
  if (leaveGuard && !leaveGuard()) return;
  leaveGuard = null;
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  await render();
}

/** Update the query string without re-rendering (filters, pagination state). */
export function setQuery(params) {
  const url = new URL(window.location.href);
  url.search = "";
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  history.replaceState({}, "", url.pathname + url.search);
}

export async function render() {
  const url = new URL(window.location.href);
  if (beforeEach) {
    const redirect = await beforeEach(url.pathname);
    if (redirect && redirect !== url.pathname) {
      history.replaceState({}, "", redirect);
      return render();
    }
  }
  const { view, params } = match(url.pathname);
  if (typeof current.cleanup === "function") current.cleanup();
  current = { cleanup: null, token: current.token + 1 };
  const token = current.token;
  const cleanup = await view(params, Object.fromEntries(url.searchParams), renderTarget(url.pathname));
  if (token === current.token) current.cleanup = cleanup;
  else if (typeof cleanup === "function") cleanup();
  renders += 1;
  if (afterEach && token === current.token) afterEach(renders === 1);
}

export function start(target) {
  renderTarget = target;
  window.addEventListener("popstate", () => {
    if (leaveGuard && !leaveGuard()) return;
    leaveGuard = null;
    render();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.target === "_blank" || link.hasAttribute("download")) return;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname.startsWith("/api/")) return;
    if (url.hash && url.pathname === window.location.pathname) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  return render();
}
