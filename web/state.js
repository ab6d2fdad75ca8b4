// What the page's modules share: the element lookup, the page's state and its limits.

/** Rows of the comparison tables (not virtual): the largest changes first, up to this many. */
export const ROW_LIMIT = 1000;
/** Graphs with more edges than this get a cheap layout (the layered one grows with edges × ranks). */
export const LAYERED_LAYOUT_MAX_EDGES = 4000;
/**
 * The page's fonts, with fallbacks for hostgroup names in other scripts (CJK, Hangul, Arabic…)
 * so that they never render as empty boxes; the graph (canvas) uses the same stack.
 */
export const FONT_STACK =
  'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", "Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK KR", "Hiragino Sans", "Yu Gothic", "Meiryo", "Microsoft YaHei", "Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans Arabic", sans-serif';

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
  /** Per table, column -> the text of its filter box (table-filter.js). */
  columnFilters: { traffic: {}, dependency: {} },
  filter: "",
  focus: null,
  search: "",
  /** Separator of the prefix that groups hostgroups in the graph ("" = no grouping). */
  groupBy: "",
  cy: null,
  /**
   * How the graph was drawn, counted: laid out from scratch, earlier positions taken back, some
   * elements removed from the drawn picture, or the drawn picture kept with new data.
   */
  graphLayouts: { full: 0, cached: 0, removed: 0, kept: 0 },
  /** Graph structure -> node positions, for graphs drawn before (graph.js). */
  layoutCache: new Map(),
  timings: {},
  /** Files the analysis workers opened for reading since the page loaded. */
  fileReads: 0,
  fileReadsBefore: 0,
  countedWorker: null,
  /** The core's default profile, named when no profile is picked. */
  defaultProfile: "planet-federator",
};
