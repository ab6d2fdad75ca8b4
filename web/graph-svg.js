// The graph as SVG, drawn from the positions and colours Cytoscape computed. Written here
// rather than vendored: the SVG exporter for Cytoscape on npm is GPL, and the page is Apache-2.0.

const escapeXml = (s) =>
  String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const num = (x) => (Math.round(x * 10) / 10).toString();

/** Colour and opacity of a style property as SVG attributes. */
function paint(ele, property) {
  return escapeXml(ele.style(property));
}

/** An arrowhead at `tip`, pointing along the direction from `from` to `tip`. */
function arrowhead(from, tip, size) {
  const dx = tip.x - from.x;
  const dy = tip.y - from.y;
  const length = Math.hypot(dx, dy) || 1;
  const ux = dx / length;
  const uy = dy / length;
  const bx = tip.x - ux * size;
  const by = tip.y - uy * size;
  const half = size * 0.55;
  return `${num(tip.x)},${num(tip.y)} ${num(bx - uy * half)},${num(by + ux * half)} ${num(bx + uy * half)},${num(by - ux * half)}`;
}

function edgeSvg(edge) {
  const s = edge.sourceEndpoint();
  const t = edge.targetEndpoint();
  const controls = edge.controlPoints?.() ?? null;
  const width = edge.pstyle("width").pfValue;
  const colour = paint(edge, "line-color");
  const opacity = num(edge.effectiveOpacity());
  let d = `M${num(s.x)},${num(s.y)}`;
  let last = s;
  if (controls && controls.length === 1) {
    d += ` Q${num(controls[0].x)},${num(controls[0].y)} ${num(t.x)},${num(t.y)}`;
    last = controls[0];
  } else if (controls && controls.length > 1) {
    for (const c of controls) d += ` L${num(c.x)},${num(c.y)}`;
    d += ` L${num(t.x)},${num(t.y)}`;
    last = controls[controls.length - 1];
  } else {
    d += ` L${num(t.x)},${num(t.y)}`;
  }
  const dash = edge.style("line-style") === "dashed" ? ' stroke-dasharray="6 4"' : "";
  const parts = [
    `<g class="edge" opacity="${opacity}"><path d="${d}" fill="none" stroke="${colour}" stroke-width="${num(width)}"${dash}/>`,
    `<polygon points="${arrowhead(last, t, 6 + width)}" fill="${colour}"/>`,
  ];
  const label = edge.data("label");
  if (label) {
    const m = edge.midpoint();
    parts.push(
      `<text x="${num(m.x)}" y="${num(m.y)}" font-size="8" fill="#475569" text-anchor="middle" dominant-baseline="middle" paint-order="stroke" stroke="#ffffff" stroke-width="2">${escapeXml(label)}</text>`,
    );
  }
  parts.push("</g>");
  return parts.join("");
}

function nodeSvg(node) {
  const bb = node.boundingBox({ includeLabels: false, includeOverlays: false });
  const parent = node.isParent();
  const border = node.pstyle("border-width").pfValue;
  const dash = node.style("border-style") === "dashed" ? ' stroke-dasharray="5 3"' : "";
  const label = node.data("label") ?? "";
  const p = node.position();
  const ty = parent ? bb.y1 - 4 : p.y;
  const baseline = parent ? "auto" : "middle";
  return (
    `<g class="node" opacity="${num(node.effectiveOpacity())}">` +
    `<rect x="${num(bb.x1 + border / 2)}" y="${num(bb.y1 + border / 2)}" width="${num(bb.w - border)}" height="${num(bb.h - border)}" rx="4"` +
    ` fill="${paint(node, "background-color")}" fill-opacity="${num(node.pstyle("background-opacity").value)}" stroke="${paint(node, "border-color")}" stroke-width="${num(border)}"${dash}/>` +
    `<text x="${num(p.x)}" y="${num(ty)}" font-size="${num(node.pstyle("font-size").pfValue)}" fill="${paint(node, "color")}" text-anchor="middle" dominant-baseline="${baseline}">${escapeXml(label)}</text>` +
    "</g>"
  );
}

/** The whole graph (not just the part in view) as an SVG document. */
export function graphSvg(cy, fontStack) {
  const bb = cy.elements().boundingBox({ includeLabels: true });
  const pad = 16;
  const x = bb.x1 - pad;
  const y = bb.y1 - pad;
  const w = bb.w + 2 * pad;
  const h = bb.h + 2 * pad;
  // Parents first (behind), then edges, then the hostgroups on top, as on screen.
  const body = [
    ...cy.nodes(":parent").map(nodeSvg),
    ...cy.edges().map(edgeSvg),
    ...cy.nodes().not(":parent").map(nodeSvg),
  ];
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${num(x)} ${num(y)} ${num(w)} ${num(h)}" width="${Math.ceil(w)}" height="${Math.ceil(h)}" font-family="${escapeXml(fontStack)}">`,
    `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="#ffffff"/>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}
