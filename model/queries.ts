/**
 * Questions asked of a timeline that read what it holds and keep nothing: where a stint resumes its
 * task, and the loop's lag over the whole trace. (Switches have their own file, switches.ts.)
 */
import type { SourceLocation } from '../protocol/format';
import { firstAtLeast } from './stints';
import type { Timeline } from './timeline';
import { LagPoint } from './timelineTypes';

/**
 * Where stint `stint` resumes its task: the line of user code the task awaited at before it (the
 * innermost frame of the await recorded in its previous stint), or null when that is not known
 * (the task's first stint, or no stack was taken then).
 */
export function resumeLocation(t: Timeline, stint: number): SourceLocation | null {
  const task = t.tasks[t.stints.task[stint]];
  const list = task.stints;
  let lo = firstAtLeast(list, stint);
  // Stints of the task right after one another (another task's short stint may split one
  // wake-up) resume where the first of them did.
  while (
    lo > 0 &&
    t.awaitFramesOf(list[lo - 1]) === null &&
    t.stints.start[list[lo]] - t.stintEnd(list[lo - 1]) < 1
  )
    lo--;
  if (lo === 0) return null;
  const previous = list[lo - 1];
  const frames = t.awaitFramesOf(previous);
  if (frames === null || frames.length === 0) return null;
  // The stack was taken at the stint's first await, which may be inside a call that became a
  // dish of its own (a member of Promise.all): then the task itself waits where those dishes were
  // made, further out on the same stack.
  const start = t.stints.start[previous];
  const end = t.stintEnd(previous);
  const tasks = t.tasks;
  let k = 0;
  let h = tasks.length;
  while (k < h) {
    const mid = (k + h) >>> 1;
    if (tasks[mid].createdAt < start) k = mid + 1;
    else h = mid;
  }
  for (; k < tasks.length && tasks[k].createdAt <= end; k++) {
    const child = tasks[k];
    if (child.parent !== task.index || child.location === null) continue;
    const at = frames.find(
      (f) => f.location.file === child.location!.file && f.location.line === child.location!.line,
    );
    if (at !== undefined) return at.location;
  }
  return frames[0].location;
}

export interface LagSummary {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Lag over the whole trace: medians and worst cases of the reported intervals, ms. */
export function lagSummary(lagPoints: readonly LagPoint[]): LagSummary | null {
  const points = lagPoints.filter((p) => p.samples > 0);
  if (points.length === 0) return null;
  const weighted = (pick: (p: LagPoint) => number, q: number): number => {
    const sorted = points.map((p) => ({ v: pick(p), w: p.samples })).sort((a, b) => a.v - b.v);
    const total = sorted.reduce((sum, e) => sum + e.w, 0);
    let seen = 0;
    for (const e of sorted) {
      seen += e.w;
      if (seen >= q * total) return e.v;
    }
    return sorted[sorted.length - 1].v;
  };
  return {
    p50Ms: weighted((p) => p.p50Ms, 0.5),
    p99Ms: weighted((p) => p.p99Ms, 0.99),
    // A loop, not Math.max(...): a long trace has more points than a call may take arguments.
    maxMs: points.reduce((max, p) => Math.max(max, p.maxMs), -Infinity),
  };
}
