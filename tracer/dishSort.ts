/**
 * Sorting a stint's log into dishes when the stint ends (the rule is stintLog.ts's findDishes): the
 * parse of a log of a given shape is cached, the dishes found become tasks, and the work each one
 * left behind is re-pointed at it. Called by dishes.ts, which keeps the log.
 *
 * Runs inside hooks: no I/O, no throwing (dishes.ts catches).
 */
import { TaskFlags, TaskKind } from '../protocol/format';
import {
  CombinatorCall,
  LIBRARY,
  arm,
  learntAt,
  learntWhere,
  remember,
  verdictWhere,
  verdicts,
  wantName,
} from './dishNames';
import { Task, now } from './engine';
import { newTask, reparentTask } from './tasks';
import { Logged, Slot, kDish, kTag, mix } from './marks';
import {
  FoundDish,
  LogKind,
  StintEntry,
  logHash,
  logKind,
  logMade,
  logObj,
  logParent,
  logRooted,
  Rooted,
} from './stintLog';
import { findDishes } from './stintParse';

/** The part of the log a stint wrote (records start..end-1), its shape and how the stint began. */
export interface Segment {
  start: number;
  end: number;
  shape: number;
  /** The place hash after its last record (see dishes.ts). */
  hash: number;
  how: StintEntry;
  /** It handed the runtime a callback before its first record (dishes.ts queueSlot). */
  lead: boolean;
  /** The log index of a promise or slot of this segment, or -1. */
  indexOf(p: unknown): number;
}

/**
 * The dishes a log of a given shape holds. The parse depends on nothing but what the running hash
 * encodes (the kinds of the records, where each one's parent and each member is, which settled,
 * which were wrappers) and on how the stint began and ended: a server that runs the same code path
 * over and over reads each shape once. Positions are relative to the segment's start.
 */
interface Parsed {
  dishes: FoundDish[];
  owner: Int16Array;
}
const parses = new Map<number, Parsed | null>();
const MAX_PARSES = 4096;

function parsed(seg: Segment, returned: boolean, serving: boolean): Parsed | null {
  const { start, end, shape, how } = seg;
  const length = end - start;
  let key = mix(mix(mix(mix(mix(shape, how), returned ? 1 : 2), length), seg.lead ? 1 : 2), serving ? 1 : 2);
  // What the stacks told (or, rationed out, did not) reads into the parse: part of the key.
  for (let i = start; i < end; i++) {
    const kind = logKind[i];
    if (kind === LogKind.Derived) key = mix(key, logMade[i]);
    else if (kind === LogKind.Root) key = mix(key, logRooted[i]);
  }
  let known = parses.get(key);
  if (known !== undefined && (known === null || known.owner.length === length)) return known;
  const { dishes, owner } = findDishes(start, end, seg.indexOf, how, returned, seg.lead, serving);
  known =
    dishes.length === 0
      ? null
      : {
          dishes: dishes.map((d) => ({
            ...d,
            origin: d.origin - start,
            start: d.start - start,
            end: d.end - start,
            comb: d.comb === -1 ? -1 : d.comb - start,
          })),
          owner: Int16Array.from(owner.subarray(start, end)),
        };
  if (parses.size >= MAX_PARSES) parses.clear();
  parses.set(key, known);
  return known;
}

/**
 * Sorts the work of the segment `seg` of a stint of `task` just ended: makes a task for each dish
 * its log holds (named from what is known of its place, else left to be named) and re-points the
 * work each dish left behind (its promises, its callbacks' slots) at it.
 */
export function settle(task: Task, returned: boolean, seg: Segment): void {
  // A request not yet answered: a framework's code chaining its own calls there waits for the
  // program's handler (see parse).
  const serving = task.kind === TaskKind.Request && !task.responded && !task.ended;
  const found = parsed(seg, returned, serving);
  if (found === null) return;
  const { dishes, owner } = found;
  const at = seg.start;
  const t = now();
  // Index in `dishes` → the task made for it (null: no dish after all, its work stays with the
  // dish or task around it).
  const made: Array<Task | null> = [];
  const around = (d: number): Task => {
    for (let p = d; p !== -1; p = dishes[p].parent) if (made[p] !== null) return made[p]!;
    return task;
  };
  for (const d of dishes) {
    const call = d.comb !== -1 ? (logParent[at + d.comb] as CombinatorCall) : null;
    // A dish's place: where its call was made and what the call did before it returned (the hash
    // at its extent's end). Two places that start alike (seed 521) are told apart by the calls.
    const first = at + d.origin;
    const key = mix(logHash[first], at + d.end < seg.end ? logHash[at + d.end] : seg.hash);
    let verdict = verdicts.get(key);
    const learnt = learntAt.get(first);
    if (verdict === undefined && learnt !== undefined) {
      verdict = learnt;
      remember(key, learnt, learntWhere.get(first) ?? null);
    }
    if (verdict === LIBRARY && call === null) {
      made.push(null);
      continue;
    }
    const parent = d.parent === -1 ? task : around(d.parent);
    const name = typeof verdict === 'string' && verdict !== '' ? verdict : null;
    const known = name !== null;
    // A member of a library's combinator (a GraphQL executor's resolvers, a framework's parameter
    // pipes) is the program's only once named after its function, and is placed there, not at the
    // library's call: until then it is provisional, and the library's place makes it no more so.
    const libraryMember = call !== null && call.byLibrary;
    const placed = learntWhere.get(first) ?? verdictWhere.get(key) ?? null;
    const dish = newTask(
      TaskKind.Other,
      parent,
      name !== null ? name : call !== null ? `${call.name}[${d.index}]` : 'async call',
      call !== null
        ? TaskFlags.Concurrent | (libraryMember && !known ? TaskFlags.Provisional : 0)
        : TaskFlags.Detached | (verdict === undefined ? TaskFlags.Provisional : 0),
      call === null ? placed : libraryMember && known ? (placed ?? call.where) : call.where,
      t,
      !libraryMember,
    );
    if (libraryMember && !known) dish.located = false;
    made.push(dish);
    const origin = logObj[at + d.origin];
    if (typeof origin === 'object' && origin !== null) (origin as Logged)[kDish] = dish;
    // The member the combinator was given is the call's own promise, not a chain on it that runs
    // on once that settles: settled by others (a batch), it is over.
    if (call !== null && (logObj[at + d.comb] as unknown[]).includes(origin)) dish.endsWhenSettled = true;
    if (verdict === undefined) {
      wantName(dish, call, key, logRooted[first] === Rooted.ByCall);
      arm(logHash[first]);
    }
  }
  for (let i = at; i < seg.end; i++) {
    const o = owner[i - at];
    if (o === -1) continue;
    const dish = made[o] ?? (dishes[o].parent === -1 ? null : around(dishes[o].parent));
    if (dish === null || dish === task) continue;
    const record = dish.base;
    const obj = logObj[i] as Logged;
    switch (logKind[i]) {
      case LogKind.Root:
      case LogKind.Derived:
        obj[kTag] = record;
        break;
      case LogKind.Reg:
      case LogKind.Resource:
        if (obj instanceof Slot) {
          obj.r = record;
          obj.lazy = null;
          if (obj.child !== null) reparentTask(obj.child, dish);
        } else {
          obj[kTag] = record;
        }
        break;
    }
  }
}
