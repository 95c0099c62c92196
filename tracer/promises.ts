/**
 * Promise continuations (what runs after an `await` or in a `.then`) are stints of the task whose
 * code made them. This uses V8's promise hooks directly — no async_hooks — which is what keeps the
 * tracer cheap: per promise, a tag and a log record (a few stores); per continuation, one stint.
 *
 * Which task that is: the running task, unless the code that made the promise was a call that
 * became a dish of its own — a member of Promise.all/allSettled/any/race, or a call nobody awaited.
 * That is known only once the stint that made the call has run to its end, before any continuation
 * can run: dishes.ts sorts the stint's log then and re-tags the work that belongs to the new dishes.
 */
import { promiseHooks } from 'node:v8';
import { MAX_AWAIT_FRAMES } from '../protocol/format';
import {
  Strand,
  Task,
  baseNow,
  current,
  enabled,
  endSoon,
  enterContinuation,
  leave,
  leaveSoon,
  now,
  polledNow,
  probeEnter,
  probeSettled,
  probeSettledPromise,
  probing,
  readAnswered,
  recorder,
  runsAs,
  setStrayHandler,
  stintClock,
  stintSeq,
  stintTime,
  strandNow,
} from './engine';
import {
  CHAINED_BIT,
  foldIfReturned,
  memberAdopts,
  thenableNow,
  ROOT_BIT,
  kIdx,
  jobSettles,
  kTag,
  logCombinator,
  logDerived,
  logRoot,
  logSettled,
  madeByMethod,
  madeNow,
  resetLog,
  settledOutside,
  willRun,
} from './dishes';
import { nameRunning } from './dishNames';
import {
  anyCuts,
  anyHeld,
  anyThenCalls,
  claimHeld,
  cutAtReturn,
  cutWorkRuns,
  heldResumes,
  heldWatch,
  thenCallSettles,
} from './dishSort';
import { awaitRetryMs, captureCall, captureUserFrames } from './locations';
import { ticksQueued } from './sources/ticks';
import { lookAtHandler, looking } from './routeHandlers';

type Tagged = { [kTag]?: Strand; [kIdx]?: number };

/**
 * Whether each open before() entered a stint (before/after pairs nest like a stack), and whether
 * it runs a "resolve with a thenable" job.
 */
const MAX_OPEN = 4096;
const entered = new Uint8Array(MAX_OPEN);
/** How many before()s are open (past MAX_OPEN they are counted, and enter nothing). */
let opened = 0;
const ENTERED = 1;
const JOB = 2;
/** Thenable jobs open now. */
let jobs = 0;
/**
 * The stint now open was entered by a continuation (not by a callback the runtime called). It may
 * run a library's code for the task (a stream driving the program's generator, a limiter running
 * the program's function): the naming reads such chains for what they show of the program's
 * functions, and never takes a dish of the program's own function for a library's (dishNames.ts).
 */
let inContinuation = false;
/**
 * What the hooks keep of the promises they see, from one hook to the next: fields of an object
 * made anew every HOT_RENEW continuations, not module variables. A promise is a young object, and
 * each store of one into the module's long-lived scope is a write barrier (about 52 instructions:
 * a fastify `/async` request made 15 of them here, in `init` and `before`); stored into an object
 * that is young itself, it is a plain store. Made anew often enough that no collection finds it
 * old (a young-generation collection promotes what two have found alive: one every thousand
 * requests or so); the one store of it into the module's scope is a barrier each time.
 */
interface Hot {
  /** The promise whose reaction runs now. */
  running: Promise<unknown> | null;
  /** The strand of the reaction that runs now as nobody's (runsAs: its asker's work is over), if any. */
  outside: Strand | null;
  /** See `unchain`. */
  chainedBy: object | null;
  chainedOn: Tagged | null;
}
/** (One hidden class for every holder: always made here.) */
function makeHot(
  running: Promise<unknown> | null,
  outside: Strand | null,
  chainedBy: object | null,
  chainedOn: Tagged | null,
): Hot {
  return { running, outside, chainedBy, chainedOn };
}
let hot: Hot = makeHot(null, null, null, null);
/** Continuations until the holder is made anew (see Hot). */
let hotLeft = 0;
const HOT_RENEW = 64;
let stopHooks: (() => void) | null = null;
/**
 * A promise settled in the continuation now running that another was made from while a task ran
 * (CHAINED_BIT: an `await` of it, a `.then`): its reaction is queued, and runs in this drain of the
 * microtask queue before the loop can wait. So the continuation ends as a tick with more ticks
 * queued does (leaveSoon): what runs next dates its end — most often the reaction itself, a
 * continuation of the same task (an async function returned to the one that awaits it), which then
 * continues this stint with no clock read at all. Two readings saved at each such hand-over.
 */
let reacts = false;
/**
 * The promise whose init last set CHAINED_BIT on its parent, and that parent. V8 makes promises
 * with a parent that queue no reaction on it: `await v` of a value that is no native promise wraps
 * v in a promise whose parent is the awaiting function's own (a plain value: settled at once; a
 * thenable: the throwaway promise of the await made from it next). That function's promise, its
 * bit set so, would end the stint that settles it as a hand-over with nothing to take it over in
 * the drain: the stint ran on until whatever ran next, after the loop's wait (a fire-and-forget
 * `async` call's 10 µs stint took 0-27 ms; a request's reply read a wait of none). So the bit is
 * taken back where the promise that set it settles at once or is chained from right away: its
 * parent never awaited it, or was chained `.then(a).then(b)` (a clock read more, no harm).
 */
// (`chainedBy`, `chainedOn`: fields of `hot`, see Hot.)

function unchain(): void {
  const h = hot;
  const on = h.chainedOn!;
  h.chainedBy = null;
  h.chainedOn = null;
  try {
    on[kIdx] = on[kIdx]! & ~CHAINED_BIT;
  } catch {
    // frozen since: its bit stays (a stint read to the next one's start, as before)
  }
}

/** The promise that set a bit is known to be a true link (see init): its bit stays. */
function forgetChained(): void {
  const h = hot;
  h.chainedBy = null;
  h.chainedOn = null;
}

function init(promise: Promise<unknown>, parent: Promise<unknown> | undefined): void {
  let task = current;
  if (task === null) {
    // A connection's read making work of its own: its opener's stint (engine.ts, probeEnter).
    if (probing === null || !probeEnter()) return;
    task = current!;
  }
  // A route's handler whose place is not known yet runs: an async one makes its promise here.
  if (looking !== null) lookAtHandler();
  const p = promise as Tagged;
  // Always these two stores, in this order (see kTag).
  p[kTag] = strandNow !== null ? baseNow(task) : task.base;
  if (parent === undefined) {
    p[kIdx] = logRoot(p);
  } else {
    p[kIdx] = logDerived(p, parent, jobs > 0);
    // (The promise that set a bit, chained from right away: see `chainedBy`. But not a link its
    // parent's settling is known to queue the reaction of, a `.then` or `.catch` awaited at once:
    // pg-pool's `new Promise(…).catch(…)` — the bit is true there, and taken back it cost the
    // reply's read and the continuation after it a clock reading each.)
    if (parent === hot.chainedBy) {
      if (!madeByMethod(parent)) unchain();
      else forgetChained();
    }
    // Its settling will queue this one's reaction (see `reacts`): said on the parent, once.
    const chained = (parent as Tagged)[kIdx];
    if (chained !== undefined && (chained & CHAINED_BIT) === 0) {
      try {
        (parent as Tagged)[kIdx] = chained | CHAINED_BIT;
        const h = hot;
        h.chainedBy = p;
        h.chainedOn = parent as Tagged;
      } catch {
        // a frozen promise: its reaction's end is read from the clock
      }
    }
    if (jobs > 0) {
      const running = hot.running;
      foldIfReturned(parent, running);
      memberAdopts(parent, running);
      cutAtReturn(running, parent);
    }
    if (awaitDone !== stintSeq && stintClock.stint >= awaitRetryAt && task.id !== 0) noteAwait(task);
  }
  if (task.unnamed) nameRunning(task, init, inContinuation && jobs === 0);
}

function settled(promise: Promise<unknown>): void {
  // (The promise that set a bit, settled at once: see `chainedBy`.)
  if (promise === hot.chainedBy) unchain();
  const task = current;
  if (task === null) {
    // A connection's read settles its waiters as the probe decides (engine.ts); anything else
    // that runs with no task (a timer Node's `timers/promises` set) ends a member it settles.
    if (probing !== null) {
      const stamped = (promise as Tagged)[kIdx];
      probeSettled((promise as Tagged)[kTag], stamped !== undefined && (stamped & CHAINED_BIT) !== 0);
      probeSettledPromise(promise);
    } else {
      // Settled by code the tracer does not see, a callback the loop made after it polled (Node
      // settles an `fs.promises` or `dns.promises` call's promise from its thread pool's callback):
      // the continuation it leads to continues no stint that ended before (engine.ts polledNow).
      if ((promise as Tagged)[kTag] !== undefined) polledNow();
      settledOutside(promise);
      const outside = hot.outside;
      if (outside !== null && outside.job !== null) jobSettles(outside, promise);
    }
    return;
  }
  // Its reactions are queued now, to run in this drain (see `reacts`).
  const stamped = (promise as Tagged)[kIdx];
  if (stamped !== undefined && (stamped & CHAINED_BIT) !== 0) reacts = true;
  // The promise whose reaction runs now settles when it is done: that says nothing.
  const running = hot.running;
  if (promise !== running) logSettled(promise);
  // A connection's read that became a stint settles a promise made before it: a reply (engine.ts).
  if (probing !== null && !madeNow(promise)) readAnswered((promise as Tagged)[kTag]);
  if (strandNow !== null && strandNow.job !== null) jobSettles(strandNow, promise);
  if (anyThenCalls && running !== null) thenCallSettles(running, promise);
  // A "resolve with a thenable" job runs the thenable's `then`, not the dish's code.
  if (task.unnamed) nameRunning(task, settled, inContinuation && jobs === 0);
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
  const frames = captureUserFrames(init, MAX_AWAIT_FRAMES, stintTime());
  if (frames === null) {
    // Rationed out: not this stint, nor any before a token is back (no work at all meanwhile).
    awaitDone = stintSeq;
    awaitRetryAt = stintTime() + awaitRetryMs();
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
  const p = promise as Tagged;
  // Work a runner's call held back alone left begins: the call's dish, provisional (dishSort.ts).
  if (heldWatch > 0) claimHeld(p);
  const record = p[kTag];
  // Only a job that resolves a promise with a thenable runs with a root promise: the function
  // that made the root returned another promise (or resolved it with one).
  const flags = record !== undefined && (p[kIdx]! & ROOT_BIT) !== 0 ? JOB : 0;
  // (`=== true`: see enterQueued in sources/ticks.ts.)
  const task = record !== undefined && enabled === true && opened < MAX_OPEN ? runsAs(record) : null;
  if (task === null) {
    if (opened < MAX_OPEN) entered[opened] = 0;
    opened++;
    // Work of a library's call whose asker's work is over runs as nobody: it may settle a wait.
    if (record !== undefined) hot.outside = record;
    // A stint that ended as this was queued (see `reacts`) ends here, read from the clock.
    endSoon();
    return;
  }
  reacts = false;
  willRun(p);
  if (anyCuts) cutWorkRuns(p);
  if (anyHeld) heldResumes(p);
  enterContinuation(task);
  if (flags === JOB) {
    // The runtime calls a thenable's `then` (see Segment.thenable).
    thenableNow();
    jobs++;
  }
  inContinuation = true;
  if (--hotLeft <= 0) renewHot();
  hot.running = promise;
  entered[opened++] = ENTERED | flags;
}

function after(): void {
  if (opened === 0) return;
  opened--;
  const flags = opened < MAX_OPEN ? entered[opened] : 0;
  if ((flags & ENTERED) === 0) {
    hot.outside = null;
    return;
  }
  if ((flags & JOB) !== 0) jobs--;
  // With ticks of the program queued, the drain goes on and they run right after it, before the
  // loop can wait: whatever runs next dates this stint's end (see leaveSoon), and a continuation
  // or tick of the same task continues it with no clock read at all.
  // So too when what it settled queued a reaction (see `reacts`).
  if (ticksQueued > 0 || reacts) leaveSoon();
  else leave();
  reacts = false;
  inContinuation = false;
  hot.running = null;
}

/** A young holder again, with what the old one held (see Hot). */
function renewHot(): void {
  hotLeft = HOT_RENEW;
  const h = hot;
  hot = makeHot(h.running, h.outside, h.chainedBy, h.chainedOn);
}

const COMBINATORS = ['all', 'allSettled', 'any', 'race'] as const;
type Combinator = (typeof COMBINATORS)[number];

function patchCombinator(name: Combinator): void {
  const original = Promise[name] as unknown as (...args: unknown[]) => unknown;
  const patched = {
    [name](this: unknown, iterable: unknown): unknown {
      if (enabled && current !== null && Array.isArray(iterable) && iterable.length > 0) {
        try {
          const members = this === NativePromise ? asPromises(iterable) : iterable;
          const call = captureCall(patched);
          logCombinator(members, name, call?.where ?? null, call?.byLibrary ?? null, call?.stack ?? null);
          if (members !== iterable) return original.call(this, members);
        } catch {
          // never disturb the program
        }
      }
      return arguments.length === 1
        ? original.call(this, iterable)
        : Reflect.apply(original, this, arguments);
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

const NativePromise = Promise;
const nativeResolve = Promise.resolve;

/**
 * A combinator's members that are objects but no promises — a query builder (knex's, an ORM's),
 * any thenable — are made promises the way the combinator itself would (`Promise.resolve`, which
 * reads `then` once and calls it in a job of its own) but now, in the code that called the
 * combinator: each is then a promise that code made, a member with a lane, and the work its `then`
 * starts runs as that member. The same ticks, the same order of settling; the array handed on is a
 * copy (the program's is not touched). Left alone when the program replaced `Promise.resolve`,
 * which the combinator would call.
 *
 * A promise of a subclass of Promise (postgres.js's query, which starts its work in its own `then`)
 * is such a thenable to the combinator: `Promise.resolve` takes as it is only a promise whose
 * `constructor` is Promise, and wraps any other, calling its `then` in a job of its own. Left as
 * it is, that job would run in the lane of the code that called the combinator and seem to
 * return the member's promise to it (dishes.ts `foldIfReturned`).
 */
function asPromises(members: unknown[]): unknown[] {
  if (Promise.resolve !== nativeResolve) return members;
  let out: unknown[] | null = null;
  for (let i = 0; i < members.length; i++) {
    const m = members[i];
    if (
      (typeof m !== 'object' && typeof m !== 'function') ||
      m === null ||
      (m instanceof NativePromise && Object.getPrototypeOf(m) === NativePromise.prototype)
    )
      continue;
    if (out === null) out = members.slice();
    out[i] = nativeResolve.call(NativePromise, m);
  }
  return out ?? members;
}

export function startPromises(): void {
  // After stray stints were closed (engine.ts), no before() is waiting for its after().
  setStrayHandler(() => {
    opened = 0;
    jobs = 0;
    inContinuation = false;
    resetLog();
  });
  // The settled hook tells a call that returned from one that awaited, and names dishes (an async
  // function's `return` settles its promise with the function still on the stack).
  stopHooks = promiseHooks.createHook({ init, before, after, settled }) as () => void;
  for (const name of COMBINATORS) {
    if (typeof Promise[name] === 'function') patchCombinator(name);
  }
}

/** Removes the hooks; the combinators stay patched but pass straight through once disabled. */
export function stopPromises(): void {
  if (stopHooks !== null) stopHooks();
  stopHooks = null;
}
