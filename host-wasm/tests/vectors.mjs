// The shared test vectors (tests/vectors/<case>/): input* files in name order, options.json,
// and the expected traffic.ndjson and dependency.ndjson.
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const vectorsDir = process.env.PLANET_VECTORS ?? join(root, "tests", "vectors");

/** The Node package built by `make wasm` (CommonJS). */
export const planet = createRequire(import.meta.url)(join(root, "host-wasm", "pkg-node"));

/** Every vector, read into memory. */
export function vectors() {
  if (!existsSync(vectorsDir)) return [];
  return readdirSync(vectorsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const dir = join(vectorsDir, name);
      const files = readdirSync(dir).filter((f) => f.startsWith("input")).sort();
      const optionsPath = join(dir, "options.json");
      const options = existsSync(optionsPath) ? JSON.parse(readFileSync(optionsPath, "utf8")) : {};
      // A case's inventory: its file (for the CLI) and, in the options, its text (the Node API's
      // `inventory`; the core tells arrayjson from ndjson by the first character).
      const inventory = ["inventory.json", "inventory.ndjson"].find((f) => existsSync(join(dir, f)));
      if (inventory) options.inventory = readFileSync(join(dir, inventory), "utf8");
      return {
        name,
        dir,
        inputs: files.map((f) => ({ name: f, path: join(dir, f), data: readFileSync(join(dir, f)) })),
        inventoryPath: inventory ? join(dir, inventory) : null,
        options,
        traffic: readFileSync(join(dir, "traffic.ndjson"), "utf8"),
        dependency: readFileSync(join(dir, "dependency.ndjson"), "utf8"),
      };
    });
}

/** Rows as NDJSON the way JavaScript writes them (to check the row objects, not the strings). */
export function rowsAsNdjson(rows) {
  return rows.map((row) => JSON.stringify(row) + "\n").join("");
}
