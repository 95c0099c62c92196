/**
 * Where a traced FastAPI request's extra time goes, by Linux `perf` (README, Performance):
 * `npx tsx bench/perfPython.ts [options]`. bench/fastapiServer.py on CPU 0, loaded by autocannon on
 * CPU 1, untraced and traced (streaming live to a reader, as bench:tracer runs it) alternating;
 * `perf record -e cpu-clock` samples the server's main thread for the whole of each measured load
 * run. Prints, per run, req/s and each thread's CPU, context switches and page faults a request
 * (/proc), then the main thread's time a request by where it went (the interpreter's loop, lookups,
 * allocation, records, the clock, the interpreter's lock, the kernel...) summed over the rounds, and
 * the symbols that grew most. Needs `perf` (Debian's linux-perf) and the right to use it.
 *
 * Debian's python3.11 has no symbols for its static functions (take_gil, lookdict...): give an
 * interpreter built with them through --python, e.g. pyenv's, with Debian's FastAPI on its path:
 *   npx tsx bench/perfPython.ts --python ~/.pyenv/versions/3.11.7/bin/python3.11 \
 *     --pythonpath /usr/lib/python3/dist-packages
 *
 * Options: --rounds N (default 3), --duration S (seconds of measured load, default 8), --route /async
 * (default /), --tracer DIR (the build's dist/python, default this one's), --python PATH (default
 * /usr/bin/python3), --pythonpath DIRS (put after the tracer's, traced or not), --keep DIR (leave the
 * perf.data files there; default: a temporary folder, removed). The server's C allocator is held as
 * bench:tracer holds it (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_); --malloc-as-is leaves it.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TraceServer } from '../host/traceServer';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

const root = path.resolve(__dirname, '..');
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const ROUNDS = Number(arg('--rounds', '3'));
const DURATION = Number(arg('--duration', '8'));
const ROUTE = arg('--route', '/');
const TRACER_DIR = path.resolve(arg('--tracer', path.join(root, 'dist', 'python')));
const PYTHON = arg('--python', '/usr/bin/python3');
const EXTRA_PATH = arg('--pythonpath', '');
const KEEP = arg('--keep', '');
const MALLOC: NodeJS.ProcessEnv = process.argv.includes('--malloc-as-is')
  ? {}
  : { MALLOC_MMAP_THRESHOLD_: String(1 << 20), MALLOC_TRIM_THRESHOLD_: String(8 << 20) };
const autocannon = path.join(root, 'node_modules', 'autocannon', 'autocannon.js');

/** Where a symbol's time counts (the first that matches), for the table. */
const WHERE: [string, RegExp][] = [
  [
    "the interpreter's lock, threads, scheduling",
    /take_gil|drop_gil|PyEval_RestoreThread|PyEval_SaveThread|pthread_|futex|lll_|\bschedule|__schedule|finish_task_switch|PyThread_|switch_to/,
  ],
  ['the clock (vDSO, perf_counter)', /vdso|_PyTime|time_perf_counter|clock_gettime|kvm_clock|pvclock/],
  [
    'records (struct packing, the bytearray)',
    /_struct|bytearray|PyByteArray|PyBytes_|PyBuffer|memmove|memcpy|GetModuleByDef|lp_double|s_pack/,
  ],
  ["the interpreter's loop", /_PyEval_EvalFrameDefault/],
  [
    'calls and frames',
    /Vectorcall|vectorcall|_PyFrame|_PyEval_Vector|FramePushAndInit|initialize_locals|MakeTpCall|_Py_CheckFunctionResult|FastCall|func_|method_|meth_|cfunction|PyCFunction|PyObject_Call/,
  ],
  [
    'attribute, dict and set lookups',
    /dict|Dict|lookup|Lookup|GetAttr|SetAttr|getattr|setattr|PyMember|set_|unicodekeys|insertdict|PyObject_Hash|hash/,
  ],
  [
    'allocation and freeing',
    /[Mm]alloc|[Ff]ree|alloc|dealloc|_New|PyTuple|PyList|PyFloat|PyLong|_int_|weakref|clear|_GC_|gc_/,
  ],
  ['kernel (sockets, epoll, interrupts)', /^kernel /],
];
const whereOf = (symbol: string): string => WHERE.find(([, re]) => re.test(symbol))?.[0] ?? 'other';

interface Thread {
  name: string;
  voluntary: number;
  involuntary: number;
  runNs: number;
  faults: number;
}

/** Each thread of process `pid` (/proc). */
function threads(pid: number): Map<string, Thread> {
  const out = new Map<string, Thread>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      out.set(tid, {
        name: /Name:\s+(.*)/.exec(status)![1],
        voluntary: Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]),
        involuntary: Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)![1]),
        runNs: Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]),
        faults: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]),
      });
    } catch {
      // (a thread that ended meanwhile)
    }
  }
  return out;
}

function load(port: number, seconds: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'taskset',
      [
        '-c',
        '1',
        process.execPath,
        autocannon,
        '-j',
        '-c',
        '50',
        '-d',
        String(seconds),
        `http://127.0.0.1:${port}${ROUTE}`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', () => {
      try {
        resolve(JSON.parse(out).requests.total);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The time a symbol took in a perf.data file, ns, by "dso symbol" (the kernel's as "kernel …"). */
function profile(file: string): Map<string, number> {
  const text = execFileSync(
    'perf',
    ['report', '-i', file, '--stdio', '--sort', 'dso,sym', '-F', 'period,dso,sym', '-t', '\t'],
    { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [period, dso, sym] = line.split('\t').map((s) => s.trim());
    if (sym === undefined || !/^\d+$/.test(period)) continue;
    const name = /^\[.\] 0x/.test(sym) ? `${sym.slice(0, 4)}?` : sym;
    const key = dso.startsWith('[kernel') ? `kernel ${name}` : `${path.basename(dso)} ${name}`;
    out.set(key, (out.get(key) ?? 0) + Number(period));
  }
  return out;
}

interface Run {
  requests: number;
  symbols: Map<string, number>;
}

async function runOnce(server: TraceServer, traced: boolean, file: string): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...MALLOC, PORT: '0' };
  delete env.NODE_OPTIONS;
  delete env.LOOPLENS_OPTIONS;
  const paths = [...(traced ? [TRACER_DIR] : []), ...(EXTRA_PATH !== '' ? [EXTRA_PATH] : [])];
  if (paths.length > 0) env.PYTHONPATH = paths.join(':');
  else delete env.PYTHONPATH;
  if (traced) env.LOOPLENS_OPTIONS = JSON.stringify(server.tracerOptions({ blockMs: 50 }));
  const child = spawn('taskset', ['-c', '0', PYTHON, path.join(__dirname, 'fastapiServer.py')], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        const port = /"port":\s*(\d+)/.exec(text)?.[1];
        if (port !== undefined) resolve(Number(port));
      });
      child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    const pid = child.pid!; // (taskset runs python in its own process)
    await load(port, 2);
    const before = threads(pid);
    const perf = spawn(
      'perf',
      ['record', '-q', '-e', 'cpu-clock', '-F', '4000', '-t', String(pid), '-o', file],
      {
        stdio: 'inherit',
      },
    );
    await new Promise((r) => setTimeout(r, 300));
    const requests = await load(port, DURATION);
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('exit', r));
    const after = threads(pid);
    const lines = [`${traced ? 'traced  ' : 'untraced'}: ${(requests / DURATION).toFixed(0)} req/s`];
    for (const [tid, b] of after) {
      const a = before.get(tid) ?? { ...b, voluntary: 0, involuntary: 0, runNs: 0, faults: 0 };
      const per = (n: number): string => (n / requests).toFixed(2);
      lines.push(
        `  thread ${tid}${tid === String(pid) ? ' (main)' : ''}: CPU ${per((b.runNs - a.runNs) / 1000)} µs/req, ` +
          `context switches a request ${per(b.voluntary - a.voluntary)} voluntary, ${per(b.involuntary - a.involuntary)} involuntary, ` +
          `page faults a request ${per(b.faults - a.faults)}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
    return { requests, symbols: profile(file) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

async function main(): Promise<void> {
  execFileSync('perf', ['--version'], { stdio: 'ignore' });
  // This process reads the traced server's live stream (and starts perf): on CPU 1 with the load,
  // not on the server's CPU (as bench:tracer).
  execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const dir = KEEP !== '' ? path.resolve(KEEP) : fs.mkdtempSync(path.join(os.tmpdir(), 'perf-python-'));
  fs.mkdirSync(dir, { recursive: true });
  // The trace read and dropped (what bench:tracer's reader does, without counting).
  const none = (): void => {};
  const server = await TraceServer.start({
    accept: () => true,
    visitor: () => ({
      run: none,
      idle: none,
      task: none,
      taskEnd: none,
      ready: none,
      taskInfo: none,
      lag: none,
      dropped: none,
      end: none,
      blockSample: none,
    }),
  });
  const sums = {
    untraced: { requests: 0, symbols: new Map<string, number>() },
    traced: { requests: 0, symbols: new Map<string, number>() },
  };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const traced of round % 2 === 0 ? [false, true] : [true, false]) {
        const kind = traced ? 'traced' : 'untraced';
        const run = await runOnce(server, traced, path.join(dir, `${kind}-${round + 1}.data`));
        sums[kind].requests += run.requests;
        for (const [k, v] of run.symbols) sums[kind].symbols.set(k, (sums[kind].symbols.get(k) ?? 0) + v);
      }
    }
  } finally {
    await server.close();
    if (KEEP === '') fs.rmSync(dir, { recursive: true, force: true });
  }
  // µs a request, by where and by symbol.
  const perRequest = (kind: 'untraced' | 'traced', key: string | null, group = false): number => {
    let ns = 0;
    for (const [k, v] of sums[kind].symbols) if (key === null || (group ? whereOf(k) : k) === key) ns += v;
    return ns / 1000 / sums[kind].requests;
  };
  const rows = [...WHERE.map(([w]) => w), 'other'].map(
    (w) => [w, perRequest('untraced', w, true), perRequest('traced', w, true)] as const,
  );
  const width = Math.max(...rows.map(([w]) => w.length));
  const out = [
    `main thread, µs a request (${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, ${ROUTE}):`,
    `${'where'.padEnd(width)}  untraced    traced     extra`,
    ...rows.map(
      ([w, u, t]) =>
        `${w.padEnd(width)}  ${u.toFixed(1).padStart(8)}  ${t.toFixed(1).padStart(8)}  ${(t - u >= 0 ? '+' : '') + (t - u).toFixed(1)}`,
    ),
  ];
  const u = perRequest('untraced', null);
  const t = perRequest('traced', null);
  out.push(
    `${'all'.padEnd(width)}  ${u.toFixed(1).padStart(8)}  ${t.toFixed(1).padStart(8)}  +${(t - u).toFixed(1)} (×${(t / u).toFixed(3)})`,
    '',
    'the symbols that grew most:',
  );
  const keys = new Set([...sums.untraced.symbols.keys(), ...sums.traced.symbols.keys()]);
  const grown = [...keys]
    .map((k) => [k, perRequest('untraced', k), perRequest('traced', k)] as const)
    .sort((a, b) => b[2] - b[1] - (a[2] - a[1]))
    .slice(0, 25);
  for (const [k, a, b] of grown)
    out.push(
      `  ${k.slice(0, 60).padEnd(60)} ${a.toFixed(2).padStart(7)} ${b.toFixed(2).padStart(7)}  +${(b - a).toFixed(2)}`,
    );
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
