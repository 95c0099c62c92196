/** Shared helpers for tests that run real processes with the real tracer. */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { LoadResult, loadTrace } from '../model/load';
import { ChunkWriter } from '../protocol/chunkWriter';
import { FORMAT_VERSION, TraceMeta } from '../protocol/format';
import { encodeHeader } from '../protocol/header';
import { Summary, summarize } from '../model/summary';
import { Timeline } from '../model/timeline';
import { REASON_NAMES } from '../protocol/format';

export const ROOT = path.resolve(__dirname, '..');
/** The build under test; LOOPLENS_TEST_DIST points the tests at another one (to show a test failing on it). */
const DIST = process.env.LOOPLENS_TEST_DIST ?? path.join(ROOT, 'dist');
export const TRACER = path.join(DIST, 'tracer.js');
export const CLI = path.join(DIST, 'cli.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
export const KITCHEN = path.join(ROOT, 'examples', 'kitchen', 'server.js');

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A fresh temporary folder, removed after the test run. */
export function tempDir(prefix = 'looplens-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a command to completion and collects its output. */
/**
 * Processes `run` started that have not ended. A test that timed out leaves its program running
 * (one that waits forever, say): each is killed after RUN_LIMIT_MS, and when the test process exits.
 */
const running = new Set<ChildProcess>();
const RUN_LIMIT_MS = 600_000;
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function run(
  command: string,
  args: string[],
  options: SpawnOptions & { input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
    running.add(child);
    const limit = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    limit.unref();
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => {
      running.delete(child);
      clearTimeout(limit);
      reject(error);
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      clearTimeout(limit);
      resolve({ stdout, stderr, code, signal });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    else child.stdin!.end();
  });
}

/** Environment for a process traced into `out` (file mode). */
export function tracedEnv(
  out: string,
  extra: Record<string, unknown> = {},
  base: NodeJS.ProcessEnv = process.env,
): NodeJS.ProcessEnv {
  return {
    ...base,
    NODE_OPTIONS: `--require ${TRACER}`,
    LOOPLENS_OPTIONS: JSON.stringify({ out, ...extra }),
  };
}

/** An environment without any Loop Lens settings (the untraced twin of a traced run). */
export function plainEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = { ...base };
  delete env.NODE_OPTIONS;
  delete env.LOOPLENS_OPTIONS;
  return env;
}

export function readTrace(file: string): LoadResult & { summary: Summary } {
  const result = loadTrace(fs.readFileSync(file), { partial: true });
  return { ...result, summary: summarize(result.timeline) };
}

/** `looplens record --quiet --out OUT -- command args...`, run to its end. */
export function recordQuietly(out: string, command: string, ...args: string[]): Promise<RunResult> {
  return run(process.execPath, [CLI, 'record', '--quiet', '--out', out, '--', command, ...args]);
}

/** GET a path; resolves with status and body. */
export function get(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `read()` returns something other than undefined (polling), or fails after `ms`. */
export async function waitFor<T>(read: () => T | undefined, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export interface RunningServer {
  port: number;
  child: ReturnType<typeof spawn>;
  output: () => { stdout: string; stderr: string };
  /** Stops the server with a signal and waits for it (and for `looplens record`) to finish. */
  stop(signal?: NodeJS.Signals): Promise<RunResult>;
}

/**
 * Starts a server process that prints `... http://HOST:PORT/` on stdout when it listens (the
 * kitchen does), with PORT=0.
 */
export async function startServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<RunningServer> {
  const child = spawn(command, args, { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<RunResult>((resolve) =>
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal })),
  );
  const listening = Promise.race([
    waitFor(
      () => {
        const match = /http:\/\/[\d.]+:(\d+)\//.exec(stdout);
        return match ? Number(match[1]) : undefined;
      },
      // (A traced start that loads sequelize and pg took 1.4 s of CPU, 12 s of wall time at load
      // 24: past 20 s at load 30.)
      60_000,
      `the server to listen (stderr: ${stderr})`,
    ),
    closed.then((r) => {
      throw new Error(`the server exited early (${r.code}): ${r.stderr}`);
    }),
  ]);
  let port: number;
  try {
    port = await listening;
  } catch (error) {
    // A server that never listened must not outlive its test: its pipes kept mocha from exiting
    // after a suite whose sequelize server (under `looplens record`) had not listened in 14 min.
    // SIGTERM first, which `looplens record` passes on to the program it runs.
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await Promise.race([closed, sleep(10_000)]);
    clearTimeout(killer);
    throw error;
  }
  return {
    port,
    child,
    output: () => ({ stdout, stderr }),
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      child.kill(signal);
      return closed;
    },
  };
}

export interface Recording {
  summary: Summary;
  timeline: Timeline;
  /** The trace file. */
  file: string;
}

/** Records the kitchen while `scenario` sends requests; returns the trace. */
export async function recordKitchen(
  dir: string,
  name: string,
  scenario: (port: number) => Promise<void>,
  env: NodeJS.ProcessEnv = {},
): Promise<Recording> {
  const out = path.join(dir, `${name}.looplens`);
  const server = await startServer(
    process.execPath,
    [CLI, 'record', '--quiet', '--out', out, '--', process.execPath, KITCHEN],
    {
      ...process.env,
      ...env,
    },
  );
  try {
    await scenario(server.port);
    await sleep(100);
  } finally {
    const result = await server.stop('SIGINT');
    assert.equal(result.code, 0, `looplens record exits with the kitchen's code (stderr: ${result.stderr})`);
  }
  const { timeline, summary } = readTrace(out);
  return { timeline, summary, file: out };
}

/** An empty timeline as a Node trace's header would start it (block threshold `blockMs`). */
export function emptyTimeline(blockMs = 50): Timeline {
  const t = new Timeline();
  t.setMeta({
    formatVersion: FORMAT_VERSION,
    runtime: 'node',
    pid: 1,
    startTime: 0,
    clockOriginEpochMs: 0,
    blockMs,
  });
  return t;
}

/**
 * A trace written by hand: the header of `meta` (by default node v20, pid 1, 50 ms blocks, the
 * clock from 0) and the chunk `w` holds.
 */
export function handWrittenTrace(w: ChunkWriter, meta: Partial<TraceMeta> = {}): Uint8Array {
  const header = encodeHeader({
    formatVersion: FORMAT_VERSION,
    runtime: 'node v20.0.0',
    pid: 1,
    startTime: 0,
    clockOriginEpochMs: 1_700_000_000_000,
    blockMs: 50,
    ...meta,
  });
  const chunk = w.bytes();
  const out = new Uint8Array(header.length + chunk.length);
  out.set(header, 0);
  out.set(chunk, header.length);
  return out;
}

/**
 * Two requests' queries pipelined on one connection, `a` asked first: the ms each lane ran (`a`,
 * `b`, or another task's name) from the end of `b`'s first stint (its query written) to `until`
 * (when the client had a's reply whole) — the reading of a's reply; `from` is -1 when b never ran.
 * A stint's ms are its wall time less its thread's wait for a CPU: on a loaded machine a stint of
 * b's own (a second stretch of its request's start) waits tens of ms for a CPU it then uses for one.
 */
export function lanesWhileReplying(
  timeline: Timeline,
  a: number,
  b: number,
  until: number,
): { from: number; ran: Record<string, number> } {
  const s = timeline.stints;
  let from = -1;
  const ran: Record<string, number> = {};
  for (let i = 0; i < s.length; i++) {
    if (s.task[i] === b && from < 0) from = timeline.stintEnd(i);
    else if (from >= 0 && s.start[i] > from && timeline.stintEnd(i) < until) {
      const name = s.task[i] === a ? 'a' : s.task[i] === b ? 'b' : timeline.tasks[s.task[i]].name;
      const ms = timeline.stintEnd(i) - s.start[i] - timeline.cpuWaitMs(i);
      ran[name] = (ran[name] ?? 0) + Math.max(0, ms);
    }
  }
  return { from, ran };
}

/**
 * Of `blocks`, the one that held the loop longest: by `held`, else its wall time less its thread's
 * wait for a CPU. Where a test means one intended block (a handler's synchronous step), a loaded
 * machine may stretch another stint of the same task past the threshold (a request's first stretch,
 * most of it waiting for a CPU) or split the step where the thread was held off: the first block,
 * or the only one, is then not the step's.
 */
export function heldLongest<B extends { durationMs: number; cpuWaitMs: number }>(
  blocks: readonly B[],
  held: (block: B) => number = (b) => b.durationMs - b.cpuWaitMs,
): B | undefined {
  let best: B | undefined;
  let most = -Infinity;
  for (const b of blocks) {
    const ms = held(b);
    if (best === undefined || ms > most) {
      best = b;
      most = ms;
    }
  }
  return best;
}

/**
 * Untracked code as a share of the loop's busy time the trace saw while the server served: from
 * the first request's arrival to the last one's response (start-up and shutdown are not serving).
 */
export function untrackedShare(timeline: Timeline): number {
  return untrackedWhileServing(timeline).share;
}

/** The share as `untrackedShare`, and the longest untracked stints (when, how long, why they ran). */
function untrackedWhileServing(timeline: Timeline): { share: number; longest: string[] } {
  const requests = timeline.tasks.filter((t) => t.kind === 'request' && t.endedAt !== null);
  const from = Math.min(...requests.map((t) => t.createdAt));
  const to = Math.max(...requests.map((t) => t.endedAt!));
  const s = timeline.stints;
  let busy = 0;
  let untracked = 0;
  const found: { at: number; ms: number; reason: number }[] = [];
  for (let i = timeline.firstStintAfter(from); i < s.length && s.start[i] < to; i++) {
    const ms = Math.min(to, timeline.stintEnd(i)) - Math.max(from, s.start[i]);
    busy += ms;
    if (s.task[i] !== 0) continue;
    untracked += ms;
    found.push({ at: s.start[i], ms, reason: s.reason[i] });
  }
  const longest = found
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 5)
    .map((u) => `${u.ms.toFixed(2)} ms at ${u.at.toFixed(1)} (${REASON_NAMES[u.reason] ?? u.reason})`);
  return { share: untracked / Math.max(1e-9, busy), longest };
}

/** Untracked code under `max` of the busy time while serving; if not, the longest such stints say what it was. */
export function assertUntrackedUnder(timeline: Timeline, max: number): void {
  const { share, longest } = untrackedWhileServing(timeline);
  assert.ok(
    share < max,
    `untracked ${(share * 100).toFixed(1)}% of busy time; longest untracked: ${longest.join(', ')}`,
  );
}
