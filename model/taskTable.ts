/**
 * The timeline's tasks and the wire ids that name them: a task per id the trace announced, a
 * placeholder for an id it never did (lost records; past a cap they share one lane), and tasks
 * dropped with the oldest part brought back by name when their id comes back. Part of the timeline
 * model (timeline.ts).
 */
import { KIND_NAMES, TaskFlags, TaskKind } from '../protocol/format';
import type { SourceLocation } from '../protocol/format';
import { ForgottenTasks, tasksToKeep } from './memoryBudget';
import { TimelineTask } from './timelineTypes';

/** Tasks made for ids whose creation was not recorded, before the rest share one. */
const MAX_UNRECORDED_TASKS = 10_000;
/** How far up the parent chain a task looks for the request it works for. */
export const MAX_PARENT_DEPTH = 32;

export class TaskTable {
  /** Every task, by index (the timeline hands this array out as `tasks`). */
  readonly list: TimelineTask[] = [];
  private readonly byWireId = new Map<number, number>();
  /** Tasks made for ids whose creation the trace did not record, and the one they share past the cap. */
  private unrecorded = 0;
  private unrecordedShared = -1;
  /**
   * Wire ids of those tasks (each its own, not the shared one) that a TASK record may still complete
   * (`announce`).
   */
  private readonly unannounced = new Set<number>();
  /** What is remembered of tasks dropped with the oldest part, should their ids come back. */
  readonly forgotten = new ForgottenTasks();

  add(
    wireId: number,
    kind: number,
    parent: number,
    name: string,
    flags: number,
    location: SourceLocation | null,
    createdAt: number,
    id = String(wireId),
  ): number {
    const index = this.list.length;
    this.list.push({
      index,
      id,
      wireId,
      kind: KIND_NAMES[kind] ?? 'other',
      name,
      parent,
      createdAt,
      endedAt: null,
      endHow: null,
      location,
      internal: (flags & (TaskFlags.Internal | TaskFlags.Provisional)) !== 0,
      flags,
      stints: [],
      runMs: 0,
      background: -1,
      readySince: null,
      mergedInto: -1,
    });
    return index;
  }

  /** A task the trace announced (a TASK record): it takes the id, and nothing old comes back for it. */
  announce(
    wireId: number,
    kind: number,
    parent: number,
    name: string,
    flags: number,
    location: SourceLocation | null,
    time: number,
  ): number {
    this.forgotten.take(wireId);
    if (this.unannounced.delete(wireId)) {
      const was = this.byWireId.get(wireId);
      const t = was === undefined ? undefined : this.list[was];
      if (t !== undefined && t.wireId === wireId && t.mergedInto === -1 && t.index !== 0) {
        // Records named the task before its TASK record: a tracer that learns what a task is only
        // in its first stint (the Python tracer: a server's task that turns out to run a request,
        // its TASK written in that stint, at its start) — or one whose record came late. The record
        // completes the task: what was recorded for the id so far is the task it announces.
        this.unrecorded--;
        t.kind = KIND_NAMES[kind] ?? 'other';
        t.name = name;
        t.parent = parent !== -1 && !this.isAncestor(t.index, parent) ? parent : -1;
        t.flags = flags;
        t.internal = (flags & (TaskFlags.Internal | TaskFlags.Provisional)) !== 0;
        t.location = location;
        t.createdAt = time;
        return t.index;
      }
    }
    const index = this.add(wireId, kind, parent, name, flags, location, time);
    this.byWireId.set(wireId, index);
    return index;
  }

  /** From now on records naming `wireId` mean task `index` (a FOLD). */
  alias(wireId: number, index: number): void {
    this.byWireId.set(wireId, index);
  }

  /** The task a wire id names, if its creation has been read. */
  forWireId(wireId: number): TimelineTask | undefined {
    const index = this.byWireId.get(wireId);
    return index === undefined ? undefined : this.list[index];
  }

  /** The task index for a wire id, creating a placeholder for ids never announced (lost records). */
  indexOf(wireId: number, time: number): number {
    const known = this.known(wireId);
    if (known !== undefined) return known;
    // A trace that lost events (or was made up) may name a new task in every record: past a
    // point they share one lane, so memory grows with the records, not with a task per record.
    if (this.unrecorded >= MAX_UNRECORDED_TASKS) {
      if (this.unrecordedShared === -1)
        this.unrecordedShared = this.add(
          -1,
          TaskKind.Other,
          -1,
          'more tasks whose creation was not recorded',
          TaskFlags.Internal,
          null,
          time,
          'unrecorded',
        );
      return this.unrecordedShared;
    }
    this.unrecorded++;
    this.unannounced.add(wireId);
    const index = this.add(
      wireId,
      TaskKind.Other,
      -1,
      `task ${wireId} (its creation was not recorded)`,
      0,
      null,
      time,
    );
    this.byWireId.set(wireId, index);
    return index;
  }

  /** The task index for a wire id, bringing back a task dropped with the oldest part if need be. */
  known(wireId: number): number | undefined {
    const index = this.byWireId.get(wireId);
    if (index !== undefined) return index;
    const old = this.forgotten.take(wireId);
    if (old === undefined) return undefined;
    const parent = old.parentWireId !== -1 ? (this.byWireId.get(old.parentWireId) ?? -1) : -1;
    const revived = this.add(
      wireId,
      TaskKind.Other,
      parent,
      old.name,
      old.flags,
      old.location,
      old.createdAt,
      old.id,
    );
    const t = this.list[revived];
    t.kind = old.kind;
    t.endedAt = old.endedAt;
    t.endHow = old.endHow;
    t.runMs = old.runMs;
    this.byWireId.set(wireId, revived);
    return revived;
  }

  /** Whether task `a` is `b` or one of `b`'s ancestors. */
  isAncestor(a: number, b: number): boolean {
    for (let p = b, depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH * 4; p = this.list[p].parent, depth++)
      if (p === a) return true;
    return false;
  }

  /**
   * Drops the tasks that only stints before stint `keep` (which starts at `cut`) needed: those with
   * no later stint made before it, unless a kept task descends from them. What is dropped is
   * remembered within `budget`. Returns each old index's new one (-1: dropped); stint numbers in
   * the tasks' lists are moved down by `keep`.
   */
  dropBefore(keep: number, cut: number, budget: number): Int32Array {
    const tasks = this.list;
    const kept = tasksToKeep(tasks, keep, cut, this.unrecordedShared);
    const renumber = new Int32Array(tasks.length).fill(-1);
    const survivors: TimelineTask[] = [];
    for (const t of tasks) {
      if (kept[t.index] === 1) {
        renumber[t.index] = survivors.length;
        survivors.push(t);
      } else if (t.mergedInto === -1 && t.wireId > 0 && t.index !== 0) {
        this.forgotten.remember(t, t.parent > 0 ? tasks[t.parent].wireId : -1, budget);
      }
    }
    // Ids of merged and dropped tasks point where their task now is, or nowhere.
    for (const [wireId, index] of this.byWireId) {
      const to = renumber[index];
      if (to === -1) this.byWireId.delete(wireId);
      else this.byWireId.set(wireId, to);
    }
    const at = (i: number): number => (i < 0 ? -1 : renumber[i]);
    tasks.length = 0;
    for (const t of survivors) {
      const stints = t.stints.filter((st) => st >= keep).map((st) => st - keep);
      tasks.push({
        ...t,
        index: tasks.length,
        parent: at(t.parent),
        background: at(t.background),
        stints,
      });
    }
    if (this.unrecordedShared !== -1) this.unrecordedShared = renumber[this.unrecordedShared];
    return renumber;
  }

  /** Applies the background rule: which task a stint of `index` starting at `start` is work for. */
  workFor(index: number, start: number): number {
    const t = this.list[index];
    if (t.kind === 'request') {
      // After the response: the request's, until the stint turns out to last (closeOpen).
      return index;
    }
    // A member of a combinator may run a moment after the response (a library's tail: fetch's
    // socket, a file handle closed) when it finished before: it is background only once such a
    // stint turns out to be work (closeOpen, as for the request's own stints).
    // So may a call nobody awaited whose own function returned before the response (a call
    // started now and awaited later, `const p = getJson(url); …; await p`: fetch finishing the body
    // it read a moment later).
    if (
      t.kind === 'other' &&
      index !== 0 &&
      (t.flags & TaskFlags.Concurrent) === 0 &&
      this.afterResponse(index, start) &&
      !this.returnedBeforeResponse(index)
    )
      t.kind = 'background';
    return index;
  }

  /**
   * Whether task `index` — a call nobody awaited, which the tracer ends when its own function
   * returns — ended no later than the response of the request it is (part of) the work of: what it
   * runs after the response is a library's tail, background only once it turns out to be work.
   */
  returnedBeforeResponse(index: number): boolean {
    const ended = this.list[index].endedAt;
    if (ended === null) return false;
    let p = this.list[index].parent;
    for (let depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH; depth++) {
      const parent = this.list[p];
      if (parent.kind === 'request') return parent.endedAt !== null && ended <= parent.endedAt;
      p = parent.parent;
    }
    return false;
  }

  /**
   * Whether task `index` was made before the response of the request it is (part of) the work of
   * (or that request has not answered): a member the request's code was still waiting for.
   */
  madeBeforeResponse(index: number): boolean {
    const created = this.list[index].createdAt;
    let p = this.list[index].parent;
    for (let depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH; depth++) {
      const parent = this.list[p];
      if (parent.kind === 'request') return parent.endedAt === null || created < parent.endedAt;
      p = parent.parent;
    }
    return true;
  }

  /** Whether `start` is after the response of the request task `index` is (part of) the work of. */
  afterResponse(index: number, start: number): boolean {
    let p = this.list[index].parent;
    for (let depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH; depth++) {
      const parent = this.list[p];
      // (A request whose client left answered nobody: nothing is after its response.)
      if (parent.kind === 'request')
        return parent.endedAt !== null && parent.endHow !== 'aborted' && start >= parent.endedAt;
      p = parent.parent;
    }
    return false;
  }

  /**
   * The task holding a request's after-response work, created on first need. `where`: the line
   * that started that work, when known (a timer the program set after the response); else it is
   * placed where the request is.
   */
  backgroundOf(index: number, start: number, where: SourceLocation | null = null): number {
    const t = this.list[index];
    if (t.background !== -1) {
      const bg = this.list[t.background];
      if (where !== null && bg.location === t.location) bg.location = where;
      return t.background;
    }
    t.background = this.add(
      t.wireId,
      TaskKind.Background,
      index,
      `${t.name} (after response)`,
      t.flags & TaskFlags.Internal,
      where ?? t.location,
      start,
      `${t.id}b`,
    );
    return t.background;
  }
}
