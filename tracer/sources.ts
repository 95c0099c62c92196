/**
 * Where tasks come from and where their stints begin, apart from promise continuations
 * (promises.ts). Each source is the cheapest mechanism that sees the event:
 *
 *  - incoming HTTP requests: diagnostics_channel `http.server.request.start` / `...response.finish`
 *    (every framework on node:http is covered, and nothing runs when nobody subscribes);
 *  - later events on a request or response (body data, 'finish'), on an outgoing request and on a
 *    worker: their `emit`, patched on the prototype;
 *  - timers and immediates: the global functions, wrapping the callback;
 *  - callback APIs of fs, dns, zlib, crypto and child_process: the callback is bound to the task
 *    that made the call (only when a task is running; otherwise the call passes straight through);
 *  - user-named scopes: `new AsyncResource('looplens:<name>')` and `runInAsyncScope`.
 *
 * Every patched function keeps the original's name, length and other own properties (such as
 * `util.promisify.custom`), passes `this` and all arguments through, and goes straight to the
 * original once the tracer is disabled.
 */
// The modules are required, not imported as namespaces: a bundled `import * as` is a copy, and the
// patches must land on the objects the program itself gets from require() and import.
import asyncHooks = require('node:async_hooks');
import childProcess = require('node:child_process');
import crypto = require('node:crypto');
import dc = require('node:diagnostics_channel');
import dns = require('node:dns');
import fs = require('node:fs');
import http = require('node:http');
import https = require('node:https');
import nodeModule = require('node:module');
import net = require('node:net');
import stream = require('node:stream');
import timers = require('node:timers');
import workerThreads = require('node:worker_threads');
import zlib = require('node:zlib');
import { Reason, TaskEnd, TaskKind } from '../protocol/format';
import {
  Task,
  current,
  depth,
  enabled,
  endTask,
  enter,
  endSoon,
  enterAgain,
  lateMs,
  leave,
  leaveSoon,
  markReady,
  newTask,
  now,
  renameTask,
  switchTo,
  taskOf,
} from './engine';
import { routeOf } from './frameworks';
import { Slot, kTask, regSlot, willRun } from './dishes';
import { writeBlockSample } from './blockSamples';
import { CodeLocation, captureLocation } from './locations';

const kWhere = Symbol('looplens.where');

/** On an outgoing request and its response: the slot of the code that made the request. */
const kSlot = Symbol('looplens.slot');

type Owned = { [kTask]?: Task; [kWhere]?: CodeLocation | null; [kSlot]?: Slot };
type AnyFunction = (...args: unknown[]) => unknown;

/** The originals, kept for the tracer's own use (its flush timer must not be traced). */
export const original = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  queueMicrotask: globalThis.queueMicrotask,
  nextTick: process.nextTick,
  Worker: workerThreads.Worker,
};

// ---------------------------------------------------------------------------------------------
// Stints that begin inside a callback the tracer does not wrap (the main script, a timer's
// callback). They last until that callback returns: a microtask queued when they begin runs right
// after it, ahead of the continuations the callback queued, and closes them — or the first tick
// the callback queued, which runs before any microtask (see bindToSlot).
// (A tick would do the same, but a pending tick makes Node run every later microtask from a
// JavaScript frame of its own, which shows up in the stack traces of errors made there.)

let macroOpen = false;
/** The main script's first stint (its top level) is still running. */
let topLevel = false;

function openMacro(task: Task, reason: number, time = -1): void {
  if (depth() > 0) {
    switchTo(task, reason);
    return;
  }
  enter(task, reason, false, time);
  macroOpen = true;
  original.queueMicrotask(closeMacro);
}

function closeMacro(): void {
  topLevel = false;
  if (!macroOpen) return;
  macroOpen = false;
  while (depth() > 0) leave();
}

/** The program's top-level code is the main task's first stint. */
export function startMain(where: CodeLocation | null, name: string): Task {
  const main = newTask(TaskKind.Main, null, name, 0, where);
  openMacro(main, Reason.Start);
  topLevel = true;
  return main;
}

// ---------------------------------------------------------------------------------------------
// Wrapping helpers

function copyProperties(target: AnyFunction, source: AnyFunction): void {
  try {
    Object.defineProperties(target, Object.getOwnPropertyDescriptors(source));
  } catch {
    // a frozen or exotic function: keep going without its properties
  }
}

/**
 * Calls `fn` on `self` with the first `count` (at most 3) of `a`, `b`, `c`: the hot paths (ticks,
 * scopes) pass their arguments on without materialising an arguments object.
 */
function callWith(
  fn: AnyFunction,
  self: unknown,
  count: number,
  a?: unknown,
  b?: unknown,
  c?: unknown,
): unknown {
  switch (count) {
    case 0:
      return fn.call(self);
    case 1:
      return fn.call(self, a);
    case 2:
      return fn.call(self, a, b);
    default:
      return fn.call(self, a, b, c);
  }
}

/** A function that runs `fn` as a stint of the task of `slot` (dishes.ts may re-point it). */
function bindToSlot(slot: Slot, fn: AnyFunction, reason: number): AnyFunction {
  return function (this: unknown) {
    // A tick runs after the callback that queued it but before the microtask that ends that
    // callback's stint: the stint is over, and must be sorted before the tick's work runs.
    if (macroOpen) closeMacro();
    const task = enabled ? taskOf(slot.r) : null;
    if (task === null) return Reflect.apply(fn, this, arguments);
    willRun(slot);
    enter(task, reason);
    try {
      return Reflect.apply(fn, this, arguments);
    } finally {
      leave();
    }
  };
}

function replace(target: object, key: string, value: AnyFunction): void {
  try {
    Object.defineProperty(target, key, {
      value,
      writable: true,
      configurable: true,
      enumerable: Object.getOwnPropertyDescriptor(target, key)?.enumerable ?? false,
    });
  } catch {
    // not replaceable: leave it alone
  }
}

// ---------------------------------------------------------------------------------------------
// Timers and immediates

/**
 * The slot a new timer's callback runs through. A timer belongs to the task that set it — except
 * one the script's top level sets (the module's own code, before its first await): the script
 * has ended by the time it fires, so it is a job of its own, named after its callback and made
 * when it first fires (a timer cleared before it fires makes no lane). Not when the code that set
 * it turns out to be a dish's (see dishes.ts), nor when the callback is a promise's own resolve
 * function (`new Promise((resolve) => setTimeout(resolve, ms))`: the script waiting). Untracked
 * code's timers stay untracked.
 */
function timerSlot(kind: TaskKind, callback: AnyFunction, skip: AnyFunction): Slot | null {
  const slot = regSlot();
  if (slot === null || !topLevel || current!.kind !== TaskKind.Main || isNative(callback)) return slot;
  slot.lazy = {
    kind,
    name: callback.name !== '' ? callback.name : kind === TaskKind.Timer ? 'timer' : 'immediate',
    where: captureLocation(skip),
    time: now(),
  };
  return slot;
}

/** The task a slot's callback runs as, making the lazy task of a script's timer the first time. */
function slotTask(slot: Slot): Task | null {
  const lazy = slot.lazy;
  if (lazy !== null) {
    slot.lazy = null;
    const parent = taskOf(slot.r);
    slot.r = newTask(lazy.kind, parent, lazy.name, 0, lazy.where, lazy.time).base;
  }
  return taskOf(slot.r);
}

const functionToString = Function.prototype.toString;
function isNative(fn: AnyFunction): boolean {
  try {
    return functionToString.call(fn).endsWith('{ [native code] }');
  } catch {
    return false;
  }
}

/** Node's own rule for a timer's delay: anything but 1..TIMEOUT_MAX ms becomes 1 ms. */
const TIMEOUT_MAX = 2 ** 31 - 1;
function timerDelay(value: unknown): number {
  const ms = Number(value);
  return ms >= 1 && ms <= TIMEOUT_MAX ? ms : 1;
}

/**
 * Timers and immediates run their callbacks without a tracer frame around them: Node calls the
 * callback straight from its own code, so a stack trace from inside it is exactly the untraced one.
 * The tracer learns that a timer fires from Node reading the callback's arguments (`_timerArgs`,
 * `_argv`), which it does once, right before the call; a microtask queued then runs right after the
 * callback returns (Node runs microtasks between timers) and ends the stint. A timer that fires
 * noticeably after it was due shows its task ready but not running for that time.
 */
const TIMER_ARGS = { timer: '_timerArgs', immediate: '_argv' } as const;

function watchFiring(
  handle: object,
  key: string,
  slot: Slot,
  delay: number,
  repeat: boolean,
  reason: number,
): void {
  let args = (handle as Record<string, unknown>)[key];
  let due = delay >= 0 ? now() + delay : -1;
  const descriptor = Object.getOwnPropertyDescriptor(handle, key);
  if (descriptor === undefined || !descriptor.configurable) return;
  Object.defineProperty(handle, key, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      if (enabled) fired(slot, due, reason);
      if (repeat && due >= 0) due = now() + delay;
      return args;
    },
    set(value: unknown) {
      args = value;
    },
  });
}

function fired(slot: Slot, due: number, reason: number): void {
  const task = slotTask(slot);
  if (task === null) return;
  const t = now();
  if (due >= 0 && t - due > lateMs) markReady(task, due);
  willRun(slot);
  openMacro(task, reason, t);
}

function patchTimer(
  name: 'setTimeout' | 'setInterval' | 'setImmediate',
  kind: TaskKind,
  reason: number,
): void {
  const fn = globalThis[name] as unknown as AnyFunction;
  const repeat = name === 'setInterval';
  const key = kind === TaskKind.Timer ? TIMER_ARGS.timer : TIMER_ARGS.immediate;
  const patched = {
    [name](this: unknown, callback: unknown, delay?: unknown) {
      const handle: unknown = Reflect.apply(fn, this, arguments);
      if (enabled && typeof callback === 'function' && typeof handle === 'object' && handle !== null) {
        const slot = timerSlot(kind, callback as AnyFunction, patched);
        if (slot !== null) {
          watchFiring(handle, key, slot, kind === TaskKind.Timer ? timerDelay(delay) : -1, repeat, reason);
        }
      }
      return handle;
    },
  }[name];
  copyProperties(patched, fn);
  replace(globalThis, name, patched);
  replace(timers, name, patched);
}

// ---------------------------------------------------------------------------------------------
// Callback APIs: the callback (the last argument) runs as the task that made the call.

function patchCallbackApi(target: object, key: string): void {
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== 'function') return;
  const originalFn = fn as AnyFunction;
  const patched = {
    [key](this: unknown) {
      const last = arguments.length - 1;
      if (current === null || !enabled || last < 0 || typeof arguments[last] !== 'function') {
        return Reflect.apply(originalFn, this, arguments);
      }
      const args = Array.prototype.slice.call(arguments);
      args[last] = bindToSlot(regSlot()!, args[last] as AnyFunction, Reason.Io);
      return Reflect.apply(originalFn, this, args);
    },
  }[key];
  copyProperties(patched, originalFn);
  replace(target, key, patched);
}

const CALLBACK_APIS: ReadonlyArray<readonly [object, readonly string[]]> = [
  [
    fs,
    [
      'access',
      'appendFile',
      'chmod',
      'chown',
      'close',
      'copyFile',
      'cp',
      'fchmod',
      'fchown',
      'fdatasync',
      'fstat',
      'fsync',
      'ftruncate',
      'futimes',
      'lchown',
      'link',
      'lstat',
      'lutimes',
      'mkdir',
      'mkdtemp',
      'open',
      'opendir',
      'read',
      'readdir',
      'readFile',
      'readlink',
      'readv',
      'realpath',
      'rename',
      'rm',
      'rmdir',
      'stat',
      'statfs',
      'symlink',
      'truncate',
      'unlink',
      'utimes',
      'write',
      'writeFile',
      'writev',
    ],
  ],
  [
    dns,
    [
      'lookup',
      'lookupService',
      'resolve',
      'resolve4',
      'resolve6',
      'resolveAny',
      'resolveCname',
      'resolveMx',
      'resolveNs',
      'resolveSrv',
      'resolveTxt',
      'reverse',
    ],
  ],
  [
    zlib,
    [
      'deflate',
      'deflateRaw',
      'gzip',
      'gunzip',
      'inflate',
      'inflateRaw',
      'unzip',
      'brotliCompress',
      'brotliDecompress',
    ],
  ],
  [
    crypto,
    [
      'randomBytes',
      'randomFill',
      'pbkdf2',
      'scrypt',
      'generateKeyPair',
      'generatePrime',
      'hkdf',
      'randomInt',
    ],
  ],
  [childProcess, ['exec', 'execFile']],
];

// ---------------------------------------------------------------------------------------------
// Slow synchronous calls: time spent inside one native call cannot be sampled (the main thread
// serves no interrupt until the call returns), so the calls that commonly block a server time
// themselves. A call that takes a noticeable part of the block threshold captures where it was
// called from — once it has returned, so a fast call costs two clock reads.

let slowCallMs = 25;

export function setSlowCallThreshold(blockMs: number): void {
  slowCallMs = blockMs / 2;
}

function patchSyncApi(target: object, key: string, label: string, worth?: (first: unknown) => boolean): void {
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== 'function') return;
  const originalFn = fn as AnyFunction;
  const patched = {
    [key](this: unknown, a: unknown, b: unknown) {
      if (!enabled || (worth !== undefined && !worth(a))) return Reflect.apply(originalFn, this, arguments);
      const started = now();
      try {
        // Without Reflect.apply for the common arities: JSON.parse is on every request's path.
        if (arguments.length === 1) return originalFn.call(this, a);
        if (arguments.length === 2) return originalFn.call(this, a, b);
        return Reflect.apply(originalFn, this, arguments);
      } finally {
        const took = now() - started;
        if (took >= slowCallMs && enabled) reportSlowCall(label, started, took, patched);
      }
    },
  }[key];
  copyProperties(patched, originalFn);
  replace(target, key, patched);
}

function reportSlowCall(label: string, started: number, took: number, skip: AnyFunction): void {
  const where = captureLocation(skip, true);
  if (where === null) return;
  const frame = {
    name: label,
    file: where.file,
    line: where.line,
    column: where.column,
    weightUs: took * 1000,
  };
  writeBlockSample(started, current !== null ? current.id : 0, took, 1, [frame]);
}

const SYNC_APIS: ReadonlyArray<readonly [object, string, readonly string[]]> = [
  [
    fs,
    'fs',
    [
      'readFileSync',
      'writeFileSync',
      'appendFileSync',
      'readdirSync',
      'statSync',
      'lstatSync',
      'existsSync',
      'copyFileSync',
      'cpSync',
      'rmSync',
      'mkdirSync',
      'readSync',
      'writeSync',
      'fsyncSync',
      'openSync',
    ],
  ],
  [
    crypto,
    'crypto',
    ['pbkdf2Sync', 'scryptSync', 'randomFillSync', 'generateKeyPairSync', 'generatePrimeSync', 'hkdfSync'],
  ],
  [
    zlib,
    'zlib',
    [
      'deflateSync',
      'deflateRawSync',
      'gzipSync',
      'gunzipSync',
      'inflateSync',
      'inflateRawSync',
      'unzipSync',
      'brotliCompressSync',
      'brotliDecompressSync',
    ],
  ],
  [childProcess, 'child_process', ['execSync', 'execFileSync', 'spawnSync']],
];

/**
 * JSON.parse is on every request's path, so only a text big enough to take a noticeable time is
 * timed (parsing runs at a few hundred MB/s: 64 KiB is a fraction of a millisecond). JSON.stringify
 * is not timed: its input's size is unknown up front; the watchdog's samples point next to it.
 */
const BIG_JSON = 64 * 1024;
export const bigText = (text: unknown): boolean => typeof text === 'string' && text.length >= BIG_JSON;

// ---------------------------------------------------------------------------------------------
// HTTP

function requestName(req: http.IncomingMessage): string {
  const method = typeof req.method === 'string' ? req.method : 'REQUEST';
  let path = typeof req.url === 'string' ? req.url : '/';
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  const fragment = path.indexOf('#');
  if (fragment >= 0) path = path.slice(0, fragment);
  if (path.length > 200) path = `${path.slice(0, 200)}…`;
  return `${method} ${path}`;
}

function onRequestStart(message: unknown): void {
  if (!enabled) return;
  const { request, response, server } = message as {
    request: http.IncomingMessage & Owned;
    response: http.ServerResponse & Owned;
    server: net.Server & Owned;
  };
  const where = server?.[kWhere] ?? null;
  const t = now();
  const task = newTask(TaskKind.Request, null, requestName(request), 0, where, t);
  request[kTask] = task;
  response[kTask] = task;
  // Its first stint is the server's 'request' event, which follows at once (see patchServerEmit):
  // it begins at the same clock reading.
  startedTask = task;
  startedAt = t;
}
let startedTask: Task | null = null;
let startedAt = -1;

/**
 * The handlers of an incoming request run inside the server's emit('request'): that call is the
 * request's first stint, measured exactly, with no tick or microtask queued to find its end.
 */
function patchServerEmit(proto: object): void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  function emit(this: unknown, event: unknown, request: unknown) {
    const next = ownEmit ?? parent.emit;
    const task = event === 'request' && enabled ? (request as Owned | undefined)?.[kTask] : undefined;
    if (task === undefined) return Reflect.apply(next, this, arguments);
    enter(task, Reason.Request, false, task === startedTask ? startedAt : -1);
    startedTask = null;
    try {
      return Reflect.apply(next, this, arguments);
    } finally {
      leave();
    }
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
}

function finishRequest(response: Owned, how: TaskEnd): void {
  const task = response[kTask];
  if (task === undefined || task.ended) return;
  nameByRoute(task, (response as { req?: unknown }).req);
  task.ended = true;
  endTask(task, how);
}

function onResponseFinish(message: unknown): void {
  if (!enabled) return;
  finishRequest((message as { response: Owned }).response, TaskEnd.Finished);
}

/** Names a request by its route where the framework knows it (`GET /products/:id`). */
function nameByRoute(task: Task, request: unknown): void {
  if (typeof request !== 'object' || request === null) return;
  const route = routeOf(request as http.IncomingMessage);
  if (route === null) return;
  const method = (request as http.IncomingMessage).method;
  const name = `${typeof method === 'string' ? method : 'REQUEST'} ${route}`;
  if (name !== task.name) renameTask(task, name.length > 200 ? `${name.slice(0, 200)}…` : name, null);
}

function onClientRequestStart(message: unknown): void {
  if (!enabled || current === null) return;
  const slot = regSlot();
  if (slot !== null) (message as { request: Owned }).request[kSlot] = slot;
}

/** The task an object's events run as: its own (an incoming request), or its maker's (an outgoing one). */
function ownerOf(self: Owned): Task | undefined {
  const task = self[kTask];
  if (task !== undefined) return task;
  const slot = self[kSlot];
  return slot !== undefined ? (taskOf(slot.r) ?? undefined) : undefined;
}

/** Whether an emitter has listeners for `event` (EventEmitter keeps them in `_events`). */
function hasListeners(emitter: object, event: unknown): boolean {
  const events = (emitter as { _events?: Record<string | symbol, unknown> })._events;
  if (events === undefined || events === null) return true;
  return (typeof event === 'string' || typeof event === 'symbol') && events[event] !== undefined;
}

/**
 * Runs an object's events as stints of the task that owns the object, when anything listens to
 * them. `onEvent` sees each event first (to tag a response, to notice an aborted request). Events
 * after the task's work is done (a socket closing after the response) are not the task's work.
 */
function patchEmit(proto: object, reason: number, onEvent?: (self: Owned, args: IArguments) => void): void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  // The hot path (an object with no task, or the task already running) passes the arguments on
  // exactly as given, without Reflect.apply: streams emit many events per request.
  function forward(self: Owned, args: IArguments): unknown {
    const next = ownEmit ?? parent.emit;
    switch (args.length) {
      case 1:
        return next.call(self, args[0]);
      case 2:
        return next.call(self, args[0], args[1]);
      case 3:
        return next.call(self, args[0], args[1], args[2]);
      default:
        return Reflect.apply(next, self, args);
    }
  }
  function emit(this: Owned, event: unknown) {
    const task = this[kTask];
    if (task === undefined || task === current || !enabled) return forward(this, arguments);
    if (onEvent !== undefined) onEvent(this, arguments);
    if (task.ended || !hasListeners(this, event)) return forward(this, arguments);
    enter(task, reason);
    try {
      return forward(this, arguments);
    } finally {
      leave();
    }
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
}

/**
 * The events of a request, a response or an outgoing request run as stints of its task. The
 * listeners are wrapped when they are added (a `listener` property keeps removeListener and
 * listeners() working as for `once`), rather than patching `emit`: streams emit many events per
 * request, mostly to nobody, and an own `emit` on these prototypes slows every one of them.
 * Only the events that run a task's own work are wrapped: the body of an incoming request, the
 * answer to an outgoing one. (A response's 'finish' and 'close' listeners are bookkeeping that
 * frameworks add to every request: wrapping them would cost every request for little.) Events
 * after the task's work was done are not its stints.
 */
const BODY_EVENTS: ReadonlySet<string> = new Set(['data', 'end', 'readable', 'error']);
const RESPONSE_EVENTS: ReadonlySet<string> = new Set(['response', 'error', 'timeout']);
const LISTEN_METHODS = ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const;

function patchListeners(
  proto: object,
  events: ReadonlySet<string>,
  reason: number,
  onEvent?: (self: Owned, event: unknown, args: IArguments) => void,
): void {
  for (const method of LISTEN_METHODS) {
    const add = (proto as Record<string, unknown>)[method];
    if (typeof add !== 'function') continue;
    const originalAdd = add as AnyFunction;
    const patched = {
      [method](this: Owned, event: unknown, listener: unknown) {
        if (
          (this[kTask] === undefined && this[kSlot] === undefined) ||
          !enabled ||
          typeof listener !== 'function' ||
          !events.has(event as string)
        ) {
          return Reflect.apply(originalAdd, this, arguments);
        }
        const inner = listener as AnyFunction;
        const owner: Owned = { [kTask]: this[kTask], [kSlot]: this[kSlot] };
        const wrapped = function (this: Owned) {
          if (onEvent !== undefined) onEvent(this, event, arguments);
          const task = ownerOf(owner);
          if (!enabled || task === undefined || task.ended || task === current)
            return Reflect.apply(inner, this, arguments);
          enter(task, reason);
          try {
            return Reflect.apply(inner, this, arguments);
          } finally {
            leave();
          }
        };
        (wrapped as unknown as { listener: AnyFunction }).listener = inner;
        return originalAdd.call(this, event, wrapped);
      },
    }[method];
    copyProperties(patched, originalAdd);
    replace(proto, method, patched);
  }
}

function patchListen(): void {
  const listen = net.Server.prototype.listen as unknown as AnyFunction;
  const patched = function listenWithLocation(this: net.Server & Owned) {
    if (!enabled) return Reflect.apply(listen, this, arguments);
    if (arguments.length === 0) return Reflect.apply(listen, this, arguments);
    if (this[kWhere] === undefined) this[kWhere] = captureLocation(patched, true);
    const last = arguments.length - 1;
    if (current === null || last < 0 || typeof arguments[last] !== 'function') {
      return Reflect.apply(listen, this, arguments);
    }
    // The 'listening' callback is the caller's work (it usually goes on to start things).
    const args = Array.prototype.slice.call(arguments);
    args[last] = bindToSlot(regSlot()!, args[last] as AnyFunction, Reason.Event);
    return Reflect.apply(listen, this, args);
  };
  copyProperties(patched, listen);
  replace(net.Server.prototype, 'listen', patched);
}

/**
 * A task made by the code running now (a worker, a named scope), child of the running task — or of
 * the dish that code turns out to belong to at the end of the stint (dishes.ts re-parents it).
 */
function childTask(kind: TaskKind, name: string, where: CodeLocation | null): Task {
  const slot = regSlot();
  const task = newTask(kind, current, name, 0, where);
  if (slot !== null) slot.child = task;
  return task;
}

// ---------------------------------------------------------------------------------------------
// Ticks and microtasks queued by the code of a task are that task's work.

/**
 * Signal listeners on `process` run as the task that added them (the script, usually): a server's
 * shutdown is its own work, not untracked code.
 */
const SIGNALS: ReadonlySet<string> = new Set([
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'SIGUSR1',
  'SIGUSR2',
]);

function patchProcessSignals(): void {
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
    const add = (process as unknown as Record<string, unknown>)[method];
    if (typeof add !== 'function') continue;
    const originalAdd = add as AnyFunction;
    const patched = {
      [method](this: unknown, event: unknown, listener: unknown) {
        if (!enabled || current === null || typeof listener !== 'function' || !SIGNALS.has(event as string))
          return Reflect.apply(originalAdd, this, arguments);
        const inner = listener as AnyFunction;
        const wrapped = bindToSlot(regSlot()!, inner, Reason.Event);
        (wrapped as unknown as { listener: AnyFunction }).listener = inner;
        return originalAdd.call(this, event, wrapped);
      },
    }[method];
    copyProperties(patched, originalAdd);
    replace(process, method, patched);
  }
}

/** Ticks bound by bindTick, queued and not run yet. */
let ticksQueued = 0;

/**
 * A tick or microtask callback, bound to the slot of the code that queued it. It runs in the same
 * turn as that code, most often right after the stint that queued it: then it continues that stint
 * (engine.ts enterAgain) without a clock read or a record.
 */
function bindTick(slot: Slot, fn: AnyFunction, tick: boolean): AnyFunction {
  return function (this: unknown, a: unknown, b: unknown) {
    if (macroOpen) closeMacro();
    const task = enabled ? taskOf(slot.r) : null;
    if (tick && --ticksQueued <= 0) {
      ticksQueued = 0;
      if (task === null) endSoon();
    }
    if (task === null) return Reflect.apply(fn, this, arguments);
    willRun(slot);
    enterAgain(task, Reason.Resume);
    try {
      // Without an arguments copy for the common arities: a busy server runs many ticks.
      return arguments.length <= 2
        ? callWith(fn, this, arguments.length, a, b)
        : Reflect.apply(fn, this, arguments);
    } finally {
      // With more of these ticks queued, the drain goes on: the next one dates this one's end.
      if (tick && ticksQueued > 0) leaveSoon();
      else leave();
    }
  };
}

function patchQueue(target: object, key: 'nextTick' | 'queueMicrotask'): void {
  const fn = (target as Record<string, unknown>)[key] as AnyFunction;
  if (typeof fn !== 'function') return;
  const patched = {
    [key](this: unknown, callback: unknown, a: unknown, b: unknown) {
      if (current === null || !enabled || typeof callback !== 'function')
        return Reflect.apply(fn, this, arguments);
      const tick = key === 'nextTick';
      if (tick) ticksQueued++;
      const bound = bindTick(regSlot()!, callback as AnyFunction, tick);
      // Without Reflect.apply and an arguments copy for the common arities: streams tick a lot.
      if (arguments.length <= 3) return callWith(fn, this, arguments.length, bound, a, b);
      const args = Array.prototype.slice.call(arguments);
      args[0] = bound;
      return Reflect.apply(fn, this, args);
    },
  }[key];
  copyProperties(patched, fn);
  replace(target, key, patched);
}

// ---------------------------------------------------------------------------------------------
// Streams piped by a task (a file through gzip into a response) are its work: the data flows from
// callbacks the runtime makes (a read done, a chunk compressed), each pushing into the next stream.
// A push into a stream of the pipe, from code that runs for no task, runs as the task that piped.

const kStream = Symbol('looplens.stream');
type Piped = { [kStream]?: Slot };

function patchStreams(): void {
  const proto = stream.Readable.prototype as unknown as Record<string, AnyFunction>;
  const pipe = proto.pipe;
  const push = proto.push;
  if (typeof pipe !== 'function' || typeof push !== 'function') return;
  const patchedPipe = {
    pipe(this: Piped, dest: unknown) {
      if (enabled && current !== null) {
        const slot = regSlot();
        if (slot !== null) {
          this[kStream] = slot;
          if (typeof dest === 'object' && dest !== null && (dest as Piped)[kStream] === undefined)
            (dest as Piped)[kStream] = slot;
        }
      }
      return Reflect.apply(pipe, this, arguments);
    },
  }.pipe;
  const patchedPush = {
    push(this: Piped, chunk: unknown) {
      const slot = this[kStream];
      if (slot === undefined || current !== null || !enabled) {
        return arguments.length === 1 ? push.call(this, chunk) : Reflect.apply(push, this, arguments);
      }
      const task = taskOf(slot.r);
      if (task === null || task.ended) return Reflect.apply(push, this, arguments);
      enter(task, Reason.Io);
      try {
        return Reflect.apply(push, this, arguments);
      } finally {
        leave();
      }
    },
  }.push;
  copyProperties(patchedPipe as AnyFunction, pipe);
  copyProperties(patchedPush as AnyFunction, push);
  replace(proto, 'pipe', patchedPipe as AnyFunction);
  replace(proto, 'push', patchedPush as AnyFunction);
}

// ---------------------------------------------------------------------------------------------
// Workers: the main thread's side of a worker (its messages and events) is a task.

function patchWorker(): void {
  const Worker = workerThreads.Worker;
  const proxy = new Proxy(Worker, {
    construct(target, args, newTarget) {
      const worker = Reflect.construct(target, args, newTarget) as Owned;
      if (enabled) {
        try {
          const file = args[0];
          const name =
            typeof file === 'string'
              ? `worker ${file.length > 80 ? 'eval' : (file.split(/[\\/]/).pop() ?? file)}`
              : file instanceof URL
                ? `worker ${file.pathname.split('/').pop()}`
                : 'worker';
          worker[kTask] = childTask(
            TaskKind.Worker,
            name,
            captureLocation(proxy as unknown as AnyFunction, true),
          );
        } catch {
          // never disturb the program
        }
      }
      return worker;
    },
  });
  patchEmit(Worker.prototype, Reason.Message);
  replace(workerThreads, 'Worker', proxy as unknown as AnyFunction);
}

// ---------------------------------------------------------------------------------------------
// User-named scopes: new AsyncResource('looplens:<name>') is a task <name>; runInAsyncScope (and
// resource.bind) run as it.

const SCOPE_PREFIX = 'looplens:';

function patchAsyncResource(): void {
  const Base = asyncHooks.AsyncResource;
  // A subclass rather than a Proxy: every `new AsyncResource` (on-finished makes one per request
  // in express and koa) stays on V8's fast path; only a name with the prefix makes a task.
  class AsyncResource extends Base {
    constructor(type: string, options?: asyncHooks.AsyncResourceOptions) {
      super(type, options);
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
  Object.defineProperty(AsyncResource, 'name', { value: Base.name });
  Object.defineProperty(AsyncResource, 'length', { value: Base.length });
  const run = Base.prototype.runInAsyncScope as AnyFunction;
  const patched = {
    runInAsyncScope(this: Owned, fn: unknown, thisArg: unknown, a: unknown) {
      const task = this[kTask];
      if (task === undefined || !enabled) {
        // Without an arguments copy for the common arities (on-finished runs one per request).
        return arguments.length <= 3
          ? callWith(run, this, arguments.length, fn, thisArg, a)
          : Reflect.apply(run, this, arguments);
      }
      enter(task, Reason.Scope);
      try {
        return Reflect.apply(run, this, arguments);
      } finally {
        leave();
      }
    },
  }.runInAsyncScope;
  copyProperties(patched, run);
  replace(Base.prototype, 'runInAsyncScope', patched);
  replace(asyncHooks, 'AsyncResource', AsyncResource as unknown as AnyFunction);
}

// ---------------------------------------------------------------------------------------------

const subscriptions: Array<[string, (message: unknown) => void]> = [
  ['http.server.request.start', onRequestStart],
  ['http.server.response.finish', onResponseFinish],
  ['http.client.request.start', onClientRequestStart],
];

export function startSources(): void {
  for (const [name, handler] of subscriptions) dc.channel(name).subscribe(handler);
  patchListen();
  patchServerEmit(http.Server.prototype);
  if (https.Server.prototype !== http.Server.prototype && !(https.Server.prototype instanceof http.Server)) {
    patchServerEmit(https.Server.prototype);
  }
  patchListeners(http.IncomingMessage.prototype, BODY_EVENTS, Reason.Event);
  patchListeners(http.ClientRequest.prototype, RESPONSE_EVENTS, Reason.Io, (self, event, args) => {
    if (event === 'response' && typeof args[0] === 'object' && args[0] !== null)
      (args[0] as Owned)[kSlot] = self[kSlot];
  });
  patchTimer('setTimeout', TaskKind.Timer, Reason.Timer);
  patchTimer('setInterval', TaskKind.Timer, Reason.Timer);
  patchTimer('setImmediate', TaskKind.Immediate, Reason.Immediate);
  for (const [target, keys] of CALLBACK_APIS) for (const key of keys) patchCallbackApi(target, key);
  for (const [target, label, keys] of SYNC_APIS)
    for (const key of keys) patchSyncApi(target, key, `${label}.${key}`);
  patchWorker();
  patchAsyncResource();
  patchQueue(process, 'nextTick');
  patchStreams();
  patchProcessSignals();
  patchQueue(globalThis, 'queueMicrotask');
  // ES modules that import these names get the patched functions too.
  nodeModule.syncBuiltinESMExports();
}

export function stopSources(): void {
  for (const [name, handler] of subscriptions) {
    try {
      dc.channel(name).unsubscribe(handler);
    } catch {
      // already gone
    }
  }
}
