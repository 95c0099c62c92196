/**
 * Tasks as the trace records them: made (a TASK record), renamed and re-parented once more is known,
 * folded into their parent's work, marked ready, ended. Every source of tasks goes through these.
 *
 * Runs inside the user's program: no I/O, no throwing.
 */
import { TaskFlags, TaskKind } from '../protocol/format';
import { Strand, Task, noteMade, now, recorder } from './engine';
import { CodeLocation } from './locations';

let nextTaskId = 1;

/** Creates a task and writes its TASK record. */
export function newTask(
  kind: TaskKind,
  parent: Task | null,
  name: string,
  flags: number,
  where: CodeLocation | null,
  time = now(),
  /** Whether a place in a library's code makes the task the library's (TaskFlags.Internal). */
  internalByPlace = true,
): Task {
  const id = nextTaskId++;
  if (nextTaskId > 0xfffffff0) nextTaskId = 1;
  const base: Strand = { task: null, prev: parent !== null ? parent.base : null, lib: false, job: null };
  const task: Task = {
    id,
    kind,
    base,
    unnamed: false,
    ended: false,
    responded: false,
    located: where !== null,
    name,
    folded: false,
    seed: 0,
    dispatches: false,
    endsWhenSettled: false,
    returned: false,
    endsOnReturn: false,
    ran: false,
    answered: 0,
    askedLate: -1,
    holdsReply: false,
    sides: null,
    lone: null,
    loneOrigin: null,
    loneKey: 0,
    loneArmed: 0,
    loneFrom: '',
    parked: 0,
    waitNext: null,
    waitPrev: null,
    incoming: null,
    handler: null,
  };
  base.task = task;
  noteMade(task, parent);
  writeTask(
    task,
    parent,
    name,
    // A request is the program's work wherever its server was started (fastify starts its own
    // from inside the library): only other tasks made in a library's code are the library's.
    flags |
      (internalByPlace && where !== null && where.library && kind !== TaskKind.Request
        ? TaskFlags.Internal
        : 0),
    where,
    time,
  );
  return task;
}

function writeTask(
  task: Task,
  parent: Task | null,
  name: string,
  flags: number,
  where: CodeLocation | null,
  time: number,
): void {
  const nameId = recorder.intern(name);
  const fileId = where !== null ? recorder.intern(where.file) : 0;
  const w = recorder.room(3);
  if (w === null) return;
  w.task(
    time,
    task.id,
    task.kind,
    parent !== null ? parent.id : 0,
    nameId,
    flags,
    fileId,
    where !== null ? where.line : 0,
    where !== null ? where.column : 0,
  );
}

/**
 * Gives a task a better name and location once they are known. `time`: a clock reading of the
 * moment, when the caller has one (a request named by its route as it ends: one reading for both
 * records).
 */
export function renameTask(task: Task, name: string, where: CodeLocation | null, time = -1): void {
  if (name !== '' && name !== task.name) {
    task.name = name;
    task.seed = 0; // its share of the places it runs (dishes.ts taskSeed) follows the name
  }
  const nameId = name !== '' ? recorder.intern(name) : 0;
  const fileId = where !== null ? recorder.intern(where.file) : 0;
  const w = recorder.room(2);
  if (w === null) return;
  w.taskInfo(
    time >= 0 ? time : now(),
    task.id,
    nameId,
    fileId,
    where !== null ? where.line : 0,
    where !== null ? where.column : 0,
  );
}

/** `task` was made inside a call that turned out to be a dish: it belongs to that dish. */
export function reparentTask(task: Task, parent: Task): void {
  if (task === parent) return;
  task.base.prev = parent.base;
  const w = recorder.room(3);
  if (w !== null) w.taskInfo(now(), task.id, 0, 0, 0, 0, parent.id);
}

/**
 * `task` turns out to be part of `into`'s work (see the FOLD record): its record defers to its
 * parent's from now on, and readers move what it recorded to `into`.
 */
export function foldTask(task: Task, into: Task): void {
  if (task.folded || task === into) return;
  task.folded = true;
  task.base.task = null;
  const w = recorder.room(2);
  if (w !== null) w.fold(now(), task.id, into.id);
}

/** Task `task` has been ready to run since `since` (its timer was due then). */
export function markReady(task: Task, since: number): void {
  const w = recorder.room(1);
  if (w !== null) w.ready(since, task.id);
}

/** `time`: a clock reading of the moment, when the caller has one (see renameTask). */
export function endTask(task: Task, how: number, time = -1): void {
  const w = recorder.room(1);
  if (w !== null) w.taskEnd(time >= 0 ? time : now(), task.id, how);
}
