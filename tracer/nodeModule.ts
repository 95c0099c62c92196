/**
 * Node's CommonJS loader, the `Module` class, without loading `node:module`. That built-in is the
 * same class with Node's ES-module loader and source-map support loaded and attached to it: loading
 * it before the program's first line cost about 3 M instructions (and 3 modules) of the tracer's
 * start. The class is at hand already: it made the tracer's own module object. Where it is not (an
 * exotic loader), or a function is not on it (`findSourceMap` is attached by `node:module` only),
 * `node:module` is loaded after all.
 */
export type ModuleApi = {
  _load?: (...args: unknown[]) => unknown;
  syncBuiltinESMExports?: () => void;
  findSourceMap?: unknown;
};

let loader: ModuleApi | null = null;

/** The `Module` class (what `require('node:module')` returns). */
export function moduleClass(): ModuleApi {
  if (loader === null) {
    const made = (module as { constructor?: unknown }).constructor;
    loader =
      typeof made === 'function' && typeof (made as ModuleApi)._load === 'function'
        ? (made as ModuleApi)
        : (module.require('node:module') as ModuleApi);
  }
  return loader;
}

/** One of its functions, from `node:module` (loading it) if the class does not have it yet. */
export function moduleFunction<K extends keyof ModuleApi>(key: K): ModuleApi[K] {
  const own = moduleClass()[key];
  if (typeof own === 'function') return own;
  return (module.require('node:module') as ModuleApi)[key];
}
