/**
 * Node's built-in modules, each patched when it is loaded — by the program's `require`, its
 * `import` (static or dynamic), or another built-in — and not before. Loading them all before the
 * program's first line (http, https, net, tls, child_process, crypto, zlib, dns) was about half of
 * what the tracer added to a program's start-up, for modules most programs never load.
 *
 * The rule: a built-in's patches run at once if it is loaded already when the tracer starts, and
 * otherwise the moment its own code has run, before anyone gets its exports. A patch touches only
 * modules loaded already (the one just loaded: its exports and the prototypes of its classes) and
 * never loads one that is not: such a module could be half-way through loading (a built-in that
 * requires another one), and a require then would hand out its unfinished exports; and its entry
 * in the list below, made while Node is still adding the entry of the module that triggered the
 * patch, would be cut off the list when that one's `push` sets the list's length.
 *
 * How the tracer learns of a load: Node 20 has no synchronous hook on an ES module's import of a
 * built-in (`module.register`'s hooks run on a thread of their own, `module.registerHooks` came in
 * Node 22.15), and a CommonJS hook (`Module._load`) misses every `import`. What every load passes
 * through is Node's own loader of built-ins, which records each module in `process.moduleLoadList`
 * once its code has run and before it hands the exports out — to `require`, or to the ES module
 * facade that snapshots the named exports an `import` binds to (the same order in Node 14 to 24:
 * lib/internal/bootstrap/realm.js, `compileForInternalLoader` then `compileForPublicLoader`'s
 * `syncExports`). The list is a plain array, and Node appends to it with the generic
 * `Array.prototype.push`, which assigns through the prototype chain: with a prototype of its own
 * whose `set` hears the new entry, the tracer patches the module right there. Everything else about
 * the list (its entries, its length, what the program reads of it) is unchanged. Where that cannot
 * be set up, every patch runs at the start, as before (and loads what it patches).
 */
import { moduleClass } from '../nodeModule';

/** A module's patches; each gets the module's exports. */
type Patch = (exports: unknown) => void;

/** Patches waiting for their module, by its name without `node:`. */
const waiting = new Map<string, Patch[]>();
const PREFIX = 'NativeModule ';
/** The names of Node's internal modules: heard as they load, never loaded by the tracer. */
const INTERNAL = 'internal/';
/**
 * Node's own loader of modules, as it was when the tracer started: the program's hooks on
 * `require` (an APM agent's) never see the tracer fetch a module's exports.
 */
let load: ((id: string) => unknown) | null = null;
/** Whether watchBuiltins ran, and whether it hears loads (else every patch ran at the start). */
let started = false;
let watching = false;

/**
 * Runs `patch` with `name`'s exports now if it is loaded, or as soon as it is. An internal module's
 * patch (`internal/…`) gets no exports: it reads them through the public module that hands them out,
 * loaded by then (an internal module runs only when one that needs it does).
 */
export function whenLoaded(name: string, patch: Patch): void {
  if (started && (!watching || isLoaded(name))) {
    run(name, [patch]);
    return;
  }
  let list = waiting.get(name);
  if (list === undefined) waiting.set(name, (list = []));
  list.push(patch);
}

/** Whether a built-in has been loaded (by anyone): the exports are then complete. */
export function isLoaded(name: string): boolean {
  const list = moduleLoadList();
  return list !== null && list.includes(PREFIX + name);
}

/** A built-in's exports (`name` without `node:`), loading it if it is not loaded yet. */
export function loadBuiltin(name: string): unknown {
  return loader()(`node:${name}`);
}

/** Captured at the tracer's start, before the program (or the tracer's frameworks.ts) wraps it. */
function loader(): (id: string) => unknown {
  if (load === null) {
    const M = moduleClass();
    const loadModule = M._load;
    load =
      typeof loadModule === 'function'
        ? (id) => Reflect.apply(loadModule, M, [id, null, false]) as unknown
        : (id) => module.require(id) as unknown;
  }
  return load;
}

/** Starts patching: what is loaded already now, the rest as each module loads. */
export function watchBuiltins(): void {
  loader();
  started = true;
  watching = watchLoads();
  const names = [...waiting.keys()];
  for (const name of names) {
    if (watching && !isLoaded(name)) continue;
    const patches = waiting.get(name)!;
    waiting.delete(name);
    run(name, patches);
  }
}

function run(name: string, patches: Patch[]): void {
  let exports: unknown;
  try {
    // An internal module (`internal/…`) cannot be loaded by name from outside Node: its patch gets
    // nothing and reads what it patches through the public module that hands it out.
    exports = name.startsWith(INTERNAL) ? undefined : loadBuiltin(name);
  } catch {
    return;
  }
  for (const patch of patches) {
    try {
      patch(exports);
    } catch {
      // this patch is missing; the program runs on
    }
  }
}

function moduleLoadList(): unknown[] | null {
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  return Array.isArray(list) ? list : null;
}

/** Gives the load list a prototype that hears each module recorded in it; false if it cannot. */
function watchLoads(): boolean {
  const list = moduleLoadList();
  if (list === null || Object.getPrototypeOf(list) !== Array.prototype || !Object.isExtensible(list))
    return false;
  const hears = new Proxy(Array.prototype, {
    set(target, key, value, receiver) {
      // Not the list (nothing else inherits from this prototype): as if it were not there.
      if (receiver !== list) return Reflect.set(target, key, value, receiver);
      const stored = Reflect.defineProperty(receiver as object, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      if (typeof value === 'string' && value.startsWith(PREFIX)) loaded(value.slice(PREFIX.length));
      return stored;
    },
  });
  try {
    Object.setPrototypeOf(list, hears);
  } catch {
    return false;
  }
  return Object.getPrototypeOf(list) === hears;
}

/** Inside Node's loader: never throws. */
function loaded(name: string): void {
  try {
    const patches = waiting.get(name);
    if (patches === undefined) return;
    waiting.delete(name);
    run(name, patches);
  } catch {
    // the loader goes on as untraced
  }
}
