/**
 * Ticks and microtasks queued by the code of a task are that task's work.
 */
// Required, not imported as namespaces (see index.ts).
import { Reason } from '../../protocol/format';
import {
  Task,
  current,
  endProbe,
  enabled,
  endSoon,
  enterAgain,
  enterSoon,
  leave,
  leaveSoon,
  probing,
  probeQueued,
  startProbe,
  runsAs,
} from '../engine';
import { Slot, beginQueued, queueSlot, queuedNow, thenableNow, willRun } from '../dishes';
import { StintEntry } from '../stintLog';
import { claimHeld, heldWatch } from '../dishSort';
import { quietResources } from './scopes';
import { AnyFunction, callWith, closeMacro, copyProperties, macroOpen, replace } from './base';

/** Ticks queued through the patched nextTick and not run yet. */
export let ticksQueued = 0;

/**
 * Opens the stint of a tick or microtask queued by the code of `slot`'s task, if a task is there.
 * It runs in the same turn as that code, most often right after the stint that queued it: then it
 * continues that stint (engine.ts enterAgain) without a clock read or a record.
 */
function enterQueued(slot: Slot, tick: boolean): boolean {
  // (Flags tested against `true`, here and on the rest of the tick path: a boolean V8 has not typed
  // as one — a module variable, a field — otherwise takes its generic truth test, checked against
  // false, '', undetectable objects, numbers and bigints: 12 instructions when it is true.)
  if (macroOpen === true) closeMacro();
  if (heldWatch > 0) claimHeld(slot);
  // Most ticks: the slot's own task (no library's call nobody awaited: runsAs would return it as
  // it is), right after a stint of it that ended in this drain (engine.ts enterSoon).
  const r = slot.r;
  const own = r.task;
  if (own !== null && r.lib !== true && r.job === null && enabled === true && enterSoon(own)) {
    if (tick && --ticksQueued < 0) ticksQueued = 0;
    beginQueued(slot, slot.dispatch === true ? StintEntry.Dispatched : StintEntry.Queued);
    return true;
  }
  // (`=== true`: a module variable's truth tested as such takes V8's generic test, ten instructions.)
  const task = enabled === true ? runsAs(slot.r) : null;
  if (tick && --ticksQueued <= 0) {
    ticksQueued = 0;
    if (task === null) endSoon();
  }
  if (task === null) return false;
  willRun(slot);
  enterAgain(task, Reason.Resume, slot.dispatch);
  queuedNow();
  // Work a thenable's `then` started, carried on (see Segment.thenable).
  if (slot.thenable === true) thenableNow();
  return true;
}

function leaveQueued(tick: boolean): void {
  // With more of these ticks queued, the drain goes on: the next one dates this one's end.
  if (tick && ticksQueued > 0) leaveSoon();
  else leave();
}

/** A microtask callback, bound to the slot of the code that queued it. */
export function bindMicrotask(slot: Slot, fn: AnyFunction): AnyFunction {
  return function (this: unknown) {
    if (!enterQueued(slot, false))
      return arguments.length === 0 ? fn.call(this) : Reflect.apply(fn, this, arguments);
    try {
      return arguments.length === 0 ? fn.call(this) : Reflect.apply(fn, this, arguments);
    } finally {
      leaveQueued(false);
    }
  };
}

/**
 * Calls `fn` for a builtin's step that no hook sees begin (sources/fromAsync.ts): in no stint, as a
 * microtask of the code of `slot`'s task that queued it would run; inside a stint, as it is.
 */
export function runAsQueued(slot: Slot, fn: AnyFunction, self: unknown, args: IArguments): unknown {
  if (current !== null || !enterQueued(slot, false)) return Reflect.apply(fn, self, args);
  try {
    return Reflect.apply(fn, self, args);
  } finally {
    leaveQueued(false);
  }
}

/**
 * A tick queued through the patched `process.nextTick` (with at most three arguments of its own) is
 * queued as one of these runners, with exactly the program's arguments: Node's `nextTick` does no
 * more than it would untraced. The callback and its slot wait in `pending`, in the order Node runs
 * its ticks (first in, first out; only these runners take from it). `pending` is a new array each
 * time the traced ticks have all run, young while a drain lasts: storing the program's young
 * callbacks into it costs no write barrier, where a long-lived queue's stores cost more than the
 * arguments they saved Node (see README, Performance). It is a field of a holder made anew every
 * QUEUE_RENEW drains (as promises.ts's `hot`), not a module variable: the new array of each drain,
 * stored into the module's long-lived scope, was a write barrier itself (about 52 instructions, 3 a
 * fastify `/async` request); stored into a young holder it is a plain store.
 */
interface TickQueue {
  pending: unknown[];
}
/** (One hidden class for every holder: always made here.) */
function makeQueue(pending: unknown[]): TickQueue {
  return { pending };
}
let queue: TickQueue = makeQueue([]);
/** Drains until the holder is made anew. */
let queueLeft = 0;
const QUEUE_RENEW = 64;
/** The next callback's index in `pending` (its slot follows it). */
let head = 0;
/** Past this many taken, a queue that never empties is cut down (a tick that always queues two). */
const COMPACT_AT = 4096;

function pushPending(callback: unknown, slot: Slot): void {
  const q = queue;
  const pending = q.pending;
  if (head === pending.length) {
    head = 0;
    if (--queueLeft > 0) q.pending = [callback, slot];
    else {
      queueLeft = QUEUE_RENEW;
      queue = makeQueue([callback, slot]);
    }
    return;
  }
  if (head >= COMPACT_AT) {
    q.pending = pending.slice(head);
    head = 0;
    q.pending.push(callback, slot);
    return;
  }
  pending.push(callback, slot);
}

/**
 * Where the next runner's callback and slot are in `pending`, taken (cleared, the head moved on)
 * before anything can throw. (Returned as an index, not kept in module variables: a young callback
 * stored into the module's long-lived scope would be a write barrier.)
 */
function take(): number {
  const h = head;
  head = h + 2;
  return h;
}

function tick0(): unknown {
  const q = queue.pending;
  const h = take();
  const fn = q[h] as AnyFunction;
  const slot = q[h + 1] as Slot;
  q[h] = undefined;
  q[h + 1] = undefined;
  if (!enterQueued(slot, true)) return fn();
  try {
    return fn();
  } finally {
    leaveQueued(true);
  }
}

function tick1(a: unknown): unknown {
  const q = queue.pending;
  const h = take();
  const fn = q[h] as AnyFunction;
  const slot = q[h + 1] as Slot;
  q[h] = undefined;
  q[h + 1] = undefined;
  if (!enterQueued(slot, true)) return fn(a);
  try {
    return fn(a);
  } finally {
    leaveQueued(true);
  }
}

function tick2(a: unknown, b: unknown): unknown {
  const q = queue.pending;
  const h = take();
  const fn = q[h] as AnyFunction;
  const slot = q[h + 1] as Slot;
  q[h] = undefined;
  q[h + 1] = undefined;
  if (!enterQueued(slot, true)) return fn(a, b);
  try {
    return fn(a, b);
  } finally {
    leaveQueued(true);
  }
}

function tick3(a: unknown, b: unknown, c: unknown): unknown {
  const q = queue.pending;
  const h = take();
  const fn = q[h] as AnyFunction;
  const slot = q[h + 1] as Slot;
  q[h] = undefined;
  q[h + 1] = undefined;
  if (!enterQueued(slot, true)) return fn(a, b, c);
  try {
    return fn(a, b, c);
  } finally {
    leaveQueued(true);
  }
}

/** More arguments (rare): the callback and slot go before them, Node keeps them with its tick. */
function tickN(fn: AnyFunction, slot: Slot, args: unknown[]): unknown {
  if (!enterQueued(slot, true)) return Reflect.apply(fn, undefined, args);
  try {
    return Reflect.apply(fn, undefined, args);
  } finally {
    leaveQueued(true);
  }
}

/**
 * A tick a connection's read queued with no stint open (a socket with a 'readable' listener hands
 * its data on in a tick): a read of that connection too (engine.ts, startProbe). Queued like the
 * runners above, one per arity, with the opener in the slot's place.
 */
function probeTick0(fn: AnyFunction, opener: Task): unknown {
  if (enabled !== true || !startProbe(opener, true, true)) return fn();
  try {
    return fn();
  } finally {
    endProbe();
  }
}

function probeTick1(fn: AnyFunction, opener: Task, a: unknown): unknown {
  if (enabled !== true || !startProbe(opener, true, true)) return fn(a);
  try {
    return fn(a);
  } finally {
    endProbe();
  }
}

function probeTick2(fn: AnyFunction, opener: Task, a: unknown, b: unknown): unknown {
  if (enabled !== true || !startProbe(opener, true, true)) return fn(a, b);
  try {
    return fn(a, b);
  } finally {
    endProbe();
  }
}

function probeTickN(fn: AnyFunction, opener: Task, args: unknown[]): unknown {
  // (A tick, as the three above: it runs in the drain of the read that queued it, engine.ts enter.)
  if (enabled !== true || !startProbe(opener, true, true)) return Reflect.apply(fn, undefined, args);
  try {
    return Reflect.apply(fn, undefined, args);
  } finally {
    endProbe();
  }
}

/**
 * The arguments after the first, as an array. Called with `Reflect.apply(rest, undefined,
 * arguments)`: V8 then passes a wrapper's arguments straight on, where `Array.prototype.slice.call(
 * arguments, 1)` made the wrapper build an arguments object on every call, whichever way it went.
 */
function rest(_first: unknown, ...others: unknown[]): unknown[] {
  return others;
}

export function patchQueue(target: object, key: 'nextTick' | 'queueMicrotask'): void {
  const fn = (target as Record<string, unknown>)[key] as AnyFunction;
  if (typeof fn === 'function') wrapQueue(target, key, fn, key === 'nextTick');
}

/**
 * (`fn` and `tick` are parameters, not constants of patchQueue: a constant the wrapper reads from
 * its closure is checked for its temporal dead zone at every read: 9 such checks in the optimized
 * wrapper, 1 left.)
 */
function wrapQueue(target: object, key: 'nextTick' | 'queueMicrotask', fn: AnyFunction, tick: boolean): void {
  const patched = {
    // Defaults keep the wrapper's length the original's (1): see copyProperties.
    [key](
      this: unknown,
      callback: unknown,
      a: unknown = undefined,
      b: unknown = undefined,
      c: unknown = undefined,
    ) {
      // Passed on with its exact arity, and `arguments` read only for its length or passed whole to
      // Reflect.apply: V8 then makes no arguments object (any other use made one on every call, which
      // cost as much as Node's own nextTick).
      const n = arguments.length;
      if (current === null || enabled !== true || typeof callback !== 'function') {
        if (
          probing !== null &&
          tick === true &&
          current === null &&
          enabled === true &&
          typeof callback === 'function'
        ) {
          const opener = probing;
          if (n > 3)
            return fn.call(this, probeTickN, callback, opener, Reflect.apply(rest, undefined, arguments));
          // (Counted once Node has queued it: see engine.ts queuedProbes.)
          let result: unknown;
          if (n === 1) result = fn.call(this, probeTick0, callback, opener);
          else if (n === 2) result = fn.call(this, probeTick1, callback, opener, a);
          else result = fn.call(this, probeTick2, callback, opener, a, b);
          probeQueued();
          return result;
        }
        return n <= 3
          ? callWith(fn, this, n, callback, a, b)
          : n === 4
            ? fn.call(this, callback, a, b, c)
            : Reflect.apply(fn, this, arguments);
      }
      const slot = queueSlot()!;
      if (tick !== true) {
        // Bound here: the resource Node makes for it needs no tag (sources/scopes.ts).
        quietResources(true);
        try {
          return callWith(fn, this, 1, bindMicrotask(slot, callback as AnyFunction));
        } finally {
          quietResources(false);
        }
      }
      // Counted once Node has queued it (a throw queues nothing). (Once the process is exiting,
      // Node queues nothing and says nothing: what is left in `pending` then never runs, as no
      // tick does. Reading `process._exiting` here cost more than the push.)
      if (n >= 5) {
        const result = fn.call(this, tickN, callback, slot, Reflect.apply(rest, undefined, arguments));
        ticksQueued++;
        return result;
      }
      pushPending(callback, slot);
      const at = queue.pending.length - 2;
      try {
        if (n === 1) fn.call(this, tick0);
        else if (n === 2) fn.call(this, tick1, a);
        else if (n === 3) fn.call(this, tick2, a, b);
        else fn.call(this, tick3, a, b, c);
      } catch (e) {
        // Not queued (a stack overflow inside Node's nextTick): its entry goes.
        const pending = queue.pending;
        if (pending.length === at + 2 && pending[at] === callback) pending.length = at;
        throw e;
      }
      ticksQueued++;
      return undefined;
    },
  }[key];
  copyProperties(patched, fn);
  replace(target, key, patched);
}
