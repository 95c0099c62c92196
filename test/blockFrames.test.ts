/**
 * Which frame of a block's stack sample the block is blamed on (tracer/watchdogWorker.ts
 * blamedFrame): the program's line, else a library's, never code nobody can open — and, in a real
 * recording, the program's line under a stack deeper than a sample's usual depth.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUNNING, blamedFrame, frameAfterNative } from '../tracer/watchdogWorker';
import { readTrace, recordQuietly, tempDir } from './helpers';

type Frame = [string, string, number, number, number?, number?];
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

describe('the frame a block is blamed on when native code held the sample off', () => {
  const none = new Set<string>();
  // The sampling expression's own frames: an evaluated script, no file.
  const EXPRESSION: Frame[] = [
    ['', '', 11, 7, 1, 2],
    ['', '', 28, 3, 1, 1],
  ];
  const ENTERED: Frame = ['count', '/app/server.js', 11, 15, 11, 1];
  const CALLER: Frame = ['parseJob', '/app/server.js', 17, 13, 15, 12];
  const BUILTIN: Frame = ['sort', '', 0, 0, 0, 0];
  const COMPARATOR: Frame = ['', '/app/server.js', 10, 56, 10, 56];
  const TIMERS: Frame = ['setTimeout', 'node:timers', 140, 10, 139, 20];
  const LOOP: Frame = ['', '/app/server.js', 22, 5, 20, 1];

  it('blames the caller of a function just entered, at the call after the native code', () => {
    assert.deepEqual(frameAfterNative([...EXPRESSION, ENTERED, CALLER], none), {
      frame: CALLER,
      before: true,
    });
  });

  it("blames the program's line that called Node's own function just entered (setTimeout)", () => {
    assert.deepEqual(frameAfterNative([...EXPRESSION, TIMERS, CALLER], none), {
      frame: CALLER,
      before: true,
    });
  });

  it('blames a loop that checked for interrupts at its back edge, as run just after the native code', () => {
    assert.deepEqual(frameAfterNative([...EXPRESSION, LOOP, CALLER], none), { frame: LOOP, before: true });
  });

  it('blames the line that called a built-in that held the sample itself (a sort calling its comparator)', () => {
    assert.deepEqual(frameAfterNative([...EXPRESSION, COMPARATOR, BUILTIN, CALLER], none), {
      frame: CALLER,
      before: false,
    });
    assert.deepEqual(frameAfterNative([...EXPRESSION, BUILTIN, CALLER], none), {
      frame: CALLER,
      before: false,
    });
  });
});

describe('the frame a block is blamed on under a deep stack, in a real recording', () => {
  /**
   * Records app.js, which requires deep0; deep0 requires deep1 … deep`last`, which computes for 400
   * ms as it loads; the longest block is sampled and blamed on the program's `require` line. About
   * seven frames of Node's loader a require, and one of the tracer's (its Module._load hook), put
   * the program's line past the 32 frames a sample keeps in full. The block comes once the sampler's
   * thread runs: it starts at the program's first require and runs a while later (README Limits;
   * 2-3 s at load 35), and a block before that has no samples (at load 23-35, 4 runs in 4 of a block
   * at the first require: `located: 'began'`).
   */
  async function assertRequireBlamed(last: number): Promise<void> {
    const dir = tempDir();
    for (let i = 0; i <= last; i++) {
      const pkg = path.join(dir, 'node_modules', `deep${i}`);
      fs.mkdirSync(pkg, { recursive: true });
      const body =
        i < last
          ? `'use strict';\nmodule.exports = { next: require('deep${i + 1}') };\n`
          : `'use strict';\nconst end = Date.now() + 400;\nlet spins = 0;\nwhile (Date.now() < end) spins++;\nmodule.exports = { spins };\n`;
      fs.writeFileSync(path.join(pkg, 'index.js'), body);
    }
    const program = path.join(dir, 'app.js');
    const lines = [
      "'use strict';",
      "require('node:path'); // the program's first require starts the block sampler",
      "const heartbeat = globalThis[Symbol.for('looplens.tracer')].heartbeat;",
      'function later() {',
      `  if (Atomics.load(heartbeat, ${RUNNING}) === 0) return setTimeout(later, 10);`,
      "  console.log('start');",
      "  const deep = require('deep0');",
      "  console.log('loaded', typeof deep.next);",
      '}',
      'later();',
      '',
    ];
    fs.writeFileSync(program, lines.join('\n'));
    const out = path.join(dir, 'trace.looplens');
    const result = await recordQuietly(out, process.execPath, program);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'start\nloaded object\n');
    const { summary } = readTrace(out);
    // (The script's first stint, which makes the sampler's thread, may be a block of its own.)
    const main = summary.tasks.find((t) => t.kind === 'main');
    const longest = summary.blocks
      .filter((b) => b.task !== main?.id)
      .sort((a, b) => b.durationMs - a.durationMs)[0];
    assert.ok(longest !== undefined && longest.durationMs >= 300, JSON.stringify(summary.blocks));
    assert.equal(longest.located, 'sampled', JSON.stringify(longest));
    const required = {
      file: fs.realpathSync(program),
      line: lines.indexOf("  const deep = require('deep0');") + 1,
    };
    assert.deepEqual(
      longest.location && { file: longest.location.file, line: longest.location.line },
      required,
      JSON.stringify(longest),
    );
    // Most of the block is the library's computing, each sample of it blamed on the program's line
    // (where a sample that missed the line blamed the innermost library's line; the block's place, the
    // program's line that holds most of it, could then be `console.log('start')`'s first write).
    const heaviest = [...longest.frames].sort((a, b) => b.share - a.share)[0];
    assert.deepEqual(
      heaviest?.location && { file: heaviest.location.file, line: heaviest.location.line },
      required,
      JSON.stringify(longest),
    );
  }

  it("blames the program's require of a library whose sixth nested require computes at its top level", async () => {
    await assertRequireBlamed(5);
  });

  it("blames the program's require of a library whose twelfth nested require computes at its top level — the tracer's own frames past the 32 kept in full are not the program's", async () => {
    // Past the 32 frames a sample keeps only the program's own, four at most: the tracer's hook, a
    // frame a require and not in node_modules, took those four places seven requires down.
    await assertRequireBlamed(11);
  });
});
