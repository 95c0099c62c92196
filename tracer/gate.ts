/**
 * Whether this process is the one to trace: decided by the preload's entry (load.ts) before it
 * reads, compiles and runs the tracer (dist/tracerCore.js), so that a process that stays inert pays
 * for this file only. Most processes that inherit the preload do stay inert: the child processes of
 * a traced program (NODE_OPTIONS carries the preload into every Node process it starts) find the
 * trace claimed, and worker threads, package-manager wrappers and `node --test`'s runner are never
 * traced. Each such process loaded the whole tracer to find that out, about 14 M instructions and
 * 10 ms of CPU a child process (docs/performance.md).
 *
 * Node built-ins only, and nothing here loads one the tracer would not have loaded itself. The
 * tracer loaded on its own, not through load.ts (scripts/tracerCache.cjs does), decides the same
 * way, with the same function (index.ts boot).
 */
import fs = require('node:fs');
import { OPTIONS_ENV, TracerOptions, parseOptions } from './options';

/** Why the tracer stays inert in this process (on its guard as `inert`, for tests and bug reports). */
export type InertReason =
  /** A worker thread: only the main thread is traced (its workers are seen from there). */
  | 'thread'
  /** LOOPLENS_OPTIONS missing or not usable (options.ts). */
  | 'options'
  /** A process that only starts the user's program (npm, npx, tsx, nodemon, …): the one it starts is traced. */
  | 'wrapper'
  /** `node --test`'s runner: each test file's own process is traced. */
  | 'testRunner'
  /**
   * Another live process of the session holds the trace (`children` off): a child of the traced
   * program. Also where the claim could not be made at all (its folder gone, say).
   */
  | 'claimed';

/** The process goes on: the tracer starts with these options, holding this claim (null: none needed). */
export interface Go {
  options: TracerOptions;
  claimFile: string | null;
}

export type Verdict = ({ go: true } & Go) | { go: false; inert: InertReason };

/**
 * The tracer's hidden global, `globalThis[Symbol.for('looplens.tracer')]`: present once the preload
 * has run in this process, so that it runs once however often it is required. Not enumerable.
 */
export interface Guard {
  version: string;
  inert?: InertReason;
  /** From load.ts to the tracer it then runs: its verdict, taken (and removed) by index.ts boot. */
  start?: Go;
  [field: string]: unknown;
}

export const GUARD = Symbol.for('looplens.tracer');

/**
 * The verdict, in the order the tracer always took it: main thread, options, wrapper, test runner,
 * then the claim — made here when the process goes on (a file created, released at its exit by the
 * tracer or, should the tracer fail to load, by `release`). `workerThreads` loads node:worker_threads
 * where the thread cannot be told without it (see isMainThread). Throws only where the claim file
 * cannot be read (the tracer is then inert, as it was).
 */
export function decide(workerThreads: () => { isMainThread: boolean }): Verdict {
  if (!isMainThread(workerThreads)) return { go: false, inert: 'thread' };
  const parsed = parseOptions(process.env[OPTIONS_ENV]);
  if (!parsed.ok) return { go: false, inert: 'options' };
  if (isWrapper(process.argv[1])) return { go: false, inert: 'wrapper' };
  if (isTestRunner(process.execArgv, process.env)) return { go: false, inert: 'testRunner' };
  const claimFile = claim(parsed.options);
  if (claimFile === false) return { go: false, inert: 'claimed' };
  return { go: true, options: parsed.options, claimFile };
}

/**
 * Whether this is the process's main thread, without loading node:worker_threads before the
 * program's first line where nothing has (its modules, stream's among them, were 2.5 M instructions
 * beside node:v8's): a worker thread's bootstrap loads internal/worker/io, its port to the parent,
 * before the thread's preloads run (lib/internal/main/worker_thread.js, Node 12 to 24; and
 * node:worker_threads itself, Node 20 to 24), so a thread that has loaded neither is the main one.
 * Where either is loaded, node:worker_threads says.
 */
function isMainThread(workerThreads: () => { isMainThread: boolean }): boolean {
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (
    Array.isArray(list) &&
    !list.includes('NativeModule internal/worker/io') &&
    !list.includes('NativeModule worker_threads')
  )
    return true;
  return workerThreads().isMainThread;
}

/**
 * Processes that only start the user's program (package managers, watchers, TypeScript launchers)
 * are never traced: the process they start is.
 */
const WRAPPERS = [
  /\/node_modules\/\.bin\/(npm|npx|yarn|pnpm|tsx|nodemon|ts-node-dev|concurrently)$/,
  /\/npm\/bin\/(npm|npx|npm-prefix)(-cli)?\.js$/,
  /\/corepack\/dist\/[a-z]+\.js$/,
  /\/(yarn|pnpm)\/(bin|dist)\/(yarn|pnpm)\.c?js$/,
  /\/\.yarn\/releases\/yarn-[^/]+\.c?js$/,
  /\/nodemon\/bin\/nodemon\.js$/,
  /\/tsx\/dist\/cli\.[cm]?js$/,
  /\/ts-node-dev\/lib\/bin\.js$/,
  /\/concurrently\/dist\/bin\/concurrently\.js$/,
];

/**
 * A folder every one of WRAPPERS names: a script outside all of them is no wrapper. One pattern
 * tried first instead of nine, each compiled at its first use, before every traced program's first line.
 */
const WRAPPER_FOLDER =
  /[\\/](node_modules|npm|corepack|yarn|pnpm|\.yarn|nodemon|tsx|ts-node-dev|concurrently)[\\/]/;

export function isWrapper(script: string | undefined): boolean {
  if (script === undefined) return false;
  let real = script;
  try {
    real = fs.realpathSync(script);
  } catch {
    // not a file we can resolve: judge the name as given
  }
  return [script, real].some((name) => {
    if (!WRAPPER_FOLDER.test(name)) return false;
    const normal = name.replace(/\\/g, '/');
    return WRAPPERS.some((pattern) => pattern.test(normal));
  });
}

/**
 * `node --test` runs each test file in a child process of its own and only reports on them: the
 * child (NODE_TEST_CONTEXT in its environment, no `--test` among its flags) runs the tests and is
 * the one traced. Not when the tests run in the runner's own process (`--test-isolation=none`,
 * Node 22.8 on, `--experimental-` before 23.6).
 * https://nodejs.org/api/test.html#process-isolation
 */
export function isTestRunner(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (env.NODE_TEST_CONTEXT !== undefined || !execArgv.includes('--test')) return false;
  let isolation = 'process';
  for (let i = 0; i < execArgv.length; i++) {
    const flag = execArgv[i];
    const name = flag.split('=')[0];
    if (name !== '--test-isolation' && name !== '--experimental-test-isolation') continue;
    isolation = flag.includes('=') ? flag.slice(name.length + 1) : (execArgv[i + 1] ?? isolation);
  }
  return isolation !== 'none';
}

/**
 * With `children` off, the first process of a session claims the trace; processes it starts stay
 * inert (in a live session, a child that connected first would have become "the" program). A claim
 * by a process that is gone is stale and taken over. The claim sits beside the trace file, or the
 * socket, in the session's private folder. The claim file made, null where none is needed, or false
 * where another process holds the trace.
 */
function claim(options: TracerOptions): string | null | false {
  if (options.children) return null;
  const beside = options.out ?? options.socket;
  if (beside === undefined) return null;
  const file = `${beside.replace(/\{pid\}/g, 'claim')}.claim`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // open, write, close as the trace file's sink does (sink.ts), not writeFileSync: Node's
      // functions under it are compiled once for both (0.4 M instructions of the start).
      const { O_WRONLY, O_CREAT, O_EXCL } = fs.constants;
      const fd = fs.openSync(file, O_WRONLY | O_CREAT | O_EXCL, 0o600);
      try {
        fs.writeSync(fd, String(process.pid));
      } finally {
        fs.closeSync(fd);
      }
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const holder = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) return false;
      try {
        fs.unlinkSync(file);
      } catch {
        // gone already: try again
      }
    }
  }
  return false;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Gives up a claim `decide` made, for a tracer that did not start (load.ts). Never throws. */
export function release(go: Go): void {
  if (go.claimFile === null) return;
  try {
    // unlink, not rm: fs.rmSync loads a module of its own.
    fs.unlinkSync(go.claimFile);
  } catch {
    // a claim left behind is stale once this process is gone
  }
}
