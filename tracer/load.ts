/**
 * The preload's entry (dist/tracer.js): compiles the tracer (dist/tracerCore.js) with V8's code
 * cache of it and runs it as if Node had loaded it from this file. Compiling the tracer's 340 kB
 * from source costs more than everything else the tracer does before the program's first line
 * (Node 24.22: 171.2 M instructions to the first line with no usable cache, 120.8 M with one, 94.9 M
 * untraced); with the cache V8 reads the compiled functions back instead.
 *
 * A cache fits one V8 version, set of V8 flags and CPU: V8 rejects any other, and then compiles the
 * source. So each cache is named after `v8.cachedDataVersionTag()`, which is made of exactly those
 * (https://nodejs.org/api/v8.html#v8cacheddataversiontag), and after the build's id, so that a cache
 * never meets another build's source or another Node. The build makes its own Node's
 * (scripts/tracerCache.cjs). Where there is none for this process's tag — another Node version, or
 * flags such as `--max-old-space-size` or `--expose-gc`, which V8's flag hash includes — the tracer
 * is compiled from source and, once it has started, writes the cache this Node wants beside the
 * bundle (saveCache, called by the tracer after the program's first stint): the next start reads it.
 * Where the bundle's folder cannot take the file (a global install owned by root, a read-only
 * image), it is written to the user's cache folder instead (userCacheDir), under the same name, and
 * looked for there when none is beside the bundle. Where neither can be written, nothing changes:
 * each start compiles from source, as before.
 *
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
import type vmTypes = require('node:vm');
type V8 = typeof import('node:v8');
import { OPTIONS_ENV } from './options';
import { inertBeforeLoad } from './gate';

declare const LOOPLENS_BUILD: string;
declare const LOOPLENS_BUILD_TAG: string;
const BUILD = typeof LOOPLENS_BUILD === 'string' ? LOOPLENS_BUILD : 'dev';
declare const LOOPLENS_VERSION: string;
const VERSION = typeof LOOPLENS_VERSION === 'string' ? LOOPLENS_VERSION : 'dev';

/** The tracer's hidden global (index.ts GUARD): present once the preload has run in this process. */
const GUARD = Symbol.for('looplens.tracer');
/** The tag of the Node that made the build's cache (scripts/build.mjs). */
const BUILD_TAG = typeof LOOPLENS_BUILD_TAG === 'string' ? LOOPLENS_BUILD_TAG : '';

// Node's own functions, taken before the tracer wraps fs's (sources/syncCalls.ts): the cache's
// write is the tracer's work, never a synchronous call of the program's.
const { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } = fs;

/** The tracer's bundle, beside this file. */
const CORE_FILE = 'tracerCore.js';

/** This process's tag in hexadecimal, as scripts/tracerCache.cjs names the build's cache. */
function ownTag(v8: V8): string {
  return v8.cachedDataVersionTag().toString(16);
}

/** The cache of this build for a tag, in a folder: beside this file unless another is given. */
function cacheFile(tag: string, dir: string = __dirname): string {
  return path.join(dir, `tracerCore-${BUILD}-${tag}.cache`);
}

/**
 * The user's cache folder for Loop Lens, for a tracer whose own folder cannot take its cache:
 * `$XDG_CACHE_HOME/looplens` (an absolute one; the XDG spec has a relative one ignored) or
 * `~/.cache/looplens` on Linux and other Unixes, `~/Library/Caches/looplens` on macOS,
 * `%LOCALAPPDATA%\looplens` on Windows. The home folder is `$HOME` (`%USERPROFILE%`) as
 * `os.homedir()` reads it first; node:os only where that is not set. Undefined where there is none.
 */
function userCacheDir(): string | undefined {
  const env = process.env;
  const home = (): string => {
    const set = process.platform === 'win32' ? env.USERPROFILE : env.HOME;
    return set !== undefined && set !== ''
      ? set
      : (module.require('node:os') as typeof import('node:os')).homedir();
  };
  let base: string | undefined;
  if (process.platform === 'win32') base = env.LOCALAPPDATA || path.join(home(), 'AppData', 'Local');
  else if (process.platform === 'darwin') base = path.join(home(), 'Library', 'Caches');
  else {
    const xdg = env.XDG_CACHE_HOME;
    base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(home(), '.cache');
  }
  return path.isAbsolute(base) ? path.join(base, 'looplens') : undefined;
}

/**
 * The CommonJS wrapper, on the bundle's first line (`"use strict";`): no line moves. The cache is
 * made of the same text (scripts/tracerCache.cjs): any difference and V8 rejects it.
 */
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

/**
 * Writes V8's cache of the tracer as compiled so far, for the next start: into a file of this
 * process's own first (`wx`: never one another process is writing), then renamed over the cache's
 * name, so that a start never reads a cache half written — two processes that both write it leave
 * one whole cache or the other. Every failure (a folder it may not write to, a full disk) leaves
 * nothing behind and is not reported: the next start compiles from source again.
 */
function saveCache(script: vmTypes.Script, tag: string, v8: V8): void {
  // Flags the program set since (`v8.setFlagsFromString`) would make a cache no start could use.
  if (ownTag(v8) !== tag) return;
  let data: Buffer;
  try {
    data = script.createCachedData();
  } catch {
    return;
  }
  if (writeCache(cacheFile(tag), data, 0o644)) return;
  // The bundle's folder cannot take it: the user's cache folder, made private to the user where it
  // is made (its parents too, as `~/.cache` where there is none yet). Only that folder's own file
  // and a file of this process's beside it are written: `wx` makes no file through a link, and a
  // rename replaces a link rather than follow it.
  try {
    const dir = userCacheDir();
    if (dir === undefined) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeCache(cacheFile(tag, dir), data, 0o600);
  } catch {
    // no home, or one it may not write to: the next start compiles from source
  }
}

/** Writes a cache to a file of this process's own, renamed over `file`; false where that failed. */
function writeCache(file: string, data: Buffer, mode: number): boolean {
  const temp = `${file}.${process.pid}.tmp`;
  let fd = -1;
  try {
    fd = openSync(temp, 'wx', mode);
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    closeSync(fd);
    fd = -1;
    renameSync(temp, file);
    return true;
  } catch {
    try {
      if (fd >= 0) closeSync(fd);
      unlinkSync(temp);
    } catch {
      // never made, or gone already
    }
    return false;
  }
}

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
  // Loaded here, not before: node:vm and node:v8 are no modules Node loads for a program of its own.
  const vm = module.require('node:vm') as typeof import('node:vm');
  const v8 = module.require('node:v8') as V8;
  const source = readFileSync(path.join(__dirname, CORE_FILE), 'utf8');
  const tag = ownTag(v8);
  // This process's cache beside the bundle; where it is not there, this process's in the user's
  // cache folder (written there where the bundle's folder could not take it); then the build's.
  // The tag also names the CPU's features, which V8's check of a cache leaves out: the same Node on
  // another machine takes the build's cache; another Node or other flags reject it, and this
  // process's is written.
  // (Under another tag than the build's, where a miss is the likely case, looked for before it is
  // read: a failed read costs an error made and thrown.)
  const own = cacheFile(tag);
  let file: string | undefined;
  let cachedData: Buffer | undefined;
  try {
    if (tag === BUILD_TAG || existsSync(own)) {
      cachedData = readFileSync(own);
      file = own;
    }
  } catch {
    // none for this V8 beside the bundle
  }
  if (file === undefined) {
    try {
      const dir = userCacheDir();
      if (dir !== undefined && existsSync(cacheFile(tag, dir))) {
        file = cacheFile(tag, dir);
        cachedData = readFileSync(file);
      }
    } catch {
      file = undefined;
    }
  }
  let builds = false;
  if (file === undefined && tag !== BUILD_TAG && BUILD_TAG !== '') {
    file = cacheFile(BUILD_TAG);
    builds = true;
    try {
      cachedData = readFileSync(file);
    } catch {
      // none (a development build, a copied file): compiled from source
    }
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
  // Whether V8 took the cache, on the tracer's (hidden) global: for tests and bug reports. Where
  // this process's was not there, the tracer calls `saveCodeCache` once it has started (index.ts
  // saveCodeCache); a cache of this process's tag that V8 rejected (beside the bundle or in the
  // user's folder) is left as it is, not written again at every start.
  const guard = global[GUARD] as Record<string, unknown> | undefined;
  if (guard === undefined) return;
  const used = cachedData !== undefined && !script.cachedDataRejected;
  guard.codeCache = cachedData === undefined ? 'none' : used ? 'used' : 'rejected';
  if (!used && (cachedData === undefined || builds)) guard.saveCodeCache = () => saveCache(script, tag, v8);
}

try {
  load();
} catch {
  // The tracer is inert; the program runs as if untraced.
}
