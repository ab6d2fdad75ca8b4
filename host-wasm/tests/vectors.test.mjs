// Every vector through the Node package gives exactly the expected rows, in one call and
// pushed in chunks cut anywhere (also inside UTF-8 characters).
import { test } from "node:test";
import assert from "node:assert/strict";
import { planet, vectors, vectorsDir, rowsAsNdjson } from "./vectors.mjs";

const all = vectors();

test("there are vectors to run", () => {
  assert.ok(all.length > 0, `no vectors in ${vectorsDir}`);
});

for (const v of all) {
  test(`vector ${v.name}: analyze gives exactly the expected tables`, () => {
    const result = planet.analyze(v.inputs.map(({ name, data }) => ({ name, data })), v.options);
    assert.equal(result.trafficNdjson, v.traffic);
    assert.equal(result.dependencyNdjson, v.dependency);
    // The row objects are the NDJSON lines themselves (same keys, order, nulls and numbers).
    assert.equal(rowsAsNdjson(result.traffic), v.traffic);
    assert.equal(rowsAsNdjson(result.dependency), v.dependency);
  });

  test(`vector ${v.name}: chunked push gives the same result as one analyze`, () => {
    const whole = planet.analyze(v.inputs.map(({ name, data }) => ({ name, data })), v.options);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const analyzer = new planet.Analyzer(v.options);
      for (const { name, data } of v.inputs) {
        analyzer.beginInput(name);
        for (let at = 0; at < data.length; at += size) analyzer.push(data.subarray(at, at + size));
        analyzer.endInput();
      }
      assert.deepEqual(analyzer.finish(), whole, `chunks of ${size} bytes`);
    }
  });
}
