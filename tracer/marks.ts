/**
 * What the tracer leaves on the program's objects (symbols, so the program never sees them as its
 * own properties), the slot a callback runs through, and the hash step the stint log's places are
 * built with. Shared by the stint log (dishes.ts), the sorting of dishes (dishSort.ts) and the
 * sources that hand callbacks to the runtime.
 */
import { TaskKind } from '../protocol/format';
import { Strand, Task } from './engine';
import { CodeLocation } from './locations';

/**
 * On every logged object: its index in the log (the low LOG_BITS bits), whether it is a root
 * promise (ROOT_BIT) and the place it was made at (the hash of the log before it, above them) —
 * one small integer, one store. It must stay a V8 small integer (30 bits and a sign on 64-bit
 * builds): a larger number is a heap allocation per promise and turns the field into a double.
 */
export const kIdx = Symbol('looplens.log');
/** On the promise a dish was made from: the dish (to fold it if its caller turns out to await it). */
export const kDish = Symbol('looplens.dish');
/**
 * The record a promise's continuation runs as (a root's: only a "resolve with a thenable" job runs
 * one). Every promise made while a task runs gets this and then `kIdx`, always in that order, so
 * that they all share one hidden class.
 */
export const kTag = Symbol('looplens.tag');
/**
 * On an object whose events run as a task of its own (an incoming request, a worker, a named
 * scope's AsyncResource): that task.
 */
export const kTask = Symbol('looplens.task');

/**
 * On the promise of a call a library's code made and chains (dishSort.ts, side by side): the run
 * it is, counted as running in its task until the promise settles.
 */
export const kSide = Symbol('looplens.side');

/**
 * On a promise or callback whose continuation resumes a library's runner of jobs, or carries a
 * library's loop on (dishSort.ts runsRunner): which (a stintLog.ts Runner). A field of the object,
 * not a WeakMap entry: every continuation and tick about to run is asked, once any runner was seen
 * (a framework whose handler is held back alone sees one early), and a WeakMap lookup each time was
 * about 60 instructions (fastify `/async`: 13 a request). A Slot has it from its constructor.
 */
export const kRunner = Symbol('looplens.runner');
export type RunnerMarked = { [kRunner]?: number };

/**
 * On the library's `.then` on the promise of a call it made side by side with another that became a
 * dish (a queue's job): its reaction is the library's wrap-up of that job, which may call the next
 * (dishSort.ts wrapsUpJob).
 */
export const kWrapUp = Symbol('looplens.wrapUp');
export type WrapUpMarked = { [kWrapUp]?: boolean };

export type Logged = { [kIdx]?: number; [kTag]?: Strand; [kDish]?: Task; [kSide]?: SideRun };

/**
 * A function of the program's that a library's code called and chains, in `task`: a dish when the
 * library runs another at the same time (dishSort.ts). Until then its work stays the task's, and
 * what it left behind in the stint that called it (`objs`, `kinds`) is kept, to be re-pointed at
 * its dish should it become one before that work runs. One alone whose work needs no lookup (a
 * framework's handler) gets no such record until a second comes: its task keeps a strand for it
 * (Task.lone, dishSort.ts holdLazily).
 */
export interface SideRun {
  task: Task;
  settled: boolean;
  dish: Task | null;
  objs: unknown[] | null;
  kinds: number[] | null;
  /** Dishes made inside it before its first await (their parent, should it become a dish). */
  children: Task[] | null;
  /** Its name and place when known, and its place's keys (dishSort.ts) to learn them from. */
  name: string | null;
  where: CodeLocation | null;
  key: number;
  /** The library's line that called it, when known. */
  from: string | null;
  armed: number;
  /**
   * The call held back alone whose code made this one, or null: the calls a held-back call's own
   * code runs side by side are counted among its own (dishSort.ts Segment.held), not beside it.
   */
  within: SideRun | null;
  /** Called by a runner the library chained and left (FoundDish.byRunner). */
  byRunner: boolean;
  /**
   * Its dish was made when work it left began to run before a companion came (dishSort.ts
   * claimHeld): provisional until one comes, folded back into its task if none does.
   */
  tentative?: boolean;
  /** Counted in dishSort.ts heldWatch (a runner's call held back alone, its work not yet run). */
  watched?: boolean;
  /** The calls its own code runs side by side (dishSort.ts sidesOf), once there were any. */
  sides: Sides | null;
  /**
   * Held back as no record first (dishSort.ts holdLazily): the strand its work carries, which its
   * dish's re-points in one store (its `objs` stay empty); else null.
   */
  strand: Strand | null;
}

/**
 * A task's calls that a library's code made and chains, still running; the one not a dish. Kept
 * on the task, or on the call held back alone whose own code made them (SideRun.within): a field,
 * not a WeakMap entry — a busy server makes one a request, and each entry of a long-lived WeakMap
 * is a slow write barrier and work for every young collection (fastify `/async`: 0.8 µs a request).
 */
export interface Sides {
  running: number;
  lone: SideRun | null;
  /**
   * Runners the library chained and left ran the program's functions side by side here once
   * (FoundDish.byRunner): a later one, called alone, is a job too (dishSort.ts settle).
   */
  runnersTogether: boolean;
  /** The library's line that called them, where a stack showed it (SideRun.from). */
  runnersLine: string | null;
}

/**
 * A callback handed to the runtime in a stint (a timer, an I/O callback, a tick): it runs as the
 * task of `r`, which the end of the stint re-points when the callback belongs to a dish.
 *
 * Its fields are declared, and set by the constructor, not class fields: V8 (Node 20's) defines
 * each class field through an IC call its optimizing compiler does not inline, and a busy server
 * makes a few slots a request (koa + redis: about 600 instructions a request in those calls). The
 * constructor's stores give the same hidden class, in the same order.
 */
export class Slot {
  declare r: Strand;
  declare [kIdx]?: number;
  /**
   * A task of its own that the callback will be, made when it first runs (a timer the script set),
   * unless the callback turns out to belong to a dish: then it is that dish's work.
   */
  declare lazy: LazyTask | null;
  /** A task made in the stint (a named scope, a worker) whose parent is whoever owns this slot. */
  declare child: Task | null;
  /**
   * A tick, microtask or immediate queued while a connection's read handed its data on
   * (StintEntry.Dispatched): the hand-over, deferred (socket.io emits each event from a tick, ws
   * without synchronous events each message from an immediate), so it dispatches too.
   */
  declare dispatch: boolean;
  /**
   * A tick or microtask queued by work a thenable's `then` started (postgres.js's query, which
   * starts in a microtask its `then` queues): it carries that on (see Segment.thenable).
   */
  declare thenable: boolean;
  /** The runner its callback resumes (see kRunner): 0, none, until the end of its stint says. */
  declare [kRunner]: number;
  constructor(r: Strand) {
    this.r = r;
    this[kIdx] = undefined;
    this.lazy = null;
    this.child = null;
    this.dispatch = false;
    this.thenable = false;
    this[kRunner] = 0;
  }
}

export interface LazyTask {
  kind: TaskKind;
  name: string;
  where: CodeLocation | null;
  /** When the callback was handed over (its creation time), trace clock. */
  time: number;
}

const FNV_PRIME = 0x01000193;
/** Hashes are kept to 30 bits: small integers, never a number V8 must box. */
const HASH_MASK = 0x3fffffff;

export function mix(h: number, v: number): number {
  return Math.imul(h ^ v, FNV_PRIME) & HASH_MASK;
}
