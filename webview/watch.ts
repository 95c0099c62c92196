/**
 * What the view's `watch` mode shows: the work a lesson of the walkthrough just sent the program.
 * Following live, a lesson's block left the view five seconds after it happened, while the user was
 * still reading about it; watched, it stays, with everything the requests set going (a background
 * job a second later) and nothing else. Pure: no DOM.
 */
import type { Timeline } from '../model/timeline';

/** Room left on each side of the watched work: this share of its length, and at least WATCH_PAD_MS. */
const WATCH_PAD_SHARE = 0.08;
const WATCH_PAD_MS = 20;

/**
 * The stretch of trace (trace clock, ms) that holds the work begun at or after `since`: from the
 * first such task's creation to the last thing any of them did — a stint, a response — or to `now`
 * while one of them is still at work (a request not answered yet, a task ready but not run, a
 * stint going on), with some room around it. Null while no such task has come.
 *
 * Tasks made by libraries and Node itself are left out: a keep-alive socket or a pool's
 * connection lives on for minutes and is no part of the lesson. A task that waits with no end in
 * sight (a background job whose timer has not fired) does not stretch the view: its next stint
 * will, when it comes.
 */
export function watchedRange(timeline: Timeline, since: number, now: number): [number, number] | null {
  const tasks = timeline.tasks;
  const stints = timeline.stints;
  let first = Infinity;
  let last = -Infinity;
  // Tasks are listed in the order they were made (the trace's records are in time order): the
  // ones made since `since` are at the end.
  for (let k = tasks.length - 1; k >= 0; k--) {
    const task = tasks[k];
    if (task.createdAt < since) break;
    if (task.internal || task.mergedInto !== -1) continue;
    const ids = task.stints;
    first = Math.min(first, task.createdAt, ids.length > 0 ? stints.start[ids[0]] : Infinity);
    let end = task.createdAt;
    if (ids.length > 0) end = Math.max(end, timeline.stintEnd(ids[ids.length - 1]));
    if (task.endedAt !== null) end = Math.max(end, task.endedAt);
    const busy = (task.kind === 'request' && task.endedAt === null) || task.readySince !== null;
    last = Math.max(last, busy ? Math.max(end, now) : end);
  }
  if (first === Infinity) return null;
  const pad = Math.max((last - first) * WATCH_PAD_SHARE, WATCH_PAD_MS);
  return [first - pad, last + pad];
}
