/**
 * User-named scopes: new AsyncResource('looplens:<name>') and runInAsyncScope.
 */
// Required, not imported as namespaces (see index.ts).
import asyncHooks = require('node:async_hooks');
import { Reason, TaskKind } from '../../protocol/format';
import { Strand, Task, current, enabled, enter, leave, probing, taskOf } from '../engine';
import { kTag, kTask, logResource, willRun } from '../dishes';
import { captureLocation } from '../locations';
import { testOf } from '../frameworks';
import { fullModeOn } from '../fullMode';
import { AnyFunction, Owned, callWith, copyProperties, replace } from './base';
import { childTask } from './http';

// ---------------------------------------------------------------------------------------------
// User-named scopes: new AsyncResource('looplens:<name>') is a task <name>; runInAsyncScope (and
// resource.bind) run as it.
//
// Any other AsyncResource runs its scope as the task whose code made it, as async_hooks say it
// does (full mode's init hook tags it so). Node's own modules took the class before the tracer
// loaded — its `queueMicrotask` (node:test starts its tests from it), node:test's tests, the
// worker pools' and HTTP clients' resources a library made from a class it extends — so the
// subclass below never sees them made. What every AsyncResource's constructor does see is the
// prototype chain: it stores its trigger id under a symbol of Node's, and a setter for that symbol
// on the base class's prototype is called for every resource made, whoever's class made it; it
// stores the id as the constructor would have (an own property, the same attributes) and tags the
// resource with the running task. `runInAsyncScope`, which Node's code calls through the prototype,
// then runs as that task.

type Scoped = Owned & { [kTag]?: Strand };

/**
 * Set while the patched `queueMicrotask` queues a callback (sources/ticks.ts binds it itself): its
 * resource needs no tag of its own.
 */
let quiet = false;
export function quietResources(on: boolean): void {
  quiet = on;
}
/** Whether the resource made now is such a one (full mode's init leaves it untagged too). */
export function resourcesQuiet(): boolean {
  return quiet;
}

/** A constructor that gives back its argument: a subclass's fields are then defined on that object. */
class ReturnsItsArgument {
  constructor(o: object) {
    return o as ReturnsItsArgument;
  }
}
/** The type of Node's trigger id symbol, found at run time (a class field's key must be a unique symbol). */
declare const _triggerKey: unique symbol;

/**
 * Tags each AsyncResource with the task that makes it (fast mode; full mode's init does it).
 * Returns the trigger id's symbol, or null when resources cannot be tagged so.
 */
function tagResources(Base: typeof asyncHooks.AsyncResource): symbol | null {
  let key: symbol | undefined;
  const sample = new Base('looplens', { requireManualDestroy: true });
  for (const own of Object.getOwnPropertySymbols(sample))
    if (own.description === 'trigger_async_id_symbol') key = own;
  const proto = Base.prototype as unknown as Record<symbol, unknown>;
  if (key === undefined || Object.getOwnPropertyDescriptor(proto, key) !== undefined) return null;
  const trigger = key as typeof _triggerKey;
  // The id is stored as the constructor's assignment would have stored it, an own data property
  // (writable, enumerable, configurable), by a class field's definition, which no setter sees:
  // one inline cache, where Object.defineProperty took V8's runtime (2.4 k instructions a
  // resource, one per request of express and koa).
  let id: unknown;
  class OwnId extends ReturnsItsArgument {
    [trigger] = id;
  }
  Object.defineProperty(proto, trigger, {
    configurable: true,
    enumerable: false,
    get: () => undefined,
    set(this: Scoped, value: unknown) {
      id = value;
      new OwnId(this);
      id = undefined;
      tagResource(this);
    },
  });
  return trigger;
}

/** A resource just made is the running task's work (see tagResources). */
function tagResource(resource: Scoped): void {
  if (current === null || quiet || !enabled || fullModeOn()) return;
  resource[kTag] = current.base;
  logResource(resource);
}

/**
 * The task a resource's scope runs as, in fast mode: its maker's. None after a request's response
 * (a pool's resource made by a request that is over runs for others, as full mode has it) — but
 * for Node's own microtask's (isNodeMicrotask), which runs once, in the drain it was
 * queued in, for the code that queued it, as a microtask the program queues does (sources/ticks.ts):
 * a web stream a request reads after its response calls `pull` from one. Nor during a connection's
 * read that no stint holds (its time goes to whoever it answers, engine.ts startProbe).
 */
function makerOf(resource: Scoped, base: object): Task | null {
  const tag = resource[kTag];
  if (tag === undefined || !enabled || fullModeOn() || (probing !== null && current === null)) return null;
  const task = taskOf(tag);
  if (task === null) return null;
  if (task.kind === TaskKind.Request && (task.ended || task.responded) && !isNodeMicrotask(resource, base))
    return null;
  return task;
}

/**
 * Whether `resource` is the one Node's own `queueMicrotask` makes for a callback: of Node's class
 * itself (the program's `new AsyncResource` makes the tracer's subclass, and a library's class
 * extends it), with the callback Node keeps on it (`resource.callback`). Node's other resources of
 * its class (an HTTP agent's queued request, `stream.finished`'s bound callback) keep none.
 */
function isNodeMicrotask(resource: Scoped, base: object): boolean {
  return (
    Object.getPrototypeOf(resource) === base &&
    typeof (resource as { callback?: unknown }).callback === 'function'
  );
}

export const SCOPE_PREFIX = 'looplens:';

export function patchAsyncResource(): void {
  const Base = asyncHooks.AsyncResource;
  // A subclass rather than a Proxy: every `new AsyncResource` (on-finished makes one per request
  // in express and koa) stays on V8's fast path; only a name with the prefix makes a task.
  class AsyncResource extends Base {
    constructor(type: string, options?: asyncHooks.AsyncResourceOptions) {
      super(type, options);
      if (tagsItself) tagResource(this);
      if (enabled && typeof type === 'string' && type.startsWith(SCOPE_PREFIX)) {
        (this as Owned)[kTask] = childTask(
          TaskKind.User,
          type.slice(SCOPE_PREFIX.length) || 'scope',
          captureLocation(AsyncResource as unknown as AnyFunction, true),
        );
      }
    }

    static bind<Func extends AnyFunction>(fn: Func, type?: string, thisArg?: unknown): Func {
      const resource = new AsyncResource(type || fn?.name || 'bound-anonymous-fn');
      return (resource.bind as (fn: AnyFunction, thisArg?: unknown) => AnyFunction)(fn, thisArg) as Func;
    }
  }
  // The resources the program makes through the patched class (on-finished makes one or two per
  // request in express and koa) are tagged by the constructor above, not by the setter on the base
  // class's prototype: a writable data property on this class's prototype shadows the setter, so
  // that the base constructor stores the trigger id the plain way. Through the setter, that store
  // (an inline cache that has seen many classes of resources) took V8's runtime, about 1.5 k
  // instructions a resource.
  const trigger = tagResources(Base);
  const tagsItself = trigger !== null;
  if (trigger !== null)
    Object.defineProperty(AsyncResource.prototype, trigger, {
      value: undefined,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  Object.defineProperty(AsyncResource, 'name', { value: Base.name });
  Object.defineProperty(AsyncResource, 'length', { value: Base.length });
  const run = Base.prototype.runInAsyncScope as AnyFunction;
  const patched = {
    // `a` has a default so that the wrapper's length is the original's (2) and copyProperties
    // leaves it alone: Function.prototype.bind stays on V8's fast path (on-finished binds it).
    runInAsyncScope(this: Scoped, fn: unknown, thisArg: unknown, a: unknown = undefined) {
      let task = this[kTask];
      if (task === undefined && enabled) {
        const test = testOf(this, fn);
        if (test !== null) task = this[kTask] = childTask(TaskKind.User, test.name, test.where);
      }
      let reason = Reason.Scope;
      if (task === undefined || !enabled) {
        // No scope of its own: its maker's, if it runs as one (makerOf), else nobody's.
        task = makerOf(this, Base.prototype) ?? undefined;
        reason = Reason.Resume;
        if (task === undefined) {
          // Without an arguments copy for the common arities (on-finished runs one per request).
          return arguments.length <= 3
            ? callWith(run, this, arguments.length, fn, thisArg, a)
            : Reflect.apply(run, this, arguments);
        }
        willRun(this);
      }
      enter(task, reason);
      try {
        return arguments.length <= 3
          ? callWith(run, this, arguments.length, fn, thisArg, a)
          : Reflect.apply(run, this, arguments);
      } finally {
        leave();
      }
    },
  }.runInAsyncScope;
  copyProperties(patched, run);
  replace(Base.prototype, 'runInAsyncScope', patched);
  replace(asyncHooks, 'AsyncResource', AsyncResource as unknown as AnyFunction);
  keepMicrotaskResources();
}

/**
 * Node's own `queueMicrotask` (the one its modules took before the tracer loaded: web streams call
 * a source's first `pull` from it, Blob, `events.addAbortListener`) runs its callback
 * through an AsyncResource, whose maker's task the callback then runs as (see tagResources). Node
 * 24 skips the resource when no AsyncLocalStorage holds a value in the running async context frame
 * and no async hook is enabled — fast mode, in a program with no AsyncLocalStorage — and queues the
 * bare callback: it ran in no stint, and so did everything it started (a web stream's first `pull`,
 * then each later one through the promise it chains; pull's work after its await, a gap of
 * untracked time). A store of the tracer's own in the frame the program starts in, which every
 * continuation, timer, tick and I/O callback made from there carries on, keeps Node on the path
 * that makes the resource, as Node 20 and 22 always are. Only where AsyncLocalStorage is built on
 * those frames (Node 24 by default). The other kind (24 with `--no-async-context-frame`) would enable
 * an async hook with promise hooks for the store, which costs what full mode costs; but Node's test
 * is only whether a hook is enabled, not what it does: an empty one that tracks no promises
 * (`trackPromises: false`, which Node 24.22 reads) is one, and turns on nothing else — no native
 * callbacks, no promise hooks (its counters of init, before, after and destroy callbacks stay 0).
 * Where Node ignores `trackPromises` (a 24 before it was read), an empty hook would install
 * promise hooks, so none is enabled there and Node's `queueMicrotask` skips the resource: a limit
 * (docs/lanes.md). Node 20 and 22 always make it.
 */
function keepMicrotaskResources(): void {
  // (Not read before 24: on 22 the getter loads a module, at the start, for nothing.)
  if (Number(process.versions.node.split('.')[0]) < 24) return;
  const Storage = asyncHooks.AsyncLocalStorage;
  // The async-hooks kind propagates its store from a hook (`_propagate`); the frame kind has none.
  if (typeof Storage !== 'function') return;
  if (!('_propagate' in Storage.prototype)) {
    new Storage<boolean>().enterWith(true);
    return;
  }
  if (readsTrackPromises())
    asyncHooks.createHook({ trackPromises: false } as asyncHooks.HookCallbacks).enable();
}

/**
 * Whether this Node reads `createHook`'s `trackPromises` (one that ignores it would give an empty
 * hook promise hooks): one that reads it checks it is a boolean.
 */
function readsTrackPromises(): boolean {
  try {
    asyncHooks.createHook({ trackPromises: 0 } as unknown as asyncHooks.HookCallbacks);
    return false;
  } catch {
    return true;
  }
}
