/**
 * The stint log at run time (see stintLog.ts for the rule): what each stint leaves behind is logged
 * while it runs, sorted into dishes when it ends, and the dishes found are named from the chain of
 * awaits their first continuations run in.
 *
 * Everything here runs inside hooks: no I/O, no throwing; the logging functions are a handful of
 * stores each.
 */
import {
  Strand,
  Task,
  baseNow,
  current,
  setProbeSettlesHandler,
  setSegmentHandlers,
  stintClock,
  strandNow,
  taskOf,
  workOver,
} from './engine';
import { TaskEnd, TaskKind } from '../protocol/format';
import { endTask, foldTask, reparentTask } from './tasks';
import { leftNothing, stopWaiting } from './libraryQueues';
import {
  CodeLocation,
  Stack,
  calledByLibrary,
  doubtAllowed,
  entered,
  enteredByEvent,
  enteredFrom,
  enteredViaLibrary,
  enteredInPromise,
  enteredNode,
  madeByAwait,
  madeByImport,
  madeByPromiseMethod,
  madeByOthers,
  makerStack,
  othersMaker,
  memberStack,
  rootMaker,
} from './locations';
import {
  CombinatorCall,
  armed,
  callStacks,
  eachCall,
  leadRecords,
  countTries,
  forget,
  hasPlace,
  learnAtCreation,
  learntImport,
  learntAt,
  learntFrom,
  learntWhere,
  forgetLearnt,
  rootStacks,
  triedCount,
} from './dishNames';
import {
  Segment,
  arrival,
  carriesRunner,
  chainOf,
  resumedAfterCall,
  foldedInto,
  memberTakesJob,
  memberCalledAsIs,
  tookJobOf,
  foldTries,
  jobSettledWait,
  triedAgain,
  heldRun,
  deferredNext,
  anyLayer,
  isLayer,
  loneSettled,
  memberTakes,
  passArrival,
  returnedToLibrary,
  runsRunner,
  wrapsUpJob,
  settle,
  sideSettled,
} from './dishSort';
import { Logged, SideRun, Slot, kDish, kIdx, kSide, kTag, mix } from './marks';
import {
  CalledFrom,
  LogKind,
  MAX_LOG,
  StintEntry,
  Made,
  Rooted,
  Runner,
  logHash,
  logFrom,
  logKind,
  logMade,
  logRooted,
  logObj,
  renewLog,
  logParent,
  logParentAt,
  logUsed,
  logWrapper,
} from './stintLog';

export { Slot, kDish, kIdx, kTag, kTask } from './marks';
export type { LazyTask } from './marks';

const LOG_BITS = 10;
const LOG_MASK = (1 << LOG_BITS) - 1;
/** In a promise's stamp: it is a root (made by `new Promise` or an async function). */
export const ROOT_BIT = 1 << LOG_BITS;
const PLACE_SHIFT = LOG_BITS + 1;
/**
 * The place, above them (19 bits, 30 in all): the shape of the stint so far (SHAPE_BITS) and the
 * shape of the stint whose work that stint runs (MAKER_BITS) — the code path two stints deep.
 */
const SHAPE_BITS = 10;
const MAKER_BITS = 30 - PLACE_SHIFT - SHAPE_BITS;
const SHAPE_MASK = (1 << SHAPE_BITS) - 1;
const MAKER_MASK = (1 << MAKER_BITS) - 1;
/**
 * In a promise's stamp, above its place: another promise was made from it (an `await` of it, a
 * `.then`) while a task ran, so its settling queues a reaction — a microtask that runs in the same
 * drain (promises.ts, `after`). Set by the init hook on the parent; no part of the place.
 */
export const CHAINED_BIT = 1 << 30;
/** A stamp without CHAINED_BIT: its place and index. */
const STAMP_MASK = CHAINED_BIT - 1;
function stamp(index: number): number {
  return ((((shape & SHAPE_MASK) << MAKER_BITS) | (makerShape & MAKER_MASK)) << PLACE_SHIFT) | index;
}
/** A stamp for a promise the full log has no room for: its index is never its own. */
const UNLOGGED = LOG_MASK;
let n = 0;
let segStart = 0;
/** Roots logged in this segment that nothing consumed yet. */
let open = 0;
let combs = 0;
/** DERIVED records of this segment nothing consumed yet (its awaits, and statement chains). */
let tails = 0;
/**
 * Where in the log a promise not made in this segment last settled: at the end of the log, the
 * function the stint resumed has returned (its own promise, made in an earlier stint, settled).
 */
let foreignSettle = -1;
/** How the segment's stint began. */
let how: StintEntry = StintEntry.Resumed;
/**
 * The segment handed the runtime a callback before it logged anything (see `queueSlot`): then its
 * first record, even a root, is not the first thing the stint's function did.
 */
let lead = false;
/**
 * The segment's task is a request that had answered (its response ended) when the stint began (see
 * Segment.answered).
 */
let answered = false;
/**
 * A hash of the records logged so far in this segment (their kinds, and where each derived one's
 * parent is): it names a place in a stint of a given shape. `logHash[i]` is its value before
 * record i. A server runs the same code paths over and over, so a place seen once comes again.
 */
let hash = 0;
/**
 * The same hash without the seed: the shape of this stint alone. A promise's place is stamped with
 * it and with the shape of the stint this one runs the work of (`makerShape`), so a stint's seed
 * says where its work was left two stints back, not the whole history before that: an async loop
 * (`for (;;) { job(); await tick(); }`) comes back to the same places after two rounds, and the
 * same statements written twice (`await a.catch(f)` here, `await b.catch(f)` there) are still two
 * places when what led to them differs.
 */
let shape = 0;
/** The shape (its stamp's bits) of the stint that left the work this one runs. */
let makerShape = 0;
/** Both hashes take in `v`. */
function advance(v: number): void {
  hash = mix(hash, v);
  shape = mix(shape, v);
}
/** The place the work about to run was left at (see `willRun`), for the next segment's seed. */
let nextSeed = 0;
/** This segment's seed, and whether its hash has been started (at its first record). */
let seed = 0;
let hashed = true;
/**
 * Counts the segments begun, resumed and changed (a small integer: no write barrier): queueSlot
 * knows by it that the segment is still the one it last gave the shared slot to (leadSeg).
 */
let segs = 0;
/** The state of the segments a nested stint interrupted, SAVED_FIELDS numbers each. */
const SAVED_FIELDS = 11;
const MAX_NESTING = 256;
const saved = new Int32Array(SAVED_FIELDS * MAX_NESTING);
let depth = 0;

/**
 * The segment's hash starts, at its first record: how its stint began, its seed, its task — and
 * whether it handed the runtime a callback before (`lead`, see queueSlot).
 */
function startHash(): void {
  hashed = true;
  const base = mix(0x811c9dc5, how);
  const task = current;
  shape = task === null ? base : mix(base, taskSeed(task));
  // The place's 19 bits alone collide (two awaits of one stint, 1 in 1024 shapes): with the
  // record's position in its stint, a place verdict learnt for one resumed function is not read
  // for another (seed 924: a `new Promise` taken for an async call).
  hash = mix(shape, seed === 0 ? 0 : mix(seed >>> PLACE_SHIFT, seed & (LOG_MASK | ROOT_BIT)) | 1);
  if (lead) advance(LogKind.Reg);
}

/**
 * The place of a callback queued before the segment's first record, its hash not started (see
 * queueSlot): the stamp `startHash` then `stamp(n)` would give, worked out from the shape alone.
 */
function leadPlace(task: Task): number {
  const s = mix(mix(mix(0x811c9dc5, how), taskSeed(task)), LogKind.Reg);
  return ((((s & SHAPE_MASK) << MAKER_BITS) | (makerShape & MAKER_MASK)) << PLACE_SHIFT) | n;
}

/**
 * A task's share of the seed: its kind and name, hashed once per name: a dish is renamed after its
 * function once seen (engine.ts renameTask clears it), and two dishes that were both `async call`
 * at first run different code. (Digits count: scopes `job1` and `job2` run different code, and so
 * may routes `/v1/…` and `/v2/…`; requests for `/products/1` and `/products/2` are two places
 * until renamed by their route.)
 */
function taskSeed(task: Task): number {
  if (task.seed !== 0) return task.seed;
  const name = task.name;
  let seeds = seedsByKind[task.kind];
  if (seeds === undefined) seeds = seedsByKind[task.kind] = new Map();
  let h = seeds.get(name);
  if (h === undefined) {
    h = mix(0x2f, task.kind);
    for (let i = 0; i < name.length && i < 64; i++) h = mix(h, name.charCodeAt(i));
    h |= 1;
    if (seeds.size >= MAX_SEEDS) seeds.clear();
    seeds.set(name, h);
  }
  return (task.seed = h);
}
/**
 * Seeds worked out, by kind and name: a request is named twice (by its path, then by its route),
 * and a busy server's requests share a few names. (Reading a name's characters costs more than the
 * lookup: names are strings of several shapes, so `charCodeAt` is looked up the slow way each time.)
 */
const seedsByKind: (Map<string, number> | undefined)[] = [];
const MAX_SEEDS = 512;

/**
 * The promise or slot whose work runs next: the place it was made at seeds the hash of the stint
 * it runs in, so that places in a stint are told apart by the code path that led there.
 */
export function willRun(o: object): void {
  const stamped = (o as Logged)[kIdx];
  nextSeed = stamped !== undefined ? stamped & STAMP_MASK : 0;
  nextRunner = runsRunner(o);
  nextHeld = nextRunner !== Runner.None ? heldRun(o) : null;
  nextDeferred = nextRunner === Runner.Job ? deferredNext(o) : null;
  nextWrapUp = wrapsUpJob(o);
  nextLayer = anyLayer && isLayer(o);
}
/**
 * The work about to run is what arrived on a connection, handed to the listeners of `emitter` (a
 * UDP socket's datagram, a child's IPC message; sources/connections.ts): a stint it becomes starts
 * from the emitter's own place, so that two emitters' handlers (a UDP service's, a child's) are two
 * places, each dish named after its own function, not after the one the other place learnt.
 */
export function seedFrom(emitter: object): void {
  let id = emitterSeeds.get(emitter);
  if (id === undefined) emitterSeeds.set(emitter, (id = (mix(0x2545f491, ++emitters) & 0x3fffffff) | 1));
  nextSeed = id;
}
/** The read became no stint: the next one's seed is its own again. */
export function clearSeed(): void {
  nextSeed = 0;
}
const emitterSeeds = new WeakMap<object, number>();
let emitters = 0;
/** The work about to run resumes a library's runner of jobs (dishSort.ts runsRunner). */
let nextRunner: Runner = Runner.None;
/**
 * The work about to run is a timer task's timer firing (a timer the script's top level set, or one
 * its firings set again): a scheduler's (node-cron's heartbeat, cron's, toad-scheduler's) runs
 * the program's function each time it fires and waits for nobody, as a library's call nobody
 * awaited runs a job (stintParse.ts findDishes). Called right after `willRun`.
 */
export function firesTimer(): void {
  nextRunner = Runner.Job;
}
/** This segment does (see Segment.runner). */
let runner: Runner = Runner.None;
/** The work about to run / this segment is a library's wrap-up of a job (Segment.wrapUp). */
let nextWrapUp = false;
let wrapUp = false;
/**
 * This segment runs work a thenable's `then` started (Segment.thenable): the "resolve with a
 * thenable" job itself, or a tick or microtask queued in such a stint.
 */
let thenable = false;
/**
 * The stint just entered runs such work: its segment, begun now and empty (in full mode a
 * microtask's stint begins with the runtime's resource for it, before the tracer's own wrapper).
 */
export function thenableNow(): void {
  if (n === segStart && depth > 0) {
    thenable = true;
    segs++;
  }
}
/**
 * The stint just entered runs a tick's or a microtask's callback (sources/ticks.ts): its segment,
 * begun now as a function the runtime called and empty, is StintEntry.Queued.
 */
export function queuedNow(): void {
  if (n === segStart && depth > 0 && how === StintEntry.Called) how = StintEntry.Queued;
}
/**
 * The stint just entered runs a timer's or an immediate's callback (sources/timers.ts fired): its
 * segment, begun now as a function the runtime called and empty, is StintEntry.Fired (FiredSync).
 */
export function firedNow(): void {
  if (n !== segStart || depth === 0) return;
  if (how === StintEntry.Called) how = StintEntry.Fired;
  else if (how === StintEntry.CalledSync) how = StintEntry.FiredSync;
}
/**
 * The code this segment runs from here on is new to the places it passes: a look at a call made in
 * it found another function of the program's entered than the last look at that call's place (a
 * mapper's `index` job where 24 `resize` jobs came before, each making the same kinds of records at
 * the same positions). A place's word, trusted after 16 stacks agreed, was said of other code: for
 * the rest of the segment each verdict is looked at again (on jobLooks' budget, locations.ts) rather
 * than taken, and one that disagrees makes its place trusted no more (PlaceVerdicts.set). What is
 * read once per place (a chain's stack, the call's next record, a member's function) is read again
 * too. Set by noteEntered; a busy server's places each enter one function, and never set it.
 */
let fresh = false;
/**
 * The segment resumes a library's runner of jobs (Runner.Job) whose call of the program's function
 * was not looked at yet: its roots are looked at (on jobLooks' budget, locations.ts) even where
 * their place is trusted, until one shows a function of the program's entered — the job — or the
 * budget says no. One or two stacks a job: the function is the one thing that tells a new job from
 * the ones before at the same places. So too a runner the library chained and left while a request
 * waits (Runner.SideBySide: a mapper's runners inside a request's handler, whose functions are jobs
 * once they run side by side): before 2026-12-05 (night) its calls were not looked at, and a
 * mapper's `index` job after 22 `fetchOrders` jobs, in each of three concurrent requests, was named
 * `fetchOrders` by its place, its members after `fetchOrders`' and under the job before it (truth
 * seed 160191, both modes, every run; 160293 and 160365 so too: a job `async call`). Calls a
 * request's framework makes so (Nest's handler under express 5) are looked at too, one stack a
 * request while the budget lasts. (A request's mapper of 20 `resize` jobs, then a `sendEmail` job,
 * took the place's word so: `sendEmail` stayed `async call` — seeds 159137 and 159144.)
 */
let jobLook = false;
/** Whether a segment resuming runner `r` looks at its job's call (see jobLook). */
function looksAtJob(r: Runner): boolean {
  return r === Runner.Job || r === Runner.SideBySide;
}
/** The work about to run / this segment resumes a layer (Segment.layer). */
let nextLayer = false;
let layer = false;
/** The call held back alone whose work the runner about to run / this segment's is (Segment.held). */
let nextHeld: SideRun | null = null;
let held: SideRun | null = null;
/** The held calls of the segments a nested stint interrupted (see `saved`). */
const savedHeld: (SideRun | null)[] = [];
/**
 * The job whose runner's strand this segment began under, when a timer's callback begins it
 * (Segment.ranJob): a library's call that ran a job of the program's, going on from a timer it set
 * once the job ended (see dishSort.ts triesAgain). `nextTimer`: the work about to run is a timer's.
 */
let ranJob: Task | null = null;
let nextTimer = false;
/** The work about to run is a timer's callback (sources/timers.ts fired). Called right after `willRun`. */
export function firesTimerCallback(): void {
  nextTimer = true;
}
/** Those of the segments a nested stint interrupted (see `saved`). */
const savedRanJob: (Task | null)[] = [];
/** The next link of the library's deferral the work about to run / this segment runs (Segment.deferred). */
let nextDeferred: object | null = null;
let deferred: object | null = null;
/** Those of the segments a nested stint interrupted (see `saved`). */
const savedDeferred: (object | null)[] = [];
function begin(entry: StintEntry): void {
  // A segment that interrupts another saves that one's state; an outermost one has none to save
  // (most stints: a tick, a continuation, run straight from the loop).
  if (depth > 0 && depth < MAX_NESTING) {
    const o = depth * SAVED_FIELDS;
    saved[o] = segStart;
    saved[o + 1] = open;
    saved[o + 2] = combs;
    saved[o + 3] = how;
    saved[o + 4] = tails;
    saved[o + 5] = foreignSettle;
    saved[o + 6] = hash;
    saved[o + 7] = shape;
    saved[o + 8] = makerShape;
    saved[o + 9] =
      (lead ? 1 : 0) |
      (answered ? 2 : 0) |
      (thenable ? 4 : 0) |
      (hashed ? 8 : 0) |
      (runner << 4) |
      (fresh ? 0x100 : 0) |
      (jobLook ? 0x200 : 0) |
      (wrapUp ? 0x400 : 0) |
      (layer ? 0x800 : 0);
    saved[o + 10] = seed;
    savedHeld[depth] = held;
    savedDeferred[depth] = deferred;
    savedRanJob[depth] = ranJob;
  }
  depth++;
  segStart = n;
  open = 0;
  combs = 0;
  tails = 0;
  foreignSettle = -1;
  how = entry;
  lead = false;
  const task = current;
  answered = task !== null && task.kind === TaskKind.Request && task.responded;
  // The seed is hashed when the first record comes (startHash): most stints (a tick, a callback)
  // log none.
  seed = nextSeed;
  makerShape = nextSeed >>> (PLACE_SHIFT + MAKER_BITS);
  nextSeed = 0;
  runner = nextRunner;
  nextRunner = Runner.None;
  wrapUp = nextWrapUp;
  nextWrapUp = false;
  fresh = false;
  jobLook = looksAtJob(runner);
  thenable = false;
  stackNext = -1;
  held = nextHeld;
  nextHeld = null;
  deferred = nextDeferred;
  nextDeferred = null;
  ranJob = nextTimer && entry !== StintEntry.Resumed && strandNow !== null ? strandNow.job : null;
  nextTimer = false;
  layer = nextLayer;
  nextLayer = false;
  hashed = false;
  segs++;
}

/**
 * `willRun(slot)` then `begin(entry)` for a tick or microtask (sources/ticks.ts), with what a
 * thenable's `then` started carried on (thenableNow): in one call, and for the common case — an
 * outermost segment, the slot resuming no runner of jobs — with the slot's place read straight
 * into the segment's seed rather than through the announcement's variables.
 */
export function beginQueued(slot: Slot, entry: StintEntry): void {
  if (depth !== 0 || runsRunner(slot) !== Runner.None) {
    willRun(slot);
    begin(entry);
    if (slot.thenable) thenableNow();
    return;
  }
  depth = 1;
  segStart = n;
  open = 0;
  combs = 0;
  tails = 0;
  foreignSettle = -1;
  how = entry;
  lead = false;
  const task = current;
  answered = task !== null && task.kind === TaskKind.Request && task.responded;
  const stamped = slot[kIdx];
  seed = stamped !== undefined ? stamped : 0;
  makerShape = seed >>> (PLACE_SHIFT + MAKER_BITS);
  nextSeed = 0;
  runner = Runner.None;
  nextRunner = Runner.None;
  wrapUp = false;
  nextWrapUp = false;
  fresh = false;
  jobLook = false;
  // (`=== true`: see queueSlot.)
  thenable = slot.thenable === true;
  stackNext = -1;
  held = null;
  nextHeld = null;
  deferred = null;
  nextDeferred = null;
  ranJob = null;
  nextTimer = false;
  layer = false;
  nextLayer = false;
  hashed = false;
  segs++;
}

/**
 * The work willRun announced continues the segment open for its task (engine.ts enter found the
 * task running). In full mode the runtime's resource for a tick or a timer began that segment just
 * before the tracer's own wrapper announced its slot: a segment begun for this very work, with
 * nothing logged yet, takes on what the wrapper knows (where the work was made, the runner of jobs
 * it carries on, the call held back alone it runs), as fast mode's segment for it would have. In
 * any case the announcement goes no further: left pending, it would be taken by the next segment
 * to begin with no announcement of its own — a request's arrival, whose route handler, called by
 * the framework's code, would read as a job a library's runner hands off (pg-boss's worker loop
 * queuing a tick beside a server's requests).
 */
function stay(): void {
  segs++;
  if (depth > 0 && n === segStart && !hashed) {
    if (seed === 0 && nextSeed !== 0) {
      seed = nextSeed;
      makerShape = nextSeed >>> (PLACE_SHIFT + MAKER_BITS);
    }
    if (runner === Runner.None) {
      runner = nextRunner;
      jobLook = looksAtJob(runner);
    }
    if (held === null) held = nextHeld;
    if (deferred === null) deferred = nextDeferred;
    if (ranJob === null && nextTimer && how !== StintEntry.Resumed && strandNow !== null)
      ranJob = strandNow.job;
    if (!wrapUp) wrapUp = nextWrapUp;
    if (!layer) layer = nextLayer;
  }
  nextSeed = 0;
  nextRunner = Runner.None;
  nextHeld = null;
  nextDeferred = null;
  nextWrapUp = false;
  nextLayer = false;
  nextTimer = false;
}

/** The segment now ending, for sorting (dishSort.ts). */
function segment(): Segment {
  return {
    start: segStart,
    end: n,
    shape,
    hash,
    how,
    lead,
    answered,
    thenable,
    runner,
    layer,
    wrapUp,
    fresh,
    held,
    deferred,
    ranJob,
    indexOf,
  };
}

function end(task: Task): void {
  if (n === segStart) {
    if (triedCount > 0) countTries();
    // A stint that left nothing, not even a tick: its task may wait in a library's queue.
    if (lead !== true) leftNothing(task);
    else if (task.parked !== 0) stopWaiting(task);
    // An outermost segment (most: a tick, a continuation) has none to restore (see restore).
    if (depth === 1) {
      hashed = true;
      depth = 0;
      segs++;
    } else restore();
    return;
  }
  if (task.parked !== 0) stopWaiting(task);
  try {
    // Only a stint that left a call unconsumed, called a combinator or made a statement chain
    // (more than one tail, or one in code that cannot await) can have started a dish; and a
    // stint of a library's loop leaves work that carries the loop on, whatever it is.
    const returned = foreignSettle === n;
    // Untracked code (full mode's stints of no task) starts no dishes: its work is no one's.
    if (
      task.id !== 0 &&
      n > segStart &&
      (open > 0 ||
        combs > 0 ||
        tails > 1 ||
        runner === Runner.Loop ||
        (tails === 1 && (how !== StintEntry.Resumed || returned || runner)))
    )
      settle(task, returned, segment());
    // An arrival handed over is taken by the first stint of another task that makes work, or by none.
    if (arrival !== null) passArrival(task);
    if (triedCount > 0) countTries();
  } catch {
    // never disturb the program: the work stays with the task
  }
  for (let i = segStart; i < n; i++) {
    logObj[i] = undefined;
    logParent[i] = undefined;
  }
  forgetLearnt(segStart);
  stackNext = -1;
  n = segStart;
  restore();
  // No segment open, none of the log's records kept: its array may be made anew (stintLog.ts).
  if (depth === 0 && n === 0) renewLog();
}

/**
 * Back to the segment the one ending interrupted, or to none: nothing reads the state outside a
 * segment (no task runs there, and nothing is logged), so it is left as it was. An interrupted
 * segment that had logged nothing gets its own seed back and starts its hash at its first record,
 * as if nothing had interrupted it (its places must not depend on what the nested stint left).
 */
function restore(): void {
  hashed = true;
  segs++;
  if (depth > 0) depth--;
  if (depth === 0) return;
  if (depth < MAX_NESTING) {
    const o = depth * SAVED_FIELDS;
    segStart = saved[o];
    open = saved[o + 1];
    combs = saved[o + 2];
    how = saved[o + 3];
    tails = saved[o + 4];
    foreignSettle = saved[o + 5];
    hash = saved[o + 6];
    shape = saved[o + 7];
    makerShape = saved[o + 8];
    lead = (saved[o + 9] & 1) !== 0;
    answered = (saved[o + 9] & 2) !== 0;
    thenable = (saved[o + 9] & 4) !== 0;
    hashed = (saved[o + 9] & 8) !== 0;
    runner = ((saved[o + 9] >> 4) & 0xf) as Runner;
    fresh = (saved[o + 9] & 0x100) !== 0;
    jobLook = (saved[o + 9] & 0x200) !== 0;
    wrapUp = (saved[o + 9] & 0x400) !== 0;
    layer = (saved[o + 9] & 0x800) !== 0;
    seed = saved[o + 10];
    held = savedHeld[depth];
    savedHeld[depth] = null;
    deferred = savedDeferred[depth] ?? null;
    savedDeferred[depth] = null;
    ranJob = savedRanJob[depth] ?? null;
    savedRanJob[depth] = null;
  } else {
    segStart = 0;
    open = 0;
    combs = 0;
    how = StintEntry.Resumed;
    tails = 0;
    foreignSettle = -1;
    hash = 0;
    shape = 0;
    makerShape = 0;
    lead = false;
    answered = false;
    thenable = false;
    runner = Runner.None;
    wrapUp = false;
    layer = false;
    fresh = false;
    jobLook = false;
    held = null;
    deferred = null;
    ranJob = null;
  }
}

/** After a stint was closed by force (engine.ts closeStrayStints): start over. */
export function resetLog(): void {
  segs++;
  for (let i = 0; i < n; i++) {
    logObj[i] = undefined;
    logParent[i] = undefined;
  }
  forgetLearnt(0);
  n = 0;
  segStart = 0;
  open = 0;
  combs = 0;
  depth = 0;
  held = null;
  deferred = null;
}

export function startDishes(): void {
  setSegmentHandlers({ begin, end, stay });
}

// ------------------------------------------------------------------------------------ logging

/**
 * Places (the hash before the record) where a chain on a promise made before was looked at
 * (readChain): a small table, a collision costs a look. Each place has two slots (its hash's low
 * bits and its high ones): with one, two places of a stint that shared it were each read again at
 * every pass, and the looks ran out before the reads that name members (seed 1034 of truth.test.ts's
 * member case: 125 reads at one slot of 200 looks, `verifyQuery0` named `all[0]`) — which places
 * shared a slot depended on the hashes, which take in the script's name.
 */
const CHAINS_MASK = 4095;
const chainsSeen = new Int32Array(CHAINS_MASK + 1);
/** Whether chain place `key` (odd) was read (see chainsSeen). */
function chainSeen(key: number): boolean {
  return chainsSeen[key & CHAINS_MASK] === key || chainsSeen[(key >>> 16) & CHAINS_MASK] === key;
}
/** Whether chain place `key` may have been read, its slots since taken by others. */
function chainForgotten(key: number): boolean {
  return chainsSeen[key & CHAINS_MASK] !== 0 && chainsSeen[(key >>> 16) & CHAINS_MASK] !== 0;
}
function noteChain(key: number): void {
  if (chainSeen(key)) return;
  const b = (key >>> 16) & CHAINS_MASK;
  chainsSeen[chainsSeen[key & CHAINS_MASK] !== 0 && chainsSeen[b] === 0 ? b : key & CHAINS_MASK] = key;
}

/**
 * The record being logged is a chain on a promise made in an earlier stint (`ready.then((c) =>
 * c.query(sql))` inside `q(sql)`, the connection made before): should it be a combinator's member,
 * no other record of its call says which function of the program's made it. Its stack is read once
 * per place (a server's every request passes the same places) and kept for the stint (dishSort.ts).
 */
function readChain(doubt: boolean): void {
  // In new code (fresh) a place read before is read again on the job looks' budget; one whose slots
  // other places took since cannot be told from it, and is read on that budget too (not on the
  // member looks', which may be spent).
  const key = hash | 1;
  const stack = memberStack(logDerived, fresh && (chainSeen(key) || chainForgotten(key)), doubt);
  if (stack === null) return;
  noteChain(key);
  rootStacks.set(n, stack);
}

/**
 * The index of the record whose stack is read as it is logged (readNext), or -1: the one after a
 * root Node's or a library's code made, whose stack was read (rootedHow).
 */
let stackNext = -1;
/**
 * The read stackNext announces is at a place whose next record was read before, read again in code
 * new to it (fresh): on jobLooks' budget, as a trusted place's second look is.
 */
let nextAnew = false;

/**
 * The record being logged comes right after a promise Node's or a library's code made (stackNext):
 * `util.promisify`'s wrapper makes its `new Promise`, then calls the program's function, whose
 * first callback or promise is this record. Its stack names that function, should the promise be a
 * combinator's member (dishSort.ts, locations.ts calledFunction).
 */
function readNext(skip: (...args: never[]) => unknown, kind: LogKind): void {
  stackNext = -1;
  // Read before at this place, read again in new code (fresh): on jobLooks' budget.
  let anew = nextAnew;
  nextAnew = false;
  if (checking) {
    // After a root whose verdict was taken without a look (see checkNext): once per place.
    checking = false;
    const key = mix(hash, kind) | 1;
    if (checked[key & CHECKED_MASK] === key) {
      if (!fresh) return;
      anew = true;
    } else if (fresh && checked[key & CHECKED_MASK] !== 0) anew = true; // perhaps read before: see readChain
    checked[key & CHECKED_MASK] = key;
  }
  if (rootStacks.has(n)) return;
  const stack = memberStack(skip, anew);
  if (stack !== null) rootStacks.set(n, stack);
}

/**
 * The root just logged took its place's verdict without a look — an async function of the
 * program's entered (the place trusted, or the stacks rationed out): its call's next record is read
 * (readNext) the first time the stint comes to the place after it with a record of that kind. A
 * place is shared by the code that reaches the same position in stints of the same shape — a
 * mapper's jobs that call different functions of the program's — and where the code after the root
 * is new, the root may be another call than the place said: a `util.promisify`'d function's `new
 * Promise` where, in other jobs' stints, an async function was entered. Should it be a combinator's
 * member found at a place of its own, its next record names the function the wrapper called
 * (dishSort.ts, locations.ts calledThroughOthers), as readNext's does after a look (seed 150466 with
 * 16 `resize` jobs before `index`: `all[0]`). A server's code paths come back to the same places:
 * one stack each.
 */
function checkNext(): void {
  stackNext = n + 1;
  nextAnew = false;
  checking = true;
}
/** The read announced by stackNext is checkNext's (every setter of stackNext sets it). */
let checking = false;
/** Places after an unlooked root whose record was read (checkNext): a collision costs a look. */
const CHECKED_MASK = 4095;
const checked = new Int32Array(CHECKED_MASK + 1);

/** Logs a root promise; returns the stamp its maker stores on it (see kIdx). */
export function logRoot(p: object): number {
  if (n >= MAX_LOG) return ROOT_BIT | UNLOGGED;
  if (!hashed) startHash();
  const stamped = stamp(n) | ROOT_BIT;
  if (n === stackNext) readNext(logRoot, LogKind.Root);
  logObj[n] = p;
  logKind[n] = LogKind.Root;
  logUsed[n] = 0;
  logRooted[n] = rootedHow();
  logFrom[n] = rootFrom;
  logHash[n] = hash;
  // A place where a dish was found before, not yet told apart: the call being made now shows
  // whose it is — and what made its root, which a verdict taken without a look may have said
  // otherwise (see disagrees).
  if (hasPlace(armed, hash)) {
    const seen = learnAtCreation(hash, n);
    if (
      seen !== Rooted.Unknown &&
      seen !== logRooted[n] &&
      (unlooked === UNLOOKED_ENTERED || unlooked === UNLOOKED_RUNTIME)
    )
      disagrees(n, seen, learntImport ? CalledFrom.Import : CalledFrom.Unknown);
    else if (seen === Rooted.ByRuntime && hasPlace(eachCall, hash)) readNextOf(n);
  }
  advance(LogKind.Root);
  n++;
  open++;
  return stamped;
}

/** Logs a promise derived from `parent`; returns the stamp its maker stores on it (see kIdx). */
export function logDerived(p: object, parent: object, inJob = false): number {
  if (n >= MAX_LOG) return UNLOGGED;
  if (!hashed) startHash();
  const parentStamp = (parent as Logged)[kIdx];
  const j = parentStamp !== undefined ? parentStamp & LOG_MASK : -1;
  let made: Made = Made.Unknown;
  const ours = j >= segStart && j < n && logObj[j] === parent;
  // A call's own promise, made in an earlier stint, chained now (a resolve-with-thenable job's
  // `then` is foldIfReturned's): perhaps a dish a library takes on after all.
  if (!ours && !inJob && parentStamp !== undefined && (parentStamp & ROOT_BIT) !== 0)
    foldIfChainedLater(parent);
  // A chain on a promise made before (`ready.then(…)`), or one that another link hangs on already
  // (a client the first call connected, chained by each): perhaps a combinator's member, begun by
  // this link. The stack names the function of the program's that made it, once per place
  // (dishSort.ts) — and again, where a look at a member's lead read it before, while the doubts'
  // budget lasts: which records before a member's promise its call made (dishSort.ts leadOf) holds
  // only while the same code reaches the place.
  if (
    (!ours || logUsed[j] !== 0) &&
    !inJob &&
    (fresh ||
      !chainSeen(hash | 1) ||
      hasPlace(eachCall, hash) ||
      (hasPlace(leadRecords, hash) && doubtAllowed(stintClock.stint)))
  )
    readChain(!fresh && chainSeen(hash | 1) && !hasPlace(eachCall, hash));
  else if (n === stackNext) readNext(logDerived, LogKind.Derived);
  if (ours && logUsed[j] === 0) {
    if (
      j === n - 1 &&
      logKind[j] === LogKind.Derived &&
      (j === ownChain
        ? logWrapper[j] === 0
        : logMade[j] === Made.ByAwait && logKind[logParentAt[j]] === LogKind.Root)
    ) {
      // `p` awaits the promise made just before from a function's own promise, not by a `.then`:
      // that was V8's wrapper for `await thenable` — the function suspends, nobody consumed it.
      // Not settled as it was made (a plain value's wrapper is: logSettled unwrapped it), it takes
      // on a thenable (or a promise of another constructor): the job V8 runs to call the
      // thenable's `then` with the wrapper's resolving functions runs with it, and is marked as a
      // combinator's is (promises.ts before: a root's stamp), so that what `then` starts is read as
      // a thenable's (Segment.thenable; `then(resolve, reject) { this.run().then(resolve, reject); }`:
      // `run` the awaiting code's work, as a member's, dishSort.ts thenCallSettles).
      if (logWrapper[j] === 0) thenableWrapper(parent as Logged);
      if (j !== ownChain) unwrap(j);
    }
    logUsed[j] = 1;
    if (logKind[j] === LogKind.Root) open--;
    else tails--;
    made = madeHow(j);
  }
  // Made from a root of an earlier stint that the running task's code made: perhaps `await
  // thenable`'s wrapper in a stint that resumed the awaiting function, whose own promise (made
  // before) is its parent — told by the await made from it next (see thenableWrapper).
  if (!ours && parentStamp !== undefined && (parentStamp & ROOT_BIT) !== 0) ownChain = ownTagged(parent);
  else if (ownChain !== -1) ownChain = -1;
  const stamped = stamp(n);
  logObj[n] = p;
  logParentAt[n] = ours ? j : -1;
  logKind[n] = LogKind.Derived;
  logUsed[n] = 0;
  logWrapper[n] = 0;
  logMade[n] = made;
  logHash[n] = hash;
  advance(LogKind.Derived);
  // The place takes in how far back its parent was made in this segment — not the index stamped on
  // a promise of an earlier stint (a client connected before, chained by every query), which can
  // fall inside this segment's range or not with what the earlier stint logged: one member's link
  // at one line then made two places, and the place where no stack was read (read once per place,
  // readChain) named it after the function its callback called (seed 168000: `warmUp` for
  // `warmUpQuery18`, in a call awaited after a stint that gave the same call to `Promise.race`).
  advance(ours ? n - j : 0xffff);
  n++;
  tails++;
  return stamped;
}

/**
 * `await thenable`'s wrapper `w` (logDerived): its stamp takes ROOT_BIT, which tells promises.ts
 * `before` that the job running with it is a "resolve with a thenable" job — as for a promise a
 * combinator was given (asPromises), a root. Nothing else reads the bit on it: nobody chains the
 * wrapper but V8's own `await`, made already, and its settling ends no member (it has no dish).
 */
function thenableWrapper(w: Logged): void {
  try {
    w[kIdx] = w[kIdx]! | ROOT_BIT;
  } catch {
    // frozen: its job stays unmarked
  }
}

/**
 * The record (index) just logged when it is a DERIVED that an `await` made from a root of an
 * earlier stint that the running task's code made, else -1: the parent of `await thenable`'s
 * wrapper in a stint that resumed the awaiting function is that function's own promise, made in
 * its first stint. The await made from the record next, with the record not settled as it was made
 * (a plain value's wrapper is), says it was such a wrapper (logDerived). Who made the record — an
 * `await`, or a `.then` on such a root awaited at once (`await gate.then(f)`, whose reaction is no
 * thenable's) — is read from its stack once per place, on a budget of its own (locations.ts
 * madeByAwait), and kept in a table of its own (`wrapperPlaces`): a library's code passes many such
 * places (fetch's `.then` on a response made before), and read as madeHow reads (a first look on
 * the methods' budget, then up to 16 confirmations a place, and second looks) it spent the looks
 * that place and name dishes (2026-12-07: a Promise.all member named `all[1]`). Rationed out, the
 * record is not taken for a wrapper, and its place is looked at again next time.
 */
let ownChain = -1;
function ownTagged(parent: object): number {
  const tag = (parent as Logged)[kTag];
  if (tag === undefined || current === null || taskOf(tag) !== current) return -1;
  const key = mix(hash, WRAPPER_SALT) | 1;
  const slot = key & WRAPPER_MASK;
  if (wrapperPlaces[slot] !== key) {
    const byAwait = madeByAwait(logDerived, stintClock.stint);
    if (byAwait === null) return -1;
    wrapperPlaces[slot] = key;
    wrapperAwaits[slot] = byAwait ? 1 : 0;
  }
  return wrapperAwaits[slot] === 1 ? n : -1;
}
/**
 * Places (their key, odd) of a promise made from a root of an earlier stint of the running task's,
 * and whether an `await` made it there (ownTagged): a small table, a collision costs a look.
 */
const WRAPPER_MASK = 1023;
const WRAPPER_SALT = 0x3b9;
const wrapperPlaces = new Int32Array(WRAPPER_MASK + 1);
const wrapperAwaits = new Uint8Array(WRAPPER_MASK + 1);

/** Wrapper `w`: the function whose own promise it was made from suspends; it did not return. */
function unwrap(w: number): void {
  logWrapper[w] = 1;
  const r = logParentAt[w];
  if (r !== -1 && logUsed[r] === 1) {
    logUsed[r] = 0;
    if (logKind[r] === LogKind.Root) open++;
  }
}

/**
 * What the stack said at a place, by place: a server runs the same code paths over and over, so a
 * few stacks per place serve every call made there. A small open-addressed table (0 is "not
 * known"): a key looks in PLACE_PROBES slots from its own, so places that share a slot are both
 * kept — one pushed out costs stacks to learn again, and with the stacks rationed out a dish goes
 * unseen (seed 957: an `afterGate()` call forgotten that way).
 *
 * A place is the records logged so far, and what comes next there can still differ with the
 * program's data: after a `for await` resumes, the loop's body makes the iterator's `new Promise`,
 * its exit calls a function (seed 1606). So a place's verdict is trusted only once CONFIRMATIONS
 * stacks agreed on it; one that disagrees makes the place ambiguous, looked at every time (while
 * stacks last; then, like a place not yet confirmed, it says what it said last, or nothing).
 */
const PLACE_SLOTS = 4095;
const PLACE_PROBES = 4;
const CONFIRMATIONS = 16;
const AMBIGUOUS = 0xff;
class PlaceVerdicts {
  private readonly keys = new Int32Array(PLACE_SLOTS + PLACE_PROBES);
  private readonly verdicts = new Uint8Array(PLACE_SLOTS + PLACE_PROBES);
  private readonly agreed = new Uint8Array(PLACE_SLOTS + PLACE_PROBES);
  /** The verdict once confirmed, else 0: what `trusted` reads (a busy server's every record). */
  private readonly confirmed = new Uint8Array(PLACE_SLOTS + PLACE_PROBES);
  /**
   * A second thing the last stack said at the place, kept beside its verdict (who called the
   * function a root enters, CalledFrom: rootedHow), 0 when none: read with the verdict, at the
   * cost of a typed array's element, not a Map lookup a record.
   */
  private readonly extras = new Uint8Array(PLACE_SLOTS + PLACE_PROBES);

  /** The second thing said at `key` (see extras); 0 when none, or the place is not kept. */
  extra(key: number): number {
    const slot = key & PLACE_SLOTS;
    if (this.keys[slot] === key) return this.extras[slot];
    const s = this.slotOf(key);
    return s === -1 ? 0 : this.extras[s];
  }

  /** Keeps `value` as the second thing said at `key` (a place `set` keeps). */
  setExtra(key: number, value: number): void {
    const s = this.slotOf(key);
    if (s !== -1) this.extras[s] = value;
  }

  private slotOf(key: number): number {
    const slot = key & PLACE_SLOTS;
    for (let s = slot; s < slot + PLACE_PROBES; s++) {
      const k = this.keys[s];
      if (k === key) return s;
      if (k === 0) return -1;
    }
    return -1;
  }

  /** The verdict at `key` once enough stacks agreed on it; else 0 (take a look). */
  trusted(key: number): number {
    const slot = key & PLACE_SLOTS;
    if (this.keys[slot] === key) return this.confirmed[slot];
    const s = this.slotOf(key);
    return s === -1 ? 0 : this.confirmed[s];
  }

  /** The last verdict at `key`, trusted or not (0: none, or the place is ambiguous). */
  latest(key: number): number {
    const s = this.slotOf(key);
    return s !== -1 && this.verdicts[s] !== AMBIGUOUS ? this.verdicts[s] : 0;
  }

  /**
   * What the log showed of a call made at `key` disagrees with the verdict taken there without a
   * look (see rootedHow, `disagrees`): the place is ambiguous from now on, trusted no more, each
   * call there looked at while the stacks last, as when two stacks disagree.
   */
  doubt(key: number): void {
    const s = this.slotOf(key);
    if (s === -1) return;
    this.verdicts[s] = AMBIGUOUS;
    this.confirmed[s] = 0;
  }

  /** A stack said `verdict` at `key`: it agrees with what was said there before, or not. */
  set<V extends number>(key: number, verdict: V): V {
    const slot = key & PLACE_SLOTS;
    let at = slot + ((key >>> 12) & (PLACE_PROBES - 1)); // all full: one of them gives way
    for (let s = slot; s < slot + PLACE_PROBES; s++) {
      const k = this.keys[s];
      if (k === key) {
        if (this.verdicts[s] === verdict) {
          if (this.agreed[s] < CONFIRMATIONS && ++this.agreed[s] === CONFIRMATIONS)
            this.confirmed[s] = verdict;
        } else {
          this.verdicts[s] = AMBIGUOUS;
          this.confirmed[s] = 0;
        }
        return verdict;
      }
      if (k === 0) {
        at = s;
        break;
      }
    }
    this.keys[at] = key;
    this.verdicts[at] = verdict;
    this.agreed[at] = 1;
    this.confirmed[at] = 0;
    this.extras[at] = 0;
    return verdict;
  }
}

/**
 * How the promise being made from record `j` (unconsumed, of this segment) is made: by an `await`
 * or by a promise method, learnt per place from a few stacks (the method shows as the runtime's
 * own frame on top). Unknown when rationed out.
 */
const madePlaces = new PlaceVerdicts();
function madeHow(j: number): Made {
  const key = mix(mix(hash, LogKind.Derived), n - j) | 1;
  const known = madePlaces.trusted(key);
  if (known !== 0 && !fresh && !doubtAllowed(stintClock.stint)) return known;
  // A place seen before is looked at again on a budget of its own: confirming it never starves a
  // place seen for the first time (and a trusted one, in new code, on jobLooks'; else on the
  // doubts' budget, see doubted).
  const latest = known !== 0 ? known : madePlaces.latest(key);
  const doubt = known !== 0 && !fresh;
  const method = madeByPromiseMethod(logDerived, latest !== 0, fresh && latest !== 0, doubt);
  if (method === null) return latest;
  if (doubt) doubted(known, method);
  return madePlaces.set(key, method);
}

/**
 * A trusted place was looked at again (the doubts' budget, locations.ts) and the look said `said`
 * where the place said `known`: the code reaching it is not the code that taught it (a program's
 * function called where a library's was, 23 times before), so the rest of the segment is new code
 * (fresh) — its other verdicts are looked at again too — and the place, whose `set` follows, is
 * trusted no more.
 */
function doubted(known: number, said: number): void {
  if (said !== known) fresh = true;
}

/**
 * What makes the root being logged now: the runtime (`new Promise`, whose executor returns before
 * its maker goes on), an async function entered (which runs on; the program's, a library's or Node's), or
 * the module loader evaluating a module — learnt per place from a few stacks, like `madeHow`.
 * Unknown when rationed out and not yet seen.
 */
const rootPlaces = new PlaceVerdicts();
/**
 * The verdict kept for a place where a library's async function is entered from the library's own
 * code (Rooted.ByLibrary with CalledFrom.Library, see stintParse.ts calledByLibrary): in the
 * verdict itself, so that a library's roots cost no lookup of who called them (a busy server makes
 * many; the program's roots look theirs up in `fromPlaces`).
 */
const BY_LIBRARY_FROM_LIBRARY = 0x10 | Rooted.ByLibrary;
/** A place's verdict: an async function of Node's own entered (CalledFrom.Runtime). */
const BY_NODE = 0x20 | Rooted.ByLibrary;
/** A place's verdict: `import()`'s promise (CalledFrom.Import). */
const BY_IMPORT = 0x30 | Rooted.ByLibrary;
/**
 * Root places (their key, odd) where a look saw a promise Node's or a library's code made and read
 * the call's next record (readNext): a small table, a collision costs a look.
 */
const NEXT_MASK = 1023;
const nextSeen = new Int32Array(NEXT_MASK + 1);
/** For each place of nextSeen, the code that made the promise whose next record was read (othersMaker). */
const nextMakers: string[] = new Array<string>(NEXT_MASK + 1).fill('');
function rootedHow(): Rooted {
  const key = mix(hash, LogKind.Root) | 1;
  const known = rootPlaces.trusted(key);
  rootFrom = CalledFrom.Unknown;
  unlooked = 0;
  // A trusted place is looked at again in a segment whose code is new to its places (fresh), and
  // where a library's runner calls the program's functions: which one depends on its data. (Not
  // where its word is a library's or Node's own async function its own code entered: the runner's
  // code, the same for every job, before it calls the job — two stacks a job for nothing, which
  // ran the job looks out in a program whose mapper of 20 jobs runs in dozens of calls.)
  // (And, as every trusted place, now and then on the doubts' budget: see doubted.)
  const doubt = known !== 0 && !fresh && (!jobLook || known === BY_LIBRARY_FROM_LIBRARY || known === BY_NODE);
  if (doubt && !doubtAllowed(stintClock.stint)) return unlookedAt(key, known);
  const latest = known !== 0 ? known : rootPlaces.latest(key);
  const maker = rootMaker(logRoot, latest !== 0, (jobLook || fresh) && latest !== 0, doubt);
  if (jobLook && (maker === null || entered !== null)) jobLook = false;
  if (doubt && maker !== null)
    doubted(
      known,
      maker !== Rooted.ByLibrary
        ? maker
        : enteredNode
          ? BY_NODE
          : enteredFrom === null || enteredFrom === ''
            ? maker
            : BY_LIBRARY_FROM_LIBRARY,
    );
  // The stack of a promise the runtime or a library made, should it be a member's (dishSort.ts);
  // made by Node's or a library's code, the program's function it calls next shows at the call's
  // next record (readNext), read at the place's first look that saw such a promise: its first look
  // of all, or one after it said something else (a place is the code path two stints deep and the
  // record's position: a mapper's job that makes a `util.promisify`'d member's promise as its
  // stint's second record is at the place where, in stints before, the job's `Promise.all` entered
  // the async function that makes it — seed 150466's `all[0]`, no stack of the call's next record).
  // A look that sees other code of Node's or a library's make the promise than the one whose next
  // record was read (a place is a position in stints of a shape, and different code reaches it:
  // `events.on`'s iterator's `return()` promise in the stint of a `for await` loop's `break`, a
  // `util.promisify`'d member's `new Promise` in the stint after it, which resumes the loop's await
  // as that one did and has its shape — seed 166530's `any[0]`): the code from here
  // on is new to the places this segment passes (see fresh, noteEntered), and this call's next
  // record is read again.
  if (makerStack !== null && maker !== Rooted.ByCall) {
    rootStacks.set(n, makerStack);
    const slot = key & NEXT_MASK;
    const seen = latest !== 0 && nextSeen[slot] === key;
    if (madeByOthers(makerStack)) {
      const by = othersMaker(makerStack);
      if (seen && nextMakers[slot] !== by) fresh = true;
      if (!seen || fresh) {
        // In new code, a place whose slot another took since is perhaps read before: see readChain.
        nextAnew = seen || (fresh && latest !== 0 && nextSeen[slot] !== 0);
        nextSeen[slot] = key;
        nextMakers[slot] = by;
        stackNext = n + 1;
        checking = false;
      }
    }
  }
  if (maker === null) return latest === 0 ? Rooted.Unknown : unlookedAt(key, latest);
  if (maker === Rooted.ByLibrary) {
    if (enteredNode) {
      rootPlaces.set(key, BY_NODE);
      return nodeFunction();
    }
    if (madeByImport) {
      rootPlaces.set(key, BY_IMPORT);
      return importPromise();
    }
    if (enteredFrom === null || enteredFrom === '') return rootPlaces.set(key, maker);
    rootPlaces.set(key, BY_LIBRARY_FROM_LIBRARY);
    return libraryFromLibrary();
  }
  if (maker === Rooted.ByCall)
    rootFrom =
      enteredFrom === null
        ? enteredByEvent
          ? CalledFrom.LibraryEvent
          : enteredViaLibrary && !enteredInPromise
            ? CalledFrom.ProgramViaLibrary
            : CalledFrom.Program
        : enteredFrom === ''
          ? enteredInPromise
            ? CalledFrom.ProgramThroughLibraryPromise
            : CalledFrom.ProgramThroughLibrary
          : CalledFrom.Library;
  // The function entered is the dish's, should this call make one: its name, at no extra cost
  // (a combinator member whose chain never shows it, `return Promise.race([work(), …])`).
  if (entered !== null) {
    learntAt.set(n, entered.fn);
    learntWhere.set(n, entered);
    noteEntered(key, entered);
  }
  if (enteredFrom !== null && enteredFrom !== '') learntFrom.set(n, enteredFrom);
  rootPlaces.set(key, maker);
  if (maker === Rooted.ByCall) rootPlaces.setExtra(key, rootFrom);
  return maker;
}

/**
 * The verdict `said` at place `key`, taken without a look (the place trusted, or the stacks
 * rationed out): what the log shows next of the call is set against it (see disagrees, checkNext).
 */
function unlookedAt(key: number, said: number): Rooted {
  if (said === Rooted.ByCall) {
    unlooked = UNLOOKED_ENTERED;
    fromPlace(key);
    checkNext();
    return said;
  }
  // (A library's or Node's roots are left as their places say: Node's code makes promises in
  // ways a stack shows alike, and a program's function never runs there.)
  unlooked = said === Rooted.ByRuntime ? UNLOOKED_RUNTIME : 0;
  if (said === BY_LIBRARY_FROM_LIBRARY) return libraryFromLibrary();
  if (said === BY_NODE) return nodeFunction();
  if (said === BY_IMPORT) return importPromise();
  return said as Rooted;
}

/**
 * Whether the root being logged took its place's verdict without a look (UNLOOKED_ENTERED: an async
 * function of the program's entered; UNLOOKED_RUNTIME: the runtime made it), else 0.
 */
let unlooked = 0;
const UNLOOKED_ENTERED = 1;
const UNLOOKED_RUNTIME = 2;

/**
 * Root `j`, whose verdict its place gave without a look, was made by `seen`, as a stack read at its
 * call shows (dishNames.ts learnAtCreation, at a place armed: where a dish was found with no name
 * of its place's, now and then where dishes are named by their place). A place is the position in
 * stints of a given shape, and different code reaches it (a mapper's jobs calling different
 * functions of the program's: a `resize` job's `Promise.all` enters `index` where an `index` job
 * makes its `util.promisify`'d member's `new Promise`): the record is corrected before the stint is
 * parsed, and the place, trusted or not, is trusted no more — each call there is looked at (while
 * the stacks last) as at any place where two stacks disagreed.
 */
function disagrees(j: number, seen: Rooted, from: CalledFrom): void {
  if (logRooted[j] === seen) return;
  logRooted[j] = seen;
  logFrom[j] = from;
  rootPlaces.doubt(mix(logHash[j], LogKind.Root) | 1);
  // Read at its very call: made by Node's or a library's code, the program's function it calls
  // shows at the call's next record (readNext).
  if (j === n && seen === Rooted.ByRuntime) readNextOf(j);
}

/**
 * Root `j`, being logged, had its stack read at its very call (learnAtCreation): made by Node's or a
 * library's code, the program's function it calls shows at the call's next record, read then
 * (readNext).
 */
function readNextOf(j: number): void {
  const made = rootStacks.get(j);
  if (made !== undefined && madeByOthers(made)) {
    stackNext = j + 1;
    nextAnew = false;
    checking = false;
  }
}

/**
 * The function of the program's that the last look at each root place saw entered (a hash of where
 * it is), by place. Not a small table of slots: a place whose slot another took since would seem
 * seen for the first time, and the other function it enters now would not make the code new
 * (fresh) — which place shared a slot depended on the hashes, which take in the script's name (a
 * mapper's `warmUp` job named after the `notify` jobs before it in one program of 40 alike but for
 * the file's name). Looks are rationed, and this is noted after one: a Map, emptied when full.
 */
const MAX_ENTERED = 16384;
const enteredFns = new Map<number, number>();
/**
 * A look at root place `key` saw `fn` entered: should the place's last look have seen another
 * function, the code from here on is new to the places this segment passes (see fresh).
 */
function noteEntered(key: number, fn: CodeLocation): void {
  const id = mix(mix(mix(fn.line, fn.column), fn.file.length), fn.fn.length) | 1;
  const last = enteredFns.get(key);
  if (last !== undefined && last !== id) fresh = true;
  if (last === undefined && enteredFns.size >= MAX_ENTERED) enteredFns.clear();
  enteredFns.set(key, id);
}

/** An async function of Node's own (see CalledFrom.Runtime). */
function nodeFunction(): Rooted {
  rootFrom = CalledFrom.Runtime;
  return Rooted.ByLibrary;
}

/** `import()`'s promise (see CalledFrom.Import). */
function importPromise(): Rooted {
  rootFrom = CalledFrom.Import;
  return Rooted.ByLibrary;
}

function libraryFromLibrary(): Rooted {
  rootFrom = CalledFrom.Library;
  return Rooted.ByLibrary;
}

/**
 * Who called the program's or the library's function whose root is being logged (see CalledFrom):
 * read from the stack when one is taken, else what the last stack at the same place said (kept
 * beside the place's verdict: PlaceVerdicts.extra).
 */
let rootFrom: CalledFrom = CalledFrom.Unknown;
function fromPlace(key: number): void {
  rootFrom = rootPlaces.extra(key) as CalledFrom;
}

/** A promise settled: logged when it is a root of this stint (its function returned). */
/** Whether `p` was made in the segment of the stint now logged (else before it, or not logged). */
export function madeNow(p: object): boolean {
  const stamped = (p as Logged)[kIdx];
  if (stamped === undefined) return false;
  const j = stamped & LOG_MASK;
  return j >= segStart && j < n && logObj[j] === p;
}

/**
 * Whether `p`, a promise logged in this segment, was made by `.then`, `.catch` or `.finally` (the
 * program's or a library's), as its stack was read (madeHow): then its parent's settling queues its
 * reaction. False where that is not known (not read, rationed out) or it was made by an `await`.
 */
export function madeByMethod(p: object): boolean {
  const stamped = (p as Logged)[kIdx];
  if (stamped === undefined) return false;
  const j = stamped & LOG_MASK;
  if (j < segStart || j >= n || logObj[j] !== p) return false;
  const made = logMade[j];
  return made === Made.ByMethod || made === Made.ByLibraryMethod;
}

export function logSettled(p: object): void {
  const stamped = (p as Logged)[kIdx];
  const j = stamped !== undefined ? stamped & LOG_MASK : -1;
  const ours = j >= segStart && j < n && logObj[j] === p;
  if (!ours && stamped !== undefined && (stamped & ROOT_BIT) !== 0) {
    memberSettled(p as Logged);
    const run = (p as Logged)[kSide];
    if (run !== undefined) sideSettled(run);
    else loneSettled(p as Logged);
  }
  if (n >= MAX_LOG) return;
  if (!ours) {
    foreignSettle = n;
    return;
  }
  if (logKind[j] === LogKind.Derived) {
    // Settled as it was made: `await value`'s wrapper.
    if (j === n - 1) {
      unwrap(j);
      advance(LogKind.Settle);
    }
    return;
  }
  if (logKind[j] !== LogKind.Root) return;
  logObj[n] = p;
  logKind[n] = LogKind.Settle;
  logHash[n] = hash;
  advance(LogKind.Settle);
  advance(n - j);
  n++;
}

/**
 * A promise settled while no task runs (a timer Node's own `timers/promises` set, which fast mode
 * sees no callback of): a member's promise settled so ends the member, as one settled by another
 * task's code does.
 */
export function settledOutside(p: object): void {
  const stamped = (p as Logged)[kIdx];
  if (stamped !== undefined && (stamped & ROOT_BIT) !== 0) memberSettled(p as Logged);
}

/**
 * A library's call nobody awaited that ran a job (a queue's runner, `run = async () => {
 * resolve(await job()); … }`) settles promise `p`. Made by the code of a task still at work — not
 * the call's asker, not the job — `p` is that task's wait on the job (the `new Promise` its `add`
 * made and it awaits): the job is that task's, from its start, and so is what the call does from
 * now on (the runner starting the next job). The asker was only the code in whose lane the queue
 * happened to start it: a job that ended before, or nobody.
 */
export function jobSettles(strand: Strand, p: object): void {
  const job = strand.job!;
  // A job settles one wait. Once the runner has settled it (one of the job's strands — its await on
  // the job, its `.then` on it, links it made after the call — has passed below), the others say no
  // more of whose the job is: the code that waited goes on in such a strand, and what it settles
  // later (a timer it sets resolving deferreds that `Promise.all` members await) is its own doing,
  // not the runner's (seed 169858: the members' parent became a queue's job's, and the code after
  // the `Promise.all` ran in a member's lane). Only a member's own wait on the job still takes it
  // in (below): a retry's call that waits again, cockatiel's `wrap(retry, bulkhead)`.
  const placed = jobsPlaced.has(job);
  const tag = (p as Logged)[kTag];
  // A promise of the call's own, or of a library's call nobody awaited made inside it, is no task's
  // wait on the job: a wrapper the runner hangs on the job's promise and awaits instead (p-queue
  // with a `timeout` awaits p-timeout's `new Promise`, settled from a `.then` on the job's) says
  // nothing of who waits; the runner goes on from it to settle the wait (dishSort.ts).
  // Nor is one made under another job's runner: a retry's next call of its own, which the try
  // before made (see dishSort.ts triesAgain), settling as it returns.
  if (tag === undefined || tag === strand || tag.lib || tag.job !== null) return;
  const waiter = taskOf(tag);
  jobSettledWait(job);
  // (A member whose own promise this is ended as it settled, just now: its wait was the job. So
  // did one whose call returned this promise, its wait: memberWaits.)
  const own = (p as Logged)[kDish] === waiter || (anyMemberWaits && memberWaits.get(p) === waiter);
  if (placed && !own) {
    strand.job = null;
    return;
  }
  if (waiter === null || waiter === job || waiter.folded || (workOver(waiter) && !own)) return;
  strand.job = null;
  jobsPlaced.add(job);
  // Not a task inside the job (its own work), nor the code that asked for the call.
  for (let r: Strand | null = waiter.base; r !== null; r = r.prev) if (r.task === job) return;
  const asker = strand.prev !== null ? taskOf(strand.prev) : null;
  // The last of a retry's tries (see dishSort.ts triesAgain): it and the tries before are the work
  // of the code whose wait it settles.
  if (triedAgain(job)) {
    foldTries(job, waiter);
    return;
  }
  if (waiter === asker) return;
  reparentTask(job, waiter);
  strand.prev = waiter.base;
  // A combinator's member whose own promise the job settles, its call having run no job yet, is the
  // job its call asked for (as when the library adopts the job's promise: jobAdopted) — fastq's
  // `push` given to `Promise.all`, its job started later from another job's wrap-up.
  // So is one that took in a job before, whose call waits again on a promise it made (a retry's
  // next try, queued by the bulkhead it wraps): the member runs its job again.
  if (!own || !(memberTakesJob(waiter) || (anyMemberWaits && memberWaits.get(p) === waiter))) return;
  forget(job);
  foldTask(job, waiter);
  tookJobOf(job, waiter);
}

/** Jobs whose runner has settled the wait they were for (see jobSettles). */
const jobsPlaced = new WeakSet<Task>();

/**
 * A "resolve with a thenable" job: a combinator's member's own promise (`adopter`) takes on
 * `parent`, a promise made in the member's lane — its call returned a promise it made, whose
 * outcome is the member's (cockatiel's bulkhead: `execute`, an async function of the library's
 * given to `Promise.all` as it is, returns the `new Promise` it queued the job with). That promise
 * is the member's own wait: a job the library later starts in another's lane and that settles it
 * is the member's, as for a member that is that promise (see jobSettles).
 */
export function memberAdopts(parent: object, adopter: object | null): void {
  if (adopter === null) return;
  let member = (adopter as Logged)[kDish];
  if (member === undefined) {
    // A promise a library's function made inside the member's call and the call waits for, not
    // the member's own: cockatiel's `wrap(retry, bulkhead)`, whose retry awaits the bulkhead's
    // `execute` (the promise that takes on the queued job's), the member being the retry's. The
    // member must be the library's call given as it is (named after its place): a function of the
    // program's that awaits such a call has work of its own, the job a task under it.
    const made = (adopter as Logged)[kTag];
    if (made === undefined || made.job !== null) return;
    const task = taskOf(made);
    if (task === null || !memberCalledAsIs(task)) return;
    member = task;
  }
  if (!member.endsWhenSettled || member.ended || member.folded) return;
  const tag = (parent as Logged)[kTag];
  if (tag === undefined || tag.lib || tag.job !== null || taskOf(tag) !== member) return;
  memberWaits.set(parent, member);
  anyMemberWaits = true;
}
/** Promises a member's call returned and its own promise took on (see memberAdopts). */
const memberWaits = new WeakMap<object, Task>();
let anyMemberWaits = false;

/**
 * Promises a connection's read settled before it became a stint, or with none (engine.ts): a
 * member whose promise the read settled ends with it — unless the read became that member's own
 * stint, whose end is its lane's (its call returned). Replies to several tasks' waits in one read
 * (pipelined redis commands) run as nobody's, and their members end there.
 */
setProbeSettlesHandler((settled, ranAs) => {
  for (const p of settled) {
    const dish = (p as Logged)[kDish];
    if (dish === undefined) continue;
    if (dish === ranAs) {
      if (dish.endsWhenSettled) returnedNow(dish);
    } else settledOutside(p);
  }
});

/**
 * A member's promise settled. By the member's own code: its call returned (engine.ts, openerDone).
 * By code that is not the member's: the call is over though it may never have run — a member of `Promise.all` that is `loader.load(id)` (DataLoader's `new Promise`,
 * resolved by the batch another call's code runs), or a promise resolved by an event. Its end is
 * recorded then (a dish that runs ends with its last stint; this one had none, and its lane waited
 * with no end); what the settling code does is still that code's own work.
 */
function memberSettled(p: Logged): void {
  const dish = p[kDish];
  if (dish === undefined || !dish.endsWhenSettled || dish.ended || dish.folded) return;
  if (dish === current) {
    returnedNow(dish);
    return;
  }
  dish.ended = true;
  endTask(dish, TaskEnd.Finished);
}

/** A dish's own code settled its promise: its call returned (and a call nobody awaited ends). */
function returnedNow(dish: Task): void {
  if (dish.returned) return;
  dish.returned = true;
  if (dish.endsOnReturn) endTask(dish, TaskEnd.Finished);
}

/** A callback handed to the runtime now: the slot it runs through. Null when no task runs. */
export function regSlot(): Slot | null {
  if (current === null) return null;
  const slot = new Slot(strandNow !== null ? baseNow(current) : current.base);
  if (n < MAX_LOG) {
    if (!hashed) startHash();
    if (n === stackNext) readNext(regSlot, LogKind.Reg);
    slot[kIdx] = stamp(n);
    logObj[n] = slot;
    logKind[n] = LogKind.Reg;
    logHash[n] = hash;
    advance(LogKind.Reg);
    n++;
  }
  return slot;
}

/**
 * A tick or microtask queued now: the slot it runs through. Before the stint has logged anything, no call of it is open, so the callback is no dish's
 * work whatever the rest of the stint does (a dish's work starts at its call's first record): it
 * is not logged, and one slot serves every such callback of the task at that place — most of a
 * busy server's ticks are queued that way, by Node's own streams, and cost no allocation.
 */
export function queueSlot(): Slot | null {
  const task = current;
  if (task === null) return null;
  const dispatch = how === StintEntry.Dispatched;
  // (A stint of a library's loop logs it: the tick carries the loop on, Runner.Loop. So does one
  // that resumes a runner of jobs: a microtask it queues goes on with the runner — p-queue 9's
  // `queueMicrotask(() => this.#next())` starting the next job.)
  if (n !== segStart || runner === Runner.Loop || runner === Runner.Job) {
    const slot = regSlot();
    if (slot !== null) {
      slot.dispatch = dispatch;
      if (runner === Runner.Job) carriesRunner(slot);
      slot.thenable = thenable;
    }
    return slot;
  }
  // Another callback queued before the segment's first record: the place, and so the slot, are the
  // ones the first got, unless a strand came in between (the rest cannot change within a segment).
  if (leadSeg === segs) {
    const shared = lastSlot.slot!;
    if (shared.r === (strandNow !== null ? baseNow(task) : task.base)) return shared;
  }
  // (`=== true` on these flags: see sources/ticks.ts enterQueued.)
  if (lead !== true) {
    // Once per segment: what the stint did first is part of its shape (the parse reads it). Its
    // hash is started only when a record comes (startHash takes `lead` in): most ticks' stints
    // queue a tick or two and log nothing.
    lead = true;
    if (hashed === true) advance(LogKind.Reg);
  }
  const place = hashed === true ? stamp(n) : leadPlace(task);
  const base = strandNow !== null ? baseNow(task) : task.base;
  const holder = lastSlot;
  const sharedSlot = holder.slot;
  if (
    sharedSlot !== null &&
    sharedPlace === place &&
    sharedSlot.r === base &&
    sharedSlot.dispatch === dispatch &&
    // (Against a constant: two booleans of unknown type compared went through V8's generic
    // `StrictEqual`, about 40 instructions a tick.)
    sharedSlot.thenable === (thenable === true)
  ) {
    leadSeg = segs;
    return sharedSlot;
  }
  const slot = new Slot(base);
  slot[kIdx] = place;
  slot.dispatch = dispatch;
  slot.thenable = thenable;
  if (--lastSlotLeft > 0) holder.slot = slot;
  else {
    lastSlotLeft = LAST_SLOT_RENEW;
    lastSlot = makeLastSlot(slot);
  }
  sharedPlace = place;
  leadSeg = segs;
  return slot;
}

/**
 * The last slot `queueSlot` made, never logged (so never re-pointed), and its place. (The slot is a
 * field of a holder made anew every LAST_SLOT_RENEW slots, not a module variable: a new slot is a
 * young object, and its store into the module's long-lived scope was a write barrier, about 52
 * instructions, 3 a fastify `/async` request; into a young holder it is a plain store. See
 * promises.ts's `hot`.)
 */
interface LastSlot {
  slot: Slot | null;
}
/** (One hidden class for every holder: always made here.) */
function makeLastSlot(slot: Slot | null): LastSlot {
  return { slot };
}
let lastSlot: LastSlot = makeLastSlot(null);
let lastSlotLeft = 0;
const LAST_SLOT_RENEW = 64;
let sharedPlace = -1;
/** The segment (`segs`) that last got the shared slot for a callback queued before its first record. */
let leadSeg = -1;

/**
 * Whether the running stint is a connection's read handing its data on to listeners
 * (StintEntry.Dispatched): a tick or microtask it queues carries the hand-over on (see Slot.dispatch).
 */
export function dispatching(): boolean {
  return depth > 0 && how === StintEntry.Dispatched;
}

/** An object whose callbacks run as the task running now (full mode's resources): logged like a slot. */
export function logResource(resource: object): void {
  if (n >= MAX_LOG) return;
  if (!hashed) startHash();
  if (n === stackNext) readNext(logResource, LogKind.Resource);
  (resource as Logged)[kIdx] = stamp(n);
  logObj[n] = resource;
  logKind[n] = LogKind.Resource;
  logHash[n] = hash;
  advance(LogKind.Resource);
  n++;
}

/**
 * Who sets a timer at a place (the program or a library), by place like `madeHow`: read from a
 * stack a few times per place, kept for when the stacks are rationed out (not known: the program).
 * Called right after the timer's slot was logged (regSlot), whose record the place is.
 */
const timerPlaces = new PlaceVerdicts();
const SET_BY_PROGRAM = 1;
const SET_BY_LIBRARY = 2;
export function timerSetByLibrary(skip: (...args: never[]) => unknown): boolean {
  const key = mix(hash, LogKind.Reg + 0x40) | 1;
  const known = timerPlaces.trusted(key);
  if (known !== 0 && !fresh && !doubtAllowed(stintClock.stint)) return known === SET_BY_LIBRARY;
  const latest = known !== 0 ? known : timerPlaces.latest(key);
  const doubt = known !== 0 && !fresh;
  const byLibrary = calledByLibrary(skip, fresh && latest !== 0, doubt);
  if (byLibrary === null) return latest === SET_BY_LIBRARY;
  const by = byLibrary ? SET_BY_LIBRARY : SET_BY_PROGRAM;
  if (doubt) doubted(known, by);
  return timerPlaces.set(key, by) === SET_BY_LIBRARY;
}

/**
 * Who calls a combinator at a place (the program or a library), by place like `madeHow`: known
 * from the stack once, and kept for when the stacks are rationed out.
 */
const combPlaces = new PlaceVerdicts();
const BY_PROGRAM = 1;
const BY_LIBRARY = 2;
/**
 * Where the combinator at a place is called, kept for when the stacks are rationed out: its members
 * are placed there (a busy server's `Promise.all` in a route, past the first second of load, read
 * no stack at most calls, and its members' lanes had no line).
 */
const combWheres = new Map<number, CodeLocation | null>();
const MAX_COMB_WHERES = 4096;
/** Where the combinator at place `key` is called, said by a stack now: null once two stacks disagree. */
function combWhereAt(key: number, where: CodeLocation): void {
  const known = combWheres.get(key);
  if (known === undefined) {
    if (combWheres.size >= MAX_COMB_WHERES) combWheres.clear();
    combWheres.set(key, where);
  } else if (
    known !== null &&
    (known.line !== where.line || known.column !== where.column || known.file !== where.file)
  )
    combWheres.set(key, null);
}

export function logCombinator(
  members: unknown[],
  name: string,
  where: CodeLocation | null,
  byLibrary: boolean | null,
  stack: Stack | null = null,
): void {
  if (n >= MAX_LOG) return;
  if (stack !== null) callStacks.set(n, stack);
  if (!hashed) startHash();
  const key = mix(hash, LogKind.Comb) | 1;
  const by =
    byLibrary === null ? combPlaces.latest(key) : combPlaces.set(key, byLibrary ? BY_LIBRARY : BY_PROGRAM);
  if (where !== null) combWhereAt(key, where);
  const at = where ?? (by !== 0 ? (combWheres.get(key) ?? null) : null);
  const call: CombinatorCall = { name, where: at, byLibrary: by === BY_LIBRARY };
  logObj[n] = members.slice();
  logParent[n] = call;
  logKind[n] = LogKind.Comb;
  logHash[n] = hash;
  advance(LogKind.Comb);
  advance(name.length);
  // The members are consumed: the combinator awaits them.
  for (const m of members) {
    const j = indexOf(m);
    advance(j === -1 ? 0xffff : n - j);
    if (j !== -1 && logUsed[j] === 0) {
      logUsed[j] = 1;
      if (logKind[j] === LogKind.Root) open--;
      else tails--;
    }
  }
  n++;
  combs++;
}

function indexOf(p: unknown): number {
  if ((typeof p !== 'object' && typeof p !== 'function') || p === null) return -1;
  let stamped: number | undefined;
  try {
    stamped = (p as Logged)[kIdx];
  } catch {
    return -1; // a proxy that throws
  }
  if (stamped === undefined) return -1;
  const j = stamped & LOG_MASK;
  return j >= segStart && j < n && logObj[j] === p ? j : -1;
}

/**
 * A "resolve with a thenable" job (its caller returned the promise of `dish`'s call, or resolved a
 * promise with it) consumed a dish's promise: the call was awaited after all, through its caller.
 */
export function foldIfReturned(parent: object, adopter: object | null): void {
  const own = (parent as Logged)[kDish];
  // (Or the tail of a chain a statement left on a dish's call, which the function that made it
  // returned after all: `return load(x).then(f)`, no await — see dishSort.ts chainOf.)
  const chained = own === undefined ? chainOf(parent) : undefined;
  const dish = own ?? chained ?? (carrying ? carried.get(parent) : undefined);
  if (dish === undefined || dish.folded) return;
  const into = dish.base.prev !== null ? taskOf(dish.base.prev) : null;
  if (into === null) return;
  if (returnedToLibrary(dish, into)) {
    if (adopter !== null) jobAdopted(dish, into, adopter);
    return;
  }
  if (own !== dish && chained !== dish) return;
  // Returned in a later stint than the one that made the call: started now, awaited later.
  if (resumedAfterCall(dish)) return;
  forget(dish);
  foldedInto(dish, into);
  foldTask(dish, into);
}

/**
 * A library's call resolved `adopter` with the promise of the job it runs (`dish`), or with a
 * promise of its own that carries it (p-limit's `(async () => fn(...args))()`, which returns the
 * job's promise). Made by the code of another task still at work, `adopter` is that task's wait on
 * the job, settled by the job's outcome from the job's start (p-limit's `resolve(result)` right after
 * calling the job, for the `new Promise` its `limit(job)` made): as when the call settles such a
 * wait once the job has returned (jobSettles), the job is that task's — the job itself when the
 * task is a combinator's member whose call ran no job yet (the member is the job its call asked
 * for), else its child — not the lane of the code in which the library happened to start it
 * (`asker`: the wrap-up of another job). A promise of the library's or of the asker's lane that
 * adopts the job's carries it on to whoever adopts that one.
 */
function jobAdopted(dish: Task, asker: Task, adopter: object): void {
  const tag = (adopter as Logged)[kTag];
  if (tag === undefined) return;
  const waiter = taskOf(tag);
  if (waiter === null || waiter === dish) return;
  if (tag.lib || waiter === asker) {
    carried.set(adopter, dish);
    carrying = true;
    return;
  }
  if (waiter.folded || workOver(waiter)) return;
  for (let r: Strand | null = waiter.base; r !== null; r = r.prev) if (r.task === dish) return;
  reparentTask(dish, waiter);
  if (!memberTakes(dish, waiter)) return;
  forget(dish);
  foldedInto(dish, waiter);
  foldTask(dish, waiter);
}
/** Promises of a library's that adopted a job's promise: the job they carry (see jobAdopted). */
const carried = new WeakMap<object, Task>();
/** Whether any promise carries a job (no lookup before one does). */
let carrying = false;

/**
 * A library's code chained a dish's promise in a later stint than the one that made the call,
 * before the dish ran a stint of its own, in the lane of the code that made the call: rxjs's
 * `from(promise)`, which chains the promise it was given when the Observable is subscribed — a
 * framework taking the Observable a route handler returned (Nest's `return from(this.cats.find(id))`)
 * and waiting for it to send the response. The library waits for the call as one that chains it at
 * once does (Made.ByLibraryMethod), and nothing ran beside it meanwhile: it is the work of the
 * code that made it. (The program's own `.then` or `await` later leaves it a dish: a call started
 * now and awaited later.)
 */
function foldIfChainedLater(parent: object): void {
  const dish = (parent as Logged)[kDish];
  if (dish === undefined || dish.folded || dish.ran) return;
  const into = dish.base.prev !== null ? taskOf(dish.base.prev) : null;
  // (A job the library returned to its own chain — a loop's `.then((job) => handler(job))`, which
  // the runtime chains in a job of its own — is the library waiting for its job: still a job.)
  if (into === null || into !== current || returnedToLibrary(dish, into)) return;
  // Who chains it, known per place as madeHow knows it (a server takes this path per request).
  const key = mix(mix(hash, LogKind.Derived), LATE_CHAIN) | 1;
  let made = latePlaces.trusted(key);
  if (made === 0 || fresh || doubtAllowed(stintClock.stint)) {
    const latest = made !== 0 ? made : latePlaces.latest(key);
    const doubt = made !== 0 && !fresh;
    const method = madeByPromiseMethod(logDerived, latest !== 0, fresh && latest !== 0, doubt);
    if (method !== null && doubt) doubted(made, method);
    made = method === null ? latest : latePlaces.set(key, method);
  }
  if (made !== Made.ByLibraryMethod) return;
  forget(dish);
  foldedInto(dish, into);
  foldTask(dish, into);
}
/** What chains a dish's promise in a later stint, by place; LATE_CHAIN sets its keys apart. */
const latePlaces = new PlaceVerdicts();
const LATE_CHAIN = 0x7ffe;
