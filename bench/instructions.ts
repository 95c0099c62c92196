/**
 * `npm run bench:instructions`: what the tracer adds to a request, counted in instructions of the
 * server's main thread by valgrind's callgrind. Two runs of one build agree to about 0.2% (see
 * below) where wall-clock figures on these shared machines move by ±30% between rounds, so it shows
 * a change of a per cent that `bench:tracer` cannot.
 *
 * Each case's server runs under callgrind; autocannon sends it requests one at a time: a warm-up
 * (a Node server's in two runs, the second after a pause and on a new connection, as the measured
 * requests: see WARM_SECOND), then the counters are zeroed, then the measured requests, then a dump. The collector's share
 * (V8's or Python's garbage collection) is printed apart: under valgrind it moves with the run's
 * timing, while a real run's collections per request are the same traced and untraced. Debian's
 * python3.11 is stripped, so CPython's collector is not named and its share reads 0: its
 * collections stay in the count (and are few: a real FastAPI server under load ran 2 young ones in
 * 5,400 requests untraced, 3 in 3,550 traced, 0.1 ms each — under 0.1 µs a request; gc.callbacks,
 * 2026-12-05).
 *
 * V8 compiles on threads of its own, and when a compilation lands moves with the run's timing: a
 * function deoptimized and optimized again (Node's HTTP code does so every thousand requests or so,
 * traced or not) runs its slower code for longer or shorter, and the same build's counts moved by
 * 5% between runs on a busy machine (untraced koa + redis 252 k and 267 k; a traced fastify `/`
 * 184 k and 220 k). So Node runs with V8's `--single-threaded` (each compilation on the main thread,
 * at the same point of every run), and the compiler's share (the runtime's compile and deoptimize
 * entry points, inclusive) is left out like the collector's: two runs of one build then agree to
 * 0.2%. Not in short runs: with --requests 300 (2026-12-03), one build counted twice in one run
 * differed by 4-8%, the compiler's share being 74-339 k a request, and which of Node's functions
 * ran optimized (its tick loop, in particular) differing between the dumps; the tracer's own
 * functions' self costs (--keep, --perf-map) differed by 0-7%. `--concurrent` runs V8 as usual.
 *
 * Which await-locations mode a count is of: each traced row of a Node case says it — `traced` (and
 * `against …`) is the tracer's default, `sampled`, its stack captures a fixed number for the whole
 * run (see LOCATIONS: learnt in the warm-up, then none), and `traced, off` (`against …, off`) is
 * `locations: 'off'`, which reads no stack for where stints await (before 2026-12-05 it read none
 * at all, and only `off` was counted, in rows named `traced`; since, it reads the stacks that decide
 * lanes as `sampled` does, a fixed number for the whole run too). What the counts do not show: work the tracer rations by time (the stack
 * captures a real run goes on taking, at most a few a second per kind once its places are learnt;
 * the block sampler, switched off here, since a run hundreds of times slower would ration it as
 * much harder). What
 * the Node tracer does by the clock — a long stint's CPU wait read at 10 ms, a mark microtask
 * queued at 0.5 ms, stints 20 µs apart merged, busy gaps estimated from 0.5 ms, its flush (and
 * heartbeat) every 25 ms and lag report every 100 ms — is slowed by `--node-slowdown` (default 400,
 * as callgrind slows these servers: koa + ioredis takes 50 µs of CPU a request at full speed,
 * 20-110 ms under callgrind), through the tracer's `slowdown` option: left at real speed, nearly
 * every request paid what a real run almost never does (koa, 2026-12-03: about 13 k instructions a
 * request; `--node-slowdown 1` counts them so). What the Python tracer and server do by time is
 * slowed instead as much as each Python server runs slower under callgrind than a request at full
 * speed (`--full-speed-ms`, below; or `--slowdown N`), so that it weighs on a request as at full
 * speed: the tracer's lag probe (every 20 ms) and its summaries (every second), the tasks whose
 * awaits it reads (200 a second) and its watchdog's poll (every 0.1 s, each taking the
 * interpreter's lock from the loop's thread) — its `slowdown` option — and uvicorn's own timer
 * (every 0.1 s; bench/fastapiServer.py). Left at their real rates, with a request taking 50-70 ms
 * under valgrind, the probe was 70-85 k of a traced request's count and the awaits (every task's,
 * where at full speed a fraction of them) 66 k of the two-await route's, against 750-830 k untraced
 * (`--slowdown 1` counts them so); the watchdog's poll and uvicorn's timer, one each a request at
 * 100 ms a request, are counted apart in the README. Also not shown: system calls
 * (`strace -c` counts those), and anything that depends on when V8 compiles what (with
 * `--concurrent`, a slower run tiers up at other moments: a slow path that one build hits and
 * another does not can be an
 * artefact — check it in a real run before believing it). Work done per unit of time (the tracer's
 * flushes and lag probe, a server's own clock-driven work) also weighs more per request when valgrind
 * runs slower, as on a busy machine: compare builds within one run, on a quiet machine.
 *
 * Options: --cases fastify/,fastify/async,express-pg,koa-redis,fastapi/,fastapi/async,
 * fastapi-uvloop/,fastapi-uvloop/async (default all eight; and, only when named, ticks/0,ticks/200,
 * chain/0,chain/200: bench/ticksServer.mjs, the tick path alone — a tick's cost is the difference of
 * two N's over 200; hono/,hono/async,nest/,nest/async: bench/honoServer.mjs and nestServer.js, as
 * fastify's; express 5 + pg on a real PostgreSQL and
 * koa + ioredis on a real redis, started here, when they are installed; FastAPI on asyncio's loop
 * and on uvloop's), --requests N
 * (default 2000), --connections N (the requests sent N at a time, default 1: FastAPI hello counted
 * ×1.096 one at a time and ×1.095 fifty at a time, 2026-12-05, as bench:tracer loads it — the same
 * three stints and two tasks a request; but fastify `/async` ×1.26 one at a time and ×1.37-1.38 at
 * 50: the tracer adds the same 38 k a request, while an untraced request costs a third less when one
 * loop turn serves many — count at 50 to predict bench:tracer's ratios), --warm N (default 6000 for Node, 500 for Python), --against path/to/tracer.js
 * (another build of the Node tracer, counted the same way; for the Python cases, a folder holding
 * another build's looplens_tracer.py; may be given more than once), --only-against (count only
 * the --against builds of the Node cases: a build against figures of an earlier run), --concurrent (see above),
 * --floor (count the stand-ins of bench/floor/ too: empty promise hooks; tags and clock
 * readings; the same with each tick's task carried in a closure — the mechanism's floor),
 * --keep DIR (copy each main-thread dump there, for callgrind_annotate), --perf-map (Node writes its
 * perf map, so that V8's JIT code can be named: `npx tsx bench/jitNames.ts DUMP [DUMP2] --per N`
 * lists each function's self cost and calls a request, two builds side by side), --full-speed-ms MS,
 * --slowdown N and --node-slowdown N (above), --locations sampled|off|both (the Node tracer's
 * await-locations modes counted, default both: see LOCATIONS), --node-flags "..." (the Node servers' flags; default
 * `--no-memory-reducer`: V8's memory
 * reducer takes a server slowed by valgrind for an idle one and runs full collections that a loaded
 * server does not — on Node 24 that was 50 k of the collector's share of a traced fastify request;
 * `--node-flags ""` runs without it).
 * On a loaded machine give the Python cases `--slowdown N` (a request's ms under callgrind over
 * 0.8, as a derived slowdown says) and a smaller `--warm`: each Python server under callgrind gets
 * a core's share of the load (at load 30-35 on two cores about a fifteenth: 46 s of CPU in 706 s),
 * and a derived slowdown that the load moved by more than a quarter starts the server again (at
 * the end of its warm-up) or counts it again (after the measured requests): `--cases
 * fastapi/,fastapi/async --requests 500` had started its first server three times in 20 minutes
 * (2026-12-07); with `--slowdown 450 --warm 200 --requests 300` each server took 7-13 minutes.
 * Needs valgrind (apt install valgrind). Writes JSON to bench/results/.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
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
const REQUESTS = Number(arg('--requests', '2000'));
/** `--connections N`: requests sent N at a time (default 1). */
const CONNECTIONS = Number(arg('--connections', '1'));
/** V8 compiles on its own threads, as it does in a real run (see the header). */
const CONCURRENT = process.argv.includes('--concurrent');
const WARM = arg('--warm', '');
/**
 * The part of a Node server's warm-up sent as a second run, after a pause in which the counters are
 * zeroed as before the measured requests, on a new connection. The measured requests come so, and
 * their first stints take paths a warm-up in one run never took (after the pause, the long gap's CPU
 * check; the recorder's `slowRoom` where its chunk filled; Node's stream and HTTP code meeting
 * objects of new shapes): with one run, V8 deoptimized code there at the first measured requests —
 * the tracer's `enter`, Node's `parserOnIncoming`, `onwrite`, `Readable.read`… — and, under
 * callgrind's single-threaded V8, the measured requests ran much of it as baseline code or with
 * missing inline caches to the dump: a traced fastify `/` request's rest was 133 k, now 85 k, the
 * same in every place of a run (docs/performance.md, 2026-12-07 s53 tickpath). Taken in the
 * warm-up's second run, those deoptimizations are over (and the code optimized again) before the
 * count. 6,000 warm-up requests: 4,000, then 2,000.
 */
const WARM_SECOND = 1 / 3;
/** Every `--against` given: other builds, each counted the same way. */
const againstAll = process.argv.flatMap((a, i) =>
  a === '--against' && process.argv[i + 1] !== undefined ? [process.argv[i + 1]] : [],
);
/** `--only-against`: only the `--against` builds are counted (Node cases). */
const ONLY_AGAINST = process.argv.includes('--only-against');
/** `--floor`: the stand-ins of bench/floor/ counted too (Node cases), as bench:tracer's --floor. */
const FLOOR = process.argv.includes('--floor');
/** `--keep DIR`: the main thread's dumps are copied there (to read with callgrind_annotate). */
const KEEP = arg('--keep', '');
/** `--perf-map`: Node writes its perf map (V8's JIT code named in the dumps; a little slower). */
const PERF_MAP = process.argv.includes('--perf-map');
/**
 * `--node-flags "..."`: the V8 and Node flags of the Node servers; by default `--no-memory-reducer`
 * (V8's memory reducer takes a server slowed by valgrind for an idle one: see the header).
 * `--node-flags ""` runs them without it, as the counts before 2026-12-04 were made.
 */
const NODE_FLAGS = arg('--node-flags', '--no-memory-reducer')
  .split(' ')
  .filter((f) => f !== '');
/**
 * How long a request of the Python server takes at full speed, one at a time, ms (`--full-speed-ms`;
 * default 0.8: FastAPI hello world took 0.6-0.8 ms on the development machine). The Python server's
 * slowdown is its time a request under callgrind, read at the end of its warm-up (the last
 * CALIBRATE_REQUESTS), over this: what the Python tracer and server do per unit of time is slowed as
 * much (the tracer's `slowdown` option: its lag probe every 20 ms × N and its summaries every N s,
 * awaits read for 200 ÷ N tasks a second, its watchdog's poll every 0.1 × N s; uvicorn's own timer
 * every 0.1 × N s, BENCH_SLOWDOWN), so that each request pays for it as one of this length would,
 * however fast valgrind runs on the machine at the time. A fixed slowdown (60 until 2026-12-05) let
 * it follow the machine's load: a request took 68-264 ms under callgrind at load 20, and the awaits
 * read (every task's at the slow end, a fifth at the fast one) moved one build's count by up to 46 k.
 */
const PYTHON_FULL_SPEED_MS = Number(arg('--full-speed-ms', '0.8'));
/** Requests timed at the end of the Python server's warm-up (its slowdown derived from them). */
const CALIBRATE_REQUESTS = 200;
/**
 * `--slowdown N`: the Python server's slowdown fixed at N instead (1 leaves what is done by time as
 * a real run has it: the counts before 2026-12-03 evening; 60: the counts until 2026-12-05).
 */
const SLOWDOWN_FIXED = arg('--slowdown', '') === '' ? null : Number(arg('--slowdown', ''));
/**
 * How many times slower a Node server runs under callgrind than at full speed: koa + ioredis used
 * 50 µs of CPU a request saturated on the development machine (2026-12-04) and took 20-110 ms a
 * request under callgrind, fastify `/` 22 µs and about 10-40 ms (the lower ends on a quiet machine).
 */
const NODE_SLOWDOWN_DEFAULT = '400';
/**
 * `--node-slowdown N`: the same for the Node servers (default NODE_SLOWDOWN_DEFAULT): the tracer's `slowdown` option scales
 * what it does by the clock (options.ts) — under callgrind a request took 20-110 ms, so a stint
 * passed the lengths at which a real run's rare checks happen (its CPU wait read at 10 ms, a mark
 * microtask queued at 0.5 ms), stints a moment apart were not merged, and the flush timer and its
 * heartbeat ran on nearly every request. `--node-slowdown 1` counts them so (before 2026-12-04).
 */
const NODE_SLOWDOWN = Number(arg('--node-slowdown', NODE_SLOWDOWN_DEFAULT));
/**
 * `--locations sampled|off|both` (default both): the Node tracer's await-locations mode each traced
 * build is counted with — `sampled`, the tracer's default (row `traced`), and `off` (row `traced,
 * off`; the only mode counted before 2026-12-05). With `sampled` the stack captures are a fixed
 * number for the whole run (LOCATIONS_TOTAL of each kind, the tracer's `locationsTotal` option), not
 * so many a second: a run under callgrind hundreds of times slower would otherwise take a capture
 * (100-400 k instructions under valgrind) every few requests, as many as the machine's speed
 * decides; so each run takes the same ones, nearly all of them in the warm-up, where a busy
 * server's places are learnt. What the count of `sampled` shows is then what the places' verdicts
 * cost each request once learnt; the captures a real run goes on taking (at most 100 a second
 * and 2 ms of the loop's time a second for awaits; a few per new place) are a cost a second, not a
 * request's. A build from before 2026-12-05 knows no `locationsTotal` and rations by the clock.
 */
const LOCATIONS = arg('--locations', 'both');
const LOCATIONS_TOTAL = 2000;

interface Case {
  name: string;
  python: boolean;
  script: string;
  route: string;
  /** What the server needs (a database started here): its environment, or why it cannot run. */
  env?: () => Promise<Record<string, string>>;
  missing?: () => string | null;
  /** Counted only when `--cases` names it. */
  optional?: boolean;
}
let redis: Service | null = null;
let pg: Postgres | null = null;
const CASES: Case[] = [
  { name: 'fastify /', python: false, script: path.join(__dirname, 'fastifyServer.mjs'), route: '/' },
  {
    name: 'fastify /async',
    python: false,
    script: path.join(__dirname, 'fastifyServer.mjs'),
    route: '/async',
  },
  {
    name: 'express+pg /items/:id',
    python: false,
    script: path.join(root, 'test', 'fixtures', 'servers', 'expressPg.js'),
    route: '/items/7',
    missing: missingPostgres,
    env: async () => {
      pg ??= await startPostgres();
      return { PG_URL: pg.url };
    },
  },
  {
    name: 'koa+redis /cache/:key',
    python: false,
    script: path.join(root, 'test', 'fixtures', 'servers', 'koaRedis.js'),
    route: '/cache/a',
    missing: missingRedis,
    env: async () => {
      redis ??= await startRedis();
      return { REDIS_PORT: String(redis.port) };
    },
  },
  // The tick path alone (bench/ticksServer.mjs; counted only when named: --cases ticks/0,ticks/200).
  ...['/ticks/0', '/ticks/200', '/chain/0', '/chain/200'].map((route): Case => ({
    name: route.slice(1),
    python: false,
    script: path.join(__dirname, 'ticksServer.mjs'),
    route,
    optional: true,
  })),
  // Hono on @hono/node-server and NestJS on express, as fastify's (counted only when named:
  // --cases hono/,hono/async,nest/,nest/async): each request runs the tracer's route-handler wrapper.
  ...[
    ['hono', 'honoServer.mjs'],
    ['nest', 'nestServer.js'],
  ].flatMap(([name, script]) =>
    ['/', '/async'].map((route): Case => ({
      name: `${name} ${route}`,
      python: false,
      script: path.join(__dirname, script),
      route,
      optional: true,
    })),
  ),
  { name: 'fastapi /', python: true, script: path.join(__dirname, 'fastapiServer.py'), route: '/' },
  {
    name: 'fastapi /async',
    python: true,
    script: path.join(__dirname, 'fastapiServer.py'),
    route: '/async',
  },
  ...['/', '/async'].map((route): Case => ({
    name: `fastapi+uvloop ${route}`,
    python: true,
    script: path.join(__dirname, 'fastapiServer.py'),
    route,
    missing: () =>
      spawnSync('/usr/bin/python3', ['-c', 'import uvloop']).status === 0
        ? null
        : 'needs uvloop for python3 (apt install python3-uvloop)',
    env: async () => ({ BENCH_LOOP: 'uvloop' }),
  })),
];
const wanted = arg('--cases', '')
  .split(',')
  .filter((s) => s !== '');
const key = (c: Case): string =>
  c.name
    .replace(' ', '')
    .replace(/^koa\+redis.*/, 'koa-redis')
    .replace(/^fastapi\+uvloop/, 'fastapi-uvloop')
    .replace(/^express\+pg.*/, 'express-pg');
const cases =
  wanted.length === 0
    ? CASES.filter((c) => c.optional !== true)
    : CASES.filter((c) => wanted.includes(key(c)));

/** The builds a case is counted with: untraced, the tracer, and another build if asked for. */
interface Build {
  name: string;
  /** Node: the preload; Python: the folder put first on PYTHONPATH; null: untraced. */
  tracer: string | null;
  /** The Node tracer's await-locations mode (see LOCATIONS). */
  locations?: 'sampled' | 'off';
}
/** The Node tracer's modes counted, each build once per mode (`off` named so in its row). */
const LOCATION_MODES: ('sampled' | 'off')[] =
  LOCATIONS === 'both' ? ['sampled', 'off'] : LOCATIONS === 'sampled' ? ['sampled'] : ['off'];
function withModes(name: string, tracer: string): Build[] {
  return LOCATION_MODES.map((locations) => ({
    name: locations === 'off' && LOCATION_MODES.length > 1 ? `${name}, off` : name,
    tracer,
    locations,
  }));
}
function buildsFor(c: Case): Build[] {
  if (c.python) {
    const builds: Build[] = [
      { name: 'untraced', tracer: null },
      { name: 'traced', tracer: path.join(root, 'dist', 'python') },
    ];
    // --against a folder holding another build's looplens_tracer.py (a copy of dist/python).
    for (const other of againstAll)
      if (fs.existsSync(path.join(other, 'looplens_tracer.py')))
        builds.push({ name: `against ${path.resolve(other)}`, tracer: path.resolve(other) });
    return builds;
  }
  const builds: Build[] = ONLY_AGAINST
    ? []
    : [{ name: 'untraced', tracer: null }, ...withModes('traced', path.join(root, 'dist', 'tracer.js'))];
  for (const other of againstAll)
    builds.push(...withModes(`against ${path.resolve(other)}`, path.resolve(other)));
  if (FLOOR)
    for (const floor of ['promiseHooks', 'tagAndClock', 'tagClockTicks'])
      builds.push({ name: `floor ${floor}`, tracer: path.join(__dirname, 'floor', `${floor}.js`) });
  return builds;
}

/** Functions of the collectors, V8's and CPython's. */
const COLLECTOR =
  /Scaveng|Heap::|IterateObjectCache|MarkCompact|Marking|Sweep|Evacuat|RecordWrite|RememberedSet|SlotSet|Worklist|gc_collect|deduce_unreachable|move_unreachable|visit_reachable|subtract_refs|update_refs/;

interface Count {
  perRequest: number;
  /** Wall time of a measured request under callgrind (to compare with a real run's: --slowdown). */
  msPerRequest: number;
  collectorPerRequest: number;
  compilerPerRequest: number;
  /** The slowdown the server was counted with (the Python server's: derived, unless fixed). */
  slowdown: number;
}

/**
 * The runtime's entry points into V8's compilers and deoptimizer: their calls' inclusive cost is
 * the compiler's share (with `--single-threaded`, every compilation runs inside one of them). Node
 * 24's V8 compiles a function marked for Maglev or TurboFan inside
 * `Runtime_OptimizeMaglevEager` / `Runtime_OptimizeTurbofanEager`: left out until 2026-12-03, they
 * were 18.7 k of an untraced and 50 k of a traced fastify `/` request on Node 24 (2,000 requests),
 * counted as the request's own work.
 */
const COMPILER =
  /Runtime_CompileOptimized|Runtime_CompileLazy|Runtime_CompileBaseline|Runtime_CompileTurbofan|Runtime_BytecodeBudgetInterrupt|Runtime_InstallBaselineCode|Runtime_InstallSFICode|Runtime_HealOptimizedCodeSlot|Runtime_FunctionFirstExecution|Runtime_NotifyDeoptimized|Runtime_DeoptimizeNow|Runtime_OptimizeMaglevEager|Runtime_OptimizeTurbofanEager/;

/**
 * Self cost by function of a callgrind dump: its total, the part spent in the collector, and the
 * inclusive cost of calls into the compiler from outside it.
 */
function readDump(file: string): { total: number; collector: number; compiler: number } {
  const names = new Map<string, string>();
  let total = 0;
  let collector = 0;
  let compiler = 0;
  let inCollector = false;
  let inCompiler = false;
  let intoCompiler = false;
  let afterCall = false;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const fn = /^(c?)fn=\((\d+)\)(?: (.*))?$/.exec(line);
    if (fn !== null) {
      if (fn[3] !== undefined) names.set(fn[2], fn[3]);
      const name = names.get(fn[2]) ?? '';
      if (fn[1] === '') {
        inCollector = COLLECTOR.test(name);
        inCompiler = COMPILER.test(name);
      } else intoCompiler = COMPILER.test(name);
      continue;
    }
    if (line.startsWith('calls=')) {
      afterCall = true; // the next cost line is the call's inclusive cost, not this function's own
      continue;
    }
    const cost = /^[+\-*\d]\S*\s+(\d+)/.exec(line);
    if (cost === null) continue;
    const n = Number(cost[1]);
    if (afterCall) {
      afterCall = false;
      if (intoCompiler && !inCompiler) compiler += n;
      continue;
    }
    total += n;
    if (inCollector) collector += n;
  }
  return { total, collector, compiler };
}

function autocannon(port: number, route: string, requests: number): void {
  execFileSync(
    process.execPath,
    [
      autocannonBin,
      '-c',
      String(CONNECTIONS),
      '-t',
      '120',
      '-a',
      String(requests),
      `http://127.0.0.1:${port}${route}`,
    ],
    {
      stdio: 'ignore',
    },
  );
}

/**
 * Until the server answers `route`: the Python server prints its port once its socket is bound,
 * before uvicorn listens on it (under valgrind, seconds later); requests sent before that fail at
 * once, and a warm-up of failed requests leaves the measured ones to the server's start.
 */
async function answered(port: number, route: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port, path: route }, (res) => {
        res.resume();
        res.once('end', () => resolve(true));
      });
      req.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the server on port ${port} never answered ${route}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A server under callgrind, listening and answering its route. */
interface Running {
  child: ReturnType<typeof spawn>;
  port: number;
  exited: Promise<void>;
}

async function startServer(c: Case, build: Build, dir: string, slowdown: number): Promise<Running> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...(c.env !== undefined ? await c.env() : {}) };
  delete env.NODE_OPTIONS;
  delete env.LOOPLENS_OPTIONS;
  delete env.PYTHONPATH;
  if (c.python) {
    // uvicorn's own timer slowed as the tracer's (bench/fastapiServer.py), untraced too; the same
    // hashes in every run (a dictionary's collisions, a set's order).
    env.BENCH_SLOWDOWN = String(slowdown);
    env.PYTHONHASHSEED = '0';
  }
  if (build.tracer !== null) {
    const out = path.join(dir, 'trace-{pid}.looplens');
    // Nothing rationed by time: a slower run would ration it harder (see the header). The Python
    // tracer's block sampler is off with a threshold no stint reaches (under valgrind a request's
    // stints pass the default 50 ms's half, and each block sample is work of the main thread's).
    // The Python tracer's lag probe (every 20 ms) and the tasks whose awaits it reads (200 a
    // second) are slowed as valgrind slows the server (see the header).
    env.LOOPLENS_OPTIONS = JSON.stringify(
      c.python
        ? {
            out,
            blockMs: 1e9,
            slowdown,
            // (The same, for a build from before 2026-12-04, which knows only these two.)
            lagProbeMs: Math.min(60000, 20 * slowdown),
            awaitTasksPerSecond: 200 / slowdown,
          }
        : build.locations === 'sampled'
          ? { out, locationsTotal: LOCATIONS_TOTAL, blockSampler: false, slowdown: NODE_SLOWDOWN }
          : // (Since 2026-12-05 `off` reads the stacks that decide lanes, rationed as `sampled`'s.)
            {
              out,
              locations: 'off',
              locationsTotal: LOCATIONS_TOTAL,
              blockSampler: false,
              slowdown: NODE_SLOWDOWN,
            },
    );
    if (c.python) env.PYTHONPATH = build.tracer;
    else env.NODE_OPTIONS = `--require ${build.tracer}`;
  }
  const command = c.python ? '/usr/bin/python3' : process.execPath;
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${path.join(dir, 'cg.%p')}`,
      command,
      ...(c.python || CONCURRENT ? [] : ['--single-threaded']),
      ...(!c.python && PERF_MAP ? ['--perf-basic-prof'] : []),
      ...(c.python ? [] : NODE_FLAGS),
      c.script,
    ],
    // With the perf map, V8 also writes a code log into the working folder: the scratch folder.
    { env, stdio: ['ignore', 'pipe', 'ignore'], ...(PERF_MAP ? { cwd: dir } : {}) },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const found = (/"port":\s*(\d+)/.exec(text) ?? /listening at http:\/\/[^:]+:(\d+)/.exec(text))?.[1];
      if (found !== undefined) resolve(Number(found));
    });
    void exited.then(() =>
      reject(new Error(`${c.name}: the server exited under valgrind before it listened`)),
    );
  });
  return { child, port, exited };
}

async function stopServer(server: Running): Promise<void> {
  server.child.kill('SIGINT');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await server.exited;
  clearTimeout(timer);
}

/** Wall time a request, ms, of `requests` sent one at a time. */
function timed(port: number, route: string, requests: number): number {
  const began = Date.now();
  autocannon(port, route, requests);
  return (Date.now() - began) / requests;
}

/**
 * The slowdown a Python build was last counted with (each build's first guess: the one before's,
 * as the machine's load was a moment ago).
 */
let lastSlowdown = 0;

async function count(c: Case, build: Build): Promise<Count> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-instr-'));
  try {
    const warm = Number(WARM !== '' ? WARM : c.python ? 500 : 6000);
    const derive = SLOWDOWN_FIXED === null && c.python;
    const clear = (): void => {
      for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { force: true });
    };
    // The Python server's slowdown: --slowdown's, or derived from this very server's time a request
    // (see PYTHON_FULL_SPEED_MS): at the end of its warm-up, where a server that ran more than a
    // quarter faster or slower than its slowdown says is started again with the one derived (twice
    // at most); and over the measured requests, which are counted again (once) when the machine's
    // load moved them as far from it.
    let slowdown = c.python ? (SLOWDOWN_FIXED ?? (lastSlowdown || 60)) : NODE_SLOWDOWN;
    let msPerRequest = 0;
    for (let round = 0; ; round++) {
      let server: Running | null = null;
      for (let attempt = 0; server === null; attempt++) {
        const started = await startServer(c, build, dir, slowdown);
        let derived = slowdown;
        try {
          await answered(started.port, c.route);
          const tail = c.python ? Math.min(CALIBRATE_REQUESTS, Math.floor(warm / 2)) : 0;
          // A Node server warms up in two runs, the second after the same pause (the counters
          // zeroed) and on a new connection, as the measured requests come: see WARM_SECOND.
          const second = c.python ? 0 : Math.floor(warm * WARM_SECOND);
          autocannon(started.port, c.route, warm - tail - second);
          if (second > 0) {
            execFileSync('callgrind_control', ['-z', String(started.child.pid)], { stdio: 'ignore' });
            autocannon(started.port, c.route, second);
          }
          if (tail > 0) derived = timed(started.port, c.route, tail) / PYTHON_FULL_SPEED_MS;
        } catch (error) {
          await stopServer(started);
          throw error;
        }
        if (derive && Math.abs(derived / slowdown - 1) > 0.25 && attempt < 2) {
          process.stderr.write(
            `  ${(derived * PYTHON_FULL_SPEED_MS).toFixed(0)} ms a request warming up: slowdown ${slowdown.toFixed(0)} -> ${derived.toFixed(0)}, started again\n`,
          );
          await stopServer(started);
          clear();
          slowdown = derived;
          continue;
        }
        server = started;
      }
      try {
        execFileSync('callgrind_control', ['-z', String(server.child.pid)], { stdio: 'ignore' });
        msPerRequest = timed(server.port, c.route, REQUESTS);
        execFileSync('callgrind_control', ['-d', String(server.child.pid)], { stdio: 'ignore' });
      } finally {
        await stopServer(server);
      }
      const measured = msPerRequest / PYTHON_FULL_SPEED_MS;
      if (derive && Math.abs(measured / slowdown - 1) > 0.25 && round === 0) {
        process.stderr.write(
          `  ${msPerRequest.toFixed(0)} ms a request measured: slowdown ${slowdown.toFixed(0)} -> ${measured.toFixed(0)}, counted again\n`,
        );
        clear();
        slowdown = measured;
        continue;
      }
      break;
    }
    if (derive) lastSlowdown = slowdown;
    // The first dump (".1"), the main thread ("-01").
    const dump = fs.readdirSync(dir).find((f) => /^cg\.\d+\.1-01$/.test(f));
    if (dump === undefined) throw new Error(`${c.name}: callgrind wrote no dump of the main thread`);
    const { total, collector, compiler } = readDump(path.join(dir, dump));
    if (KEEP !== '') {
      fs.mkdirSync(KEEP, { recursive: true });
      const name = `${c.name}-${build.name}`.replace(/[^A-Za-z0-9.-]+/g, '_');
      fs.copyFileSync(path.join(dir, dump), path.join(KEEP, `cg.${name}`));
    }
    return {
      perRequest: total / REQUESTS,
      msPerRequest,
      collectorPerRequest: collector / REQUESTS,
      compilerPerRequest: compiler / REQUESTS,
      slowdown: c.python ? slowdown : NODE_SLOWDOWN,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['-h']).error) {
    process.stderr.write('bench:instructions needs valgrind (apt install valgrind)\n');
    process.exit(2);
  }
  for (const other of againstAll)
    if (!fs.existsSync(other)) {
      process.stderr.write(`bench:instructions: --against ${other}: no such file (give a built tracer.js)\n`);
      process.exit(2);
    }
  const report: Record<string, Record<string, Count>> = {};
  for (const c of cases) {
    if (c.python && spawnSync('/usr/bin/python3', ['-c', 'import fastapi, uvicorn']).status !== 0) {
      process.stderr.write(
        `${c.name}: skipped, needs python3 with FastAPI and uvicorn (apt install python3-fastapi python3-uvicorn)\n`,
      );
      continue;
    }
    const missing = c.missing?.() ?? null;
    if (missing !== null) {
      process.stderr.write(`${c.name}: skipped, ${missing}\n`);
      continue;
    }
    report[c.name] = {};
    for (const build of buildsFor(c)) {
      process.stderr.write(`${c.name}, ${build.name}: ${REQUESTS} requests under callgrind...\n`);
      report[c.name][build.name] = await count(c, build);
    }
  }
  const k = (n: number): string => `${(n / 1000).toFixed(1)} k`;
  let text = `Instructions a request, main thread (callgrind; ${REQUESTS} requests after a warm-up${CONCURRENT ? '' : '; V8 single-threaded'}):\n`;
  const rest = (n: Count): number => n.perRequest - n.collectorPerRequest - n.compilerPerRequest;
  for (const [name, builds] of Object.entries(report)) {
    const base = builds.untraced;
    const python = CASES.some((c) => c.name === name && c.python);
    for (const [build, n] of Object.entries(builds)) {
      const ratio =
        build === 'untraced' || base === undefined ? '' : `   ×${(rest(n) / rest(base)).toFixed(3)}`;
      text += `${name.padEnd(22)} ${build.padEnd(12)} ${k(n.perRequest).padStart(9)}   collector ${k(n.collectorPerRequest).padStart(7)}   compiler ${k(n.compilerPerRequest).padStart(7)}   rest ${k(rest(n)).padStart(9)}   ${n.msPerRequest.toFixed(0).padStart(3)} ms${ratio}${python ? `   slowdown ${n.slowdown.toFixed(0)}` : ''}\n`;
    }
  }
  text += 'The ratio is of the rest: without the collector and the compiler.\n';
  if (cases.some((c) => !c.python))
    text += `Node: the tracer's clock-driven work slowed ${NODE_SLOWDOWN} times (--node-slowdown; ms: a request's wall time under callgrind); flags ${NODE_FLAGS.join(' ') || 'none'}; await locations ${LOCATION_MODES.map((m) => (m === 'sampled' ? `sampled (the default; ${LOCATIONS_TOTAL} captures of each kind in the whole run)` : `off${LOCATION_MODES.length > 1 ? ' (rows ", off")' : ''}`)).join(' and ')}.\n`;
  if (Object.values(report).some((b) => Object.keys(b).length > 0) && cases.some((c) => c.python))
    text +=
      SLOWDOWN_FIXED === null
        ? `Python: what is done by time slowed as much as each server ran slower than ${PYTHON_FULL_SPEED_MS} ms a request at the end of its warm-up (--full-speed-ms; its slowdown at the row's end; ms: a request's wall time under callgrind).\n`
        : `Python: its lag probe every ${20 * SLOWDOWN_FIXED} ms and awaits read for ${(200 / SLOWDOWN_FIXED).toFixed(1)} tasks a second (--slowdown ${SLOWDOWN_FIXED}; ms: a request's wall time under callgrind).\n`;
  const outDir = path.join(root, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `instructions-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        requests: REQUESTS,
        nodeSlowdown: NODE_SLOWDOWN,
        nodeFlags: NODE_FLAGS,
        locations: LOCATION_MODES,
        locationsTotal: LOCATIONS_TOTAL,
        report,
      },
      null,
      2,
    ),
  );
  process.stdout.write(`${text}results saved to ${path.relative(root, file)}\n`);
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench:instructions: ${(error as Error).message}\n`);
    process.exitCode = 1;
  })
  .finally(() => Promise.all([redis?.stop(), pg?.stop()]));
