// A spreadsheet-like grid over rows fetched a page at a time: only the visible rows are in the DOM
// (10,000 rows cost what 30 do), cells edited in place with the keyboard, a block pasted from a
// spreadsheet (tab-separated), fill-down, and a validation message on each cell that is wrong.
// Edits stay here until the page saves them; `edits()` lists them as the cell batch wants them.
import { h } from "../core/dom.js";

const ROW_HEIGHT = 32;
const PAGE_ROWS = 200;
const OVERSCAN = 8;
const FIXED = [
  { key: "title", label: "Product", width: 240, readOnly: true },
  { key: "variant_title", label: "Variant", width: 140, readOnly: true },
];

const MONEY = /^\$?\d{1,9}(\.\d{1,2})?$/;
const INTEGER = /^-?\d{1,10}$/;

/** The message for a value this column cannot take, or null (the server checks again). */
export function cellProblem(column, raw) {
  const text = String(raw ?? "").trim();
  if (text === "") {
    return column.required ? "cannot be empty" : null;
  }
  if (column.kind === "money" && !MONEY.test(text.replace(/,/g, ""))) return 'must be an amount such as "19.99"';
  if (column.kind === "integer") {
    if (!INTEGER.test(text.replace(/,/g, ""))) return "must be a whole number";
    if (column.min !== undefined && Number(text.replace(/,/g, "")) < column.min) return `must not be below ${column.min}`;
  }
  if (column.kind === "choice" && !column.choices.includes(text.toLowerCase())) return `must be one of ${column.choices.join(", ")}`;
  if (column.kind !== "tags" && text.length > 255) return "is longer than 255 characters";
  return null;
}

function shown(value) {
  return value === null || value === undefined ? "" : String(value);
}

/**
 * createGrid({columns, load(offset, limit) → {rows, total}, onChange(), readOnly}) → grid.
 * `columns` are the registry's (GET /api/products/grid/columns) chosen by the merchant.
 */
export function createGrid({ columns, load, onChange = () => {}, readOnly = false, label = "Bulk editor" }) {
  let cols = [...FIXED, ...columns];
  let total = 0;
  const pages = new Map(); // page index → rows, or a Promise while loading
  const edits = new Map(); // cell key → {product_id, variant_id, version, field, value}
  const problems = new Map(); // cell key → message
  let active = { row: 0, col: FIXED.length };
  let anchor = null; // the other corner of a selected block, or null for one cell
  let editing = null; // {row, col, input}
  let frame = 0;

  const header = h("div", { class: "grid-row grid-header", role: "row", "aria-rowindex": "1" });
  const body = h("div", { class: "grid-body" });
  const viewport = h("div", {
    class: "grid-viewport",
    role: "grid",
    tabindex: "0",
    "aria-label": label,
    "aria-multiselectable": "true",
  });
  viewport.append(header, body);
  const status = h("div", { class: "grid-status", role: "status", "aria-live": "polite" });
  const node = h("div", { class: "grid" }, viewport, status);

  function layout() {
    dataVersion += 1;
    for (const entry of rendered.values()) entry.node.remove();
    rendered = new Map();
    viewport.style.setProperty("--grid-columns", cols.map((c) => `${c.width}px`).join(" "));
    viewport.style.setProperty("--grid-width", `${cols.reduce((sum, c) => sum + c.width, 0)}px`);
    header.replaceChildren(
      ...cols.map((c, i) => h("div", { class: ["grid-cell", c.kind && `kind-${c.kind}`], role: "columnheader", "aria-colindex": String(i + 1), title: c.level === "product" ? "One value per product" : null }, c.label)),
    );
    body.style.height = `${total * ROW_HEIGHT}px`;
    viewport.setAttribute("aria-rowcount", String(total + 1));
    viewport.setAttribute("aria-colcount", String(cols.length));
  }

  // -- data ------------------------------------------------------------------------------------

  function rowAt(index) {
    const page = pages.get(Math.floor(index / PAGE_ROWS));
    return Array.isArray(page) ? page[index % PAGE_ROWS] || null : null;
  }

  function fetchPage(pageIndex) {
    if (pages.has(pageIndex)) return Promise.resolve(pages.get(pageIndex));
    const pending = load(pageIndex * PAGE_ROWS, PAGE_ROWS).then(
      (result) => {
        total = result.total;
        pages.set(pageIndex, result.rows);
        dataVersion += 1;
        return result.rows;
      },
      (error) => {
        pages.delete(pageIndex);
        throw error;
      },
    );
    pages.set(pageIndex, pending);
    return pending;
  }

  /** Load every page holding rows first..last (pastes and fill-down reach past the screen). */
  async function ensureRows(first, last) {
    const wanted = [];
    for (let p = Math.floor(first / PAGE_ROWS); p <= Math.floor(last / PAGE_ROWS); p += 1) wanted.push(fetchPage(p));
    await Promise.all(wanted);
  }

  function cellKey(row, column) {
    return column.level === "product" ? `p${row.product_id}:${column.key}` : `v${row.variant_id}:${column.key}`;
  }

  function valueOf(row, column) {
    if (column.readOnly) return row[column.key];
    const key = cellKey(row, column);
    return edits.has(key) ? edits.get(key).value : shown(row.values[column.key]);
  }

  function setCell(rowIndex, colIndex, raw) {
    const row = rowAt(rowIndex);
    const column = cols[colIndex];
    if (!row || !column || column.readOnly || readOnly) return;
    const key = cellKey(row, column);
    const value = String(raw ?? "");
    if (value.trim() === shown(row.values[column.key]).trim()) edits.delete(key);
    else edits.set(key, { product_id: row.product_id, variant_id: row.variant_id, version: row.version, field: column.key, value });
    const problem = edits.has(key) ? cellProblem(column, value) : null;
    if (problem) problems.set(key, problem);
    else problems.delete(key);
  }

  function changed() {
    dataVersion += 1;
    paint();
    onChange();
  }

  // -- painting --------------------------------------------------------------------------------

  function bounds() {
    if (!anchor) return { top: active.row, bottom: active.row, left: active.col, right: active.col };
    return {
      top: Math.min(anchor.row, active.row),
      bottom: Math.max(anchor.row, active.row),
      left: Math.min(anchor.col, active.col),
      right: Math.max(anchor.col, active.col),
    };
  }

  function cellNode(row, rowIndex, column, colIndex, box) {
    const isActive = rowIndex === active.row && colIndex === active.col;
    const selected = rowIndex >= box.top && rowIndex <= box.bottom && colIndex >= box.left && colIndex <= box.right;
    const attrs = {
      class: ["grid-cell", column.kind && `kind-${column.kind}`, column.readOnly && "fixed", isActive && "active", selected && "selected"],
      role: column.readOnly ? "rowheader" : "gridcell",
      id: isActive ? "grid-active-cell" : null,
      "aria-colindex": String(colIndex + 1),
      "aria-selected": selected ? "true" : null,
      dataset: { row: String(rowIndex), col: column.key },
    };
    if (!row) return h("div", attrs, colIndex === 0 ? "Loading…" : "");
    if (editing && isActive) return h("div", attrs, editing.input);
    const key = column.readOnly ? null : cellKey(row, column);
    const problem = key && problems.get(key);
    if (key && edits.has(key)) attrs.class.push("edited");
    if (problem) {
      attrs.class.push("invalid");
      attrs["aria-invalid"] = "true";
      attrs.title = problem;
    }
    return h("div", attrs, valueOf(row, column));
  }

  // Rows stay in the DOM while they are visible and unchanged: a scroll builds only the rows
  // coming into view, a move of the active cell only the rows it touches.
  let rendered = new Map(); // row index → {node, key}
  let dataVersion = 0;

  function rowKey(index, row, box) {
    const selected = index >= box.top && index <= box.bottom ? `${box.left}-${box.right}` : "";
    const activeCol = index === active.row ? active.col : -1;
    const same = row && index > 0 && rowAt(index - 1)?.product_id === row.product_id;
    return `${row ? dataVersion : "loading"}|${activeCol}|${selected}|${editing && editing.row === index ? "e" : ""}|${same}`;
  }

  function rowNode(index, row, box) {
    const same = row && index > 0 && rowAt(index - 1)?.product_id === row.product_id;
    const line = h(
      "div",
      { class: ["grid-row", same && "same-product"], role: "row", "aria-rowindex": String(index + 2) },
      cols.map((column, colIndex) => cellNode(row, index, column, colIndex, box)),
    );
    line.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
    return line;
  }

  function paint() {
    frame = 0;
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const visible = Math.ceil(viewport.clientHeight / ROW_HEIGHT) + OVERSCAN * 2;
    const last = Math.min(total - 1, first + visible);
    const box = bounds();
    const kept = new Map();
    for (let index = first; index <= last; index += 1) {
      const row = rowAt(index);
      if (!row) fetchPage(Math.floor(index / PAGE_ROWS)).then(schedule, () => {});
      const key = rowKey(index, row, box);
      const previous = rendered.get(index);
      kept.set(index, previous && previous.key === key ? previous : { node: rowNode(index, row, box), key });
    }
    for (const [index, entry] of rendered) if (kept.get(index) !== entry) entry.node.remove();
    for (const entry of kept.values()) if (!entry.node.isConnected) body.append(entry.node);
    rendered = kept;
    if (editing) editing.input.focus({ preventScroll: true });
    viewport.setAttribute("aria-activedescendant", document.getElementById("grid-active-cell") ? "grid-active-cell" : "");
    const key = rowAt(active.row) && !cols[active.col].readOnly ? cellKey(rowAt(active.row), cols[active.col]) : null;
    status.textContent = key && problems.has(key) ? `${cols[active.col].label}: ${problems.get(key)}` : "";
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(paint);
  }

  function reveal() {
    const top = active.row * ROW_HEIGHT;
    const headerHeight = header.offsetHeight || ROW_HEIGHT;
    if (top < viewport.scrollTop) viewport.scrollTop = top;
    else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight - headerHeight) viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight + headerHeight;
  }

  // -- editing ---------------------------------------------------------------------------------

  function move(rowDelta, colDelta, { extend = false } = {}) {
    if (extend && !anchor) anchor = { ...active };
    if (!extend) anchor = null;
    active = {
      row: Math.max(0, Math.min(total - 1, active.row + rowDelta)),
      col: Math.max(FIXED.length, Math.min(cols.length - 1, active.col + colDelta)),
    };
    reveal();
    paint();
  }

  function startEditing(initial = null) {
    const row = rowAt(active.row);
    const column = cols[active.col];
    if (readOnly || !row || column.readOnly) return;
    const input = h("input", {
      class: "grid-input",
      "aria-label": `${column.label} of ${row.title} ${row.variant_title}`,
      value: initial ?? valueOf(row, column),
      list: column.kind === "choice" ? "grid-choices-" + column.key : null,
    });
    editing = { row: active.row, col: active.col, input };
    input.addEventListener("keydown", onEditKey);
    input.addEventListener("blur", () => {
      if (editing && editing.input === input) commit();
    });
    anchor = null;
    paint();
    input.focus();
    if (initial === null) input.select();
    else input.setSelectionRange(input.value.length, input.value.length);
  }

  function commit() {
    if (!editing) return;
    const { row, col, input } = editing;
    editing = null;
    setCell(row, col, input.value);
    changed();
  }

  function cancel() {
    editing = null;
    paint();
    viewport.focus({ preventScroll: true });
  }

  function onEditKey(event) {
    const moves = { Enter: [event.shiftKey ? -1 : 1, 0], Tab: [0, event.shiftKey ? -1 : 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      cancel();
    } else if (moves[event.key]) {
      event.preventDefault();
      event.stopPropagation();
      commit();
      viewport.focus({ preventScroll: true });
      move(...moves[event.key]);
    }
  }

  function clearSelection() {
    const box = bounds();
    for (let r = box.top; r <= box.bottom; r += 1) for (let c = box.left; c <= box.right; c += 1) setCell(r, c, "");
    changed();
  }

  /** Copy the first row of the selected block into the rows below it. */
  async function fillDown() {
    const box = bounds();
    if (box.bottom <= box.top) return;
    await ensureRows(box.top, box.bottom);
    const source = rowAt(box.top);
    for (let c = box.left; c <= box.right; c += 1) {
      if (cols[c].readOnly) continue;
      const value = valueOf(source, cols[c]);
      for (let r = box.top + 1; r <= box.bottom; r += 1) setCell(r, c, value);
    }
    changed();
  }

  /** Tab-separated lines, as spreadsheets copy them, written from the active cell on. */
  async function pasteText(text) {
    const lines = text.replace(/\r\n?/g, "\n").replace(/\n$/, "").split("\n").map((line) => line.split("\t"));
    if (!lines.length || readOnly) return;
    const top = active.row;
    const left = active.col;
    const bottom = Math.min(total - 1, top + lines.length - 1);
    await ensureRows(top, bottom);
    lines.forEach((cells, r) => {
      if (top + r > bottom) return;
      cells.forEach((value, c) => {
        if (left + c < cols.length) setCell(top + r, left + c, value);
      });
    });
    anchor = { row: bottom, col: Math.min(cols.length - 1, left + Math.max(...lines.map((l) => l.length)) - 1) };
    changed();
  }

  function copyText() {
    const box = bounds();
    const lines = [];
    for (let r = box.top; r <= box.bottom; r += 1) {
      const row = rowAt(r);
      const cells = [];
      for (let c = box.left; c <= box.right; c += 1) cells.push(row ? shown(valueOf(row, cols[c])) : "");
      lines.push(cells.join("\t"));
    }
    return lines.join("\n");
  }

  viewport.addEventListener("keydown", (event) => {
    if (editing) return;
    const mod = event.ctrlKey || event.metaKey;
    const arrows = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (arrows[event.key]) {
      event.preventDefault();
      move(...arrows[event.key], { extend: event.shiftKey });
    } else if (mod && (event.key === "Home" || event.key === "End")) {
      event.preventDefault();
      anchor = null;
      active = { row: event.key === "Home" ? 0 : Math.max(0, total - 1), col: FIXED.length };
      reveal();
      paint();
    } else if (event.key === "Tab") {
      event.preventDefault();
      move(0, event.shiftKey ? -1 : 1);
    } else if (event.key === "Enter" || event.key === "F2") {
      event.preventDefault();
      startEditing();
    } else if (event.key === "Escape") {
      anchor = null;
      paint();
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      clearSelection();
    } else if (mod && event.key.toLowerCase() === "d") {
      event.preventDefault();
      fillDown();
    } else if (event.key.length === 1 && !mod && !event.altKey) {
      event.preventDefault();
      startEditing(event.key);
    }
  });
  viewport.addEventListener("paste", (event) => {
    if (editing) return;
    event.preventDefault();
    pasteText(event.clipboardData ? event.clipboardData.getData("text/plain") : "");
  });
  viewport.addEventListener("copy", (event) => {
    if (editing || !event.clipboardData) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", copyText());
  });
  viewport.addEventListener("mousedown", (event) => {
    const cell = event.target.closest(".grid-cell[data-row]");
    if (!cell || event.target.closest(".grid-input")) return;
    const col = cols.findIndex((c) => c.key === cell.dataset.col);
    if (col < FIXED.length) return;
    if (editing) commit();
    event.preventDefault();
    viewport.focus({ preventScroll: true });
    if (event.shiftKey) anchor = anchor || { ...active };
    else anchor = null;
    active = { row: Number(cell.dataset.row), col };
    paint();
  });
  viewport.addEventListener("dblclick", (event) => {
    if (event.target.closest(".grid-cell[data-row]")) startEditing();
  });
  viewport.addEventListener("scroll", schedule, { passive: true });

  const choiceLists = h("div", { hidden: true });
  function renderChoices() {
    choiceLists.replaceChildren(...columns.filter((c) => c.kind === "choice").map((c) => h("datalist", { id: "grid-choices-" + c.key }, c.choices.map((v) => h("option", { value: v })))));
  }
  node.append(choiceLists);
  renderChoices();

  return {
    node,
    /** Start over from the first page (a new filter, sort or columns; after a save). */
    async reload({ keepEdits = false, columns: chosen = null } = {}) {
      if (chosen) {
        columns = chosen;
        cols = [...FIXED, ...chosen];
        renderChoices();
      }
      if (!keepEdits) {
        edits.clear();
        problems.clear();
      }
      pages.clear();
      editing = null;
      anchor = null;
      total = 0;
      await fetchPage(0);
      active = { row: Math.min(active.row, Math.max(0, total - 1)), col: Math.min(active.col, cols.length - 1) };
      layout();
      paint();
    },
    get total() {
      return total;
    },
    /** The edits as cells for POST /api/products/batch/update-cells. */
    edits() {
      return [...edits.values()].map((e) => ({ ...e, value: e.value.trim() === "" ? null : e.value }));
    },
    problemCount() {
      return problems.size;
    },
    /** Server-side messages (a 422's fields) shown on their cells. */
    showProblems(fields) {
      for (const f of fields) {
        if (!f.field) continue;
        const column = cols.find((c) => c.key === f.field);
        if (!column) continue;
        const key = column.level === "product" ? `p${f.product_id}:${f.field}` : `v${f.variant_id}:${f.field}`;
        problems.set(key, f.msg);
      }
      changed();
    },
    fillDown,
    pasteText,
    focus() {
      viewport.focus();
    },
  };
}
