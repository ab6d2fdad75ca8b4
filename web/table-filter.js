// Column filters of the tables, as a person types them in the box under a column's name.
// Pure (no DOM), so Node tests import it.
//
//   api          the value contains "api" (any case)
//   =api         the value is exactly "api";  =  alone: the empty string
//   !api         the value does not contain "api"
//   null         the value is NULL
//   >1000  <=5e6  =0  !=0   numeric comparisons (bandwidth columns in bit/s)

const NUMERIC = /^(>=|<=|!=|>|<|=)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)$/i;

/** A predicate over one cell's value, or null for an empty filter (keeps every row). */
export function parseColumnFilter(text) {
  const f = (text ?? "").trim();
  if (f === "") return null;
  if (f.toLowerCase() === "null") return (v) => v === null || v === undefined;
  const numeric = NUMERIC.exec(f);
  if (numeric) {
    const [, op, literal] = numeric;
    const bound = Number(literal);
    const compare = {
      ">": (x) => x > bound,
      "<": (x) => x < bound,
      ">=": (x) => x >= bound,
      "<=": (x) => x <= bound,
      "=": (x) => x === bound,
      "!=": (x) => x !== bound,
    }[op];
    return (v) => {
      if (v === null || v === undefined || v === "") return false;
      const x = typeof v === "number" ? v : Number(v);
      return !Number.isNaN(x) && compare(x);
    };
  }
  if (f.startsWith("=")) {
    const want = f.slice(1).trim();
    return (v) => v !== null && v !== undefined && String(v) === want;
  }
  if (f.startsWith("!")) {
    const unwanted = f.slice(1).trim().toLowerCase();
    return (v) => v === null || v === undefined || !String(v).toLowerCase().includes(unwanted);
  }
  const wanted = f.toLowerCase();
  return (v) => v !== null && v !== undefined && String(v).toLowerCase().includes(wanted);
}

/** One predicate over a row from `{ column: filterText }`: every non-empty filter must hold. */
export function rowFilter(filters) {
  const tests = Object.entries(filters ?? {})
    .map(([column, text]) => [column, parseColumnFilter(text)])
    .filter(([, test]) => test !== null);
  if (tests.length === 0) return () => true;
  return (row) => tests.every(([column, test]) => test(row[column]));
}
