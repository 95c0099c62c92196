/**
 * Timers and immediates: the global functions, wrapping the callback; a timer or immediate the
 * script's top level sets is a task of its own.
 */
// Required, not imported as namespaces (see index.ts).
import timers = require('node:timers');
import { Reason, TaskFlags, TaskKind } from '../../protocol/format';
import {
  Strand,
  Task,
  current,
  enabled,
  isSyncFunction,
  lateMs,
  nobodysCallback,
  now,
  runsAs,
  stintClock,
  taskOf,
  workOver,
} from '../engine';
import { markReady, newTask } from '../tasks';
import {
  Slot,
  dispatching,
  firedNow,
  firesTimer,
  firesTimerCallback,
  regSlot,
  timerSetByLibrary,
  willRun,
} from '../dishes';
import { claimHeld, heldWatch } from '../dishSort';
import { captureCall, captureLocation, inModuleBody, programOnStack } from '../locations';
import { asOwnWork } from '../fullMode';
import { AnyFunction, callWith, copyProperties, openMacro, replace, topLevel } from './base';

// ---------------------------------------------------------------------------------------------
// Timers and immediates

/**
 * The slot a new timer's callback runs through. A timer belongs to the task that set it — except
 * one the script's top level sets (the module's own code, before its first await; an ES module's
 * body, known by one rationed stack): the script
 * has ended by the time it fires, so it is a job of its own, named after its callback and made
 * when it first fires (a timer cleared before it fires makes no lane). Not when the code that set
 * it turns out to be a dish's (see dishes.ts), nor when the callback is a promise's own resolve
 * function (`new Promise((resolve) => setTimeout(resolve, ms))`: the script waiting). Untracked
 * code's timers stay untracked.
 */
export function timerSlot(kind: TaskKind, callback: AnyFunction, skip: AnyFunction): Slot | null {
  const slot = regSlot();
  if (slot === null) return slot;
  // An immediate a connection's read sets hands its data on later (ws, unless it may emit messages
  // synchronously, emits each one from an immediate): it dispatches as the read does.
  if (kind === TaskKind.Immediate) slot.dispatch = dispatching();
  const task = current!;
  if ((task.responded || task.ended) && task.kind === TaskKind.Request)
    return afterResponse(slot, kind, callback, skip);
  if (task.kind !== TaskKind.Main || isNative(callback) || !(topLevel || inModuleBody(skip))) return slot;
  slot.lazy = {
    kind,
    name: callback.name !== '' ? callback.name : kind === TaskKind.Timer ? 'timer' : 'immediate',
    where: captureLocation(skip),
    time: now(),
  };
  return slot;
}

/**
 * A timer or immediate the program's own code sets in a request after ending its response
 * (`res.end(); setTimeout(audit, 50)`) is work it left for later: a background task of the
 * request, made when it first fires, however short it turns out (the model makes it the request's
 * after-response part). One a library or Node sets then (a pool returning a client, a framework's
 * clean-up) is the library's business, nobody's work, as the request's resources are after its
 * response in full mode — except an immediate a library sets because the program called it right
 * then (a function of the program's on the stack: `res.end(); rehash(pw)`, whose bcryptjs `hash`
 * goes on in an immediate) and each immediate the library sets again from that one's callback
 * (bcryptjs computes a hash in turns of up to 100 ms, each the next one's immediate): the library
 * carrying on, next turn, the work the program asked of it, which the program awaits — the
 * request's work, as it is before the response, so the model's duration rule decides it (and a
 * dish's call it was made in takes it, dishes.ts). Before, the hash's turns ran as nobody's: its
 * CPU was untracked code, and the program's continuation after it a stint of the request. A
 * library's timer (`setTimeout`) stays nobody's: set by `client.release()` it is a pool's idle
 * reaper, whoever's call armed it. One whose setter is not known (the location budget spent) stays
 * the request's: the model's duration rule decides it.
 */
function afterResponse(slot: Slot, kind: TaskKind, callback: AnyFunction, skip: AnyFunction): Slot {
  if (isNative(callback)) return slot;
  const call = captureCall(skip);
  if (call === null) return slot;
  if (call.byLibrary || call.where === null || call.where.library) {
    if (kind === TaskKind.Immediate && (carryingStint === stintClock.stint || programOnStack(call.stack))) {
      carriedOn.add(slot);
      return slot;
    }
    slot.r = NOBODY;
    return slot;
  }
  slot.lazy = {
    kind: TaskKind.Background,
    name: callback.name !== '' ? callback.name : kind === TaskKind.Timer ? 'timer' : 'immediate',
    where: call.where,
    time: now(),
  };
  return slot;
}

/** Immediates a library set after a request's response on the program's behalf (afterResponse). */
const carriedOn = new WeakSet<Slot>();
/** When the stint that runs such an immediate's callback began (-1: none yet). */
let carryingStint = -1;

/** What a slot runs as when its callback is nobody's work. */
const NOBODY: Strand = { task: null, prev: null, lib: false, job: null };

/** The task a slot's callback runs as, making the lazy task of a script's timer the first time. */
export function slotTask(slot: Slot): Task | null {
  const lazy = slot.lazy;
  if (lazy !== null) {
    slot.lazy = null;
    const parent = taskOf(slot.r);
    slot.r = newTask(lazy.kind, parent, lazy.name, 0, lazy.where, lazy.time).base;
  }
  return runsAs(slot.r);
}

export const functionToString = Function.prototype.toString;
export function isNative(fn: AnyFunction): boolean {
  try {
    return functionToString.call(fn).endsWith('{ [native code] }');
  } catch {
    return false;
  }
}

/** Node's own rule for a timer's delay: anything but 1..TIMEOUT_MAX ms becomes 1 ms. */
export const TIMEOUT_MAX = 2 ** 31 - 1;
export function timerDelay(value: unknown): number {
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
export const TIMER_ARGS = { timer: '_timerArgs', immediate: '_argv' } as const;

const noop = (): void => {};

export function watchFiring(
  handle: object,
  key: string,
  slot: Slot,
  delay: number,
  repeat: boolean,
  reason: number,
  sync: boolean,
): void {
  const due = delay >= 0 ? now() + delay : -1;
  const watched = handle as Watched;
  const watch = watched[kWatch];
  if (watch === null) {
    watched[kWatch] = { slot, due, delay, repeat, reason, sync };
    return;
  }
  if (watch === undefined) watchOwn(handle, key, { slot, due, delay, repeat, reason, sync });
}

/**
 * How the tracer learns that a watched timer or immediate fires: Node reads its arguments
 * (`_timerArgs`, `_argv`) once, right before it calls the callback. They are read through an
 * accessor on the prototype (Timeout's, Immediate's, installed when the timers are patched), the
 * same two functions for every handle: the constructor's store goes through the setter, which
 * keeps the arguments and an empty watch under symbols, so every handle made since has one hidden
 * class, and a watched one gets its watch in that field. An accessor of each handle's own (a
 * getter per handle) made each watched handle a dictionary-mode object, and Node's timer code
 * (its list insert, `listOnTimeout`, `clearTimeout`, every socket's timeout) then ran generic
 * property loads for every timer of the process, a server's keep-alive timeouts among them: in a
 * loop of set, refresh and clear, 600 → 1,000 ns once 20 such handles had gone through it.
 */
const kArgs = Symbol('looplens.args');
const kWatch = Symbol('looplens.watch');
interface Watch {
  /** null: nobody's work (a library's housekeeping set while no task ran: watchNobodys). */
  slot: Slot | null;
  due: number;
  delay: number;
  repeat: boolean;
  reason: number;
  sync: boolean;
}
type Watched = Housekeeping & { [kWatch]?: Watch | null; [kArgs]?: unknown };
const NOBODYS: Watch = { slot: null, due: -1, delay: -1, repeat: false, reason: 0, sync: false };

function readArgs(this: Watched): unknown {
  const watch = this[kWatch];
  if (watch !== null && watch !== undefined) fire(this, watch);
  return this[kArgs];
}
function keepArgs(this: Watched, value: unknown): void {
  // Set once, by the constructor: the watch field first, then the arguments, on every handle.
  if (this[kWatch] === undefined) this[kWatch] = null;
  this[kArgs] = value;
}

function fire(handle: Watched, watch: Watch): void {
  if (enabled) {
    const slot = watch.slot;
    // A library's housekeeping is nobody's work: no stint, and its time no one's (see
    // nobodysCallback). So is a library's timer that fires once the work of the task that set it
    // is over (see libraryTimerDone).
    if (slot !== null && handle[kHousekeeping] !== true && !libraryTimerDone(handle, slot))
      fired(slot, watch.due, watch.reason, watch.sync, handle);
    else housekeeping(handle, watch.sync);
  }
  if (watch.repeat && watch.due >= 0) watch.due = now() + watch.delay;
}

/** The library's own lane of each housekeeping callback (see housekeeping). */
const housekeepers = new WeakMap<object, Task>();

/**
 * A library's housekeeping timer fires (see patchUnref, libraryTimerDone): nobody's work, no task's
 * lane — but the loop runs it, so it runs as a stint of the library's own (an internal task per
 * callback, which the timeline folds with the library's tasks). Before, it ran as no stint: what it
 * did was a gap, estimated from the CPU the thread used, and never a block — a program's listener
 * the callback emits to (node-cache's `'expired'`, from its unref'd check timer) spun 80 ms with no
 * block and 4.5 ms of untracked code to show for it; and what that listener left (its awaits) was
 * nobody's too. Now the watchdog watches it like any stint, and the program's calls there follow
 * the rule as in any timer's callback of a library's.
 */
function housekeeping(handle: Watched, sync: boolean, reason: number = Reason.Timer): void {
  const h = handle as { _onTimeout?: unknown; _onImmediate?: unknown };
  const callback = h._onTimeout ?? h._onImmediate;
  if (current !== null || typeof callback !== 'function') {
    nobodysCallback();
    return;
  }
  let task = housekeepers.get(callback);
  if (task === undefined || task.ended) {
    task = newTask(TaskKind.Timer, null, 'housekeeping', TaskFlags.Internal, null);
    housekeepers.set(callback, task);
  }
  openMacro(task, reason, -1, sync);
}

/**
 * Installs the accessor of `key` (`_timerArgs`, `_argv`) on the prototype of the handles `make`
 * returns (it makes one, which `clear` clears: the tracer's own, before the program runs).
 */
function watchArgsOf(key: string, make: () => unknown, clear: (handle: unknown) => void): void {
  try {
    const probe = asOwnWork(make);
    clear(probe);
    const proto = typeof probe === 'object' && probe !== null ? Object.getPrototypeOf(probe) : null;
    if (proto === null || Object.prototype.hasOwnProperty.call(proto, key)) return;
    Object.defineProperty(proto, key, {
      configurable: true,
      enumerable: false,
      get: readArgs,
      set: keepArgs,
    });
  } catch {
    // no accessor: each watched handle gets one of its own (watchOwn)
  }
}

/** A handle not made through the prototype's accessor: an accessor of its own (a dictionary then). */
function watchOwn(handle: object, key: string, watch: Watch): void {
  let args = (handle as Record<string, unknown>)[key];
  const descriptor = Object.getOwnPropertyDescriptor(handle, key);
  if (descriptor === undefined || !descriptor.configurable || descriptor.get !== undefined) return;
  Object.defineProperty(handle, key, {
    configurable: true,
    enumerable: descriptor.enumerable,
    get() {
      fire(handle, watch);
      return args;
    },
    set(value: unknown) {
      args = value;
    },
  });
}

export function fired(slot: Slot, due: number, reason: number, sync: boolean, handle: Watched): void {
  if (heldWatch > 0) claimHeld(slot);
  const task = slotTask(slot);
  if (task === null) {
    // A library's timer or immediate after a request's response (afterResponse): nobody's work,
    // run as the library's own stint, as its housekeeping is (before, as no stint: what the
    // program's listeners did there was a gap, never a block).
    if (slot.r === NOBODY) housekeeping(handle, sync, reason);
    return;
  }
  const t = now();
  if (due >= 0 && t - due > lateMs) markReady(task, due);
  willRun(slot);
  // (In full mode the timer's resource began the stint already, as this task: fullMode.ts.)
  if (task.kind === TaskKind.Timer && reason === Reason.Timer && task !== current) firesTimer();
  // (A library's timer under the strand of its call that ran a job: perhaps a retry's delay.)
  else if (reason === Reason.Timer) firesTimerCallback();
  openMacro(task, reason, t, sync, slot.dispatch);
  firedNow();
  if (carriedOn.has(slot)) carryingStint = stintClock.stint;
}

/**
 * The probes that find the handles' prototypes and install their accessor (watchArgsOf): a timer and
 * an immediate made and cleared. Not at the tracer's start: the first handle made compiles Node's
 * timer code (1.86 M instructions for the timer's probe alone, 2.55 M for both), which a program
 * whose first line comes before its first timer should not wait for. They run at the first of: the
 * program's first `setTimeout`, `setInterval` or `setImmediate` (the patched functions, before the
 * original makes the handle, so every handle the program makes has the accessor), and the tracer's
 * work after the first line (index.ts afterFirstLine), before its own flush timer and first turn's
 * immediate, which are made after them as before. A handle Node's own code makes in between (a
 * server's connection check, set by `listen` through the timers it holds) misses the accessor, as
 * one made before the tracer's start did: the tracer watches it only if it is unref'd as nobody's
 * housekeeping, by an accessor of its own (watchOwn). Empty once run.
 */
const probes: Array<() => void> = [];

export function probeTimers(): void {
  const run = probes.splice(0);
  for (const probe of run) probe();
}

export function patchTimer(
  name: 'setTimeout' | 'setInterval' | 'setImmediate',
  kind: TaskKind,
  reason: number,
): void {
  const fn = globalThis[name] as unknown as AnyFunction;
  const repeat = name === 'setInterval';
  const key = kind === TaskKind.Timer ? TIMER_ARGS.timer : TIMER_ARGS.immediate;
  if (name === 'setTimeout')
    probes.push(() =>
      watchArgsOf(
        key,
        () => fn(noop, 1),
        (h) => timers.clearTimeout(h as never),
      ),
    );
  else if (name === 'setImmediate')
    probes.push(() =>
      watchArgsOf(
        key,
        () => fn(noop),
        (h) => timers.clearImmediate(h as never),
      ),
    );
  const patched = {
    [name](this: unknown, callback: unknown, delay?: unknown, arg?: unknown) {
      // Before the program's first handle (see probeTimers).
      if (probes.length > 0) probeTimers();
      const handle: unknown =
        arguments.length <= 3
          ? callWith(fn, this, arguments.length, callback, delay, arg)
          : Reflect.apply(fn, this, arguments);
      if (enabled && typeof callback === 'function' && typeof handle === 'object' && handle !== null) {
        if (!unrefPatched && kind === TaskKind.Timer) patchUnref(handle);
        const slot = timerSlot(kind, callback as AnyFunction, patched);
        if (slot !== null) {
          if (
            kind === TaskKind.Timer &&
            slot.lazy === null &&
            slot.r !== NOBODY &&
            timerSetByLibrary(patched)
          )
            (handle as Housekeeping)[kSetByLibrary] = true;
          watchFiring(
            handle,
            key,
            slot,
            kind === TaskKind.Timer ? timerDelay(delay) : -1,
            repeat,
            reason,
            isSyncFunction(callback),
          );
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
// A library's housekeeping timers

/** Set on a timer that is a library's or Node's housekeeping (see patchUnref). */
export const kHousekeeping = Symbol('looplens.housekeeping');
/** Set on a timer a library's or Node's code set while a task ran (see libraryTimerDone). */
export const kSetByLibrary = Symbol('looplens.setByLibrary');
type Housekeeping = { [kHousekeeping]?: true; [kSetByLibrary]?: true };

/**
 * A timer a library sets while a task runs, which fires once that task's own work is over — a
 * combinator's member has returned, a request has answered — is the library's business, nobody's
 * work, as a pool's connection is once its opener's work is over: a pool's idle reaper
 * (sequelize-pool's, every second, set when a query releases its connection), a driver's timer
 * left behind. It served the task no longer; run as it, a member's lane reached a second past its
 * request's end, and a request showed the pool's work a second after its response. A timer the
 * program's own code sets stays the task's work (after a response: background work, see
 * afterResponse), and so does one a library sets because the program called it right then (a
 * debounce: the program's function is on the stack, see locations.ts calledByLibrary), and one whose
 * task's work goes on. Who set it is read per place
 * (dishes.ts timerSetByLibrary). In full mode the timer's resource is passed by too (fullMode.ts).
 */
export function libraryTimerDone(handle: object, slot: Slot | null): boolean {
  if ((handle as Housekeeping)[kSetByLibrary] !== true) return false;
  if (slot === null) return true;
  const task = slot.lazy === null ? taskOf(slot.r) : null;
  return task !== null && workOver(task);
}
let unrefPatched = false;
/** Whether the code that unrefs a timer running this callback is a library's, by callback. */
const unrefByLibrary = new WeakMap<object, boolean>();

/**
 * A timer that a library or Node's own code sets and unrefs (so that it never keeps the process
 * alive) is the library's housekeeping: undici's clock for its connections' timeouts, which the
 * first `fetch` of a process starts and which then ticks every half second for as long as any
 * connection lives; a parser's keep-alive timeout. It serves whoever uses the library later, as a
 * pool's connection does, so it is nobody's work — not a lane of the task that happened to start
 * it. The program's own unref'd timers stay its tasks' work. Who unrefs is read from one rationed
 * stack per callback (a library's callbacks are the same few functions).
 */
function patchUnref(handle: object): void {
  unrefPatched = true;
  const proto = Object.getPrototypeOf(handle) as { unref?: AnyFunction } | null;
  const unref = proto?.unref;
  if (proto === null || typeof unref !== 'function') return;
  ownUnref = unref;
  const patched = {
    unref(this: unknown) {
      if (enabled && typeof this === 'object' && this !== null) {
        if (current !== null) markHousekeeping(this, patched);
        else watchNobodys(this);
      }
      return callWith(unref, this, 0);
    },
  }.unref;
  copyProperties(patched, unref);
  replace(proto, 'unref', patched);
}

/** Node's own `unref` of a timer, once patchUnref has patched it. */
let ownUnref: AnyFunction | null = null;

/**
 * Unrefs one of the tracer's own timers (its flush timer) through Node's own `unref`: made after
 * the program's first timer, its `unref` would be the patched one, which takes a timer unref'd
 * while no task runs for nobody's housekeeping and gives its ticks stints of their own.
 */
export function unrefOwn(handle: { unref(): unknown }): void {
  if (ownUnref !== null) ownUnref.call(handle);
  else handle.unref();
}

function markHousekeeping(handle: object, skip: AnyFunction): void {
  const callback = (handle as { _onTimeout?: unknown })._onTimeout;
  if (typeof callback !== 'function') return;
  let byLibrary = unrefByLibrary.get(callback);
  if (byLibrary === undefined) {
    const call = captureCall(skip);
    if (call === null) return;
    byLibrary = call.byLibrary || call.where === null || call.where.library;
    unrefByLibrary.set(callback, byLibrary);
  }
  if (!byLibrary) return;
  (handle as Housekeeping)[kHousekeeping] = true;
  // Set by code that ran as no task, it has no watch of its own yet.
  watchNobodys(handle);
}

/**
 * A timer unref'd by code that runs as no task: set there too (a library's callback that the
 * tracer does not see — OpenTelemetry's BatchSpanProcessor starts its export timer when a span
 * ends, in the database driver's socket callback), it has no slot and runs as untracked code. It is
 * housekeeping by the same token as one a library sets in a task, and nobody's work: its time must
 * not become the next continuation's (nobodysCallback). A timer a task set keeps its own watch
 * (watchFiring), where its mark decides.
 */
function watchNobodys(handle: object): void {
  const watched = handle as Watched;
  if (watched[kWatch] === null) watched[kWatch] = NOBODYS;
  else if (watched[kWatch] === undefined) watchOwn(handle, TIMER_ARGS.timer, NOBODYS);
}
