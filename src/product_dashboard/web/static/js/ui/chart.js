// A small line chart in SVG (no library): area, line, max label and a time axis.
import { svgEl } from "../core/dom.js";

const W = 560;
const H = 140;
const PAD = { left: 34, right: 8, top: 10, bottom: 18 };

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

const label = (value) => (value >= 100 ? Math.round(value).toString() : value >= 10 ? value.toFixed(0) : value.toFixed(1));

/** lineChart([[seconds, value], ...], {label}) → <svg role="img"> */
export function lineChart(points, { label: name = "Chart", className = "" } = {}) {
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: `chart ${className}`.trim(), role: "img", "aria-label": name });
  const maxX = Math.max(1, ...points.map(([x]) => x));
  const maxY = niceMax(Math.max(0, ...points.map(([, y]) => y)));
  const x = (v) => PAD.left + (v / maxX) * (W - PAD.left - PAD.right);
  const y = (v) => H - PAD.bottom - (v / maxY) * (H - PAD.top - PAD.bottom);
  for (const fraction of [0, 0.5, 1]) {
    const gy = y(maxY * fraction);
    svg.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: gy, y2: gy, class: "grid" }));
    const text = svgEl("text", { x: PAD.left - 4, y: gy + 3, "text-anchor": "end" });
    text.textContent = label(maxY * fraction);
    svg.append(text);
  }
  const end = svgEl("text", { x: W - PAD.right, y: H - 4, "text-anchor": "end" });
  end.textContent = `${Math.round(maxX)} s`;
  const start = svgEl("text", { x: PAD.left, y: H - 4 });
  start.textContent = "0 s";
  svg.append(start, end);
  if (points.length > 1) {
    const line = points.map(([px, py], i) => `${i ? "L" : "M"}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(" ");
    const area = `${line} L${x(points[points.length - 1][0]).toFixed(1)},${y(0)} L${x(points[0][0]).toFixed(1)},${y(0)} Z`;
    svg.append(svgEl("path", { d: area, class: "area" }), svgEl("path", { d: line, class: "line" }));
  }
  const title = svgEl("title");
  title.textContent = `${name}: latest ${points.length ? label(points[points.length - 1][1]) : "—"}`;
  svg.prepend(title);
  return svg;
}
