/**
 * The summary of a trace: the JSON that `looplens summary --json` prints (a public contract: fields
 * may be added, never changed) and the one-screen text version. Times are milliseconds from the
 * start of the trace.
 */
import { cpuShare } from './blockSamples';
import { isLibraryFile } from './runtime';
import { SampledFrame, SourceLocation } from '../protocol/reader';
import { BlockInfo, Timeline } from './timeline';

export interface SummaryLocation {
  file: string;
  line: number;
  column: number;
}

export interface SummaryTask {
  id: string;
  kind: string;
  name: string;
  parent: string | null;
  startMs: number;
  endMs: number | null;
  runMs: number;
  waitMs: number;
  stints: number;
  location: SummaryLocation | null;
  /** Extra: created by library or runtime code. */
  internal: boolean;
  /** Extra: longest stint, ms. */
  longestStintMs: number;
  /** Extra: for requests, "finished" or "aborted" once the response is done. */
  outcome?: 'finished' | 'aborted';
}

export interface SummaryBlock {
  task: string;
  startMs: number;
  durationMs: number;
  location: SummaryLocation | null;
  /**
   * Extra: how `location` was found — from the sampler's stacks, or (not sampled) the line the task
   * resumed at before the block, or where the task began.
   */
  located: BlockLocated;
  /** Extra: name of the blocked task. */
  taskName: string;
  /** Extra: where the time went, hottest first, with each frame's share of the samples. */
  frames: Array<{ function: string; location: SummaryLocation | null; share: number }>;
  /**
   * Extra: the share of the watched time the thread wanted the CPU, on it or waiting for a core (0
   * to 1; null: not known). Low: it was not computing but asleep in a blocking call.
   */
  cpuShare: number | null;
  /**
   * Extra: of `durationMs`, how long the thread waited for a CPU while the machine ran other work,
   * ms (0: none or not known). Information: the block is judged by its whole wall time.
   */
  cpuWaitMs: number;
}

export interface Summary {
  formatVersion: number;
  runtime: string;
  pid: number;
  durationMs: number;
  busyMs: number;
  tasks: SummaryTask[];
  blocks: SummaryBlock[];
  switches: number;
  dropped: number;
  lag: { p50Ms: number; p99Ms: number; maxMs: number } | null;
  /** Extra: the block threshold used, ms. */
  blockMs: number;
  /** Extra: the main script and how the program ended. */
  script: string | null;
  end: { cause: string; code: number } | null;
  /** Extra: busy time the tracer could not attribute to a task, ms. */
  untrackedMs: number;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function location(loc: SourceLocation | null): SummaryLocation | null {
  return loc === null ? null : { file: loc.file, line: loc.line, column: loc.column };
}

/** How a block's line was found: sampled, or (not sampled) where its task resumed or began. */
export type BlockLocated = 'sampled' | 'resumed' | 'began';

/**
 * Where a block spent its time: the sampler's hottest frame in user code, else its hottest frame.
 * Not sampled: the line its task resumed at (the await its block followed), else where the task was
 * created (the block is its first stint: where its callback began).
 */
export function blockPlace(
  t: Timeline,
  block: BlockInfo,
): { location: SourceLocation | null; located: BlockLocated } {
  const sampled = block.frames.filter(
    (f): f is SampledFrame & { location: SourceLocation } => f.location !== null,
  );
  const user = sampled.find((f) => !isLibraryFile(f.location.file));
  if (user !== undefined) return { location: user.location, located: 'sampled' };
  if (sampled.length > 0) return { location: sampled[0].location, located: 'sampled' };
  const resumed = t.resumeLocation(block.stint);
  if (resumed !== null) return { location: resumed, located: 'resumed' };
  return { location: t.tasks[block.task].location, located: 'began' };
}

export function blockLocation(t: Timeline, block: BlockInfo): SourceLocation | null {
  return blockPlace(t, block).location;
}

export function summarize(timeline: Timeline): Summary {
  const t0 = timeline.startTime;
  const meta = timeline.meta;
  const tasks: SummaryTask[] = [];
  for (const task of timeline.tasks) {
    if ((task.index === 0 && task.stints.length === 0) || task.mergedInto !== -1) continue;
    let longest = 0;
    for (const s of task.stints) longest = Math.max(longest, timeline.stintEnd(s) - timeline.stints.start[s]);
    const end = timeline.taskEndTime(task);
    const entry: SummaryTask = {
      id: task.id,
      kind: task.kind,
      name: task.name,
      parent: task.parent === -1 ? null : timeline.tasks[task.parent].id,
      startMs: round(task.createdAt - t0),
      endMs: end === null ? null : round(end - t0),
      runMs: round(task.runMs),
      waitMs: round(timeline.waitMs(task)),
      stints: task.stints.length,
      location: location(task.location),
      internal: task.internal,
      longestStintMs: round(longest),
    };
    if (task.endHow !== null) entry.outcome = task.endHow;
    tasks.push(entry);
  }
  const blocks: SummaryBlock[] = timeline.blocks.map((b) => {
    const task = timeline.tasks[b.task];
    const total = b.frames.reduce((sum, f) => sum + f.weightUs, 0);
    const place = blockPlace(timeline, b);
    return {
      task: task.id,
      startMs: round(b.start - t0),
      durationMs: round(b.durationMs),
      location: location(place.location),
      located: place.located,
      taskName: task.name,
      frames: b.frames.map((f) => ({
        function: f.name,
        location: location(f.location),
        share: total > 0 ? Math.round((f.weightUs / total) * 1000) / 1000 : 0,
      })),
      cpuShare: ((share) => (share === null ? null : Math.round(share * 100) / 100))(cpuShare(b)),
      cpuWaitMs: round(Math.min(b.cpuWaitMs, b.durationMs)),
    };
  });
  return {
    formatVersion: meta?.formatVersion ?? 1,
    runtime: meta?.runtime ?? 'unknown',
    pid: meta?.pid ?? 0,
    durationMs: round(timeline.endTime - t0),
    busyMs: round(timeline.busyMs()),
    tasks,
    blocks,
    switches: timeline.switchCount(),
    dropped: timeline.droppedEvents,
    lag: timeline.lagSummary(),
    blockMs: timeline.blockMs,
    // A program run as `python -m module` has no script file: its main task's name says what ran.
    script: meta?.script || timeline.tasks.find((t) => t.kind === 'main')?.name || null,
    end: timeline.endInfo === null ? null : { cause: timeline.endInfo.cause, code: timeline.endInfo.code },
    untrackedMs: round(timeline.tasks[0].runMs),
  };
}
