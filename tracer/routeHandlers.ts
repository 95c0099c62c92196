/**
 * Where a request is handled: the program's function the framework calls for the request's route
 * (express's `app.get('/items/:id', handler)`, @koa/router's, fastify's, find-my-way's, polka's,
 * h3's, hapi's, Hono's; NestJS's controller method, see appliedBy). A request task is made where its server was started (`app.listen(…)`), before any route is
 * known; once its route names it, it is placed at that route's handler, which is what a user means
 * by "where this request is handled" — the listen line says nothing of it.
 *
 * Each handler is wrapped once, where the framework is given the route (frameworks.ts), by a
 * function of the tracer's with a name of its own (HANDLER_FRAME) that tells the running request
 * which handler runs it: one store a request. The handler's place is read once per route, not per
 * request, and without an inspector: while the wrapper runs a handler whose place is not known yet,
 * the first thing the tracer hears of that run — a promise made (an async handler makes its own as
 * it begins) or the response ended (a handler answering at once) — reads the stack, where the frame
 * just above the wrapper's is the handler's, and V8 says where the function that frame runs begins
 * (`getEnclosingLineNumber`). A framework's own function there (Nest's route proxy, which express's
 * layer or fastify's route calls for every controller) places nothing; the controller's method,
 * which the proxy calls later, is looked at by a wrapper of its own, and the request is placed by
 * the handler that ran last for it. A handler the tracer hears nothing of as it runs (it returns a
 * value, made no promise and ended nothing: Nest's `now() { return { now: true }; }`, koa's
 * `ctx.body = …`, fastify's `() => ({ ok: true })`) is placed from its source where the place the
 * program gave its route was noted (writtenIn, placeWritten); else, after HANDLER_LOOKS such runs (a
 * text found twice), it stays unplaced: its requests stay at the listen line.
 */
import { TaskKind } from '../protocol/format';
import { current, enabled } from './engine';
import { CodeLocation, calledBy, placeInFile, programFiles } from './locations';
import { positionInSource } from './sourceNames';

type AnyFunction = (...args: unknown[]) => unknown;

/** A route's handler, one per function the framework was given for a route. */
export interface RouteHandler {
  /** Where the program's function begins; null when it is none of the program's; undefined until known. */
  where: CodeLocation | null | undefined;
  /** Runs left to look at before giving up (where = null). */
  looks: number;
  /** What a run looked at is given so that a handler answering at once is heard (see Probe), or null. */
  probe: Probe | null;
}

/**
 * Given a run's arguments as a handler whose place is unknown is run, makes what the handler calls
 * to answer (Hono's context's `c.json`…) call lookAtHandler first, and returns what undoes it after
 * the run's synchronous part (or null: nothing done). Only runs looked at: no request's cost once
 * the place is known.
 */
export type Probe = (args: ArrayLike<unknown>) => (() => void) | null;

/** The name of the wrapper's frame, which a look finds on the stack (see calledBy): its function's. */
const HANDLER_FRAME = 'looplensRouteHandler';
/** Runs of a handler looked at for its place before it is given up. */
const HANDLER_LOOKS = 8;

/** The handler whose run is being looked at now (its place still unknown), or null. */
export let looking: RouteHandler | null = null;

/** The wrappers made, so that a route given the same one again is not wrapped twice. */
const wrappers = new WeakSet<AnyFunction>();

/** Whether `fn` is a wrapper handledBy made. */
export function isHandlerWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && wrappers.has(fn as AnyFunction);
}

/**
 * `fn`, a route's handler, wrapped to tell the request it runs for that it handles it, and to have
 * its place read on its first runs. The wrapper is `fn` to the framework: its own properties, its
 * `length` (express hands a function of four parameters errors) and its `name` — a getter, so that
 * V8 names the wrapper's frame by its own name, not by a `name` property (see calledBy). With
 * `noteWritten`, where the program's code gives the route is noted (writtenIn): a framework that
 * wraps the handler inside that call (@koa/router's `register`, hapi's `configure`), whose handler
 * may answer with nothing of the tracer's running in its frame (koa's `ctx.body = …`, hapi's value).
 */
export function handledBy(fn: AnyFunction, probe: Probe | null = null, noteWritten = false): AnyFunction {
  if (wrappers.has(fn)) return fn;
  // (A framework that is given the route by the program's own call, as it runs: see writtenIn.)
  if (noteWritten && enabled) writtenIn(fn, null, handledBy);
  const handler: RouteHandler = { where: undefined, looks: HANDLER_LOOKS, probe };
  // (Named where it is written: a computed name is a `name` property V8 defines as it runs, gone
  // once `name` is the getter below, and the frame then bears a name V8 made up.)
  const wrapper = function looplensRouteHandler(this: unknown, a: unknown, b: unknown, c: unknown) {
    if (enabled) {
      const task = current;
      if (task !== null && task.kind === TaskKind.Request) task.handler = handler;
      if (handler.where === undefined || looking !== null) return lookedAt(handler, fn, this, arguments);
    }
    // As frameworks call it, without an arguments object: express and polka with three
    // arguments, koa, fastify and hapi with two, h3 with one.
    switch (arguments.length) {
      case 3:
        return fn.call(this, a, b, c);
      case 2:
        return fn.call(this, a, b);
      case 1:
        return fn.call(this, a);
      default:
        return Reflect.apply(fn, this, arguments);
    }
  };
  try {
    for (const key of Reflect.ownKeys(fn)) {
      if (key === 'name' || key === 'prototype') continue;
      const descriptor = Reflect.getOwnPropertyDescriptor(fn, key);
      if (descriptor !== undefined) Reflect.defineProperty(wrapper, key, descriptor);
    }
    const name = typeof fn.name === 'string' ? fn.name : '';
    Reflect.defineProperty(wrapper, 'name', { get: () => name, configurable: true });
  } catch {
    // a function whose properties cannot be read: the wrapper's own
  }
  wrappers.add(wrapper);
  return wrapper;
}

/** The functions appliedBy gave an `apply` of the tracer's. */
const applied = new WeakSet<AnyFunction>();
const functionApply = Function.prototype.apply;

/**
 * `fn`, a route's handler that a framework calls as `fn.apply(instance, args)` and also hands to
 * the program as the route's handler — Nest's controller method, which guards and interceptors
 * get back as `context.getHandler()` and read decorators' metadata from (reflect-metadata keeps
 * it by the function's identity) — given an `apply` of its own that does what handledBy's wrapper
 * does: the function stays itself everywhere, and only its calls through `apply` are its route's
 * (the wrapper's frame, HANDLER_FRAME, sits between the framework's and the handler's on the
 * stack, as handledBy's does). One own property a route's function, set once; `fn.apply` called
 * on another function (`fn.apply.call(other, …)`) applies that one, as Function's would.
 */
export function appliedBy(fn: AnyFunction): void {
  if (applied.has(fn) || wrappers.has(fn)) return;
  const handler: RouteHandler = { where: undefined, looks: HANDLER_LOOKS, probe: null };
  const apply = function looplensRouteHandler(this: unknown, self: unknown, args: unknown) {
    if (this !== fn) return Reflect.apply(functionApply, this, arguments);
    // (As Function's: no arguments for null or undefined; anything else not array-like throws.)
    const list = (args === undefined || args === null ? [] : args) as ArrayLike<unknown>;
    if (enabled) {
      const task = current;
      if (task !== null && task.kind === TaskKind.Request) task.handler = handler;
      if (handler.where === undefined || looking !== null) return lookedAt(handler, fn, self, list);
    }
    return Reflect.apply(fn, self, list);
  };
  try {
    // (A getter, as handledBy's: a `name` value would name the frame.)
    Reflect.defineProperty(apply, 'name', { get: () => 'apply', configurable: true });
    Reflect.defineProperty(apply, 'length', { value: 2, configurable: true });
    // Not enumerable, as Function.prototype's own: a copy of the function's properties skips it.
    if (!Reflect.defineProperty(fn, 'apply', { value: apply, writable: true, configurable: true })) return;
    applied.add(fn);
  } catch {
    // a function that cannot be given a property (frozen, a proxy that refuses): unplaced
  }
}

/**
 * Runs `fn` with its place looked for (when unknown), or, inside another handler's look, with
 * that look held off: a look finds the innermost wrapper on the stack, which must be the one looked at.
 */
function lookedAt(handler: RouteHandler, fn: AnyFunction, self: unknown, args: ArrayLike<unknown>): unknown {
  const outer = looking;
  looking = handler.where === undefined ? handler : null;
  let undo: (() => void) | null = null;
  if (looking !== null && handler.probe !== null) {
    try {
      undo = handler.probe(args);
    } catch {
      // arguments of another shape: looked at as any handler
    }
  }
  try {
    return Reflect.apply(fn, self, args);
  } finally {
    if (undo !== null) {
      try {
        undo();
      } catch {
        // never disturb the program
      }
    }
    // Nothing heard of this run (no look was taken): the place its source gives, if it was noted
    // (writtenIn), else one run fewer to try.
    if (looking === handler) {
      looking = null;
      const where = placeWritten(fn);
      if (where !== null) handler.where = where;
      else if (--handler.looks <= 0) handler.where = null;
    }
    looking = outer;
  }
}

/** The look: called by the tracer's code that runs inside the handler while `looking` is set. */
export function lookAtHandler(): void {
  const handler = looking;
  if (handler === null) return;
  looking = null;
  try {
    const where = calledBy(lookAtHandler, HANDLER_FRAME);
    if (where !== undefined) handler.where = where;
    else if (--handler.looks <= 0) handler.where = null;
  } catch {
    handler.where = null;
  }
}

/** Where the handler that ran last for `task` (a request) begins, if known. */
export function handlerPlace(handler: object | null): CodeLocation | null {
  return handler !== null ? ((handler as RouteHandler).where ?? null) : null;
}

/** Where a route's function was given to its framework: the class that holds it, the program's files then on the stack. */
interface Written {
  owner: AnyFunction | null;
  files: string[];
  /** The function whose source is looked for: the route's own, or the one it was bound from. */
  source: AnyFunction;
}

/** Route functions whose place their source may give (see writtenIn), until looked for once. */
const written = new WeakMap<AnyFunction, Written>();
const functionToString = Function.prototype.toString;

/**
 * Notes where `fn`, a route's function that `owner` (a class, or null) holds, is being given to its
 * framework — the files of the program's code on the stack now (Nest's route decorators run inside
 * the controller's module, as the class is defined; fastify's `get` runs its router's `on` before
 * it returns) — so that a run of it the tracer hears nothing of can still be placed (placeWritten).
 * `source` is the function whose text is looked for: `fn` itself, or the program's function `fn` was
 * bound from (fastify calls `handler.bind(instance)`, whose own source is `[native code]`). One
 * stack read per route, as the program starts.
 */
export function writtenIn(
  fn: unknown,
  owner: unknown,
  skip: (...args: never[]) => unknown,
  source: unknown = fn,
): void {
  if (typeof fn !== 'function' || typeof source !== 'function' || written.has(fn as AnyFunction)) return;
  const files = programFiles(skip);
  if (files.length === 0) return;
  written.set(fn as AnyFunction, {
    owner: typeof owner === 'function' ? (owner as AnyFunction) : null,
    files,
    source: source as AnyFunction,
  });
}

/**
 * Where `fn` begins, read from the source of the files writtenIn noted (its text found there, inside
 * its class's, once only: sourceNames.ts positionInSource): for a run the tracer heard nothing of —
 * a method answering a plain value (`now() { return { now: true }; }`) runs no code of the tracer's
 * while its frame is on the stack, so no look can read that frame. Looked for once per function.
 */
function placeWritten(fn: AnyFunction): CodeLocation | null {
  const note = written.get(fn);
  if (note === undefined) return null;
  written.delete(fn);
  try {
    const inner = Reflect.apply(functionToString, note.source, []) as string;
    const outer = note.owner !== null ? (Reflect.apply(functionToString, note.owner, []) as string) : null;
    for (const file of note.files) {
      const at = positionInSource(file, outer, inner);
      if (at !== null)
        return placeInFile(
          file,
          at.line,
          at.column,
          typeof note.source.name === 'string' ? note.source.name : '',
          at.compiled,
        );
    }
  } catch {
    // a function whose source cannot be read (a proxy's, a bound one's): unplaced
  }
  return null;
}
