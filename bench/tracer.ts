/**
 * `npm run bench:tracer`: what the tracer costs real servers, measured as ratios against the same
 * server untraced in the same run (the machines are shared and noisy; absolute numbers mean little).
 *
 * Each case is a server on CPU 0, loaded by autocannon in another process on CPU 1 (where the
 * databases run too), untraced and traced (streaming live to a reader, as the extension does)
 * alternating, several rounds, medians reported: fastify hello world and a route with two awaits,
 * express 5 + pg on a real PostgreSQL, koa + ioredis on a real redis (both started here, and said
 * so when they cannot be). Also: p99 latency at a fixed half load, events per request, events per
 * second captured, dropped events and the tracer's memory; the time a program takes to reach its
 * first line; and a burst of continuations for raw capture speed. Writes JSON to bench/results/.
 * Each run reads how long the server's main thread waited, ready, for its CPU (Linux's schedstat):
 * past a tenth of the run, the table marks the case's req/s not comparable (see HELD_OFF_LIMIT).
 * CPU per request is the whole process's, and apart its main thread's (schedstat's run time): the
 * rest is other threads' (the tracer's own, with its live stream and block sampler; the collector's
 * helpers), which on the server's one core take time from its requests just the same.
 *
 * Options: --rounds N (default 3), --duration S (seconds per load run, default 5),
 * --cases fastify/,fastify/async,express-pg,koa-redis,fastapi/,fastapi/async,fastapi-uvloop/,
 * fastapi-uvloop/async (default all; FastAPI under uvicorn, traced by the Python tracer, on asyncio's
 * loop and on uvloop's), --mode fast|full (default fast),
 * --tracer path/to/tracer.js (another build to measure; default dist/tracer.js),
 * --floor (also measure what the mechanism itself costs on this Node, in the same rounds: V8's promise
 * hooks doing nothing, and hooks that only tag each promise with its task and read the clock around
 * each continuation — the least any per-task tracer built on them does —, and the same carrying the task
 * to each `process.nextTick` callback in a closure; bench/floor/),
 * --against path/to/tracer.js (also measure another build, an earlier commit's say, in the same
 * rounds and with the same options: "the cost must not rise" compared on one noisy machine at once),
 * --against-python path/to/dist/python (the same for the Python cases: another build's folder of the
 * Python tracer, put on PYTHONPATH in place of dist/python),
 * --malloc-as-is (the Python servers' C allocator left to its own thresholds; see PYTHON_MALLOC)
 * --locations sampled|off|both (the tracer's await-locations mode, for this build and --against's;
 * default sampled, the tracer's own default; both: sampled, and `off` in the same rounds, each build
 * a row `…, locations off` of its own)
 */
import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkWriter } from '../protocol/chunkWriter';
import { EventVisitor } from '../protocol/reader';
import { TraceConnection, TraceServer } from '../host/traceServer';
import {
  Postgres,
  Service,
  missingPostgres,
  missingRedis,
  startPostgres,
  startRedis,
} from '../test/services/databases';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

const root = path.resolve(__dirname, '..');
const autocannonBin = path.join(root, 'node_modules', 'autocannon', 'autocannon.js');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(arg('--rounds', '3'));
const DURATION = Number(arg('--duration', '5'));
const MODE = arg('--mode', 'fast') as 'fast' | 'full';
/** Another build of the tracer to measure (an earlier commit's, say): --tracer path/to/tracer.js */
const tracer = path.resolve(arg('--tracer', path.join(root, 'dist', 'tracer.js')));
const CONNECTIONS = 50;
/** --locations: the await-locations mode of the traced runs (`both`: sampled, and off beside it). */
const LOCATIONS = arg('--locations', 'sampled');
if (!['sampled', 'off', 'both'].includes(LOCATIONS)) {
  process.stderr.write(`bench:tracer: --locations ${LOCATIONS}: give sampled, off or both\n`);
  process.exit(2);
}
const TRACED_LOCATIONS: 'sampled' | 'off' = LOCATIONS === 'off' ? 'off' : 'sampled';
/**
 * Other preloads measured in the same rounds, by the name the table prints: the stand-ins for the
 * floor of the mechanism (--floor), and another build of the tracer (--against), which gets the
 * tracer's options (with `locations` its own when given: --locations both).
 */
const FLOORS: Record<
  string,
  { file: string; tracer: boolean; python?: boolean; locations?: 'sampled' | 'off' }
> = {};
if (process.argv.includes('--floor')) {
  FLOORS['floor, empty promise hooks'] = {
    file: path.join(__dirname, 'floor', 'promiseHooks.js'),
    tracer: false,
  };
  FLOORS['floor, tag + clock only'] = {
    file: path.join(__dirname, 'floor', 'tagAndClock.js'),
    tracer: false,
  };
  FLOORS['floor, tag + clock + ticks'] = {
    file: path.join(__dirname, 'floor', 'tagClockTicks.js'),
    tracer: false,
  };
}
const against = arg('--against', '');
if (against !== '') {
  if (!fs.existsSync(against)) {
    process.stderr.write(`bench:tracer: --against ${against}: no such file (give a built tracer.js)\n`);
    process.exit(2);
  }
  FLOORS[`tracer ${path.resolve(against)}`] = { file: path.resolve(against), tracer: true };
}
const againstPython = arg('--against-python', '');
if (againstPython !== '') {
  if (!fs.existsSync(path.join(againstPython, 'looplens_tracer.py'))) {
    process.stderr.write(
      `bench:tracer: --against-python ${againstPython}: no looplens_tracer.py there (give a build's dist/python)\n`,
    );
    process.exit(2);
  }
  FLOORS[`tracer ${path.resolve(againstPython)}`] = {
    file: path.resolve(againstPython),
    tracer: true,
    python: true,
  };
}

/** The other preloads measured with case `c`: the Python ones for a Python server, else the Node ones. */
const floorsOf = (c: { python?: boolean }): string[] =>
  Object.keys(FLOORS).filter((f) => (FLOORS[f].python === true) === (c.python === true));
if (LOCATIONS === 'both') {
  FLOORS['this build, locations off'] = { file: tracer, tracer: true, locations: 'off' };
  if (against !== '')
    FLOORS[`tracer ${path.resolve(against)}, locations off`] = {
      file: path.resolve(against),
      tracer: true,
      locations: 'off',
    };
}

/** A server to measure: its script, the route the load asks for, what it needs to run. */
interface Case {
  name: string;
  script: string;
  route: string;
  /** Why it cannot run here, or null. */
  missing(): string | null;
  /** A Python server (traced by dist/python through PYTHONPATH), else a Node one. */
  python?: boolean;
  env(): Promise<NodeJS.ProcessEnv>;
}

let pg: Postgres | null = null;
let redis: Service | null = null;
const servers = path.join(root, 'test', 'fixtures', 'servers');
const CASES: Case[] = [
  {
    name: 'fastify /',
    script: path.join(__dirname, 'fastifyServer.mjs'),
    route: '/',
    missing: () => null,
    env: async () => ({}),
  },
  {
    name: 'fastify /async',
    script: path.join(__dirname, 'fastifyServer.mjs'),
    route: '/async',
    missing: () => null,
    env: async () => ({}),
  },
  {
    name: 'express+pg /items/:id',
    script: path.join(servers, 'expressPg.js'),
    route: '/items/7',
    missing: missingPostgres,
    env: async () => {
      pg ??= await startPostgres(1);
      return { PG_URL: pg.url };
    },
  },
  {
    name: 'koa+redis /cache/:key',
    script: path.join(servers, 'koaRedis.js'),
    route: '/cache/a',
    missing: missingRedis,
    env: async () => {
      redis ??= await startRedis(1);
      return { REDIS_PORT: String(redis.port) };
    },
  },
];
/** A Python with FastAPI and uvicorn (Debian's python3-fastapi and python3-uvicorn), if there is one. */
const PYTHON = ['/usr/bin/python3', 'python3'].find((p) => {
  try {
    execFileSync(p, ['-c', 'import fastapi, uvicorn'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
});
const missingFastapi = (): string | null =>
  PYTHON === undefined
    ? 'needs python3 with FastAPI and uvicorn (apt install python3-fastapi python3-uvicorn)'
    : null;
CASES.push(
  {
    name: 'fastapi /',
    script: path.join(__dirname, 'fastapiServer.py'),
    route: '/',
    missing: missingFastapi,
    python: true,
    env: async () => ({}),
  },
  {
    name: 'fastapi /async',
    script: path.join(__dirname, 'fastapiServer.py'),
    route: '/async',
    missing: missingFastapi,
    python: true,
    env: async () => ({}),
  },
);
/** The same on uvloop (Debian's python3-uvloop), reported apart: uvicorn's default where installed. */
const missingUvloop = (): string | null => {
  const fastapi = missingFastapi();
  if (fastapi !== null) return fastapi;
  try {
    execFileSync(PYTHON!, ['-c', 'import uvloop'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'needs uvloop for that python3 (apt install python3-uvloop)';
  }
};
for (const route of ['/', '/async'])
  CASES.push({
    name: `fastapi+uvloop ${route}`,
    script: path.join(__dirname, 'fastapiServer.py'),
    route,
    missing: missingUvloop,
    python: true,
    env: async () => ({ BENCH_LOOP: 'uvloop' }),
  });
const CASE_KEYS: Record<string, string> = {
  'fastapi/': 'fastapi /',
  'fastapi/async': 'fastapi /async',
  'fastapi-uvloop/': 'fastapi+uvloop /',
  'fastapi-uvloop/async': 'fastapi+uvloop /async',
  'fastify/': 'fastify /',
  'fastify/async': 'fastify /async',
  'express-pg': 'express+pg /items/:id',
  'koa-redis': 'koa+redis /cache/:key',
};
const SELECTED = arg('--cases', Object.keys(CASE_KEYS).join(','))
  .split(',')
  .map((k) => CASE_KEYS[k.trim()])
  .filter((name): name is string => name !== undefined);
/**
 * The latency client is JavaScript on one core: past about 20,000 requests per second its own
 * queueing dominates what it measures, so "half load" is capped there.
 */
const MAX_LATENCY_RATE = 20_000;
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true']);
    return true;
  } catch {
    return false;
  }
})();

interface Counts {
  events: number;
  runs: number;
  dropped: number;
  tasks: number;
}

function countingVisitor(counts: Counts): EventVisitor {
  return {
    run: () => {
      counts.events++;
      counts.runs++;
    },
    idle: () => counts.events++,
    task: () => {
      counts.events++;
      counts.tasks++;
    },
    taskEnd: () => counts.events++,
    ready: () => counts.events++,
    taskInfo: () => counts.events++,
    lag: () => counts.events++,
    dropped: (_t, n) => {
      counts.events++;
      counts.dropped += n;
    },
    end: () => counts.events++,
    blockSample: () => counts.events++,
  };
}

function pinned(cpu: number, command: string, args: string[]): [string, string[]] {
  return hasTaskset ? ['taskset', ['-c', String(cpu), command, ...args]] : [command, args];
}

/**
 * The Python servers' C allocator held to fixed thresholds, traced or not. asyncio reads a socket
 * with recv(256 KiB): glibc serves that from mmap, or from its heap once a large block freed has
 * raised its threshold, and which of the two a process does is settled by what it happened to free
 * early. A server left to mmap pays an mmap, an mremap, a munmap and two page faults a request (on
 * this VM, loaded, 75–150 µs of system time a request: up to half its req/s), and one started the
 * same way twice fell either way (2026-12-05: 3 of 6 untraced starts, 1 of 3 traced), so a round's
 * ratio said which way each server fell, not what the tracer costs. The page faults a request each
 * run had are printed beside it.
 */
const PYTHON_MALLOC: NodeJS.ProcessEnv = process.argv.includes('--malloc-as-is')
  ? {}
  : { MALLOC_MMAP_THRESHOLD_: String(1 << 20), MALLOC_TRIM_THRESHOLD_: String(8 << 20) };

/** The process's minor page faults so far (/proc/PID/stat). */
function pageFaults(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of /proc/pid/stat, in clock ticks (100 per second here).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * How long the process's main thread has run on a CPU and waited on the run queue for one (ready, held
 * off by other work), ns (Linux's schedstat; null elsewhere).
 */
function mainThreadSchedstat(pid: number): { runNs: number; waitNs: number } | null {
  try {
    const [run, wait] = fs.readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ').map(Number);
    return { runNs: run, waitNs: wait };
  } catch {
    return null;
  }
}

/**
 * The main thread's user and system (kernel) CPU time so far, ms (Linux's /proc/PID/task/PID/stat,
 * in clock ticks of 10 ms; null elsewhere). The system time holds a cost of the benchmark rather
 * than of the server: over loopback, the kernel code that delivers a response to the client, and
 * wakes the client if it sleeps, runs in the sender's system call. Waking a sleeping autocannon
 * cost the server some 14 µs a wake-up on this VM (perf: sock_def_readable), and a slower
 * traced server, its responses less bunched, woke autocannon 1.5–2.3 times as often a request
 * (docs/performance.md, "The count against the CPU"). A client on another machine costs the server
 * none of it; the half-load run's client (latencyClient.mjs) polls without sleeping, so it never
 * needs a wake-up.
 */
function mainThreadTimes(pid: number): { userMs: number; sysMs: number } | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { userMs: Number(fields[11]) * 10, sysMs: Number(fields[12]) * 10 };
  } catch {
    return null;
  }
}

/**
 * Above this share of a run's wall time spent held off its CPU, the server's req/s says how much of
 * its core the machine's other work left it, not what the tracer costs (see the table's note).
 */
const HELD_OFF_LIMIT = 0.1;

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** Starts a case's server; it says where it listens (`{"port":N}` or an http://…:N/ address). */
async function startServer(c: Case, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number }> {
  const [cmd, args] = pinned(0, c.python === true ? PYTHON! : process.execPath, [c.script]);
  const child = spawn(cmd, args, { env: { ...env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const port = /"port":\s*(\d+)/.exec(text)?.[1] ?? /http:\/\/[\d.]+:(\d+)\//.exec(text)?.[1];
      if (port !== undefined) resolve(Number(port));
    });
    child.once('exit', (code) => reject(new Error(`${c.name}: the server exited (${code})`)));
  });
  return { child, port };
}

interface LoadResult {
  rps: number;
  requests: number;
}

/** p99 latency in ms at a fixed request rate, from the open-loop client, and the requests it had answered. */
function latencyAt(
  port: number,
  route: string,
  seconds: number,
  rate: number,
): Promise<{ p99Ms: number; done: number }> {
  const [cmd, cmdArgs] = pinned(1, process.execPath, [
    path.join(__dirname, 'latencyClient.mjs'),
    String(port),
    route,
    String(Math.round(rate)),
    String(seconds),
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out);
        resolve({ p99Ms: r.p99Us / 1000, done: r.done });
      } catch (error) {
        reject(error);
      }
    });
  });
}

function load(port: number, route: string, seconds: number): Promise<LoadResult> {
  const args = [autocannonBin, '-j', '-c', String(CONNECTIONS), '-d', String(seconds)];
  args.push(`http://127.0.0.1:${port}${route}`);
  const [cmd, cmdArgs] = pinned(1, process.execPath, args);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, cmdArgs, { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        const r = JSON.parse(out);
        resolve({ rps: r.requests.average, requests: r.requests.total });
      } catch (error) {
        reject(error);
      }
    });
  });
}

interface RunResult {
  traced: boolean;
  /** The floor preload that ran instead of the tracer (see FLOORS), or null. */
  floor: string | null;
  rps: number;
  cpuPerRequestUs: number;
  /**
   * Of that, the main thread's (Linux's schedstat, ns; null elsewhere): the rest is the tracer's
   * thread (its live stream, its block sampler) and Node's own threads (the collector's helpers).
   */
  mainCpuPerRequestUs: number | null;
  /**
   * Of the measured run's wall time, the share the server's main thread waited, ready, for a CPU
   * that other work held (null: not known).
   */
  heldOffShare: number | null;
  /**
   * Of the main thread's CPU time in the load run, the system's (kernel's) share (null: not known);
   * see mainThreadTimes for what it holds that a remote client would not cost.
   */
  mainSysShare: number | null;
  /**
   * The main thread's CPU a request at the fixed half load (the p99 run: the same rate traced and
   * untraced, a client that never sleeps), µs, and of it the system's; null: not known.
   */
  halfLoadMainCpuPerRequestUs: number | null;
  halfLoadMainSysPerRequestUs: number | null;
  p99HalfLoadMs: number;
  eventsPerRequest: number;
  eventsPerSecond: number;
  dropped: number;
  rssMiB: number;
  /** Minor page faults a request, the whole process's. */
  faultsPerRequest: number;
}

async function runOnce(
  server: TraceServer,
  c: Case,
  traced: boolean,
  halfRate: number | null,
  counts: Map<number, Counts>,
  floor: string | null = null,
): Promise<RunResult> {
  const route = c.route;
  const env = { ...process.env, ...(await c.env()) };
  if (c.python === true) {
    // The Python tracer: its sitecustomize shim first on PYTHONPATH, streaming live like the Node one.
    delete env.NODE_OPTIONS;
    Object.assign(env, PYTHON_MALLOC);
    if (traced || floor !== null) {
      env.PYTHONPATH = floor !== null ? FLOORS[floor].file : path.join(root, 'dist', 'python');
      env.LOOPLENS_OPTIONS = JSON.stringify(server.tracerOptions({ blockMs: 50 }));
    } else {
      delete env.LOOPLENS_OPTIONS;
    }
  } else if (floor !== null) {
    env.NODE_OPTIONS = `--require ${FLOORS[floor].file}`;
    if (FLOORS[floor].tracer)
      env.LOOPLENS_OPTIONS = JSON.stringify(
        server.tracerOptions({
          blockMs: 50,
          mode: MODE,
          locations: FLOORS[floor].locations ?? TRACED_LOCATIONS,
        }),
      );
    else delete env.LOOPLENS_OPTIONS;
  } else if (traced) {
    env.NODE_OPTIONS = `--require ${tracer}`;
    env.LOOPLENS_OPTIONS = JSON.stringify(
      server.tracerOptions({ blockMs: 50, mode: MODE, locations: TRACED_LOCATIONS }),
    );
  } else {
    delete env.NODE_OPTIONS;
    delete env.LOOPLENS_OPTIONS;
  }
  const { child, port } = await startServer(c, env);
  const pid = child.pid!;
  try {
    await load(port, route, 2);
    const c = counts.get(pid) ?? { events: 0, runs: 0, dropped: 0, tasks: 0 };
    const events0 = c.events;
    const cpu0 = cpuMs(pid);
    const faults0 = pageFaults(pid);
    const sched0 = mainThreadSchedstat(pid);
    const times0 = mainThreadTimes(pid);
    const started = performance.now();
    const main = await load(port, route, DURATION);
    const seconds = (performance.now() - started) / 1000;
    const cpu1 = cpuMs(pid);
    const faults1 = pageFaults(pid);
    const sched1 = mainThreadSchedstat(pid);
    const times1 = mainThreadTimes(pid);
    const events = (counts.get(pid)?.events ?? 0) - events0;
    const half = await latencyAt(port, route, DURATION, Math.min(MAX_LATENCY_RATE, halfRate ?? main.rps / 2));
    const sched2 = mainThreadSchedstat(pid);
    const times2 = mainThreadTimes(pid);
    return {
      traced,
      floor,
      rps: main.rps,
      cpuPerRequestUs: ((cpu1 - cpu0) * 1000) / main.requests,
      mainCpuPerRequestUs:
        sched0 !== null && sched1 !== null ? (sched1.runNs - sched0.runNs) / 1000 / main.requests : null,
      heldOffShare:
        sched0 !== null && sched1 !== null ? (sched1.waitNs - sched0.waitNs) / (seconds * 1e9) : null,
      mainSysShare:
        times0 !== null && times1 !== null && times1.userMs + times1.sysMs > times0.userMs + times0.sysMs
          ? (times1.sysMs - times0.sysMs) / (times1.userMs + times1.sysMs - times0.userMs - times0.sysMs)
          : null,
      halfLoadMainCpuPerRequestUs:
        sched1 !== null && sched2 !== null && half.done > 0
          ? (sched2.runNs - sched1.runNs) / 1000 / half.done
          : null,
      halfLoadMainSysPerRequestUs:
        times1 !== null && times2 !== null && half.done > 0
          ? ((times2.sysMs - times1.sysMs) * 1000) / half.done
          : null,
      p99HalfLoadMs: half.p99Ms,
      eventsPerRequest: events / main.requests,
      eventsPerSecond: events / seconds,
      dropped: counts.get(pid)?.dropped ?? 0,
      rssMiB: rssMiB(pid),
      faultsPerRequest: (faults1 - faults0) / main.requests,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** A share as a whole per cent ("31%"), or "?" when not known. */
const pct = (share: number): string => (Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '?');

/** ", main thread N µs" when known. */
const mainOf = (r: RunResult): string =>
  r.mainCpuPerRequestUs === null ? '' : ` (main thread ${r.mainCpuPerRequestUs.toFixed(1)})`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * How long a program takes to reach its first line, untraced and traced (the preload's own
 * start-up): medians of alternating runs of a script that prints the time it started at, read from
 * the system's monotonic clock by both processes (`process.hrtime.bigint()`). Not by the script's
 * `performance` (until 2026-12-06): its first read loads node:perf_hooks, which the untraced run
 * then paid before its reading and a tracer that had loaded it already did not.
 *
 * Wall time is what a user waits, and on a shared machine it moves with everything else: the same
 * tracer read +15.7 ms one morning and +33.5 ms that afternoon (2026-12-06, b1643f3 and e9f35b0),
 * where the main thread's instructions to the first line (`bench:startup`, callgrind) differ by
 * 0.4–0.6 M of some 35 M (2026-12-07). So besides the two medians the bench prints the median of
 * the paired differences (each pair run back to back), their 25th–75th percentiles and the
 * difference of the minima: a wide spread says the figure is the machine's, not the tracer's. The
 * tracer's own cost is `bench:startup`'s count.
 */
/** Untraced and traced starts, alternating, for the start-up figure. */
const STARTUP_PAIRS = 24;

function startup(server: TraceServer): Record<string, number> {
  const script = 'process.stdout.write(String(process.hrtime.bigint()))';
  const times = { untraced: [] as number[], traced: [] as number[] };
  for (let i = 0; i < STARTUP_PAIRS; i++) {
    for (const traced of i % 2 === 0 ? [false, true] : [true, false]) {
      const env = { ...process.env };
      if (traced) {
        env.NODE_OPTIONS = `--require ${tracer}`;
        env.LOOPLENS_OPTIONS = JSON.stringify(server.tracerOptions({ mode: MODE }));
      } else {
        delete env.NODE_OPTIONS;
        delete env.LOOPLENS_OPTIONS;
      }
      const before = process.hrtime.bigint();
      const firstLine = BigInt(execFileSync(process.execPath, ['-e', script], { env }).toString());
      (traced ? times.traced : times.untraced).push(Number(firstLine - before) / 1e6);
    }
  }
  const untraced = median(times.untraced);
  const traced = median(times.traced);
  const paired = times.traced.map((t, i) => t - times.untraced[i]).sort((a, b) => a - b);
  const at = (q: number): number => paired[Math.round(q * (paired.length - 1))];
  return {
    untracedMs: untraced,
    tracedMs: traced,
    addedMs: traced - untraced,
    pairedAddedMs: median(paired),
    pairedAdded25Ms: at(0.25),
    pairedAdded75Ms: at(0.75),
    minAddedMs: Math.min(...times.traced) - Math.min(...times.untraced),
  };
}

/** Raw encoding speed: RUN records into a chunk, in-process, no I/O. */
function encodeSpeed(): number {
  const w = new ChunkWriter(4096);
  const n = 20_000_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    if (w.free < 1) w.reset();
    w.run(i, i & 1023, 3);
  }
  return n / ((performance.now() - t0) / 1000);
}

/** A burst of continuations in a traced process: events captured and streamed per second. */
async function burst(server: TraceServer, counts: Map<number, Counts>): Promise<Record<string, number>> {
  const rounds = 300_000;
  const env = {
    ...process.env,
    NODE_OPTIONS: `--require ${tracer}`,
    LOOPLENS_OPTIONS: JSON.stringify(server.tracerOptions({})),
  };
  const untraced = JSON.parse(
    execFileSync(process.execPath, [path.join(__dirname, 'burst.mjs'), String(rounds)], {
      env: { ...process.env, NODE_OPTIONS: '' },
    }).toString(),
  );
  const child = spawn(process.execPath, [path.join(__dirname, 'burst.mjs'), String(rounds)], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  const traced = JSON.parse(out);
  const c = counts.get(child.pid!) ?? { events: 0, runs: 0, dropped: 0, tasks: 0 };
  return {
    continuations: rounds * 2,
    untracedMs: untraced.ms,
    tracedMs: traced.ms,
    slowdown: traced.ms / untraced.ms,
    eventsRecorded: c.events,
    eventsPerSecond: c.events / (traced.ms / 1000),
    dropped: c.dropped,
  };
}

/**
 * This process reads the traced servers' live streams: on CPU 1 with the load, as the report says,
 * not wherever the scheduler puts it. Left to float, the reader woke on the server's CPU for a share
 * of the stream's chunks (20 a second each) and took its time from the traced server only.
 */
function pinReader(): void {
  if (hasTaskset) execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  if (!fs.existsSync(tracer)) throw new Error('run "npm run build" first');
  pinReader();
  const counts = new Map<number, Counts>();
  const server = await TraceServer.start({
    accept: () => true,
    visitor: (connection: TraceConnection) => {
      const c: Counts = { events: 0, runs: 0, dropped: 0, tasks: 0 };
      connection.once('accepted', () => counts.set(connection.pid, c));
      return countingVisitor(c);
    },
  });
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    mode: MODE,
    locations: LOCATIONS,
    cpus: hasTaskset ? 'server on CPU 0; load, reader and databases on CPU 1' : 'not pinned (no taskset)',
    rounds: ROUNDS,
    durationSeconds: DURATION,
    connections: CONNECTIONS,
  };
  const table: string[] = [];
  for (const c of CASES.filter((k) => SELECTED.includes(k.name))) {
    const missing = c.missing();
    if (missing !== null) {
      table.push(`${c.name.padEnd(28)} not measured: ${missing}`);
      report[c.name] = { skipped: missing };
      continue;
    }
    const runs: RunResult[] = [];
    const floorRuns: RunResult[] = [];
    let halfRate: number | null = null;
    // Every arm takes every place in the rounds' order in turn (round r starts r arms further on;
    // round 1 with the untraced server, whose rate sets the half load): an arm always run last —
    // the other build, the floors — read 12-16% slower on fastify twice while counting the same
    // instructions a request (2026-12-06).
    const arms: (string | boolean)[] = [false, true, ...floorsOf(c)];
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < arms.length; k++) {
        const arm = arms[(round + k) % arms.length];
        if (typeof arm === 'string') {
          // A floor stand-in or the other build (a Node preload, or a Python tracer's folder).
          const r = await runOnce(server, c, false, halfRate, counts, arm);
          floorRuns.push(r);
          process.stderr.write(
            `${c.name} ${arm} round ${round + 1}: ${r.rps.toFixed(0)} req/s, ${r.cpuPerRequestUs.toFixed(1)} µs CPU/req${mainOf(r)}, ${r.eventsPerRequest.toFixed(1)} events/req, ${r.faultsPerRequest.toFixed(2)} page faults/req\n`,
          );
          continue;
        }
        const traced = arm;
        const r = await runOnce(server, c, traced, halfRate, counts);
        if (!traced && halfRate === null) halfRate = r.rps / 2;
        runs.push(r);
        process.stderr.write(
          `${c.name} ${traced ? 'traced  ' : 'untraced'} round ${round + 1}: ${r.rps.toFixed(0)} req/s, ` +
            `${r.cpuPerRequestUs.toFixed(1)} µs CPU/req${mainOf(r)}, system ${pct(r.mainSysShare ?? NaN)} of the main thread's, ` +
            `at half load ${r.halfLoadMainCpuPerRequestUs?.toFixed(1) ?? '?'} µs (system ${r.halfLoadMainSysPerRequestUs?.toFixed(1) ?? '?'}), p99@half ${r.p99HalfLoadMs} ms, ${r.eventsPerRequest.toFixed(1)} events/req, ${r.faultsPerRequest.toFixed(2)} page faults/req` +
            `${r.heldOffShare === null ? '' : `, held off its CPU ${(r.heldOffShare * 100).toFixed(0)}% of the time`}\n`,
        );
      }
    }
    const pick = (traced: boolean, f: (r: RunResult) => number): number =>
      median(runs.filter((r) => r.traced === traced).map(f));
    const summary = {
      untraced: {
        rps: pick(false, (r) => r.rps),
        cpuPerRequestUs: pick(false, (r) => r.cpuPerRequestUs),
        mainCpuPerRequestUs: pick(false, (r) => r.mainCpuPerRequestUs ?? NaN),
        mainSysShare: pick(false, (r) => r.mainSysShare ?? NaN),
        halfLoadMainCpuPerRequestUs: pick(false, (r) => r.halfLoadMainCpuPerRequestUs ?? NaN),
        halfLoadMainSysPerRequestUs: pick(false, (r) => r.halfLoadMainSysPerRequestUs ?? NaN),
        p99HalfLoadMs: pick(false, (r) => r.p99HalfLoadMs),
        rssMiB: pick(false, (r) => r.rssMiB),
      },
      traced: {
        rps: pick(true, (r) => r.rps),
        cpuPerRequestUs: pick(true, (r) => r.cpuPerRequestUs),
        mainCpuPerRequestUs: pick(true, (r) => r.mainCpuPerRequestUs ?? NaN),
        mainSysShare: pick(true, (r) => r.mainSysShare ?? NaN),
        halfLoadMainCpuPerRequestUs: pick(true, (r) => r.halfLoadMainCpuPerRequestUs ?? NaN),
        halfLoadMainSysPerRequestUs: pick(true, (r) => r.halfLoadMainSysPerRequestUs ?? NaN),
        p99HalfLoadMs: pick(true, (r) => r.p99HalfLoadMs),
        rssMiB: pick(true, (r) => r.rssMiB),
      },
      eventsPerRequest: pick(true, (r) => r.eventsPerRequest),
      eventsPerSecond: pick(true, (r) => r.eventsPerSecond),
      dropped: Math.max(...runs.filter((r) => r.traced).map((r) => r.dropped)),
      ratios: {} as Record<string, number>,
      runs,
    };
    summary.ratios = {
      rps: summary.traced.rps / summary.untraced.rps,
      cpuPerRequest: summary.traced.cpuPerRequestUs / summary.untraced.cpuPerRequestUs,
      mainCpuPerRequest: summary.traced.mainCpuPerRequestUs / summary.untraced.mainCpuPerRequestUs,
      halfLoadMainCpuPerRequest:
        summary.traced.halfLoadMainCpuPerRequestUs / summary.untraced.halfLoadMainCpuPerRequestUs,
      p99HalfLoad: summary.traced.p99HalfLoadMs / summary.untraced.p99HalfLoadMs,
      tracerMemoryMiB: summary.traced.rssMiB - summary.untraced.rssMiB,
    };
    const spread = (f: (r: RunResult) => number): string => {
      const traced = runs.filter((r) => r.traced);
      const plain = runs.filter((r) => !r.traced);
      const ratios = traced.map((t, i) => f(t) / f(plain[i]));
      return `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
    };
    const floors: Record<
      string,
      {
        rps: number;
        cpuPerRequest: number;
        mainCpuPerRequest: number;
        eventsPerRequest: number;
        /** Its req/s over this build's traced req/s, round by round (median, lowest, highest). */
        rpsOverTraced: [number, number, number];
      }
    > = {};
    for (const floor of floorsOf(c)) {
      const mine = floorRuns.filter((r) => r.floor === floor);
      floors[floor] = {
        rps: median(mine.map((r) => r.rps)) / summary.untraced.rps,
        cpuPerRequest: median(mine.map((r) => r.cpuPerRequestUs)) / summary.untraced.cpuPerRequestUs,
        mainCpuPerRequest:
          median(mine.map((r) => r.mainCpuPerRequestUs ?? NaN)) / summary.untraced.mainCpuPerRequestUs,
        eventsPerRequest: median(mine.map((r) => r.eventsPerRequest)),
        rpsOverTraced: ((): [number, number, number] => {
          const traced = runs.filter((r) => r.traced);
          const ratios = mine.map((r, i) => r.rps / traced[i].rps);
          return [median(ratios), Math.min(...ratios), Math.max(...ratios)];
        })(),
      };
    }
    report[c.name] = { ...summary, floors, floorRuns };
    table.push(
      `${c.name.padEnd(28)} req/s ×${summary.ratios.rps.toFixed(3)} (${spread((r) => r.rps)})   CPU/req ×${summary.ratios.cpuPerRequest.toFixed(3)} (${spread((r) => r.cpuPerRequestUs)}; ` +
        `main thread ×${summary.ratios.mainCpuPerRequest.toFixed(3)}, system ${pct(summary.untraced.mainSysShare)}→${pct(summary.traced.mainSysShare)} of it)   ` +
        `main thread CPU/req at half load ×${summary.ratios.halfLoadMainCpuPerRequest.toFixed(3)} (${spread((r) => r.halfLoadMainCpuPerRequestUs ?? NaN)}; ` +
        `${summary.untraced.halfLoadMainCpuPerRequestUs.toFixed(1)}→${summary.traced.halfLoadMainCpuPerRequestUs.toFixed(1)} µs, system ${summary.untraced.halfLoadMainSysPerRequestUs.toFixed(1)}→${summary.traced.halfLoadMainSysPerRequestUs.toFixed(1)})   ` +
        `p99@half ×${summary.ratios.p99HalfLoad.toFixed(2)} (${summary.untraced.p99HalfLoadMs.toFixed(2)}→${summary.traced.p99HalfLoadMs.toFixed(2)} ms)   ` +
        `${summary.eventsPerRequest.toFixed(1)} events/req   ${(summary.eventsPerSecond / 1e6).toFixed(2)} M events/s   ` +
        `dropped ${summary.dropped}   memory +${summary.ratios.tracerMemoryMiB.toFixed(1)} MiB   ` +
        `page faults/req ${pick(false, (r) => r.faultsPerRequest).toFixed(2)}→${pick(true, (r) => r.faultsPerRequest).toFixed(2)}`,
    );
    // On a core the machine shares, a server gets what the other work leaves it, and that share
    // moves with how the server sleeps and wakes (the tracer adds a thread and timers): FastAPI
    // traced ran at 1.2-1.7x the untraced req/s at load 11-17 (2026-12-04; held off its CPU 54-61%
    // of the time, the traced server got 25-31% of its core, the untraced 17-24%). Its req/s is then
    // no measure of the tracer's cost, and the table says so rather than print a ratio as if it were.
    const held = [...runs, ...floorRuns].map((r) => r.heldOffShare).filter((h): h is number => h !== null);
    const heldMax = held.length > 0 ? Math.max(...held) : 0;
    (summary as Record<string, unknown>).heldOffMax = heldMax;
    if (heldMax > HELD_OFF_LIMIT)
      table.push(
        `${''.padEnd(4)}req/s NOT COMPARABLE: the server waited for its CPU, held by other work, up to ` +
          `${(heldMax * 100).toFixed(0)}% of a run's time (over ${HELD_OFF_LIMIT * 100}%): its req/s is its share of a busy ` +
          `core, not the tracer's cost; CPU/req moves with the machine too. Run on a quiet machine, or count with bench:instructions.`,
      );
    for (const [floor, f] of Object.entries(floors)) {
      table.push(
        `${''.padEnd(4)}${floor}: req/s ×${f.rps.toFixed(3)}   CPU/req ×${f.cpuPerRequest.toFixed(3)}` +
          ` (main thread ×${f.mainCpuPerRequest.toFixed(3)})` +
          (FLOORS[floor].tracer
            ? `   ${f.eventsPerRequest.toFixed(1)} events/req   its req/s ÷ this build's, round by round: ` +
              `×${f.rpsOverTraced[0].toFixed(3)} (${f.rpsOverTraced[1].toFixed(2)}–${f.rpsOverTraced[2].toFixed(2)})`
            : ''),
      );
    }
  }
  report.startup = startup(server);
  report.encodeEventsPerSecond = encodeSpeed();
  report.burst = await burst(server, counts);
  await server.close();
  await Promise.all([pg?.stop(), redis?.stop()]);
  const outDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `tracer-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(report, null, 2));
  process.stdout.write(
    `${JSON.stringify(report, (k, v) => (k === 'runs' || k === 'floorRuns' ? undefined : v), 2)}\n\n`,
  );
  process.stdout.write(
    `Loop Lens tracer (${MODE} mode, await locations ${TRACED_LOCATIONS}), traced ÷ untraced (medians of ${ROUNDS} alternating rounds; spread of the rounds in brackets):\n${table.join('\n')}\n` +
      `"system" is the kernel's part of the main thread's CPU. Over loopback it holds the delivery of each response to the load's client and the wake-up of that client when it sleeps (autocannon does; at half load the client polls and does not), which a client on another machine would not cost the server; a slower server wakes autocannon more often a request. The CPU a request at half load — one rate for both, a client that needs no wake-up — is the fairer ratio of the two (docs/performance.md, "The count against the CPU").\n`,
  );
  const b = report.burst as Record<string, number>;
  const st = report.startup as Record<string, number>;
  process.stdout.write(
    `start-up to the first line (wall time, medians of ${STARTUP_PAIRS} alternating pairs): ${st.untracedMs.toFixed(1)} ms untraced, ${st.tracedMs.toFixed(1)} ms traced (+${st.addedMs.toFixed(1)} ms); ` +
      `paired differences +${st.pairedAddedMs.toFixed(1)} ms (25th–75th percentile ${st.pairedAdded25Ms.toFixed(1)} to ${st.pairedAdded75Ms.toFixed(1)}), minima +${st.minAddedMs.toFixed(1)} ms — wall time moves with the machine's load; the tracer's own cost is bench:startup's instruction count\n`,
  );
  process.stdout.write(
    `encode: ${((report.encodeEventsPerSecond as number) / 1e6).toFixed(0)} M events/s in-process; ` +
      `burst: ${(b.eventsPerSecond / 1e6).toFixed(2)} M events/s streamed, ${b.dropped} dropped, continuation loop ×${b.slowdown.toFixed(2)}\n` +
      `results saved to ${path.relative(root, file)}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
