/**
 * The Loop Lens tracer: a preload (`node --require dist/tracer.js`, or the same in NODE_OPTIONS)
 * that records what the event loop does and sends it to a trace file or a live reader.
 *
 * It is built to be left on and to be invisible: one guarded entry that loads once, runs only on
 * the main thread of a process that was given valid options and is not a package-manager wrapper,
 * catches every error of its own, never prints, never keeps the process alive, and never changes
 * the program's output, exit code or signal handling.
 */
// Required, not imported as namespaces: a bundled `import * as` copies every export of the module
// into an object of getters at load, before the program's first line.
import fs = require('node:fs');
import path = require('node:path');
import { EndCause, FORMAT_VERSION, TraceMeta } from '../protocol/format';
import { encodeHeader } from '../protocol/header';
import {
  enabled,
  epochOriginMs,
  loadIdleClock,
  loopAhead,
  now,
  queueOwnMicrotask,
  recorder,
  settle,
  settleEnd,
  drained,
  startEngine,
  stopEngine,
  tick,
  closeStrayStints,
  loopWakes,
  quietFor,
  stintSeq,
} from './engine';
import { asOwnWork, startFullMode, stopFullMode } from './fullMode';
import { configureLocations, ownScriptFile } from './locations';
import { DEFAULTS, OPTIONS_ENV, TracerOptions, parseOptions } from './options';
import { claimFileOf, heldByAnother, isMainThread } from './gate';
import { startDishes } from './dishes';
import { onFirstRequire, startFrameworks } from './frameworks';
import { startPromises, stopPromises } from './promises';
import { Recorder } from './recorder';
import { scrub, setOwnFile } from './scrub';
import { FileSink, Sink, SocketSink } from './sink';
import {
  onFirstGetBuiltin,
  original,
  setSlowCallThreshold,
  startLateSources,
  startMain,
  startSources,
  stopSources,
} from './sources';
import { loadBuiltin } from './sources/builtins';
import { unrefOwn } from './sources/timers';
import {
  exitingWatchdog,
  idleWatchdog,
  releaseHeldWatchdog,
  releaseWatchdog,
  startWatchdog,
  stopWatchdog,
  takeReports,
  wakeWatchdog,
} from './watchdog';

// The tracer's own file calls go to the originals: the program's copies are timed (sources/syncCalls.ts).
const { appendFileSync, closeSync, openSync, unlinkSync, writeSync } = fs;

declare const LOOPLENS_VERSION: string;
const VERSION = typeof LOOPLENS_VERSION === 'string' ? LOOPLENS_VERSION : 'dev';

const GUARD = Symbol.for('looplens.tracer');
/** How long the final flush at exit may wait for a slow live reader. */
const EXIT_FLUSH_MS = 1000;
const MIB = 1024 * 1024;

/**
 * Processes that only start the user's program (package managers, watchers, TypeScript launchers)
 * are never traced: the process they start is.
 */
const WRAPPERS = [
  /\/node_modules\/\.bin\/(npm|npx|yarn|pnpm|tsx|nodemon|ts-node-dev|concurrently)$/,
  /\/npm\/bin\/(npm|npx|npm-prefix)(-cli)?\.js$/,
  /\/corepack\/dist\/[a-z]+\.js$/,
  /\/(yarn|pnpm)\/(bin|dist)\/(yarn|pnpm)\.c?js$/,
  /\/\.yarn\/releases\/yarn-[^/]+\.c?js$/,
  /\/nodemon\/bin\/nodemon\.js$/,
  /\/tsx\/dist\/cli\.[cm]?js$/,
  /\/ts-node-dev\/lib\/bin\.js$/,
  /\/concurrently\/dist\/bin\/concurrently\.js$/,
];

/**
 * A folder every one of WRAPPERS names: a script outside all of them is no wrapper. One pattern
 * tried first instead of nine, each compiled at its first use, before every traced program's first line.
 */
const WRAPPER_FOLDER =
  /[\\/](node_modules|npm|corepack|yarn|pnpm|\.yarn|nodemon|tsx|ts-node-dev|concurrently)[\\/]/;

export function isWrapper(script: string | undefined): boolean {
  if (script === undefined) return false;
  let real = script;
  try {
    real = fs.realpathSync(script);
  } catch {
    // not a file we can resolve: judge the name as given
  }
  return [script, real].some((name) => {
    if (!WRAPPER_FOLDER.test(name)) return false;
    const normal = name.replace(/\\/g, '/');
    return WRAPPERS.some((pattern) => pattern.test(normal));
  });
}

/**
 * `node --test` runs each test file in a child process of its own and only reports on them: the
 * child (NODE_TEST_CONTEXT in its environment, no `--test` among its flags) runs the tests and is
 * the one traced. Not when the tests run in the runner's own process (`--test-isolation=none`,
 * Node 22.8 on, `--experimental-` before 23.6).
 * https://nodejs.org/api/test.html#process-isolation
 */
export function isTestRunner(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.NODE_TEST_CONTEXT !== undefined || !execArgv.includes('--test')) return false;
  let isolation = 'process';
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    const name = flag.split('=')[0];
    if (name !== '--test-isolation' && name !== '--experimental-test-isolation') continue;
    isolation = flag.includes('=') ? flag.slice(name.length + 1) : (execArgv[i + 1] ?? isolation);
  }
  return isolation !== 'none';
}

let sink: Sink | null = null;
/**
 * The tracer's work at the check phase of the loop's first turn, not before the program's first
 * line: node:perf_hooks loaded for the loop's idle time (engine.ts loadIdleClock) and, when live, the
 * connection to the reader opened (openLive). Until then a live session has no sink and chunks wait
 * in the pool, as they wait for the reader's answer on a connection that is open. Null once run.
 */
let firstTurn: ReturnType<typeof setImmediate> | null = null;
/** Live tracing: the file a program that ends before its reader took the connection writes to. */
let spillPath: string | null = null;
let headerBytes: Uint8Array | null = null;
let flushTimer: ReturnType<typeof setInterval> | null = null;
let flushSoon: ReturnType<typeof setImmediate> | null = null;
let headOffset = 0;
let lagMs = DEFAULTS.lagMs;
let flushMs = DEFAULTS.flushMs;
let lastLag = 0;
let lastFlushStart = 0;
/**
 * The flush timer's period now, ms: flushMs, or longer while the loop is idle (see
 * startFlushTimer). Its ticks are lag samples against it.
 */
let tickPeriod = DEFAULTS.flushMs;
/**
 * The engine's heartbeat count after the flush timer's last tick (its own beat included), and how
 * much of the chunk being written was used then (the tick's own records: its gap closed, engine.ts
 * restartGap).
 */
let seqAtTick = -1;
let usedAtTick = -1;
/**
 * While the loop is idle the flush timer's period doubles at each tick, up to this, ms: an idle
 * program's process woke 40 times a second for nothing (about 11 ms of CPU a second on the main
 * thread, and the watchdog's 6 more; docs/performance.md).
 */
const IDLE_TICK_MAX_MS = 1000;
/**
 * Event-loop delay, measured the way perf_hooks.monitorEventLoopDelay measures it: how late a timer
 * runs. The timer is the flush timer itself. (monitorEventLoopDelay's own histogram cannot be read
 * per interval: resetting it drops the next delay it would have measured, which is the block.)
 */
const lagSamples: number[] = [];
let endCause: EndCause = EndCause.Exit;
let claimFile: string | null = null;
let logFile: string | undefined;
const problems: string[] = [];

function problem(message: string): void {
  if (logFile === undefined || problems.length > 100) return;
  problems.push(`${new Date().toISOString()} looplens tracer (pid ${process.pid}): ${message}\n`);
}

function writeProblems(): void {
  if (logFile === undefined || problems.length === 0) return;
  try {
    appendFileSync(logFile, problems.join(''));
  } catch {
    // nowhere else to say it
  }
  problems.length = 0;
}

/**
 * With `children` off, the first process of a session claims the trace; processes it starts stay
 * inert (in a live session, a child that connected first would have become "the" program). A claim
 * by a process that is gone is stale and taken over. The claim sits beside the trace file, or the
 * socket, in the session's private folder. (A child that finds it held stays inert before the
 * tracer is loaded: gate.ts, load.ts.)
 */
function claim(options: TracerOptions): boolean {
  const file = claimFileOf(options);
  if (file === null) return true;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // open, write, close as the trace file's sink does (sink.ts), not writeFileSync: Node's
      // functions under it are compiled once for both (0.4 M instructions of the start).
      const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
      const fd = openSync(file, O_WRONLY | O_CREAT | O_EXCL, 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      claimFile = file;
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      if (heldByAnother(file)) return false;
      try {
        fs.unlinkSync(file);
      } catch {
        // gone already: try again
      }
    }
  }
  return false;
}

function writeLag(t: number): void {
  const w = recorder.room(2);
  if (w === null) return;
  const n = lagSamples.length;
  if (n === 0) {
    w.lag(t, 0, 0, 0, 0);
  } else {
    lagSamples.sort((a, b) => a - b);
    const at = (q: number): number => lagSamples[Math.min(n - 1, Math.floor(q * n))];
    w.lag(t, at(0.5), at(0.99), lagSamples[n - 1], n);
  }
  lagSamples.length = 0;
  lastLag = t;
}

/**
 * One lag sample per tick of the flush timer: how late it ran, in microseconds. Only the timer's
 * own ticks are samples: an extra flush between two would shift the reference point, and a tick
 * that comes a little early by the performance clock (Node schedules on the loop's millisecond
 * clock) must count as on time, not be skipped and make the next one a whole period late.
 */
function sampleLag(started: number): void {
  const late = Math.max(0, started - lastFlushStart - tickPeriod);
  lagSamples.push(Math.round(late * 1000));
  // A slow tick of an idle loop (see startFlushTimer) stands for the ticks of the usual period the
  // loop would have run on time meanwhile: lag's percentiles weigh an idle stretch as they did.
  for (let i = Math.round(Math.min(tickPeriod, started - lastFlushStart) / flushMs); i > 1; i--)
    lagSamples.push(0);
  lastFlushStart = started;
}

function flush(final: boolean, timerTick = false): void {
  const started = now();
  try {
    if (!final && closeStrayStints()) problem('closed a stint that was left open (see closeStrayStints)');
    if (timerTick) {
      drainedAt = -1;
      sampleLag(started);
      if (started - lastLag >= lagMs) writeLag(started);
    }
    settle();
    // What the watchdog saw of a block goes out with the block, after its end (settle writes a
    // stint's end held back for merging: a reader attaches samples to a closed block at once).
    takeReports();
    recorder.seal();
    const deadline = started + EXIT_FLUSH_MS;
    while (sink !== null && recorder.ready.length > 0) {
      const chunk = recorder.ready[0];
      const bytes = chunk.bytes();
      const rest = headOffset > 0 ? bytes.subarray(headOffset) : bytes;
      const written = final ? sink.writeFinal(rest, deadline) : sink.write(rest);
      if (written < rest.length) {
        headOffset += written;
        break;
      }
      headOffset = 0;
      recorder.ready.shift();
      recorder.release(chunk);
    }
  } catch (error) {
    problem(`flush failed: ${(error as Error).message}`);
  }
  writeProblems();
  tick(now() - started);
}

/**
 * Writes the END record and everything still buffered. Runs once, at exit or at detach. A last
 * record that fails is left out, never what the buffer holds: it is written out whatever happened.
 */
function finish(cause: EndCause, code: number, exiting: boolean): void {
  if (!enabled) return;
  try {
    settleEnd();
    takeReports();
    // The end counts as a flush tick: a loop blocked until the end shows as lag — unless the loop
    // had drained: then the runtime's own wait before exit came in between (see drained).
    if (drainedAt < 0) sampleLag(now());
    writeLag(now());
  } catch (error) {
    problem(`the trace's last records failed: ${(error as Error).message}`);
  }
  try {
    const w = recorder.room(1);
    if (w !== null) w.end(now(), cause, code);
  } catch (error) {
    problem(`the trace's END record failed: ${(error as Error).message}`);
  }
  // A program that ends before the live reader took the connection: the trace goes to the spill
  // file instead (never when the reader declined or went away: then it wants nothing).
  const waiting = sink !== null ? sink.state === 'connecting' : firstTurn !== null || later !== null;
  if (exiting && waiting && spillPath !== null && headerBytes !== null) {
    const path = spillPath;
    const header = headerBytes;
    asOwnWork(() => {
      try {
        sink?.close();
        sink = new FileSink(path, header);
        headOffset = 0;
      } catch (error) {
        problem(`no spill file: ${(error as Error).message}`);
      }
    });
  }
  // A file session that ends before its start after the first line ran (process.exit() at the top).
  if (outPath !== null) openFile();
  flush(true);
  try {
    shutDown(exiting);
  } finally {
    if (sink !== null) sink.close();
    sink = null;
  }
}

function shutDown(exiting: boolean): void {
  stopFullMode();
  stopEngine();
  stopPromises();
  stopSources();
  // At exit the watchdog goes down with the process: terminating it here, while it may hold an
  // inspector session, would make Node print a debugger message into the program's output.
  later = null;
  onFirstRequire(null);
  onFirstGetBuiltin(null);
  if (!exiting) stopWatchdog();
  loopWakes(null);
  if (flushTimer !== null) original.clearInterval(flushTimer);
  flushTimer = null;
  if (firstTurn !== null) original.clearImmediate(firstTurn);
  firstTurn = null;
  if (claimFile !== null) {
    try {
      // unlink, not rm: fs.rmSync loads a module of its own, at exit, for one file.
      unlinkSync(claimFile);
    } catch {
      // a claim left behind is stale once this process is gone
    }
    claimFile = null;
  }
}

/** When the loop drained ('beforeExit'), unless a flush tick came since (see drained). */
let drainedAt = -1;

function onBeforeExit(): void {
  try {
    if (!enabled) return;
    drainedAt = now();
    drained();
  } catch {
    // never disturb the exit
  }
}

function onExit(code: number): void {
  try {
    // The trace's last flush is the tracer's work, no block of the program's to sample.
    exitingWatchdog();
    finish(endCause, typeof code === 'number' ? code : 0, true);
    releaseHeldWatchdog();
    releaseWatchdog();
    // A program that ended before its loop's first turn came (saveCodeCache).
    asOwnWork(saveCodeCache);
  } catch {
    // never disturb the exit
  }
}

/**
 * Where the loader found no code cache of the tracer for this Node and its V8 flags (load.ts), it
 * writes one now, for the next start: at the check phase of the loop's first turn, with the tracer's
 * own work there, or at exit if the program ended before. The cache holds what V8 has compiled of the
 * tracer by then: its start and the start after the program's first line. Once at most, and only
 * where the loader asked for it (`saveCodeCache` on the tracer's global; never when V8 used or
 * rejected a cache).
 */
function saveCodeCache(): void {
  const guard = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[GUARD];
  const save = guard?.saveCodeCache;
  if (guard === undefined || typeof save !== 'function') return;
  delete guard.saveCodeCache;
  try {
    save();
  } catch {
    // the next start compiles from source
  }
}

function onUncaught(error: unknown, origin: string): void {
  // Node prints the error after its monitors ran: the tracer's own frames leave its stack first.
  scrub(error);
  // A monitor does not handle the error: the program dies as it would untraced, unless it has its
  // own handler. Only the cause is noted; 'exit' follows and writes the trace's end.
  if (process.listenerCount('uncaughtException') > 0) return;
  endCause = origin === 'unhandledRejection' ? EndCause.UnhandledRejection : EndCause.UncaughtException;
}

function start(options: TracerOptions): void {
  logFile = options.logFile;
  // Under a tool that slows the program (options.slowdown), what the tracer does by the clock is
  // slowed as much: it weighs on each piece of the program's work as at full speed.
  const slow = options.slowdown;
  lagMs = options.lagMs * slow;
  flushMs = options.flushMs * slow;
  const blockMs = options.blockMs * slow;
  const own = ownScriptFile(__filename);
  setOwnFile(own);
  configureLocations(own, options.locationsPerSecond, options.locationsTotal, options.locations === 'off');
  const rec = new Recorder(options.bufferMiB * MIB, now);
  const script = process.argv[1];
  const meta: TraceMeta = {
    formatVersion: FORMAT_VERSION,
    runtime: `node ${process.version}`,
    pid: process.pid,
    script,
    cwd: safeCwd(),
    startTime: now(),
    clockOriginEpochMs: epochOriginMs(),
    blockMs: options.blockMs,
    mode: options.mode,
    tracer: `looplens ${VERSION}`,
    platform: `${process.platform} ${process.arch}`,
  };
  const header = encodeHeader(meta);
  // In full mode the resource hook must be on before the tracer makes its own resources, so that
  // it can tell them apart and leave them out.
  if (options.mode === 'full') startFullMode();
  headerBytes = header;
  spillPath = options.spill !== undefined ? options.spill.replace(/\{pid\}/g, String(process.pid)) : null;
  // The trace file is opened after the first line (see later); its name is fixed now, against the
  // folder the program starts in.
  if (options.socket === undefined)
    outPath = path.resolve(options.out!.replace(/\{pid\}/g, String(process.pid)));
  startEngine(rec, blockMs, slow);
  // Before the main task's first stint begins: its log is sorted like every other stint's.
  startDishes();
  // A burst of events fills chunks faster than the flush timer takes them: a full chunk asks for a
  // flush at the loop's next check phase (scheduling is not I/O; the write happens there).
  rec.onFull = () => {
    if (flushSoon !== null) return;
    flushSoon = asOwnWork(() =>
      original.setImmediate(() => {
        flushSoon = null;
        asOwnWork(() => flush(false));
      }),
    );
  };
  const name = script !== undefined ? path.basename(script) : 'main';
  startMain(script !== undefined ? { file: script, line: 1, column: 1, fn: '', library: false } : null, name);
  setSlowCallThreshold(blockMs);
  startSources();
  startFrameworks();
  startPromises();
  lastLag = now();
  lastFlushStart = lastLag;
  const socket = options.socket;
  const token = options.token ?? '';
  const sampler = options.blockSampler;
  if (!sampler)
    // No sampler's start to load node:worker_threads: patched now (the global MessageChannel with
    // it, which a program may use without loading the module), as before the sampler waited.
    asOwnWork(() => loadBuiltin('worker_threads'));
  later = () => {
    // The block sampler first: its thread starts on another core while this one goes on.
    if (sampler) {
      const live =
        socket !== undefined && options.token !== undefined ? { socket, token, pid: process.pid } : null;
      asOwnWork(() => {
        try {
          startWatchdog(blockMs, flushMs, live, problem);
        } catch (error) {
          problem(`no block sampler: ${(error as Error).message}`);
        }
      });
    }
    if (!openFile()) {
      finish(EndCause.Detached, 0, false);
      return;
    }
    // The timers' probes first: the flush timer and the first turn's immediate are made after them
    // (a handle made before would be a second shape in Node's timer code).
    asOwnWork(startLateSources);
    asOwnWork(() => {
      startFlushTimer();
      // At the check phase of the loop's first turn, after the program's first stint: the loop's
      // idle time (node:perf_hooks, 3.4 M instructions not spent before the first line) and the
      // live connection.
      firstTurn = original.setImmediate(() => {
        firstTurn = null;
        asOwnWork(() => {
          const began = now();
          loadIdleClock();
          saveCodeCache();
          // The tracer's own work, between two stints: not the program's (see accountGap).
          tick(now() - began);
          if (socket !== undefined) openLive(socket, token, header);
        });
      });
      // Not what keeps a program alive: one over in its first turn spills its trace (finish).
      firstTurn.unref();
    });
  };
  onFirstRequire(afterFirstLine);
  onFirstGetBuiltin(afterFirstLine);
  // Queued in the script's first stint, after the microtask that ends it (base.ts openMacro): runs
  // as that stint ends, the tracer's own work between two stints — unless the program's first
  // `require()` came first.
  queueOwnMicrotask(() => {
    const began = now();
    if (afterFirstLine()) tick(now() - began);
  });
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  process.on('uncaughtExceptionMonitor', onUncaught);
  loopAhead();
}

/**
 * The tracer's start that waits until after the program's first line, run at the first of: the
 * program's first `require()` after its main module began (frameworks.ts onFirstRequire) or its first
 * `process.getBuiltinModule` (sources onFirstGetBuiltin), before either hands anything out; and the
 * end of the script's first stint (an own microtask queued after the one that ends it), for a
 * script that requires nothing. (An ES module main, or a program read from stdin, reaches its first
 * line after the loop has turned: there it all runs before, as it did.) Null once run.
 *
 * - The block sampler (watchdog.ts startWatchdog): its Worker made before the first line was 8.3 M
 *   instructions of the tracer's 46 M (Node's Worker code compiled at its first use, the thread's
 *   streams and ports), node:worker_threads 2.5 M more, and its thread's start took a core beside
 *   the main thread's (docs/performance.md). Started at the first require, a block in the rest of
 *   the script's top level is sampled, as it was, once the thread runs (which takes tens of
 *   milliseconds, seconds on a loaded machine, either way); a top-level block before any require
 *   is recorded as a block of the main task's first stint, without samples.
 * - A file session's trace file (openFile).
 * - The timers' probes, whose first handle compiles Node's timer code (2.55 M), and the tracer's
 *   own handles made after them: the flush timer, its first tick due when it would have been had it
 *   been made at the start (startFlushTimer), and the first turn's immediate. (A timer or immediate
 *   of the program's that comes first runs the probes itself: sources/timers.ts probeTimers.)
 * - fs's wrappers (sources/index.ts startLateSources: before the program can hold fs).
 */
let later: (() => void) | null = null;

/**
 * A file session's trace file, opened after the first line (see later) or at the end if that comes
 * first: its open, `fstat` and header (1.1 M instructions, the first Stats object Node makes) were
 * part of every start. Until then chunks wait in the pool, as a live session's wait for its
 * connection. Null once opened (or failed).
 */
let outPath: string | null = null;

/** Opens the trace file if it waits to be opened; false if it could not be. */
function openFile(): boolean {
  const file = outPath;
  const header = headerBytes;
  outPath = null;
  if (file === null || header === null) return true;
  try {
    asOwnWork(() => {
      sink = new FileSink(file, header);
    });
    return true;
  } catch (error) {
    problem(`no trace file: ${(error as Error).message}`);
    return false;
  }
}

/** Runs the tracer's start after the first line if it waits to run; whether it did. */
function afterFirstLine(): boolean {
  const run = later;
  later = null;
  onFirstRequire(null);
  onFirstGetBuiltin(null);
  if (run === null || !enabled) return false;
  try {
    run();
  } catch (error) {
    problem(`the start after the first line failed: ${(error as Error).message}`);
  }
  return true;
}

/**
 * The flush timer, made after the first line (see later) with its first tick due where it would
 * have been had the timer been made at the tracer's start (lastFlushStart): a first stint longer
 * than a period makes it fire at the loop's first turn, as late as the first stint made it — the
 * lag sample it is — and a short one leaves the rest of the first period to wait. Then the interval.
 *
 * While the loop is idle the timer slows down: a tick that finds no stint since the one before, none
 * open or held back, and nothing written to send, doubles the period for the next (a timeout, up to
 * IDLE_TICK_MAX_MS), and the watchdog sleeps until that tick is due (watchdog.ts idleWatchdog). The
 * loop's next stint, as it begins, brings the interval back (engine.ts loopWakes): the timer is due
 * a period after that start, so a block in that stint is lag as before, and the watchdog looks as
 * often as before. Each slow tick is a flush and a lag sample as any other (against its own period).
 */
function startFlushTimer(): void {
  const wait = Math.max(1, lastFlushStart + flushMs - now());
  tickPeriod = flushMs;
  flushTimer = original.setTimeout(() => {
    flushTimer = null;
    if (!enabled) return;
    tickPeriod = flushMs;
    flushTick();
  }, wait);
  unrefOwn(flushTimer);
}

/** One tick of the flush timer: flush, then set the next (see startFlushTimer). */
function flushTick(): void {
  asOwnWork(() => {
    const t = now();
    // Decided before the tick writes its own records (lag, its heartbeat).
    const quiet =
      seqAtTick === stintSeq &&
      recorder.w.used === usedAtTick &&
      recorder.ready.length === 0 &&
      headOffset === 0 &&
      firstTurn === null &&
      quietFor(t, flushMs);
    flush(false, true);
    seqAtTick = stintSeq;
    usedAtTick = recorder.w.used;
    if (!enabled) return;
    const period = quiet ? Math.min(IDLE_TICK_MAX_MS, Math.max(flushMs, tickPeriod * 2)) : flushMs;
    if (period === flushMs && tickPeriod === flushMs && flushTimer !== null) return; // the interval goes on
    if (flushTimer !== null) original.clearInterval(flushTimer);
    if (period === flushMs) {
      loopWakes(null);
      wakeWatchdog();
      tickPeriod = flushMs;
      flushTimer = original.setInterval(flushTick, flushMs);
    } else {
      tickPeriod = period;
      flushTimer = original.setTimeout(flushTick, period);
      idleWatchdog(lastFlushStart + period);
      loopWakes(loopWoke);
    }
    unrefOwn(flushTimer);
  });
}

/**
 * The loop's first stint after the flush timer slowed down begins (engine.ts beat, before its code
 * runs): the interval is back, its first tick a period from now, and the watchdog wakes.
 */
function loopWoke(): void {
  if (!enabled) return;
  asOwnWork(() => {
    if (flushTimer !== null) original.clearInterval(flushTimer);
    // The slow tick that did not come is no lag sample: the next is timed from here.
    lastFlushStart = now();
    tickPeriod = flushMs;
    flushTimer = original.setInterval(flushTick, flushMs);
    unrefOwn(flushTimer);
    wakeWatchdog();
  });
}

/**
 * Connects to the live reader: at the check phase of the loop's first turn, after the program's
 * first stint. Made before the first line (until 2026-12-06), the connection loaded node:net and
 * patched it for a program that may never use it, and made its socket and stream, about 2.5 ms of
 * every traced start; and it won nothing: a Unix socket's connect is heard, and the hello written,
 * in the loop, after the first stint either way. A first stint longer than the reader's wait for
 * the hello (5 s) lost the session then; now the connection begins after it.
 */
function openLive(socket: string, token: string, header: Uint8Array): void {
  if (!enabled) return;
  try {
    sink = new SocketSink(socket, token, header, (reason) => {
      problem(reason);
      if (enabled) finish(EndCause.Detached, 0, false);
    });
  } catch (error) {
    problem(`no live connection: ${(error as Error).message}`);
    finish(EndCause.Detached, 0, false);
  }
}

function safeCwd(): string | undefined {
  try {
    return process.cwd();
  } catch {
    return undefined;
  }
}

function boot(): void {
  const global = globalThis as Record<symbol, unknown>;
  if (global[GUARD] !== undefined) return;
  Object.defineProperty(global, GUARD, { value: { version: VERSION }, enumerable: false });
  if (!isMainThread(() => loadBuiltin('worker_threads') as typeof import('node:worker_threads'))) return;
  const parsed = parseOptions(process.env[OPTIONS_ENV]);
  if (!parsed.ok) return;
  if (isWrapper(process.argv[1]) || isTestRunner(process.execArgv, process.env)) return;
  if (!claim(parsed.options)) return;
  try {
    start(parsed.options);
  } catch (error) {
    logFile = parsed.options.logFile;
    problem(`could not start: ${(error as Error).message}`);
    writeProblems();
    try {
      shutDown(false);
    } catch {
      // inert
    }
  }
}

try {
  boot();
} catch {
  // The tracer is inert; the program runs as if untraced.
}
