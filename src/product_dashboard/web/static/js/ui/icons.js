// Our own small icon set (simple 20×20 paths).
import { svg } from "../core/dom.js";

const PATHS = {
  products: ["M3 6.5 10 3l7 3.5v7L10 17l-7-3.5v-7Zm2 1.4v4.8l4 2v-4.8l-4-2Zm6 6.8 4-2V7.9l-4 2v4.8ZM6.2 6.6 10 8.5l3.8-1.9L10 4.7 6.2 6.6Z"],
  collections: ["M4 3h5v5H4V3Zm1.5 1.5v2h2v-2h-2ZM11 3h5v5h-5V3Zm1.5 1.5v2h2v-2h-2ZM4 12h5v5H4v-5Zm1.5 1.5v2h2v-2h-2ZM11 12h5v5h-5v-5Zm1.5 1.5v2h2v-2h-2Z"],
  sync: ["M10 3a7 7 0 0 1 6.3 4H18l-2.8 3.5L12.5 7h2a5.5 5.5 0 0 0-10 1.4l-1.5-.3A7 7 0 0 1 10 3Zm-7.2 6.5L5.5 13h-2a5.5 5.5 0 0 0 10-1.4l1.5.3A7 7 0 0 1 3.7 13H2l.8-3.5Z"],
  conflicts: ["M10 2.5 18 17H2l8-14.5Zm0 3.1L4.6 15.5h10.8L10 5.6ZM9.25 8h1.5v4h-1.5V8Zm0 5h1.5v1.5h-1.5V13Z"],
  team: ["M7.5 3a3 3 0 1 1 0 6 3 3 0 0 1 0-6Zm0 1.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3ZM2 16c0-3 2.4-5 5.5-5S13 13 13 16h-1.5c0-2.1-1.7-3.5-4-3.5s-4 1.4-4 3.5H2Zm11.5-12a2.5 2.5 0 1 1 0 5 2.5 2.5 0 0 1 0-5Zm0 1.5a1 1 0 1 0 0 2 1 1 0 0 0 0-2ZM14 11c2.3.2 4 1.9 4 4.5h-1.5c0-1.7-1-2.8-2.5-3V11Z"],
  activity: ["M2 10h3.2l2-5 3.6 10 2-5H18v1.5h-4.2l-3 7-3.6-10-1 3.5H2V10Z"],
  search: ["M8.5 3a5.5 5.5 0 0 1 4.38 8.82l3.65 3.65-1.06 1.06-3.65-3.65A5.5 5.5 0 1 1 8.5 3Zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z"],
  back: ["M12.5 4.5 7 10l5.5 5.5-1.06 1.06L4.88 10l6.56-6.56 1.06 1.06Z"],
  image: ["M4 4h12a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1Zm.5 1.5v7.4l3-3 3 3 2-2 3 3V5.5h-11ZM13 7a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3Z"],
  drag: ["M7 4h2v2H7V4Zm4 0h2v2h-2V4ZM7 9h2v2H7V9Zm4 0h2v2h-2V9Zm-4 5h2v2H7v-2Zm4 0h2v2h-2v-2Z"],
  up: ["M10 5.5 15.5 11l-1.06 1.06L10 7.62l-4.44 4.44L4.5 11 10 5.5Z"],
  down: ["M10 14.5 4.5 9l1.06-1.06L10 12.38l4.44-4.44L15.5 9 10 14.5Z"],
  close: ["M5.53 4.47 10 8.94l4.47-4.47 1.06 1.06L11.06 10l4.47 4.47-1.06 1.06L10 11.06l-4.47 4.47-1.06-1.06L8.94 10 4.47 5.53l1.06-1.06Z"],
  plus: ["M9.25 4h1.5v5.25H16v1.5h-5.25V16h-1.5v-5.25H4v-1.5h5.25V4Z"],
  key: ["M13 3a4 4 0 1 1-1.6 7.67L9.06 13H7.5v1.5H6V16H3v-2.56l5.33-5.33A4 4 0 0 1 13 3Zm0 1.5a2.5 2.5 0 0 0-2.35 3.35l.17.46L4.5 14.06v.44h.5V13h1.5v-1.5h1.94l2.52-2.52.46.17A2.5 2.5 0 1 0 13 4.5Zm.75 1.25a1 1 0 1 1 0 2 1 1 0 0 1 0-2Z"],
  bell: ["M10 2.5c.55 0 1 .45 1 1v.57A5 5 0 0 1 15 9v3.5l1.5 2.5h-13L5 12.5V9a5 5 0 0 1 4-4.93V3.5c0-.55.45-1 1-1ZM8 16.5h4a2 2 0 0 1-4 0Z"],
  logout: ["M4 3h7v1.5H5.5v11H11V17H4V3Zm9.5 3.5L17 10l-3.5 3.5-1.06-1.06 1.69-1.69H8v-1.5h6.13l-1.69-1.69 1.06-1.06Z"],
};

export const LOGO = () => {
  const node = svg([], { viewBox: "0 0 32 32" });
  node.replaceChildren();
  const ns = "http://www.w3.org/2000/svg";
  const rect = document.createElementNS(ns, "rect");
  Object.entries({ width: 32, height: 32, rx: 7, fill: "#36fba1" }).forEach(([k, v]) => rect.setAttribute(k, v));
  const bag = document.createElementNS(ns, "path");
  bag.setAttribute("d", "M9 12h14l-1.5 11h-11z");
  bag.setAttribute("fill", "#0c5132");
  const handle = document.createElementNS(ns, "path");
  handle.setAttribute("d", "M12.5 12a3.5 3.5 0 0 1 7 0");
  handle.setAttribute("fill", "none");
  handle.setAttribute("stroke", "#0c5132");
  handle.setAttribute("stroke-width", "2.2");
  node.append(rect, bag, handle);
  return node;
};

export function icon(name) {
  return svg(PATHS[name] || PATHS.image);
}
