// A filter input with suggestions from the catalog: the vendors, types, tags or collections in
// use that contain what is typed, any case, with their product counts. Choosing one applies it at once; typed text
// applies on Enter or when leaving the field, and "acme" finds "Acme" (the API ignores case).
import { api } from "../core/api.js";
import { debounce, h } from "../core/dom.js";
import { fmtNumber } from "../core/format.js";
import { input } from "./components.js";

let lists = 0;

/** suggestingInput("vendor" | "product_type" | "tag" | "collection", {current(), onChoose(value,
 * suggestion)}) → {node, list}: the input and its <datalist>, to place in the page. `current()` is
 * the filter applied now; `suggestion` is the chosen entry ({value, count, id}) when one matches. */
export function suggestingInput(field, { current, placeholder = "Any", onChoose }) {
  const listId = `suggest-${field}-${++lists}`;
  const list = h("datalist", { id: listId });
  const node = input({ value: current(), placeholder, list: listId });
  let known = [];
  const matching = (typed) => known.find((s) => s.value.toLowerCase() === typed.toLowerCase());
  const apply = (next) => {
    if (next !== current()) onChoose(next, matching(next));
  };
  const load = debounce(async () => {
    try {
      known = await api("GET", "/api/products/suggestions", { query: { field, q: node.value.trim() } });
    } catch {
      return; // suggestions are a help; the filter works without them
    }
    list.replaceChildren(...known.map((s) => h("option", { value: s.value }, `${fmtNumber(s.count)} product${s.count === 1 ? "" : "s"}`)));
  }, 150);
  node.addEventListener("focus", load);
  node.addEventListener("input", () => {
    const typed = node.value.trim();
    const match = matching(typed);
    if (typed === "") apply("");
    else if (match && match.value === node.value) apply(match.value); // picked from the list
    load();
  });
  node.addEventListener("change", () => apply(node.value.trim()));
  return { node, list };
}
