/**
 * Where user code created a task: a stack capture, cut down to the first frame of user code. Stack
 * captures cost 10-20 µs in a small program and 50-100 µs on a real server's deep stacks, so they
 * are rationed (token buckets per kind; the most frequent, where stints await, also by the time
 * they take) and never taken on the per-promise path. Positions in code that was compiled with a source map (TypeScript, bundles) are
 * mapped back through Node's own source-map cache when the program has source maps enabled; the
 * readers map the rest from the .map files on disk.
 */
import type { SourceLocation } from '../protocol/format';
import { now } from './traceClock';
import { moduleFunction } from './nodeModule';
import { Verdict, nameInSource } from './sourceNames';
import { Made, Rooted } from './stintLog';

/** A source location as captured from a stack (file, 1-based line and column), with what the frame said. */
export interface CodeLocation extends SourceLocation {
  /** Function name at that frame, or "" when anonymous. */
  fn: string;
  /** True when no frame of the user's own code was found and this is library code. */
  library: boolean;
}

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getScriptNameOrSourceURL?(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
  getMethodName?(): string | null;
  getTypeName?(): string | null;
  isNative?(): boolean;
  isAsync?(): boolean;
  isPromiseAll?(): boolean;
  getEnclosingLineNumber?(): number | null;
  getEnclosingColumnNumber?(): number | null;
}

/**
 * A stack as it was read, kept only while the stint that read it runs (its frames hold on to the
 * functions and receivers on it): what calledFunction compares.
 */
export type Stack = readonly CallSiteLike[];

/** A frame of a chain of awaits (see captureChain). */
export interface ChainFrame extends CodeLocation {
  /** An `async` frame: a function awaiting the one before it (V8's async stack traces). */
  async: boolean;
  /** Runtime code (node:, internal/) or the tracer's own: not user or library code. */
  internal: boolean;
}

const STACK_DEPTH = 24;
/**
 * Frames taken for an await: the awaiting function is near the top (a capture costs about 10 µs
 * when the program is busy, more with more frames).
 */
const AWAIT_STACK_DEPTH = 12;
/** Frames read for what makes a promise (rootMaker: the maker and the code below it). */
const MAKER_STACK_DEPTH = 16;
/** Await captures get this share of the capture rate... */
const AWAIT_SHARE = 0.2;
/**
 * ...and may take this much of the loop's time, ms per second (0.2%), and this much at once: on a
 * busy server they are most of the captures, and each takes tens of microseconds.
 */
const AWAIT_MS_PER_SECOND = 2;
const AWAIT_BURST_MS = 20;
/**
 * The most one await capture is charged to that budget, ms. A capture's wall time is its cost only
 * while the thread keeps its CPU: the dearest take about 0.1 ms (a real server's deep stacks), and
 * the rest is the machine holding the thread (waiting for a CPU, at load 30 often 10-100 ms). Charged
 * in full, one such wait emptied the budget for tens of seconds, and the rest of the run had no
 * await locations (the kitchen's lessons: GET /sequential's resumes unknown, its lesson missing).
 */
const AWAIT_CAPTURE_MAX_MS = 1;
/** Captures that name dishes get this share, and may spend this many seconds of it at once. */
const CHAIN_SHARE = 0.4;
const CHAIN_BURST_SECONDS = 5;
/**
 * Captures that tell an `await` from a promise method, or a call from `new Promise` (a few per
 * place: a server soon knows them all), and how many seconds of them may go at once: a program
 * that starts, or a task that first runs code (every place a dish's code passes is new to it), sees
 * hundreds of new places in a few milliseconds, and a place left unknown can cost a dish its lane
 * (seeds 1895 and 1983: a fire-and-forget call inside a combinator's member, unseen after 200).
 */
const METHOD_SHARE = 1;
const METHOD_BURST_SECONDS = 2;

let tracerFile = '';

/**
 * A token bucket: at most `perSecond` captures a second, in bursts of up to 200 (or `burst`: the
 * naming of dishes may spend a few seconds' worth at once when a program starts many at a time).
 */
class Ration {
  private tokens = 0;
  private capacity = 0;
  private ratePerMs = 0;
  private lastRefill = 0;
  /** A fixed number of captures for the whole run, none refilled (see configureLocations). */
  private fixed = false;

  set(perSecond: number, burst = Math.min(perSecond, 200)): void {
    this.ratePerMs = perSecond / 1000;
    this.capacity = Math.max(1, burst);
    this.tokens = this.capacity;
    this.lastRefill = now();
    this.fixed = false;
  }

  /** `total` captures for the whole run, taken with no clock read. */
  setTotal(total: number): void {
    this.tokens = total;
    this.fixed = true;
    this.ratePerMs = total > 0 ? 1 : 0;
  }

  /**
   * Whether a token is there at time `at` (a clock reading the caller has), without taking it or
   * reading the clock: a gate cheap enough to ask at every verdict a trusted place gives (doubts).
   */
  open(at: number): boolean {
    if (this.ratePerMs === 0) return false;
    return this.fixed || this.tokens + (at - this.lastRefill) * this.ratePerMs >= 1;
  }

  /** How long until a spent bucket has a token again, ms (Infinity when off). */
  get intervalMs(): number {
    return this.ratePerMs === 0 ? Infinity : 1 / this.ratePerMs;
  }

  /** Takes a token if one is left; `at` is the time now if the caller has it (a clock read saved). */
  take(at?: number): boolean {
    if (this.ratePerMs === 0) return false;
    if (this.fixed) {
      // Spent: none ever again (and no retry: intervalMs is then Infinity).
      if (--this.tokens <= 0) this.ratePerMs = 0;
      return true;
    }
    const t = at ?? now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.lastRefill) * this.ratePerMs);
    this.lastRefill = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A budget of time, in ms, refilled at a steady rate. */
class TimeBudget {
  private left: number;
  private at = 0;
  /** No budget of time: the captures are a fixed number (see configureLocations). */
  unbounded = false;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.left = burst;
  }

  /** Whether any is left at time `t`. */
  has(t: number): boolean {
    if (this.unbounded) return true;
    this.left = Math.min(this.burst, this.left + ((t - this.at) * this.perSecond) / 1000);
    this.at = t;
    return this.left > 0;
  }

  spend(ms: number): void {
    this.left -= ms;
  }
}

/** Where tasks are created. */
const creations = new Ration();
/** Naming dishes from the chain of awaits their code runs in. */
const chains = new Ration();
/** Frames looked at for a chain of awaits: the dish's function may be a few awaits out. */
const CHAIN_DEPTH = 32;
/** Where stints await: a budget of its own, so that it never starves the creations. */
const awaits = new Ration();
const awaitTime = new TimeBudget(AWAIT_MS_PER_SECOND, AWAIT_BURST_MS);
/** Whether a promise was made by an `await` or by a promise method. */
const methods = new Ration();
/** Whether a root promise was made by the runtime or by entering an async function: its own budget. */
const roots = new Ration();
/**
 * A second look at a place already seen (dishes.ts confirms what a place's stacks say): a budget of
 * its own, so that confirming never starves a place seen for the first time, nor waits for one.
 */
const confirmations = new Ration();
/**
 * Stacks read for naming a combinator's member where no other look reads one: a chain on a promise
 * made in an earlier stint (`ready.then(…)`), and the first thing a call leaves behind after a
 * promise Node's or a library's code made for it (`util.promisify`'s). A budget of its own, so
 * that these never starve the looks the lanes depend on (roots, methods).
 */
const memberLooks = new Ration();
/**
 * Stacks read for who sets a timer at a place (calledByLibrary): a budget of its own, so that the
 * timers a driver sets for every query never starve the looks that place and name dishes.
 */
const setterLooks = new Ration();
/**
 * Second looks at where a dish's call is made once its place is named (dishNames.ts relook): a
 * factory's functions (`const make = (n) => ({ async [n]() {…} })[n]`) share one line, so a place
 * that called one of them 16 times and is trusted may call another next. A few a second.
 */
const relooks = new Ration();
const RELOOK_SHARE = 0.02;
/**
 * Looks at the calls a library's runner of jobs makes (dishes.ts rootedHow), at places whose word
 * would be taken without one: which function of the program's a runner calls depends on its data,
 * not on the place (a mapper's 24 `resize` jobs, then `index`), and what the stint does after it
 * is new code at the places it passes when the function is another than the place's last — whose
 * trusted verdicts are looked at again on this budget too (`anew`: dishes.ts `fresh`). A budget of
 * its own (200 a second, 1,000 at once: a program that runs a mapper of 20 jobs ten times in its
 * first seconds, each job a look and those of another function a few more), so that a queue's busy
 * jobs of many functions never starve the looks that place and name dishes, nor cost a busy server
 * more than these (at 50 a second, 100 at once, it ran out in generated programs that run such a
 * mapper several times: members named after the other jobs' function in 2 to 8 of 200 programs).
 */
const jobLooks = new Ration();
const JOB_LOOK_SHARE = 0.4;
const JOB_LOOK_BURST_SECONDS = 5;
/**
 * Looks at places whose verdict is trusted (16 stacks agreed: dishes.ts PlaceVerdicts), which would
 * be taken without one: different code of one task reaches the same places in turn, and only a
 * stack tells it apart — a loop that awaits a library's async call 23 times, then one of the
 * program's of the same shape, whose timer is set where the library set one on its own account each
 * time (or a call of the program's nobody awaits, where the library's was; or a `.then` of the
 * program's on a call made before, where a library chained it). A look that disagrees makes its
 * place trusted no more. A budget of its own (50 a second, 500 at once): a program's first seconds,
 * and a busy server's places a few times a second each, not its every call — past it a trusted
 * place's word is taken as before (50 stacks a second cost a server about 0.6 ms of CPU a second: a
 * 16-frame stack read with its frames' names took 12 µs, measured at load 30 on 2 cores).
 */
const doubts = new Ration();
const DOUBT_SHARE = 0.1;
const DOUBT_BURST_SECONDS = 10;
/**
 * Looks that tell whether a promise made from a root of an earlier stint of the running task's was
 * made by an `await` — V8's wrapper for `await thenable` in a stint that resumed the awaiting
 * function (dishes.ts ownTagged) — or by a promise method: one per place, never looked at again. A
 * budget of its own (50 a second, 250 at once): a library's code makes such promises at many places
 * (fetch's and undici's `.then` on a response made before: 69-80 places in tracerTasks'
 * plainMembers.js), and read on the budgets of the looks that place and name dishes (the methods'
 * and confirmations', up to 17 looks a place) it left a Promise.all member named `all[1]`.
 */
const wrapperLooks = new Ration();
const WRAPPER_LOOK_SHARE = 0.1;
const WRAPPER_LOOK_BURST_SECONDS = 5;
/** Frames read for a wrapper's look: the tracer's hook, Node's, then `then` or the awaiting function. */
const WRAPPER_STACK_DEPTH = 6;

/**
 * The file name V8 gives the tracer's own frames: the caller's (a function of the tracer's), read
 * from its stack; `fallback` when none can be read. It is not always the file the tracer was loaded
 * from: the loader compiles it with V8's code cache (load.ts), and code from a cache keeps the name
 * of the script the cache was made from — the build's folder, not the folder the tracer was copied
 * or installed to (an installed extension's). Taken for the program's code, the tracer's own promise
 * hook became the function of every dish (all named `init2`, the first placed in `tracer.js`).
 */
export function ownScriptFile(fallback: string): string {
  const frames = captureFrames(ownScriptFile, 1);
  const file = frames !== null && frames.length > 0 ? frameFile(frames[0]) : null;
  return file !== null && file !== '' ? file : fallback;
}

/** The tracer's own file, as its frames name it (see ownScriptFile). */
export function ownFile(): string {
  return tracerFile;
}

/**
 * Sets the files to skip (the tracer's own) and the capture rate (creations; awaits get a share).
 * With `total` (the `locationsTotal` option, for benchmarks) each kind of capture may instead be
 * taken that many times in the whole run, with no clock and no budget of time: under callgrind
 * the same captures are then taken at the same points of every run, however fast valgrind runs.
 * `awaitsOff` (the `locations: "off"` option) takes no stack for where stints await, the one kind
 * that only places what the trace shows: the others decide lanes and names too (whether a library's
 * code made a call, or the runtime a promise; who set a timer), and a place soon has the few it
 * needs. Without them the two options' lanes differed: a limiter's `run(fn)` called and awaited
 * later was a call nobody awaited, taking in its caller's code up to its next await.
 */
export function configureLocations(
  ownFile: string,
  perSecond: number,
  total?: number,
  awaitsOff = false,
): void {
  tracerFile = ownFile;
  if (total !== undefined && perSecond > 0) {
    for (const r of [
      creations,
      awaits,
      chains,
      methods,
      roots,
      confirmations,
      memberLooks,
      setterLooks,
      relooks,
      jobLooks,
      doubts,
      wrapperLooks,
    ])
      r.setTotal(total);
    if (awaitsOff) awaits.set(0);
    awaitTime.unbounded = true;
    return;
  }
  creations.set(perSecond);
  awaits.set(awaitsOff ? 0 : perSecond * AWAIT_SHARE);
  chains.set(perSecond * CHAIN_SHARE, perSecond * CHAIN_SHARE * CHAIN_BURST_SECONDS);
  methods.set(perSecond * METHOD_SHARE, perSecond * METHOD_SHARE * METHOD_BURST_SECONDS);
  roots.set(perSecond * METHOD_SHARE, perSecond * METHOD_SHARE * METHOD_BURST_SECONDS);
  confirmations.set(perSecond * METHOD_SHARE);
  memberLooks.set(perSecond * METHOD_SHARE, perSecond * METHOD_SHARE * METHOD_BURST_SECONDS);
  setterLooks.set(perSecond * METHOD_SHARE, perSecond * METHOD_SHARE * METHOD_BURST_SECONDS);
  relooks.set(perSecond * RELOOK_SHARE);
  jobLooks.set(perSecond * JOB_LOOK_SHARE, perSecond * JOB_LOOK_SHARE * JOB_LOOK_BURST_SECONDS);
  doubts.set(perSecond * DOUBT_SHARE, perSecond * DOUBT_SHARE * DOUBT_BURST_SECONDS);
  wrapperLooks.set(
    perSecond * WRAPPER_LOOK_SHARE,
    perSecond * WRAPPER_LOOK_SHARE * WRAPPER_LOOK_BURST_SECONDS,
  );
}

/**
 * Whether a trusted place may be looked at again now (see doubts), at time `at` (the stint's clock
 * reading): no token is taken, and no clock read — the look itself takes one (its `doubt` argument).
 */
export function doubtAllowed(at: number): boolean {
  return doubts.open(at);
}

/**
 * Takes a token of the doubts' budget for a look that reads no stack of its own: what a place
 * learnt once from the stacks read at its first calls (a member's function, the records before its
 * promise that its call made: dishSort.ts), set again against stacks this call read anyway.
 */
export function takeDoubt(at?: number): boolean {
  return doubts.take(at);
}

/** Whether a second look at a named place may be taken now (see relooks). */
export function relookAllowed(): boolean {
  return relooks.take();
}

/** After the await captures ran out, how long until the next may be taken, ms. */
export function awaitRetryMs(): number {
  return awaits.intervalMs;
}

function allowCapture(): boolean {
  return creations.take();
}

/** A frame of the tracer itself. */
export function isTracerFile(file: string): boolean {
  return file === tracerFile;
}

function isInternal(file: string): boolean {
  return (
    file === '' ||
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file === tracerFile ||
    file.startsWith('<') ||
    file === 'native'
  );
}

function isLibrary(file: string): boolean {
  return file.includes('/node_modules/') || file.includes('\\node_modules\\');
}

/**
 * The first frame of user code above `skip` on the current stack (or the first library frame if
 * there is no user code), or null when rationed out or nothing but runtime internals is there.
 */
export function captureLocation(skip: (...args: never[]) => unknown, force = false): CodeLocation | null {
  if (!force && !allowCapture()) return null;
  const frames = captureFrames(skip);
  if (frames === null) return null;
  return pickFrame(frames);
}

/** How deep `programAbove` looks: past a library's own frames from a read to its write. */
const QUEUE_STACK_DEPTH = 100;

/**
 * Whether any of the program's functions is on the stack above `skip` (not a library's, not the
 * runtime's, not the tracer's), as deep as QUEUE_STACK_DEPTH; null when the stack cannot be read.
 * Not rationed: read only where a library serves a queue of callbacks (libraryQueues.ts).
 */
export function programAbove(skip: (...args: never[]) => unknown): boolean | null {
  const frames = captureFrames(skip, QUEUE_STACK_DEPTH);
  if (frames === null) return null;
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === null || isInternal(file) || isLibrary(file)) continue;
    return true;
  }
  return false;
}

/**
 * Whether the code running now is an ES module's body in its first, synchronous run (Node's module
 * loader evaluating it is on the stack): the script's top level, as a CommonJS script's first
 * stint is. False when rationed out.
 */
export function inModuleBody(skip: (...args: never[]) => unknown): boolean {
  if (!allowCapture()) return false;
  const frames = captureFrames(skip, STACK_DEPTH * 2);
  if (frames === null) return false;
  for (const frame of frames) if (frameFile(frame) === 'node:internal/modules/esm/module_job') return true;
  return false;
}

/**
 * Where a call is made (as captureLocation) and whether the code making it directly is a library's
 * or the runtime's rather than the program's; null when rationed out.
 */
export function captureCall(
  skip: (...args: never[]) => unknown,
): { where: CodeLocation | null; byLibrary: boolean; stack: Stack } | null {
  if (!allowCapture()) return null;
  const frames = captureFrames(skip);
  if (frames === null) return null;
  let byLibrary = false;
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === null || file === '' || file === tracerFile || file === 'native' || file.startsWith('<'))
      continue;
    byLibrary = file.startsWith('node:') || file.startsWith('internal/') || isLibrary(file);
    break;
  }
  return { where: pickFrame(frames), byLibrary, stack: frames };
}

/**
 * Whether a function of the program's runs on the stack a call read (`captureCall`'s): the code
 * that runs now, not V8's async frames (the functions awaiting it), as calledByLibrary reads it.
 */
export function programOnStack(frames: Stack): boolean {
  return programRuns(frames) === true;
}

/**
 * Whether the code that runs now on `frames` (not V8's async frames: the functions awaiting it) has
 * a function of the program's (true), only a library's or Node's own (false), or none to say (null:
 * only the tracer's, native or evaluated frames).
 */
function programRuns(frames: Stack): boolean | null {
  let seen: boolean | null = null;
  for (const frame of frames) {
    if (frame.isAsync?.() === true) break;
    const file = frameFile(frame);
    if (file === null || file === '' || file === tracerFile || file === 'native' || file.startsWith('<'))
      continue;
    if (!file.startsWith('node:') && !file.startsWith('internal/') && !isLibrary(file)) return true;
    seen = false;
  }
  return seen;
}

/**
 * The frames of user code on the current stack above `skip`, innermost first (at most `max`), for
 * where a stint awaits; an empty list when there is none; null when rationed out.
 */
export function captureUserFrames(
  skip: (...args: never[]) => unknown,
  max: number,
  at: number,
): CodeLocation[] | null {
  if (!awaitTime.has(at) || !awaits.take(at)) return null;
  const start = now();
  const frames = captureFrames(skip, AWAIT_STACK_DEPTH);
  if (frames === null) return null;
  const out: CodeLocation[] = [];
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === null || isInternal(file) || isLibrary(file)) continue;
    const where = mapThroughSourceMap({
      file,
      line: frame.getLineNumber() ?? 0,
      column: frame.getColumnNumber() ?? 0,
      fn: frameFunctionName(frame),
      library: false,
    });
    if (where.library) continue;
    out.push(where);
    if (out.length >= max) break;
  }
  awaitTime.spend(Math.min(now() - start, AWAIT_CAPTURE_MAX_MS));
  return out;
}

/**
 * The stack above `skip` with the chain of functions awaiting it (V8's async frames, outermost
 * last), or null when rationed out.
 */
export function captureChain(skip: (...args: never[]) => unknown): ChainFrame[] | null {
  if (!chains.take()) return null;
  const frames = captureFrames(skip, CHAIN_DEPTH);
  if (frames === null) return null;
  chainStack = frames;
  const out: ChainFrame[] = [];
  // Node's dispatch of the promise hooks when async_hooks are on too (full mode) calls the hook:
  // no frame of the chain. Left in, it was the chain's innermost frame, and a combinator's member
  // named after the program's function its chain runs (dishNames.ts dishFrame) was named in fast
  // mode and taken for the library's in full mode (a graphql resolver's field).
  let start = 0;
  while (start < frames.length && isHookFrame(frameFile(frames[start]) ?? '')) start++;
  for (let i = start; i < frames.length; i++) {
    const frame = frames[i];
    const file = frameFile(frame) ?? '';
    let isAsync = false;
    try {
      isAsync = frame.isAsync?.() === true || frame.isPromiseAll?.() === true;
    } catch {
      // an exotic frame: not async
    }
    const internal = isInternal(file);
    const location = internal
      ? {
          file,
          line: frame.getLineNumber() ?? 0,
          column: frame.getColumnNumber() ?? 0,
          fn: frameFunctionName(frame),
          library: false,
        }
      : mapThroughSourceMap({
          file,
          line: frame.getLineNumber() ?? 0,
          column: frame.getColumnNumber() ?? 0,
          fn: frameFunctionName(frame),
          library: isLibrary(file),
        });
    out.push({ ...location, async: isAsync, internal });
  }
  return out;
}

/** The stack captureChain last read, as it was read (see calledFunction). */
export let chainStack: Stack = [];

/**
 * Whether the promise being made now (in a promise hook called from `skip`) is made by a method of
 * Promise.prototype (`.then`, `.catch`, `.finally`: the runtime's own frame is on top) rather than
 * by an `await` (the awaiting function is on top). Null when rationed out (`again`: a place seen
 * before, looked at on the confirmations' budget; `anew`: in code new to it, on jobLooks'; `doubt`:
 * a trusted place, on the doubts' budget).
 */
export function madeByPromiseMethod(
  skip: (...args: never[]) => unknown,
  again = false,
  anew = false,
  doubt = false,
): Made | null {
  if (!(doubt ? doubts : anew ? jobLooks : again ? confirmations : methods).take()) return null;
  const frames = captureFrames(skip, 8);
  if (frames === null) return null;
  let i = 0;
  while (i < frames.length && isHookFrame(frameFile(frames[i]) ?? '')) i++;
  if (i >= frames.length) return null;
  if (!isMethodFrame(frames[i])) return Made.ByAwait;
  // Who called the method (`.finally` calls `.then` itself): a library's or Node's code consuming
  // the chain, or the program's. Not seen: the program's, as before this was looked at.
  while (i < frames.length && isMethodFrame(frames[i])) i++;
  const file = i < frames.length ? (frameFile(frames[i]) ?? '') : '';
  return file !== '' && (file.startsWith('node:') || isLibrary(file)) ? Made.ByLibraryMethod : Made.ByMethod;
}

/**
 * Whether the promise being made now (in a promise hook called from `skip`) is made by an `await`
 * (the awaiting function on top of the stack), not by a method of Promise.prototype: as
 * madeByPromiseMethod, on a budget of its own (wrapperLooks; `at`, the stint's clock reading: no
 * clock read for a place the spent budget leaves unknown). Null when rationed out.
 */
export function madeByAwait(skip: (...args: never[]) => unknown, at: number): boolean | null {
  if (!wrapperLooks.take(at)) return null;
  const frames = captureFrames(skip, WRAPPER_STACK_DEPTH);
  if (frames === null) return null;
  let i = 0;
  while (i < frames.length && isHookFrame(frameFile(frames[i]) ?? '')) i++;
  return i < frames.length ? !isMethodFrame(frames[i]) : null;
}

/**
 * Whether the code that called `skip` (the tracer's patch of `setTimeout`) is a library's or Node's
 * own, with no frame of the program's below it: the library set the timer on its own account (a
 * pool's reaper, set as its code releases a connection after a reply), not because the program
 * called it right then (a library's debounce the program's handler calls, whose timer runs the
 * program's function). Null when rationed out (a budget of its own: setterLooks; `anew` and
 * `doubt` as for madeByPromiseMethod).
 */
export function calledByLibrary(
  skip: (...args: never[]) => unknown,
  anew = false,
  doubt = false,
): boolean | null {
  if (!(doubt ? doubts : anew ? jobLooks : setterLooks).take()) return null;
  const frames = captureFrames(skip, MAKER_STACK_DEPTH);
  if (frames === null) return null;
  // Only the code that runs now: V8's async frames are the functions awaiting it (the program's
  // handler awaiting a query whose continuation releases the connection).
  const program = programRuns(frames);
  return program === null ? null : !program;
}

function isHookFrame(file: string): boolean {
  return (
    file === tracerFile || file === 'node:internal/promise_hooks' || file === 'node:internal/async_hooks'
  );
}

function isMethodFrame(frame: CallSiteLike): boolean {
  if ((frameFile(frame) ?? '') !== '') return false;
  const fn = frameFunctionName(frame);
  return fn === 'then' || fn === 'catch' || fn === 'finally';
}

/**
 * What makes the root promise being made now (in a promise hook called from `skip`): the runtime
 * — `new Promise` (the Promise constructor's own frame is on top), `Promise.resolve`, a builtin —
 * or entering an async function (the function's own frame is on top: its body runs next), the
 * program's or one of Node's own or a library's; or Node's ES module loader evaluating a module's
 * body. Null when rationed out (`again`: as for madeByPromiseMethod; `job`: a call a library's runner
 * makes, at a place whose word would be taken without a look — on jobLooks' budget; `doubt`: a
 * trusted place looked at again, on the doubts' budget).
 */
export function rootMaker(
  skip: (...args: never[]) => unknown,
  again = false,
  job = false,
  doubt = false,
): Rooted | null {
  entered = null;
  enteredFrom = null;
  enteredByEvent = false;
  enteredViaLibrary = false;
  enteredInPromise = false;
  enteredNode = false;
  madeByImport = false;
  makerStack = null;
  const maker = makerFrame(skip, doubt ? doubts : job ? jobLooks : again ? confirmations : roots);
  if (maker === null) return null;
  makerStack = makerFrames;
  const file = frameFile(maker) ?? '';
  if (file === '') return Rooted.ByRuntime;
  if (file.startsWith('node:')) {
    if (file === 'node:internal/modules/esm/module_job') return Rooted.Module;
    if (file === ESM_UTILS) noteImportSite(makerFrames, makerBelow - 1);
    enteredNode = true;
    return Rooted.ByLibrary;
  }
  // Where it was called from: a library's line that calls the program's functions from its own code
  // (a queue's callback), or from code a function of the program's called (a middleware's `next()`
  // running the handler): then '' (dishSort.ts, stintParse.ts). A library's own async function is
  // told the same way: called by the library's code from a callback of its own (p-queue's microtask
  // calling its job runner), it is no function the runtime called (stintParse.ts, calledByLibrary).
  // `import()`'s promise shows the function calling it on top, as if it were entered (see
  // callsImport): Node's loader makes it, and the program's function is no call of its own there.
  if (!isLibrary(file) && callsImport(maker)) {
    enteredFrom = null;
    madeByImport = true;
    return Rooted.ByLibrary;
  }
  enteredFrom = calledFrom();
  if (isLibrary(file)) return Rooted.ByLibrary;
  enteredByEvent = enteredFrom === null && emittedByLibrary();
  enteredViaLibrary = enteredFrom === null && !enteredByEvent && viaLibrary();
  enteredInPromise = (enteredFrom === '' || enteredViaLibrary) && inLibraryPromise();
  // An anonymous one too (its name ''): it is the program's, and where it is places its dish.
  entered = mapThroughSourceMap({
    file,
    line: maker.getLineNumber() ?? 0,
    column: maker.getColumnNumber() ?? 0,
    fn: frameFunctionName(maker),
    library: false,
  });
  return Rooted.ByCall;
}
/**
 * Who called the function whose frame makerFrame last returned: a library's line (`file:line:column`)
 * when that line is a library's and no function of the program's is below it on the stack; '' when
 * one is; null when the program's code or the runtime called it directly.
 */
function calledFrom(): string | null {
  // (Past the tracer's own frames: the wrapper it puts around a route's handler to read its pattern,
  // tracer/frameworks.ts, is no caller of the program's function — the router that calls it is.)
  let below = makerBelow;
  while (below < makerFrames.length && frameFile(makerFrames[below]) === tracerFile) below++;
  const caller = below < makerFrames.length ? makerFrames[below] : null;
  const from = caller !== null ? (frameFile(caller) ?? '') : '';
  if (from === '' || !isLibrary(from)) return null;
  for (let k = below + 1; k < makerFrames.length; k++) {
    const file = frameFile(makerFrames[k]) ?? '';
    if (!isInternal(file) && !isLibrary(file)) return '';
  }
  return `${from}:${caller!.getLineNumber() ?? 0}:${caller!.getColumnNumber() ?? 0}`;
}
/**
 * Whether the function whose frame makerFrame last returned was called by the program's own
 * synchronous code (frames of the program's files only, up to the first that is not) that a
 * library's code called, with a function of the program's below that: a queue's synchronous
 * `add(() => job(d))` calling the arrow it was given, which calls `job` (CalledFrom.ProgramViaLibrary).
 */
function viaLibrary(): boolean {
  let k = makerBelow;
  while (k < makerFrames.length && frameFile(makerFrames[k]) === tracerFile) k++;
  // The program's frames right below (the arrow): at least one, else calledFrom saw the library.
  let own = 0;
  for (; k < makerFrames.length; k++) {
    const file = frameFile(makerFrames[k]) ?? '';
    if (isInternal(file) || isLibrary(file)) break;
    own++;
  }
  if (own === 0 || k >= makerFrames.length || !isLibrary(frameFile(makerFrames[k]) ?? '')) return false;
  for (k++; k < makerFrames.length; k++) {
    const file = frameFile(makerFrames[k]) ?? '';
    if (!isInternal(file) && !isLibrary(file)) return true;
  }
  return false;
}

/**
 * Whether the library's code that called the function whose frame makerFrame last returned (through
 * the program's synchronous code, for viaLibrary) did so inside a `new Promise` executor of its own,
 * before a function of the program's below: the library's call makes a promise for that call, which
 * it returns to the program (async's `await mapLimit(…)`, truth-thenqueue's `runAll`).
 */
function inLibraryPromise(): boolean {
  let k = makerBelow;
  // Past the tracer's frames and the program's own synchronous code (the arrow of viaLibrary).
  while (k < makerFrames.length && !isLibrary(frameFile(makerFrames[k]) ?? '')) k++;
  for (; k < makerFrames.length; k++) {
    const frame = makerFrames[k];
    const file = frameFile(frame) ?? '';
    if (isLibrary(file)) continue;
    if (file === '' && isPromiseConstructor(frame)) return true;
    if (!isInternal(file)) return false;
  }
  return false;
}
function isPromiseConstructor(frame: CallSiteLike): boolean {
  try {
    return frame.getFunctionName() === 'Promise';
  } catch {
    return false;
  }
}

/**
 * Whether the function whose frame makerFrame last returned was called by Node's `emit` for a
 * library's code (the frame below the events module's is a library's), no function of the program's
 * below that.
 */
function emittedByLibrary(): boolean {
  let k = makerBelow;
  while (k < makerFrames.length && frameFile(makerFrames[k]) === EVENTS) k++;
  if (k === makerBelow || k >= makerFrames.length || !isLibrary(frameFile(makerFrames[k]) ?? ''))
    return false;
  for (k++; k < makerFrames.length; k++) {
    const file = frameFile(makerFrames[k]) ?? '';
    if (!isInternal(file) && !isLibrary(file)) return false;
  }
  return true;
}
/** Node's events module, whose `emit` calls listeners. */
const EVENTS = 'node:events';

/** The stack rootMaker read for the root it was last asked about; null when it read none. */
export let makerStack: Stack | null = null;
/**
 * Whether the program's function rootMaker last saw entered is a listener that Node's
 * `EventEmitter.prototype.emit` called for a library's code, no function of the program's below it
 * (see CalledFrom.LibraryEvent).
 */
export let enteredByEvent = false;
/**
 * Whether the program's function rootMaker last saw entered was called by the program's own
 * synchronous code that a library's code called for a function of the program's (see viaLibrary).
 */
export let enteredViaLibrary = false;
/**
 * Whether the library's code that called the program's function rootMaker last saw entered, for a
 * function of the program's below it, did so inside a `new Promise` of its own (inLibraryPromise).
 */
export let enteredInPromise = false;
/** The program's function rootMaker last saw entered (null when none; its `fn` '' when anonymous). */
export let entered: CodeLocation | null = null;
/**
 * For the async function rootMaker last saw entered (the program's or a library's): the library's
 * line it was called from (`file:line:column`) when no function of the program's is below it on the
 * stack; '' when one is; null when the program called it (or the runtime), or unknown.
 */
export let enteredFrom: string | null = null;
/** Whether the async function rootMaker last saw entered is one of Node's own (a `node:` file). */
export let enteredNode = false;
/** Whether the root rootMaker last looked at is `import()`'s promise (see callsImport). */
export let madeByImport = false;

/**
 * Whether `frame`, the program's function on top of the stack read as a root promise is made, is
 * calling `import()` rather than being entered. V8 makes `import()`'s promise with no frame of its
 * own, so the stack shows the function that calls it on top, as it shows an async function being
 * entered; but a function entered is at its own start (the line it begins on; its parameters'
 * `(`), and `import()` is a call in its body: at another line (before 2026-12-05, an unawaited
 * `import('./c.mjs')` made the rest of `loadPlugins` a task named after it), or — a function on one
 * line, `const load = (m) => import(m)`, whose call and start share a line — at a place where the
 * program was seen calling `import()`: Node's loader begins each with an async function of its own
 * (importModuleDynamicallyCallback) that the call calls, whose promise comes first, its caller's
 * frame at the very position of the `import()` (Node 20, 22 and 24; noteImportSite). Before that,
 * such a call was read as `load` entered again, a call nobody awaited that took in the rest of
 * its caller.
 */
export function callsImport(frame: CallSiteLike): boolean {
  const start = frame.getEnclosingLineNumber?.();
  if (typeof start === 'number' && start > 0 && start !== frame.getLineNumber()) return true;
  if (importSitesSeen === 0) return false;
  const key = siteKey(frame);
  return importSites[key & IMPORT_MASK] === key;
}

/**
 * Whether the root whose stack `stack` is (read as it was made, past the hooks' and the tracer's
 * own frames) is `import()`'s promise made by a function of the program's (see callsImport); a
 * stack of Node's loader beginning an `import()` notes where it is called.
 */
export function stackCallsImport(stack: Stack): boolean {
  let i = 0;
  while (i < stack.length) {
    const file = frameFile(stack[i]) ?? '';
    if (file !== tracerFile && file !== 'node:internal/promise_hooks' && file !== 'node:internal/async_hooks')
      break;
    i++;
  }
  if (i >= stack.length) return false;
  const file = frameFile(stack[i]) ?? '';
  if (file === ESM_UTILS) {
    noteImportSite(stack, i);
    return false;
  }
  return file !== '' && !isInternal(file) && !isLibrary(file) && callsImport(stack[i]);
}

/** Node's file whose async function begins each `import()` (IMPORT_CALLBACK). */
const ESM_UTILS = 'node:internal/modules/esm/utils';
const IMPORT_CALLBACK = 'importModuleDynamicallyCallback';
/** Where the program calls `import()`: a small table of hashed positions (a collision costs a look). */
const IMPORT_MASK = 255;
const importSites = new Int32Array(IMPORT_MASK + 1);
let importSitesSeen = 0;
function siteKey(frame: CallSiteLike): number {
  const file = frameFile(frame) ?? '';
  // (FNV-1a's prime, as the places' hashes: marks.ts mix.)
  let h = Math.imul((frame.getLineNumber() ?? 0) ^ ((frame.getColumnNumber() ?? 0) << 16), 0x01000193);
  for (let i = 0; i < file.length; i++) h = Math.imul(h ^ file.charCodeAt(i), 0x01000193);
  return h | 1;
}
/** Frame `at` of `frames` is Node's loader beginning an `import()`: the frame below it calls it. */
function noteImportSite(frames: Stack, at: number): void {
  if (frameFunctionName(frames[at]) !== IMPORT_CALLBACK) return;
  let below = at + 1;
  while (below < frames.length && frameFile(frames[below]) === tracerFile) below++;
  if (below >= frames.length) return;
  const key = siteKey(frames[below]);
  importSites[key & IMPORT_MASK] = key;
  importSitesSeen++;
}
/** The frames makerFrame last read, and the index of the one below the frame it returned. */
let makerFrames: CallSiteLike[] = [];
let makerBelow = 0;

/**
 * The frame that is making the promise now (in a promise hook called from `skip`): the first
 * above the tracer's and the hook dispatch's, if `ration` allows a look. Null when it does not.
 */
function makerFrame(skip: (...args: never[]) => unknown, ration: Ration): CallSiteLike | null {
  if (!ration.take()) return null;
  makerFrames = [];
  // Deep enough to see past a library's own frames to the program's code that called it, if any.
  const frames = captureFrames(skip, MAKER_STACK_DEPTH);
  if (frames === null) return null;
  for (let i = 0; i < frames.length; i++) {
    const file = frameFile(frames[i]) ?? '';
    if (file === tracerFile || file === 'node:internal/promise_hooks' || file === 'node:internal/async_hooks')
      continue;
    makerFrames = frames;
    makerBelow = i + 1;
    return frames[i];
  }
  return null;
}

/**
 * Frames read to find a route's handler below the code that runs in it (a driver's promise, an
 * ORM's layers, express's `res.json` → `res.send` → `res.end`): read once per route.
 */
const HANDLER_STACK_DEPTH = 64;

/**
 * The function that a function of the tracer's named `wrapper` calls (itself, or through the
 * tracer's own functions), as the stack read now (above `skip`) shows it: where that function begins (V8's enclosing position of its frame, wherever in
 * it the stack is now), mapped through source maps. Null when that function is not the program's
 * (a library's, the runtime's); undefined when no frame of `wrapper` is among the frames read.
 */
export function calledBy(
  skip: (...args: never[]) => unknown,
  wrapper: string,
): CodeLocation | null | undefined {
  const frames = captureFrames(skip, HANDLER_STACK_DEPTH);
  if (frames === null) return undefined;
  for (let i = 1; i < frames.length; i++) {
    if (frames[i].getFunctionName() !== wrapper || frameFile(frames[i]) !== tracerFile) continue;
    // (Past the tracer's own frames between the two: the wrapper's helper that calls the function.)
    let above = i - 1;
    while (above > 0 && frameFile(frames[above]) === tracerFile) above--;
    const frame = frames[above];
    const file = frameFile(frame);
    if (file === null || isInternal(file) || isLibrary(file)) return null;
    const location = mapThroughSourceMap({
      file,
      line: frame.getEnclosingLineNumber?.() ?? frame.getLineNumber() ?? 0,
      column: frame.getEnclosingColumnNumber?.() ?? frame.getColumnNumber() ?? 0,
      fn: frameFunctionName(frame),
      library: false,
    });
    return location.library ? null : location;
  }
  return undefined;
}

/** Frames read for the files of the program's code that gave a framework a route (programFiles). */
const ROUTE_FILES_DEPTH = 16;

/**
 * The files of the program's frames on the stack now (above `skip`, nearest first, each once): where
 * the program's code that runs at this moment is written — read where a framework is given a route
 * (Nest's route decorators run in the controller's module), once per route.
 */
export function programFiles(skip: (...args: never[]) => unknown): string[] {
  const files: string[] = [];
  const frames = captureFrames(skip, ROUTE_FILES_DEPTH);
  if (frames === null) return files;
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === null || isInternal(file) || isLibrary(file) || files.includes(file)) continue;
    files.push(file);
  }
  return files;
}

/**
 * The place of a function of the program's that begins at `line`:`column` (1-based) of `file`, the
 * code that runs (a compiled file mapped through its source map, as a frame's place is); null when
 * that is a library's, or when `mapped` (the position is in a loader's output, not in the file's
 * text) and no source map takes it to the file's lines.
 */
export function placeInFile(
  file: string,
  line: number,
  column: number,
  fn: string,
  mapped = false,
): CodeLocation | null {
  const unmapped: CodeLocation = { file, line, column, fn, library: false };
  const location = mapThroughSourceMap(unmapped);
  return location.library || (mapped && location === unmapped) ? null : location;
}

function captureFrames(skip: (...args: never[]) => unknown, depth = STACK_DEPTH): CallSiteLike[] | null {
  const E = Error as ErrorConstructor & { prepareStackTrace?: unknown; stackTraceLimit: number };
  const savedPrepare = E.prepareStackTrace;
  const savedLimit = E.stackTraceLimit;
  try {
    E.stackTraceLimit = depth;
    E.prepareStackTrace = (_: unknown, callSites: CallSiteLike[]) => callSites;
    const holder: { stack?: unknown } = {};
    Error.captureStackTrace(holder, skip);
    const frames = holder.stack;
    return Array.isArray(frames) ? (frames as CallSiteLike[]) : null;
  } catch {
    return null;
  } finally {
    E.prepareStackTrace = savedPrepare;
    E.stackTraceLimit = savedLimit;
  }
}

function pickFrame(frames: CallSiteLike[]): CodeLocation | null {
  let fallback: CodeLocation | null = null;
  for (const frame of frames) {
    const file = frameFile(frame);
    if (file === null || isInternal(file)) continue;
    const line = frame.getLineNumber() ?? 0;
    const column = frame.getColumnNumber() ?? 0;
    const fn = frameFunctionName(frame);
    const location = mapThroughSourceMap({ file, line, column, fn, library: isLibrary(file) });
    if (!location.library) return location;
    if (fallback === null) fallback = location;
  }
  return fallback;
}

/**
 * The function of the program's that the code calling a combinator called to make one of its
 * members: `made` is the stack read when the member's promise was made (inside that call), `call`
 * the stack read when the combinator was called. Below the code that called the combinator the two
 * stacks are the same frames at the same positions; that code's own frame is the same function at
 * another position (the member's call, then the combinator's: it may also be a helper of the
 * program's it called, `all(list)`). Above it on `made` is the member's call: its outermost function
 * of the program's that has a name — a library's (a retry helper's running the program's
 * function), Node's (`Array.prototype.map`) and anonymous functions (`ids.map((id) => get(id))`)
 * are passed through — is the function, placed at its first line. Null when the stacks do not show
 * one (a library's function called as it is: `pool.query(…)`, `sleep(10)`; an anonymous function
 * alone; frames past the stacks' depth). `made` may instead be the stack of a later record of the
 * same call (Node's or a library's code made the promise, then called the program's function:
 * `util.promisify`'s wrapper, a throttle's `new Promise`), `within` then the one read when the
 * promise was made: the record counts only while that call is still on the stack (stillIn).
 */
export function calledFunction(made: Stack, call: Stack, within: Stack | null = null): CodeLocation | null {
  try {
    const k = meetingFrame(made, call);
    if (k < 0) return null;
    // Read from a later record of the call (see `within`): only while the call that made the
    // member's promise is still on the stack, at the same place — not code that ran after it.
    if (within !== null && !stillIn(made, k, within)) return null;
    for (let i = k - 1; i >= 0; i--) {
      const file = frameFile(made[i]);
      if (file === null || isInternal(file) || isLibrary(file)) continue;
      const fn = frameFunctionName(made[i]);
      if (fn === '' || fn === ANONYMOUS) continue;
      const location = mapThroughSourceMap({
        file,
        line: made[i].getEnclosingLineNumber?.() ?? made[i].getLineNumber() ?? 0,
        column: made[i].getEnclosingColumnNumber?.() ?? made[i].getColumnNumber() ?? 0,
        fn,
        library: false,
      });
      return location.library ? null : location;
    }
  } catch {
    // an exotic frame: nothing said
  }
  return null;
}

/**
 * The function of the program's that Node's or a library's code called to make a combinator's
 * member, read from `next`, the stack of the record after the member's promise when no stack was
 * read as the promise was made (its place's verdict was taken without a look, and the log showed it
 * wrong: dishes.ts disagrees). The record counts only while the function the code calling the
 * combinator called is Node's or a library's, still running (`util.promisify`'s wrapper calling the
 * program's function, whose first callback the record is): not a function of the program's called
 * after it. Null otherwise, as for calledFunction.
 */
export function calledThroughOthers(next: Stack, call: Stack): CodeLocation | null {
  try {
    const k = meetingFrame(next, call);
    if (k < 1) return null;
    const file = frameFile(next[k - 1]) ?? '';
    if (!isInternal(file) && !isLibrary(file)) return null;
  } catch {
    return null;
  }
  return calledFunction(next, call);
}

/**
 * Where `made` (a record's stack) meets the code calling a combinator (`call`, its stack, below the
 * tracer's hook frames): the index on `made` of the first frame whose function is on `call`, called
 * from the same position as there; -1 when `made` does not show that code.
 */
function meetingFrame(made: Stack, call: Stack): number {
  let c0 = 0;
  while (c0 < call.length && isHookFrame(frameFile(call[c0]) ?? '')) c0++;
  for (let k = 1; k < made.length; k++) {
    const start = functionStart(made[k]);
    if (start === null) continue;
    for (let j = c0; j < call.length; j++) {
      if (functionStart(call[j]) !== start) continue;
      if (k + 1 < made.length && j + 1 < call.length && position(made[k + 1]) !== position(call[j + 1]))
        continue;
      return k;
    }
  }
  return -1;
}

/**
 * Which call of the code calling a combinator (`call`, its stack) made a record (`made`, the
 * record's stack): the first function of the program's that the call entered above that code's own
 * frame on `made`, with the position it was called from — `shared` and `user` of
 * `Promise.all([shared(7), user(2)])`, a GraphQL executor's resolvers (which its loop calls from one
 * line), `inside` — else that code's own frame, at the call's position in it (a library's function
 * called as it is: `users.load(1)`). Null when `made` does not show that code (rationed, or made
 * elsewhere). Records of one site may still be two calls (`ids.map((id) => load(id))`); two sites
 * are two calls.
 */
export function memberSite(made: Stack, call: Stack): { site: string; inside: boolean } | null {
  try {
    const k = meetingFrame(made, call);
    if (k < 0) return null;
    for (let i = k - 1; i >= 0; i--) {
      const file = frameFile(made[i]);
      if (file === null || isInternal(file) || isLibrary(file)) continue;
      return { site: `${functionStart(made[i])}@${position(made[i + 1])}`, inside: true };
    }
    return { site: position(made[k]), inside: false };
  } catch {
    // an exotic frame: nothing said
  }
  return null;
}

/**
 * The stack above `skip` as it is, for naming a combinator's member (calledFunction): null when
 * rationed out (`anew`: read again at a place read before, in code new to it — on jobLooks' budget).
 */
export function memberStack(skip: (...args: never[]) => unknown, anew = false, doubt = false): Stack | null {
  if (!(doubt ? doubts : anew ? jobLooks : memberLooks).take()) return null;
  return captureFrames(skip, MAKER_STACK_DEPTH);
}

/**
 * Whether the promise whose making `made` shows was made by Node's or a library's code (its first
 * frame with a file, past the tracer's, the hook dispatch's and the runtime's builtins such as the
 * Promise constructor, is not the program's): `util.promisify`'s wrapper, a throttle's `new
 * Promise`, which go on to call the program's function after making it.
 */
export function madeByOthers(made: Stack): boolean {
  try {
    for (const frame of made) {
      const file = frameFile(frame) ?? '';
      if (file === '' || isHookFrame(file)) continue;
      return isInternal(file) || isLibrary(file);
    }
  } catch {
    // an exotic frame: nothing said
  }
  return false;
}

/**
 * The code of Node's or a library's that made the promise whose making `made` shows (see
 * madeByOthers): that first frame and the one that called it, where each is at. Two such promises
 * at one place (dishes.ts rootedHow) are two calls when it differs: `events.on`'s iterator's
 * `return()` promise in the stint of a `for await` loop's `break`, then, in the stint after it (the
 * same shape), a `util.promisify`'d function's `new Promise`. '' when the stack shows none.
 */
export function othersMaker(made: Stack): string {
  try {
    for (let k = 0; k < made.length; k++) {
      const file = frameFile(made[k]) ?? '';
      if (file === '' || isHookFrame(file)) continue;
      return k + 1 < made.length ? `${position(made[k])} ${position(made[k + 1])}` : position(made[k]);
    }
  } catch {
    // an exotic frame: nothing said
  }
  return '';
}

/**
 * Whether stack `within` (the one read when the member's promise was made) shows the same call as
 * `made` (a later record's): the code calling the combinator at the same place (`made[k]`), and
 * right above it the same function it called (`made[k - 1]`, perhaps further on in its body), still
 * running — one synchronous run, so the same call.
 */
function stillIn(made: Stack, k: number, within: Stack): boolean {
  const caller = position(made[k]);
  const called = functionStart(made[k - 1]) ?? position(made[k - 1]);
  for (let w = 1; w < within.length; w++)
    if (position(within[w]) === caller)
      return (functionStart(within[w - 1]) ?? position(within[w - 1])) === called;
  return false;
}

/** A function's identity on a stack: its file and where it begins (null for the runtime's builtins). */
function functionStart(frame: CallSiteLike): string | null {
  const file = frameFile(frame);
  if (file === null || file === '') return null;
  const line = frame.getEnclosingLineNumber?.();
  const column = frame.getEnclosingColumnNumber?.();
  if (line === null || line === undefined) return null;
  return `${file}:${line}:${column ?? 0}`;
}

/** Where a frame is at on a stack: its function, file and position. */
function position(frame: CallSiteLike): string {
  return `${frameFile(frame) ?? ''}:${frame.getLineNumber() ?? 0}:${frame.getColumnNumber() ?? 0}:${frame.getFunctionName() ?? ''}`;
}

function frameFile(frame: CallSiteLike): string | null {
  try {
    const name = frame.getFileName() ?? frame.getScriptNameOrSourceURL?.() ?? null;
    if (name === null || name === undefined) return null;
    return name.startsWith('file://') ? fileUrlToPath(name) : name;
  } catch {
    return null;
  }
}

function frameFunctionName(frame: CallSiteLike): string {
  try {
    const name = frame.getFunctionName();
    if (name !== null && name !== '') return ownName(name, frame);
    // An anonymous function called as a method: the property's name names it — unless the
    // function is an argument the program gave a library, which calls it through a property of
    // its own (node-cron's `this._execution(now)`): not a name the program gave.
    const method = frame.getMethodName?.() ?? '';
    return method === '' || sourceSaysArgument(frame) ? '' : method;
  } catch {
    return '';
  }
}

/**
 * The name the program gave a function, or '' for an anonymous one. For an anonymous function V8
 * makes up a name from the code around it, for its stack traces, and puts dots in it: from what it
 * was assigned to (`Foo.prototype.bar = function…` reads `Foo.bar`, `exports.handler = async …`
 * `exports.handler`) — but also from the keys of an object literal that follows it among a call's
 * arguments, the way many libraries take a function and then their options: `new Worker('mail',
 * async (job) => …, { connection })` (bullmq) reads `Worker.connection.connection`, `pMap(sites,
 * async (site) => …, { concurrency: 2 })` reads `pMap.concurrency`. A name the language gives has
 * no dot (but a symbol's, `[Symbol.asyncIterator]`), so a dotted one was made up; it is the
 * function's name only when the code calling it calls it by that name (`foo.bar()`,
 * `mod.handler()`: the frame's method name is the name's last part). A library that calls your
 * function through a property of its own (`this.processFn(job)`) or plainly (`mapper(item)`) did
 * not: the function is anonymous — unless the program's source says it gave the function that name
 * (sourceNames.ts: a string key, `async 'order.placed'(ctx)`, or an assignment, `exports.handler =
 * async …`). It keeps a name all the same, `(anonymous)`, as DevTools writes one:
 * what the tracer does with a named function's dishes (a program's function, known as such from its
 * first call) it goes on doing with these, only their name no longer says what is not so.
 */
export const ANONYMOUS = '(anonymous)';

function ownName(name: string, frame: CallSiteLike): string {
  const dot = name.lastIndexOf('.');
  if (dot === -1 || name.charCodeAt(0) === 0x5b /* '[' */) return name;
  let method: string | null | undefined = null;
  try {
    method = frame.getMethodName?.();
  } catch {
    // an exotic frame: no method name
  }
  if (method === name.slice(dot + 1)) return name;
  // Called otherwise: the program's source says whether the name is its own (sourceNames.ts).
  return sourceSaysOwn(name, frame) ? name : ANONYMOUS;
}

/**
 * Whether the source of the program's own function on `frame` (not a library's: their names are
 * not shown, and their files are many) gives it the dotted `name` (see sourceNames.ts).
 */
function sourceSaysOwn(name: string, frame: CallSiteLike): boolean {
  return sourceSays(name, frame) === Verdict.Own;
}

/** Whether the program's own function on `frame` is an argument of a call (see sourceNames.ts). */
function sourceSaysArgument(frame: CallSiteLike): boolean {
  return sourceSays('', frame) === Verdict.MadeUp;
}

function sourceSays(name: string, frame: CallSiteLike): Verdict {
  const file = frameFile(frame);
  if (file === null || isInternal(file) || isLibrary(file)) return Verdict.Unknown;
  const line = frame.getEnclosingLineNumber?.();
  const column = frame.getEnclosingColumnNumber?.();
  if (typeof line !== 'number' || typeof column !== 'number') return Verdict.Unknown;
  // (Code compiled with a source map — TypeScript through tsx — is read where its source is.)
  const at = mapThroughSourceMap({ file, line, column, fn: '', library: false });
  return nameInSource(at.file, at.line, at.column, name);
}

/** Paths of the file URLs seen (an ES module's frames name it by URL: parsed once, not per frame). */
const pathOfUrl = new Map<string, string>();

function fileUrlToPath(url: string): string {
  let path = pathOfUrl.get(url);
  if (path !== undefined) return path;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    path = url;
  }
  if (pathOfUrl.size >= 1000) pathOfUrl.clear();
  pathOfUrl.set(url, path);
  return path;
}

type FindSourceMap = (path: string) =>
  | {
      findEntry(
        line: number,
        column: number,
      ): { originalSource?: string; originalLine?: number; originalColumn?: number } | Record<string, never>;
    }
  | undefined;

/** Node's findSourceMap, once looked up (null: not yet). */
let sourceMaps: FindSourceMap | undefined | null = null;

/**
 * Node's findSourceMap, looked up when first needed: it is attached by `node:module`, which the
 * tracer does not load before the program's first line (nodeModule.ts). While the program runs
 * without source maps (`process.sourceMapsEnabled` false) Node's cache stays empty: nothing to
 * look up yet (a loader such as tsx may enable them later).
 */
function findSourceMap(): FindSourceMap | undefined {
  if (sourceMaps === null) {
    if ((process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled === false) return undefined;
    sourceMaps = moduleFunction('findSourceMap') as FindSourceMap | undefined;
  }
  return sourceMaps;
}

/**
 * Maps a generated position to its source through Node's source-map cache. That cache is filled only
 * when the program runs with source maps enabled (--enable-source-maps, or a loader such as tsx that
 * enables them); it is an in-memory lookup, never I/O.
 */
function mapThroughSourceMap(location: CodeLocation): CodeLocation {
  if (location.line === 0) return location;
  const find = findSourceMap();
  if (find === undefined) return location;
  try {
    const map = find(location.file);
    if (map === undefined) return location;
    const entry = map.findEntry(location.line - 1, location.column - 1) as {
      originalSource?: string;
      originalLine?: number;
      originalColumn?: number;
    };
    if (entry.originalSource === undefined || entry.originalLine === undefined) return location;
    const file = entry.originalSource.startsWith('file://')
      ? fileUrlToPath(entry.originalSource)
      : entry.originalSource;
    return {
      file,
      line: entry.originalLine + 1,
      column: (entry.originalColumn ?? 0) + 1,
      fn: location.fn,
      library: isLibrary(file),
    };
  } catch {
    return location;
  }
}

/** A profiler position (URL or path, 1-based line and column) as a file path, mapped to its source. */
export function mapLocation(url: string, line: number, column: number): CodeLocation {
  const file = url.startsWith('file://') ? fileUrlToPath(url) : url;
  return mapThroughSourceMap({ file, line, column, fn: '', library: isLibrary(file) });
}
