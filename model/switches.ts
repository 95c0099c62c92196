/**
 * Task switches: the boundaries between consecutive stints of different tasks, found in the
 * timeline's stints on demand (a million stints are scanned in milliseconds; nothing is stored).
 * Untracked code is no task: a switch goes from the last tracked stint to the next.
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
  const s = t.stints;
  let i = Math.max(0, stint + 1);
  let prev = trackedBefore(t, i);
  for (; i < s.length; i++) {
    if (s.task[i] === UNTRACKED) continue;
    if (prev !== -1 && s.task[prev] !== s.task[i]) return switchInto(t, i, prev);
    prev = i;
  }
  return null;
}

/** The last switch into a stint before stint `stint` (stintCount: from the end), or null. */
export function switchBefore(t: Timeline, stint: number): SwitchInfo | null {
  const s = t.stints;
  let i = Math.min(stint, s.length) - 1;
  while (i >= 0 && s.task[i] === UNTRACKED) i--;
  while (i >= 0) {
    const prev = trackedBefore(t, i);
    if (prev === -1) return null;
    if (s.task[prev] !== s.task[i]) return switchInto(t, i, prev);
    i = prev;
  }
  return null;
}

/** How many switches there are. */
export function countSwitches(t: Timeline): number {
  const s = t.stints;
  let count = 0;
  let prev = -1;
  for (let i = 0; i < s.length; i++) {
    const task = s.task[i];
    if (task === UNTRACKED) continue;
    if (prev !== -1 && prev !== task) count++;
    prev = task;
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
  };
}
