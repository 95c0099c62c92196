/**
 * The `looplens` command line: record a program's event loop, and read, check and export the traces
 * without VS Code.
 *
 * Exit codes: 0 success; 1 `check` found blocks over the limit; 2 a usage error or a file that is
 * not a usable trace; `record` exits with the program's own status (127 if the command is not
 * found).
 */
import { EXPORT_FORMATS, ExportFormat, isExportFormat } from '../host/exportFormats';
import { DEFAULT_BLOCK_MS } from '../protocol/format';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromeTraceChunks } from '../model/chromeExport';
import { summarize } from '../model/summary';
import { record } from './record';
import { formatSummary, lessonsJson, lessonsOf, printable } from './report';
import { readViewer, snapshotHtmlParts } from '../host/snapshotHtml';
import { CliError, readTraceFile } from './traceFile';

function say(text: string): void {
  process.stdout.write(printable(text));
}
function tell(text: string): void {
  process.stderr.write(printable(text));
}

declare const LOOPLENS_VERSION: string;
const VERSION = typeof LOOPLENS_VERSION === 'string' ? LOOPLENS_VERSION : 'dev';

const USAGE = `Usage: looplens <command> [options]

Commands:
  record [--out|-o FILE] [--block-ms N] [--mode fast|full] [--children] [--quiet] -- <command> [args...]
      Run <command> (node, or npm/npx/yarn/pnpm running a Node.js script) with the event-loop tracer,
      passing its input and output through. Writes the trace (default: looplens-<script>-<time>.looplens
      in the current folder), prints a summary on stderr and exits with the program's exit code.
      --quiet prints nothing of its own but problems; --children traces child Node.js processes too.
  summary FILE [--json] [--block-ms N] [--partial]
      Print what the loop did: tasks, blocks, switches, lag. --json prints the machine-readable form.
  check FILE --max-block-ms N [--strict] [--partial]
      Exit 1 and list the blocks longer than N ms, else exit 0 (for CI pipelines). A block in code
      the tracer could not attribute, with no location (start-up or runtime warm-up), is reported
      but not counted unless --strict.
  export FILE --format chrome --out OUT.json [--partial]
      Write Chrome Trace Event Format, for Perfetto (ui.perfetto.dev) and chrome://tracing.
  export FILE --format html --out OUT.html [--partial]
      Write one self-contained HTML page with the trace and the timeline viewer, for any browser.
  export FILE --format json --out OUT.looplens
      Copy the trace as it is (what the editor's "Loop Lens trace" export writes). Pictures (png,
      svg) are drawn by the timeline panel: export them from the editor.

Options:
  --block-ms N   a stint at least N ms long is a block (default: the trace's own threshold, ${DEFAULT_BLOCK_MS})
  --partial      read a trace whose recording did not finish, up to where it stops
  --help, -h     show this help;  --version, -v  show the version`;

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
  rest: string[] | null;
}

/** Flags each command accepts; the value says whether the flag takes a value. */
const FLAGS: Record<string, Record<string, boolean>> = {
  record: { '--out': true, '--block-ms': true, '--mode': true, '--children': false, '--quiet': false },
  summary: { '--json': false, '--block-ms': true, '--partial': false },
  check: { '--max-block-ms': true, '--partial': false, '--strict': false },
  export: { '--format': true, '--out': true, '--partial': false, '--block-ms': true },
};

/** Short forms of flags, for the commands that take the long one (`-o` as in most tools). */
const SHORT: Record<string, string> = { '-o': '--out' };

function parse(command: string, argv: string[]): Parsed {
  const allowed = FLAGS[command];
  const parsed: Parsed = { positional: [], flags: new Map(), rest: null };
  for (let i = 0; i < argv.length; i++) {
    const short = SHORT[argv[i]];
    const arg = short !== undefined && short in allowed ? short : argv[i];
    if (arg === '--') {
      parsed.rest = argv.slice(i + 1);
      break;
    }
    if (arg.startsWith('--')) {
      const [name, inline] = arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg];
      if (!(name in allowed)) throw new CliError(`unknown option ${name} for "looplens ${command}"`);
      if (allowed[name]) {
        const value = inline ?? argv[++i];
        if (value === undefined || (inline === undefined && value.startsWith('--'))) {
          throw new CliError(`${name} needs a value`);
        }
        parsed.flags.set(name, value);
      } else {
        if (inline !== undefined) throw new CliError(`${name} takes no value`);
        parsed.flags.set(name, true);
      }
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new CliError(`unknown option ${arg} for "looplens ${command}"`);
    } else {
      parsed.positional.push(arg);
    }
  }
  return parsed;
}

function numberFlag(parsed: Parsed, name: string, min: number, max: number): number | undefined {
  const raw = parsed.flags.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new CliError(`${name} must be a number from ${min} to ${max} (got "${String(raw)}")`);
  }
  return value;
}

function oneFile(parsed: Parsed, command: string): string {
  if (parsed.positional.length === 0) throw new CliError(`"looplens ${command}" needs a trace file`);
  if (parsed.positional.length > 1) throw new CliError(`"looplens ${command}" takes one trace file`);
  return parsed.positional[0];
}

async function cmdRecord(argv: string[]): Promise<number> {
  const parsed = parse('record', argv);
  if (parsed.rest === null || parsed.rest.length === 0) {
    if (parsed.positional.length > 0) {
      throw new CliError(
        `put "--" before the command to record: looplens record -- ${parsed.positional.join(' ')}`,
      );
    }
    throw new CliError(
      '"looplens record" needs a command after "--", e.g. looplens record -- node server.js',
    );
  }
  if (parsed.positional.length > 0)
    throw new CliError(`unexpected argument ${parsed.positional[0]} before "--"`);
  const mode = parsed.flags.get('--mode') ?? 'fast';
  if (mode !== 'fast' && mode !== 'full') throw new CliError('--mode must be "fast" or "full"');
  const out = parsed.flags.get('--out');
  const result = await record({
    out: typeof out === 'string' ? out : undefined,
    blockMs: numberFlag(parsed, '--block-ms', 1, 60_000) ?? DEFAULT_BLOCK_MS,
    mode,
    children: parsed.flags.has('--children'),
    command: parsed.rest[0],
    args: parsed.rest.slice(1),
  });
  const quiet = parsed.flags.has('--quiet');
  if (result.file === null) {
    const command = parsed.rest.join(' ');
    tell(
      /^(python[\d.]*|uvicorn|gunicorn|hypercorn|fastapi)$/.test(path.basename(parsed.rest[0]))
        ? `looplens: no Python process of "${command}" was traced, so no trace was written.\n` +
            '  The tracer starts from PYTHONPATH: a Python run with -E or -I ignores it, and a program that\n' +
            '  ends through os._exit() or a signal before its first flush (50 ms) leaves nothing to read.\n'
        : `looplens: no Node.js process of "${command}" was traced, so no trace was written.\n` +
            '  Is it a Node.js program? Programs that clear NODE_OPTIONS for their children cannot be traced this way.\n',
    );
  } else if (!quiet) {
    try {
      const { timeline } = readTraceFile(result.file, { partial: true });
      tell(`\n${formatSummary(summarize(timeline), process.cwd(), lessonsOf(timeline))}\n`);
    } catch (error) {
      tell(`looplens: the trace could not be summarized: ${(error as Error).message}\n`);
    }
  }
  if (result.problem !== undefined) tell(`looplens: ${result.problem}\n`);
  if (result.file !== null && !quiet) {
    tell(`\nTrace written to ${path.relative(process.cwd(), result.file) || result.file}\n`);
    for (const other of result.others) tell(`  and, for another process, ${other}\n`);
  }
  if (result.signal !== null) {
    // End the same way the program did, so a shell or CI sees the same status.
    process.removeAllListeners(result.signal);
    process.kill(process.pid, result.signal);
    return 128 + (os.constants.signals[result.signal] ?? 0);
  }
  return result.exitCode ?? 1;
}

function cmdSummary(argv: string[]): number {
  const parsed = parse('summary', argv);
  const file = oneFile(parsed, 'summary');
  const { timeline, truncated, unfinished } = readTraceFile(file, {
    partial: parsed.flags.has('--partial'),
    blockMs: numberFlag(parsed, '--block-ms', 1, 60_000),
  });
  const summary = summarize(timeline);
  const lessons = lessonsOf(timeline);
  if (parsed.flags.has('--json')) {
    const json = { ...summary, lessons: lessonsJson(lessons, timeline.startTime) };
    say(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    say(`${formatSummary(summary, timeline.meta?.cwd, lessons)}\n`);
  }
  if (truncated !== null)
    tell(`looplens: warning: ${truncated.message}; showing what was recorded before it\n`);
  else if (unfinished && timeline.endInfo === null && parsed.flags.has('--json')) {
    tell('looplens: note: the trace has no end record (the program was killed or is still running)\n');
  }
  return 0;
}

function cmdCheck(argv: string[]): number {
  const parsed = parse('check', argv);
  const file = oneFile(parsed, 'check');
  const limit = numberFlag(parsed, '--max-block-ms', 0, 3_600_000);
  if (limit === undefined) throw new CliError('"looplens check" needs --max-block-ms N');
  const { timeline } = readTraceFile(file, {
    partial: parsed.flags.has('--partial'),
    blockMs: limit > 0 ? limit : 0.001,
  });
  const summary = summarize(timeline);
  const longer = summary.blocks
    .filter((b) => b.durationMs > limit)
    .sort((a, b) => b.durationMs - a.durationMs);
  // Nothing to point at and nobody's code to blame (the runtime warming up before the first
  // requests): a fact worth saying, not a failure of the program, unless asked for.
  const unattributed = parsed.flags.has('--strict')
    ? []
    : longer.filter((b) => b.task === UNTRACKED_ID && b.location === null);
  const over = longer.filter((b) => !unattributed.includes(b));
  const note = () => {
    if (unattributed.length === 0) return;
    const worst = unattributed[0];
    say(
      `not counted: ${unattributed.length} block${unattributed.length === 1 ? '' : 's'} (longest ${worst.durationMs.toFixed(1)} ms, ${worst.startMs.toFixed(1)} ms into the trace) in code the tracer could not attribute to a task, with no location — start-up or runtime warm-up; --strict counts ${unattributed.length === 1 ? 'it' : 'them'}\n`,
    );
  };
  if (over.length === 0) {
    say(`ok: no block longer than ${limit} ms in ${file}\n`);
    note();
    return 0;
  }
  say(`${over.length} block${over.length === 1 ? '' : 's'} longer than ${limit} ms in ${file}:\n`);
  for (const b of over) {
    const loc =
      b.location === null ? 'location unknown' : `${b.location.file}:${b.location.line}:${b.location.column}`;
    say(
      `  ${b.durationMs.toFixed(1)} ms in ${b.taskName} at ${loc} (${b.startMs.toFixed(1)} ms into the trace)\n`,
    );
  }
  note();
  return 1;
}

/** The id of the pseudo-task "(untracked code)" in summaries. */
const UNTRACKED_ID = '0';

/**
 * Where an export goes: a new file or a regular one to replace (the export is written beside it and
 * renamed over it — never over a device, a folder or a pipe).
 */
function outputPath(out: string): string {
  const target = path.resolve(out);
  let stat: fs.Stats | null = null;
  try {
    stat = fs.statSync(target);
  } catch {
    // not there yet: it will be made
  }
  if (stat !== null && !stat.isFile()) throw new CliError(`cannot write ${out}: it is not a regular file`);
  return target;
}

/** The trace as it is, copied (read first: a file that is no trace is refused, as for every command). */
function exportTrace(file: string, out: string): number {
  const target = outputPath(out);
  if (target === path.resolve(file)) throw new CliError(`${out} is the trace itself`);
  const temp = `${target}.partial-${process.pid}`;
  try {
    fs.copyFileSync(file, temp);
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`);
  }
  say(`wrote ${path.relative(process.cwd(), target) || target}\n`);
  return 0;
}

/** The HTML snapshot: the trace as it is, with the viewer this package was built with. */
function exportHtml(file: string, out: string): number {
  let viewer: { script: string; style: string };
  try {
    viewer = readViewer(path.dirname(__dirname));
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const target = outputPath(out);
  const html = snapshotHtmlParts({ name: path.basename(file), trace: fs.readFileSync(file), ...viewer });
  const temp = `${target}.partial-${process.pid}`;
  try {
    const fd = fs.openSync(temp, 'w');
    try {
      for (const part of html) fs.writeSync(fd, part);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`);
  }
  say(`wrote ${path.relative(process.cwd(), target) || target} (open it in any browser)\n`);
  return 0;
}

async function cmdExport(argv: string[]): Promise<number> {
  const parsed = parse('export', argv);
  const file = oneFile(parsed, 'export');
  const format = parsed.flags.get('--format');
  const here = (Object.keys(EXPORT_FORMATS) as ExportFormat[]).filter((f) => !EXPORT_FORMATS[f].picture);
  if (format === undefined) throw new CliError(`"looplens export" needs --format ${here.join(', ')}`);
  if (!isExportFormat(format))
    throw new CliError(`unknown export format "${String(format)}" (known: ${here.join(', ')})`);
  if (EXPORT_FORMATS[format].picture)
    throw new CliError(
      `${format} is a picture of the timeline panel: open the trace in VS Code and use "Loop Lens: Export Snapshot" (here: ${here.join(', ')})`,
    );
  const out = parsed.flags.get('--out');
  if (typeof out !== 'string')
    throw new CliError(`"looplens export" needs --out OUT.${EXPORT_FORMATS[format].extension}`);
  const { timeline } = readTraceFile(file, {
    partial: parsed.flags.has('--partial'),
    blockMs: numberFlag(parsed, '--block-ms', 1, 60_000),
  });
  if (format === 'html') return exportHtml(file, out);
  if (format === 'json') return exportTrace(file, out);
  const target = outputPath(out);
  const temp = `${target}.partial-${process.pid}`;
  const stream = fs.createWriteStream(temp);
  try {
    for (const piece of chromeTraceChunks(timeline)) {
      if (!stream.write(piece)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) => {
      stream.on('error', reject);
      stream.end(() => resolve());
    });
    fs.renameSync(temp, target);
  } catch (error) {
    stream.destroy();
    fs.rmSync(temp, { force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`);
  }
  say(`wrote ${path.relative(process.cwd(), target) || target} (open it at https://ui.perfetto.dev)\n`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'record':
        return await cmdRecord(rest);
      case 'summary':
        return cmdSummary(rest);
      case 'check':
        return cmdCheck(rest);
      case 'export':
        return await cmdExport(rest);
      case '--version':
      case '-v':
      case 'version':
        say(`looplens ${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        say(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new CliError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof CliError) {
      tell(`looplens: ${error.message}\n`);
      if (error.exitCode === 2) tell(`Run "looplens --help" for usage.\n`);
      return error.exitCode;
    }
    tell(`looplens: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 70;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      tell(`looplens: ${String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
