/**
 * `npx tsx bench/startup.ts`: what the tracer adds to a program's start, to its first line — the
 * README's Start-up figures (issue 10's goal: within 10 ms of untraced). Three measures, each untraced
 * and traced (with `looplens record`'s options: a trace file, the block sampler on) and for every
 * --against build, in one run on one machine:
 *
 * - instructions of the main thread to the first line, counted by valgrind's callgrind, of a script
 *   whose first line ends the process (`process.reallyExit`: no exit handlers, the tracer's own
 *   included). V8 as usual, not `--single-threaded`: that flag makes V8 reject the tracer's code
 *   cache. The block sampler's thread is counted apart (its own start runs on the other core).
 * - CPU time of all threads to the first line (`process.cpuUsage()` read there), and
 * - wall time from just before the parent spawns the process to its first line (both read the
 *   system's monotonic clock, `process.hrtime.bigint()`): what a user waits, which on a shared
 *   machine moves with the load — the block sampler's thread starts on a core the main thread may
 *   need. Builds alternate run after run; medians, with the 25th–75th percentiles as the spread,
 *   and minima.
 *
 * With --floor, three more preloads without the tracer show what any tracer built like this one pays
 * before its own code runs: Node's running of a preload (an empty one; all that an inert child need
 * pay), the built-ins its start needs (v8 for the promise hooks, vm for the code cache; not
 * perf_hooks since 2026-12-06: the clock's origin is read from an Event's time stamp and the loop's
 * idle time after the first stint; not worker_threads since the same day: the block sampler starts
 * after the first line), and the same with worker_threads and a bare Worker started (what the block
 * sampler's thread cost when it started before the first line).
 *
 * With --child, each traced start is a child's of a traced program: the trace is claimed by a live
 * process (this bench), as the program's own claim is when it starts a child Node process (NODE_OPTIONS
 * carries the preload into it), and the tracer stays inert — deciding so before it reads its bundle
 * since 2026-12-07 (tracer/gate.ts); before, each child read, compiled and ran the whole tracer first.
 *
 * NODE_EXTRA_CA_CERTS is unset (reading the certificates it names costs every Node start, traced
 * or not, far more than the tracer). Options: --runs N (callgrind runs per build, default 3),
 * --cpu-runs N (default 21), --tracer path/to/tracer.js (default dist/tracer.js), --against
 * path/to/tracer.js (another build, an earlier commit's say; may be given more than once), --floor,
 * --live: a live session's options instead of a trace file's (a socket the bench listens on),
 * --child (above), --seed N: the callgrind runs with V8's `--random-seed=N` (it seeds the hash seed too), and each
 * build's code cache remade under that flag in a copy (V8 rejects a cache made under other flags).
 * The counts then repeat to a few thousand instructions run after run; with the hash seed left
 * random they spread by ±4 M (the heap's hash tables are rehashed and sized by it), more than most
 * changes of the tracer's start.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

const root = path.resolve(__dirname, '..');

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

function options(name: string): string[] {
  const found: string[] = [];
  process.argv.forEach((arg, i) => {
    if (arg === name && i + 1 < process.argv.length) found.push(process.argv[i + 1]);
  });
  return found;
}

const RUNS = Number(option('--runs', '3'));
const CPU_RUNS = Number(option('--cpu-runs', '21'));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-startup-'));
const SEED = option('--seed', '');
/** The V8 flags of the callgrind runs. */
const v8Flags = SEED === '' ? [] : [`--random-seed=${Number(SEED)}`];

/** A preload is a tracer build, or (`floor`) a script that only does what any tracer must. */
const builds: { name: string; tracer: string | null; floor?: boolean; counted?: string }[] = [
  { name: 'untraced', tracer: null },
  { name: 'this build', tracer: path.resolve(option('--tracer', path.join(root, 'dist', 'tracer.js'))) },
  ...options('--against').map((t) => ({ name: t, tracer: path.resolve(t) })),
];

if (process.argv.includes('--floor')) {
  const builtins = "require('node:v8').promiseHooks;\nrequire('node:vm');\n";
  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-startup-floor-'));
  const alone = path.join(floorDir, 'builtins.js');
  fs.writeFileSync(alone, builtins);
  const worker = path.join(floorDir, 'worker.js');
  fs.writeFileSync(
    worker,
    `${builtins}const w = new (require('node:worker_threads').Worker)('0', { eval: true, execArgv: [], env: {}, stdout: true, stderr: true });\nw.unref();\n`,
  );
  const empty = path.join(floorDir, 'empty.js');
  fs.writeFileSync(empty, '');
  builds.push(
    { name: 'floor: an empty preload', tracer: empty, floor: true },
    { name: 'floor: the built-ins alone', tracer: alone, floor: true },
    { name: 'floor: the built-ins, worker_threads and a bare Worker', tracer: worker, floor: true },
  );
  process.on('exit', () => fs.rmSync(floorDir, { recursive: true, force: true }));
}

/**
 * With --seed: each tracer build copied, its code cache remade under the seeded flags (as the build
 * makes it, scripts/tracerCache.cjs), for the callgrind runs only.
 */
if (v8Flags.length > 0) {
  const copies = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-startup-seeded-'));
  process.on('exit', () => fs.rmSync(copies, { recursive: true, force: true }));
  builds.forEach((b, k) => {
    if (b.tracer === null || b.floor) return;
    const from = path.dirname(b.tracer);
    const to = path.join(copies, String(k));
    fs.mkdirSync(to);
    const files = fs.readdirSync(from).filter((f) => /^tracer(Core|Watchdog)?(-[\w-]+\.cache|\.js)$/.test(f));
    for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
    // A build names its caches after V8's cachedDataVersionTag (tracer/load.ts; others that traced
    // programs on another Node wrote may sit beside it): this Node's is remade. An older build has
    // one cache, named after the build alone.
    const cache =
      files.find((f) => f.endsWith(`-${v8.cachedDataVersionTag().toString(16)}.cache`)) ??
      files.find((f) => /^tracerCore-[0-9a-f]+\.cache$/.test(f));
    if (cache === undefined) throw new Error(`no code cache for this Node beside ${b.tracer}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LOOPLENS_OPTIONS: JSON.stringify({ out: path.join(to, 'trace-{pid}.looplens') }),
    };
    delete env.NODE_OPTIONS;
    const made = spawnSync(
      process.execPath,
      [...v8Flags, path.join(root, 'scripts', 'tracerCache.cjs'), to, cache],
      { env, encoding: 'utf8' },
    );
    if (made.status !== 0) throw new Error(`the code cache under ${v8Flags.join(' ')}: ${made.stderr}`);
    for (const f of fs.readdirSync(to)) if (/\.(looplens|claim)$/.test(f)) fs.rmSync(path.join(to, f));
    b.counted = path.join(to, path.basename(b.tracer));
  });
}

/**
 * With --live: the options of a live session as the trace server gives them (host/traceServer.ts
 * tracerOptions: a socket, a token, a spill file; `bench:tracer`'s start-up figure is of one), and
 * a listener on that socket in a private folder of its own. The runs are synchronous, so the
 * listener takes no connection while one runs: a tracer that connects before the first line
 * finds the connection made (it waits in the socket's backlog), as when the reader is busy.
 */
const LIVE = process.argv.includes('--live');
let liveSocket = '';
if (LIVE) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-startup-live-'));
  liveSocket = path.join(dir, 'live.sock');
  const listener = net.createServer((c) => c.destroy());
  listener.listen(liveSocket);
  listener.unref();
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
}

function envFor(tracer: string | null, floor = false): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NODE_OPTIONS;
  delete env.LOOPLENS_OPTIONS;
  if (tracer !== null && floor) env.NODE_OPTIONS = `--require ${tracer}`;
  else if (tracer !== null) {
    env.NODE_OPTIONS = `--require ${tracer}`;
    // As `looplens record` sets them (cli/record.ts), the trace into the scratch folder; or live.
    env.LOOPLENS_OPTIONS = JSON.stringify(
      LIVE
        ? {
            socket: liveSocket,
            token: 'bench',
            spill: path.join(scratch, 'spill-{pid}.looplens'),
            blockMs: 50,
            mode: 'fast',
          }
        : { out: path.join(scratch, 'trace-{pid}.looplens'), blockMs: 50, mode: 'fast', children: false },
    );
  }
  return env;
}

/** --child: the trace held by a live process, as a traced program holds it when it starts a child. */
const CHILD = process.argv.includes('--child');

function clean(): void {
  for (const f of fs.readdirSync(scratch)) fs.rmSync(path.join(scratch, f), { force: true });
  if (!CHILD) return;
  // The claim file beside the trace file or the socket (tracer/gate.ts claim), this bench's pid in it.
  const beside = LIVE ? liveSocket : path.join(scratch, 'trace-claim.looplens');
  fs.writeFileSync(`${beside}.claim`, String(process.pid));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The q-quantile (0–1), interpolated between the two nearest runs. */
const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  const at = q * (s.length - 1);
  const lo = Math.floor(at);
  return lo + 1 < s.length ? s[lo] + (s[lo + 1] - s[lo]) * (at - lo) : s[lo];
};

/** The total of a callgrind dump ("summary:" or "totals:" line). */
function dumpTotal(file: string): number {
  const text = fs.readFileSync(file, 'utf8');
  const m = /^(?:summary|totals):\s*(\d+)/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}

/** Main-thread instructions (and the other threads' together) of one run to the first line. */
function countOnce(tracer: string | null, floor = false): { main: number; others: number } {
  clean();
  const script = path.join(scratch, 'first.js');
  fs.writeFileSync(script, 'process.reallyExit(0);\n');
  const r = spawnSync(
    'valgrind',
    [
      '--tool=callgrind',
      '--separate-threads=yes',
      `--callgrind-out-file=${path.join(scratch, 'cg.%p')}`,
      process.execPath,
      ...v8Flags,
      script,
    ],
    { env: envFor(tracer, floor), stdio: 'ignore' },
  );
  if (r.status !== 0) throw new Error(`valgrind exited with ${r.status}`);
  const dumps = fs.readdirSync(scratch).filter((f) => /^cg\.\d+-\d+$/.test(f));
  const mainDump = dumps.find((f) => f.endsWith('-01'));
  if (mainDump === undefined) throw new Error('callgrind wrote no dump of the main thread');
  let others = 0;
  for (const d of dumps) if (d !== mainDump) others += dumpTotal(path.join(scratch, d));
  return { main: dumpTotal(path.join(scratch, mainDump)), others };
}

/**
 * CPU time (user + system, all threads) at the first line of `node -e`, and the wall time from just
 * before the spawn to that line, in ms.
 */
function cpuOnce(tracer: string | null, floor = false): { cpu: number; wall: number } {
  clean();
  const env = envFor(tracer, floor);
  const spawned = process.hrtime.bigint();
  const out = execFileSync(
    process.execPath,
    [
      '-e',
      'const t = process.hrtime.bigint(); const u = process.cpuUsage(); process.stdout.write(`${(u.user + u.system) / 1000} ${t}`)',
    ],
    { env },
  );
  const [cpu, at] = out.toString().split(' ');
  return { cpu: Number(cpu), wall: Number(BigInt(at) - spawned) / 1e6 };
}

const M = (n: number): string => `${(n / 1e6).toFixed(1)} M`;

try {
  if (RUNS > 0) {
    if (spawnSync('valgrind', ['--version']).status !== 0) throw new Error('needs valgrind');
    let base = 0;
    for (const b of builds) {
      const runs = Array.from({ length: RUNS }, () => countOnce(b.counted ?? b.tracer, b.floor));
      const main = median(runs.map((r) => r.main));
      if (b.tracer === null) base = main;
      process.stdout.write(
        `${b.name}: main thread, median of ${RUNS}: ${M(main)}` +
          (b.tracer !== null ? ` (+${M(main - base)})` : '') +
          ` [${runs.map((r) => M(r.main)).join(', ')}]; other threads ${M(median(runs.map((r) => r.others)))}\n`,
      );
    }
  }
  const cpu = builds.map(() => [] as number[]);
  const wall = builds.map(() => [] as number[]);
  for (let i = 0; i < CPU_RUNS; i++) {
    const order = builds.map((_, k) => k);
    if (i % 2 === 1) order.reverse();
    for (const k of order) {
      const r = cpuOnce(builds[k].tracer, builds[k].floor);
      cpu[k].push(r.cpu);
      wall[k].push(r.wall);
    }
  }
  const ms = (n: number): string => n.toFixed(1);
  const measures = [
    ['CPU of all threads', cpu],
    ['wall time', wall],
  ] as const;
  // (--cpu-runs 0: the instructions alone.)
  for (const [what, runs] of CPU_RUNS > 0 ? measures : []) {
    const base = median(runs[0]);
    builds.forEach((b, k) => {
      const m = median(runs[k]);
      process.stdout.write(
        `${b.name}: ${what} to the first line, median of ${CPU_RUNS}: ${ms(m)} ms` +
          (k > 0 ? ` (+${ms(m - base)})` : '') +
          ` [25th–75th percentile ${ms(quantile(runs[k], 0.25))}–${ms(quantile(runs[k], 0.75))}; min ${ms(Math.min(...runs[k]))}` +
          (k > 0 ? ` (+${ms(Math.min(...runs[k]) - Math.min(...runs[0]))})` : '') +
          ']\n',
      );
    });
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
