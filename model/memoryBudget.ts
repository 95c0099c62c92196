/**
 * The numbers of the timeline's memory budget (Timeline.memoryBudget, Timeline.dropOldest): what
 * each thing the model holds is taken to cost, how often the budget is looked at, and what is kept
 * of a task dropped with the oldest part so that it can come back by name.
 */
import { KindName } from '../protocol/format';
import { SourceLocation } from '../protocol/reader';
import { TimelineTask } from './timelineTypes';

/**
 * Weights of the memory estimate, bytes: a stint's columns and its place in its task's list; a
 * task with its name and location; an await or block note; a lag point; a dropped task remembered.
 * Measured with Node 20 on a recorded promise-heavy program (see test/timelineBudget.test.ts).
 */
export const STINT_BYTES = 48;
export const TASK_BYTES = 400;
export const NOTE_BYTES = 200;
export const LAG_BYTES = 100;
export const FORGOTTEN_BYTES = 250;
/** Records between looks at the budget. */
export const BUDGET_CHECK_EVERY = 4096;
/** Dropped tasks remembered, should their ids come back (a timer that fires an hour later). */
export const MAX_FORGOTTEN = 50_000;

interface ForgottenTask {
  id: string;
  kind: KindName;
  name: string;
  flags: number;
  location: SourceLocation | null;
  parentWireId: number;
  createdAt: number;
  endedAt: number | null;
  endHow: TimelineTask['endHow'];
  runMs: number;
}

/**
 * What is kept of tasks dropped with the oldest part, should their ids come back (a timer that
 * fires an hour later, a request still waiting on its database). Room is a quarter of the budget,
 * at most MAX_FORGOTTEN; when it is full, a task that ran goes first (likely done), one still
 * waiting for its first stint last.
 */
export class ForgottenTasks {
  private readonly ran = new Map<number, ForgottenTask>();
  private readonly waiting = new Map<number, ForgottenTask>();

  get size(): number {
    return this.ran.size + this.waiting.size;
  }

  remember(t: TimelineTask, parentWireId: number, budget: number): void {
    const room = Math.min(MAX_FORGOTTEN, Math.floor(budget / 4 / FORGOTTEN_BYTES));
    while (this.size >= room) {
      const from = this.ran.size > 0 ? this.ran : this.waiting;
      const oldest = from.keys().next();
      if (oldest.done === true) return;
      from.delete(oldest.value);
    }
    const list = t.stints.length > 0 || t.runMs > 0 ? this.ran : this.waiting;
    list.set(t.wireId, {
      id: t.id,
      kind: t.kind,
      name: t.name,
      flags: t.flags,
      location: t.location,
      parentWireId,
      createdAt: t.createdAt,
      endedAt: t.endedAt,
      endHow: t.endHow,
      runMs: t.runMs,
    });
  }

  /** What was kept of task `wireId` (and it is kept no more), if anything. */
  take(wireId: number): ForgottenTask | undefined {
    const found = this.ran.get(wireId) ?? this.waiting.get(wireId);
    if (found !== undefined) {
      this.ran.delete(wireId);
      this.waiting.delete(wireId);
    }
    return found;
  }
}

/** How far up the parent chain the tasks a kept task descends from are kept. */
const MAX_ANCESTORS = 128;

/**
 * Which tasks stay when the stints before stint `keep` (which began at `cut`) go: those with a
 * later stint or made after it, the shared lane of unrecorded tasks, and every task a kept one
 * descends from, with the other half of a request. 1 = kept, by task index.
 */
export function tasksToKeep(
  tasks: readonly TimelineTask[],
  keep: number,
  cut: number,
  shared: number,
): Uint8Array {
  const kept = new Uint8Array(tasks.length);
  kept[0] = 1;
  for (const t of tasks) {
    if (t.mergedInto !== -1) continue;
    const last = t.stints.length > 0 ? t.stints[t.stints.length - 1] : -1;
    if (last >= keep || t.createdAt >= cut || t.index === shared) kept[t.index] = 1;
  }
  for (let i = tasks.length - 1; i > 0; i--) {
    if (kept[i] === 0) continue;
    const t = tasks[i];
    if (t.background !== -1) kept[t.background] = 1;
    for (let p = t.parent, depth = 0; p > 0 && kept[p] === 0 && depth < MAX_ANCESTORS; depth++) {
      kept[p] = 1;
      p = tasks[p].parent;
    }
  }
  for (let i = 1; i < tasks.length; i++) if (kept[i] === 1 && tasks[i].parent > 0) kept[tasks[i].parent] = 1;
  return kept;
}
