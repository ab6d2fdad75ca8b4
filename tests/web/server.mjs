// A tiny static file server for the page, on 127.0.0.1 only, with the content types a browser
// needs (`application/wasm` for streaming compilation, JavaScript for module scripts).
// `node tests/web/server.mjs [PORT]` serves web/ for a person; the tests import `serve`.
import { createServer } from "node:http";
import { createReadStream, statSync } from "node:fs";
import { extname, join, normalize, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".txt": "text/plain; charset=utf-8",
};

export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../web");

/**
 * Serves `root` on 127.0.0.1:`port` (0: any free port); resolves to `{ url, close }`.
 * `overrides` (tests only): path -> text served instead of the file, e.g. a script with a fault.
 */
export function serve(root = WEB_ROOT, port = 0, overrides = {}) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    if (Object.hasOwn(overrides, path)) {
      const body = Buffer.from(overrides[path]);
      res.writeHead(200, {
        "content-type": TYPES[extname(path)] ?? "application/octet-stream",
        "content-length": body.length,
        "cache-control": "no-store",
      });
      res.end(body);
      return;
    }
    let file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, "index.html");
      const size = statSync(file).size;
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-length": size,
        "cache-control": "no-store",
      });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  return new Promise((ok) => {
    server.listen(port, "127.0.0.1", () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      ok({ url, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { url } = await serve(WEB_ROOT, Number(process.argv[2] ?? 8000));
  console.log(`serving ${WEB_ROOT} at ${url} (Ctrl-C to stop)`);
}
