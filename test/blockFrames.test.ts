/**
 * Which frame of a block's stack sample the block is blamed on (tracer/watchdogWorker.ts
 * blamedFrame): the program's line, else a library's, never code nobody can open.
 */
import { strict as assert } from 'node:assert';
import { blamedFrame } from '../tracer/watchdogWorker';

type Frame = [string, string, number, number];
const WASM: Frame = ['', 'wasm://wasm/0002f80e', 1, 2844];
const UNDICI: Frame = ['execute', 'node:internal/deps/undici/undici', 6100, 20];
const PROGRAM: Frame = ['quote', '/app/server.js', 3, 10];
const LIBRARY: Frame = ['parse', '/app/node_modules/parser/index.js', 40, 5];

describe('the frame a block is blamed on', () => {
  const none = new Set<string>();

  it("blames the program's line that called WebAssembly, not the module's hash (llhttp under fetch)", () => {
    assert.deepEqual(blamedFrame([WASM, UNDICI, PROGRAM], none), PROGRAM);
  });

  it("blames a library's JavaScript that runs WebAssembly when the program is not on the stack", () => {
    assert.deepEqual(blamedFrame([WASM, LIBRARY, UNDICI], none), LIBRARY);
  });

  it("blames nothing when only Node's own code and WebAssembly are on the stack", () => {
    assert.equal(blamedFrame([WASM, UNDICI], none), null);
  });

  it("blames the program's innermost frame over a library's above it", () => {
    assert.deepEqual(blamedFrame([LIBRARY, PROGRAM], none), PROGRAM);
  });
});
