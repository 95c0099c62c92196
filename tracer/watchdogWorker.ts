/**
 * The block sampler's thread (bundled apart as dist/tracerWatchdog.js). The traced program's main
 * thread bumps a shared heartbeat at every stint boundary; when the heartbeat stands still for half
 * the block threshold while a stint is open, the main thread is blocked right now. This thread then
 * connects an inspector session to the main thread and takes stack samples: V8 serves an inspector
 * request with an interrupt even while JavaScript runs, so a tiny expression evaluated there sees
 * the exact frames of the blocked code, line and column included. (V8's sampling profiler, started
 * in the middle of a block, cannot name code compiled just before it — a loop optimized on its
 * first run — and blames its caller; stack samples have no such blind spot.) When the heartbeat
 * moves again, the hottest lines go back to the main thread.
 *
 * Time spent inside one native call (a synchronous crypto or fs call) holds off interrupts until it
 * returns; the main thread times those calls itself (see sources/syncCalls.ts).
 *
 * Nothing here runs on the main thread while no stint is long, and no session stays connected.
 */
import fs = require('node:fs');
import inspector = require('node:inspector');
import net = require('node:net');
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MessagePort, workerData } from 'node:worker_threads';
import { NATIVE_BEFORE } from '../protocol/format';
import { REPLY_ACCEPT, encodeHello } from '../protocol/handshake';
import { LiveType, encodeLive } from '../protocol/live';
import { hrOrigin } from './clock';
import { Schedstat } from './schedstat';

export interface WatchdogData {
  heartbeat: SharedArrayBuffer;
  blockMs: number;
  flushMs: number;
  /** Files of the tracer's own code, never reported as where a block spent its time. */
  ownFiles: string[];
  /** Where samples go: the main thread takes them synchronously, at each flush and at exit. */
  reports: MessagePort;
  /** Live tracing: the reader's socket and token, to say "blocked now" while the main thread cannot. */
  live: { socket: string; token: string; pid: number } | null;
  /** Trace clock 0 on process.hrtime()'s scale, ms (the main thread's; clock.ts). */
  traceOriginMs: number;
}

/** A line a block's time is put on, with how much of it (ms). */
export interface SampledLine {
  name: string;
  file: string;
  line: number;
  column: number;
  weightMs: number;
}

/**
 * One stack sample of a block, sent as soon as it is taken (so a program that exits right after a
 * block still has it): the time since the previous sample and the lines it is put on (see watch).
 */
export interface BlockReport {
  /** The heartbeat value while the block ran: identifies the stint. */
  seq: number;
  /**
   * That beat's time (trace clock) and task, as the heartbeat said when the watch began (NaN: not
   * known): the stint when the main thread no longer remembers `seq` (more than 256 stints between
   * the block's end and the flush that takes the report).
   */
  start: number;
  task: number;
  /** Milliseconds of the block this sample stands for. */
  observedMs: number;
  lines: SampledLine[];
  /** The share of the time since the previous sample the main thread was on the CPU (-1: not known). */
  cpuShare: number;
}

/**
 * A sample served after the main thread computed this long since it was asked for, ms, was held off
 * by native code (JavaScript serves one within microseconds of its CPU time).
 */
const LATE_MS = 10;

/**
 * One frame of a stack sample: function, file, line, column, and where the frame's function begins
 * (line, column; 0 where V8 does not say).
 */
type RawFrame = [string, string, number, number, number?, number?];

/** Samples taken of one block at most. */
const MAX_SAMPLES = 60;
/** A block watched longer than this is reported and not sampled further. */
const MAX_WATCH_MS = 30_000;
const STACK_DEPTH = 32;
/**
 * How deep a sample looks for the program's own frames past STACK_DEPTH, and how many of them it
 * keeps there. A chain of requires is about seven frames a module: a block at the top level of a
 * library four requires down had only the libraries' frames in 32, and was blamed on the innermost
 * library's line rather than the program's `require` that loaded them. V8 walks only as deep as the
 * stack goes, so a shallow stack costs no more.
 */
const DEEP_STACK_DEPTH = 256;
const DEEP_PROGRAM_FRAMES = 4;

/**
 * Evaluated on the main thread inside the interrupt. It reads the heartbeat (to tell whether the
 * block is still the same) and the stack, without calling any Error.prepareStackTrace the program
 * installed, and restores everything it touches. `ownFiles` (the tracer's) are no program frames
 * past STACK_DEPTH: the tracer's hooks on the require path (frameworks.ts's Module._load) are one
 * frame a require, which under a chain of requires took the places of the program's own.
 */
function sampleExpression(ownFiles: readonly string[]): string {
  return `(() => {
  const own = ${JSON.stringify(ownFiles)};
  const guard = globalThis[Symbol.for('looplens.tracer')];
  const at = guard && typeof guard.now === 'function' ? guard.now() : -1;
  const E = Error;
  const prepare = E.prepareStackTrace;
  const limit = E.stackTraceLimit;
  try {
    E.prepareStackTrace = (_, sites) => sites;
    E.stackTraceLimit = ${DEEP_STACK_DEPTH};
    const holder = {};
    E.captureStackTrace(holder);
    const sites = holder.stack;
    const frames = [];
    let deep = 0;
    for (let i = 0; i < sites.length; i++) {
      const site = sites[i];
      // An async frame is the caller an await returns to, not where the thread is: a sample taken
      // between two continuations would blame the caller's await (a loop that awaits each round).
      if (typeof site.isAsync === 'function' && site.isAsync()) continue;
      if (i >= ${STACK_DEPTH}) {
        // Past the usual depth only the program's own frames, for the blame (see DEEP_STACK_DEPTH).
        const file = site.getFileName() || '';
        if (file === '' || file.startsWith('node:') || file.startsWith('internal/') || file.includes('/node_modules/') || file.includes('\\\\node_modules\\\\') || file.startsWith('wasm://') || own.includes(file)) continue;
        if (++deep > ${DEEP_PROGRAM_FRAMES}) break;
      }
      frames.push([site.getFunctionName() || '', site.getFileName() || site.getScriptNameOrSourceURL() || '', site.getLineNumber() || 0, site.getColumnNumber() || 0, typeof site.getEnclosingLineNumber === 'function' ? site.getEnclosingLineNumber() || 0 : 0, typeof site.getEnclosingColumnNumber === 'function' ? site.getEnclosingColumnNumber() || 0 : 0]);
    }
    const task = guard && typeof guard.task === 'function' ? guard.task() : null;
    return JSON.stringify([guard && guard.heartbeat ? guard.heartbeat[0] : -1, frames, task, at]);
  } catch (error) {
    return '[-1, []]';
  } finally {
    E.prepareStackTrace = prepare;
    E.stackTraceLimit = limit;
  }
})()`;
}

/**
 * Whether the main thread wants the CPU right now — on it, or ready to run and waiting for it (a
 * busy machine) — or null where the system does not say: the state in Linux's per-thread `stat`
 * (the main thread's id is the process id), `R` against a sleep (`S`, `D`). A thread that computes
 * is `R` however busy the machine; one asleep in a blocking call is not. The state is right when
 * read, where the thread's CPU-time counters are brought up to date only at the kernel's ticks and
 * leave out the time a virtual machine's host holds the CPU back: over the few milliseconds between
 * two samples they said "asleep" of a busy loop on a loaded machine. Read from this thread at every
 * poll between stints while the loop is busy (see stintCpu in engine.ts) and while a block is being watched: through a
 * file kept open and a buffer of its own, its bytes looked at where they are — about 5 µs of this
 * thread's CPU a reading, where opening and decoding the file each time (`readFileSync`) took 30–40.
 */
const STAT = `/proc/self/task/${process.pid}/stat`;
let statFd = process.platform === 'linux' ? -2 : -1;
const statBuf = Buffer.alloc(1024);
const CLOSE_PAREN = 0x29;
const STATE_RUNNING = 0x52; // 'R'
function mainThreadWantsCpu(): boolean | null {
  if (statFd === -1) return null;
  try {
    if (statFd === -2) statFd = fs.openSync(STAT, 'r');
    const n = fs.readSync(statFd, statBuf, 0, statBuf.length, 0);
    // "pid (name) S ...": the name may hold spaces and parentheses; the state follows the last ')'.
    const close = n > 0 ? statBuf.lastIndexOf(CLOSE_PAREN, n - 1) : -1;
    if (close !== -1 && close + 2 < n) return statBuf[close + 2] === STATE_RUNNING;
  } catch {
    // no such file: stop asking
  }
  if (statFd >= 0) {
    try {
      fs.closeSync(statFd);
    } catch {
      // closed already
    }
  }
  statFd = -1;
  return null;
}

/**
 * The main thread's scheduler counters (schedstat.ts), read here once for each stint seen open, so
 * that the main thread, when a stint turns out long, can tell how much of it the machine took (a run
 * queue's wait); the main thread pays nothing for stints that stay short.
 */
const schedstat = new Schedstat();

/** Readings of mainThreadWantsCpu, this often while the watchdog waits between samples, ms. */
const STATE_EVERY_MS = 1;

function toPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

/**
 * WebAssembly compiled from bytes (`wasm://wasm/<hash>`: llhttp, the HTTP parser of Node's own
 * undici under every `fetch`) has no source anyone can open: a sample blames the JavaScript that
 * runs it (the program's line, else a library's), as it does for Node's own code.
 */
function isWasm(file: string): boolean {
  return file.startsWith('wasm://');
}

function isUserFile(file: string): boolean {
  return (
    file !== '' &&
    !file.startsWith('node:') &&
    !file.startsWith('internal/') &&
    !file.includes('/node_modules/') &&
    !file.includes('\\node_modules\\')
  );
}

function isCodeFile(file: string): boolean {
  return file !== '' && !file.startsWith('node:') && !file.startsWith('internal/') && !isWasm(file);
}

/**
 * The frame a sample blames: the innermost frame of user code, else the innermost frame of any
 * code (a library), skipping the tracer and the sampling expression itself. Exported for tests.
 */
export function blamedFrame(frames: RawFrame[], ownFiles: ReadonlySet<string>): RawFrame | null {
  const code = frames
    .map((frame): RawFrame => {
      if (!frame[1].startsWith('file://')) return frame;
      const copy: RawFrame = [...frame];
      copy[1] = toPath(frame[1]);
      return copy;
    })
    .filter(([, file]) => isCodeFile(file) && !ownFiles.has(file));
  return code.find(([, file]) => isUserFile(file)) ?? code[0] ?? null;
}

/**
 * Where a sample served late is blamed, and whether the native code that held it off ran before
 * that place. The sample lands on the first check for interrupts after that native code: inside a
 * built-in function that checks or calls back (JSON.stringify, a sort's comparator, Array.from's
 * callback) — then the built-in is that code, at the line that called it — or on JavaScript's own checks, at a loop's
 * back edge or at the entry of the next function called. Then the native code ran just before, and
 * a function just entered did none of it: its caller, at the call after the native code, is blamed
 * instead. Exported for tests.
 */
export function frameAfterNative(
  frames: RawFrame[],
  ownFiles: ReadonlySet<string>,
): { frame: RawFrame | null; before: boolean } {
  // The sampling expression's own frames (an evaluated script: no file, a line) come first.
  let inner = 0;
  while (inner < frames.length && frames[inner][1] === '' && frames[inner][2] > 0) inner++;
  const top = frames[inner];
  if (top === undefined) return { frame: null, before: false };
  if (top[1] === '' && top[2] === 0) return { frame: blamedFrame(frames, ownFiles), before: false };
  const [, , line, , startLine = 0] = top;
  const entered = startLine > 0 && line === startLine;
  const caller = frames[inner + 1];
  // A function a built-in calls (a sort's comparator): the built-in is the native code, at its line.
  const builtIn = entered && caller !== undefined && caller[1] === '' && caller[2] === 0;
  return {
    frame: (entered ? blamedFrame(frames.slice(inner + 1), ownFiles) : null) ?? blamedFrame(frames, ownFiles),
    before: !builtIn,
  };
}

/** Heartbeat slots (see watchdog.ts). */
const SEQ = 0;
const IN_STINT = 1;
const SESSION_OPEN = 2;
const EXITING = 3;
const EXIT_ACK = 4;
const TASK = 5;
/** Float64 slot (after the Int32 ones): when the open stint began, trace clock. */
const START = 3;
/**
 * Float64 slots 4–9: the main thread's scheduler counters (trace time, ns on a CPU, ns waiting for
 * one) as first read in the open stint, then as read last before it; Int32 slot 20: the stint's
 * number, written after them.
 */
const CPU_AT = 4;
const CPU_SEQ = 20;
/** Int32 slot 23 and the Float64 at bytes 96–103: the main thread's CPU serving samples of a stint while asleep. */
const SAMPLED_SEQ = 23;
/** How long after a sample's reply the main thread may take to be asleep again for it to count as served asleep, ms. */
const ASLEEP_AGAIN_MS = 1;
/** Waited on for a moment (see ASLEEP_AGAIN_MS): never notified. */
const pause = new Int32Array(new SharedArrayBuffer(4));
/**
 * Float64 slot 13 (bytes 104–111), while Int32 slot 28 is 1: the flush timer has slowed down for an
 * idle loop and its next tick is due then (trace clock); the main thread notifies slot 28 when the
 * loop's next stint begins and at exit (see watchdog.ts idleWatchdog).
 */
const DUE = 13;
const PARKED = 28;
/** Int32 slot 21: this thread has told the live reader of a block it has not yet said is over. */
const LIVE_OPEN = 21;
/**
 * Int32 slot 22: this thread runs its code (a debugger may hold a new thread before it: see
 * watchdog.ts). (Exported for a test's program that waits for the sampler to run.)
 */
export const RUNNING = 22;
/** While blocked, "still blocked" goes to the reader this often at most, ms (more often for small thresholds). */
const LIVE_EVERY_MS = 100;
/** While nothing needs this thread's event loop, it runs once this often, ms (see run). */
const SLEEP_TURN_MS = 250;
/** Records that wait for the live connection to open, at most. */
const LIVE_QUEUE = 16;

/**
 * The live line to the reader, opened at the first block (most programs never need it). Records
 * wait while it connects; if the reader declines it or it breaks, live reports stop.
 */
class LiveLine {
  private socket: net.Socket | null = null;
  private open = false;
  private dead = false;
  private queue: Uint8Array[] = [];

  constructor(private readonly target: { socket: string; token: string; pid: number }) {}

  send(record: Uint8Array): void {
    if (this.dead) return;
    if (this.open) {
      this.socket!.write(record);
      return;
    }
    if (this.queue.length < LIVE_QUEUE) this.queue.push(record);
    if (this.socket === null) this.connect();
  }

  private connect(): void {
    const socket = net.createConnection(this.target.socket);
    this.socket = socket;
    socket.unref();
    socket.on('connect', () => socket.write(encodeHello(this.target.token, this.target.pid, 'watchdog')));
    socket.on('data', (data: Buffer) => {
      if (this.open || data.length === 0) return;
      if (data[0] !== REPLY_ACCEPT) {
        this.stop();
        return;
      }
      this.open = true;
      for (const record of this.queue) socket.write(record);
      this.queue = [];
    });
    socket.on('error', () => this.stop());
    socket.on('close', () => this.stop());
  }

  /** Nothing waits for the line's event loop: no connection under way, no record queued. */
  quiet(): boolean {
    return this.dead || this.socket === null || (this.open && this.queue.length === 0);
  }

  private stop(): void {
    this.dead = true;
    this.open = false;
    this.queue = [];
    this.socket?.destroy();
  }
}

function run(data: WatchdogData): void {
  const heartbeat = new Int32Array(data.heartbeat);
  if (heartbeat.length > RUNNING) {
    Atomics.store(heartbeat, RUNNING, 1);
    Atomics.notify(heartbeat, RUNNING);
  }
  let session: inspector.Session | null = null;
  // When the program exits, a session still connected to its main thread would make Node print
  // "Waiting for the debugger to disconnect...": the main thread asks, this thread lets go at once.
  const waitAsync = (
    Atomics as unknown as {
      waitAsync: (a: Int32Array, i: number, v: number) => { value: Promise<unknown> | string };
    }
  ).waitAsync;
  void Promise.resolve(waitAsync(heartbeat, EXITING, 0).value).then(() => {
    session?.disconnect();
    session = null;
    // The program ends: a block the live reader was told of is over (a program that exits right
    // after it, before this thread's next look, would leave the reader with "blocked now").
    if (live !== null && line !== null) {
      line.send(encodeLive(LiveType.Resumed, live.task, live.since, traceTime(performance.now()), live.seq));
      live = null;
    }
    Atomics.store(heartbeat, SESSION_OPEN, 0);
    Atomics.store(heartbeat, EXIT_ACK, 1);
    Atomics.notify(heartbeat, EXIT_ACK);
  });
  const reports = data.reports;
  const ownFiles = new Set(data.ownFiles);
  const sampling = sampleExpression(data.ownFiles);
  const tracked = Math.max(1, data.blockMs / 2);
  // Between flushes the heartbeat stands still even when the loop is idle; untracked blocks need a
  // wider margin.
  const untracked = Math.max(tracked, data.flushMs * 2);
  const poll = Math.min(50, Math.max(2, data.blockMs / 8));
  // The loop is idle after no stint for the threshold: the next stint's gap is then long enough for
  // the main thread to read its own scheduler counters (engine.ts cpuCheckMs is at most blockMs).
  const idleAfter = data.blockMs;
  const idlePoll = Math.max(poll, tracked - poll);
  const interval = Math.min(50, Math.max(5, data.blockMs / 5));
  // Often enough that the reader hears of a block soon after it passes the threshold.
  const liveEvery = Math.min(LIVE_EVERY_MS, Math.max(5, data.blockMs / 2));

  let lastSeq = Atomics.load(heartbeat, SEQ);
  let lastChange = performance.now();
  let watching = false;
  const startTimes = new Float64Array(data.heartbeat, START * 8, 1);
  const cpuReading =
    data.heartbeat.byteLength >= (CPU_SEQ + 1) * 4 ? new Float64Array(data.heartbeat, CPU_AT * 8, 6) : null;
  const sampledCpu = data.heartbeat.byteLength >= 104 ? new Float64Array(data.heartbeat, 96, 1) : null;
  const dueView =
    data.heartbeat.byteLength >= (PARKED + 1) * 4 ? new Float64Array(data.heartbeat, DUE * 8, 1) : null;
  /** Whether the main thread's flush timer has slowed down for an idle loop (see DUE). */
  const parked = (): boolean => dueView !== null && Atomics.load(heartbeat, PARKED) !== 0;
  /** This thread's last reading of the main thread's counters: trace time, ns on a CPU, ns waiting. */
  const lastReading = [-Infinity, 0, 0];
  const line = data.live !== null ? new LiveLine(data.live) : null;
  // Where this thread's performance.now() starts, against the trace clock's 0: both on hrtime's scale.
  const origin = hrOrigin(() => performance.now()) - data.traceOriginMs;
  /** This thread's performance.now() as trace clock. */
  const traceTime = (t: number): number => t + origin;
  /** The block reported live: its heartbeat, task and start; when it was last reported, and whether it had passed the threshold then. */
  let live: { seq: number; task: number; since: number; at: number; over: boolean; inStint: boolean } | null =
    null;

  const post = (session: inspector.Session, method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });

  /**
   * Whether the block at heartbeat `seq` is over: the heartbeat moved, or (a stint's block) the
   * stint ended. A stint that pauses for a moment and goes on (continuations merged into one, see
   * engine.ts) is still the same: the pause is looked at again a moment later.
   */
  const over = async (seq: number, inStint: boolean): Promise<boolean> => {
    if (Atomics.load(heartbeat, SEQ) !== seq) return true;
    if (!inStint || Atomics.load(heartbeat, IN_STINT) !== 0) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return Atomics.load(heartbeat, SEQ) !== seq || Atomics.load(heartbeat, IN_STINT) === 0;
  };

  /** Samples the block that began at heartbeat `seq` until it ends; then reports it. */
  const watch = async (seq: number, since: number, inStint: boolean): Promise<void> => {
    // Opening, said before looking whether the program exits (releaseWatchdog says that before it
    // looks whether a session is open): one of the two sees the other.
    Atomics.store(heartbeat, SESSION_OPEN, 1);
    if (Atomics.load(heartbeat, EXITING) !== 0) {
      Atomics.store(heartbeat, SESSION_OPEN, 0);
      return;
    }
    // The beat's time and task, read between two reads of its number (the main thread writes them
    // before the number, and nothing beats while the block lasts).
    const beatStart = startTimes[0];
    const beatTask = Atomics.load(heartbeat, TASK) >>> 0;
    const known = Atomics.load(heartbeat, SEQ) === seq;
    const stintStart = known ? beatStart : NaN;
    const stintTask = known ? beatTask : NaN;
    const s = new inspector.Session();
    s.connectToMainThread();
    session = s;
    let samples = 0;
    let lastSample = since;
    /** The line the previous sample was put on: half the time to the next sample is its. */
    let previous: SampledLine | null = null;
    // How much the main thread wanted the CPU between samples: its state read now and then over the
    // quiet spans (after a sample's reply, before the next request), so that the samples' own
    // interrupts — which wake even a sleeping thread — do not count.
    let readings = 0;
    let wanting = 0;
    const look = (): void => {
      const wants = mainThreadWantsCpu();
      if (wants === null) return;
      readings++;
      if (wants) wanting++;
    };
    try {
      while (samples < MAX_SAMPLES && performance.now() - since < MAX_WATCH_MS) {
        if (session !== s) break;
        // (Not known for the first sample, the span before it not watched.)
        const cpuShare = readings > 0 ? wanting / readings : -1;
        readings = 0;
        wanting = 0;
        const asked = performance.now();
        // Asleep when asked (a thread in Atomics.wait, or waiting on the process's other threads):
        // the CPU it uses to serve the sample is the tracer's.
        const asleep = sampledCpu !== null && mainThreadWantsCpu() === false;
        const countersAsked = schedstat.read();
        const reply = (await post(s, 'Runtime.evaluate', {
          expression: sampling,
          returnByValue: true,
          silent: true,
        })) as { result?: { value?: string } };
        const t = performance.now();
        // (Asleep again once served: its counters are up to date, and all it ran was the sample.)
        let servedAsleep = asleep && countersAsked !== null && mainThreadWantsCpu() === false;
        // Not yet: it may still be on its way back to sleep, held off its CPU right after it replied
        // (a busy core: 4-15% of the samples of a wrap-up asleep for a worker, 0.2-0.5 ms each, were
        // left in its own bound). Looked at again for a moment, no longer: what it ran meanwhile, in
        // the same stint, is at most that moment.
        while (asleep && !servedAsleep && countersAsked !== null && performance.now() - t < ASLEEP_AGAIN_MS) {
          Atomics.wait(pause, 0, 0, ASLEEP_AGAIN_MS / 8);
          servedAsleep = mainThreadWantsCpu() === false && performance.now() - t < ASLEEP_AGAIN_MS;
        }
        const countersNow = countersAsked !== null ? schedstat.read() : null;
        if (
          servedAsleep &&
          countersAsked !== null &&
          countersNow !== null &&
          Atomics.load(heartbeat, SEQ) === seq &&
          Atomics.load(heartbeat, IN_STINT) !== 0
        ) {
          const before = Atomics.load(heartbeat, SAMPLED_SEQ) === seq ? sampledCpu![0] : 0;
          sampledCpu![0] = before + Math.max(0, countersNow[0] - countersAsked[0]);
          Atomics.store(heartbeat, SAMPLED_SEQ, seq);
        }
        const [sampleSeq, frames, task, at] = JSON.parse(reply.result?.value ?? '[-1,[]]') as [
          number,
          RawFrame[],
          [number, string] | null | undefined,
          number | undefined,
        ];
        if (sampleSeq !== seq) break;
        // Name the block's task for the live reader, which may not have heard of it yet.
        if (
          samples === 0 &&
          line !== null &&
          Array.isArray(task) &&
          task[0] === Atomics.load(heartbeat, TASK)
        ) {
          line.send(encodeLive(LiveType.Name, task[0], 0, traceTime(t), seq, String(task[1])));
        }
        samples++;
        // When the main thread took the sample (its reply can come much later, on a busy machine).
        const taken = typeof at === 'number' && at >= 0 ? Math.min(t, Math.max(asked, at - origin)) : t;
        // Served late with the main thread computing all the while: native code held the interrupt
        // off until just before where the sample landed. (Late with the thread waiting for a CPU is
        // a busy machine: JavaScript serves an interrupt within microseconds of its CPU time.)
        const heldMs = taken - asked;
        const computedMs =
          countersAsked !== null && countersNow !== null
            ? (countersNow[0] - countersAsked[0]) / 1e6 - (t - taken)
            : heldMs;
        const late = heldMs >= LATE_MS && computedMs >= LATE_MS;
        const { frame: blamed, before } = late
          ? frameAfterNative(frames, ownFiles)
          : { frame: blamedFrame(frames, ownFiles), before: false };
        // The time since the previous sample (but a late one's held-off time) is put half on each
        // of the two samples' lines: either may be where the thread turned from one to the other.
        const gap = Math.max(0, (late ? asked : taken) - lastSample);
        const earlier: number = previous !== null ? gap / 2 : 0;
        const here: SampledLine | null =
          blamed === null
            ? null
            : {
                name: before ? NATIVE_BEFORE : blamed[0],
                file: blamed[1],
                line: blamed[2],
                column: blamed[3],
                weightMs: taken - lastSample - earlier,
              };
        const lines: SampledLine[] = [];
        if (here !== null) lines.push(here);
        if (previous !== null && earlier > 0) lines.push({ ...previous, weightMs: earlier });
        const report: BlockReport = {
          seq,
          start: stintStart,
          task: stintTask,
          observedMs: taken - lastSample,
          lines,
          cpuShare,
        };
        reports.postMessage(report);
        lastSample = taken;
        previous = here;
        if (await over(seq, inStint)) break;
        const until = performance.now() + interval;
        for (;;) {
          const left = until - performance.now();
          if (left <= 0) break;
          await new Promise((resolve) => setTimeout(resolve, Math.min(STATE_EVERY_MS, left)));
          if (Atomics.load(heartbeat, SEQ) !== seq) break;
          look();
        }
        if (await over(seq, inStint)) break;
      }
    } finally {
      if (session === s) {
        s.disconnect();
        session = null;
        Atomics.store(heartbeat, SESSION_OPEN, 0);
      }
    }
  };

  /** When this thread last saw the loop leave a stint (between stints, the untracked margin counts from there). */
  let lastLeft = lastChange;
  /** Polls in a row that saw the loop between stints with the heartbeat unchanged. */
  let outside = 0;
  /** When this thread last looked, and last saw that a stint had run since its previous look. */
  let lastLook = lastChange;
  let lastStint = lastChange;
  /**
   * Since when the loop has been between stints and should have beaten (this thread's clock): the
   * heartbeat's last move or the stint's end seen, and while the flush timer is slow (parked) a
   * period before its next tick is due — when the tick would have been due at the usual period:
   * the margin for a block no stint shows (untracked) counts from there, as it does from a tick.
   */
  const quietFrom = (): number => {
    const from = Math.max(lastChange, lastLeft);
    return parked() ? Math.max(from, dueView![0] - origin - data.flushMs) : from;
  };
  /** One look at the heartbeat, every `poll` ms (every `idlePoll` while the loop is idle). */
  const check = (): void => {
    const seq = Atomics.load(heartbeat, SEQ);
    const t = performance.now();
    const inStint = Atomics.load(heartbeat, IN_STINT) !== 0;
    // A stint ran since the last look: one is open, or the heartbeat moved for a stint (a task's:
    // the flush's beats carry none) or more than once (a stint, then a flush).
    if (inStint || (seq !== lastSeq && (seq - lastSeq !== 1 || Atomics.load(heartbeat, TASK) !== 0))) {
      lastStint = t;
    }
    const idle = t - lastStint >= idleAfter;
    const previousLook = lastLook;
    lastLook = t;
    // A stint ended and nothing followed: over for the live reader too (seen twice, as a stint
    // whose continuations merge pauses for a moment between them).
    outside = seq === lastSeq && !inStint ? outside + 1 : 0;
    if (cpuReading !== null && schedstat.fd !== -1) {
      // The main thread's scheduler counters, read at every poll: the first reading in a stint
      // (slots 0–2) and the one before it (slots 3–5) bracket the stint's start (see stintCpu in
      // engine.ts).
      const first = inStint && Atomics.load(heartbeat, CPU_SEQ) !== seq;
      // Between stints, a reading counts only while the main thread sleeps (waits for events): a
      // wait for a CPU in progress is added to the counters only when it ends, and one that began
      // before the reading would be taken for part of the next stint.
      // While the loop is idle, none: the stint that ends it follows a gap long enough for the main
      // thread to read its own counters at its start (cpuBaseline in engine.ts), which no reading
      // of this thread's improves on.
      const counters =
        first || (!inStint && !idle && mainThreadWantsCpu() === false) ? schedstat.read() : null;
      if (counters !== null) {
        const at = traceTime(t);
        if (first) {
          cpuReading[3] = lastReading[0];
          cpuReading[4] = lastReading[1];
          cpuReading[5] = lastReading[2];
          cpuReading[0] = at;
          cpuReading[1] = counters[0];
          cpuReading[2] = counters[1];
          Atomics.store(heartbeat, CPU_SEQ, seq);
        } else {
          lastReading[0] = at;
          lastReading[1] = counters[0];
          lastReading[2] = counters[1];
        }
      }
    }
    if (outside === 1) lastLeft = t;
    if (seq !== lastSeq || (outside === 2 && live !== null && live.inStint)) {
      // When it moved: the main thread's time of that beat, if after the last look (looks are
      // further apart while the loop is idle, and the margins count from the move itself).
      const at = seq !== lastSeq ? startTimes[0] - origin : t;
      lastSeq = seq;
      lastChange = Math.min(t, Math.max(previousLook, at));
      lastLeft = lastChange;
      if (live !== null && line !== null) {
        line.send(encodeLive(LiveType.Resumed, live.task, live.since, traceTime(t), live.seq));
        live = null;
        Atomics.store(heartbeat, LIVE_OPEN, 0);
      }
      return;
    }
    const blocked = inStint ? t - lastChange >= tracked : t - quietFrom() >= untracked;
    // Said at once when the block passes the threshold (that is when the reader shows it), then
    // again every liveEvery.
    const crossed = live !== null && !live.over && traceTime(t) - live.since >= data.blockMs;
    if (blocked && line !== null && (live === null || crossed || t - live.at >= liveEvery)) {
      if (live === null) {
        const since = inStint ? startTimes[0] : traceTime(quietFrom());
        const task = inStint ? Atomics.load(heartbeat, TASK) >>> 0 : 0;
        live = { seq, task, since, at: t, over: false, inStint };
        Atomics.store(heartbeat, LIVE_OPEN, 1);
      }
      const now = Math.max(live.since, traceTime(t));
      live.at = t;
      live.over = now - live.since >= data.blockMs;
      line.send(encodeLive(LiveType.Blocking, live.task, live.since, now, live.seq));
    }
    if (watching) return;
    if (blocked) {
      watching = true;
      watch(seq, inStint ? lastChange : quietFrom(), inStint)
        .catch((error: unknown) => {
          // The main thread is going away, or has no inspector: say so in the tracer's log.
          reports.postMessage({
            problem: `block sampler: ${error instanceof Error ? error.message : String(error)}`,
          });
        })
        .finally(() => {
          watching = false;
          // One report per block: wait for the heartbeat to move before watching again.
          lastChange = performance.now();
        });
    }
  };

  // Between looks this thread sleeps. A timer of its event loop per look cost 80–140 µs of CPU a
  // wake on a virtual machine (160 wakes a second at the default threshold); a synchronous
  // Atomics.wait costs a few. The event loop is needed only while a block is watched or the live
  // reader has one open (the inspector session, the socket, timers) and at exit: then looks go by
  // timers as before. Otherwise this thread waits synchronously, on the exit slot (the main thread
  // notifies it at exit, which ends the wait at once), and lets its event loop run once every
  // SLEEP_TURN_MS for whatever else it holds (the live line's socket events).
  const asleep = (): boolean => !watching && live === null && Atomics.load(heartbeat, EXITING) === 0;
  /**
   * Parked (the flush timer slowed down for an idle loop) with nothing for the event loop: then this
   * thread sleeps until the slow tick is late or the main thread wakes it, its event loop too. While
   * the live line connects or holds records (a block's, told before the reader took the line), the
   * event loop still turns every SLEEP_TURN_MS.
   */
  const deepSleep = (): boolean => parked() && (line === null || line.quiet());
  /**
   * How long to sleep before the next look. Every `poll` while stints run. While the loop is idle
   * (no stint seen for `idleAfter`), every `idlePoll`, and at the moment the heartbeat would have
   * stood still for the untracked margin: a stint that begins in between is seen within half the
   * threshold and its margin counts from its start (see check), so a block is found as soon as
   * before.
   */
  const nextLook = (): number => {
    const t = performance.now();
    if (t - lastStint < idleAfter) return poll;
    // The flush timer slowed down: nothing to look at until its next tick is late (a block no
    // stint shows) or the main thread wakes this thread (a stint begins, the exit) — unless the
    // main thread is on a CPU now, doing what no stint shows: then as an idle loop's.
    if (deepSleep() && mainThreadWantsCpu() !== true) return Math.max(1, quietFrom() + untracked - t);
    return Math.max(1, Math.min(idlePoll, quietFrom() + untracked - t));
  };
  const next = (): void => {
    if (asleep()) setImmediate(sleep);
    else setTimeout(wake, poll);
  };
  const wake = (): void => {
    check();
    next();
  };
  const sleep = (): void => {
    const until = performance.now() + SLEEP_TURN_MS;
    do {
      // (Parked, on the slot the main thread notifies when the loop wakes; exiting notifies both.)
      if (parked()) Atomics.wait(heartbeat, PARKED, 1, nextLook());
      else Atomics.wait(heartbeat, EXITING, 0, nextLook());
      check();
      // (While parked the event loop waits too: nothing it holds needs it while no block is watched.)
    } while (asleep() && (performance.now() < until || deepSleep()));
    next();
  };
  setTimeout(wake, poll);
}

if (workerData !== null && typeof workerData === 'object' && 'heartbeat' in workerData) {
  run(workerData as WatchdogData);
}
