/**
 * The block sampler's thread (bundled apart as dist/tracerWatchdog.js). The traced program's main
 * thread bumps a shared heartbeat at every stint boundary; when the heartbeat stands still for half
 * the block threshold while a stint is open, the main thread is blocked right now. This thread then
 * starts V8's sampling profiler on the main thread through an inspector session — V8 handles that
 * request with an interrupt even while JavaScript is running — and stops it when the heartbeat moves
 * again. The samples say which lines of user code the block spent its time on; only their summary
 * goes back to the main thread.
 *
 * Nothing here runs on the main thread, and nothing at all happens while no stint is long.
 */
import * as inspector from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

export interface WatchdogData {
  heartbeat: SharedArrayBuffer;
  blockMs: number;
  flushMs: number;
  /** URLs of the tracer's own code, never reported as where a block spent its time. */
  ownUrls: string[];
}

/** What the watchdog reports for one block. */
export interface BlockReport {
  /** The heartbeat value while the block ran: identifies the stint. */
  seq: number;
  sampledMs: number;
  samples: number;
  frames: Array<{ name: string; url: string; line: number; column: number; samples: number }>;
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: Array<{ line: number; ticks: number }>;
}

const MAX_FRAMES = 8;
/** A block sampled longer than this is reported and not sampled further. */
const MAX_SAMPLE_MS = 10_000;

function isUserUrl(url: string): boolean {
  return url !== '' && !url.startsWith('node:') && !url.includes('/node_modules/') && !url.includes('\\node_modules\\');
}

function isCodeUrl(url: string): boolean {
  return url !== '' && !url.startsWith('node:');
}

/** The hottest lines of the profile, user code first. Exported for tests. */
export function hotLines(nodes: ProfileNode[], ownUrls: string[] = []): BlockReport['frames'] {
  const own = new Set(ownUrls);
  const parent = new Map<number, ProfileNode>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node);
  const byLine = new Map<string, BlockReport['frames'][number]>();
  const add = (frame: CallFrame, line: number, samples: number): void => {
    const key = `${frame.url}:${line}`;
    const entry = byLine.get(key);
    if (entry !== undefined) entry.samples += samples;
    else byLine.set(key, { name: frame.functionName, url: frame.url, line, column: 0, samples });
  };
  for (const node of nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || own.has(node.callFrame.url)) continue;
    let owner: ProfileNode | undefined = node;
    while (owner !== undefined && !isUserUrl(owner.callFrame.url)) owner = parent.get(owner.id);
    if (owner === undefined) {
      // No user code on this stack: library code if there is any, else the runtime (GC, idle).
      owner = node;
      while (owner !== undefined && !isCodeUrl(owner.callFrame.url)) owner = parent.get(owner.id);
      if (owner === undefined) continue;
    }
    const ticks = owner.positionTicks;
    if (owner === node && ticks !== undefined && ticks.length > 0) {
      for (const tick of ticks) add(owner.callFrame, tick.line, tick.ticks);
    } else if (ticks !== undefined && ticks.length > 0) {
      // Time in code called from this user frame: its own busiest line is the best guess for the call.
      const busiest = ticks.reduce((a, b) => (b.ticks > a.ticks ? b : a));
      add(owner.callFrame, busiest.line, hits);
    } else {
      add(owner.callFrame, owner.callFrame.lineNumber + 1, hits);
    }
  }
  return [...byLine.values()].sort((a, b) => b.samples - a.samples).slice(0, MAX_FRAMES);
}

function run(data: WatchdogData): void {
  const heartbeat = new Int32Array(data.heartbeat);
  const tracked = Math.max(1, data.blockMs / 2);
  // Between flushes the heartbeat is still even when idle; untracked blocks need a wider margin.
  const untracked = Math.max(tracked, data.flushMs * 3);
  const poll = Math.min(50, Math.max(2, data.blockMs / 8));
  const samplingUs = Math.round(Math.min(1000, Math.max(100, (data.blockMs * 1000) / 50)));

  const session = new inspector.Session();
  session.connectToMainThread();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) => {
      session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });

  let lastSeq = Atomics.load(heartbeat, 0);
  let lastChange = performance.now();
  let profiling = false;
  let stopping = false;
  let profiledSeq = 0;
  let startedAt = 0;

  const stop = async (): Promise<void> => {
    stopping = true;
    try {
      const { profile } = (await post('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples?: number[] } };
      const report: BlockReport = {
        seq: profiledSeq,
        sampledMs: performance.now() - startedAt,
        samples: profile.samples?.length ?? 0,
        frames: hotLines(profile.nodes, data.ownUrls),
      };
      parentPort?.postMessage(report);
    } catch {
      // the main thread is going away
    } finally {
      profiling = false;
      stopping = false;
    }
  };

  let ready = false;
  // Polls from the start: the inspector session alone does not keep this thread's loop alive.
  setInterval(() => {
    if (!ready || stopping) return;
    const seq = Atomics.load(heartbeat, 0);
    const t = performance.now();
    if (seq !== lastSeq) {
      lastSeq = seq;
      lastChange = t;
      if (profiling) void stop();
      return;
    }
    if (profiling) {
      if (t - startedAt > MAX_SAMPLE_MS) void stop();
      return;
    }
    const inStint = Atomics.load(heartbeat, 1) !== 0;
    if (t - lastChange >= (inStint ? tracked : untracked)) {
      profiling = true;
      profiledSeq = seq;
      startedAt = t;
      post('Profiler.start').catch(() => {
        profiling = false;
      });
    }
  }, poll);

  post('Profiler.enable')
    .then(() => post('Profiler.setSamplingInterval', { interval: samplingUs }))
    .then(() => {
      ready = true;
    })
    .catch(() => {
      // No inspector in this process: the watchdog stays idle.
    });
}

if (parentPort !== null && workerData !== null && typeof workerData === 'object' && 'heartbeat' in workerData) {
  run(workerData as WatchdogData);
}
