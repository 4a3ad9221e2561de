// The REST client: bearer token from sessionStorage, JSON in and out, one error type.

const TOKEN_KEY = "pd.token";
const EXPIRES_KEY = "pd.expires";

export class ApiError extends Error {
  constructor(status, body) {
    const detail = (body && (body.detail || body.error)) || `Request failed (${status})`;
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.kind = body && body.error;
    this.body = body || {};
    this.fields = (body && Array.isArray(body.fields) && body.fields) || [];
  }
}

export const tokenStore = {
  get() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const expires = Number(sessionStorage.getItem(EXPIRES_KEY) || 0);
    if (!token || (expires && Date.now() > expires)) return null;
    return token;
  },
  set(token, expiresIn) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(EXPIRES_KEY, String(Date.now() + Number(expiresIn || 0) * 1000));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(EXPIRES_KEY);
  },
};

const unauthorizedListeners = new Set();
export function onUnauthorized(listener) {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

function buildUrl(path, query) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.set(key, Array.isArray(value) ? value.join(",") : String(value));
  }
  return url;
}

/**
 * The Response of an authenticated request; throws ApiError unless it is 2xx. `body` is sent as
 * JSON, `form` (FormData) as multipart.
 */
export async function request(method, path, { query, body, form, headers, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...(headers || {}) }, signal };
  const token = tokenStore.get();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (method !== "GET" && method !== "HEAD") init.headers["X-Change-Source"] = "ui";
  if (form !== undefined) {
    init.body = form;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(buildUrl(path, query), init);
  if (!response.ok) {
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    const error = new ApiError(response.status, data);
    if (response.status === 401 && !path.startsWith("/api/auth/login")) {
      tokenStore.clear();
      for (const listener of unauthorizedListeners) listener(error);
    }
    throw error;
  }
  return response;
}

/** api("GET", "/api/products", {query}) → parsed JSON (or null for 204). Throws ApiError. */
export async function api(method, path, options = {}) {
  const response = await request(method, path, options);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json().catch(() => null) : null;
}

/**
 * A list's loads, the newest only: each `next()` aborts the request before it, so an answer to an
 * older filter (still in flight after an action's reload) never replaces a newer one's.
 *   const signal = loads.next();  data = await api("GET", path, { query, signal });
 *   (on an error or an answer) if (signal.aborted) return;  // a newer load draws the list
 * A list that shows it is loading also calls `done(signal)` when a load settles (true: it was the
 * newest, so nothing is loading now; `busy` until then), and `abort()` when the page is left.
 */
export function newestOnly() {
  let controller = null;
  return {
    next() {
      if (controller) controller.abort();
      controller = new AbortController();
      return controller.signal;
    },
    done(signal) {
      if (!controller || controller.signal !== signal) return false;
      controller = null;
      return true;
    },
    get busy() {
      return controller !== null;
    },
    abort() {
      if (controller) controller.abort();
    },
  };
}

/** Fetch an authenticated binary resource (icons) as an object URL, or null when absent. */
export async function fetchBlobUrl(path, { signal } = {}) {
  const token = tokenStore.get();
  const response = await fetch(buildUrl(path), {
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    signal,
  });
  if (!response.ok) return null;
  return URL.createObjectURL(await response.blob());
}

function filenameOf(response, fallback) {
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return match ? decodeURIComponent(match[1]) : fallback;
}

/** Save a response's body as a file (its Content-Disposition name, else `fallback`). */
export async function saveResponse(response, fallback) {
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filenameOf(response, fallback);
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
