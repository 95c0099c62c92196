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

export function patchQueue(target: object, key: 'nextTick' | 'queueMicrotask'): void {
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
