// The time views: traffic of one pair across the hourly windows of the export (uPlot: the mean
// with a min/max band), the daily windows in which each dependency was present, and the slider
// that picks the window the tables and the graph show.

import uPlot from "./vendor/uPlot.esm.js";
import { formatBandwidth } from "./model.js";
import { $, FONT_STACK, state } from "./state.js";

/** Dependencies drawn in the timeline at most (the most recent first appearances last). */
const TIMELINE_MAX_ROWS = 400;

const seconds = (rfc3339) => Date.parse(rfc3339) / 1000;

/** The series drawn last: when they are still those, a window move only moves the markers. */
let drawnSeries = null;

/** Redraws the three views from `state.series` (`{ ends, pairs, edges }` of the worker). */
export function renderTimeViews() {
  const s = state.series;
  const panel = $("time-panel");
  if (!s || s.ends.traffic.length === 0) {
    panel.hidden = true;
    drawnSeries = null;
    return;
  }
  panel.hidden = false;
  renderSlider(s.ends.traffic);
  if (s === drawnSeries && state.chart) {
    state.chart.redraw(false, false);
    markCurrentWindow(s.ends.dependency);
    return;
  }
  drawnSeries = s;
  renderPairList(s.pairs);
  renderChart();
  renderTimeline(s.edges, s.ends.dependency);
}

/** The window in view: the `at` field when set, else the newest window. */
export function selectedEnd() {
  const ends = state.series?.ends.traffic ?? [];
  const at = $("at").value.trim();
  if (at) return new Date(Date.parse(at)).toISOString().replace(".000Z", "Z");
  return ends[ends.length - 1] ?? null;
}

function renderSlider(ends) {
  const slider = $("window-slider");
  slider.min = "0";
  slider.max = String(ends.length - 1);
  const end = selectedEnd();
  const i = ends.indexOf(end);
  slider.value = String(i >= 0 ? i : ends.length - 1);
  slider.disabled = ends.length < 2;
  showSliderLabel();
}

export function showSliderLabel() {
  const ends = state.series?.ends.traffic ?? [];
  const end = ends[Number($("window-slider").value)];
  $("window-slider-label").textContent = end ? `window ending ${end} (${Number($("window-slider").value) + 1} of ${ends.length})` : "";
}

/** The slider's window, as the value of the `at` field ("" for the newest window). */
export function sliderEnd() {
  const ends = state.series?.ends.traffic ?? [];
  const i = Number($("window-slider").value);
  return i === ends.length - 1 ? "" : ends[i];
}

function pairName(p) {
  return `${p.local || "(empty)"} → ${p.remote || "(empty)"} (${p.direction})`;
}

function renderPairList(pairs) {
  const select = $("pair-select");
  const keep = state.pair;
  select.replaceChildren(
    ...pairs.map((p) => {
      const option = document.createElement("option");
      option.value = p.key;
      option.textContent = pairName(p);
      return option;
    }),
  );
  state.pair = pairs.some((p) => p.key === keep) ? keep : (pairs[0]?.key ?? null);
  select.value = state.pair ?? "";
  select.disabled = pairs.length === 0;
}

export function renderChart() {
  const box = $("traffic-chart");
  state.chart?.destroy();
  state.chart = null;
  const pair = state.series?.pairs.find((p) => p.key === state.pair);
  if (!pair) {
    box.replaceChildren();
    return;
  }
  const xs = pair.ends.map(seconds);
  const marker = {
    hooks: {
      // The window in view, as a vertical line.
      draw: (u) => {
        const end = selectedEnd();
        if (!end) return;
        const x = u.valToPos(seconds(end), "x", true);
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#dc2626";
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.restore();
      },
    },
  };
  const value = (_u, v) => (v == null ? "–" : formatBandwidth(v));
  const opts = {
    width: Math.max(300, box.clientWidth || 800),
    height: 220,
    plugins: [marker],
    axes: [
      { font: `11px ${FONT_STACK}` },
      { font: `11px ${FONT_STACK}`, size: 86, values: (_u, vals) => vals.map((v) => formatBandwidth(v)) },
    ],
    series: [
      { value: (_u, v) => (v == null ? "–" : new Date(v * 1000).toISOString().replace(".000Z", "Z")) },
      { label: "min", stroke: "#93c5fd", width: 1, value },
      { label: "mean", stroke: "#1d4ed8", width: 2, value },
      { label: "max", stroke: "#93c5fd", width: 1, value },
    ],
    bands: [{ series: [3, 1], fill: "rgba(37, 99, 235, 0.15)" }],
    scales: { x: { time: true } },
  };
  box.replaceChildren();
  state.chart = new uPlot(opts, [xs, pair.min, pair.avg, pair.max], box);
  // Tests read what was drawn from here.
  box.dataset.pair = pair.key;
  box.dataset.points = String(xs.length);
}

/** The dependency window of the window in view: the last one ending at or before it (or -1). */
function currentDependencyWindow(ends) {
  const end = selectedEnd();
  let current = -1;
  for (let i = 0; i < ends.length; i++) if (end && ends[i] <= end) current = i;
  return current;
}

/** Moves the timeline's "current" column to the window in view. */
function markCurrentWindow(ends) {
  const current = currentDependencyWindow(ends);
  for (const c of $("timeline").querySelectorAll(".tl-cell.current")) c.classList.remove("current");
  if (current < 0) return;
  for (const c of $("timeline").querySelectorAll(`.tl-cell[data-window="${current}"]`)) c.classList.add("current");
}

function renderTimeline(edges, ends) {
  const box = $("timeline");
  const shown = edges.slice(0, TIMELINE_MAX_ROWS);
  const current = currentDependencyWindow(ends);
  const head = document.createElement("div");
  head.className = "tl-row tl-head";
  head.append(cell("tl-name", `${edges.length} dependencies · ${ends.length} daily windows`));
  for (let i = 0; i < ends.length; i++) {
    const c = cell(`tl-cell${i === current ? " current" : ""}`, ends[i].slice(5, 10));
    c.dataset.window = String(i);
    c.title = `dependency window ending ${ends[i]}`;
    head.append(c);
  }
  const rows = shown.map((e) => {
    const row = document.createElement("div");
    row.className = "tl-row";
    row.dataset.edge = e.id;
    const label = `${e.source || "(empty)"} → ${e.target || "(empty)"} ${e.port}/${e.protocol}`;
    row.append(cell("tl-name", label));
    e.present.forEach((on, i) => {
      const c = cell(`tl-cell${on ? " on" : ""}${i === current ? " current" : ""}`, "");
      c.dataset.window = String(i);
      c.title = `${label}: ${on ? "present" : "absent"} in the window ending ${ends[i]}`;
      c.dataset.present = String(on);
      row.append(c);
    });
    return row;
  });
  box.style.setProperty("--tl-columns", String(ends.length));
  box.replaceChildren(head, ...rows);
  $("timeline-more").textContent =
    edges.length > shown.length ? `showing the first ${shown.length} of ${edges.length} dependencies` : "";
}

function cell(className, text) {
  const div = document.createElement("div");
  div.className = className;
  div.textContent = text;
  return div;
}
