/** The one-screen text summary of a trace, for people at a terminal. */
import { WAITING_SHARE } from '../model/blockSamples';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { Lesson, findLessons } from '../model/lessons';
import { Summary, SummaryLocation, SummaryTask } from '../model/summary';
import type { Timeline } from '../model/timeline';
import { formatDuration } from '../model/duration';

/**
 * Text for the terminal: names, paths and messages come from traces, which anyone can write, so
 * control characters (an escape sequence that sets the title or clears the screen) are shown as
 * `\u00XX`, never sent raw. The form is valid JSON too.
 */
export function printable(text: string): string {
  return text.replace(
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const MAX_BLOCKS = 8;
const MAX_TASKS = 10;
const MAX_LESSONS = 8;
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/** Lessons of a trace, reading the source files it points at (to tell dependent awaits apart). */
export function lessonsOf(timeline: Timeline): Lesson[] {
  const cache = new Map<string, string[] | null>();
  return findLessons(timeline, {
    sourceLine: (file, line) => {
      if (!cache.has(file)) {
        let lines: string[] | null = null;
        try {
          const stat = fs.statSync(file);
          // Only a regular file: a FIFO would wait for a writer, /dev/zero never ends.
          if (stat.isFile() && stat.size <= MAX_SOURCE_BYTES)
            lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
        } catch {
          lines = null;
        }
        cache.set(file, lines);
      }
      return cache.get(file)?.[line - 1];
    },
  });
}

/** Lessons as the summary's JSON carries them: times from the start of the trace. */
export function lessonsJson(lessons: Lesson[], startTime: number): unknown[] {
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return lessons.map((l) => ({
    kind: l.kind,
    location: l.location,
    related: l.related,
    message: l.message,
    detail: l.detail,
    count: l.count,
    worstMs: round(l.worstMs),
    task: l.taskName,
    atMs: round(l.time - startTime),
  }));
}

const ms = formatDuration;

function where(loc: SummaryLocation | null, cwd: string | undefined): string {
  if (loc === null) return '';
  let file = loc.file;
  if (cwd !== undefined && path.isAbsolute(file)) {
    const relative = path.relative(cwd, file);
    if (!relative.startsWith('..')) file = relative;
  }
  return `${file}:${loc.line}:${loc.column}`;
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width - 1) + '…' : text.padEnd(width);
}

function countKinds(tasks: SummaryTask[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) if (t.id !== '0') counts.set(t.kind, (counts.get(t.kind) ?? 0) + 1);
  const order = ['request', 'background', 'timer', 'immediate', 'main', 'user', 'worker', 'other'];
  const kinds = order
    .filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k}`)
    .join(', ');
  // Requests whose connection closed before their response was out (a client that gave up).
  const aborted = tasks.filter((t) => t.outcome === 'aborted').length;
  return aborted > 0 ? `${kinds}; ${aborted} request${aborted > 1 ? 's' : ''} aborted` : kinds;
}

export function formatSummary(summary: Summary, cwd?: string, lessons?: Lesson[]): string {
  const lines: string[] = [];
  const script = summary.script !== null ? path.basename(summary.script) : 'program';
  const busyShare = summary.durationMs > 0 ? Math.round((summary.busyMs / summary.durationMs) * 100) : 0;
  lines.push(
    `Loop Lens — ${script} (pid ${summary.pid}, ${summary.runtime}): ${ms(summary.durationMs)} recorded, ` +
      `loop busy ${ms(summary.busyMs)} (${busyShare}%)`,
  );
  const tasks = summary.tasks.filter((t) => t.id !== '0');
  lines.push(
    `Tasks: ${tasks.length}${tasks.length > 0 ? ` (${countKinds(tasks)})` : ''}   Switches: ${summary.switches}` +
      `   Dropped events: ${summary.dropped}`,
  );
  if (summary.lag !== null) {
    lines.push(
      `Event-loop lag: p50 ${ms(summary.lag.p50Ms)}, p99 ${ms(summary.lag.p99Ms)}, max ${ms(summary.lag.maxMs)}`,
    );
  }
  if (summary.untrackedMs >= 1)
    lines.push(`Busy in code not attributed to a task: ${ms(summary.untrackedMs)}`);
  if (summary.end !== null && summary.end.cause !== 'exit') {
    lines.push(`The program ended by ${summary.end.cause.replace(/-/g, ' ')} (${summary.end.code}).`);
  } else if (summary.end === null) {
    lines.push('The recording has no end record: the program was killed, or is still running.');
  }
  lines.push('');
  if (summary.blocks.length === 0) {
    lines.push(`Blocks: none — no stint held the loop for ${ms(summary.blockMs)} or more.`);
  } else {
    const longest = [...summary.blocks].sort((a, b) => b.durationMs - a.durationMs);
    lines.push(`Blocks (stints of ${ms(summary.blockMs)} or more, longest first): ${summary.blocks.length}`);
    for (const b of longest.slice(0, MAX_BLOCKS)) {
      lines.push(
        `  ${ms(b.durationMs).padStart(9)}  ${pad(b.taskName, 28)} at ${ms(b.startMs).padEnd(8)}  ${where(b.location, cwd)}` +
          (b.cpuShare !== null && b.cpuShare < WAITING_SHARE
            ? `  (asleep ${100 - Math.round(b.cpuShare * 100)}% of it: waiting, not computing)`
            : '') +
          (b.cpuWaitMs >= 1 ? `  (of it, ${ms(b.cpuWaitMs)} waiting for a CPU: the machine was busy)` : '') +
          // No stack sample (a block shorter than the sampler's first look, or a starved watchdog):
          // the line is where the task resumed or began, not where it was busy.
          (b.located !== 'sampled' && b.location !== null
            ? `  (not sampled: where the task ${b.located === 'resumed' ? 'resumed' : 'began'})`
            : ''),
      );
    }
    if (longest.length > MAX_BLOCKS) lines.push(`  … and ${longest.length - MAX_BLOCKS} more`);
  }
  lines.push('');
  const busiest = [...tasks].sort((a, b) => b.runMs - a.runMs).slice(0, MAX_TASKS);
  if (busiest.length > 0) {
    lines.push('Busiest tasks:');
    lines.push(
      `  ${'run'.padStart(9)} ${'wait'.padStart(9)} ${'stints'.padStart(6)}  ${pad('task', 28)} ${pad('kind', 11)} created at`,
    );
    for (const t of busiest) {
      lines.push(
        `  ${ms(t.runMs).padStart(9)} ${ms(t.waitMs).padStart(9)} ${String(t.stints).padStart(6)}  ${pad(t.name, 28)} ${pad(t.kind, 11)} ${where(t.location, cwd)}` +
          (t.outcome === 'aborted' ? '  (aborted: its connection closed before the response was out)' : ''),
      );
    }
  }
  if (lessons !== undefined && lessons.length > 0) {
    lines.push('');
    lines.push(`Lessons (what the timeline says about the code): ${lessons.length}`);
    for (const l of lessons.slice(0, MAX_LESSONS)) {
      lines.push(`  ${where(l.location, cwd)}${l.count > 1 ? ` (${l.count}×)` : ''}`);
      lines.push(`    ${l.message}`);
    }
    if (lessons.length > MAX_LESSONS) lines.push(`  … and ${lessons.length - MAX_LESSONS} more`);
  }
  return lines.join('\n');
}
