/**
 * `Array.fromAsync` (Node 22 on): what it runs for the code that awaits it is that code's work.
 *
 * The builtin reads its source and calls your mapper from reactions of its own to the promises it
 * awaits — reactions V8 queues with no promise of their own, which the promise hooks never see
 * (V8 runs the hooks for a reaction only when it has a promise to hand them). So each step after
 * the first ran in no stint: your async generator's code up to its next `await` (and the promise,
 * the timer it made there, and so every continuation after it), your async mapper's code up to
 * its first `await` — all of it untracked, and the lanes of everything it led to lost. The patch
 * hands the builtin a mapper and an iterator of its own that call yours: a step that runs in no
 * stint runs as a microtask of the code that called `Array.fromAsync` would (sources/ticks.ts),
 * the awaiting code's own work, as the README says of a loop of `await`s; a step that runs inside
 * a stint (the first `next()`, which the builtin calls at once) is left as it is.
 *
 * Nothing the program sees changes but the function's identity: the builtin still does all the
 * work, reading the source's `[Symbol.asyncIterator]` (or `[Symbol.iterator]`), its iterator's
 * `next` and `return`, once each as it would, in the same order, on the same objects — the patch
 * reads the method the builtin would read first, then gives the builtin an object whose method of
 * that name hands back the source's iterator, wrapped. Anything else (no source object, a mapper
 * that is not a function, an array-like with no iterator) is handed on untouched.
 */
import { current, enabled } from '../engine';
import { Slot, queueSlot } from '../dishes';
import { AnyFunction, copyProperties, replace } from './base';
import { runAsQueued } from './ticks';

export function patchFromAsync(): void {
  const original = (Array as unknown as { fromAsync?: AnyFunction }).fromAsync;
  if (typeof original !== 'function') return;
  const patched = {
    // Defaults keep the wrapper's length the original's (1): see copyProperties.
    fromAsync(
      this: unknown,
      items: unknown,
      mapfn: unknown = undefined,
      thisArg: unknown = undefined,
    ): unknown {
      if (
        current === null ||
        enabled !== true ||
        items === null ||
        (typeof items !== 'object' && typeof items !== 'function') ||
        (mapfn !== undefined && typeof mapfn !== 'function')
      )
        return Reflect.apply(original, this, arguments);
      const slot = queueSlot();
      if (slot === null) return Reflect.apply(original, this, arguments);
      let source: unknown;
      try {
        source = sourceOf(items as object, slot);
      } catch (error) {
        // What the builtin would have rejected its promise with (a getter that throws): read once,
        // by the patch, as the builtin would have read it.
        return Promise.reject(error);
      }
      const mapper = typeof mapfn === 'function' ? stepOf(slot, mapfn as AnyFunction) : undefined;
      const n = arguments.length;
      // Passed on with the program's arity (the builtin reads none of it but its values).
      if (n <= 1) return original.call(this, source);
      if (n === 2) return original.call(this, source, mapper);
      return original.call(this, source, mapper, thisArg);
    },
  }.fromAsync;
  copyProperties(patched, original);
  replace(Array, 'fromAsync', patched);
}

/**
 * What the builtin is given for `items`: `items` itself when it has no iterator (an array-like,
 * whose elements the builtin reads), else an object whose method of the same name calls the
 * source's on `items` and wraps the iterator it returns. Reads what the builtin would read first.
 */
function sourceOf(items: object, slot: Slot): unknown {
  const asyncMethod = (items as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator];
  if (asyncMethod !== undefined && asyncMethod !== null) {
    // Not a function: the builtin rejects with its own TypeError, read off the stand-in.
    if (typeof asyncMethod !== 'function') return { [Symbol.asyncIterator]: asyncMethod };
    return {
      [Symbol.asyncIterator]() {
        return iteratorOf(Reflect.apply(asyncMethod, items, []), slot);
      },
    };
  }
  const syncMethod = (items as { [Symbol.iterator]?: unknown })[Symbol.iterator];
  if (syncMethod === undefined || syncMethod === null) return items;
  if (typeof syncMethod !== 'function')
    return { [Symbol.asyncIterator]: undefined, [Symbol.iterator]: syncMethod };
  return {
    [Symbol.asyncIterator]: undefined,
    [Symbol.iterator]() {
      return iteratorOf(Reflect.apply(syncMethod, items, []), slot);
    },
  };
}

/**
 * The source's iterator, its `next` read once (as the builtin would, right after the call) and its
 * `return` read when the builtin asks for it; each called as a step of the awaiting code.
 */
function iteratorOf(iterator: unknown, slot: Slot): unknown {
  // Not an object: the builtin throws its own TypeError on it.
  if (iterator === null || (typeof iterator !== 'object' && typeof iterator !== 'function')) return iterator;
  const next = (iterator as { next?: unknown }).next;
  return {
    next:
      typeof next === 'function'
        ? function (this: unknown) {
            return runAsQueued(slot, next as AnyFunction, iterator, arguments);
          }
        : next,
    get return(): unknown {
      const close = (iterator as { return?: unknown }).return;
      if (typeof close !== 'function') return close;
      return function (this: unknown) {
        return runAsQueued(slot, close as AnyFunction, iterator, arguments);
      };
    },
  };
}

/** The mapper the builtin calls, as a step of the awaiting code. */
function stepOf(slot: Slot, fn: AnyFunction): AnyFunction {
  return function (this: unknown) {
    return runAsQueued(slot, fn, this, arguments);
  };
}
