/**
 * The tracer runs inside the user's program: whatever it does, the program must behave, print and
 * end exactly as it would untraced. Each program here runs twice, untraced and traced, in real Node
 * processes, and everything observable is compared.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { TraceServer } from '../host/traceServer';
import { Timeline } from '../model/timeline';
import {
  FIXTURES,
  ROOT,
  RunResult,
  TRACER,
  plainEnv,
  readTrace,
  run,
  tempDir,
  tracedEnv,
  waitFor,
} from './helpers';

const PROGRAMS = path.join(FIXTURES, 'programs');

interface Case {
  title: string;
  file: string;
  args?: string[];
  input?: string;
  /** Tracer options for this case (beyond the trace file). */
  options?: Record<string, unknown>;
  /** What the trace must say about the end of the program. */
  end?: { cause: string; code: number };
  /**
   * The one difference docs/lanes.md (Limits) allows: Node's `runNextTicks` and `processTimers`
   * frames in the stack of an error thrown in a continuation of the program's timer, when the
   * tracer's flush fell due in the same pass of the loop.
   */
  timerFrames?: boolean;
}

const CASES: Case[] = [
  {
    title: 'output on stdout and stderr, input on stdin and its exit code',
    file: 'output.js',
    input: 'some input\n',
    end: { cause: 'exit', code: 7 },
  },
  { title: 'process.exit() with work still pending', file: 'exit.js', end: { cause: 'exit', code: 3 } },
  {
    title: 'an uncaught exception thrown through a patched JSON.parse in a timer',
    file: 'uncaught.js',
    end: { cause: 'uncaught-exception', code: 1 },
  },
  {
    title: 'an uncaught exception in an fs callback',
    file: 'uncaughtNested.js',
    args: ['fs'],
    end: { cause: 'uncaught-exception', code: 1 },
  },
  {
    title: 'an uncaught exception in an immediate',
    file: 'uncaughtNested.js',
    args: ['immediate'],
    end: { cause: 'uncaught-exception', code: 1 },
  },
  {
    title: 'an uncaught exception in a request event listener',
    file: 'uncaughtNested.js',
    args: ['event'],
    end: { cause: 'uncaught-exception', code: 1 },
  },
  {
    title: 'an error from a patched synchronous fs call',
    file: 'uncaughtNested.js',
    args: ['sync'],
    end: { cause: 'unhandled-rejection', code: 1 },
  },
  {
    title: 'an unhandled rejection',
    file: 'rejection.js',
    end: { cause: 'unhandled-rejection', code: 1 },
    // The tracer's flush timer is a timer list of its own: due in the same pass as the program's
    // 10 ms timer (a loaded machine), Node drains the microtasks between the two lists, and the
    // error's stack gains Node's runNextTicks/processTimers frames (docs/lanes.md, Limits). The
    // case is about the rejection, so the flush waits until after it — unless the loop's first pass
    // came later than that (2 runs in 5 at load 30-34, seconds into a program's start): those two
    // frames, and nothing else, may differ.
    options: { flushMs: 1000 },
    timerFrames: true,
  },
  {
    title: 'an ES module with top-level await and named imports of built-ins',
    file: 'esm.mjs',
    end: { cause: 'exit', code: 0 },
  },
  { title: 'worker threads and a child process', file: 'threads.js', end: { cause: 'exit', code: 0 } },
  {
    title: 'a program that inspects, subclasses and misuses AsyncResource',
    file: 'asyncResource.js',
    end: { cause: 'exit', code: 0 },
  },
  {
    title: 'a program that sets globalThis.performance to undefined',
    file: 'noPerformance.js',
    end: { cause: 'exit', code: 0 },
  },
  {
    title: 'the order and arguments of hundreds of ticks and microtasks queued at once, one throwing',
    file: 'tickOrder.js',
    end: { cause: 'exit', code: 0 },
  },
  {
    title: 'promises it froze, sealed or made non-extensible, then awaited and chained',
    file: 'frozenPromises.js',
    end: { cause: 'exit', code: 0 },
  },
  {
    title:
      "require hooks of Node's CommonJS compile on its .js and .ts files, on a module and on the prototype",
    file: 'compileHooks.js',
    end: { cause: 'exit', code: 0 },
  },
  {
    title: 'an exit right after a block the sampler was watching',
    file: 'blockThenExit.js',
    end: { cause: 'exit', code: 0 },
  },
];

/** Node's frames that run a timer list's microtasks before the next list's (Case.timerFrames). */
const TIMER_FRAMES =
  /\n {4}at runNextTicks \(node:internal\/process\/task_queues:\d+:\d+\)\n {4}at process\.processTimers \(node:internal\/timers:\d+:\d+\)(?=\n)/g;

function same(traced: RunResult, untraced: RunResult, timerFrames = false): void {
  assert.equal(traced.stdout, untraced.stdout, 'stdout');
  const stderr =
    timerFrames && untraced.stderr.replace(TIMER_FRAMES, '') === untraced.stderr
      ? traced.stderr.replace(TIMER_FRAMES, '')
      : traced.stderr;
  assert.equal(stderr, untraced.stderr, 'stderr');
  assert.equal(traced.code, untraced.code, 'exit code');
  assert.equal(traced.signal, untraced.signal, 'signal');
}

describe('the tracer never changes the program it traces', function () {
  // (At load 37 the ES module, threads, code-cache and exit-after-block cases each took more than
  // 30 s: a Node process's start alone took seconds.)
  this.timeout(120_000);
  const dir = tempDir();

  for (const c of CASES) {
    it(`keeps ${c.title}`, async () => {
      const args = [path.join(PROGRAMS, c.file), ...(c.args ?? [])];
      const out = path.join(dir, `${c.file}-${(c.args ?? []).join('-')}.looplens`);
      const untraced = await run(process.execPath, args, { env: plainEnv(), input: c.input, cwd: PROGRAMS });
      const traced = await run(process.execPath, args, {
        env: tracedEnv(out, c.options),
        input: c.input,
        cwd: PROGRAMS,
      });
      same(traced, untraced, c.timerFrames);
      const { summary, unfinished } = readTrace(out);
      assert.equal(unfinished, false, 'the trace has its end record');
      assert.deepEqual(summary.end, c.end);
    });
  }

  /** Starts a program, waits for it to print `ready`, sends it a signal, returns how it ended. */
  async function killAfterReady(
    args: string[],
    env: NodeJS.ProcessEnv,
    signal: NodeJS.Signals,
  ): Promise<RunResult> {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const closed = new Promise<RunResult>((resolve) =>
      child.on('close', (code, sig) => resolve({ stdout, stderr, code, signal: sig })),
    );
    // Eight ticks (160 ms): several of the tracer's 25 ms flushes have run, even on a busy machine.
    // (At load 37 they had not come 10 s after the programs' start.)
    await waitFor(() => ((stdout.match(/tick\n/g)?.length ?? 0) >= 8 ? true : undefined), 60_000, 'ticks');
    child.kill(signal);
    return closed;
  }

  it('dies by the same signal, and keeps what it recorded up to its last flush', async () => {
    const file = path.join(PROGRAMS, 'signal.js');
    const out = path.join(dir, 'signal.looplens');
    const [untraced, traced] = await Promise.all([
      killAfterReady([file], plainEnv(), 'SIGTERM'),
      killAfterReady([file], tracedEnv(out), 'SIGTERM'),
    ]);
    assert.equal(untraced.signal, 'SIGTERM');
    assert.equal(traced.signal, 'SIGTERM');
    assert.equal(traced.code, untraced.code);
    assert.equal(traced.stderr, untraced.stderr);
    const { summary, unfinished } = readTrace(out);
    assert.equal(unfinished, true, 'a program killed by a signal cannot write its end record');
    assert.ok(
      summary.tasks.some((t) => t.kind === 'main'),
      'the main task was recorded',
    );
    const ticks = summary.tasks.find((t) => t.kind === 'timer');
    assert.ok(
      ticks !== undefined && ticks.stints >= 2,
      `the interval's stints were kept (${JSON.stringify(summary.tasks)})`,
    );
  });

  it('ends under a debugger that holds its threads before their first line, as js-debug does on a busy machine', async function () {
    this.timeout(120_000);
    // The program ends 200 ms in; the debugger lets the tracer's watchdog thread run 2 s in. Node's
    // exit joins the program's threads, and the debugger's word to a thread goes through the main
    // thread: an exit that went on without waiting for it hung for good (in VS Code, a short
    // program's debug session never ended, 1 time in 60 at load 35).
    const out = path.join(dir, 'held.looplens');
    const child = spawn(process.execPath, ['--inspect-brk=0', path.join(FIXTURES, 'vscode', 'env.js')], {
      env: tracedEnv(out),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const url = await waitFor(
        () => /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1],
        30_000,
        'the inspector',
      );
      const holder = run(process.execPath, [
        // (Node.js 20 has its WebSocket client behind a flag.)
        ...('WebSocket' in globalThis ? [] : ['--experimental-websocket']),
        path.join(FIXTURES, 'debugger', 'holdWorkers.mjs'),
        url,
        '2000',
      ]);
      // (Waiting for the program to end, however long a loaded machine takes: it hung for good.)
      assert.equal(await closed, 0, stderr);
      assert.match((await holder).stdout, /released/, 'the debugger held the watchdog thread and let it go');
      assert.match(stdout, /LOOPLENS-ENV \{.*"traced":true/);
      assert.deepEqual(readTrace(out).summary.end, { cause: 'exit', code: 0 });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('lets a program that handles SIGTERM handle it, and records the clean exit', async () => {
    const file = path.join(PROGRAMS, 'signal.js');
    const out = path.join(dir, 'signal-handled.looplens');
    const traced = await killAfterReady([file, 'handle'], tracedEnv(out), 'SIGTERM');
    assert.equal(traced.code, 0);
    assert.match(traced.stdout, /got SIGTERM, cleaning up/);
    assert.deepEqual(readTrace(out).summary.end, { cause: 'exit', code: 0 });
  });

  describe('stays inert on bad or missing options', () => {
    const program = path.join(PROGRAMS, 'output.js');
    // A FIFO nobody reads: opening it to write would wait for a reader.
    const fifo = path.join(dir, 'nobody-reads.fifo');
    before(() => {
      execFileSync('mkfifo', [fifo]);
    });
    const variants: Array<[string, string | undefined]> = [
      ['a trace path that is a FIFO nobody reads', JSON.stringify({ out: fifo })],
      ['a trace path that is a folder', JSON.stringify({ out: dir })],
      ['no LOOPLENS_OPTIONS at all', undefined],
      ['options that are not JSON', '{not json'],
      ['options that are JSON but not an object', '[1, 2]'],
      ['an out-of-range block threshold', JSON.stringify({ out: '/tmp/x.looplens', blockMs: -5 })],
      [
        'a slowdown that is not a number from 1 to 10000',
        JSON.stringify({ out: '/tmp/x.looplens', slowdown: 0 }),
      ],
      ['no place to send the trace', JSON.stringify({ blockMs: 50 })],
      [
        'a socket that nobody listens on',
        JSON.stringify({ socket: '/nonexistent/dir/looplens.sock', token: 'abc' }),
      ],
      [
        'a trace file in a folder that does not exist',
        JSON.stringify({ out: '/nonexistent/dir/trace.looplens' }),
      ],
      ['a spill file without a socket', JSON.stringify({ out: '/tmp/x.looplens', spill: '/tmp/y.looplens' })],
      [
        'a socket nobody listens on and a spill file in a folder that does not exist',
        JSON.stringify({
          socket: '/nonexistent/dir/s.sock',
          token: 'abc',
          spill: '/nonexistent/dir/{pid}.looplens',
        }),
      ],
    ];
    for (const [title, options] of variants) {
      it(`with ${title}`, async () => {
        const untraced = await run(process.execPath, [program], { env: plainEnv(), input: 'x\n' });
        const env: NodeJS.ProcessEnv = { ...plainEnv(), NODE_OPTIONS: `--require ${TRACER}` };
        if (options !== undefined) env.LOOPLENS_OPTIONS = options;
        const traced = await run(process.execPath, [program], { env, input: 'x\n' });
        same(traced, untraced);
      });
    }
  });

  it('loads once when it is required twice', async () => {
    const out = path.join(dir, 'twice.looplens');
    const env = tracedEnv(out);
    env.NODE_OPTIONS = `--require ${TRACER} --require ${TRACER}`;
    const result = await run(process.execPath, [path.join(PROGRAMS, 'exit.js')], { env });
    assert.equal(result.code, 3);
    const { summary } = readTrace(out);
    assert.equal(summary.tasks.filter((t) => t.kind === 'main').length, 1);
  });

  it("leaves a program's child processes and worker threads as they were, and runs in none of them unless `children` is on", async () => {
    // NODE_OPTIONS carries the preload into every Node process the program starts, and preloads run
    // in worker threads. With `children` off (the default) the program claims the trace and the
    // others stay inert — decided before the tracer's bundle is read (tracer/gate.ts); each of them
    // read, compiled and ran the whole bundle until 2026-12-07 to find that out (about 13 M
    // instructions a child). A copy of the build whose bundle writes down every process that runs it
    // tells which did.
    const fs = await import('node:fs');
    const copy = path.join(dir, 'marked');
    const marks = path.join(dir, 'marks');
    fs.mkdirSync(copy);
    for (const f of ['tracer.js', 'tracerCore.js', 'tracerWatchdog.js'])
      fs.copyFileSync(path.join(path.dirname(TRACER), f), path.join(copy, f));
    const core = path.join(copy, 'tracerCore.js');
    const text = fs.readFileSync(core, 'utf8');
    assert.ok(text.startsWith('"use strict";\n'), 'the bundle begins as the mark expects');
    // On the first line, after the directive: no line of the bundle moves.
    const mark = `require("node:fs").appendFileSync(${JSON.stringify(marks)}, process.pid + "\\n");`;
    fs.writeFileSync(core, text.replace('"use strict";', `"use strict";${mark}`));

    type Seen = { pid: number; guard: { inert?: string; codeCache?: string } | null };
    const program = path.join(PROGRAMS, 'children.js');
    const runIt = async (name: string, options: Record<string, unknown> | null) => {
      const side = path.join(dir, `children-${name}`);
      const traces = path.join(side, 'traces');
      fs.mkdirSync(traces, { recursive: true });
      const env: NodeJS.ProcessEnv = { ...plainEnv(), SIDE_DIR: side };
      if (options !== null) {
        env.NODE_OPTIONS = `--require ${path.join(copy, 'tracer.js')}`;
        env.LOOPLENS_OPTIONS = JSON.stringify({ out: path.join(traces, 'trace-{pid}.looplens'), ...options });
      }
      fs.rmSync(marks, { force: true });
      const result = await run(process.execPath, [program], { env });
      const seen: Record<string, Seen> = {};
      for (const f of fs.readdirSync(side).filter((f) => f.endsWith('.json')))
        seen[f.split('-')[0]] = JSON.parse(fs.readFileSync(path.join(side, f), 'utf8')) as Seen;
      const ran = fs.existsSync(marks) ? fs.readFileSync(marks, 'utf8').split('\n').filter(Boolean) : [];
      const traced = fs.readdirSync(traces).map((f) => Number(/^trace-(\d+)\.looplens$/.exec(f)?.[1]));
      const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
      return { result, seen, ran: sorted(ran.map(Number)), traced: sorted(traced), traces, sorted };
    };

    const untraced = await runIt('untraced', null);
    assert.equal(untraced.result.code, 6, untraced.result.stderr);
    assert.match(
      untraced.result.stdout,
      /forked: forked child says hello \[\{"from":"forked","sum":3\}\] \(exit 4\)/,
    );
    const children = ['spawned', 'forked', 'synced'];

    const off = await runIt('off', {});
    same(off.result, untraced.result);
    const parent = off.seen.parent.pid;
    assert.deepEqual(off.traced, [parent], 'the program alone is traced');
    assert.deepEqual(off.ran, [parent], 'and alone runs the tracer: not its children, nor its worker');
    for (const child of children)
      assert.deepEqual(
        off.seen[child].guard,
        { inert: 'claimed' },
        `the ${child} child found the trace claimed`,
      );
    assert.deepEqual(off.seen.worker.guard, { inert: 'thread' });
    assert.equal(off.seen.parent.guard?.inert, undefined);
    const { summary } = readTrace(path.join(off.traces, `trace-${parent}.looplens`));
    assert.deepEqual(summary.end, { cause: 'exit', code: 6 });
    assert.equal(summary.tasks.filter((t) => t.kind === 'main').length, 1);

    const on = await runIt('on', { children: true });
    same(on.result, untraced.result);
    const all = on.sorted(['parent', ...children].map((role) => on.seen[role].pid));
    // With children on there is no claim to tell the program's worker by before the tracer is
    // loaded: the tracer runs there and leaves it alone itself (index.ts boot), as before.
    const programPid = on.seen.parent.pid;
    assert.deepEqual(on.ran, on.sorted([...all, programPid]), 'each runs the tracer once, and the worker');
    assert.deepEqual(on.traced, all, 'the worker is no process of its own');
    children.forEach((child, k) => {
      assert.equal(on.seen[child].guard?.inert, undefined, child);
      const trace = readTrace(path.join(on.traces, `trace-${on.seen[child].pid}.looplens`)).summary;
      assert.deepEqual(
        trace.end,
        { cause: 'exit', code: 3 + k },
        `the ${child} child's trace ends as it did`,
      );
    });
  });

  /** The build's id, from the name of its code cache (tracer/load.ts cacheFile). */
  function buildId(dist: string, names: string[]): string {
    const id = names.map((f) => /^tracerCore-([0-9a-f]+)-[0-9a-f]+\.cache$/.exec(f)?.[1]).find(Boolean);
    assert.ok(id !== undefined, `no code cache in ${dist}: ${names.join(' ')}`);
    return id;
  }

  /** The name of the code cache the loader looks for under this Node, with no V8 flags. */
  async function cacheName(dist: string, names: string[]): Promise<string> {
    const tag = await run(
      process.execPath,
      ['-p', "require('node:v8').cachedDataVersionTag().toString(16)"],
      {
        env: plainEnv(),
      },
    );
    return `tracerCore-${buildId(dist, names)}-${tag.stdout.trim()}.cache`;
  }

  it("starts from V8's code cache of it, and from its source when V8 rejects the cache or it is gone, then writes the cache it wanted", async () => {
    // The cache is made as the build makes it (scripts/tracerCache.cjs), here by the Node running
    // the tests (the build's Node may be another: its cache then has another name): a copy of the
    // build with such a cache starts from it; one whose cache is garbage, or missing, must trace
    // the same program the same way, compiled from source. Where it was missing the tracer writes
    // it, and the next start uses it; a cache V8 rejected is left as it was.
    const fs = await import('node:fs');
    const probe = [
      'const guard = globalThis[Symbol.for("looplens.tracer")];',
      'process.stdout.write(String(guard && guard.codeCache));',
      'setTimeout(function later() {}, 5);',
    ].join('\n');
    const program = path.join(dir, 'codeCache.js');
    fs.writeFileSync(program, probe);
    const dist = path.dirname(TRACER);
    const cache = await cacheName(dist, fs.readdirSync(dist));
    const garbage = Buffer.alloc(4096, 7);
    const copies = {
      used: path.join(dir, 'cached'),
      rejected: path.join(dir, 'garbled'),
      none: path.join(dir, 'uncached'),
    };
    for (const [kind, copy] of Object.entries(copies)) {
      fs.mkdirSync(copy);
      for (const f of ['tracer.js', 'tracerCore.js', 'tracerWatchdog.js'])
        fs.copyFileSync(path.join(dist, f), path.join(copy, f));
      if (kind === 'rejected') fs.writeFileSync(path.join(copy, cache), garbage);
      if (kind === 'used') {
        const made = await run(
          process.execPath,
          [
            path.join(ROOT, 'scripts', 'tracerCache.cjs'),
            copy,
            cache.replace(/-[0-9a-f]+\.cache$/, '-{tag}.cache'),
          ],
          {
            env: {
              ...plainEnv(),
              LOOPLENS_OPTIONS: JSON.stringify({ out: path.join(dir, 'making.looplens') }),
            },
          },
        );
        assert.equal(made.code, 0, made.stderr);
        assert.equal(made.stdout, cache);
      }
    }
    const runs: [string, string][] = [...Object.entries(copies), ['used', copies.none]];
    // The user's cache folder is for a tracer whose folder cannot take the cache: never made here.
    const userCache = path.join(dir, 'codeCacheUser');
    for (const [k, [expected, copy]] of runs.entries()) {
      const tracer = path.join(copy, 'tracer.js');
      const out = path.join(dir, `codeCache-${k}.looplens`);
      const env = { ...tracedEnv(out), NODE_OPTIONS: `--require ${tracer}`, XDG_CACHE_HOME: userCache };
      const result = await run(process.execPath, [program], { env });
      assert.equal(result.stdout, expected, `${path.basename(copy)}: ${result.stderr}`);
      assert.equal(result.code, 0);
      const { summary } = readTrace(out);
      assert.equal(summary.tasks.filter((t) => t.kind === 'main').length, 1, expected);
      const later = summary.tasks.find((t) => t.name === 'later');
      assert.equal(later?.kind, 'timer', `${expected}: ${JSON.stringify(summary.tasks.map((t) => t.name))}`);
      // Nothing else written beside the tracer: no file left half made.
      const files = fs.readdirSync(copy).filter((f) => !/^tracer(Core|Watchdog)?\.js$/.test(f));
      assert.deepEqual(files, [cache], path.basename(copy));
    }
    assert.deepEqual(fs.readFileSync(path.join(copies.rejected, cache)), garbage);
    assert.ok(!fs.existsSync(userCache));
  });

  it('writes the code cache it wanted at exit when the program ends in its first stint, and then starts from it', async () => {
    const fs = await import('node:fs');
    const dist = path.dirname(TRACER);
    const cache = await cacheName(dist, fs.readdirSync(dist));
    const copy = path.join(dir, 'uncachedExit');
    fs.mkdirSync(copy);
    for (const f of ['tracer.js', 'tracerCore.js', 'tracerWatchdog.js'])
      fs.copyFileSync(path.join(dist, f), path.join(copy, f));
    const program = path.join(dir, 'cacheAtExit.js');
    fs.writeFileSync(
      program,
      'process.stdout.write(String(globalThis[Symbol.for("looplens.tracer")].codeCache));\nprocess.exit(5);\n',
    );
    for (const expected of ['none', 'used']) {
      const out = path.join(dir, `cacheAtExit-${expected}.looplens`);
      const env = {
        ...tracedEnv(out),
        NODE_OPTIONS: `--require ${path.join(copy, 'tracer.js')}`,
        XDG_CACHE_HOME: path.join(dir, 'cacheAtExitUser'),
      };
      const result = await run(process.execPath, [program], { env });
      assert.equal(result.stdout, expected, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal(result.code, 5);
      assert.equal(readTrace(out).summary.tasks.filter((t) => t.kind === 'main').length, 1);
      assert.ok(fs.existsSync(path.join(copy, cache)), fs.readdirSync(copy).join(' '));
    }
    assert.ok(!fs.existsSync(path.join(dir, 'cacheAtExitUser')));
  });

  it("starts from the build's code cache where its own V8 tag names none, as the same Node on another CPU does, and writes none", async () => {
    // V8's tag names the CPU's features too (Node 20 under valgrind has another), which V8's check
    // of a cache leaves out: the build's cache, made here by this Node, under another tag's name
    // written into the loader as the build's.
    const fs = await import('node:fs');
    const dist = path.dirname(TRACER);
    const cache = await cacheName(dist, fs.readdirSync(dist));
    const copy = path.join(dir, 'otherCpu');
    fs.mkdirSync(copy);
    for (const f of ['tracerCore.js', 'tracerWatchdog.js'])
      fs.copyFileSync(path.join(dist, f), path.join(copy, f));
    const loader = fs.readFileSync(path.join(dist, 'tracer.js'), 'utf8');
    const buildTag = /var BUILD_TAG = true \? "([0-9a-f]+)"/.exec(loader);
    assert.ok(buildTag !== null, 'the build tag in dist/tracer.js');
    fs.writeFileSync(path.join(copy, 'tracer.js'), loader.replace(buildTag[0], 'var BUILD_TAG = true ? "0"'));
    const made = await run(process.execPath, [path.join(ROOT, 'scripts', 'tracerCache.cjs'), copy, cache], {
      env: { ...plainEnv(), LOOPLENS_OPTIONS: JSON.stringify({ out: path.join(dir, 'making.looplens') }) },
    });
    assert.equal(made.code, 0, made.stderr);
    const builds = cache.replace(/-[0-9a-f]+\.cache$/, '-0.cache');
    fs.renameSync(path.join(copy, cache), path.join(copy, builds));
    const program = path.join(dir, 'otherCpu.js');
    fs.writeFileSync(
      program,
      'process.stdout.write(String(globalThis[Symbol.for("looplens.tracer")].codeCache));\nsetTimeout(function later() {}, 5);\n',
    );
    const out = path.join(dir, 'otherCpu.looplens');
    const env = {
      ...tracedEnv(out),
      NODE_OPTIONS: `--require ${path.join(copy, 'tracer.js')}`,
      XDG_CACHE_HOME: path.join(dir, 'otherCpuUser'),
    };
    const result = await run(process.execPath, [program], { env });
    assert.equal(result.stdout, 'used', result.stderr);
    assert.equal(result.code, 0);
    assert.equal(readTrace(out).summary.tasks.find((t) => t.name === 'later')?.kind, 'timer');
    assert.deepEqual(
      fs.readdirSync(copy).sort(),
      [builds, 'tracer.js', 'tracerCore.js', 'tracerWatchdog.js'].sort(),
    );
    assert.ok(!fs.existsSync(path.join(dir, 'otherCpuUser')));
  });

  it('changes nothing where it cannot write the code cache it wanted, beside it or in the user cache folder', async () => {
    // A folder in the cache's place: V8 gets no cache, and the file written for it cannot be renamed
    // over a folder (as a folder the tracer may not write to, or a full disk, stops it sooner); and
    // a file where the user's cache folder would be made.
    const fs = await import('node:fs');
    const dist = path.dirname(TRACER);
    const cache = await cacheName(dist, fs.readdirSync(dist));
    const copy = path.join(dir, 'unwritable');
    fs.mkdirSync(path.join(copy, cache, 'in the way'), { recursive: true });
    for (const f of ['tracer.js', 'tracerCore.js', 'tracerWatchdog.js'])
      fs.copyFileSync(path.join(dist, f), path.join(copy, f));
    const program = path.join(PROGRAMS, 'output.js');
    const untraced = await run(process.execPath, [program], { env: plainEnv(), input: 'some input\n' });
    const out = path.join(dir, 'unwritable.looplens');
    const userCache = path.join(dir, 'unwritableUser');
    fs.writeFileSync(userCache, 'a file, no folder');
    const env = {
      ...tracedEnv(out),
      NODE_OPTIONS: `--require ${path.join(copy, 'tracer.js')}`,
      XDG_CACHE_HOME: userCache,
    };
    const traced = await run(process.execPath, [program], { env, input: 'some input\n' });
    same(traced, untraced);
    assert.equal(readTrace(out).summary.tasks.filter((t) => t.kind === 'main').length, 1);
    assert.deepEqual(
      fs.readdirSync(copy).sort(),
      [cache, 'tracer.js', 'tracerCore.js', 'tracerWatchdog.js'].sort(),
    );
    assert.equal(fs.readFileSync(userCache, 'utf8'), 'a file, no folder');
  });

  it("writes the code cache it wanted to the user's cache folder where its own folder is read-only, and then starts from it there", async () => {
    // A copy of the build in a folder the traced program cannot write to: mode 555, and, where the
    // tests run as root (which mode bits do not stop), the program run as the user nobody. Its cache
    // folder is $XDG_CACHE_HOME/looplens, in a home of nobody's own that has no .cache yet.
    const fs = await import('node:fs');
    const os = await import('node:os');
    const dist = path.dirname(TRACER);
    const cache = await cacheName(dist, fs.readdirSync(dist));
    const root = process.getuid?.() === 0;
    const as = root ? { uid: 65534, gid: 65534 } : {};
    // (tempDir's folders are private to the user running the tests.)
    const open = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-readonly-'));
    try {
      fs.chmodSync(open, 0o755);
      const copy = path.join(open, 'dist');
      fs.mkdirSync(copy);
      // Installed as built: with the build's cache, which V8 rejects under another Node than the
      // build's (Node 22 and 24 here), and none under this Node's name.
      const loader = fs.readFileSync(path.join(dist, 'tracer.js'), 'utf8');
      const buildTag = /var BUILD_TAG = true \? "([0-9a-f]+)"/.exec(loader)?.[1];
      assert.ok(buildTag !== undefined, 'the build tag in dist/tracer.js');
      const builds = cache.replace(/-[0-9a-f]+\.cache$/, `-${buildTag}.cache`);
      const installed = ['tracer.js', 'tracerCore.js', 'tracerWatchdog.js'];
      if (builds !== cache) installed.push(builds);
      for (const f of installed) fs.copyFileSync(path.join(dist, f), path.join(copy, f));
      fs.chmodSync(copy, 0o555);
      const home = path.join(open, 'home');
      fs.mkdirSync(home);
      if (root) fs.chownSync(home, 65534, 65534);
      const program = path.join(open, 'readOnly.js');
      fs.writeFileSync(
        program,
        [
          'process.stdout.write(String(globalThis[Symbol.for("looplens.tracer")].codeCache));',
          'setTimeout(function later() { process.exitCode = 4; }, 5);',
          '',
        ].join('\n'),
      );
      const userCache = path.join(home, '.cache');
      const made = path.join(userCache, 'looplens', cache);
      for (const expected of [builds !== cache ? 'rejected' : 'none', 'used']) {
        const out = path.join(home, `readOnly-${expected}.looplens`);
        const env = {
          ...tracedEnv(out),
          NODE_OPTIONS: `--require ${path.join(copy, 'tracer.js')}`,
          XDG_CACHE_HOME: userCache,
        };
        const result = await run(process.execPath, [program], { env, cwd: home, ...as });
        assert.equal(result.stdout, expected, result.stderr);
        assert.equal(result.stderr, '');
        assert.equal(result.code, 4);
        assert.equal(readTrace(out).summary.tasks.find((t) => t.name === 'later')?.kind, 'timer', expected);
        assert.deepEqual(fs.readdirSync(copy).sort(), installed.sort());
        assert.deepEqual(fs.readdirSync(path.dirname(made)), [cache], expected);
      }
      assert.equal(fs.statSync(path.dirname(made)).mode & 0o777, 0o700);
      assert.equal(fs.statSync(made).mode & 0o777, 0o600);
      if (root) assert.equal(fs.statSync(made).uid, 65534);
    } finally {
      fs.rmSync(open, { recursive: true, force: true });
    }
  });

  it("names dishes the same from a copy of the build in another folder, V8's code cache used (an installed extension's)", async () => {
    // Code compiled from V8's cache keeps the name of the script the cache was made from: the
    // build's folder. A copy elsewhere took its own promise hooks' frames for the program's code
    // (dist0: every dish named `init2`, placed in tracer.js).
    const fs = await import('node:fs');
    const program = path.join(dir, 'copiedBuild.js');
    fs.writeFileSync(
      program,
      [
        "const { setTimeout: sleep } = require('node:timers/promises');",
        'const guard = globalThis[Symbol.for("looplens.tracer")];',
        'async function resize(n) { await sleep(5 * n); return n; }',
        'async function audit() { await sleep(3); }',
        'async function main() {',
        '  audit();',
        '  const got = await Promise.all([resize(1), resize(2), resize(3)]);',
        '  process.stdout.write(`${guard && guard.codeCache} ${got.join(" ")}`);',
        '}',
        'main();',
        '',
      ].join('\n'),
    );
    const dist = path.dirname(TRACER);
    // The cache made by the Node running the tests, as the build makes it (the build's Node may be
    // another, whose cache this Node rejects), in a folder of its own; then the build moved.
    const built = path.join(dir, 'built', 'dist');
    const copy = path.join(dir, 'installed', 'dist');
    fs.mkdirSync(built, { recursive: true });
    fs.mkdirSync(copy, { recursive: true });
    const cache = `tracerCore-${buildId(dist, fs.readdirSync(dist))}-{tag}.cache`;
    for (const f of fs.readdirSync(dist))
      if (/^tracer.*\.js$/.test(f)) fs.copyFileSync(path.join(dist, f), path.join(built, f));
    const made = await run(process.execPath, [path.join(ROOT, 'scripts', 'tracerCache.cjs'), built, cache], {
      env: { ...plainEnv(), LOOPLENS_OPTIONS: JSON.stringify({ out: path.join(dir, 'making.looplens') }) },
    });
    assert.equal(made.code, 0, made.stderr);
    for (const f of fs.readdirSync(built)) fs.copyFileSync(path.join(built, f), path.join(copy, f));
    fs.rmSync(built, { recursive: true });
    const out = path.join(dir, 'copiedBuild.looplens');
    const env = { ...tracedEnv(out), NODE_OPTIONS: `--require ${path.join(copy, 'tracer.js')}` };
    const result = await run(process.execPath, [program], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'used 1 2 3');
    const { summary } = readTrace(out);
    const main = summary.tasks.find((t) => t.kind === 'main')!;
    const dishes = summary.tasks.filter((t) => t.parent === main.id);
    assert.deepEqual(
      dishes.map((t) => `${t.name} ${path.basename(t.location?.file ?? '')}`),
      ['audit copiedBuild.js', 'resize copiedBuild.js', 'resize copiedBuild.js', 'resize copiedBuild.js'],
    );
  });

  it('keeps memory bounded when its reader falls behind, and the count of what it dropped reaches the trace', async function () {
    // (The burst, some 800,000 events, ran past 60 s at load 37.)
    this.timeout(300_000);
    const timeline = new Timeline();
    const fs = await import('node:fs');
    const burstOver = path.join(dir, 'burstOver');
    const caughtUp = path.join(dir, 'caughtUp');
    const server = await TraceServer.start({
      accept: (connection) => {
        // A reader that falls behind: it reads nothing until the program's burst is over, then
        // catches up while the program idles. (It read again after 700 ms before: at load 18 the
        // burst took 5 s, and the ~1.5 MiB made meanwhile fitted in the buffer and the socket's, 2
        // runs in 3: nothing was dropped.)
        connection.once('accepted', () => {
          // Caught up once the program's `idling` task, after its burst, has come: it may end.
          connection.on('data', () => {
            if (timeline.tasks.some((t) => t.name === 'idling') && !fs.existsSync(caughtUp))
              fs.writeFileSync(caughtUp, '');
          });
          connection.socket.pause();
          void waitFor(() => (fs.existsSync(burstOver) ? true : undefined), 60_000, 'the burst to end').then(
            () => connection.socket.resume(),
            () => connection.socket.resume(),
          );
        });
        return true;
      },
      visitor: () => timeline,
    });
    try {
      const env: NodeJS.ProcessEnv = {
        ...plainEnv(),
        NODE_OPTIONS: `--require ${TRACER}`,
        LOOPLENS_OPTIONS: JSON.stringify(server.tracerOptions({ bufferMiB: 1 })),
      };
      // 200,000 alternating continuations per task: about 800,000 events, 12 MiB, against 1 MiB.
      const result = await run(
        process.execPath,
        [path.join(FIXTURES, 'busyServer.js'), '200000', '2000', burstOver, caughtUp],
        {
          env,
        },
      );
      assert.equal(result.code, 0, result.stderr);
      const report = JSON.parse(result.stdout) as { rssGrowthMiB: number };
      assert.ok(report.rssGrowthMiB < 48, `memory grew by ${report.rssGrowthMiB.toFixed(1)} MiB`);
      await waitFor(() => (timeline.endInfo !== null ? true : undefined), 60_000, 'the end of the trace');
      assert.ok(timeline.droppedEvents > 0, 'drops were counted in the trace');
      assert.ok(timeline.drops.length > 0);
      assert.ok(timeline.stintCount > 1000, 'and what was not dropped arrived');
    } finally {
      await server.close();
    }
  });
});
