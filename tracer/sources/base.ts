/**
 * What every source of work shares: the originals of what the tracer patches, the stint of a
 * callback the tracer does not wrap (the main script's top level), and the helpers that wrap a
 * function without changing what the program sees of it.
 */
import type * as workerThreads from 'node:worker_threads';
import { Reason, TaskKind } from '../../protocol/format';
import {
  Task,
  current,
  depth,
  enabled,
  enter,
  isSyncFunction,
  leave,
  polledNow,
  queueOwnMicrotask,
  switchTo,
  runsAs,
} from '../engine';
import { newTask } from '../tasks';
import { Slot, kTask, willRun } from '../dishes';
import { claimHeld, heldWatch } from '../dishSort';
import { CodeLocation } from '../locations';

export const kWhere = Symbol('looplens.where');

/** On an outgoing request and its response: the slot of the code that made the request. */
export const kSlot = Symbol('looplens.slot');

export type Owned = { [kTask]?: Task; [kWhere]?: CodeLocation | null; [kSlot]?: Slot };
export type AnyFunction = (...args: unknown[]) => unknown;

/** The originals, kept for the tracer's own use (its flush timer must not be traced). */
export const original = {
  setTimeout: globalThis.setTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  queueMicrotask: globalThis.queueMicrotask,
  nextTick: process.nextTick,
  // node:worker_threads' own, set as it is patched (workers.ts) when it loads: by the program, or
  // by the block sampler's start (watchdog.ts), not before the program's first line.
  Worker: null as typeof workerThreads.Worker | null,
  MessageChannel: null as typeof workerThreads.MessageChannel | null,
};

// ---------------------------------------------------------------------------------------------
// Stints that begin inside a callback the tracer does not wrap (the main script, a timer's
// callback). They last until that callback returns: a microtask queued when they begin runs right
// after it, ahead of the continuations the callback queued, and closes them — or the first tick
// the callback queued, which runs before any microtask (see bindToSlot).
// (A tick would do the same, but a pending tick makes Node run every later microtask from a
// JavaScript frame of its own, which shows up in the stack traces of errors made there.)

export let macroOpen = false;
/** The main script's first stint (its top level) is still running. */
export let topLevel = false;

export function openMacro(task: Task, reason: number, time = -1, sync = false, dispatch = false): void {
  if (depth() > 0) {
    switchTo(task, reason, sync, dispatch);
    return;
  }
  // Queued before the stint begins, while no task runs: the tracer's own microtask is no promise
  // of the task's (engine.ts queueOwnMicrotask).
  queueOwnMicrotask(closeMacro);
  enter(task, reason, false, time, sync, dispatch);
  macroOpen = true;
}

export function closeMacro(): void {
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

/**
 * Gives a wrapper the original's own properties. Its `name` and `length` are defined only where
 * they differ: a function whose `name` or `length` was redefined is one V8's fast
 * `Function.prototype.bind` refuses (it copies them the slow way, 4 k instructions a bind), and
 * on-finished binds the patched `runInAsyncScope` on every request of express and koa.
 */
export function copyProperties(target: AnyFunction, source: AnyFunction): void {
  try {
    // Key by key, not `Object.defineProperties(target, Object.getOwnPropertyDescriptors(source))`:
    // no object of all the descriptors to build and walk again (the start patches some 60 functions
    // of fs alone: 0.4 M instructions of it).
    for (const key of Reflect.ownKeys(source)) {
      const theirs = Reflect.getOwnPropertyDescriptor(source, key)!;
      if (key === 'name' || key === 'length') {
        const mine = Reflect.getOwnPropertyDescriptor(target, key);
        if (
          mine !== undefined &&
          Object.is(mine.value, theirs.value) &&
          mine.writable === theirs.writable &&
          mine.enumerable === theirs.enumerable &&
          mine.configurable === theirs.configurable
        )
          continue;
      }
      Reflect.defineProperty(target, key, theirs);
    }
  } catch {
    // a frozen or exotic function: keep going without its properties
  }
}

/**
 * Calls `fn` on `self` with the first `count` (at most 3) of `a`, `b`, `c`: the hot paths pass
 * their arguments on without materialising an arguments object. (`Reflect.apply(fn, this,
 * arguments)` makes one: in a wrapper the program calls all the time, process.nextTick say, it
 * cost more than the wrapped function.)
 */
export function callWith(
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
export function bindToSlot(slot: Slot, fn: AnyFunction, reason: number): AnyFunction {
  return function (this: unknown, a: unknown, b: unknown, c: unknown) {
    // A tick runs after the callback that queued it but before the microtask that ends that
    // callback's stint: the stint is over, and must be sorted before the tick's work runs.
    if (macroOpen) closeMacro();
    if (heldWatch > 0) claimHeld(slot);
    const task = enabled ? runsAs(slot.r) : null;
    if (task === null)
      return arguments.length <= 3
        ? callWith(fn, this, arguments.length, a, b, c)
        : Reflect.apply(fn, this, arguments);
    willRun(slot);
    // An I/O callback (a callback API's, sources/callbacks.ts and zlib.ts) comes from the loop,
    // after it polled: it continues no stint that ended before (engine.ts polledNow).
    if (reason === Reason.Io && current === null) polledNow();
    enter(task, reason, false, -1, isSyncFunction(fn));
    try {
      return arguments.length <= 3
        ? callWith(fn, this, arguments.length, a, b, c)
        : Reflect.apply(fn, this, arguments);
    } finally {
      leave();
    }
  };
}

export function replace(target: object, key: string, value: AnyFunction): void {
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
