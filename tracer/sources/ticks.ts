/**
 * Ticks and microtasks queued by the code of a task are that task's work.
 */
// Required, not imported as namespaces (see index.ts).
import { Reason } from '../../protocol/format';
import { current, enabled, endSoon, enterAgain, leave, leaveSoon, taskOf } from '../engine';
import { Slot, regSlot, willRun } from '../dishes';
import { AnyFunction, callWith, closeMacro, copyProperties, macroOpen, replace } from './base';

export let ticksQueued = 0;

/**
 * A tick or microtask callback, bound to the slot of the code that queued it. It runs in the same
 * turn as that code, most often right after the stint that queued it: then it continues that stint
 * (engine.ts enterAgain) without a clock read or a record.
 */
export function bindTick(slot: Slot, fn: AnyFunction, tick: boolean): AnyFunction {
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
  if (macroOpen) closeMacro();
  const task = enabled ? taskOf(slot.r) : null;
  if (--ticksQueued <= 0) {
    ticksQueued = 0;
    if (task === null) endSoon();
  }
  if (task === null) return Reflect.apply(fn, this, arguments);
  willRun(slot);
  enterAgain(task, Reason.Resume);
  try {
    return arguments.length <= 2
      ? callWith(fn, this, arguments.length, a, b)
      : Reflect.apply(fn, this, arguments);
  } finally {
    // With more of these ticks queued, the drain goes on: the next one dates this one's end.
    if (ticksQueued > 0) leaveSoon();
    else leave();
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
      if (!tick) return callWith(fn, this, 1, bindTick(slot, callback as AnyFunction, false));
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
