/**
 * What the preload's entry (load.ts) can tell before it reads, compiles and runs the tracer
 * (dist/tracerCore.js): that the tracer would stay inert in this process. NODE_OPTIONS carries the
 * preload into every Node process a traced program starts, and preloads run in worker threads too;
 * each such process and thread read and ran the whole tracer (about 17 M instructions, some 5 ms
 * of CPU) before it found the trace claimed by the program, or itself a worker thread, and stayed
 * inert (docs/performance.md, 2026-12-07).
 *
 * Only the cheap, sure cases are told here, with `children` off: a trace another live process holds,
 * and a worker thread of the traced program. Anything else — the traced program itself, a process
 * with bad options, a package-manager wrapper — loads the tracer, which decides as it always did
 * (index.ts boot). A verdict of this file's is one the tracer would have reached, never another. The
 * traced program's start pays a JSON.parse and one file's existence for it (this code is compiled
 * from source at every start, not from the tracer's code cache: it stays small). The claim's file
 * and its holder are read the same way by both (claimFileOf, heldByAnother).
 *
 * Node built-ins only, none loaded that the process has not loaded already.
 */
import fs = require('node:fs');

/** Why the preload left the tracer unloaded (on its guard as `inert`, for tests and bug reports). */
export type InertReason =
  /** A worker thread of the traced program: only the main thread is traced (workers are seen from there). */
  | 'thread'
  /** Another live process holds the trace (`children` off): a child of the traced program. */
  | 'claimed';

/** The options that place the claim (options.ts TracerOptions), as they may come from the environment. */
interface ClaimOptions {
  children?: unknown;
  out?: unknown;
  socket?: unknown;
}

/**
 * The file a session's first process claims the trace with (`children` off): beside the trace file,
 * or the socket, in the session's private folder. Null where there is no claim to make.
 */
export function claimFileOf(options: ClaimOptions): string | null {
  if (options.children === true) return null;
  const beside = typeof options.out === 'string' ? options.out : options.socket;
  if (typeof beside !== 'string') return null;
  // (A string's replaceAll, not a regular expression's: none compiled at every start.)
  return `${beside.replaceAll('{pid}', 'claim')}.claim`;
}

/** Whether claim file `file` (which exists) names another process that is alive. Throws if unreadable. */
export function heldByAnother(file: string): boolean {
  const holder = Number(fs.readFileSync(file, 'utf8'));
  return Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Why the tracer would stay inert in this process, told without loading it; null where the tracer
 * must be loaded to decide. `options` is LOOPLENS_OPTIONS as given. Never throws.
 *
 * The traced program's own start, the case that must cost least, stops at the claim file, missing.
 * A claim this process holds is its main thread's: this is a worker thread of the traced program.
 */
export function inertBeforeLoad(
  options: string | undefined,
  workerThreads: () => { isMainThread: boolean },
): InertReason | null {
  try {
    // Unset, not JSON, not an object: the tracer would be inert too, and says so itself. Nothing
    // else of the options is checked here: a trace held by another live process makes the tracer
    // inert whatever the rest says.
    if (options === undefined || options === '') return null;
    const parsed: unknown = JSON.parse(options);
    if (typeof parsed !== 'object' || parsed === null) return null;
    const file = claimFileOf(parsed as ClaimOptions);
    // (existsSync throws nothing where the file is missing.)
    if (file === null || !fs.existsSync(file)) return null;
    if (heldByAnother(file)) return 'claimed';
    return isMainThread(workerThreads) ? null : 'thread';
  } catch {
    return null;
  }
}

/**
 * Whether this is the process's main thread, without loading node:worker_threads before the
 * program's first line where nothing has (its modules, stream's among them, were 2.5 M instructions
 * beside node:v8's): a worker thread's bootstrap loads internal/worker/io, its port to the parent,
 * before the thread's preloads run (lib/internal/main/worker_thread.js, Node 12 to 24; and
 * node:worker_threads itself, Node 20 to 24), so a thread that has loaded neither is the main one.
 * Where either is loaded, node:worker_threads says (`workerThreads` loads it).
 */
export function isMainThread(workerThreads: () => { isMainThread: boolean }): boolean {
  const list = (process as { moduleLoadList?: unknown }).moduleLoadList;
  if (
    Array.isArray(list) &&
    !list.includes('NativeModule internal/worker/io') &&
    !list.includes('NativeModule worker_threads')
  )
    return true;
  return workerThreads().isMainThread;
}
