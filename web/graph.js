// The dependency graph (Cytoscape): layout, focus on a hostgroup and its neighbours.

import cytoscape from "./vendor/cytoscape.esm.min.js";
import { edgeWidth } from "./model.js";
import { $, FORCE_LAYOUT_MAX_NODES, state } from "./state.js";

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
      "font-family": "system-ui, sans-serif",
      color: "#1f2937",
      "text-valign": "center",
      "text-halign": "center",
      width: "label",
      height: 22,
      padding: "6px",
    },
  },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "line-color": "#7c8da6",
      "target-arrow-color": "#7c8da6",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      label: "data(label)",
      "font-size": 9,
      color: "#475569",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.85,
      "text-background-padding": "1px",
      "text-rotation": "autorotate",
      // Labels too small to read are not drawn, which keeps large graphs fast.
      "min-zoomed-font-size": 7,
    },
  },
  { selector: "edge.added", style: { "line-color": "#1a7f37", "target-arrow-color": "#1a7f37" } },
  {
    selector: "edge.removed",
    style: { "line-color": "#cf222e", "target-arrow-color": "#cf222e", "line-style": "dashed" },
  },
  { selector: "node.removed", style: { "border-color": "#cf222e", "border-style": "dashed" } },
  { selector: "node.focus", style: { "background-color": "#2563eb", color: "#ffffff", "border-color": "#1e40af" } },
  { selector: "node.upstream", style: { "background-color": "#dbeafe", "border-color": "#2563eb" } },
  { selector: "node.downstream", style: { "background-color": "#fef3c7", "border-color": "#b45309" } },
  { selector: ".faded", style: { opacity: 0.15 } },
];

export function renderGraph() {
  const g = state.graph;
  const elements = [
    ...g.nodes.map((n) => ({ group: "nodes", data: { id: nodeId(n.id), name: n.id, label: n.label }, classes: n.removed ? "removed" : "" })),
    ...g.edges.map((e, i) => ({
      group: "edges",
      data: {
        id: `e${i}`,
        source: nodeId(e.source),
        target: nodeId(e.target),
        label: e.label,
        width: edgeWidth(e.bandwidth_bps),
        bandwidth: e.bandwidth_bps,
      },
      classes: e.status ?? "",
    })),
  ];
  if (state.cy) state.cy.destroy();
  const big = g.nodes.length > FORCE_LAYOUT_MAX_NODES;
  const cy = cytoscape({
    container: $("graph"),
    elements,
    style: GRAPH_STYLE,
    wheelSensitivity: 0.3,
    textureOnViewport: big,
    hideEdgesOnViewport: big,
    layout: big
      ? { name: "circle", animate: false, padding: 12, sort: (a, b) => (a.id() < b.id() ? -1 : 1) }
      : { name: "cose", animate: false, padding: 16, nodeRepulsion: () => 8000, idealEdgeLength: () => 70 },
  });
  cy.on("tap", "node", (event) => focusNode(event.target.data("name")));
  cy.on("tap", (event) => {
    if (event.target === cy) focusNode(null);
  });
  state.cy = cy;
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
  // Tests and automation read the graph library's model from here.
  window.planetGraph = cy;
  focusNode(null);
}

export function nodeId(name) {
  return `n:${name}`;
}

export function focusNode(name) {
  const cy = state.cy;
  if (!cy) return;
  cy.elements().removeClass("faded focus upstream downstream");
  state.focus = name;
  $("graph-focus-select").value = name === null ? "" : nodeId(name);
  if (name === null) {
    $("graph-focus").textContent = "";
    return;
  }
  const node = cy.getElementById(nodeId(name));
  const outgoing = node.outgoers();
  const incoming = node.incomers();
  cy.elements().addClass("faded");
  node.removeClass("faded").addClass("focus");
  outgoing.removeClass("faded");
  incoming.removeClass("faded");
  outgoing.nodes().addClass("upstream");
  incoming.nodes().addClass("downstream");
  const names = (c) => [...new Set(c.nodes().map((n) => n.data("label")))].sort().join(", ") || "none";
  $("graph-focus").textContent = `${node.data("label")} depends on (upstreams): ${names(outgoing)} · used by (downstreams): ${names(incoming)}`;
}
