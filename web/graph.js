// The dependency graph (Cytoscape): a layered layout, labels on hover or zoom, search and focus,
// hostgroups grouped by a name prefix, PNG and SVG export.

import cytoscape from "./vendor/cytoscape.esm.min.js";
import dagre from "./vendor/cytoscape-dagre.esm.min.js";
import { graphSvg } from "./graph-svg.js";
import { edgeWidth, prefixGroups } from "./model.js";
import { $, FONT_STACK, LAYERED_LAYOUT_MAX_EDGES, state } from "./state.js";

cytoscape.use(dagre);

/** Edge labels are drawn for every edge only from this zoom on; below it, on hover or focus. */
const EDGE_LABEL_ZOOM = 1.4;
/** Fitting a graph of a few hostgroups zooms no further than this: no giant boxes. */
const FIT_MAX_ZOOM = 1.6;
/** Focusing on a search match zooms at least this far, so that its name is readable. */
const FOCUS_MIN_ZOOM = 1;

const GRAPH_STYLE = [
  {
    selector: "node",
    style: {
      shape: "round-rectangle",
      "background-color": "#eef2f7",
      "border-color": "#5b6b82",
      "border-width": 1,
      label: "data(label)",
      "font-size": 11,
      "font-family": FONT_STACK,
      color: "#1f2937",
      "text-valign": "center",
      "text-halign": "center",
      width: "label",
      height: 22,
      padding: "6px",
      // A label too small to read is not drawn: zooming in brings it back.
      "min-zoomed-font-size": 6,
    },
  },
  {
    selector: "node:parent",
    style: {
      shape: "round-rectangle",
      "background-color": "#f8fafc",
      "background-opacity": 0.6,
      "border-color": "#cbd5e1",
      "border-style": "dashed",
      "text-valign": "top",
      "text-halign": "center",
      "font-size": 12,
      "font-weight": 600,
      color: "#64748b",
      padding: "10px",
    },
  },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "line-color": "#9aa8bc",
      "target-arrow-color": "#9aa8bc",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.8,
      "curve-style": "bezier",
      opacity: 0.75,
      // No label by default: at 500 edges they would cover the graph.
      label: "",
      "font-size": 9,
      "font-family": FONT_STACK,
      color: "#475569",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "1px",
      "text-rotation": "autorotate",
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge.labelled", style: { label: "data(label)" } },
  { selector: "edge.hover", style: { label: "data(label)", "line-color": "#2563eb", "target-arrow-color": "#2563eb", opacity: 1, "z-index": 10 } },
  { selector: "edge.added", style: { "line-color": "#1a7f37", "target-arrow-color": "#1a7f37", opacity: 1 } },
  {
    selector: "edge.removed",
    style: { "line-color": "#cf222e", "target-arrow-color": "#cf222e", "line-style": "dashed", opacity: 1 },
  },
  { selector: "node.removed", style: { "border-color": "#cf222e", "border-style": "dashed" } },
  { selector: "node.match", style: { "border-color": "#7c3aed", "border-width": 3 } },
  { selector: "node.focus", style: { "background-color": "#2563eb", color: "#ffffff", "border-color": "#1e40af" } },
  { selector: "node.upstream", style: { "background-color": "#dbeafe", "border-color": "#2563eb" } },
  { selector: "node.downstream", style: { "background-color": "#fef3c7", "border-color": "#b45309" } },
  { selector: "edge.near", style: { label: "data(label)", opacity: 1 } },
  { selector: ".faded", style: { opacity: 0.12 } },
];

/** The layered layout: callers above the services they call (dagre, top to bottom). */
export function layeredLayout() {
  return {
    name: "dagre",
    rankDir: "TB",
    nodeSep: 16,
    rankSep: 40,
    edgeSep: 6,
    // Greedy feedback arcs: a fleet full of cycles gets a third of the ranks (and fewer crossings)
    // than with the depth-first default.
    acyclicer: "greedy",
    ranker: "network-simplex",
    animate: false,
    fit: true,
    padding: 16,
    // Sorted so that the same graph always gets the same picture.
    sort: (a, b) => (a.id() < b.id() ? -1 : a.id() > b.id() ? 1 : 0),
  };
}

/** For graphs too large for the layered layout (it grows with edges × ranks). */
function cheapLayout() {
  return { name: "grid", animate: false, padding: 12, avoidOverlap: true, sort: (a, b) => (a.id() < b.id() ? -1 : 1) };
}

/** Layouts kept for graphs drawn before (a what-if toggled back finds its picture again). */
const LAYOUT_CACHE_SIZE = 8;

/**
 * Draws `state.graph`. The layered layout is most of a redraw's time, so it runs only for a graph
 * not seen before: when the hostgroups, dependencies and groups are those drawn (a window move or
 * a row filter often changes only bandwidths), only data and classes change; when some of them
 * went away and none came, they are removed and the others stay where they were; a graph drawn
 * before gets its earlier positions back. Only a graph with new elements is laid out again.
 */
export function renderGraph() {
  const g = state.graph;
  const elements = graphElements(g);
  const structure = structureKey(elements);
  const cy = state.cy;
  const removed = cy ? removedOnly(cy, elements) : null;
  const cached = state.layoutCache.get(structure);
  let how;
  if (removed) {
    cy.batch(() => cy.remove(removed));
    restyle(cy, elements);
    how = removed.length === 0 ? "kept" : "removed";
  } else if (cached) {
    layOut(elements, { name: "preset", positions: (node) => cached.get(node.id()), fit: false, animate: false }, cy);
    how = "cached";
  } else {
    layOut(elements, g.edges.length > LAYERED_LAYOUT_MAX_EDGES ? cheapLayout() : layeredLayout());
    how = "full";
  }
  rememberLayout(structure);
  state.graphLayouts[how]++;
  state.timings.graphLayout = how;
  if (how !== "kept") fillFocusList(g);
  showEdgeLabels(state.cy);
  // Tests and automation read the graph library's model from here.
  window.planetGraph = state.cy;
  focusNode(state.focus && g.nodes.some((n) => n.id === state.focus) ? state.focus : null);
  searchGraph(state.search ?? "");
}

/**
 * The drawn elements that `elements` no longer has, when it adds none and changes no
 * element's ends or parent (then the drawn layout still fits); otherwise null.
 */
function removedOnly(cy, elements) {
  const wanted = new Map(elements.map((e) => [e.data.id, e]));
  if (cy.elements().length < wanted.size) return null;
  for (const e of elements) {
    const drawn = cy.getElementById(e.data.id);
    if (drawn.empty()) return null;
    const d = drawn.data();
    if ((d.parent ?? "") !== (e.data.parent ?? "") || (d.source ?? "") !== (e.data.source ?? "") || (d.target ?? "") !== (e.data.target ?? "")) {
      return null;
    }
  }
  return cy.elements().filter((el) => !wanted.has(el.id()));
}

/** Keeps the drawn positions under the graph's structure, the oldest forgotten first. */
function rememberLayout(structure) {
  const cache = state.layoutCache;
  cache.delete(structure);
  cache.set(structure, new Map(state.cy.nodes().map((n) => [n.id(), { ...n.position() }])));
  while (cache.size > LAYOUT_CACHE_SIZE) cache.delete(cache.keys().next().value);
}

/** Cytoscape's elements for a graph model, hostgroups grouped by prefix when asked. */
function graphElements(g) {
  const groups = state.groupBy ? prefixGroups(g.nodes.map((n) => n.id), state.groupBy) : new Map();
  const parents = [...new Set(groups.values())].sort();
  return [
    ...parents.map((p) => ({ group: "nodes", data: { id: groupId(p), label: p, group: true }, classes: "" })),
    ...g.nodes.map((n) => ({
      group: "nodes",
      data: {
        id: nodeId(n.id),
        name: n.id,
        label: n.label,
        ...(groups.has(n.id) ? { parent: groupId(groups.get(n.id)) } : {}),
      },
      classes: n.removed ? "removed" : "",
    })),
    ...g.edges.map((e) => ({
      group: "edges",
      data: {
        // The dependency itself: the same edge keeps its element from one what-if to the next.
        id: `d:${e.id}`,
        source: nodeId(e.source),
        target: nodeId(e.target),
        label: e.label,
        width: edgeWidth(e.bandwidth_bps),
        bandwidth: e.bandwidth_bps,
      },
      classes: e.status ?? "",
    })),
  ];
}

/** What the layout depends on: the elements with their ends and parents. */
function structureKey(elements) {
  return JSON.stringify(elements.map((e) => [e.data.id, e.data.parent ?? "", e.data.source ?? "", e.data.target ?? ""]).sort());
}

/** The classes that the graph model sets; the others (focus, search, hover, zoom) are the page's. */
const MODEL_CLASSES = ["added", "removed"];

/** Puts new data and model classes on a drawn graph of the same structure: no layout. */
function restyle(cy, elements) {
  cy.batch(() => {
    for (const e of elements) {
      const drawn = cy.getElementById(e.data.id);
      for (const [k, v] of Object.entries(e.data)) if (drawn.data(k) !== v) drawn.data(k, v);
      const classes = new Set(e.classes.split(" ").filter(Boolean));
      for (const c of MODEL_CLASSES) if (drawn.hasClass(c) !== classes.has(c)) drawn.toggleClass(c, classes.has(c));
    }
  });
}

/**
 * A new Cytoscape instance for `elements` with `layout`; `viewport` (the graph drawn before) gives
 * its zoom and pan when set, so that the picture does not jump.
 */
function layOut(elements, layout, viewport) {
  const big = elements.filter((e) => e.group === "edges").length > LAYERED_LAYOUT_MAX_EDGES;
  const view = viewport ? { zoom: viewport.zoom(), pan: { ...viewport.pan() } } : null;
  if (state.cy) state.cy.destroy();
  const cy = cytoscape({
    container: $("graph"),
    elements,
    style: GRAPH_STYLE,
    wheelSensitivity: 0.3,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    layout,
  });
  if (view) {
    cy.viewport(view);
  } else if (cy.zoom() > FIT_MAX_ZOOM) {
    cy.zoom(FIT_MAX_ZOOM);
    cy.center();
  }
  cy.on("tap", "node", (event) => {
    if (!event.target.data("group")) focusNode(event.target.data("name"));
  });
  cy.on("tap", (event) => {
    if (event.target === cy) focusNode(null);
  });
  // Hover shows the labels of a node's edges, or of one edge.
  cy.on("mouseover", "node", (event) => event.target.connectedEdges().addClass("hover"));
  cy.on("mouseout", "node", (event) => event.target.connectedEdges().removeClass("hover"));
  cy.on("mouseover", "edge", (event) => event.target.addClass("hover"));
  cy.on("mouseout", "edge", (event) => event.target.removeClass("hover"));
  cy.on("zoom", () => showEdgeLabels(cy));
  state.cy = cy;
}

function fillFocusList(g) {
  const select = $("graph-focus-select");
  const first = select.options[0];
  select.replaceChildren(
    first,
    ...g.nodes.map((n) => {
      const option = document.createElement("option");
      option.value = nodeId(n.id);
      option.textContent = n.label;
      return option;
    }),
  );
  select.disabled = g.nodes.length === 0;
}

function showEdgeLabels(cy) {
  const on = cy.zoom() >= EDGE_LABEL_ZOOM;
  if (on === cy.scratch("labelled")) return;
  cy.scratch("labelled", on);
  cy.batch(() => (on ? cy.edges().addClass("labelled") : cy.edges().removeClass("labelled")));
}

export function nodeId(name) {
  return `n:${name}`;
}

function groupId(prefix) {
  return `g:${prefix}`;
}

export function focusNode(name) {
  const cy = state.cy;
  if (!cy) return;
  cy.elements().removeClass("faded focus upstream downstream near");
  state.focus = name;
  $("graph-focus-select").value = name === null ? "" : nodeId(name);
  document.dispatchEvent(new CustomEvent("planet:view"));
  if (name === null) {
    $("graph-focus").textContent = "";
    return;
  }
  const node = cy.getElementById(nodeId(name));
  if (node.empty()) return;
  const outgoing = node.outgoers();
  const incoming = node.incomers();
  cy.elements().not(":parent").addClass("faded");
  node.removeClass("faded").addClass("focus");
  outgoing.removeClass("faded");
  incoming.removeClass("faded");
  outgoing.edges().addClass("near");
  incoming.edges().addClass("near");
  outgoing.nodes().addClass("upstream");
  incoming.nodes().addClass("downstream");
  const names = (c) => [...new Set(c.nodes().map((n) => n.data("label")))].sort().join(", ") || "none";
  $("graph-focus").textContent = `${node.data("label")} depends on (upstreams): ${names(outgoing)} · used by (downstreams): ${names(incoming)}`;
}

/**
 * Marks the hostgroups whose name contains `query` (case-insensitive) and returns their names.
 * The search box focuses on the first match and zooms to it on Enter.
 */
export function searchGraph(query) {
  const cy = state.cy;
  state.search = query;
  if (!cy) return [];
  const q = query.trim().toLowerCase();
  cy.nodes().removeClass("match");
  if (q === "") {
    $("graph-search-count").textContent = "";
    return [];
  }
  const matches = cy.nodes().filter((n) => !n.data("group") && String(n.data("label")).toLowerCase().includes(q));
  matches.addClass("match");
  $("graph-search-count").textContent = `${matches.length} match${matches.length === 1 ? "" : "es"}`;
  return matches.map((n) => n.data("name"));
}

/** Focuses on the first hostgroup that the search matches and brings it and its neighbours into view. */
export function focusFirstMatch() {
  const cy = state.cy;
  const names = searchGraph(state.search ?? "");
  if (!cy || names.length === 0) return;
  const name = [...names].sort()[0];
  focusNode(name);
  const node = cy.getElementById(nodeId(name));
  cy.fit(node.closedNeighborhood(), 40);
  // Neighbours spread over a large graph: rather a readable zoom centred on the match.
  if (cy.zoom() < FOCUS_MIN_ZOOM) {
    cy.zoom(FOCUS_MIN_ZOOM);
    cy.center(node);
  }
  showEdgeLabels(cy);
}

/** The graph as a PNG (whole graph, twice the screen's resolution, white background). */
export function graphPng() {
  return state.cy.png({ output: "blob", full: true, scale: 2, bg: "#ffffff" });
}

/** The graph as an SVG document, drawn from the positions the layout gave. */
export function graphSvgText() {
  return graphSvg(state.cy, FONT_STACK);
}
