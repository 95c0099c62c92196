/**
 * `looplens record`: runs a command with the tracer preloaded, passes its stdio through, writes the
 * trace and exits with the program's own exit status.
 *
 * The tracer writes its trace file itself (a file survives a program that ends abruptly better than
 * a socket that may not have connected yet) into a private folder; every Node.js process of the
 * command inherits the preload, package-manager wrappers stay inert, and the first process that runs
 * user code claims the trace. When the program dies by a signal, the trace gets its END record here;
 * when it exits with a code its tracer could not see (Python's SystemExit), the code is set here.
 */
import type { TracerOptions } from '../tracer/options';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChunkWriter } from '../protocol/chunkWriter';
import { CHUNK_HEADER_BYTES, EndCause, EventType, HEADER_FIXED_BYTES, UNIT_BYTES } from '../protocol/format';
import { TraceReader } from '../protocol/reader';
import { withPreload } from '../host/preload';
import { CliError } from './traceFile';

export interface RecordOptions {
  out?: string;
  blockMs: number;
  mode: 'fast' | 'full';
  children: boolean;
  command: string;
  args: string[];
}

export interface RecordResult {
  /** The trace written, or null if no process was traced. */
  file: string | null;
  /** Extra traces, when several processes were traced (children). */
  others: string[];
  /** Where the trace could not be written, and where it was kept instead. */
  problem?: string;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

/** The tracer preload sits next to the command line in dist/. */
export function tracerPath(): string {
  return path.join(__dirname, 'tracer.js');
}

/** The Python tracer's folder (its sitecustomize shim starts it): dist/python. */
export function pythonTracerDir(): string {
  return path.join(__dirname, 'python');
}

/** `dir` first on a PATH-like list. */
function prepend(list: string | undefined, dir: string): string {
  return list === undefined || list === '' ? dir : `${dir}${path.delimiter}${list}`;
}

function defaultOutput(command: string, args: string[]): string {
  const script = args.find((a) => /\.([cm]?[jt]sx?|py)$/.test(a)) ?? command;
  const base =
    path
      .basename(script)
      .replace(/\.[^.]+$/, '')
      .replace(/[^A-Za-z0-9_.-]/g, '_') || 'trace';
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return path.resolve(`looplens-${base}-${stamp}.looplens`);
}

export async function record(options: RecordOptions): Promise<RecordResult> {
  const tracer = tracerPath();
  if (!fs.existsSync(tracer))
    throw new CliError(`the tracer is missing (${tracer}); run "npm run build" first`);
  let out = path.resolve(options.out ?? defaultOutput(options.command, options.args));
  // A folder given as --out receives the trace under its usual name.
  if (isFolder(out)) out = path.join(out, path.basename(defaultOutput(options.command, options.args)));
  // Never write over a device, a FIFO or a socket (a failed copy would even unlink it).
  if (fs.existsSync(out) && !fs.statSync(out).isFile())
    throw new CliError(`cannot write ${out}: it is not a regular file`);
  const outDir = path.dirname(out);
  if (!fs.existsSync(outDir)) throw new CliError(`cannot write ${out}: the folder ${outDir} does not exist`);
  const privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-'));
  fs.chmodSync(privateDir, 0o700);
  try {
    const tracerOptions: Partial<TracerOptions> = {
      out: path.join(privateDir, 'trace-{pid}.looplens'),
      blockMs: options.blockMs,
      mode: options.mode,
      children: options.children,
    };
    const env = {
      ...process.env,
      NODE_OPTIONS: withPreload(process.env.NODE_OPTIONS, tracer),
      // A Python program (python3 app.py, uvicorn) loads the asyncio tracer through its shim.
      PYTHONPATH: prepend(process.env.PYTHONPATH, pythonTracerDir()),
      LOOPLENS_OPTIONS: JSON.stringify(tracerOptions),
    };
    const { exitCode, signal, pid } = await run(options.command, options.args, env);
    const traces = collect(privateDir);
    if (traces.length === 0) return { file: null, others: [], exitCode, signal };
    const [main, ...rest] = traces;
    if (signal !== null) addEnd(main, signal);
    else if (exitCode !== null) settleExitCode(main, exitCode, pid);
    const problems: string[] = [];
    const file = deliver(main, outFor(out, main, true), problems);
    const others = rest.map((trace) => deliver(trace, outFor(out, trace, false), problems));
    return {
      file,
      others,
      exitCode,
      signal,
      ...(problems.length > 0 ? { problem: problems.join('\n') } : {}),
    };
  } finally {
    fs.rmSync(privateDir, { recursive: true, force: true });
  }
}

/**
 * Where one traced process's trace goes: `{pid}` in --out is replaced by that process's id (as the
 * tracer's own `out` option does); without it, the first process's trace is --out itself and each
 * other's is --out with `-<pid>` before its extension.
 */
function outFor(out: string, trace: string, first: boolean): string {
  const pid = /trace-(\d+)\.looplens$/.exec(trace)?.[1] ?? 'other';
  if (out.includes('{pid}')) return out.replaceAll('{pid}', pid);
  return first ? out : out.replace(/(\.looplens)?$/, `-${pid}.looplens`);
}

function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Copies a recorded trace to where it was asked for. When that fails (a full disk, no permission)
 * the recording is not lost: it moves out of the private folder (a rename, which needs no room) to
 * a file of its own beside it, and the problem says where.
 */
function deliver(trace: string, target: string, problems: string[]): string {
  try {
    fs.copyFileSync(trace, target);
    return target;
  } catch (error) {
    // "ENOSPC: no space left on device", without the temporary paths Node adds after it.
    const why = (error as Error).message.split(', copyfile')[0];
    // What a failed copy left (a regular file only: never a device such as /dev/full).
    try {
      if (fs.lstatSync(target).isFile()) fs.rmSync(target);
    } catch {
      // nothing there
    }
    const kept = path.join(os.tmpdir(), `looplens-kept-${process.pid}-${path.basename(trace)}`);
    try {
      fs.renameSync(trace, kept);
    } catch {
      problems.push(`cannot write ${target}: ${why}; the trace could not be kept either`);
      return trace;
    }
    problems.push(`cannot write ${target}: ${why}; the trace is kept at ${kept}`);
    return kept;
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; pid: number | undefined }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', env });
    const forward = (signal: NodeJS.Signals) => () => {
      child.kill(signal);
    };
    // At a terminal, Ctrl-C reaches the program directly (it is in the same process group): this
    // process only waits for it to finish. Otherwise (a script, CI, a test) the signal was meant for
    // the program and is passed on.
    const onInt = process.stdin.isTTY ? (): void => {} : forward('SIGINT');
    const onTerm = forward('SIGTERM');
    const onHup = forward('SIGHUP');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    process.on('SIGHUP', onHup);
    const cleanUp = (): void => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      if (error.code === 'ENOENT') reject(new CliError(`command not found: ${command}`, 127));
      else if (error.code === 'EACCES') reject(new CliError(`cannot run ${command}: permission denied`, 126));
      else reject(new CliError(`cannot run ${command}: ${error.message}`, 126));
    });
    child.on('exit', (exitCode, signal) => {
      cleanUp();
      resolve({ exitCode, signal, pid: child.pid });
    });
  });
}

/** Trace files in the private folder that hold a header, oldest recording first. */
function collect(dir: string): string[] {
  const found: Array<{ file: string; start: number }> = [];
  for (const name of fs.readdirSync(dir)) {
    if (!/^trace-\d+\.looplens$/.test(name)) continue;
    const file = path.join(dir, name);
    const reader = new TraceReader(NO_VISITOR);
    try {
      const fd = fs.openSync(file, 'r');
      const head = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, head, 0, head.length, 0);
      fs.closeSync(fd);
      reader.push(head.subarray(0, n));
    } catch {
      // a file cut inside its first chunk still has a usable header
    }
    if (reader.meta !== null)
      found.push({ file, start: reader.meta.clockOriginEpochMs + reader.meta.startTime });
  }
  return found.sort((a, b) => a.start - b.start).map((f) => f.file);
}

const NO_VISITOR = {
  run() {},
  idle() {},
  task() {},
  taskEnd() {},
  ready() {},
  taskInfo() {},
  lag() {},
  dropped() {},
  end() {},
  blockSample() {},
};

/**
 * A program killed by a signal could not write its END record (the tracer never intercepts
 * signals: that would change how the program dies). It is added here, at the time of the last
 * event, so the trace says how the program ended.
 */
function addEnd(file: string, signal: NodeJS.Signals): void {
  let last = 0;
  let ended = false;
  const reader = new TraceReader({
    ...NO_VISITOR,
    run: (t: number) => (last = Math.max(last, t)),
    idle: (t: number) => (last = Math.max(last, t)),
    task: (t: number) => (last = Math.max(last, t)),
    lag: (t: number) => (last = Math.max(last, t)),
    end: () => (ended = true),
  });
  try {
    reader.push(fs.readFileSync(file));
  } catch {
    return;
  }
  if (ended || reader.pendingBytes > 0 || reader.meta === null) return;
  const w = new ChunkWriter(1);
  w.end(Math.max(last, reader.meta.startTime), EndCause.Signal, os.constants.signals[signal] ?? 0);
  fs.appendFileSync(file, w.bytes());
}

/**
 * The exit code of a program that exited normally, into its trace's END record when the process
 * traced is the one this command ran (not a wrapper's child, whose code is not the command's).
 * Python hands no exit code to the code that runs at exit: `sys.exit(3)` and `raise SystemExit(3)`
 * end the interpreter with 3, but its tracer, which writes its END record from `atexit`, sees a
 * normal exit and writes 0. The record is patched in place (its `id` is the code), so the trace
 * still holds one END record.
 */
function settleExitCode(file: string, exitCode: number, pid: number | undefined): void {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch {
    return;
  }
  if (data.length < HEADER_FIXED_BYTES) return;
  let at = HEADER_FIXED_BYTES + data.readUInt32LE(12);
  const reader = new TraceReader(NO_VISITOR);
  reader.push(data.subarray(0, Math.min(data.length, at)));
  if (reader.meta === null || pid === undefined || reader.meta.pid !== pid) return;
  // The last END record: walk the chunks, then their events by their sizes.
  let end = -1;
  while (at + CHUNK_HEADER_BYTES <= data.length) {
    const bytes = data.readUInt32LE(at + 4);
    let e = at + CHUNK_HEADER_BYTES;
    const stop = Math.min(data.length, e + bytes);
    while (e + UNIT_BYTES <= stop) {
      const units = data[e + 1];
      if (units === 0) return; // not a trace this command can read: left as it is
      if (data[e] === EventType.End) end = e;
      e += units * UNIT_BYTES;
    }
    at += CHUNK_HEADER_BYTES + bytes;
  }
  // Only a normal exit's code is settled: a signal, an uncaught exception and a detached tracer
  // said how the program ended themselves.
  if (end === -1 || data[end + 2] !== EndCause.Exit || data.readUInt32LE(end + 4) === exitCode) return;
  try {
    const fd = fs.openSync(file, 'r+');
    try {
      const code = Buffer.alloc(4);
      code.writeUInt32LE(exitCode);
      fs.writeSync(fd, code, 0, 4, end + 4);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // the trace stays as the tracer wrote it
  }
}
