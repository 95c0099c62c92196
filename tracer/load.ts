/**
 * The preload's entry (dist/tracer.js): compiles the tracer (dist/tracerCore.js) with V8's code
 * cache of it, made at build time (scripts/tracerCache.cjs), and runs it as if Node had loaded it
 * from this file. Compiling the tracer's 170 kB was a sixth of what the preload added before the
 * program's first line (about 15 M of 90 M instructions on Node 20, the block sampler's thread
 * aside); with the cache V8 reads the compiled functions back instead.
 *
 * The cache fits one V8 version and set of V8 flags: on any other Node, or with flags that change
 * the code (`--single-threaded`, `--perf-basic-prof`), V8 rejects it and compiles the source, as
 * Node would have. Its name carries the build's id, so a cache never meets another build's source.
 * The tracer runs under this file's name (`dist/tracer.js`) — but code V8 takes from the cache keeps
 * the name of the script the cache was made from, the build's `dist/tracer.js`, wherever the build
 * was copied or installed to since. The tracer recognises and scrubs its frames by the name they
 * show, read from a frame of its own when it starts (locations.ts ownScriptFile), not by this path.
 *
 * First, it leaves the tracer unloaded where it can tell cheaply that it would stay inert (gate.ts):
 * in a child process of a traced program, which finds the trace claimed, and in the program's
 * worker threads.
 */
import fs = require('node:fs');
import path = require('node:path');
import { OPTIONS_ENV } from './options';
import { inertBeforeLoad } from './gate';

declare const LOOPLENS_BUILD: string;
const BUILD = typeof LOOPLENS_BUILD === 'string' ? LOOPLENS_BUILD : 'dev';
declare const LOOPLENS_VERSION: string;
const VERSION = typeof LOOPLENS_VERSION === 'string' ? LOOPLENS_VERSION : 'dev';

/** The tracer's hidden global (index.ts GUARD): present once the preload has run in this process. */
const GUARD = Symbol.for('looplens.tracer');

/** The tracer's bundle and its cache, beside this file. */
const CORE_FILE = 'tracerCore.js';
const CACHE_FILE = `tracerCore-${BUILD}.cache`;

/**
 * The CommonJS wrapper, on the bundle's first line (`"use strict";`): no line moves. The cache is
 * made of the same text (scripts/tracerCache.cjs): any difference and V8 rejects it.
 */
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

function load(): void {
  const global = globalThis as Record<symbol, unknown>;
  if (global[GUARD] !== undefined) return;
  // (In a worker thread node:worker_threads is loaded already: gate.ts isMainThread.)
  const inert = inertBeforeLoad(process.env[OPTIONS_ENV], () => module.require('node:worker_threads'));
  if (inert !== null) {
    // The guard the tracer sets, so that the preload runs once here too; and why it was not loaded.
    Object.defineProperty(global, GUARD, { value: { version: VERSION, inert }, enumerable: false });
    return;
  }
  // Loaded here, not before: node:vm is no module Node loads for a program of its own.
  const vm = module.require('node:vm') as typeof import('node:vm');
  const source = fs.readFileSync(path.join(__dirname, CORE_FILE), 'utf8');
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(path.join(__dirname, CACHE_FILE));
  } catch {
    // no cache (a development build, a copied file): compiled from source
  }
  const script = new vm.Script(`${WRAPPER}${source}\n})`, { filename: __filename, cachedData });
  const run = script.runInThisContext() as (
    exports: unknown,
    req: NodeRequire,
    mod: NodeModule,
    filename: string,
    dirname: string,
  ) => void;
  run(module.exports, require, module, __filename, __dirname);
  // Whether V8 took the cache, on the tracer's (hidden) global: for tests and bug reports.
  const guard = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[
    Symbol.for('looplens.tracer')
  ];
  if (guard !== undefined)
    guard.codeCache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
}

try {
  load();
} catch {
  // The tracer is inert; the program runs as if untraced.
}
