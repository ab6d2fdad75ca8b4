// The page's view as a URL fragment: the parameters (window, what-if, filters, sort, graph
// focus and grouping, the pair of the traffic chart; the window is the `at` field), never the data nor the file names,
// so a view can be shared or reloaded and the files dropped again. Pure, so Node tests import it.

const FORM_KEYS = {
  at: "at",
  trafficWindow: "tw",
  dependencyWindow: "dw",
  format: "format",
  profile: "profile",
  minBandwidth: "minbw",
  hideEmptyRemote: "hide-empty",
  percentiles: "pct",
};

/** `view` -> "#k=v&…" (no "#" for an empty view). */
export function viewToHash(view) {
  const p = new URLSearchParams();
  const form = view.form ?? {};
  for (const [key, short] of Object.entries(FORM_KEYS)) {
    const v = form[key];
    if (v === true) p.set(short, "1");
    else if (typeof v === "string" && v !== "") p.set(short, v);
  }
  if (form.excludePortsOn) p.set("xports", form.excludePorts ?? "");
  if (form.excludeAddressesOn) p.set("xaddr", form.excludeAddresses ?? "");
  for (const line of (form.renameText ?? "").split("\n")) {
    if (line.trim() !== "") p.append("rename", line.trim());
  }
  if (view.filter) p.set("q", view.filter);
  for (const table of ["traffic", "dependency"]) {
    for (const [column, text] of Object.entries(view.columnFilters?.[table] ?? {})) {
      if (text) p.set(`f.${table}.${column}`, text);
    }
    const sort = view.sort?.[table];
    if (sort) p.set(`sort.${table}`, `${sort.column}${sort.descending ? ":desc" : ""}`);
  }
  if (view.focus != null) p.set("focus", view.focus);
  if (view.search) p.set("search", view.search);
  if (view.groupBy) p.set("group", view.groupBy);
  if (view.pair) p.set("pair", view.pair);
  const text = p.toString();
  return text === "" ? "" : `#${text}`;
}

/** "#k=v&…" -> the view it encodes; unknown keys are ignored, absent ones left out. */
export function viewFromHash(hash) {
  const p = new URLSearchParams((hash ?? "").replace(/^#/, ""));
  const form = {};
  for (const [key, short] of Object.entries(FORM_KEYS)) {
    if (!p.has(short)) continue;
    form[key] = key === "hideEmptyRemote" || key === "percentiles" ? p.get(short) === "1" : p.get(short);
  }
  if (p.has("xports")) Object.assign(form, { excludePortsOn: true, excludePorts: p.get("xports") });
  if (p.has("xaddr")) Object.assign(form, { excludeAddressesOn: true, excludeAddresses: p.get("xaddr") });
  if (p.has("rename")) form.renameText = p.getAll("rename").join("\n");
  const view = { form, columnFilters: { traffic: {}, dependency: {} }, sort: { traffic: null, dependency: null } };
  for (const [key, value] of p) {
    const filter = /^f\.(traffic|dependency)\.(.+)$/.exec(key);
    if (filter) view.columnFilters[filter[1]][filter[2]] = value;
    const sort = /^sort\.(traffic|dependency)$/.exec(key);
    if (sort && value !== "") {
      const descending = value.endsWith(":desc");
      view.sort[sort[1]] = { column: descending ? value.slice(0, -5) : value, descending };
    }
  }
  if (p.has("q")) view.filter = p.get("q");
  if (p.has("focus")) view.focus = p.get("focus");
  if (p.has("search")) view.search = p.get("search");
  if (p.has("group")) view.groupBy = p.get("group");
  if (p.has("pair")) view.pair = p.get("pair");
  return view;
}
