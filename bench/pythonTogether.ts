/**
 * The Python tracer's cost as CPU a request, measured with every arm at once on one core
 * (`npx tsx bench/pythonTogether.ts`). bench:tracer runs its servers one after another, so on a
 * shared machine each round's traced and untraced servers meet different neighbours (its rounds
 * spread by ±30% at load 20). Here the untraced server and each traced one (this build's
 * `dist/python`, and any `--against-python` build) run side by side, all pinned to CPU 0 and each
 * loaded by its own autocannon client from this process (pinned to CPU 1), so whatever else runs
 * on the machine falls on every arm of a round alike. Per round and arm: the requests served and
 * the process's CPU (schedstat's run time, all its threads; user and system time apart, and its
 * main thread's) per request; the ratio is of CPU a request, traced ÷ untraced, in the same round.
 * The arms share the core, so req/s says nothing here; CPU a request does (an arm's own rate
 * still weighs what the tracer does a second: its watchdog's wake-ups, the awaits it reads). A
 * second line an arm says where a traced arm's extra goes: its other threads' CPU (the watchdog's)
 * and wake-ups a second, the main thread's voluntary switches (each a wait, for I/O or for the
 * interpreter's lock another thread took) and involuntary ones (preempted), and minor page faults.
 *
 * Options: --route / (or /async; bench/fastapiServer.py's), --rounds N (default 5), --duration S
 * (seconds measured a round, default 8, after a 2 s warm-up), --against-python DIR (another
 * build's dist/python, repeatable), --options JSON (LOOPLENS_OPTIONS for every traced arm, past
 * its `out`: e.g. '{"awaitTasksPerSecond":0.001}'). Traces go to a temporary folder. Linux only
 * (schedstat, taskset).
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (
  options: { url: string; connections: number; duration: number },
  done: (err: Error | null, result: { requests: { total: number } }) => void,
) => void;

const root = path.resolve(__dirname, '..');
const SERVER = path.join(__dirname, 'fastapiServer.py');
const PYTHON = process.env.LOOPLENS_BENCH_PYTHON ?? '/usr/bin/python3';
const CONNECTIONS = 50;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const ROUTE = arg('--route', '/');
const ROUNDS = Number(arg('--rounds', '5'));
const DURATION = Number(arg('--duration', '8'));
const OPTIONS = JSON.parse(arg('--options', '{}')) as Record<string, unknown>;

interface Arm {
  name: string;
  /** The folder put on PYTHONPATH (a build's dist/python), or null: untraced. */
  python: string | null;
}
const arms: Arm[] = [
  { name: 'untraced', python: null },
  { name: 'this build', python: path.join(root, 'dist', 'python') },
];
process.argv.forEach((a, i) => {
  if (a === '--against-python') {
    const dir = path.resolve(process.argv[i + 1]);
    if (!fs.existsSync(path.join(dir, 'looplens_tracer.py'))) {
      process.stderr.write(`pythonTogether: --against-python ${dir}: no looplens_tracer.py there\n`);
      process.exit(2);
    }
    arms.push({ name: dir, python: dir });
  }
});

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-together-'));
const TICK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

interface RunTime {
  /** Seconds on a CPU of all the process's threads (schedstat), and of its main thread. */
  all: number;
  main: number;
  /** Context switches of the main thread (voluntary: it waited, for I/O or the interpreter's lock;
   * involuntary: preempted) and the other threads' voluntary ones (each a wake-up after a sleep or a
   * wait: the tracer's watchdog). */
  mainVoluntary: number;
  mainInvoluntary: number;
  otherVoluntary: number;
}

function switches(status: string, kind: string): number {
  return Number(new RegExp(`^${kind}_ctxt_switches:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
}

function runTime(pid: number): RunTime {
  const t: RunTime = { all: 0, main: 0, mainVoluntary: 0, mainInvoluntary: 0, otherVoluntary: 0 };
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      t.all += ns;
      if (Number(tid) === pid) {
        t.main = ns;
        t.mainVoluntary = switches(status, 'voluntary');
        t.mainInvoluntary = switches(status, 'nonvoluntary');
      } else {
        t.otherVoluntary += switches(status, 'voluntary');
      }
    } catch {
      // (a thread that ended meanwhile)
    }
  }
  return t;
}

/** The process's user and system time (/proc/PID/stat, in clock ticks: coarse), and its minor page
 * faults. */
function userSystem(pid: number): { user: number; system: number; faults: number } {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICK, system: Number(fields[12]) / TICK, faults: Number(fields[7]) };
}

function startServer(arm: Arm, round: number, index: number): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // As bench:tracer holds them (see PYTHON_MALLOC there).
    MALLOC_MMAP_THRESHOLD_: String(1 << 20),
    MALLOC_TRIM_THRESHOLD_: String(8 << 20),
  };
  delete env.PYTHONPATH;
  delete env.LOOPLENS_OPTIONS;
  if (arm.python !== null) {
    env.PYTHONPATH = arm.python;
    env.LOOPLENS_OPTIONS = JSON.stringify({
      ...OPTIONS,
      out: path.join(tmp, `arm${index}-round${round}.looplens`),
    });
  }
  const child = spawn('taskset', ['-c', '0', PYTHON, SERVER], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('exit', (code) =>
      reject(new Error(`${arm.name}: the server exited (${code}) before it listened`)),
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /\{"port": (\d+)\}/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
  });
}

const load = (port: number, seconds: number): Promise<number> =>
  new Promise((resolve, reject) =>
    autocannon(
      { url: `http://127.0.0.1:${port}${ROUTE}`, connections: CONNECTIONS, duration: seconds },
      (err, r) => (err ? reject(err) : resolve(r.requests.total)),
    ),
  );

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function main(): Promise<void> {
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  process.stdout.write(
    `FastAPI ${ROUTE}, ${arms.length} servers at once on CPU 0 (load on CPU 1), ${ROUNDS} rounds of ${DURATION} s; ` +
      `traced options ${JSON.stringify(OPTIONS)}\n`,
  );
  const ratios: number[][] = arms.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    const servers = await Promise.all(arms.map((arm, i) => startServer(arm, round, i)));
    try {
      await Promise.all(servers.map((s) => load(s.port, 2)));
      const before = servers.map((s) => ({ run: runTime(s.child.pid!), us: userSystem(s.child.pid!) }));
      const began = process.hrtime.bigint();
      const served = await Promise.all(servers.map((s) => load(s.port, DURATION)));
      const after = servers.map((s) => ({ run: runTime(s.child.pid!), us: userSystem(s.child.pid!) }));
      const seconds = Number(process.hrtime.bigint() - began) / 1e9;
      const perRequest = (i: number, seconds: number) => (seconds / served[i]) * 1e6;
      const cpu = servers.map((_, i) => perRequest(i, after[i].run.all - before[i].run.all));
      const loadAverage = fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
      process.stdout.write(`round ${round} (load ${loadAverage})\n`);
      arms.forEach((arm, i) => {
        const ratio = cpu[i] / cpu[0];
        ratios[i].push(ratio);
        process.stdout.write(
          `  ${arm.name.padEnd(12)} ${String(served[i]).padStart(6)} requests, ${cpu[i].toFixed(1)} µs CPU/req ` +
            `(main thread ${perRequest(i, after[i].run.main - before[i].run.main).toFixed(1)}; ` +
            `user ${perRequest(i, after[i].us.user - before[i].us.user).toFixed(0)}, ` +
            `system ${perRequest(i, after[i].us.system - before[i].us.system).toFixed(0)})` +
            (i > 0 ? `  ×${ratio.toFixed(3)}` : '') +
            '\n',
        );
        // Where a traced arm's extra goes: its other threads (the watchdog) and their wake-ups, the
        // main thread's switches (the interpreter's lock handed over: voluntary), page faults.
        const d = (k: 'mainVoluntary' | 'mainInvoluntary' | 'otherVoluntary') =>
          after[i].run[k] - before[i].run[k];
        const other = after[i].run.all - after[i].run.main - (before[i].run.all - before[i].run.main);
        process.stdout.write(
          `  ${''.padEnd(12)} other threads ${perRequest(i, other).toFixed(1)} µs/req ` +
            `(${((other / seconds) * 1e3).toFixed(2)} ms a second, ${(d('otherVoluntary') / seconds).toFixed(0)} wake-ups a second); ` +
            `main thread's switches a 1,000 requests ${((d('mainVoluntary') / served[i]) * 1e3).toFixed(0)} voluntary, ` +
            `${((d('mainInvoluntary') / served[i]) * 1e3).toFixed(0)} involuntary; ` +
            `minor faults ${((after[i].us.faults - before[i].us.faults) / served[i]).toFixed(2)}/req\n`,
        );
      });
    } finally {
      for (const s of servers) s.child.kill('SIGINT');
      await Promise.all(
        servers.map(
          (s) => new Promise((r) => (s.child.exitCode !== null ? r(null) : s.child.once('exit', r))),
        ),
      );
    }
  }
  process.stdout.write('CPU a request, traced ÷ untraced, medians (min–max of the rounds):\n');
  arms.slice(1).forEach((arm, j) => {
    const xs = ratios[j + 1];
    process.stdout.write(
      `  ${arm.name}: ×${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}–${Math.max(...xs).toFixed(3)})\n`,
    );
  });
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  process.stderr.write(`pythonTogether: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
