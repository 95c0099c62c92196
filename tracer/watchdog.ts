/**
 * The main thread's side of the block sampler (see watchdogWorker.ts): starts the watchdog thread,
 * shares the heartbeat with it and turns its reports into BLOCK_SAMPLE records.
 */
import type * as inspector from 'node:inspector';
import path = require('node:path');
import type * as WorkerThreads from 'node:worker_threads';
import { writeBlockSample } from './blockSamples';
import { currentTask, enabled, now, originMs, recentStint, setHeartbeat } from './engine';
import { ownFile } from './locations';
import { original } from './sources';
import { loadBuiltin } from './sources/builtins';
import type { BlockReport, WatchdogData } from './watchdogWorker';

const WATCHDOG_FILE = 'tracerWatchdog.js';
/** The watchdog needs little memory. */
const WATCHDOG_HEAP_MB = 32;
/**
 * Heartbeat slots (Int32): 0 stint sequence number, 1 whether a stint is open, 5 the open stint's
 * task (written by the main thread on its hot path); 2 the watchdog has an inspector session open,
 * 3 the program is exiting, 4 the watchdog has let go of its session. Then one Float64 (bytes
 * 24–31): when the open stint began, trace clock. Then six Float64 (bytes 32–79), written by the
 * watchdog once per stint it sees open: when it read the main thread's scheduler counters (trace
 * clock), ns on a CPU, ns waiting for one — its first reading in the stint, then its last one before
 * it; and Int32 slot 20 (bytes 80–83): the stint's sequence number, written after them (see
 * stintCpu in engine.ts). Int32 slot 21: the watchdog has told the live reader of a block it has
 * not yet said is over (at exit, it says so). Int32 slot 22: the watchdog's thread runs its code.
 * Int32 slot 23 (bytes 92–95): a stint's sequence number, written after the Float64 at bytes
 * 96–103: the main thread's CPU time (ns) spent serving the watchdog's samples in that stint while
 * it had been asleep (the tracer's, not the program's: see stintCpu in engine.ts). Then one Float64
 * (bytes 104–111): while Int32 slot 28 (bytes 112–115) is 1, the flush timer has slowed down for an
 * idle loop and its next tick is due then (trace clock); the watchdog sleeps until a little after
 * it, or until the main thread notifies slot 28 (the loop's next stint, or the exit).
 */
const HEARTBEAT_BYTES = 120;
const DUE = 13;
const PARKED = 28;
const SESSION_OPEN = 2;
const EXITING = 3;
const EXIT_ACK = 4;
const LIVE_OPEN = 21;
const RUNNING = 22;
/** How long an exiting program waits for the watchdog to let go of its session, ms. */
const EXIT_WAIT_MS = 100;
/**
 * How long an exiting program waits for a debugger to let the watchdog's thread run, ms (see
 * releaseHeldWatchdog). js-debug held it for 8.8 s at load 30, the extension host starved; it
 * usually lets it go within a second.
 */
const HELD_EXIT_WAIT_MS = 10_000;

let heartbeatView: Int32Array | null = null;

let worker: WorkerThreads.Worker | null = null;
/** node:worker_threads' receiveMessageOnPort, once the watchdog has started. */
let receive: typeof WorkerThreads.receiveMessageOnPort | null = null;

export function startWatchdog(
  blockMs: number,
  flushMs: number,
  live: WatchdogData['live'],
  onProblem: (message: string) => void,
): void {
  const shared = new SharedArrayBuffer(HEARTBEAT_BYTES);
  const heartbeat = new Int32Array(shared);
  heartbeatView = heartbeat;
  setHeartbeat(heartbeat);
  // The watchdog's stack samples read the heartbeat through the tracer's (hidden) global.
  const guard = (
    globalThis as Record<
      symbol,
      { heartbeat?: Int32Array; task?: typeof currentTask; now?: typeof now } | undefined
    >
  )[Symbol.for('looplens.tracer')];
  if (guard !== undefined) {
    guard.heartbeat = heartbeat;
    guard.task = currentTask;
    // When a sample is taken, on the trace clock: one taken late was held off by native code.
    guard.now = now;
  }
  // Loaded here, not before the program's first line (2.5 M instructions beside node:v8, which loads
  // stream's modules for both); loading it patches it (sources/workers.ts), which keeps Node's own
  // classes in `original`.
  const workerThreads = loadBuiltin('worker_threads') as typeof WorkerThreads;
  const Channel = original.MessageChannel ?? workerThreads.MessageChannel;
  const Thread = original.Worker ?? workerThreads.Worker;
  const channel = new Channel();
  const data: WatchdogData = {
    heartbeat: shared,
    blockMs,
    flushMs,
    // Its frames' name too, when it differs (code from V8's cache: locations.ts ownScriptFile).
    ownFiles: [path.join(__dirname, 'tracer.js'), ownFile()],
    reports: channel.port2,
    live,
    traceOriginMs: originMs,
  };
  // A new Worker queues a tick that announces it with process.emit('worker'). The watchdog is not
  // the program's worker: it is not announced, and no tick is left pending (a pending tick makes
  // Node run the next microtasks from a JavaScript frame that would show in stack traces).
  const nextTick = process.nextTick;
  process.nextTick = (() => {}) as typeof process.nextTick;
  let w: WorkerThreads.Worker;
  try {
    w = new Thread(path.join(__dirname, WATCHDOG_FILE), {
      workerData: data,
      transferList: [channel.port2],
      // The tracer's preload must not load again inside its own thread.
      execArgv: [],
      env: {},
      stdout: true,
      stderr: true,
      resourceLimits: { maxOldGenerationSizeMb: WATCHDOG_HEAP_MB },
      // What a debugger that lists the program's threads calls it (older Node versions ignore it).
      name: 'Loop Lens watchdog',
    });
  } finally {
    process.nextTick = nextTick;
  }
  // No 'message' listener: the reports are taken at each flush (takeReports). Delivered as events,
  // they came after the flush that sent the block to the reader (after a block the overdue flush
  // timer runs first; port messages come in the poll phase after it), and a live timeline showed the
  // block, for a flush, where its task began instead of at its line. Each event was also a stint of
  // the program's main task (the tracer's own work charged to the program) that moved the heartbeat
  // on: after 256 of them the block's stint had left recentStint's ring, and the rest of a long
  // block's reports were dropped.
  w.on('error', (error) => onProblem(`watchdog failed: ${error.message}`));
  channel.port1.unref();
  w.unref();
  worker = w;
  receive = workerThreads.receiveMessageOnPort;
  reports = channel.port1;
  problemSink = onProblem;
}

let reports: WorkerThreads.MessagePort | null = null;
let problemSink: ((message: string) => void) | null = null;

/**
 * At exit: if the watchdog holds an inspector session on this thread, has it let go first, and
 * lets this thread take the disconnect in (V8 serves it at the next interrupt check, so a few
 * function calls suffice). Otherwise Node would print a debugger message into the program's output.
 */
export function releaseWatchdog(): void {
  const hb = heartbeatView;
  if (hb === null) return;
  // Said before looking: a watchdog that takes the exit's own work (the trace's last flush) for a
  // block opens no session once it is said, and one opening a session now shows it (watchdogWorker
  // watch says it is opening one before it looks).
  Atomics.store(hb, EXITING, 1);
  Atomics.notify(hb, EXITING);
  Atomics.notify(hb, PARKED);
  if (Atomics.load(hb, SESSION_OPEN) === 0 && Atomics.load(hb, LIVE_OPEN) === 0) return;
  Atomics.wait(hb, EXIT_ACK, 0, EXIT_WAIT_MS);
  for (let i = 0; i < 1000; i++) interruptCheck(i);
}

/**
 * At exit: a debugger that holds the watchdog's thread before its first line (js-debug stops every
 * new worker until it has set it up, and under load that took seconds) must let it go before this
 * thread ends. Node's exit joins the program's threads: with the watchdog still stopped in the
 * debugger, the debugger's word to it (which this thread passes on) never came, and the program
 * hung at its exit for good, its debug session with it (a program that ends 200 ms in, under VS
 * Code's debugger: 2 runs in 120 at load 35). Waiting in Atomics.wait, this thread still passes the debugger's
 * messages on (V8 serves the inspector's interrupts in a wait). Without an inspector, nobody holds
 * the thread and nothing waits.
 */
export function releaseHeldWatchdog(): void {
  const hb = heartbeatView;
  if (hb === null || worker === null || Atomics.load(hb, RUNNING) !== 0 || !inspectorLikely()) return;
  let open = false;
  try {
    open = (loadBuiltin('inspector') as typeof inspector).url() !== undefined;
  } catch {
    // no inspector in this Node.js: nothing can hold the thread
  }
  if (open) Atomics.wait(hb, RUNNING, 0, HELD_EXIT_WAIT_MS);
}

/**
 * Whether an inspector may be open, without loading node:inspector (1.5 ms at the exit of every
 * program over before its watchdog ran): started by a flag, or opened by code that loaded the
 * module (js-debug's bootloader opens it so).
 */
function inspectorLikely(): boolean {
  const list = (process as unknown as { moduleLoadList?: unknown }).moduleLoadList;
  if (Array.isArray(list) && list.includes('NativeModule inspector')) return true;
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) => flag.includes('--inspect'));
}

function interruptCheck(i: number): number {
  return i + 1;
}

/**
 * The program is exiting: the watchdog opens no session from now on — the exit's own work (the
 * trace's last flush, longer in full mode) taken for a block had it connect one as the program
 * ended, and Node printed "Waiting for the debugger to disconnect..." (see releaseWatchdog).
 */
export function exitingWatchdog(): void {
  const hb = heartbeatView;
  if (hb === null) return;
  Atomics.store(hb, EXITING, 1);
  Atomics.notify(hb, EXITING);
  Atomics.notify(hb, PARKED);
}

/**
 * The flush timer has slowed down for an idle loop: its next tick is due at `due` (trace clock). The
 * watchdog sleeps until a little after that (a tick that does not come is a block the tracer does
 * not see the start of) or until woken (wakeWatchdog).
 */
export function idleWatchdog(due: number): void {
  const hb = heartbeatView;
  if (hb === null) return;
  new Float64Array(hb.buffer, DUE * 8, 1)[0] = due;
  Atomics.store(hb, PARKED, 1);
}

/** The loop's next stint begins (or the flush timer is back to its period): the watchdog looks again as often as before. */
export function wakeWatchdog(): void {
  const hb = heartbeatView;
  if (hb === null || Atomics.load(hb, PARKED) === 0) return;
  Atomics.store(hb, PARKED, 0);
  Atomics.notify(hb, PARKED);
}

/**
 * Writes the watchdog's reports waiting in the channel: at each flush, before it seals what it sends
 * (so that a block reaches the reader with every sample the watchdog had sent of it when the block
 * ended), and at exit. One call to an empty port when there are none.
 */
export function takeReports(): void {
  const port = reports;
  const take = receive;
  if (port === null || take === null) return;
  for (let message = take(port); message !== undefined; message = take(port)) {
    try {
      const report = message.message as BlockReport | { problem: string };
      if ('problem' in report) problemSink?.(report.problem);
      else writeReport(report);
    } catch (error) {
      problemSink?.(`block report failed: ${(error as Error).message}`);
    }
  }
}

export function stopWatchdog(): void {
  if (worker !== null) void worker.terminate();
  worker = null;
}

function writeReport(report: BlockReport): void {
  if (!enabled || report.lines.length === 0) return;
  // (The stint the heartbeat named when the watch began, where this thread has let go of it.)
  const stint =
    recentStint(report.seq) ??
    (Number.isFinite(report.start) && Number.isFinite(report.task)
      ? { start: report.start, task: report.task }
      : null);
  if (stint === null) return;
  writeBlockSample(
    stint.start,
    stint.task,
    report.observedMs,
    1,
    report.lines.map(({ weightMs, ...line }) => ({ ...line, weightUs: weightMs * 1000 })),
    report.cpuShare >= 0 ? report.cpuShare * report.observedMs : -1,
  );
}
