// Render untrusted HTML (product descriptions) through a DOM allow-list.
// The string is parsed in an inert document (no scripts run, nothing loads); only allowed
// elements and attributes are re-created in the page, so server strings never reach innerHTML.

const ALLOWED = new Set([
  "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
  "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li",
  "mark", "ol", "p", "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td",
  "tfoot", "th", "thead", "tr", "u", "ul",
]);
// Dropped with everything inside them.
const DROPPED = new Set([
  "script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "form",
  "input", "button", "textarea", "select", "link", "meta", "base", "frame", "frameset", "audio",
  "video", "source", "track", "canvas", "applet", "title", "head",
]);
const ATTRIBUTES = {
  "*": new Set(["title", "lang", "dir"]),
  a: new Set(["href"]),
  img: new Set(["src", "alt", "width", "height"]),
  td: new Set(["colspan", "rowspan"]),
  th: new Set(["colspan", "rowspan", "scope"]),
  ol: new Set(["start"]),
};

function safeUrl(value, { image = false } = {}) {
  const trimmed = value.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (image && /^data:image\/(png|jpe?g|gif|webp);/i.test(trimmed)) return trimmed;
  if (/^\/(?!\/)/.test(trimmed)) return trimmed; // same-origin path
  return null;
}

function copyNode(source, target) {
  for (const child of source.childNodes) {
    if (child.nodeType === Node.TEXT_NODE) {
      target.append(document.createTextNode(child.data));
      continue;
    }
    if (child.nodeType !== Node.ELEMENT_NODE) continue; // comments, processing instructions
    const tag = child.localName;
    if (DROPPED.has(tag)) continue;
    if (!ALLOWED.has(tag)) {
      copyNode(child, target); // unknown wrapper: keep its content
      continue;
    }
    const element = document.createElement(tag);
    for (const attr of child.attributes) {
      const name = attr.name.toLowerCase();
      if (!ATTRIBUTES["*"].has(name) && !(ATTRIBUTES[tag] && ATTRIBUTES[tag].has(name))) continue;
      if (name === "href" || name === "src") {
        const url = safeUrl(attr.value, { image: name === "src" });
        if (url) element.setAttribute(name, url);
      } else if ((name === "width" || name === "height" || name.endsWith("span") || name === "start")) {
        if (/^\d{1,4}$/.test(attr.value)) element.setAttribute(name, attr.value);
      } else {
        element.setAttribute(name, attr.value);
      }
    }
    if (tag === "a") {
      element.setAttribute("rel", "noopener noreferrer nofollow");
      element.setAttribute("target", "_blank");
    }
    if (tag === "img") {
      if (!element.hasAttribute("src")) continue;
      element.setAttribute("loading", "lazy");
      element.setAttribute("referrerpolicy", "no-referrer");
    }
    copyNode(child, element);
    target.append(element);
  }
}

// Chromium checks the page's CSP while *parsing* inline handlers and styles, even in an inert
// document, and logs a (harmless, blocked) violation for each; Shopify descriptions are full of
// style="…". Removing those attributes, and turning <style> into an inert <template>, keeps the
// console quiet. Safety does not depend on it: the allow-list below never copies any of them.
const TAG = /<[a-z][^>]*>/gi;
const INLINE_ATTRIBUTE = /([\s/"'])(?:on[a-z]+|style)\s*=\s*("[^"]*"|'[^']*'|[^\s>]*)/gi;
const STYLE_ELEMENT = /<(\/?)style\b/gi;

function stripInlineHandlers(html) {
  return html
    .replace(STYLE_ELEMENT, "<$1template")
    .replace(TAG, (tag) => tag.replace(INLINE_ATTRIBUTE, "$1"));
}

/** A DocumentFragment holding only the allowed parts of `html`. */
export function sanitizeHtml(html) {
  const fragment = document.createDocumentFragment();
  if (!html) return fragment;
  const inert = new DOMParser().parseFromString(stripInlineHandlers(String(html)), "text/html");
  copyNode(inert.body, fragment);
  return fragment;
}
