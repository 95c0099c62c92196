/**
 * The stint log at run time (see stintLog.ts for the rule): what each stint leaves behind is logged
 * while it runs, sorted into dishes when it ends, and the dishes found are named from the chain of
 * awaits their first continuations run in.
 *
 * Everything here runs inside hooks: no I/O, no throwing; the logging functions are a handful of
 * stores each.
 */
import { TaskFlags, TaskKind } from '../protocol/format';
import {
  Strand,
  Task,
  current,
  foldTask,
  newTask,
  now,
  renameTask,
  reparentTask,
  setSegmentHandlers,
  taskOf,
} from './engine';
import {
  ChainFrame,
  CodeLocation,
  captureChain,
  isTracerFile,
  madeByPromiseMethod,
  madeByRuntime,
} from './locations';
import {
  FoundDish,
  LogKind,
  MAX_LOG,
  StintEntry,
  findDishes,
  Made,
  Rooted,
  logKind,
  logMade,
  logRooted,
  logObj,
  logParent,
  logUsed,
  logWrapper,
} from './stintLog';

/**
 * On every logged object: its index in the log (the low LOG_BITS bits), whether it is a root
 * promise (ROOT_BIT) and the place it was made at (the hash of the log before it, above them) —
 * one small integer, one store. It must stay a V8 small integer (30 bits and a sign on 64-bit
 * builds): a larger number is a heap allocation per promise and turns the field into a double.
 */
export const kIdx = Symbol('looplens.log');
const LOG_BITS = 10;
const LOG_MASK = (1 << LOG_BITS) - 1;
/** In a promise's stamp: it is a root (made by `new Promise` or an async function). */
export const ROOT_BIT = 1 << LOG_BITS;
const PLACE_SHIFT = LOG_BITS + 1;
/**
 * The place, above them (19 bits, 30 in all): the shape of the stint so far (SHAPE_BITS) and the
 * shape of the stint whose work that stint runs (MAKER_BITS) — the code path two stints deep.
 */
const SHAPE_BITS = 10;
const MAKER_BITS = 30 - PLACE_SHIFT - SHAPE_BITS;
const SHAPE_MASK = (1 << SHAPE_BITS) - 1;
const MAKER_MASK = (1 << MAKER_BITS) - 1;
function stamp(index: number): number {
  return ((((shape & SHAPE_MASK) << MAKER_BITS) | (makerShape & MAKER_MASK)) << PLACE_SHIFT) | index;
}
/** A stamp for a promise the full log has no room for: its index is never its own. */
const UNLOGGED = LOG_MASK;
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

type Logged = { [kIdx]?: number; [kTag]?: Strand; [kDish]?: Task };

/**
 * A callback handed to the runtime in a stint (a timer, an I/O callback, a tick): it runs as the
 * task of `r`, which the end of the stint re-points when the callback belongs to a dish.
 */
export class Slot {
  [kIdx]?: number;
  /**
   * A task of its own that the callback will be, made when it first runs (a timer the script set),
   * unless the callback turns out to belong to a dish: then it is that dish's work.
   */
  lazy: LazyTask | null = null;
  /** A task made in the stint (a named scope, a worker) whose parent is whoever owns this slot. */
  child: Task | null = null;
  constructor(public r: Strand) {}
}

export interface LazyTask {
  kind: TaskKind;
  name: string;
  where: CodeLocation | null;
  /** When the callback was handed over (its creation time), trace clock. */
  time: number;
}

/** What a combinator call tells the naming of its members. */
interface CombinatorCall {
  name: string;
  /** Where it was called (rationed: may be null). */
  where: CodeLocation | null;
  /**
   * Library or runtime code called it (not the program): its members are that code's business,
   * shown as the program's only once named after a function of the program.
   */
  byLibrary: boolean;
}

let n = 0;
let segStart = 0;
/** Roots logged in this segment that nothing consumed yet. */
let open = 0;
let combs = 0;
/** DERIVED records of this segment nothing consumed yet (its awaits, and statement chains). */
let tails = 0;
/**
 * Where in the log a promise not made in this segment last settled: at the end of the log, the
 * function the stint resumed has returned (its own promise, made in an earlier stint, settled).
 */
let foreignSettle = -1;
/** How the segment's stint began. */
let how: StintEntry = StintEntry.Resumed;
/**
 * A hash of the records logged so far in this segment (their kinds, and where each derived one's
 * parent is): it names a place in a stint of a given shape. `logHash[i]` is its value before
 * record i. A server runs the same code paths over and over, so a place seen once comes again.
 */
let hash = 0;
/**
 * The same hash without the seed: the shape of this stint alone. A promise's place is stamped with
 * it and with the shape of the stint this one runs the work of (`makerShape`), so a stint's seed
 * says where its work was left two stints back, not the whole history before that: an async loop
 * (`for (;;) { job(); await tick(); }`) comes back to the same places after two rounds, and the
 * same statements written twice (`await a.catch(f)` here, `await b.catch(f)` there) are still two
 * places when what led to them differs.
 */
let shape = 0;
/** The shape (its stamp's bits) of the stint that left the work this one runs. */
let makerShape = 0;
/** Both hashes take in `v`. */
function advance(v: number): void {
  hash = mix(hash, v);
  shape = mix(shape, v);
}
const logHash = new Int32Array(MAX_LOG);
/** The place the work about to run was left at (see `willRun`), for the next segment's seed. */
let nextSeed = 0;
/** This segment's seed, and whether its hash has been started (at its first record). */
let seed = 0;
let hashed = true;
/** The state of the segments a nested stint interrupted, SAVED_FIELDS numbers each. */
const SAVED_FIELDS = 9;
const MAX_NESTING = 256;
const saved = new Int32Array(SAVED_FIELDS * MAX_NESTING);
let depth = 0;

const FNV_PRIME = 0x01000193;
/** Hashes are kept to 30 bits: small integers, never a number V8 must box. */
const HASH_MASK = 0x3fffffff;

/** The segment's hash starts, at its first record: how its stint began, its seed, its task. */
function startHash(): void {
  hashed = true;
  const base = mix(0x811c9dc5, how);
  const task = current;
  shape = task === null ? base : mix(base, taskSeed(task));
  hash = mix(shape, seed);
}

/**
 * A task's share of the seed: its kind and name, hashed once per name: a dish is renamed after its
 * function once seen (engine.ts renameTask clears it), and two dishes that were both `async call`
 * at first run different code. (Digits count: scopes `job1` and `job2` run different code, and so
 * may routes `/v1/…` and `/v2/…`; requests for `/products/1` and `/products/2` are two places
 * until renamed by their route.)
 */
function taskSeed(task: Task): number {
  if (task.seed !== 0) return task.seed;
  let h = mix(0x2f, task.kind);
  const name = task.name;
  for (let i = 0; i < name.length && i < 64; i++) h = mix(h, name.charCodeAt(i));
  task.seed = h | 1;
  return task.seed;
}

/**
 * The promise or slot whose work runs next: the place it was made at seeds the hash of the stint
 * it runs in, so that places in a stint are told apart by the code path that led there.
 */
export function willRun(o: object): void {
  const stamped = (o as Logged)[kIdx];
  nextSeed = stamped !== undefined ? stamped >>> PLACE_SHIFT : 0;
}
function mix(h: number, v: number): number {
  return Math.imul(h ^ v, FNV_PRIME) & HASH_MASK;
}

function begin(entry: StintEntry): void {
  if (depth < MAX_NESTING) {
    const o = depth * SAVED_FIELDS;
    saved[o] = segStart;
    saved[o + 1] = open;
    saved[o + 2] = combs;
    saved[o + 3] = how;
    saved[o + 4] = tails;
    saved[o + 5] = foreignSettle;
    saved[o + 6] = hash;
    saved[o + 7] = shape;
    saved[o + 8] = makerShape;
  }
  depth++;
  segStart = n;
  open = 0;
  combs = 0;
  tails = 0;
  foreignSettle = -1;
  how = entry;
  // The seed is hashed when the first record comes: most stints (a tick, a callback) log none.
  seed = nextSeed;
  makerShape = seed >>> MAKER_BITS;
  nextSeed = 0;
  hashed = false;
}

function end(task: Task): void {
  if (n === segStart) {
    if (triedCount > 0) countTries();
    restore();
    return;
  }
  try {
    // Only a stint that left a call unconsumed, called a combinator or made a statement chain
    // (more than one tail, or one in code that cannot await) can have started a dish.
    const returned = foreignSettle === n;
    // Untracked code (full mode's stints of no task) starts no dishes: its work is no one's.
    if (
      task.id !== 0 &&
      n > segStart &&
      (open > 0 || combs > 0 || tails > 1 || (tails === 1 && (how !== StintEntry.Resumed || returned)))
    )
      settle(task, returned);
    if (triedCount > 0) countTries();
  } catch {
    // never disturb the program: the work stays with the task
  }
  for (let i = segStart; i < n; i++) {
    logObj[i] = undefined;
    logParent[i] = undefined;
  }
  n = segStart;
  restore();
}

/** Back to the segment the one ending interrupted (or to none). */
function restore(): void {
  hashed = true;
  if (depth > 0) depth--;
  if (depth < MAX_NESTING) {
    const o = depth * SAVED_FIELDS;
    segStart = saved[o];
    open = saved[o + 1];
    combs = saved[o + 2];
    how = saved[o + 3];
    tails = saved[o + 4];
    foreignSettle = saved[o + 5];
    hash = saved[o + 6];
    shape = saved[o + 7];
    makerShape = saved[o + 8];
  } else {
    segStart = 0;
    open = 0;
    combs = 0;
    how = StintEntry.Resumed;
    tails = 0;
    foreignSettle = -1;
    hash = 0;
    shape = 0;
    makerShape = 0;
  }
}

/** After a stint was closed by force (engine.ts closeStrayStints): start over. */
export function resetLog(): void {
  for (let i = 0; i < n; i++) {
    logObj[i] = undefined;
    logParent[i] = undefined;
  }
  n = 0;
  segStart = 0;
  open = 0;
  combs = 0;
  depth = 0;
}

export function startDishes(): void {
  setSegmentHandlers({ begin, end });
}

// ------------------------------------------------------------------------------------ logging

/** Logs a root promise; returns the stamp its maker stores on it (see kIdx). */
export function logRoot(p: object): number {
  if (n >= MAX_LOG) return ROOT_BIT | UNLOGGED;
  if (!hashed) startHash();
  const stamped = stamp(n) | ROOT_BIT;
  logObj[n] = p;
  logKind[n] = LogKind.Root;
  logUsed[n] = 0;
  logRooted[n] = rootedHow();
  logHash[n] = hash;
  // A place where a dish was found before, not yet told apart: the call being made now shows
  // whose it is.
  if (armed[hash & ARM_MASK] === (hash | 1)) learnAtCreation(hash);
  advance(LogKind.Root);
  n++;
  open++;
  return stamped;
}

/** Logs a promise derived from `parent`; returns the stamp its maker stores on it (see kIdx). */
export function logDerived(p: object, parent: object): number {
  if (n >= MAX_LOG) return UNLOGGED;
  if (!hashed) startHash();
  const parentStamp = (parent as Logged)[kIdx];
  const j = parentStamp !== undefined ? parentStamp & LOG_MASK : -1;
  let made: Made = Made.Unknown;
  if (j >= segStart && j < n && logUsed[j] === 0 && logObj[j] === parent) {
    if (
      j === n - 1 &&
      logKind[j] === LogKind.Derived &&
      logMade[j] === Made.ByAwait &&
      logKind[indexOf(logParent[j])] === LogKind.Root
    ) {
      // `p` awaits the promise made just before from a function's own promise, not by a `.then`:
      // that was V8's wrapper for `await thenable` — the function suspends, nobody consumed it.
      unwrap(j);
    }
    logUsed[j] = 1;
    if (logKind[j] === LogKind.Root) open--;
    else tails--;
    made = madeHow(j);
  }
  const stamped = stamp(n);
  logObj[n] = p;
  logParent[n] = parent;
  logKind[n] = LogKind.Derived;
  logUsed[n] = 0;
  logWrapper[n] = 0;
  logMade[n] = made;
  logHash[n] = hash;
  advance(LogKind.Derived);
  advance(j >= segStart && j < n ? n - j : 0xffff);
  n++;
  tails++;
  return stamped;
}

/** Wrapper `w`: the function whose own promise it was made from suspends; it did not return. */
function unwrap(w: number): void {
  logWrapper[w] = 1;
  const r = indexOf(logParent[w]);
  if (r !== -1 && logUsed[r] === 1) {
    logUsed[r] = 0;
    if (logKind[r] === LogKind.Root) open++;
  }
}

/**
 * What the stack said at a place, by place (a small table: a collision costs a look, 0 is "not
 * known"): one stack per place, and a server soon knows them all.
 */
const PLACE_SLOTS = 1023;
class PlaceVerdicts {
  private readonly keys = new Int32Array(PLACE_SLOTS + 1);
  private readonly verdicts = new Uint8Array(PLACE_SLOTS + 1);

  get(key: number): number {
    const slot = key & PLACE_SLOTS;
    return this.keys[slot] === key ? this.verdicts[slot] : 0;
  }

  set<V extends number>(key: number, verdict: V): V {
    const slot = key & PLACE_SLOTS;
    this.keys[slot] = key;
    this.verdicts[slot] = verdict;
    return verdict;
  }
}

/**
 * How the promise being made from record `j` (unconsumed, of this segment) is made: by an `await`
 * or by a promise method, learnt once per place from the stack (the method shows as the runtime's
 * own frame on top). Unknown when rationed out.
 */
const madePlaces = new PlaceVerdicts();
function madeHow(j: number): Made {
  const key = mix(mix(hash, LogKind.Derived), n - j) | 1;
  const known = madePlaces.get(key);
  if (known !== 0) return known;
  const method = madeByPromiseMethod(logDerived);
  if (method === null) return Made.Unknown;
  return madePlaces.set(key, method ? Made.ByMethod : Made.ByAwait);
}

/**
 * What makes the root being logged now: the runtime (`new Promise`, whose executor returns before
 * its maker goes on) or an async function entered (which runs on) — learnt once per place from the
 * stack, like `madeHow`. Unknown when rationed out.
 */
const rootPlaces = new PlaceVerdicts();
function rootedHow(): Rooted {
  const key = mix(hash, LogKind.Root) | 1;
  const known = rootPlaces.get(key);
  if (known !== 0) return known;
  const runtime = madeByRuntime(logRoot);
  if (runtime === null) return Rooted.Unknown;
  return rootPlaces.set(key, runtime ? Rooted.ByRuntime : Rooted.ByCall);
}

/** A promise settled: logged when it is a root of this stint (its function returned). */
export function logSettled(p: object): void {
  if (n >= MAX_LOG) return;
  const stamped = (p as Logged)[kIdx];
  const j = stamped !== undefined ? stamped & LOG_MASK : -1;
  if (j < segStart || j >= n || logObj[j] !== p) {
    foreignSettle = n;
    return;
  }
  if (logKind[j] === LogKind.Derived) {
    // Settled as it was made: `await value`'s wrapper.
    if (j === n - 1) {
      unwrap(j);
      advance(LogKind.Settle);
    }
    return;
  }
  if (logKind[j] !== LogKind.Root) return;
  logObj[n] = p;
  logKind[n] = LogKind.Settle;
  logHash[n] = hash;
  advance(LogKind.Settle);
  advance(n - j);
  n++;
}

/** A callback handed to the runtime now: the slot it runs through. Null when no task runs. */
export function regSlot(): Slot | null {
  if (current === null) return null;
  const slot = new Slot(current.base);
  if (n < MAX_LOG) {
    if (!hashed) startHash();
    slot[kIdx] = stamp(n);
    logObj[n] = slot;
    logKind[n] = LogKind.Reg;
    logHash[n] = hash;
    advance(LogKind.Reg);
    n++;
  }
  return slot;
}

/** An object whose callbacks run as the task running now (full mode's resources): logged like a slot. */
export function logResource(resource: object): void {
  if (n >= MAX_LOG) return;
  if (!hashed) startHash();
  (resource as Logged)[kIdx] = stamp(n);
  logObj[n] = resource;
  logKind[n] = LogKind.Resource;
  logHash[n] = hash;
  advance(LogKind.Resource);
  n++;
}

/** A combinator called with `members`, in this stint. */
/**
 * Who calls a combinator at a place (the program or a library), by place like `madeHow`: known
 * from the stack once, and kept for when the stacks are rationed out.
 */
const combPlaces = new PlaceVerdicts();
const BY_PROGRAM = 1;
const BY_LIBRARY = 2;

export function logCombinator(
  members: unknown[],
  name: string,
  where: CodeLocation | null,
  byLibrary: boolean | null,
): void {
  if (n >= MAX_LOG) return;
  if (!hashed) startHash();
  const key = mix(hash, LogKind.Comb) | 1;
  const by =
    byLibrary === null ? combPlaces.get(key) : combPlaces.set(key, byLibrary ? BY_LIBRARY : BY_PROGRAM);
  const call: CombinatorCall = { name, where, byLibrary: by === BY_LIBRARY };
  logObj[n] = members.slice();
  logParent[n] = call;
  logKind[n] = LogKind.Comb;
  logHash[n] = hash;
  advance(LogKind.Comb);
  advance(name.length);
  // The members are consumed: the combinator awaits them.
  for (const m of members) {
    const j = indexOf(m);
    advance(j === -1 ? 0xffff : n - j);
    if (j !== -1 && logUsed[j] === 0) {
      logUsed[j] = 1;
      if (logKind[j] === LogKind.Root) open--;
      else tails--;
    }
  }
  n++;
  combs++;
}

function indexOf(p: unknown): number {
  if ((typeof p !== 'object' && typeof p !== 'function') || p === null) return -1;
  let stamped: number | undefined;
  try {
    stamped = (p as Logged)[kIdx];
  } catch {
    return -1; // a proxy that throws
  }
  if (stamped === undefined) return -1;
  const j = stamped & LOG_MASK;
  return j >= segStart && j < n && logObj[j] === p ? j : -1;
}

// ------------------------------------------------------------------------------------ sorting

/**
 * What naming concluded about a dish found at the same place of a stint of the same shape: its
 * function's name, or that it is library code (then a call nobody awaited is no dish). A server
 * runs the same code paths over and over: the stack of one dish names all the dishes made at that
 * place, and a library's own unawaited calls (webstreams inside fetch, say) cost one stack, not one
 * per request.
 */
const LIBRARY = 1;
type Verdict = string | typeof LIBRARY;
const verdicts = new Map<number, Verdict>();
/** Verdicts remembered before the table starts over. */
const MAX_VERDICTS = 4096;

function remember(key: number, verdict: Verdict): void {
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, verdict);
  armed[key & ARM_MASK] = 0;
  // Dishes made at the same place that wait for their names get it now.
  for (const [task, naming] of pending) {
    if (naming.key !== key) continue;
    forget(task);
    apply(task, naming, verdict, null);
  }
}

/** Places whose next call is looked at when it is made (a small table: a collision costs a look). */
const ARM_MASK = 1023;
const armed = new Int32Array(ARM_MASK + 1);
function arm(key: number): void {
  armed[key & ARM_MASK] = key | 1;
}

/** Node's own code that calls the promise hooks when several are set (async_hooks and these). */
function isHookDispatch(file: string): boolean {
  return file === 'node:internal/promise_hooks' || file === 'node:internal/async_hooks';
}

/**
 * The call made now, at a place armed: its function is on the stack, right above the promise
 * being made (`new Promise` shows as the runtime's frame first). Whose code that is — the user's,
 * named, or a library's — is the verdict for every dish made there.
 */
function learnAtCreation(key: number): void {
  armed[key & ARM_MASK] = 0;
  const frames = captureChain(learnAtCreation);
  if (frames === null) return;
  // Above the tracer's own frames: the runtime's promise constructor if `new Promise` made it,
  // then the function that made it — or the async function being entered, itself.
  let i = 0;
  while (i < frames.length && (isTracerFile(frames[i].file) || isHookDispatch(frames[i].file))) i++;
  if (i < frames.length && frames[i].fn === 'Promise' && frames[i].file === '') i++;
  const maker = frames[i];
  if (maker === undefined) return;
  const ownCode = !maker.internal && !maker.library;
  remember(key, ownCode ? maker.fn : LIBRARY);
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

function parsed(returned: boolean): Parsed | null {
  const length = n - segStart;
  let key = mix(mix(mix(shape, how), returned ? 1 : 2), length);
  // What the stacks told (or, rationed out, did not) reads into the parse: part of the key.
  for (let i = segStart; i < n; i++) {
    const kind = logKind[i];
    if (kind === LogKind.Derived) key = mix(key, logMade[i]);
    else if (kind === LogKind.Root) key = mix(key, logRooted[i]);
  }
  let known = parses.get(key);
  if (known !== undefined && (known === null || known.owner.length === length)) return known;
  const { dishes, owner } = findDishes(segStart, n, indexOf, how, returned);
  known =
    dishes.length === 0
      ? null
      : {
          dishes: dishes.map((d) => ({
            ...d,
            origin: d.origin - segStart,
            start: d.start - segStart,
            end: d.end - segStart,
            comb: d.comb === -1 ? -1 : d.comb - segStart,
          })),
          owner: Int16Array.from(owner.subarray(segStart, n)),
        };
  if (parses.size >= MAX_PARSES) parses.clear();
  parses.set(key, known);
  return known;
}

function settle(task: Task, returned: boolean): void {
  const found = parsed(returned);
  if (found === null) return;
  const { dishes, owner } = found;
  const at = segStart;
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
    const key = logHash[at + d.origin];
    const verdict = verdicts.get(key);
    if (verdict === LIBRARY && call === null) {
      made.push(null);
      continue;
    }
    const parent = d.parent === -1 ? task : around(d.parent);
    const known = typeof verdict === 'string' && verdict !== '';
    const dish = newTask(
      TaskKind.Other,
      parent,
      known ? verdict : call !== null ? `${call.name}[${d.index}]` : 'async call',
      call !== null
        ? // A member of a library's combinator is the program's only once named after its function.
          TaskFlags.Concurrent | (call.byLibrary && !known ? TaskFlags.Provisional : 0)
        : TaskFlags.Detached | (verdict === undefined ? TaskFlags.Provisional : 0),
      call !== null ? call.where : null,
      t,
    );
    made.push(dish);
    const origin = logObj[at + d.origin];
    if (typeof origin === 'object' && origin !== null) (origin as Logged)[kDish] = dish;
    if (verdict === undefined) {
      wantName(dish, call, key);
      arm(key);
    }
  }
  for (let i = segStart; i < n; i++) {
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

/**
 * A "resolve with a thenable" job (its caller returned the promise of `dish`'s call, or resolved a
 * promise with it) consumed a dish's promise: the call was awaited after all, through its caller.
 */
export function foldIfReturned(parent: object): void {
  const dish = (parent as Logged)[kDish];
  if (dish === undefined || dish.folded) return;
  const into = dish.base.prev !== null ? taskOf(dish.base.prev) : null;
  if (into === null) return;
  forget(dish);
  foldTask(dish, into);
}

// ------------------------------------------------------------------------------------ naming

interface Naming {
  combinator: CombinatorCall | null;
  /** Where in a stint of which shape it was found (see verdicts). */
  key: number;
  tries: number;
  /** A stint of the dish tried to name it (reset at each stint's end). */
  tried: boolean;
  /** That stint ran only the runtime's code for the dish (its function awaiting it). */
  quiet: boolean;
}

/** Dishes still to be named. */
const pending = new Map<Task, Naming>();
/**
 * Stints of a dish that may try to name it before it keeps its provisional name — or, for a call
 * nobody awaited whose stints never ran user code, before it is taken for library work.
 */
const NAME_TRIES = 10;
/**
 * What a stint that ran only the runtime's code counts for (`fs.promises.readFile` runs several
 * such stints before the function that awaits it goes on).
 */
const QUIET_TRY = 0.25;
const COMBINATOR_NAMES: ReadonlySet<string> = new Set(['all', 'allSettled', 'any', 'race']);

function wantName(task: Task, combinator: CombinatorCall | null, key: number): void {
  task.unnamed = true;
  pending.set(task, { combinator, key, tries: 0, tried: false, quiet: false });
}

function forget(task: Task): void {
  if (!pending.delete(task)) return;
  task.unnamed = false;
}

function countTries(): void {
  for (let i = 0; i < triedCount; i++) {
    const task = tried[i];
    tried[i] = null;
    const naming = pending.get(task!);
    if (naming === undefined || !naming.tried) continue;
    naming.tried = false;
    naming.tries += naming.quiet ? QUIET_TRY : 1;
    naming.quiet = false;
    if (naming.tries >= NAME_TRIES) forget(task!);
  }
  triedCount = 0;
}

/** Dishes whose naming was tried in the stint now ending (counted at its end). */
const tried: Array<Task | null> = [];
let triedCount = 0;

/**
 * Names the running dish from the chain of awaits its code runs in: the function the dish was
 * made by calling is the outermost frame of the chain, short of the combinator that awaits it.
 * A call nobody awaited whose function turns out to be library or runtime code is not a dish of
 * the user's: it folds into its parent. Only a stint that resumed the dish's code (a continuation)
 * shows its chain; one that runs a callback it registered does not, and leaves the naming for later.
 */
export function nameRunning(task: Task, skip: (...args: never[]) => unknown, continuation: boolean): void {
  const naming = pending.get(task);
  if (naming === undefined) {
    task.unnamed = false;
    return;
  }
  // Another dish made at the same place may have been named meanwhile.
  const known = verdicts.get(naming.key);
  if (known !== undefined) {
    forget(task);
    apply(task, naming, known, null);
    return;
  }
  if (naming.tried || !continuation) return;
  naming.tried = true;
  tried[triedCount++] = task;
  const frames = captureChain(skip);
  if (frames === null) return;
  // Only a stint that runs the dish's own code shows its chain: its innermost frame outside the
  // runtime is user code (library code it awaits — a driver, fetch's streams — comes first, and
  // its chain leads up to whoever awaits it, perhaps not this dish).
  const first = frames.find((f) => !f.internal);
  if (first === undefined || first.async) naming.quiet = true;
  if (first === undefined || first.async || first.library) return;
  const frame = dishFrame(frames, naming.combinator);
  if (frame === null) return;
  // Without a name the frame may be a callback (`.then(() => …)`) rather than the dish's own
  // function; a member's frame is certain (the combinator awaits it), and keeps its place-name.
  if (frame.fn === '' && naming.combinator === null && !frame.library && !frame.internal) return;
  // A thenable's `then`, called by the runtime in a job of its own, is no dish's function.
  if (frame.fn === 'then' && !frames.some((f) => f.async)) return;
  forget(task);
  const verdict: Verdict = frame.library || frame.internal ? LIBRARY : frame.fn;
  remember(naming.key, verdict);
  apply(task, naming, verdict, frame);
}

/**
 * A member of a combinator stays a dish whatever its function (the combinator made it one); a
 * call nobody awaited made by library or runtime code is that library's business, part of whatever
 * called it: it folds into its parent.
 */
function apply(task: Task, naming: Naming, verdict: Verdict, frame: CodeLocation | null): void {
  if (verdict === LIBRARY) {
    if (naming.combinator === null) {
      const into = task.base.prev !== null ? taskOf(task.base.prev) : null;
      if (into !== null) foldTask(task, into);
    }
    return;
  }
  if (verdict !== '' || (frame !== null && !task.located))
    renameTask(task, verdict, task.located ? null : frame);
}

function dishFrame(frames: ChainFrame[], combinator: CombinatorCall | null): ChainFrame | null {
  // The chain ends where a combinator awaits it (a member's function is the frame before), or
  // where the code that called the combinator awaits it.
  let stop = frames.length;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i];
    if (!f.async) continue;
    if (f.internal && COMBINATOR_NAMES.has(f.fn)) {
      stop = i;
      break;
    }
    // The caller's frame (an anonymous function's is told by its line: `await Promise.race([…])`).
    const at = combinator?.where ?? null;
    if (at !== null && f.fn === at.fn && f.file === at.file && (f.fn !== '' || f.line === at.line)) {
      stop = i;
      break;
    }
  }
  // The function the dish was made by calling: the outermost function awaiting the code that runs
  // (an async frame), else the outermost frame of code that is not the runtime's (the function
  // that resumed, below the runtime's microtask loop).
  for (let i = stop - 1; i >= 0; i--) if (frames[i].async) return frames[i];
  for (let i = stop - 1; i >= 0; i--) if (!frames[i].internal) return frames[i];
  return null;
}
