// What the page's modules share: the element lookup, the page's state and its limits.

/** Rows rendered at first; more on request, so that a huge table does not block the page. */
export const ROW_LIMIT = 1000;
/** Graphs larger than this get a cheap layout (the force-directed one grows quadratically). */
export const FORCE_LAYOUT_MAX_NODES = 25;

export const $ = (id) => document.getElementById(id);

/** Column names of the tables, from the core once it is loaded (`init`). */
export const COLUMNS = { traffic: [], dependency: [], percentiles: [] };

export const state = {
  exportFiles: [],
  baselineFiles: [],
  /** The inventory file: `{ name, size, text }`, or null. */
  inventory: null,
  current: null,
  baseline: null,
  comparison: null,
  graph: null,
  worker: null,
  requestId: 0,
  sort: { traffic: null, dependency: null },
  limit: { traffic: ROW_LIMIT, dependency: ROW_LIMIT },
  filter: "",
  focus: null,
  cy: null,
  timings: {},
  /** The core's default profile, named when no profile is picked. */
  defaultProfile: "planet-federator",
};
