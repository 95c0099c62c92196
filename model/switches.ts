/**
 * Task switches: the boundaries between consecutive stints of different tasks, found in the
 * timeline's stints on demand (a million stints are scanned in milliseconds; nothing is stored).
 * Untracked code is no task: a switch goes from the last tracked stint to the next.
 *
 * Steps (where the step cursor stops) are the switches and one more kind of boundary: a task that
 * resumes after the loop sat idle with no other task between (a request whose database answers
 * while nothing else runs). No switch leads into such a stint, yet the chef did turn to the dish
 * again, and a keyboard user stepping with N would never reach it (a mouse user hovers it). Its
 * SwitchInfo has `from === to` and the idle time in `idleMs`. Switch counts (the summary's) stay
 * switches only.
 */
import { REASON_NAMES } from '../protocol/format';
import { firstAtLeast } from './stints';
import type { Timeline } from './timeline';
import { SwitchInfo } from './timelineTypes';

const UNTRACKED = 0;

/** Every switch, in time order. */
export function allSwitches(t: Timeline): SwitchInfo[] {
  const out: SwitchInfo[] = [];
  for (let next = switchAfter(t, -1); next !== null; next = switchAfter(t, next.toStint)) out.push(next);
  return out;
}

/** The first switch into a stint after stint `stint` (-1: from the beginning), or null. */
export function switchAfter(t: Timeline, stint: number): SwitchInfo | null {
  return boundaryAfter(t, stint, false);
}

/** The last switch into a stint before stint `stint` (stintCount: from the end), or null. */
export function switchBefore(t: Timeline, stint: number): SwitchInfo | null {
  return boundaryBefore(t, stint, false);
}

/** How many switches there are. */
export function countSwitches(t: Timeline): number {
  return countBoundaries(t, false);
}

/** The first step (a switch, or a task resumed after idle time) into a stint after stint `stint`. */
export function stepAfter(t: Timeline, stint: number): SwitchInfo | null {
  return boundaryAfter(t, stint, true);
}

/** The last step into a stint before stint `stint` (stintCount: from the end), or null. */
export function stepBefore(t: Timeline, stint: number): SwitchInfo | null {
  return boundaryBefore(t, stint, true);
}

/** How many steps there are. */
export function countSteps(t: Timeline): number {
  return countBoundaries(t, true);
}

/**
 * Whether the step cursor stops between tracked stints `prev` and `i`: another task's, or (with
 * `resumes`) the same task's after the loop sat idle between them.
 */
function stopsAt(t: Timeline, prev: number, i: number, resumes: boolean): boolean {
  const s = t.stints;
  if (s.task[prev] !== s.task[i]) return true;
  return resumes && idleBetween(t, prev, i) > 0;
}

/** The time the loop sat idle between the end of stint `prev` and the start of stint `i`, ms. */
function idleBetween(t: Timeline, prev: number, i: number): number {
  const s = t.stints;
  let idle = 0;
  // (Stints are in time order; only an IDLE record leaves a gap after a stint.)
  for (let k = prev; k < i; k++) idle += Math.max(0, s.start[k + 1] - t.stintEnd(k));
  return idle;
}

function boundaryAfter(t: Timeline, stint: number, resumes: boolean): SwitchInfo | null {
  const s = t.stints;
  let i = Math.max(0, stint + 1);
  let prev = trackedBefore(t, i);
  for (; i < s.length; i++) {
    if (s.task[i] === UNTRACKED) continue;
    if (prev !== -1 && stopsAt(t, prev, i, resumes)) return switchInto(t, i, prev);
    prev = i;
  }
  return null;
}

function boundaryBefore(t: Timeline, stint: number, resumes: boolean): SwitchInfo | null {
  const s = t.stints;
  let i = Math.min(stint, s.length) - 1;
  while (i >= 0 && s.task[i] === UNTRACKED) i--;
  while (i >= 0) {
    const prev = trackedBefore(t, i);
    if (prev === -1) return null;
    if (stopsAt(t, prev, i, resumes)) return switchInto(t, i, prev);
    i = prev;
  }
  return null;
}

function countBoundaries(t: Timeline, resumes: boolean): number {
  const s = t.stints;
  let count = 0;
  let prev = -1;
  for (let i = 0; i < s.length; i++) {
    if (s.task[i] === UNTRACKED) continue;
    if (prev !== -1 && stopsAt(t, prev, i, resumes)) count++;
    prev = i;
  }
  return count;
}

/** The tracked stint before stint `i` (untracked code is skipped), or -1. */
function trackedBefore(t: Timeline, i: number): number {
  const s = t.stints;
  for (let j = i - 1; j >= 0; j--) if (s.task[j] !== UNTRACKED) return j;
  return -1;
}

/** The switch into stint `i`, given the tracked stint before it. */
function switchInto(t: Timeline, i: number, prev: number): SwitchInfo {
  const s = t.stints;
  const to = s.task[i];
  const own = t.tasks[to].stints;
  // Its previous stint: the one before `i` among its own.
  const lo = firstAtLeast(own, i);
  const before = lo > 0 ? t.stintEnd(own[lo - 1]) : t.tasks[to].createdAt;
  const ready = s.readySince[i];
  return {
    time: s.start[i],
    fromStint: prev,
    toStint: i,
    from: s.task[prev],
    to,
    reason: REASON_NAMES[s.reason[i]] ?? 'unknown',
    waitedMs: Math.max(0, s.start[i] - before),
    readyMs: Number.isFinite(ready) ? Math.max(0, s.start[i] - ready) : 0,
    idleMs: idleBetween(t, prev, i),
  };
}
