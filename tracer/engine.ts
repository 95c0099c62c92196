/**
 * The tracer's state: which task the loop is running now, and the few functions every source of
 * events goes through to enter and leave a stint (tasks are made and ended in tasks.ts). Sources
 * (promises, http, timers, ...) never write records themselves except through these functions and
 * tasks.ts, so the stream always alternates RUN and IDLE consistently.
 *
 * Everything here runs inside the user's program, often inside hook callbacks: no I/O, no throwing,
 * no allocation on the common paths.
 */
import { CPU_CHECK_MS, Reason, TaskKind } from '../protocol/format';
import { Recorder } from './recorder';
import { now, originMs } from './traceClock';
import { loadBuiltin } from './sources/builtins';
import { Schedstat } from './schedstat';
import type { Sides } from './marks';
import { StintEntry } from './stintLog';

/** A task as the tracer knows it. */
export interface Task {
  readonly id: number;
  readonly kind: TaskKind;
  /** The strand record that continuations of this task resolve to (see promises.ts). */
  readonly base: Strand;
  /** Set when the task should be named from the first user frame seen while it runs. */
  unnamed: boolean;
  /** Its work is finished (a request whose response was sent): later events on it are not its work. */
  ended: boolean;
  /** A request whose response the program has ended (`res.end()`), sent or not yet. */
  responded: boolean;
  /** Its creation location is known. */
  located: boolean;
  /** Its name as last written (for the watchdog, which names a block before the trace can). */
  name: string;
  /** It turned out to be part of its parent's work (a FOLD record said so); its record defers to the parent. */
  folded: boolean;
  /** Its share of the hash that names places in its stints (dishes.ts), 0 until first needed. */
  seed: number;
  /**
   * A connection (sources/connections.ts): the listeners the data arriving on it calls, async
   * functions nobody awaits, are dishes of it — each message its own — not its own work.
   */
  dispatches: boolean;
  /**
   * A combinator's member that is the promise its call returned (`loader.load(id)`, not
   * `load(id).then(f)`): once another task's code settles it, the member is over (dishes.ts).
   */
  endsWhenSettled: boolean;
  /**
   * Such a member whose own code settled that promise: its call returned, its work is over. What a
   * connection it opened brings later for nobody (a pool's connection closing at the end of the
   * script) is no longer its (openerDone).
   */
  returned: boolean;
  /**
   * A call nobody awaited, ended (TASK_END) when its own function returns: what runs in its lane
   * after that is a library's tail (fetch finishing a body), not the call running on — the model
   * does not take it for work after its request's response on that account.
   */
  endsOnReturn: boolean;
  /** It has run a stint (set as one begins): a dish that has not has done nothing yet on its own. */
  ran: boolean;
  /**
   * The count of replies (see `replies`) when a connection's read last settled a promise of its:
   * what it asked of a connection before then has been answered (sources/streams.ts, kAskers).
   */
  answered: number;
  /**
   * The count of replies (see `replies`) when it asked a connection something after its own work
   * was over by openerDone's word (a request's work after its response: `res.end()`, then `await
   * sql\`…\``, or a port's message awaited), or -1: until a reply of its comes, it waits for that
   * answer, and what the connection brings is its work (see waitsLate; set from the ask once its
   * stint has been sorted, sources/streams.ts `lateAsk`).
   */
  askedLate: number;
  /**
   * It holds the reads of a connection that came when no asker waited (sources/streams.ts,
   * heldReply): the reply of a waiter the connection has not shown yet, whose reads it is.
   */
  holdsReply: boolean;
  /** Calls a library's code made and chains in it, still running (dishSort.ts sidesOf); null until one. */
  sides: Sides | null;
  /**
   * The call held back alone in it, kept as no record (dishSort.ts holdLazily): the strand its work
   * carries (null when none), its promise (to see it settle) and its place's keys (SideRun.key, armed),
   * and the library's line that made the call where a stack read at its place showed it (SideRun.from;
   * '' when none: a string from the start, so that storing one changes no field's type).
   */
  lone: Strand | null;
  loneOrigin: object | null;
  loneKey: number;
  loneArmed: number;
  loneFrom: string;
  /**
   * Whether it waits in a library's queue (libraryQueues.ts): 1 when it does — a run of its code
   * left nothing behind while its work goes on —, -1 while a request's first stint runs, else 0.
   */
  parked: number;
  /** The requests waiting in a library's queue after it and before it (libraryQueues.ts). */
  waitNext: Task | null;
  waitPrev: Task | null;
  /** A request's incoming message (node:http's), null for every other task (libraryQueues.ts). */
  incoming: object | null;
  /** A request's route handler that ran last for it (routeHandlers.ts RouteHandler), else null. */
  handler: object | null;
}

/**
 * A strand record: work left behind by a stint (a promise's continuation, a callback) is tagged with
 * the record of the task it belongs to, and runs as that task. A dish folded into its parent keeps
 * its record with `task` null, deferring to `prev`.
 */
export interface Strand {
  task: Task | null;
  prev: Strand | null;
  /**
   * A library's call nobody awaited (a pool's connection set-up, `this.open().then(release)`),
   * made while the task its `prev` leads to was at work: its work is that task's while the task's
   * own work goes on, and nobody's once it is over (see runsAs). Work it makes carries it on.
   */
  lib: boolean;
  /**
   * Such a library's call that runs a function of the program's as a job (a queue's runner): the
   * job's task, until the call settles a promise that a task still at work made — the one the
   * waiting task awaits, `resolve(await job())` — which makes the job that task's (see jobSettles).
   */
  job: Task | null;
}

/** What was running before each enter(), so that leave() can restore it. */
const savedTask: (Task | null)[] = [];
/**
 * The strand of a library's call (Strand.lib) whose work runs now, or null: the work made now is
 * tagged with it rather than the task's own (see baseNow). Set by the enter() that follows
 * runsAs(), undone by the leave() that pairs with it.
 */
export let strandNow: Strand | null = null;
let nextStrand: Strand | null = null;
/** The task runsAs() chose nextStrand for: only a stint of it takes the strand. */
let nextStrandTask: Task | null = null;
/** The strands enter() replaced, and the depth of savedTask each was replaced at (0: none). */
const savedStrands: Array<Strand | null> = [];
const strandDepths: number[] = [];
let strandDepth = 0;
/**
 * Whether any of the above is in play (a strand chosen, swapped in or saved): while none is — a
 * program with no library call nobody awaited at work, most stints of any program — entering and
 * leaving a stint test this one flag, not the strands' three variables.
 */
let strands = false;
/** Nothing of the strands is left in play: the flag goes down. */
function strandsIdle(): void {
  if (savedStrands.length === 0 && strandNow === null && nextStrand === null) strands = false;
}

/** Swaps in the strand runsAs() chose, for the stint just entered (savedTask pushed). */
function swapStrand(task: Task): void {
  savedStrands.push(strandNow);
  strandDepths.push(strandDepth);
  strandDepth = savedTask.length;
  strandNow = nextStrandTask === task ? nextStrand : null;
  nextStrand = null;
  nextStrandTask = null;
}
/** The stint entered at strandDepth has left (savedTask popped): its strand goes back. */
function restoreStrand(): void {
  strandNow = savedStrands.pop() ?? null;
  strandDepth = strandDepths.pop() ?? 0;
  strandsIdle();
}

function clearStrands(): void {
  savedStrands.length = 0;
  strandDepths.length = 0;
  strandDepth = 0;
  strandNow = null;
  nextStrand = null;
  nextStrandTask = null;
  strands = false;
}

/** The strand the work made now is tagged with: a library's call's (strandNow), or the task's own. */
export function baseNow(task: Task): Strand {
  return strandNow !== null && strandDepth === savedTask.length ? strandNow : task.base;
}

/**
 * The task work tagged with `record` runs as, or null for nobody's: a library's call nobody
 * awaited (Strand.lib) runs as the task it was made in while that task's work goes on, and as
 * nobody once it is over (a Promise.all member returned, a request answered) — a pool's connection
 * opened for a query that a connection released meanwhile served is the pool's business, not the
 * work of the member or request that asked. The enter() that follows carries the strand on.
 */
export function runsAs(record: Strand): Task | null {
  const task = taskOf(record);
  if (task === null || (!record.lib && record.job === null)) return task;
  if (record.lib && workOver(task)) {
    // Its time is nobody's, not the next stint's (see accountGap).
    nobodysCallback();
    return null;
  }
  // (A stint of it open already — full mode's resource entered it — has its strand.)
  if (task !== current) {
    nextStrand = record;
    nextStrandTask = task;
    strands = true;
  }
  return task;
}

/** The stint runsAs() chose a strand for does not begin after all (fullMode.ts). */
export function dropNextStrand(): void {
  nextStrand = null;
  nextStrandTask = null;
  strandsIdle();
}

export let recorder: Recorder;
/** False once the tracer has stopped: every hook checks it first. */
export let enabled = false;
/** The task whose code runs now; null when the loop runs untracked code or is idle. */
export let current: Task | null = null;
/**
 * Counts outermost stints as the trace has them (continuations merged into one are one) and flush
 * ticks: the watchdog's heartbeat.
 */
export let stintSeq = 0;
/**
 * The clock readings (ms) the hot paths keep from one call to the next, as fields of one object: a
 * number stored in a module variable is boxed afresh each time it is not a small integer, and
 * storing that new box in the module's long-lived scope costs a write barrier — a few per stint,
 * 60 per request of a koa server. A field holding a double is updated in place.
 */
const times = {
  /** When the current stint (or heartbeat) began: a clock reading callers can reuse for free. */
  stint: 0,
  /** When the last outermost stint ended (trace clock). */
  lastEnd: 0,
  /** When the open (or last) outermost stint began, as the trace has it. */
  openStart: 0,
  /**
   * When the piece of a stint now open inside another task's began (its RUN: a nested enter, the
   * leave of one nested in it, a switchTo), as the trace has it (see nestedStintCpu).
   */
  pieceStart: 0,
  /** The end of the last stint, not yet written (or NONE, or SOON; see enter). */
  pendingIdle: -1, // NONE
  /** When the read of a connection now running began (see startProbe). */
  probeStart: 0,
  /** When the last read of a connection ended, as read from the clock (see queuedStart). */
  readEnd: 0,
  /**
   * When the last read of a connection that became no stint began, its data in hand (a read that
   * settled the waits of several tasks, or of nobody's: endProbeRead, gapRead): busy time before it
   * in the gap is no part of the I/O callback that leads to the next stint (see accountGap).
   */
  readFrom: -1,
  /**
   * When the last read of a connection that the loop called began (a callback of the loop's after
   * it polled, not a tick a read queued; see startProbe), or -1: a stint that ended before it is not
   * continued by what runs after it, but for a read of the same reply (see enter, readRun).
   */
  loopRead: -1,
  /**
   * The end of the last stint (lastEnd) when the loop last called something after it polled that
   * the tracer sees begin with no stint open, and no clock reading of its own (see polledNow): a
   * stint that ended then or before is not continued by what runs after it (see enter). -1: none.
   */
  polled: -1,
  /** Where the first stint of the request that arrived last ended (see requestArrived). */
  arrivalEnd: -3,
  /** Where the gap before the next stint began, when a flush tick restarted it (see restartGap). */
  gapStart: 0,
  /** The loop's idle time at the last gap's estimate, to estimate busy time in code the tracer does not see. */
  idleRef: 0,
  /** The main thread's CPU time at the last gap's estimate (see accountGap). */
  cpuRef: 0,
  /** Wall time of the stints run since cpuRef was read: their CPU is no part of a gap's (see accountGap). */
  trackedMs: 0,
  /** Time spent in the tracer's own flush since the last estimate (never counted as the program's). */
  selfBusy: 0,
  /** The loop thread's wait for a CPU (ns) as it last read it, and when (see stintCpu). */
  waitRef: Infinity,
  waitRefAt: 0,
  /** The start of the stint that reading was made in (or at the start of). */
  waitRefStint: -1,
  /** The wait found in the stint last looked at, ns (a lower bound). */
  waitFound: 0,
  /** The loop thread's CPU time (ns) at the reading waitRef came from (see stintCpu). */
  cpuRefNs: 0,
  /** The CPU the stint last looked at may have used before that reading, ns (an upper bound). */
  cpuFound: 0,
  /** Time inside the blocking calls the tracer times (sources/syncCalls.ts), ms in all, and at that reading. */
  callMs: 0,
  callRefMs: 0,
  /** The time the stint last looked at spent in such calls before that reading, ms. */
  callFound: 0,
};
/**
 * A blocking call the tracer times (a synchronous fs, crypto, zlib or child_process call) took
 * `ms`: time the loop thread may have slept by the program's own doing (see stintCpu).
 */
export function blockingCall(ms: number): void {
  times.callMs += ms;
}
/** When the current stint (or heartbeat) began: a clock reading callers can reuse for free. */
export function stintTime(): number {
  return times.stint;
}
/**
 * The same reading as a field, for the promise hook that asks on every derived promise: V8 did not
 * inline `stintTime()` into that hook (its inlining budget spent on the log), a call of ~36
 * instructions where a field load is one (fastify `/async`: 5 a request).
 */
export const stintClock: { readonly stint: number } = times;
/** The kind of the last outermost stint and, for macrotasks, why it ran. */
let lastWasContinuation = false;
let lastReason: number = Reason.Unknown;
/** The same, for the outermost stint now open. */
let outerContinuation = false;
let outerReason: number = Reason.Unknown;

let untrackedMinMs = 1;
/** A timer that runs this much after it was due is shown as ready but not running, ms. */
export let lateMs = 2;

/** Set by the watchdog: a shared heartbeat it reads from another thread (layout in watchdog.ts). */
let heartbeat: Int32Array | null = null;
let heartbeatStart: Float64Array | null = null;
/**
 * The main thread's scheduler counters as the watchdog read them while a stint was open (layout in
 * watchdog.ts): [trace time of the reading, ns on a CPU, ns waiting on a run queue], its first
 * reading in the stint then its last one before; the stint's heartbeat number in heartbeat[CPU_SEQ]
 * (written last).
 */
let heartbeatCpu: Float64Array | null = null;
const CPU_SEQ = 20;
/**
 * The main thread's CPU time (ns) spent serving the watchdog's samples of a stint while asleep, and
 * that stint's heartbeat number in heartbeat[SAMPLED_SEQ] (written last; layout in watchdog.ts).
 */
let heartbeatSampled: Float64Array | null = null;
const SAMPLED_SEQ = 23;
/** Ring of the start time and task of recent stints, indexed by stintSeq, for block samples (a power of 2). */
const RECENT = 256;
/** The task of the stint open since times.openStart (a flush tick between its pieces beats with none). */
let openTask = 0;
const recentStart = new Float64Array(RECENT);
const recentTask = new Uint32Array(RECENT);

export { now, originMs };

/**
 * Busy time between stints is estimated (see accountGap) in both modes: full mode's exact stints of
 * untracked code leave out connections serving others, whose time goes to what they resolve.
 */
const estimateGaps = true;

/**
 * The loop's total idle time so far, ms (read without allocating, unlike eventLoopUtilization()),
 * from node:perf_hooks — loaded after the program's first stint, not before its first line
 * (loadIdleClock). Until the loop first waits, its idle time is 0.
 */
let nodeTiming: { idleTime?: number } | null = null;
/** The tracer is starting: the loop has not run, its idle time is 0 (see startEngine, loopAhead). */
let beforeLoop = false;

/** The tracer's start is over: from now on the loop may wait, and its idle time is read. */
export function loopAhead(): void {
  beforeLoop = false;
}

/**
 * Loads node:perf_hooks for the loop's idle time: at the check phase of the loop's first turn, as the
 * tracer's own work (index.ts), or at the first reading of it, whichever comes first.
 */
export function loadIdleClock(): void {
  if (nodeTiming !== null) return;
  try {
    const { performance } = loadBuiltin('perf_hooks') as typeof import('node:perf_hooks');
    nodeTiming = performance.nodeTiming as unknown as { idleTime?: number };
  } catch {
    nodeTiming = {};
  }
}

/**
 * Trace clock 0 on the wall clock (ms since the epoch), to the millisecond: the narrowest of a few
 * brackets of a wall-clock reading between two of the trace clock. One pair, read once, was off by
 * however long the machine held the thread between its two reads (38 ms once at load 22).
 */
export function epochOriginMs(): number {
  let origin = 0;
  let width = Infinity;
  for (let i = 0; i < 8 && width > 0.05; i++) {
    const before = now();
    const wall = Date.now();
    const after = now();
    if (after - before < width) {
      width = after - before;
      origin = wall - (before + after) / 2;
    }
  }
  return origin;
}

/**
 * `blockMs`: the block threshold the tracer acts on; `slowdown`: how many times slower than at full
 * speed the program runs under a measuring tool (options.ts), by which every time below is scaled
 * (`blockMs` is already).
 */
export function startEngine(rec: Recorder, blockMs: number, slowdown = 1): void {
  recorder = rec;
  enabled = true;
  // Gaps shorter than this are not worth estimating; a fiftieth of the threshold, at least 0.5 ms.
  untrackedMinMs = Math.max(0.5 * slowdown, blockMs / 50);
  lateMs = Math.max(2 * slowdown, blockMs / 25);
  cpuCheckMs = Math.min(CPU_CHECK_MS * slowdown, blockMs);
  respondedReadMs = RESPONDED_READ_MS * slowdown;
  cpuSlackMs = slowdown;
  turnMs = TURN_MS * slowdown;
  mergeMs = MERGE_MS * slowdown;
  chainGapMs = CHAIN_GAP_MS * slowdown;
  // Before the program's first line the loop has not waited yet (and node:perf_hooks is not loaded:
  // a gap the tracer's own start makes, before the main task's first stint, reads 0 too).
  beforeLoop = true;
  times.idleRef = 0;
  cpuSource = chooseCpuSource();
  times.cpuRef = cpuMs();
  times.trackedMs = 0;
  times.lastEnd = now();
  rec.onResume = restate;
}

export function stopEngine(): void {
  enabled = false;
  current = null;
  savedTask.length = 0;
  clearStrands();
}

/**
 * The running task's id and name: the watchdog asks (from an interrupt, while the loop is blocked)
 * so that it can name a block whose task the reader has not heard of yet.
 */
export function currentTask(): [number, string] | null {
  return current === null ? null : [current.id, current.name];
}

export function setHeartbeat(shared: Int32Array): void {
  heartbeat = shared;
  heartbeatStart = new Float64Array(shared.buffer, 24, 1);
  if (shared.byteLength >= (CPU_SEQ + 1) * 4) heartbeatCpu = new Float64Array(shared.buffer, 32, 6);
  if (shared.byteLength >= 104) heartbeatSampled = new Float64Array(shared.buffer, 96, 1);
  // The stint open now (the script's top level, which began before the watchdog started) is
  // announced too: a block in it is sampled like any other.
  if (current !== null) {
    heartbeatStart[0] = times.openStart;
    heartbeat[5] = current.id;
    heartbeat[1] = 1;
    heartbeat[0] = stintSeq;
  }
}

/** The start time and task id of the stint numbered `seq`, if it is recent enough to be known. */
export function recentStint(seq: number): { start: number; task: number } | null {
  if (stintSeq - seq >= RECENT || seq > stintSeq) return null;
  const i = seq & (RECENT - 1);
  return { start: recentStart[i], task: recentTask[i] };
}

function beat(time: number, task: number, inStint: boolean): void {
  const seq = ++stintSeq;
  times.stint = time;
  if (inStint) {
    times.openStart = time;
    openTask = task;
    // The first stint after the flush timer slowed down for an idle loop brings it back at once
    // (before the stint's code runs: a block in it is late for that timer, its lag), and wakes
    // the watchdog from its long sleep (see loopWakes).
    if (onWake !== null) wake();
  }
  const i = seq & (RECENT - 1);
  recentStart[i] = time;
  recentTask[i] = task;
  if (heartbeat !== null) {
    // Plain stores (aligned 32-bit writes never tear): the watchdog only needs to see them change
    // within a few milliseconds, and a fenced Atomics.store costs more on this hot path.
    heartbeatStart![0] = time;
    heartbeat[5] = task;
    heartbeat[1] = inStint ? 1 : 0;
    heartbeat[0] = seq;
  }
}

/**
 * Set while the tracer's flush timer has slowed down for an idle loop (index.ts): called at the
 * next stint's start, once. Null otherwise, and then it costs each stint one comparison.
 */
let onWake: (() => void) | null = null;
export function loopWakes(handler: (() => void) | null): void {
  onWake = handler;
}
function wake(): void {
  const handler = onWake!;
  onWake = null;
  handler();
}

/**
 * Whether the loop is between stints with nothing of a stint held back (a merge's pending end, a
 * read's probe), and has been since `ms` ago at least: the flush timer may slow down (index.ts).
 */
export function quietFor(t: number, ms: number): boolean {
  return (
    current === null &&
    savedTask.length === 0 &&
    times.pendingIdle === NONE &&
    probing === null &&
    queuedProbes === 0 &&
    t - times.lastEnd >= ms
  );
}

/**
 * The stint that just ended may go on (the same task again within MERGE_MS, or a tick of its own:
 * one stint in the trace): the heartbeat says the loop is between stints but keeps the stint's
 * number, so that the watchdog, which names a block by that number, sees a long run of such
 * continuations (`for (…) await x`) as the one stint it is.
 */
function pause(time: number): void {
  times.trackedMs += time - times.stint;
  times.stint = time;
  // Only a stint that ran a while can be part of a block: for it alone, a microtask of the
  // tracer's own is queued behind whatever the stint queued, to tell whether a continuation that
  // follows runs in the same drain of the microtask queue — the loop never waited for events
  // between them (see enter).
  const wall = time - times.openStart;
  // A stint long enough to be judged (a block, a request's work after its response) is looked at
  // for time the machine took from it; the rest pay this one comparison (see RESPONDED_READ_MS).
  if (
    (wall >= cpuCheckMs || (wall >= respondedReadMs && pendingTask !== null && pendingTask.responded)) &&
    schedstat.fd !== -1
  )
    stintCpu(time);
  if (wall >= turnMs && marks < MAX_MARKS) {
    marks++;
    // A reaction to a settled promise of the tracer's own: one microtask, queued at once. Made
    // while no task runs (`current` is null here), so the promise hooks pass it by in both modes.
    promiseThen.call(settledPromise, markPassed);
  }
  if (heartbeat !== null) heartbeat[1] = 0;
}

/**
 * A stint of a request that has responded is looked at (see stintCpu) once it has run this long,
 * ms, wall time: not to judge it (too short to be), but so that the next one's bound of what it did
 * of its own counts from a reading near its start. That bound is the loop thread's CPU since its
 * last reading: if that was the end of a long stint some requests back, every stint between is in
 * it — a framework's wrap-up asleep for a worker after four of 5-9 ms the thread never read did
 * 0.1 ms and read 6.6 ms at load 8 (11-17 ms on a quiet machine, where more of them are short: over
 * the 10 ms it is judged by). Read at each such stint's start instead (s47-afterresp), a koa +
 * ioredis request paid a system call for its wrap-up: ~17% of its req/s. A responded stint running
 * 1 ms is rare (a wrap-up waiting on something, or held by the machine), and one that runs less
 * leaves less than that unread.
 */
const RESPONDED_READ_MS = 1;
/** RESPONDED_READ_MS, scaled by the slowdown (a run under callgrind: every stint 400 times longer). */
let respondedReadMs = RESPONDED_READ_MS;
/**
 * A stint of this wall time or more is looked at for time the machine took from it (see stintCpu):
 * CPU_CHECK_MS, or the block threshold if lower.
 */
let cpuCheckMs = CPU_CHECK_MS;
/**
 * The CPU the tracer's own code may use between a clock reading and the counters' (a few µs): time
 * there beyond it was waiting (see cpuBaseline). Scaled by the slowdown.
 */
let cpuSlackMs = 1;

/** The main thread's scheduler counters (schedstat.ts); null where the system has none. */
const schedstat = new Schedstat();

/**
 * The stint open since times.openStart has run long (see pause): how much of it the main thread
 * waited for a CPU — the OS ran other work, the machine was busy — goes in a STINT_CPU record, so
 * that readers judge the stint by the time it held the loop, not by the time the machine took.
 * The wait is counted from a reading of the counters near the stint's start: this thread's own
 * (at the end of the stint it last looked at, or at this stint's start after a long gap: see
 * cpuBaseline) or the watchdog's (its first reading in the stint, or its last before it made while
 * this thread slept). Every bound is a lower one: time that may have been waiting before the stint
 * is never counted. Without a usable reading, nothing is written (wall time, as before).
 */
function stintCpu(time: number): void {
  const counters = countersAt(time);
  if (counters === null) return;
  const wait = counters[1];
  // Lower bounds of the wait within the stint, the best one counts. From this thread's own last
  // reading (the end of the last stint it looked at: it was running, so every wait it had was
  // counted), less all the time from then to this stint's start (which may have been spent
  // waiting too: a thread woken for the stint's event waits for a CPU first).
  // The same stint looked at again (continuations merged into it): what was found then, and since.
  const same = times.waitRefStint === times.openStart;
  let waitNs = same
    ? times.waitFound + wait - times.waitRef
    : wait - times.waitRef - Math.max(0, times.openStart - times.waitRefAt) * 1e6;
  // Upper bounds of the CPU the stint used, the least counts: all this thread used since a reading
  // made at or before its start (and, the same stint looked at again, what it may have used before
  // this thread's last reading), or since one made in it plus the time from its start to that
  // reading. Each is as loose as its reading is far from the start. No stint's start is read for
  // it (a system call where every wrap-up begins: see RESPONDED_READ_MS): this thread's last
  // reading is the end of the last stint it looked at — a request's wrap-up that ran 1 ms is one —
  // and the watchdog's are at most a poll or two from the start, unless the machine held it off.
  let cpuMaxNs = (same ? times.cpuFound : 0) + counters[0] - times.cpuRefNs;
  let cpuNs = -1;
  const seen = watchdogSeen;
  if (watchdogReadings() && seen.since >= times.openStart && seen.since <= time) {
    // From the watchdog's first reading in the stint; from its last one before it, made while
    // this thread slept, less the time between (as above).
    waitNs = Math.max(
      waitNs,
      wait - seen.wait0,
      wait - seen.waitBefore - Math.max(0, times.openStart - seen.before) * 1e6,
    );
    cpuNs = counters[0] - seen.cpu0;
    // Its last reading before the stint, made while this thread slept; its first in the stint
    // (read while this thread ran, it may lag: a looser bound) with the time before it. (A stint
    // that spans its request's response has no reading of this thread's at its start.)
    if (seen.before <= times.openStart) cpuMaxNs = Math.min(cpuMaxNs, counters[0] - seen.cpuBefore);
    cpuMaxNs = Math.min(cpuMaxNs, (seen.since - times.openStart) * 1e6 + cpuNs);
  }
  // The counters' run time lags this thread's by what it ran since the scheduler last updated it
  // (a tick or a switch: up to 4 ms here), which makes the bounds above tighter than the truth. The
  // process's reading brings it up to date (see cpuMs) — one more system call, made only where the
  // bound can decide: where the stint held the loop 10 ms by its wall time less its wait (readers
  // judge a wrap-up by the less of the two against 10 ms). A stint the machine held off its CPU
  // pays none (at load 25, koa + ioredis had 0.1-0.16 such reads a request more than main's
  // build when every look made one).
  let cpuNow = counters[0];
  let upToDate = false;
  if (time - times.openStart - waitNs / 1e6 >= CPU_CHECK_MS) {
    const ran = ranSince(cpuNow);
    upToDate = ran >= 0;
    if (ran > 0) {
      cpuNow += ran;
      cpuMaxNs += ran;
      if (cpuNs >= 0) cpuNs += ran;
    }
  }
  cpuMaxNs = Math.max(0, cpuMaxNs);
  // Less the CPU this thread spent serving the watchdog's samples of the stint where it had slept
  // (an interrupt wakes a thread asleep in Atomics.wait): the tracer's, none of the program's. (All
  // of the stint's so far, so taken from the bound kept for a later look only then.)
  let ownNs = cpuMaxNs;
  const hb = heartbeat;
  const sampled = heartbeatSampled;
  const seq = stintSeq;
  if (hb !== null && sampled !== null && Atomics.load(hb, SAMPLED_SEQ) === seq) {
    const ns = sampled[0];
    if (Atomics.load(hb, SAMPLED_SEQ) === seq) ownNs = Math.max(0, ownNs - ns);
  }
  // The time the stint may have slept in blocking calls of the program's since this thread's
  // reading at or before its start.
  const callMs = (same ? times.callFound : 0) + times.callMs - times.callRefMs;
  times.waitRef = wait;
  times.waitRefAt = time;
  times.waitRefStint = times.openStart;
  times.waitFound = Math.max(0, waitNs);
  times.cpuRefNs = cpuNow;
  times.cpuFound = cpuMaxNs;
  times.callRefMs = times.callMs;
  times.callFound = callMs;
  // The main thread's CPU time so far bounds the next gap's estimate from here (see accountGap), so
  // that this stint's own CPU — a long one has plenty — is no part of that bound: a thread preempted
  // right after a 100 ms computation had its wait before the next stint taken for that stint's
  // task's I/O callback (a 107 ms block with no wait known). Only a reading brought up to date: one
  // that lags by up to a tick (the counters', read without the process's first) would make the next
  // gap's bound of its own CPU (accountGap) that much too long — the bound the gap's time is judged
  // by, a task's I/O callback's included; left as it was, the stint's wall time stays in `trackedMs`
  // and the bound stays a lower one.
  if (upToDate && cpuSource === CpuSource.Schedstat && cpuNow / 1e6 > times.cpuRef) {
    times.cpuRef = cpuNow / 1e6;
    times.trackedMs = 0;
  }
  // What the stint did of its own at most — its CPU, and its sleeps in the program's blocking
  // calls — against which a stint the machine stretched, or whose thread slept waiting for the
  // process's other threads (a collector's helpers held off their CPU), is judged (STINT_CPU).
  const ownUs = ownNs / 1000 + callMs * 1000;
  const w = recorder.room(3);
  if (w === null) return;
  w.stintCpu(times.openStart, openTask, time, Math.max(0, waitNs) / 1000, Math.max(0, cpuNs) / 1000, ownUs);
}

/**
 * This thread's counters (schedstat.ts: [ns on a CPU, ns waiting for one]) as of `time`, a clock
 * reading made just before, where a stint ended; null where there are none. They are read after
 * it: a wait for a CPU in between (the thread preempted right after it read the clock, hundreds of
 * ms on a busy core) is in them, and is no part of the stint — the wait is less all the time since
 * `time`, a lower bound as every bound of the wait is. (The CPU time is left as read: the tracer's
 * own few µs since, in an upper bound.)
 */
function countersAt(time: number): [number, number] | null {
  const counters = schedstat.read();
  if (counters !== null) counters[1] -= Math.max(0, now() - time) * 1e6;
  return counters;
}

/**
 * The watchdog's readings of this thread's counters for the stint now open (heartbeatCpu), as
 * watchdogReadings copied them: when its first reading in the stint was made (trace time), the CPU
 * time and the wait (ns) it read then; when its last reading before the stint was made, and what it
 * read then. Fields of doubles, updated in place.
 */
const watchdogSeen = { since: 0, cpu0: 0, wait0: 0, before: 0, cpuBefore: 0, waitBefore: 0 };

/**
 * Copies the watchdog's readings for the stint now open into watchdogSeen: false where it made
 * none for this stint, or was rewriting them as they were copied.
 */
function watchdogReadings(): boolean {
  const hb = heartbeat;
  const r = heartbeatCpu;
  const seq = stintSeq;
  if (hb === null || r === null || Atomics.load(hb, CPU_SEQ) !== seq) return false;
  const seen = watchdogSeen;
  seen.since = r[0];
  seen.cpu0 = r[1];
  seen.wait0 = r[2];
  seen.before = r[3];
  seen.cpuBefore = r[4];
  seen.waitBefore = r[5];
  // The watchdog writes the numbers, then the stint's number: still the same, they belong together.
  return Atomics.load(hb, CPU_SEQ) === seq;
}

/**
 * The CPU time this thread ran since the counters read `cpuNs` that they do not show yet (ns): the
 * process's reading brings them up to date (see stintCpu). -1: not read (the bound may be short by
 * that lag).
 */
function ranSince(cpuNs: number): number {
  try {
    cpuUsage();
    const fresh = schedstat.read();
    return fresh === null ? -1 : Math.max(0, fresh[0] - cpuNs);
  } catch {
    return -1;
  }
}

/**
 * A stint of `task` nested in another task's stint (a listener of its emitter, a scope of its run
 * inside the other's code) has run long, from times.pieceStart to `time`, and the outer one resumes:
 * it is looked at as an outermost stint is (stintCpu), so that a reader judges it by the time it
 * held the loop, not by its wall time. Without a record a nested stint that a busy machine stretched
 * past 10 ms, mostly waiting for a CPU, was judged by its wall: a request's stint after its
 * response background work, a block taught as CPU work. No reading is made where it begins (no
 * system call in every nested stint): the bounds count from readings made before — this thread's
 * last (the end of a stint it looked at, or the outer stint's start after a gap) and the
 * watchdog's last before the outer stint, less all the time from each to this one's start — or in
 * it (the watchdog's first in the outer stint, when it came after this one began). The outer
 * stint's own look (stintCpu) counts from the same readings, left as they were: its figures cover
 * this one too.
 */
function nestedStintCpu(task: Task, time: number): void {
  const counters = countersAt(time);
  if (counters === null) return;
  const start = times.pieceStart;
  const wait = counters[1];
  // This thread's last reading was made while no stint was open: at or before the outer stint's
  // start, so before this one's.
  let waitNs = wait - times.waitRef - Math.max(0, start - times.waitRefAt) * 1e6;
  let cpuMaxNs = counters[0] - times.cpuRefNs;
  let cpuNs = -1;
  const seen = watchdogSeen;
  if (watchdogReadings() && seen.since <= time) {
    // Its last reading before the outer stint, made while this thread slept (no wait of its
    // under way, whose time the counters add only when it ends), less the time from it to this
    // stint's start.
    waitNs = Math.max(waitNs, wait - seen.waitBefore - Math.max(0, start - seen.before) * 1e6);
    if (seen.before <= start) cpuMaxNs = Math.min(cpuMaxNs, counters[0] - seen.cpuBefore);
    if (seen.since >= start) {
      // Its first reading in the outer stint, made in this one: a wait under way then began in
      // this stint (this thread ran at its start), and counts whole.
      waitNs = Math.max(waitNs, wait - seen.wait0);
      cpuNs = counters[0] - seen.cpu0;
      cpuMaxNs = Math.min(cpuMaxNs, (seen.since - start) * 1e6 + cpuNs);
    } else {
      // Made before this stint began: a wait under way then may have begun before it too (in the
      // outer stint), so it bounds no wait of this one's; its CPU reading bounds the CPU since.
      cpuMaxNs = Math.min(cpuMaxNs, counters[0] - seen.cpu0);
    }
  }
  // Brought up to date where the bound can decide (see stintCpu).
  if (time - start - waitNs / 1e6 >= CPU_CHECK_MS) {
    const ran = ranSince(counters[0]);
    if (ran > 0) {
      cpuMaxNs += ran;
      if (cpuNs >= 0) cpuNs += ran;
    }
  }
  // (The CPU the thread spent serving the watchdog's samples is the outer stint's figure, not
  // taken off here: the bound stays an upper one.) Its blocking calls since the reading.
  const ownUs = Math.max(0, cpuMaxNs) / 1000 + (times.callMs - times.callRefMs) * 1000;
  const w = recorder.room(3);
  if (w === null) return;
  w.stintCpu(start, task.id, time, Math.max(0, waitNs) / 1000, Math.max(0, cpuNs) / 1000, ownUs);
}

/**
 * Reads the counters where a stint begins at `time` (see stintCpu). `fresh`: `time` was just read
 * from the clock, and only the tracer's own code has run since. A thread held off its CPU between
 * that reading and the counters' (on a machine so busy that the OS gives a low-priority thread a
 * slice every few hundred milliseconds, the call into the kernel is where it is often preempted)
 * waited inside the stint, before the reading: counted from that reading, none of that wait would
 * be. So the clock is read again: if more than a moment has passed, the counters are read once more,
 * and the time since `time` counts as wait — less the CPU the thread used between the two readings
 * and a moment for the tracer's own code before the first (it cannot have slept there).
 */
function cpuBaseline(time: number, fresh: boolean): void {
  let counters = schedstat.read();
  if (counters === null) return;
  let before = 0;
  if (fresh) {
    const held = now() - time;
    if (held > cpuSlackMs) {
      const first = counters;
      counters = schedstat.read();
      if (counters === null) return;
      before = Math.max(0, (held - cpuSlackMs) * 1e6 - (counters[0] - first[0]));
    }
  }
  times.waitRef = counters[1];
  times.waitRefAt = time;
  // (The stint about to begin: it opens at `time`.)
  times.waitRefStint = time;
  times.waitFound = before;
  // The CPU the stint may have used since `time`, before this reading: at most all the time since,
  // but the wait counted.
  times.cpuRefNs = counters[0];
  times.cpuFound = Math.max(0, (now() - time) * 1e6 - before);
  times.callRefMs = times.callMs;
  times.callFound = 0;
}

/**
 * A stint will begin at `time`, just read from the clock, once some code has run first (Node's own
 * code between a request's parsing and its 'request' event, and the tracer's making of its task):
 * after a long gap, the counters are read here, with the clock, not when the stint begins (see
 * enter). A thread held off its CPU in between (on a machine so busy that the OS gives it a slice
 * every few hundred milliseconds) has waited inside the stint as the trace has it, and a reading
 * made after that wait would count none of it.
 */
export function stintAhead(time: number): void {
  if (current === null && time - times.lastEnd >= cpuCheckMs && schedstat.fd !== -1) cpuBaseline(time, true);
}

/** The stint that paused goes on (see pause). */
function resume(time: number): void {
  times.stint = time;
  if (heartbeat !== null) heartbeat[1] = 1;
}

/** A flush tick is a heartbeat too: the loop is alive. */
export function tick(spentMs: number): void {
  times.selfBusy += spentMs;
  if (current !== null) return;
  const t = now();
  beat(t, 0, false);
  if (times.pendingIdle === NONE && estimateGaps) restartGap(t);
}

/**
 * Busy time between stints is what the loop did beyond waiting and the tracer's own work (see
 * accountGap); that includes the loop's own housekeeping each time it wakes (to run a timer, the
 * flush's own), which libuv does not count as idle. Over a long quiet stretch that adds up (10 ms
 * over 2.5 s of an idle server), and was put right before the next stint as if the request had
 * been parsed for 10 ms before it arrived. Each flush tick between stints closes the gap so far:
 * busy enough, it is recorded as untracked code; either way the next gap starts here.
 */
function restartGap(t: number): void {
  accountGap(t, null, false);
  times.cpuRef = cpuMs();
  times.trackedMs = 0;
  times.idleRef = safeIdle();
  times.selfBusy = 0;
  times.gapStart = t;
}

/**
 * A callback the tracer knows to be nobody's work is about to run: a library's housekeeping timer
 * (OpenTelemetry's BatchSpanProcessor exporting a batch, undici's clock), a timer a library sets
 * after a request's response. It runs as no stint, so its time is a gap, and the gap's estimate
 * put it before the next continuation as the I/O callback that led to it (accountGap): the batch
 * exported from a timer was charged to whichever request's database reply was read next (8 ms of
 * export each, in a request of 1 ms). A microtask of the tracer's own, queued now, runs right after
 * the callback returns (Node drains the microtasks after each timer); it closes the gap there, as
 * a flush tick does: the callback's time is untracked code, and the next gap starts after it.
 */
export function nobodysCallback(): void {
  if (current !== null || !estimateGaps) return;
  // Made while no task runs (`current` is null here), so the promise hooks pass it by in both modes.
  promiseThen.call(settledPromise, closeNobodysCallback);
}

function closeNobodysCallback(): void {
  if (!enabled || current !== null) return;
  // A stint that ended right before the callback is written first, with its own end.
  endSoon();
  if (times.pendingIdle >= 0) writePendingIdle();
  restartGap(now());
}

/**
 * The flush timer runs straight from the event loop, where no stint can be open: every stint
 * closes in a `finally` or in the microtask checkpoint after its callback, and those run before the
 * next timer. A stint still open here was left open by something that should not happen (code run
 * by a debugger inside an interrupt, say): close it now rather than let every later stint belong
 * to it. Returns whether anything had to be closed.
 */
export function closeStrayStints(): boolean {
  if (savedTask.length === 0 && current === null) return false;
  const t = now();
  const w = recorder.room(1);
  if (w !== null) w.idle(t);
  savedTask.length = 0;
  clearStrands();
  current = null;
  times.pendingIdle = NONE;
  pendingTask = null;
  times.lastEnd = t;
  beat(t, 0, false);
  if (onStray !== null) onStray();
  return true;
}

let onStray: (() => void) | null = null;
export function setStrayHandler(handler: () => void): void {
  onStray = handler;
}

const cpuUsage = process.cpuUsage.bind(process);
/** The calling thread's own CPU time, where Node has it (22.x, 23.9+; not 20). */
const threadCpuUsage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);

/** Where the main thread's CPU time is read from (see cpuMs), chosen as the engine starts. */
const enum CpuSource {
  /** The main thread's scheduler counters (Linux). */
  Schedstat,
  /** process.threadCpuUsage(): the main thread's (elsewhere, on a Node that has it). */
  Thread,
  /** process.cpuUsage(): every thread's, a loose bound (Node 20 off Linux). */
  Process,
}
let cpuSource = CpuSource.Process;

function chooseCpuSource(): CpuSource {
  // A kernel built without scheduler statistics writes "0 0 0": no CPU time at all is no reading.
  const counters = schedstat.read();
  if (counters !== null && counters[0] > 0) return CpuSource.Schedstat;
  return threadCpuUsage !== undefined ? CpuSource.Thread : CpuSource.Process;
}

/**
 * CPU time the main thread has used, ms (Infinity if it cannot be read): what bounds the busy time a
 * gap's estimate takes for code (see accountGap). The process's CPU time counts every thread — the
 * libuv pool's (zlib, fs, crypto), worker threads, the watchdog, V8's helpers — and on a machine they
 * keep busy, time the main thread spent waiting for a CPU between stints passed for code. The
 * process's reading comes first in every case: getrusage(RUSAGE_SELF) brings the calling thread's own
 * run time up to date in the kernel (thread_group_cputime), which the scheduler's counters and
 * RUSAGE_THREAD otherwise update only at a tick or a switch — up to 4 ms behind (measured here:
 * without it, 0.02 ms read for 1.2 ms spun; with it, the same to 0.01 ms).
 */
function cpuMs(): number {
  try {
    const used = cpuUsage();
    if (cpuSource === CpuSource.Schedstat) {
      const counters = schedstat.read();
      if (counters !== null) return counters[0] / 1e6;
      // (The file went away: the process's from now on, never tighter than the last reading.)
      cpuSource = CpuSource.Process;
    } else if (cpuSource === CpuSource.Thread) {
      const own = threadCpuUsage!();
      return (own.user + own.system) / 1000;
    }
    return (used.user + used.system) / 1000;
  } catch {
    return Infinity;
  }
}

function safeIdle(): number {
  try {
    if (nodeTiming === null) {
      if (beforeLoop) return 0;
      loadIdleClock();
    }
    return nodeTiming!.idleTime ?? 0;
  } catch {
    return 0;
  }
}

/**
 * Called when a tracked stint begins after the loop ran no tracked code: if the loop was busy for a
 * noticeable part of the gap, that time went to code the tracer does not see (an I/O callback of a
 * library, say). It is recorded as a stint of task 0 just before this one, so that the chef lane
 * does not show an idle loop that was in fact busy. The placement within the gap is an estimate.
 */
function accountGap(t: number, task: Task | null, continuation: boolean, reason = Reason.Unknown): boolean {
  const gapFrom = Math.max(times.lastEnd, times.gapStart);
  const gap = t - gapFrom;
  if (gap < untrackedMinMs) return false;
  const idle = safeIdle();
  let busy = gap - (idle - times.idleRef) - times.selfBusy;
  times.idleRef = idle;
  times.selfBusy = 0;
  if (busy < untrackedMinMs) return false;
  // Time the loop was not waiting for events is busy only if its thread ran: on a loaded machine
  // the OS may hold it back for tens of milliseconds (a timer's wake-up, a signal's delivery, the
  // pool's threads or a worker's taking the cores). The CPU time the main thread used since the last
  // reading bounds the estimate (see cpuMs) — loosely: the stints run since then are in it.
  const cpu = cpuMs();
  const cpuSince = cpu - times.cpuRef;
  const tracked = times.trackedMs;
  times.cpuRef = cpu;
  times.trackedMs = 0;
  if (cpuSince < busy) busy = cpuSince;
  if (busy < untrackedMinMs) return false;
  // The IDLE that ended the last stint, held for the next RUN (see enter), goes first.
  if (times.pendingIdle >= 0) writePendingIdle();
  // (Three records at most: untracked code, its end, and the task's RUN where its read began.)
  const w = recorder.room(3);
  if (w === null) return false;
  let from = t - Math.min(busy, gap);
  // The CPU the gap itself can have had: the bound less the wall time of the stints run since it
  // was read. (A stint the OS preempted took more wall time than CPU, so this may be short on a
  // loaded machine — never long.) It bounds whatever code is said to have run in the gap, a
  // task's I/O callback as much as untracked code: the time the thread waited for a CPU in it is
  // nobody's work. (With the loose bound a task's callback took all of a gap the thread spent
  // preempted: a request's stint, then its reply's read or continuation dated back to that stint's
  // end — its wait for redis gone, waitMs 0: 2 of about 12,000 bullmq requests with the server
  // pinned to a CPU beside a busy loop. For untracked code, it had let a thread preempted in Node's
  // code between stints, beside a pool's busy threads, show 1-5 ms where it had used 0.03-0.3 ms.)
  const own = cpuSince - tracked;
  // Busy right before a continuation: the I/O callback that resolved what it awaited (a driver
  // reading its reply) ran for it — the code that asked for the I/O. Right before a request: the
  // socket's callback parsing it. Right before a read or a write of the task's own (readBegins,
  // see enterRead): the connection's callback that brought it. Not for a request that has
  // responded: what its socket does then (the response written out, keep-alive) is nobody's, and
  // the estimate, stretched by a loaded machine, made its wrap-up look like work after the response.
  // (But for a read of what the request asked after its response, which it waits for: that
  // work goes on, see waitsLate.) Not for a stint that begins where a stream's read began, its data
  // in hand (probeBegins): that read is the callback that brought it, timed from its start, and the
  // gap before it is no part of it. Given to the task, a gap the loop spent in code the tracer does
  // not see dated a request's reply back to the stint that wrote its query: bullmq's `queue.add`
  // in express (realServers.test.ts, full mode) showed a request that ran alone with `waitMs` 0 on
  // a quiet machine (Node 24), and at load 28 one whose reply's stint began 1.34 ms before its read.
  if (
    task !== null &&
    !probeBegins &&
    (continuation || reason === Reason.Request || readBegins) &&
    ((!task.responded && !task.ended) || readsLate)
  ) {
    // Why the stint runs is still why the task runs: a request arrived (its parsing included).
    // The stint begins where its callback can have begun, at most its own CPU before `t`.
    if (own < busy) from = t - Math.min(Math.max(0, own), gap);
    // And never before a read of a connection that began in the gap, its data in hand, and became
    // no stint (gapRead: a read that settled the waits of several tasks, or of nobody's): the
    // callback that led here is that read, or came after it. What the loop did before it is
    // untracked code (a listener of nobody's, GC), as before a read that becomes its waiter's stint
    // (probeBegins). Given to the task, a request's reply read after a 'connection' listener of
    // nobody's had spun 5 ms began 1-5 ms back inside the spin: pipelined asks of two requests and
    // of that listener, answered in one read whose first reply was the listener's
    // (tracerTasks.test.ts, "…when that read answered others too…"). (A reading from before the
    // gap is before `from`, which is never before the gap: one compare.)
    if (times.readFrom > from) {
      // (The busy time the gap's estimate left for code, less the read's, within the gap before it.)
      const before = Math.min(Math.min(busy, own) - (t - times.readFrom), times.readFrom - gapFrom);
      if (before >= untrackedMinMs) {
        w.run(times.readFrom - before, 0, Reason.Io);
        w.idle(times.readFrom);
      }
      from = times.readFrom;
    }
    w.run(from, task.id, continuation ? Reason.Io : reason);
    return true;
  }
  // (A connection's read charged to a task whose work goes on is a stint of it however short,
  // endProbeRead: none of the gap is a read of a known task's.)
  if (own < untrackedMinMs) return false;
  if (own < busy) from = t - Math.min(own, gap);
  w.run(from, 0, Reason.Io);
  w.idle(t);
  return false;
}

/**
 * Begins (or nests) a stint of `task`. Every enter() is paired with a leave(), which restores what
 * was running before. `continuation`: it resumes work that awaited (a promise continuation) rather
 * than calling a function (an event listener, a timer's callback).
 */
export function enter(
  task: Task,
  reason: number,
  continuation = false,
  time = -1,
  sync = false,
  dispatch = false,
): void {
  savedTask.push(current);
  if (strands && (nextStrand !== null || strandNow !== null)) swapStrand(task);
  if (task === current) {
    // No stint begins: the work continues the one open (see SegmentHandlers.stay).
    segments.stay();
    return;
  }
  task.ran = true;
  const t = time >= 0 ? time : now();
  if (current === null && times.pendingIdle !== NONE) {
    if (times.pendingIdle === SOON) {
      // The last stint ended right before this one, in the same drain (see leaveSoon).
      if (task === pendingTask && reason !== Reason.Timer) {
        times.pendingIdle = NONE;
        current = task;
        resume(t);
        segments.begin(entryOf(task, reason, continuation, sync, dispatch));
        return;
      }
      times.pendingIdle = t;
      times.lastEnd = t;
      // (It ends here, read from no clock of its own: counted and looked at as pause() does.)
      times.trackedMs += t - times.stint;
      const wall = t - times.openStart;
      if (
        (wall >= cpuCheckMs || (wall >= respondedReadMs && pendingTask !== null && pendingTask.responded)) &&
        schedstat.fd !== -1
      )
        stintCpu(t);
    } else if (
      task === pendingTask &&
      (continuation || reason !== Reason.Timer) &&
      (t - times.pendingIdle <= mergeMs || (continuation && marks > 0)) &&
      (times.loopRead <= times.pendingIdle || readRun()) &&
      times.polled < times.pendingIdle
    ) {
      // The same task again after a moment: one stint, not two (and two records saved). But never
      // a timer's call: the loop makes it in its timers phase, after the task's last stint ended in
      // an earlier phase or an earlier timer's call — another call, its own stint. (An interval
      // whose call was held up past its period is due again as the loop comes round, a few µs
      // later: merged, five calls of it showed as four stints; a request's 1 ms timer likewise.)
      // A continuation is no timer's call, whatever reason it takes from the call before it
      // (continuationReason): a timer's call that ran long (a loaded machine held it) queues a
      // mark behind the continuation it resolved (pause), and that mark, run between two of the
      // task's continuations in the same drain, ends the first (endSoon) — refused as a timer's,
      // the next (an async function's return handed over) began a stint of its own. Or later,
      // but a continuation queued before its last stint ended (the mark queued then has not run):
      // the same drain, the loop never waited for events between them — the dish held the loop
      // all along (a long `for (…) await x` that the machine preempted, or a collection cut), and
      // the block it is is one stint.
      // But never across a poll of the loop: a connection's read that the loop called after the
      // stint ended (loopRead) — the stint's reply, or what led to this continuation — came after
      // the loop waited for events, and the task waited with it, however short that was. A request
      // whose stint wrote a query and ended, its reply read within MERGE_MS (the loop polled at
      // once and found it there), showed no wait at all (bullmq + express, CI's Node 24, full mode:
      // one request of 80 with waitMs 0). The read goes on only from a read of the same reply
      // (readRun): a large result's parts, which one poll hands over in several reads. So too
      // what else the loop calls after it polled (polled): a request's body's next part, a
      // promise settled by code the tracer does not see, an I/O callback.
      times.pendingIdle = NONE;
      current = task;
      resume(t);
      segments.begin(entryOf(task, reason, continuation, sync, dispatch));
      return;
    }
    // The IDLE that ended the last stint is written with this one's RUN, below (one room, one call),
    // or first by accountGap should it write a record of its own between the two.
  }
  if (current === null) {
    // After a long gap (a quiet loop, or a thread the OS kept waiting), the counters are read as
    // the stint begins: the exact start for its wait should it run long (see stintCpu).
    // (Not again when they were read with the clock reading `t` came from: see stintAhead.)
    if (t - times.lastEnd >= cpuCheckMs && schedstat.fd !== -1 && times.waitRefStint !== t)
      cpuBaseline(t, time < 0);
    if (estimateGaps && accountGap(t, task, continuation, reason)) {
      // The stint began earlier, with the I/O callback that led to it (RUN already written).
      beat(t, task.id, true);
      outerReason = reason;
      outerContinuation = continuation;
      current = task;
      segments.begin(entryOf(task, reason, continuation, sync, dispatch));
      return;
    }
    beat(t, task.id, true);
    outerReason = reason;
    outerContinuation = continuation;
  } else {
    // Nested in another task's stint: its piece begins here (see nestedStintCpu).
    times.pieceStart = t;
  }
  writeRun(t, task.id, reason);
  current = task;
  segments.begin(entryOf(task, reason, continuation, sync, dispatch));
}

/**
 * A RUN at `t`, after the IDLE that ended the last stint if that is still to be written (see
 * leave): a switch's two records in one room and one call rather than two of each.
 */
function writeRun(t: number, task: number, reason: number): void {
  const idle = times.pendingIdle;
  if (idle >= 0 && current === null) {
    times.pendingIdle = NONE;
    const w = recorder.room(2, 2);
    if (w !== null) w.idleRun(idle, t, task, reason);
    return;
  }
  const w = recorder.room(1);
  if (w !== null) w.run(t, task, reason);
}

/**
 * `dispatch`: the stint runs a tick or microtask a connection's read queued (Slot.dispatch) — the
 * read's hand-over to its listeners, deferred — so it dispatches as the read does.
 */
function entryOf(
  task: Task,
  reason: number,
  continuation: boolean,
  sync: boolean,
  dispatch: boolean,
): StintEntry {
  if (continuation) return StintEntry.Resumed;
  // A read of data on a connection the program opened, made the opener's stint (probeEnter),
  // hands it on to listeners as a connection task's read does: an async listener nobody awaits (a
  // subscriber's message handler) is a dish of the opener, each message its own. So does a tick,
  // microtask or immediate either read queued while it handed its data on (`dispatch`: mqtt.js
  // handles the second message of a read in a tick its first one's handling queued).
  if (dispatch || ((task.dispatches || (probing === task && probeReads)) && reason === Reason.Io))
    return StintEntry.Dispatched;
  if (task.kind === TaskKind.Main && reason === Reason.Start) return StintEntry.Script;
  return sync ? StintEntry.CalledSync : StintEntry.Called;
}

const AsyncFunctionPrototype = Object.getPrototypeOf(async () => {}) as object;
/** Whether calling `fn` cannot itself return an async function's promise (see StintEntry.CalledSync). */
export function isSyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && Object.getPrototypeOf(fn) !== AsyncFunctionPrototype;
}

/**
 * enter() for a stint that a connection's callback begins with I/O of the task's own, no stint
 * open: data an HTTP/2 session's read hands a request's stream (its message, its end), a write of
 * the task's completing. The connection's callback ran for the task right before it (its parsing,
 * its sending), as a socket's callback does right before the request it parses: the busy time
 * there is the task's while its work goes on (accountGap), not untracked code.
 */
export function enterRead(task: Task, reason: number): void {
  readBegins = current === null;
  try {
    enter(task, reason);
  } finally {
    readBegins = false;
  }
}

/**
 * Like enter(), for work that runs in the same turn as the code that queued it (a tick): when it
 * follows a stint of the same task with nothing in between, it continues that stint — no clock
 * read, no record.
 */
export function enterAgain(task: Task, reason: number, dispatch = false): void {
  if (current === null && times.pendingIdle !== NONE && task === pendingTask) {
    savedTask.push(null);
    if (strands && (nextStrand !== null || strandNow !== null)) swapStrand(task);
    // Right after the stint it continues (leaveSoon), nothing in between: it is that stint, in
    // the trace (no record between them) and for the heartbeat, which still shows it with its
    // start and task. (The trace's reader keeps a stint's first await, which is all promises.ts
    // looks for in one.)
    if (times.pendingIdle !== SOON) resume(times.stint);
    times.pendingIdle = NONE;
    current = task;
    // Queued while a read handed its data on (a connection task's, or an opener's: entryOf).
    segments.begin(dispatch ? StintEntry.Dispatched : StintEntry.Called);
    return;
  }
  enter(task, reason, false, -1, false, dispatch);
}

/**
 * enterAgain()'s first case alone, for the tick path (sources/ticks.ts): a tick or microtask of
 * `task` right after a stint of it that ended within the drain (leaveSoon), with no strand in play,
 * continues that stint — no clock read, no record. The caller begins its segment (dishes.ts
 * beginQueued). Returns whether it did; when not, nothing was done.
 */
export function enterSoon(task: Task): boolean {
  if (current !== null || times.pendingIdle !== SOON || task !== pendingTask || strands === true)
    return false;
  savedTask.push(null);
  times.pendingIdle = NONE;
  current = task;
  return true;
}

/**
 * Like enter(), for a promise continuation (see promises.ts): right after a stint of the same task
 * that ended within the drain (leaveSoon), it continues that stint with no clock read and no
 * record, as a tick does (enterAgain); otherwise the clock is read once, for this stint's start and,
 * after a stint that ended SOON, that one's end.
 */
export function enterContinuation(task: Task): void {
  if (current === null && times.pendingIdle === SOON && task === pendingTask) {
    savedTask.push(null);
    if (strands === true && (nextStrand !== null || strandNow !== null)) swapStrand(task);
    task.ran = true;
    times.pendingIdle = NONE;
    current = task;
    segments.begin(StintEntry.Resumed);
    return;
  }
  const time = now();
  enter(task, continuationReason(time), true, time);
}

export function leave(): void {
  if (savedTask.length === 0) return;
  const prev = savedTask.pop()!;
  if (strands === true) {
    if (strandDepth > savedTask.length) restoreStrand();
    if (nextStrand !== null) dropNextStrand();
  }
  if (prev === current) return;
  // What the stint left behind is sorted out before anything else can run.
  segments.end(current!);
  const t = now();
  if (prev === null) {
    // Written later, unless the same task runs again within MERGE_MS (see enter).
    times.pendingIdle = t;
    // (Stored only when it changes: a task is a young object, and each store of one into the
    // tracer's long-lived state is a write barrier, about 50 instructions. A run of ticks or
    // continuations of one task stores it once.)
    if (pendingTask !== current) pendingTask = current;
    times.lastEnd = t;
    lastWasContinuation = outerContinuation;
    lastReason = outerReason;
    current = null;
    pause(t);
    return;
  }
  // A stint nested in another task's that ran long is looked at as an outermost one is (pause):
  // before the RUN that resumes the outer one, while the reader still has it open.
  if (t - times.pieceStart >= cpuCheckMs && schedstat.fd !== -1) nestedStintCpu(current!, t);
  times.pieceStart = t;
  const w = recorder.room(1);
  if (w !== null) w.run(t, prev.id, Reason.Resume);
  current = prev;
}

/**
 * Like leave(), for a stint that another one follows in the same drain (a tick with more of the
 * traced program's ticks queued behind it, or a promise continuation with such ticks queued: they
 * run right after the microtask drain, before the loop can wait): the end is not read from the
 * clock but taken from the start of whatever runs next. A drain has no idle time in it, and most
 * ticks and continuations are followed by ticks or continuations of the same task, which then
 * continue this stint without any clock read (enterAgain, enterContinuation).
 */
export function leaveSoon(): void {
  if (savedTask.length === 0) return;
  if (savedTask[savedTask.length - 1] !== null || current === null) {
    leave();
    return;
  }
  savedTask.pop();
  if (strands === true && strandDepth > savedTask.length) restoreStrand();
  segments.end(current);
  times.pendingIdle = SOON;
  soonRead = false;
  if (pendingTask !== current) pendingTask = current; // (see leave)
  lastWasContinuation = outerContinuation;
  lastReason = outerReason;
  current = null;
}

/** Reads the clock for a stint end taken from what runs next (see leaveSoon), when nothing did. */
export function endSoon(): void {
  if (times.pendingIdle !== SOON || current !== null) return;
  const t = now();
  times.pendingIdle = t;
  times.lastEnd = t;
  // A read's stint ends here (see soonRead): the read's end, as leave() would have made it.
  if (soonRead) readEnded(t);
  pause(t);
}
/**
 * The stint ended SOON is a read's (endProbeRead: its reaction or a tick it queued still to run),
 * with what continued it in the drain: where endSoon ends it, that is the read's end (readEnded),
 * and a read of the same reply the loop calls next continues it (readRun) as it would a read's
 * stint that leave() ended.
 */
let soonRead = false;

/**
 * Marks queued (see pause) that have not run yet: while one has not, the microtask queue is still
 * being drained where the stint that queued it ended.
 */
let marks = 0;
const MAX_MARKS = 64;
function markPassed(): void {
  if (marks > 0) marks--;
}
/** Taken before the program can replace them. */
const promiseThen = Promise.prototype.then;
const settledPromise = Promise.resolve();
const nodeQueueMicrotask = globalThis.queueMicrotask;

/**
 * Queues a microtask of the tracer's own (`fn` must not throw). While no task runs and no
 * connection's read is being probed, it is a reaction to a settled promise of the tracer's own,
 * which the promise hooks pass by in both modes: Node's `queueMicrotask` makes an async resource
 * each time (and its first call, at start, compiles Node's AsyncResource: 1–3 M instructions
 * before the program's first line). Otherwise Node's, which no promise hook sees.
 */
export function queueOwnMicrotask(fn: () => void): void {
  if (current === null && probing === null) promiseThen.call(settledPromise, fn);
  else nodeQueueMicrotask(fn);
}
/** A stint shorter than this is not looked at for a block made of continuations (ms). */
const TURN_MS = 0.5;

/**
 * Stints of one task separated by less than this are one stint (ms): a continuation that runs right
 * after the callback that resolved it, a 'finish' event right after the write that caused it.
 */
const MERGE_MS = 0.02;
/** times.pendingIdle: nothing pending. */
const NONE = -1;
/** times.pendingIdle: the stint ended right before whatever runs next (see leaveSoon). */
const SOON = -2;
let pendingTask: Task | null = null;

function writePendingIdle(): void {
  const w = recorder.room(1);
  if (w !== null) w.idle(times.pendingIdle);
  times.pendingIdle = NONE;
  // pendingTask is left as it is: it is read only while a stint is pending (see leave).
}

/** Writes what is held back, before a flush. */
export function settle(): void {
  endSoon();
  if (times.pendingIdle >= 0 && current === null) writePendingIdle();
}

/**
 * The loop has drained (the process's 'beforeExit'): before that, Node waited for the runtime's
 * background work — V8 finishing a WebAssembly module's compilation, 150-200 ms after the first
 * `fetch` — with the main thread outside the loop's wait, which the gap estimate would count as
 * busy. None of it is the program's work: the gap so far is dropped, not estimated (it loses at
 * most what ran since the last flush tick).
 */
export function drained(): void {
  if (current !== null) return;
  settle();
  const t = now();
  times.idleRef = safeIdle();
  times.cpuRef = cpuMs();
  times.trackedMs = 0;
  times.selfBusy = 0;
  times.gapStart = t;
}

/** At the end: busy time since the last tracked stint went to untracked code (see accountGap). */
export function settleEnd(): void {
  if (current !== null) return;
  settle();
  if (estimateGaps) accountGap(now(), null, false);
}

/**
 * Where a stint's work is sorted into dishes (dishes.ts): told when a stint of a task begins (with
 * whether it began by calling a function) and when it ends. Set once, at start.
 */
export interface SegmentHandlers {
  begin(how: StintEntry): void;
  end(task: Task): void;
  /**
   * Work announced to run next (dishes.ts willRun) continues the stint already open for its task
   * instead of beginning one: what was announced is that stint's, never a later one's.
   */
  stay(): void;
}
let segments: SegmentHandlers = { begin() {}, end() {}, stay() {} };
export function setSegmentHandlers(handlers: SegmentHandlers): void {
  segments = handlers;
}

/** Depth of open stints (0: the loop runs untracked code or is idle). */
export function depth(): number {
  return savedTask.length;
}

/**
 * Makes `task` the running task without opening a nested stint: the code that runs now belongs to
 * it until the enclosing stint ends (used when an incoming request is dispatched inside a callback).
 */
export function switchTo(task: Task, reason: number, sync = false, dispatch = false): void {
  if (task === current) return;
  task.ran = true;
  endSoon();
  if (current !== null) segments.end(current);
  const t = now();
  times.pieceStart = t;
  // (With the IDLE that ended the last stint, if that is still to be written.)
  writeRun(t, task.id, reason);
  current = task;
  segments.begin(
    dispatch && task.dispatches ? StintEntry.Dispatched : sync ? StintEntry.CalledSync : StintEntry.Called,
  );
}

/**
 * Why a promise continuation of `task` runs now, judged from what ran just before it: another
 * task's continuation a moment ago means a promise resolved by that task; a tracked macrotask a
 * moment ago (a timer, a request, an event) is what resolved it; anything else is I/O that the
 * tracer does not see (a socket or file callback).
 */
export function continuationReason(time: number): number {
  if (times.pendingIdle !== SOON && time - times.lastEnd > chainGapMs) return Reason.Io;
  if (lastWasContinuation) return Reason.Promise;
  return lastReason === Reason.Unknown ? Reason.Io : lastReason;
}
/**
 * Continuations that start within this long after a stint are taken to follow from it: microtasks
 * run right after the callback that queued them, within microseconds. (Asking the loop whether it
 * polled in between would be exact but costs a native call per stint.)
 */
const CHAIN_GAP_MS = 0.2;
/** TURN_MS, MERGE_MS and CHAIN_GAP_MS as the tracer uses them: scaled by the slowdown (startEngine). */
let turnMs = TURN_MS;
let mergeMs = MERGE_MS;
let chainGapMs = CHAIN_GAP_MS;

/**
 * The task a strand record stands for: the first record with a task, walking `prev`. Records
 * visited on the way point straight at it afterwards, so the walk is short the next time.
 */
export function taskOf(record: Strand): Task | null {
  let r: Strand | null = record;
  while (r !== null && r.task === null) r = r.prev;
  if (r === null) return null;
  if (r !== record) {
    // (Before the path is shortened past them: see lateBases.)
    if (record.lib && anyLate && passesLate(record.prev, r)) record.lib = false;
    record.prev = r;
  }
  return r.task;
}

/**
 * The base strands of tasks made while their parent's own work was over (workOver): a dish the
 * code of a request that has answered made — its after-response work — whose parent is that
 * request. A library's call nobody awaited that such a dish asked for (a mapper's runner, started by
 * `billing(d).finally(…)` called after `res.end()`) runs as the dish while the dish's work goes on;
 * should the dish fold into the request (its call turned out the request's own work), the call
 * is the request's after-response work, as it is when that code makes it in the request's own
 * stint (dishSort.ts: no library strand where the asker's work is over) — not nobody's because the
 * request answered before the call was even made. Before, every other job of such a mapper (the
 * ones its second runner started) ran as nobody: their calls nobody awaited, no dishes, and their
 * work in no stint (seed 172809, both modes).
 */
const lateBases = new WeakSet<Strand>();
let anyLate = false;

/** Task `task` is made now under `parent`: notes it when the parent's own work is over (lateBases). */
export function noteMade(task: Task, parent: Task | null): void {
  if (parent === null || !workOver(parent)) return;
  lateBases.add(task.base);
  anyLate = true;
}

/** Whether the strands from `from` up to `to` (not included) pass a late task's folded base. */
function passesLate(from: Strand | null, to: Strand): boolean {
  for (let r = from; r !== null && r !== to; r = r.prev) if (lateBases.has(r)) return true;
  return false;
}

/** After events were lost, states again what is running so the reader can pick up the thread. */
function restate(): void {
  if (current === null) return;
  const w = recorder.room(1);
  if (w !== null) w.run(now(), current.id, Reason.Resume);
}

// ---------------------------------------------------------------------------------------------
// A connection's reads. Data arriving on a connection the program opened (a database's, a
// broker's, an outgoing request's socket) comes in callbacks the runtime makes for nobody. When it
// answers someone's wait (a reply settles the promise a request, or a Promise.all member, awaits),
// its time is the waiter's: the read is a stint of the task whose promise it settled, right before
// the continuation it leads to. When it answers nobody — a subscriber's message handler, a driver
// setting up the connection — it is the work of the code that opened the connection, while that
// code's work goes on. The read runs as a probe: no stint while it runs, unless it makes work of
// its own (a promise: an async handler) for a live opener; when it is over, a stint of the waiter
// it answered, or of the live opener if it took a while.

/** The opener of the connection whose read runs now, with no stint open (see above); else null. */
export let probing: Task | null = null;
let probeSeq = 0;
/** The opener's work goes on: what the read does for nobody else is its. */
let probeLive = false;
/** The first task whose promise the read settled (null: none yet); the read was its reply. */
let probeAnswered: Task | null = null;
/** The read settled a promise of nobody's or of several tasks': not one waiter's reply. */
let probeMixed = false;
/**
 * Set while a read becomes a stint of the task it is charged to (its opener's, its asker's): the
 * loop's busy time right before it (Node handing the read over) is that read's, as the time before
 * a continuation is the I/O callback's that led to it (accountGap) — but for a stream's read whose
 * data was in hand as it began (probeBegins).
 */
let readBegins = false;
/**
 * Set while a read becomes a stint of a task that asked for it after its own work was over and
 * waits for it (waitsLate): the time before it is that read's too, though the task has responded.
 */
let readsLate = false;
/**
 * The read being probed is a stream's data in hand, the loop's callback for it begun a moment
 * before the probe (a socket's `push` from Node's read callback: see asProbe's `inHand`), and its
 * start read from the clock as it began (not a tick a read queued): see probeBegins.
 */
let probeInHand = false;
/**
 * Set while such a read becomes a stint (its waiter's, its opener's), begun where the read began:
 * none of the gap before it is that read's — the loop had the data in hand as it began — so none
 * of it is the task's (accountGap). The busy time there is code the tracer does not see, GC, or a
 * thread the OS held back.
 */
let probeBegins = false;
/** The probe became a stint (probeEnter). */
let probeEntered = false;
/**
 * The probe reads data (not an event with none: a socket's 'close', a child's 'exit'), which it
 * hands on to listeners: a stint it becomes is StintEntry.Dispatched (entryOf).
 */
let probeReads = false;

/**
 * Whether `task`'s own work is over: it has ended; a combinator's member or a job, its call has
 * returned; a request, it has ended its response. (Not its parent's: a member of a request that has
 * answered — a race's loser — is still at work. See openerDone for a connection's opener.)
 */
export function workOver(task: Task): boolean {
  return task.ended || task.returned || (task.kind === TaskKind.Request && task.responded);
}

/**
 * Whether the work that opened a connection is over: the task has ended or, a combinator's member,
 * returned; or a request it is part of has (a `Promise.all` member's fetch opened the keep-alive
 * socket that later requests' members use) — unless a call whose own promise is its end (a call
 * nobody awaited, a member given its call's promise, a job) comes first, its own work still going
 * on.
 */
export function openerDone(task: Task): boolean {
  for (let r: Strand | null = task.base; r !== null; r = r.prev) {
    const t = r.task;
    if (t === null) continue;
    if (t.ended || t.returned || (t.kind === TaskKind.Request && t.responded)) return true;
    // A call nobody awaited that has not returned: its work goes on whatever the code that made
    // it has done since — `void compress()` in a member that has returned, in a request that has
    // responded, awaiting a message on a channel it made (seed 161383: the message, delivered
    // after the member returned on a loaded machine, was read as nobody's, and its listener's
    // work went to the gap before the call's next continuation, at that gap's end).
    if (t.endsOnReturn) return false;
    // So is such a member or job: a race's member that lost goes on after its request responded,
    // and a message on a channel it posted to before that is its work (seeds 165330 and 165461,
    // Node 24 fast mode, most runs at load 30: the listener's work ran in no stint).
    if (t.endsWhenSettled) return false;
  }
  return false;
}

/**
 * Whether `task` asked a connection something after its own work was over by openerDone's word and
 * has had no reply since (Task.askedLate): its work goes on, waiting for that answer — a request's
 * after its response that awaits a query, a port's message. Before, what the connection brought
 * for it was the connection's opener's (the script that opened a pool's connection: a large
 * result read after a response ran in the script's lane) or untracked code.
 */
export function waitsLate(task: Task): boolean {
  return task.askedLate >= task.answered;
}

/**
 * Whether what a connection brings for `task` (its opener, asker or waiter) is its work: its work
 * goes on (openerDone), or it waits for an answer it asked for after that (waitsLate).
 */
export function readsFor(task: Task): boolean {
  return !openerDone(task) || waitsLate(task);
}

/**
 * A read of a connection `opener` opened begins, no stint open (`reads`: it brings data, see
 * probeReads). False: run it plainly. `queued`: it is a tick a read queued (sources/ticks.ts),
 * which runs right after that read and the ticks queued before it, before the loop can wait: it
 * begins where that read ended, with no clock reading of its own when it can (see queuedStart).
 * `live`: whether the opener's work goes on (by default, as openerDone says).
 */
export function startProbe(
  opener: Task,
  reads: boolean,
  queued = false,
  live?: boolean,
  inHand = false,
): boolean {
  if (queued) {
    if (--queuedProbes < 0) queuedProbes = 0;
  } else soonReaction = false;
  if (probing !== null || current !== null) return false;
  probing = opener;
  probeReads = reads;
  probeAnswered = null;
  probeLate = null;
  probeMixed = false;
  probeEntered = false;
  probeReacts = false;
  probeLive = live ?? readsFor(opener);
  probeInHand = inHand && reads && !queued;
  // A tick the read queued, run right after that read became its waiter's stint and ended as one
  // the drain goes on from (endProbeRead, leaveSoon), for that same task: it is part of that stint,
  // open for the watchdog as for the trace — no clock reading, no heartbeat of its own (see
  // probeSoon).
  probeSoon = queued && probeLive && times.pendingIdle === SOON && opener === pendingTask;
  if (probeSoon) {
    // (Not a time of its own: see probeStartFor.)
    times.probeStart = times.stint;
    probeSeq = stintSeq;
    return true;
  }
  if (queued && times.pendingIdle === SOON) {
    // A stint ended SOON (a read's, its tick still to run: readGoesOn) that this tick does not
    // continue ends where the tick begins: the one reading, for both.
    endSoon();
    times.probeStart = times.lastEnd;
  } else times.probeStart = queued ? queuedStart() : now();
  // A read the loop called (data a connection brings, from the poll; not a tick a read queued):
  // what runs from here on ran after the loop waited for events (see enter).
  if (reads && !queued) {
    times.loopRead = times.probeStart;
    loopReadAsks = asks;
  }
  // The watchdog sees the opener's stint: a read that blocks names its line (if the read becomes
  // a stint, it begins at this very time, as the block's sample says).
  if (probeLive) beat(times.probeStart, opener.id, true);
  probeSeq = stintSeq;
  return true;
}

/**
 * The probe is a tick of a read's, begun inside that read's stint, ended SOON (see startProbe): the
 * drain goes on in it. A stint it becomes of that same task continues it (enter, as a continuation
 * does: enterContinuation), with no clock reading; anything else reads the clock where it needs a
 * time (probeStartFor).
 */
let probeSoon = false;
/**
 * The read settled a promise of the task it answers from which another was made (CHAINED_BIT, see
 * promises.ts `reacts`): that reaction is queued, and runs in this drain before the loop can wait.
 * The read's stint then ends as a continuation with such a reaction queued does (leaveSoon): what
 * runs next dates its end, and the waiter's continuation — most often the very reaction — continues
 * it with no clock reading (enterContinuation), as do the ticks the read queued (probeSoon).
 */
let probeReacts = false;
/**
 * Ticks a read queued (sources/ticks.ts, probeTick*) that have not run yet: they run in this drain,
 * before the loop can wait, each as a probe that ends or continues a stint ended SOON (endProbeRead).
 */
let queuedProbes = 0;
/** A read's tick is queued (sources/ticks.ts): see queuedProbes. */
export function probeQueued(): void {
  queuedProbes++;
}
/** The stint a read ended SOON has its reaction queued still (probeReacts, as the read ended). */
let soonReaction = false;
/**
 * Whether a stint a read became can end SOON (leaveSoon): something of the drain is sure to run
 * after it — a reaction it queued (probeReacts), or a tick it queued (queuedProbes) — and date its
 * end, or continue it.
 */
function readGoesOn(): boolean {
  if (probeReacts) soonReaction = true;
  return soonReaction || queuedProbes > 0;
}

/**
 * Where a stint the probe becomes, of `task`, begins: the probe's start, or — for a probe begun
 * inside a stint ended SOON (probeSoon) — nothing of its own for that stint's task (the stint goes
 * on), and a clock reading now for any other (which ends that stint there: the probe's time so
 * far, a tick's few microseconds, is left in it).
 */
function probeStartFor(task: Task): number {
  if (probeSoon && (times.pendingIdle !== SOON || task !== pendingTask)) {
    probeSoon = false;
    times.probeStart = now();
  }
  return times.probeStart;
}

/**
 * When a tick a read queued begins (see startProbe): where the last read ended, when its end was
 * read from the clock (endProbeRead: the read was a stint, or its length was looked at) and no
 * stint has begun since; otherwise, a clock reading. What ran in between with no stint (Node's own
 * code between the read and its ticks, ticks of nobody's) is counted in the tick's. A redis reply
 * read by ioredis queues two such ticks (Node's stream housekeeping, which hands data on only to a
 * 'readable' listener): each read the clock at its start and at its end, now at its end only.
 */
function queuedStart(): number {
  return times.pendingIdle !== SOON && readEndSeq === stintSeq ? times.readEnd : now();
}
/** The last read's end, read from the clock, and the stint number then (see queuedStart). */
let readEndSeq = -1;
function readEnded(t: number): void {
  times.readEnd = t;
  readEndSeq = stintSeq;
  readEndAsks = loopReadAsks;
}

/**
 * Writes to the program's connections and messages posted on its ports so far (asks: see
 * sources/connections.ts askOn, sources/workers.ts), and their count when the last read the loop
 * called began (loopRead) and as of the read whose end is times.readEnd.
 */
let asks = 0;
let loopReadAsks = 0;
let readEndAsks = -1;
/** The program writes to a connection it opened, or posts on a port: it may ask for a reply. */
export function asked(): void {
  asks++;
}

/**
 * Whether the stint that ended last (pendingIdle) was a read of a connection and nothing was asked
 * from the start of the read the loop called for it until the read the loop called since: the two
 * are parts of one reply (a large result's, read in several reads of one poll), and the second
 * continues the first, a moment apart (see enter). A reply to anything asked in between can only
 * come after the loop has polled again, and the task waits for it.
 */
function readRun(): boolean {
  return times.readEnd === times.pendingIdle && readEndAsks === loopReadAsks;
}

/**
 * A request's first stint, its 'request' event, has ended (sources/http.ts): inside the read that
 * brought its head, which may bring the first part of its body too (see bodyRead).
 */
export function requestArrived(): void {
  if (current === null) times.arrivalEnd = times.pendingIdle;
}

/**
 * Whether no stint has ended since the first stint of the HTTP request that arrived last: what its
 * parser pushes now came in the read that brought its head (see bodyRead) — a GET's end, most often.
 */
export function inArrival(): boolean {
  return times.pendingIdle === times.arrivalEnd;
}

/** The request whose body part was read last (its id), and asks then (see bodyRead). */
let bodyReadTask = 0;
let bodyReadAsks = 0;

/**
 * A part of `task`'s body (or its end: a chunked body's last, empty chunk read alone, whose 'end'
 * follows in a tick), or of an HTTP/2 stream's (the session's read pushes it: sources/http2.ts), is
 * handed over, no stint open: Node's parser pushes it from a read of
 * the request's socket, which the loop called after it polled — unless it is the read that brought
 * the request's head, right after the request's first stint (requestArrived: nothing has ended a
 * stint since). Whatever ran before that read ran before the poll, and a stint that ended then is
 * not continued by what runs after it (enter): the request waited for the rest of its body. A
 * client that wrote a POST's head and first part, then the rest 3 ms later, showed one stint and no
 * wait when the merge window took in the 3 ms (slowdown 1000). The socket of an HTTP server is read
 * by Node's parser in C++ (no JavaScript where its read begins), so the read is known where its
 * data is pushed, and dated by the last stint's end (times.lastEnd: no clock reading). The parts of
 * one body read one after another go on one stint, as a reply's do (readRun): the stint before
 * began after that body's last part was read, and nothing was asked since.
 */
export function bodyRead(task: Task): void {
  if (times.pendingIdle === times.arrivalEnd) return;
  if (
    bodyReadTask === task.id &&
    bodyReadAsks === asks &&
    pendingTask === task &&
    times.openStart > times.polled
  )
    return;
  times.polled = times.lastEnd;
  bodyReadTask = task.id;
  bodyReadAsks = asks;
}

/**
 * The loop calls, with no stint open, something that comes only after it polled — a promise
 * settled by code the tracer does not see (`fs.promises`, `dns.promises`: Node settles it from the
 * callback of work its thread pool finished, promises.ts), the callback of a callback API (fs, dns,
 * zlib, crypto, child_process: sources/callbacks.ts) or, in full mode, of a resource's I/O
 * (fullMode.ts), an event that carries no data but comes straight from the loop (a socket's
 * 'connect', a child's 'exit': sources/connections.ts). The stint that ended last ended before it,
 * and is not continued by what follows (enter): its task waited, however short that was. Dated by
 * that stint's end (times.lastEnd), no clock reading. (What such code settles or calls in the same
 * drain as a stint of the task's own that ran inside it is taken for a wait too: a few
 * microseconds, and rare — a callback of nobody's that runs the task's code and then settles its
 * promise.)
 */
export function polledNow(): void {
  times.polled = times.lastEnd;
}

/**
 * Calls `fn` on `self` with `args` as a read of a connection `opener` opened (see startProbe), or
 * plainly when no read can begin (a stint is open, a read runs already, the tracer has stopped).
 * `live`: whether the opener's work goes on (by default, as openerDone says; a worker's own port is
 * its worker task's for as long as the worker runs, whoever made it). `inHand`: the read's data is
 * in hand as `fn` is called, read by the loop's callback a moment before (a stream's `push` from
 * Node's read callback), not made from it by code of Node's that may take a while (a port's
 * message, deserialized before it is dispatched): see probeBegins.
 */
export function asProbe(
  opener: Task | null,
  fn: (...args: unknown[]) => unknown,
  self: unknown,
  args: ArrayLike<unknown>,
  reads: boolean,
  live?: boolean,
  inHand = false,
): unknown {
  if (opener === null || !enabled || !startProbe(opener, reads, false, live, inHand))
    return Reflect.apply(fn, self, args);
  try {
    return Reflect.apply(fn, self, args);
  } finally {
    endProbe();
  }
}

/** The read makes work of its own (a promise, as no stint runs): from now on it is the opener's stint. */
export function probeEnter(): boolean {
  const task = probing;
  if (
    task === null ||
    !probeLive ||
    (probeAnswered !== null && probeAnswered !== task) ||
    probeMixed ||
    probeEntered ||
    stintSeq !== probeSeq
  )
    return false;
  probeEntered = true;
  readBegins = true;
  readsLate = waitsLate(task);
  probeBegins = probeInHand && !probeSoon;
  enter(task, Reason.Io, false, probeStartFor(task));
  probeBegins = false;
  readBegins = false;
  readsLate = false;
  return true;
}

/**
 * How many times a connection's read settled a promise a task was waiting on (a reply): a task's
 * `answered` is this count as of its last reply.
 */
export let replies = 0;

/**
 * The read running now is `task`'s reply though it settles nothing of its: the library has moved on
 * to the next query on the connection (libraryQueues.ts).
 */
export function answeredNow(task: Task): void {
  task.answered = ++replies;
}

/** A read settled a promise made before it (tagged `tag`): a reply to that promise's task. */
export function readAnswered(tag: Strand | undefined): void {
  const task = tag === undefined ? null : taskOf(tag);
  if (task !== null) {
    const late = waitsLate(task);
    task.answered = ++replies;
    if (probing !== null && probing.holdsReply) heldAnswered(probing, task, late);
  }
}

/**
 * A promise settled during the read, no stint open: a reply to its task, unless that is the opener.
 * `chained`: a reaction to it is queued (see probeReacts).
 */
export function probeSettled(tag: Strand | undefined, chained: boolean): void {
  if (probing === null) return;
  const task = tag === undefined ? null : taskOf(tag);
  // (A reply to another task than the one the read answered so far, both still waiting: see
  // replyAgain. Judged before this settling moves the counts.)
  const again =
    task !== null &&
    probeAnswered !== null &&
    probeAnswered !== task &&
    !probeMixed &&
    answersWaiter(task, waitsLate(task));
  const firstLate = probeAnswered !== null && probeLate === probeAnswered;
  if (task !== null) {
    // (Whether this answers what it asked after its work was over: read before the count moves.)
    if (waitsLate(task)) probeLate = task;
    task.answered = ++replies;
    if (probing.holdsReply) heldAnswered(probing, task, probeLate === task || chained);
  }
  if (again && replyAgain(task!, firstLate)) {
    probeReacts = chained;
    return;
  }
  if (task === null || (probeAnswered !== null && probeAnswered !== task)) probeMixed = true;
  else {
    probeAnswered = task;
    if (chained) probeReacts = true;
  }
}

/**
 * Whether a reply to `waiter` is its stint (endProbeRead): its work goes on, or it waits for this
 * very answer, asked after its work was over (`late`).
 */
function answersWaiter(waiter: Task, late: boolean): boolean {
  return !openerDone(waiter) || late;
}

/**
 * One read answers a second waiter (`next`) after the first: a worker pool that, handed one
 * thread's result, takes the results the other threads have queued on their ports
 * (`receiveMessageOnPort`) before it returns — piscina does. Each reply is a stint of the task
 * whose wait it settles, so the read so far becomes the first waiter's stint, and what follows is
 * read for `next`, as a read of its own would be. Before, a read that settled two tasks' waits was
 * nobody's: the members of a `Promise.all` of two pool runs had no stint at their results, and
 * their lanes ended where they were made, 20 ms before their results came. False, and the read
 * stays as before (mixed), when it already became a stint, or the first waiter's work is over.
 * `firstLate`: the first waiter waits for an answer it asked after its work was over (waitsLate).
 */
function replyAgain(next: Task, firstLate: boolean): boolean {
  const first = probeAnswered!;
  if (probeEntered || stintSeq !== probeSeq || current !== null || !answersWaiter(first, firstLate))
    return false;
  readsLate = firstLate;
  probeBegins = probeInHand && !probeSoon;
  enter(first, Reason.Io, true, probeStartFor(first));
  probeBegins = false;
  readsLate = false;
  leave();
  probeSoon = false;
  readEnded(times.lastEnd);
  // The promises settled so far were the first waiter's reply (see endProbe).
  if (probeSettles.length > 0) {
    if (onProbeSettles !== null) onProbeSettles(probeSettles, first);
    probeSettles.length = 0;
  }
  times.probeStart = times.lastEnd;
  probeSeq = stintSeq;
  probeAnswered = next;
  if (probeLate !== next) probeLate = null;
  return true;
}
/** A task a promise the probe settled is of, which waited for an answer it asked late (waitsLate). */
let probeLate: Task | null = null;

/**
 * A read of the reads a connection held for nobody's asker (sources/streams.ts, heldReply) settled
 * a promise of `task`'s: the reply they were part of was `task`'s (a connection answers in the
 * order asked), and so are they, when its work goes on — or when its code goes on with this very
 * answer: `goesOn`, it waits for what it asked after its work was over (waitsLate), or the promise
 * settled has a reaction queued (an `await` of it, a `.then`: CHAINED_BIT), which runs as the
 * task's. A request's code that asked before its response and awaits the reply after it (an
 * event-stream's tick that ended the response while the query of another was on its way, a
 * `res.end()` before `await saved`): before, the parts of the reply read before the one that
 * settled it were a `connection reply` lane of nobody's, while its continuation ran in the
 * request's lane (express 5 + pg, server-sent events at 8 connections, full mode: 5 such lanes in
 * 320 streams). A promise the task left on the connection with nothing chained (pg's client's, that
 * the connection's end settles) still says nothing of whose the reads were.
 */
function heldAnswered(held: Task, task: Task, goesOn: boolean): void {
  if (task === held || task.holdsReply || onHeldAnswered === null || (openerDone(task) && !goesOn)) return;
  held.holdsReply = false;
  onHeldAnswered(held, task);
}
let onHeldAnswered: ((held: Task, by: Task) => void) | null = null;
export function setHeldAnsweredHandler(handler: (held: Task, by: Task) => void): void {
  onHeldAnswered = handler;
}

/**
 * Promises the read settled while no task ran (see probeSettledPromise), and who is told of them
 * once the read is over, with the task whose stint the read became (null: nobody's).
 */
const probeSettles: object[] = [];
const MAX_PROBE_SETTLES = 64;
let onProbeSettles: ((settled: object[], ranAs: Task | null) => void) | null = null;
export function setProbeSettlesHandler(handler: (settled: object[], ranAs: Task | null) => void): void {
  onProbeSettles = handler;
}
/** A promise the read being probed settled, no stint open (a waiter's reply). */
export function probeSettledPromise(p: object): void {
  if (probing !== null && probeSettles.length < MAX_PROBE_SETTLES) probeSettles.push(p);
}

/** The read is over: its stint ends, or it becomes one, its waiter's or its opener's. */
export function endProbe(): void {
  const ranAs = endProbeRead();
  if (probeSettles.length === 0) return;
  if (onProbeSettles !== null) onProbeSettles(probeSettles, ranAs);
  probeSettles.length = 0;
}

/**
 * The read probed now, over, became no stint: it is part of the gap before the next one, which
 * accountGap may give to the task that runs next as the I/O callback that led to it (a read that
 * settled the waits of several tasks goes to the first of them to run on). A stream's read whose
 * data was in hand as it began (probeInHand) began at the probe's start: whatever the loop did in
 * the gap before it is no part of it, nor of any callback after it (times.readFrom).
 */
function gapRead(): void {
  if (probeInHand) times.readFrom = times.probeStart;
}

/** endProbe's read: the task whose stint it became, or null. */
function endProbeRead(): Task | null {
  const opener = probing;
  probing = null;
  if (opener === null) return null;
  if (probeEntered) {
    const ran = current;
    leave();
    if (current === null) readEnded(times.lastEnd);
    return ran;
  }
  const soon = probeSoon;
  if (soon) {
    // A tick begun inside its opener's stint ended SOON (startProbe), which it answered for or
    // nobody: that stint goes on through it, as it is (the reaction queued ends it, or continues it).
    if (
      stintSeq === probeSeq &&
      current === null &&
      times.pendingIdle === SOON &&
      pendingTask === opener &&
      !probeMixed &&
      (probeAnswered === null || probeAnswered === opener)
    ) {
      // (With nothing of the drain sure to follow, it ends here.)
      if (!readGoesOn()) endSoon();
      return opener;
    }
  } else if (stintSeq === probeSeq && probeLive && heartbeat !== null) heartbeat[1] = 0;
  if (stintSeq !== probeSeq || current !== null) return null;
  const waiter = probeAnswered;
  // What the block sampler saw of the read is the waiter's (the heartbeat named the opener while
  // nobody knew), or nobody's if the read answered several or none of the program's tasks.
  // (A tick begun inside a stint ended SOON has no heartbeat of its own: that one is the stint's.)
  if (probeLive && !soon && (waiter !== null || probeMixed))
    recentTask[probeSeq & (RECENT - 1)] = waiter !== null && !probeMixed ? waiter.id : 0;
  if (waiter !== null || probeMixed) {
    // A reply: its waiter's stint, right before the continuation it leads to (that continuation
    // alone would have been charged the gap, accountGap, not a member of Promise.all whose own
    // promise the reply settled). Several waiters, or nobody's: the gap, as before. Nor a waiter
    // whose work is over, a member of a request that has responded included: what settles then
    // is a promise it left on the connection it opened (pg's client has one that its connection's
    // end settles), and the pool that closes the idle connection long after the response does it
    // for nobody — a member's lane reached 150 ms past its request's. A continuation of its that
    // does run (a race's loser, still at work) is charged the read by the gap, as before.
    // (But not a waiter whose work, over by that word, goes on waiting for this very answer, asked
    // after it was over: a request's work after its response that awaits a query or a port's
    // message — see waitsLate.)
    if (probeMixed || waiter === null || (openerDone(waiter) && probeLate !== waiter)) {
      // (A tick inside a stint ended SOON that answered several: that stint ends here.)
      if (soon) endSoon();
      else gapRead();
      return null;
    }
    readsLate = probeLate === waiter;
    probeBegins = probeInHand && !soon;
    enter(waiter, Reason.Io, true, probeStartFor(waiter));
    probeBegins = false;
    readsLate = false;
    // Its reaction or a tick it queued is to run in this drain (see readGoesOn): what runs next
    // dates the end.
    if (readGoesOn()) {
      leaveSoon();
      soonRead = true;
      return waiter;
    }
    leave();
    readEnded(times.lastEnd);
    return waiter;
  }
  // (A read for nobody, its opener's work over, notes no start for the next stint (gapRead): with
  // it, express 5 + postgres.js's export read after its response — realServers.test.ts, full mode
  // — put 10.9-11.6 ms of its rows in untracked code, over the test's 15%, in 2 of 5 runs at load
  // 17-33; not seen without it, nor on main's build, at load 8-17.)
  if (!probeLive) return null;
  // However short: the read ran for its opener, whose work went on as it began — a reply to what it
  // asked, run by a library's callback (pg's `pool.query(text, values, callback)`), may be its last
  // code, the response sent. Too short to be a stint, its time went to the gap, and from there to
  // whatever ran next: a request that arrived meanwhile (its parsing, by accountGap), or untracked
  // code once the opener had responded — a request's last callback in another request's lane, 1 of
  // 80 in a run in 4 on a quiet machine (a step of 1 ms of the thread's CPU lasting less on the
  // clock: the kernel's count of it lags). (A large result read in parts is a stint a part, or one
  // where they come a moment apart: enter merges them.)
  readBegins = true;
  readsLate = waitsLate(opener);
  probeBegins = probeInHand && !soon;
  enter(opener, Reason.Io, false, probeStartFor(opener));
  probeBegins = false;
  readBegins = false;
  readsLate = false;
  // (As a waiter's reply above.)
  if (readGoesOn()) {
    leaveSoon();
    soonRead = true;
    return opener;
  }
  leave();
  readEnded(times.lastEnd);
  return opener;
}
