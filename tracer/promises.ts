/**
 * Promise continuations (what runs after an `await` or in a `.then`) are stints of the task that
 * created the promise. This uses V8's promise hooks directly — no async_hooks — which is what keeps
 * the tracer cheap: about one property store per promise and one RUN/IDLE pair per continuation.
 *
 * Concurrent dishes. An async call that runs alongside its caller is a task of its own (named after
 * its function when a stack shows it): the members of Promise.all/allSettled/any/race, and calls
 * nobody awaited (fire-and-forget). Promises carry a strand record (engine.ts):
 *
 *  - a root promise (an async function's own promise, `new Promise`) gets a fresh record whose `prev`
 *    is the record that was current when it was made; it becomes the current record;
 *  - a promise derived from a root promise (an `await` of it, a `.then` on it) takes the root's
 *    record, and the root is "consumed"; one derived from a derived promise takes its parent's
 *    record; one derived from an untagged promise takes the current record;
 *  - a combinator's members become tasks when the combinator is called; at the end of a stint, an
 *    unconsumed root whose own continuations are pending is a fire-and-forget call and becomes a
 *    task too. The last promise derived in a stint is the stint's own await, so it goes back to the
 *    task itself.
 *
 * A continuation runs as the task found by walking `prev` from its record to the first record with
 * a task (a combinator member, a fire-and-forget call, or the task's base record).
 */
import { promiseHooks } from 'node:v8';
import { MAX_AWAIT_FRAMES, TaskFlags, TaskKind } from '../protocol/format';
import {
  Strand,
  Task,
  continuationReason,
  current,
  enabled,
  enter,
  leave,
  newTask,
  now,
  recorder,
  renameTask,
  setOuterEndHandler,
  setStrand,
  setStrayHandler,
  stintSeq,
  stintTime,
  strand,
  taskOf,
} from './engine';
import { awaitRetryMs, captureLocation, captureUserFrames } from './locations';

/** The record of a root promise (its own). */
const kRoot = Symbol('looplens.root');
/** The record a derived promise's continuation resolves through. */
const kStrand = Symbol('looplens.strand');

type Tagged = { [kRoot]?: Strand; [kStrand]?: Strand };

/** Whether each open before() entered a stint (before/after pairs nest like a stack). */
const entered: boolean[] = [];
/**
 * Root records made in the stint now running, checked for fire-and-forget at its end. A fixed
 * array and a count: no push, no length change on the hot path. Beyond its size, later roots of a
 * stint are not checked.
 */
const MAX_STINT_ROOTS = 256;
const stintRoots: Array<Strand | null> = new Array(MAX_STINT_ROOTS).fill(null);
let rootCount = 0;
/** The last derived promise made in the stint now running. */
let lastDerived: Tagged | null = null;
/** The root record the previous init marked consumed, and the promise that did it (see init). */
let lastConsumed: Strand | null = null;
let lastConsumedBy: Tagged | null = null;
let stopHooks: (() => void) | null = null;

function init(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void {
  if (current === null) return;
  const p = promise as Tagged;
  if (parent === undefined) {
    const record: Strand = { task: null, prev: strand, stint: stintSeq, consumed: false, children: 0 };
    p[kRoot] = record;
    if (rootCount < MAX_STINT_ROOTS) stintRoots[rootCount++] = record;
    setStrand(record);
    lastConsumed = null;
  } else {
    const from = (parent as Tagged)[kRoot];
    let record: Strand | null;
    if (from !== undefined) {
      record = from;
      // `await value` inside an async function first wraps the value in a promise whose parent is
      // that function's own promise, then chains on the wrapper: not a consumer. Undone below.
      lastConsumed = from.consumed ? null : from;
      lastConsumedBy = p;
      from.consumed = true;
    } else {
      if (lastConsumed !== null && parent === lastConsumedBy) lastConsumed.consumed = false;
      lastConsumed = null;
      record = (parent as Tagged)[kStrand] ?? strand;
    }
    if (record !== null) {
      record.children++;
      p[kStrand] = record;
    }
    lastDerived = p;
    if (awaitDone !== stintSeq && stintTime >= awaitRetryAt && current.id !== 0) noteAwait(current);
  }
  if (current.unnamed) nameFromStack(current, init);
}

/** The stint whose await is found (or given up on); the stint being looked at and its stacks so far. */
let awaitDone = -1;
let awaitStint = -1;
let awaitTries = 0;
/** When the captures have run out: no stint tries again before this (trace clock, ms). */
let awaitRetryAt = 0;
/** Stacks a stint may spend to find user code where it awaits (framework code may await first). */
const AWAIT_TRIES = 4;

/**
 * The first await (or `.then`) of a stint: where the task goes back to waiting. The user frames on
 * the stack go into an AWAIT record — rationed, at most a couple of stacks per stint.
 */
function noteAwait(task: Task): void {
  if (awaitStint !== stintSeq) {
    awaitStint = stintSeq;
    awaitTries = 0;
  }
  if (++awaitTries >= AWAIT_TRIES) awaitDone = stintSeq;
  const frames = captureUserFrames(init, MAX_AWAIT_FRAMES, stintTime);
  if (frames === null) {
    // Rationed out: not this stint, nor any before a token is back (no work at all meanwhile).
    awaitDone = stintSeq;
    awaitRetryAt = stintTime + awaitRetryMs();
    return;
  }
  if (frames.length === 0) return;
  awaitDone = stintSeq;
  const encoded = frames.map((f) => ({
    name: recorder.intern(f.fn),
    file: recorder.intern(f.file),
    line: f.line,
    column: f.column,
  }));
  const w = recorder.room(1 + encoded.length);
  if (w !== null) w.awaitAt(now(), task.id, encoded);
}

function before(promise: Promise<unknown>): void {
  const record = (promise as Tagged)[kStrand];
  if (record === undefined || !enabled) {
    entered.push(false);
    return;
  }
  const task = taskOf(record);
  if (task === null) {
    entered.push(false);
    return;
  }
  const time = now();
  enter(task, continuationReason(time), true, time);
  entered.push(true);
}

function after(): void {
  if (entered.pop() !== true) return;
  if (current !== null && current.unnamed) nameAttempt(current);
  leave();
}

/**
 * At the end of a task's outermost stint: its own await goes back to it, and calls nobody awaited
 * that still have work pending become tasks of their own.
 */
function onStintEnd(task: Task): void {
  lastConsumed = null;
  lastConsumedBy = null;
  if (lastDerived !== null) {
    const record = lastDerived[kStrand];
    if (record !== undefined && record.task === null && record.stint === stintSeq) {
      record.children--;
      lastDerived[kStrand] = task.base;
    }
    lastDerived = null;
  }
  // The top-level script's own calls stay in its lane: module loading makes many such calls inside
  // the runtime, and a script that starts things without awaiting them is still "the script".
  if (rootCount === 0) return;
  if (task.kind !== TaskKind.Main) {
    for (let i = 0; i < rootCount; i++) {
      const r = stintRoots[i]!;
      if (!r.consumed && r.children > 0 && r.task === null) {
        r.task = newTask(TaskKind.Other, task, 'async call', TaskFlags.Detached, null);
        wantName(r.task);
      }
    }
  }
  // Clear the slots so the records (and what they keep alive) can go.
  stintRoots.fill(null, 0, rootCount);
  rootCount = 0;
}

/**
 * Concurrent tasks are named after the function that runs them. That function is on the stack the
 * first time the task makes a promise or settles one (an async function's `return` settles its own
 * promise), so while a task waits for its name, a settled hook is on as well; a stack is captured
 * once per task. A task not named by the end of its second stint keeps its provisional name.
 */
let unnamedTasks = 0;
let stopSettled: (() => void) | null = null;
const NAME_TRIES = 2;
const nameTries = new WeakMap<Task, number>();

function wantName(task: Task): void {
  task.unnamed = true;
  unnamedTasks++;
  if (stopSettled === null) stopSettled = promiseHooks.onSettled(settled) as () => void;
}

function named(task: Task): void {
  task.unnamed = false;
  unnamedTasks--;
  if (unnamedTasks <= 0 && stopSettled !== null) {
    unnamedTasks = 0;
    stopSettled();
    stopSettled = null;
  }
}

function settled(): void {
  if (current !== null && current.unnamed) nameFromStack(current, settled);
}

/** Stack captures spent on naming one task before it keeps its provisional name. */
const NAME_CAPTURES = 4;
const nameCaptures = new WeakMap<Task, number>();

function nameFromStack(task: Task, skip: (...args: never[]) => unknown): void {
  const captures = (nameCaptures.get(task) ?? 0) + 1;
  nameCaptures.set(task, captures);
  const where = captureLocation(skip, true);
  if (where !== null && where.fn !== '' && !where.library) {
    named(task);
    renameTask(task, where.fn, task.located ? null : where);
  } else if (captures >= NAME_CAPTURES) {
    named(task);
  }
}

/** After a stint of a task still waiting for its name. */
function nameAttempt(task: Task): void {
  const tries = (nameTries.get(task) ?? 0) + 1;
  if (tries >= NAME_TRIES) named(task);
  else nameTries.set(task, tries);
}

const COMBINATORS = ['all', 'allSettled', 'any', 'race'] as const;
type Combinator = (typeof COMBINATORS)[number];

function markMembers(members: unknown[], combinator: Combinator): void {
  const parent = current;
  if (parent === null) return;
  let where: ReturnType<typeof captureLocation> | undefined;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (typeof m !== 'object' || m === null) continue;
    let record: Strand | undefined;
    try {
      record = (m as Tagged)[kRoot] ?? (m as Tagged)[kStrand];
    } catch {
      continue;
    }
    if (record === undefined || record.task !== null || record.stint !== stintSeq) continue;
    if (where === undefined) where = captureLocation(markMembers);
    const member = newTask(TaskKind.Other, parent, `${combinator}[${i}]`, TaskFlags.Concurrent, where);
    wantName(member);
    record.task = member;
    record.consumed = true;
  }
  // What the caller does after the combinator belongs to the caller again.
  setStrand(parent.base);
}

function patchCombinator(name: Combinator): void {
  const original = Promise[name] as unknown as (...args: unknown[]) => unknown;
  const patched = {
    [name](this: unknown, iterable: unknown): unknown {
      if (enabled && current !== null && Array.isArray(iterable) && iterable.length > 1) {
        try {
          markMembers(iterable, name);
        } catch {
          // never disturb the program
        }
      }
      return Reflect.apply(original, this, arguments);
    },
  }[name];
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  Object.defineProperty(Promise, name, {
    value: patched,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

export function startPromises(): void {
  setOuterEndHandler(onStintEnd);
  // After stray stints were closed (engine.ts), no before() is waiting for its after().
  setStrayHandler(() => {
    entered.length = 0;
    lastDerived = null;
    lastConsumed = null;
    lastConsumedBy = null;
  });
  stopHooks = promiseHooks.createHook({ init, before, after }) as () => void;
  for (const name of COMBINATORS) {
    if (typeof Promise[name] === 'function') patchCombinator(name);
  }
}

/** Removes the hooks; the combinators stay patched but pass straight through once disabled. */
export function stopPromises(): void {
  if (stopHooks !== null) stopHooks();
  stopHooks = null;
  if (stopSettled !== null) stopSettled();
  stopSettled = null;
}
