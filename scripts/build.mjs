// Builds every bundle into dist/ with esbuild. Type checking runs apart (`npm run typecheck`).
//   tracer      — the preload, loaded into the user's program: Node built-ins only, oldest Node we support
//                 (dist/tracerCore.js, run by its loader dist/tracer.js with V8's code cache of it)
//   watchdog    — the tracer's block-sampler thread
//   cli         — the `looplens` command line
//   extension   — the VS Code extension host side (`vscode` is provided by VS Code)
//   webview     — the timeline drawn in the browser
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  readFileSync,
  chmodSync,
  rmSync,
  mkdirSync,
  mkdtempSync,
  copyFileSync,
  readdirSync,
} from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** The oldest Node.js the tracer and the command line run on. */
const NODE_TARGET = 'node18';

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: false,
  logLevel: 'warning',
  define: { LOOPLENS_VERSION: JSON.stringify(pkg.version) },
  absWorkingDir: root,
};

/** This build's id: the tracer's code cache is named after it, so no build reads another's. */
const BUILD = randomBytes(6).toString('hex');
/**
 * The V8 tag (v8.cachedDataVersionTag) of the Node that makes the build's code cache (tracerCache,
 * run as below: this Node, no NODE_OPTIONS), in hexadecimal: the cache's name, which the loader
 * tries where its own process's tag names none (tracer/load.ts).
 */
const BUILD_TAG = (() => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, ['-p', "require('node:v8').cachedDataVersionTag().toString(16)"], {
    env,
    encoding: 'utf8',
  }).stdout.trim();
})();

const bundles = [
  // No source map for the tracer: its frames must keep the bundle's own file name in any stack
  // trace, so that it can scrub them from errors that pass through it (see tracer/scrub.ts).
  {
    entryPoints: ['tracer/index.ts'],
    outfile: 'dist/tracerCore.js',
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    sourcemap: false,
  },
  // The preload itself: runs the tracer under its own name, with the code cache (tracer/load.ts).
  {
    entryPoints: ['tracer/load.ts'],
    outfile: 'dist/tracer.js',
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    sourcemap: false,
    define: {
      ...common.define,
      LOOPLENS_BUILD: JSON.stringify(BUILD),
      LOOPLENS_BUILD_TAG: JSON.stringify(BUILD_TAG),
    },
  },
  {
    entryPoints: ['tracer/watchdogWorker.ts'],
    outfile: 'dist/tracerWatchdog.js',
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    sourcemap: false,
  },
  {
    entryPoints: ['cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    banner: { js: '#!/usr/bin/env node' },
  },
  {
    entryPoints: ['extension/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    entryPoints: ['webview/main.ts'],
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
  },
].filter((b) => existsSync(path.join(root, b.entryPoints[0])));

// Start clean: a stale file (a source map left from an earlier build) must not ship.
if (!watch) rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await Promise.all(bundles.map((b) => build({ ...common, ...b })));
if (existsSync(path.join(root, 'dist/cli.js'))) chmodSync(path.join(root, 'dist/cli.js'), 0o755);
if (!watch) tracerAscii();
if (!watch) tracerCache();
// Files the extension ships as they are: the kitchen demo and the walkthrough's pages.
const copies = [
  ['examples/kitchen', 'dist/kitchen', ['server.js', 'fibWorker.js']],
  ['extension/walkthrough', 'dist/walkthrough', null],
  ['pytracer', 'dist/python', ['sitecustomize.py', 'looplens_tracer.py']],
];
for (const [from, to, names] of copies) {
  const source = path.join(root, from);
  if (!existsSync(source)) continue;
  mkdirSync(path.join(root, to), { recursive: true });
  for (const name of names ?? readdirSync(source))
    copyFileSync(path.join(source, name), path.join(root, to, name));
}
if (!watch) console.log(`built ${bundles.map((b) => b.outfile).join(', ')}`);

/**
 * The tracer's bundle must be ASCII: V8 keeps a source with one character beyond it as a two-byte
 * string, and reading, keeping and scanning the tracer's 230 kB that way cost every traced program's
 * start about 1 M instructions (two comments esbuild kept, with a `≠` and a `≤`). Strings in the
 * source are escaped by esbuild; comments it keeps are not.
 */
function tracerAscii() {
  const lines = readFileSync(path.join(root, 'dist', 'tracerCore.js'), 'utf8').split('\n');
  const at = lines.findIndex((line) => [...line].some((c) => c.charCodeAt(0) > 0x7f));
  if (at >= 0)
    throw new Error(
      `dist/tracerCore.js:${at + 1} is not ASCII (a comment esbuild kept?): ${lines[at].trim()}`,
    );
}

/**
 * V8's code cache of the tracer, made by this Node (scripts/tracerCache.cjs: the tracer started as
 * `looplens record` starts it), then checked the way a traced program loads it. Another Node
 * version, or V8 flags that change V8's flag hash, look for a cache of their own (tracer/load.ts):
 * the first traced start there compiles from source and writes it.
 */
function tracerCache() {
  const dist = path.join(root, 'dist');
  // Named after this Node's cachedDataVersionTag by tracerCache.cjs, as the loader looks for it.
  const cache = `tracerCore-${BUILD}-{tag}.cache`;
  const expected = `tracerCore-${BUILD}-${BUILD_TAG}.cache`;
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'looplens-build-'));
  try {
    const env = {
      ...process.env,
      LOOPLENS_OPTIONS: JSON.stringify({ out: path.join(scratch, 'trace-{pid}.looplens') }),
    };
    delete env.NODE_OPTIONS;
    const made = spawnSync(process.execPath, [path.join(root, 'scripts', 'tracerCache.cjs'), dist, cache], {
      env,
      encoding: 'utf8',
    });
    if (made.status !== 0) throw new Error(`the tracer's code cache: ${made.stderr}`);
    if (made.stdout !== expected)
      throw new Error(`the tracer's code cache is ${made.stdout}, not ${expected}`);
    const probe = 'process.stdout.write(String(globalThis[Symbol.for("looplens.tracer")]?.codeCache))';
    const used = spawnSync(process.execPath, ['--require', path.join(dist, 'tracer.js'), '-e', probe], {
      env,
      encoding: 'utf8',
    });
    if (used.stdout !== 'used')
      throw new Error(`the tracer's code cache was not used: ${used.stdout} ${used.stderr}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
