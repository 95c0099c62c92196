/**
 * What the timeline model holds, as its readers see it: tasks, blocks, switches, lag, losses and
 * the end (model/timeline.ts builds them; see its header for the rules).
 */
import { KindName, ReasonName } from '../protocol/format';
import { SampledFrame, SourceLocation } from '../protocol/reader';

export interface TimelineTask {
  /** Position in `Timeline.tasks`. */
  readonly index: number;
  /** Stable id for summaries and the UI: the tracer's task id, "<id>b" for the after-response part of a request, "0" for untracked code. */
  readonly id: string;
  readonly wireId: number;
  kind: KindName;
  name: string;
  /** Index of the parent task, or -1. */
  parent: number;
  /** When the task was created (trace clock, ms). */
  createdAt: number;
  /** When a request's response was sent (trace clock, ms); null for other tasks and unfinished requests. */
  endedAt: number | null;
  endHow: 'finished' | 'aborted' | null;
  location: SourceLocation | null;
  /** Created by library or runtime code rather than by the user's own code. */
  internal: boolean;
  flags: number;
  /** Indices of its stints in time order. */
  readonly stints: number[];
  runMs: number;
  /** Index of the background task holding this request's after-response work, or -1. */
  background: number;
  /** Since when it has been ready to run but not running (a READY record waiting for its RUN). */
  readySince: number | null;
  /**
   * Index of the task this one turned out to be part of (a FOLD record), or -1. A merged task has
   * no stints, runs no time and is shown nowhere: all it recorded belongs to that task.
   */
  mergedInto: number;
}

export interface BlockInfo {
  stint: number;
  task: number;
  start: number;
  durationMs: number;
  /** Where the time went, heaviest first, if the block sampler saw it. */
  frames: SampledFrame[];
  /** How long the sampler watched, ms, and how many observations it made. */
  observedMs: number;
  observations: number;
  /**
   * Of the time watched where the tracer could tell (`cpuKnownMs`), how much the thread wanted the
   * CPU (`cpuMs`: on it, or ready and waiting for it): computing is near all of it, however busy the
   * machine; a thread asleep in a blocking call has little of it.
   */
  cpuMs: number;
  cpuKnownMs: number;
  /**
   * Of `durationMs`, how long the thread waited for a CPU, ms (0: none, or not known): the machine
   * was busy with other work. Information only: the loop was held for all of `durationMs`.
   */
  cpuWaitMs: number;
}

export interface SwitchInfo {
  /** When the next stint began. */
  time: number;
  /** Stint that ended and stint that began. */
  fromStint: number;
  toStint: number;
  from: number;
  to: number;
  reason: ReasonName;
  /** How long the resumed task had been waiting since its previous stint (or its creation). */
  waitedMs: number;
  /** Of that, how long it was ready to run while the loop was busy with others (0 if not known). */
  readyMs: number;
  /**
   * How long the loop sat idle between the stint before and this one, ms. A step where a task
   * resumes after idle time with no other task between has `from === to` (switches.ts).
   */
  idleMs: number;
}

export interface LagPoint {
  time: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface DropInfo {
  start: number;
  end: number;
  count: number;
}

export interface EndInfo {
  time: number;
  cause: 'exit' | 'uncaught-exception' | 'unhandled-rejection' | 'signal' | 'detached' | 'unknown';
  code: number;
}
