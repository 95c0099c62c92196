/**
 * Ticks and microtasks queued by the code of a task are that task's work.
 */
// Required, not imported as namespaces (see index.ts).
import { Reason } from '../../protocol/format';
import { current, enabled, endSoon, enterAgain, leave, leaveSoon, taskOf } from '../engine';
import { Slot, regSlot, willRun } from '../dishes';
import { AnyFunction, callWith, closeMacro, copyProperties, macroOpen, replace } from './base';

/** Ticks queued through the patched nextTick and not run yet. */
export let ticksQueued = 0;

/**
 * Opens the stint of a tick or microtask queued by the code of `slot`'s task, if a task is there.
 * It runs in the same turn as that code, most often right after the stint that queued it: then it
 * continues that stint (engine.ts enterAgain) without a clock read or a record.
 */
function enterQueued(slot: Slot, tick: boolean): boolean {
  if (macroOpen) closeMacro();
  const task = enabled ? taskOf(slot.r) : null;
  if (tick && --ticksQueued <= 0) {
    ticksQueued = 0;
    if (task === null) endSoon();
  }
  if (task === null) return false;
  willRun(slot);
  enterAgain(task, Reason.Resume);
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
    if (!enterQueued(slot, false)) return Reflect.apply(fn, this, arguments);
    try {
      return Reflect.apply(fn, this, arguments);
    } finally {
      leaveQueued(false);
    }
  };
}

/**
 * Ticks queued through the patched `process.nextTick`, oldest first: Node runs its tick queue first
 * in, first out, so the one runner every such tick is queued with takes the oldest entry — no
 * closure per tick. (Microtasks keep a closure each: a function of the main context queued from
 * another context may run from another queue.)
 */
let queuedFns: (AnyFunction | null)[] = new Array(64).fill(null);
let queuedSlots: (Slot | null)[] = new Array(64).fill(null);
let head = 0;
let count = 0;

function push(slot: Slot, fn: AnyFunction): void {
  const size = queuedFns.length;
  if (count === size) {
    // Full: unroll into a ring twice the size, oldest first.
    const fns = new Array<AnyFunction | null>(size * 2).fill(null);
    const slots = new Array<Slot | null>(size * 2).fill(null);
    for (let i = 0; i < count; i++) {
      fns[i] = queuedFns[(head + i) & (size - 1)];
      slots[i] = queuedSlots[(head + i) & (size - 1)];
    }
    queuedFns = fns;
    queuedSlots = slots;
    head = 0;
  }
  const at = (head + count) & (queuedFns.length - 1);
  queuedFns[at] = fn;
  queuedSlots[at] = slot;
  count++;
}

/** Runs the oldest tick queued through the patched nextTick, as the task of its slot. */
function runTick(this: unknown, a: unknown, b: unknown): unknown {
  if (count === 0) return undefined; // cannot happen: every call was queued with an entry
  const fn = queuedFns[head]!;
  const slot = queuedSlots[head]!;
  queuedFns[head] = null;
  queuedSlots[head] = null;
  head = (head + 1) & (queuedFns.length - 1);
  count--;
  if (!enterQueued(slot, true)) return Reflect.apply(fn, this, arguments);
  try {
    // Without an arguments copy for the common arities: a busy server runs many ticks.
    return arguments.length <= 2
      ? callWith(fn, this, arguments.length, a, b)
      : Reflect.apply(fn, this, arguments);
  } finally {
    leaveQueued(true);
  }
}

export function patchQueue(target: object, key: 'nextTick' | 'queueMicrotask'): void {
  const fn = (target as Record<string, unknown>)[key] as AnyFunction;
  if (typeof fn !== 'function') return;
  const tick = key === 'nextTick';
  const patched = {
    [key](this: unknown, callback: unknown, a: unknown, b: unknown) {
      if (current === null || !enabled || typeof callback !== 'function')
        return Reflect.apply(fn, this, arguments);
      const slot = regSlot()!;
      if (!tick) return callWith(fn, this, 1, bindMicrotask(slot, callback as AnyFunction));
      // The entry goes in once Node has queued the runner (the runner cannot run before this
      // returns; a throw queues nothing). Without Reflect.apply and an arguments copy for the
      // common arities: streams tick a lot.
      let result: unknown;
      if (arguments.length <= 3) result = callWith(fn, this, arguments.length, runTick, a, b);
      else {
        const args = Array.prototype.slice.call(arguments);
        args[0] = runTick;
        result = Reflect.apply(fn, this, args);
      }
      push(slot, callback as AnyFunction);
      ticksQueued++;
      return result;
    },
  }[key];
  copyProperties(patched, fn);
  replace(target, key, patched);
}
