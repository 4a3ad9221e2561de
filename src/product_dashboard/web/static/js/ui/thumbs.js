// Product icons: fetched with the bearer token (an <img src> cannot send it), cached as blob URLs.
import { fetchBlobUrl } from "../core/api.js";
import { h } from "../core/dom.js";
import { icon } from "./icons.js";

const cache = new Map(); // `${id}@${updated_at}:${size}` → Promise<url|null>

export function iconUrl(product, size = 128) {
  if (!product.icon_url) return Promise.resolve(null);
  const key = `${product.id}@${product.updated_at}:${size}`;
  if (!cache.has(key)) cache.set(key, fetchBlobUrl(`${product.icon_url}?size=${size}`).catch(() => null));
  return cache.get(key);
}

export function forgetIcon(productId) {
  for (const key of [...cache.keys()]) if (key.startsWith(`${productId}@`)) cache.delete(key);
}

/** A square thumbnail: the product's icon when it has one, a placeholder otherwise. */
export function productThumb(product, { large = false } = {}) {
  const node = h("div", { class: ["thumb", large && "large"] }, icon("image"));
  if (product.icon_url) {
    iconUrl(product, large ? 512 : 128).then((url) => {
      if (url) node.replaceChildren(h("img", { src: url, alt: `${product.title} icon` }));
    });
  }
  return node;
}
