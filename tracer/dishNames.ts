/**
 * Naming the dishes the stint log finds (dishes.ts): a dish is named after the function it was made
 * by calling, read from the chain of awaits its first continuations run in — or, at a place where
 * a dish was found before, from the stack when the next call there is made. What one stack says
 * holds for every dish made at the same place (a server runs the same code paths over and over), so
 * most dishes are named from a table, without a stack. A call nobody awaited whose function is
 * library or runtime code is no dish of the user's: it folds into its parent. A combinator's member
 * whose call entered no async function of the program's (`get(path)` returning `new Promise(…)`) is
 * named after the function the code calling the combinator called, from the stack read when its
 * promise was made (or the link its call hung on a promise made before: `ready.then(…)`; or, when
 * Node's or a library's code made it, the call's next record: `util.promisify`'s wrapper calling
 * the program's function) and the one read at the combinator's call (dishSort.ts, dishes.ts
 * readChain and readNext, locations.ts calledFunction).
 * A function's name is the one the program gave it: V8's made-up name for an anonymous function
 * (`pMap.concurrency`, from the options after it among a call's arguments) is `(anonymous)`
 * unless the code calling it calls it by that name (locations.ts ownName).
 *
 * Runs inside hooks: no I/O, no throwing.
 */
import { Task, taskOf } from './engine';
import { Rooted } from './stintLog';
import { foldTask, renameTask } from './tasks';
import {
  ANONYMOUS,
  ChainFrame,
  CodeLocation,
  Stack,
  captureChain,
  chainStack,
  isTracerFile,
  relookAllowed,
  stackCallsImport,
} from './locations';

/** What a combinator call tells the naming of its members. */
export interface CombinatorCall {
  name: string;
  /** Where it was called (rationed: may be null). */
  where: CodeLocation | null;
  /**
   * Library or runtime code called it (not the program): its members are that code's business,
   * shown as the program's only once named after a function of the program.
   */
  byLibrary: boolean;
}

/**
 * What naming concluded about a dish found at the same place of a stint of the same shape: its
 * function's name, or that it is library code (then a call nobody awaited is no dish). A server
 * runs the same code paths over and over: the stack of one dish names all the dishes made at that
 * place, and a library's own unawaited calls (webstreams inside fetch, say) cost one stack, not one
 * per request.
 */
export const LIBRARY = 1;
export type Verdict = string | typeof LIBRARY;
export const verdicts = new Map<number, Verdict>();
/** Verdicts remembered before the table starts over. */
const MAX_VERDICTS = 4096;

/**
 * Where the function of a place's dishes is (the frame that named them), so that a dish named from
 * the table, without a stack, is placed too (with the stacks rationed, most of a busy server's are).
 */
export const verdictWhere = new Map<number, CodeLocation>();

export function remember(key: number, verdict: Verdict, where: CodeLocation | null = null): void {
  if (verdicts.size >= MAX_VERDICTS) {
    verdicts.clear();
    verdictWhere.clear();
  }
  verdicts.set(key, verdict);
  if (where !== null && verdict !== LIBRARY) verdictWhere.set(key, where);
  // (The place armed to name it is a root's, not this dish's key: its look disarms it,
  // learnAtCreation. Emptying the slot of this key here emptied another place's: one whose every
  // call is looked at, severalRoots, was then never looked at again.)
  // Dishes made at the same place that wait for their names get it now.
  for (const [task, naming] of pending) {
    if (naming.key !== key || naming.own) continue;
    forget(task);
    apply(task, naming, verdict, where);
  }
}

/**
 * Places of dishes whose calls entered different functions of the program's (two stacks read at
 * their own calls named two), and the places where their roots are made (see entersSeveral).
 */
const severalPlaces = new Set<number>();
const severalRoots = new Set<number>();
const MAX_SEVERAL = 1024;

/**
 * The stack read at a call made at dish place `key` (its root made at root place `root`) says it
 * entered the program's function `learnt`, and the place's verdict is `verdict`: whether the place
 * enters several functions (now or before). Such a place names each dish by the stack read at its
 * own call, and arms its root's place so that each call there is looked at when it is made (as the
 * stacks last: rationed, 500 a second); a dish with none read there has no name of the place's.
 * A GraphQL executor calls every root field's resolver from one line, a queue every job from one.
 *
 * `entered`: the stack was read as the call entered the program's async function (the root is its
 * promise), so `learnt` is that function's own name — '' for an anonymous one, which disagrees with
 * a named verdict as another name does (and a named one with a verdict of ''). Two places of one
 * shape, two stints deep, are one place: the script's `Promise.all(batch.map(async (x, i) => …))`
 * in a `for await`'s first stint took the name of `refreshCache`, called first at the other, though
 * the stack read at the arrow's own call said the program's anonymous function (seed 186069, both
 * modes, every run: `row10`). Otherwise '' says less — the program's anonymous function that made
 * a `new Promise` — and a verdict of '' may be a member's chain read where that function awaited.
 */
export function entersSeveral(
  key: number,
  root: number,
  learnt: string,
  verdict: Verdict | undefined,
  entered = false,
): boolean {
  if (severalPlaces.has(key)) return true;
  if (typeof verdict !== 'string' || verdict === learnt) return false;
  if ((learnt === '' || verdict === '') && !entered) return false;
  if (severalPlaces.size >= MAX_SEVERAL) {
    severalPlaces.clear();
    severalRoots.clear();
  }
  severalPlaces.add(key);
  severalRoots.add(root);
  arm(root);
  return true;
}

/**
 * Root place `root` is where a library's code, or an event it emits, enters the program's function
 * for a call nobody awaited: which function depends on the data, so each call made there is looked
 * at when it is made (as the stacks last), as at a place known to enter several (entersSeveral).
 */
export function watchCalls(root: number): void {
  if (severalRoots.has(root)) return;
  if (severalRoots.size >= MAX_SEVERAL) {
    severalPlaces.clear();
    severalRoots.clear();
  }
  severalRoots.add(root);
  arm(root);
}

/**
 * The stacks read at a member's own call (its promise's, its combinator's: dishSort.ts,
 * locations.ts calledFunction) say another function of the program's made it than the one its
 * place was named after: dish place `key` makes members of several functions (a mapper's jobs that
 * each give `Promise.all` members made by functions of their own, at the same positions of stints
 * of one shape — 19 `notify` jobs' `verifyQuery10(d)`, then a `warmUp` job's `indexQuery8(d)`,
 * seed 156050). As where calls enter several functions (entersSeveral), each member there is named
 * by the stacks read at its own call, read at each call made at `record` (its first record's place;
 * rationed, the member looks' budget), and one with none by its index (`all[0]`), not by another's
 * name. A root there (`root`: a promise Node's or a library's code made, `util.promisify`'s) is
 * looked at as it is made, so that its call's next record is read too (dishes.ts logRoot).
 */
export function calledSeveral(key: number, record: number, root: boolean): void {
  if (severalPlaces.size >= MAX_SEVERAL) {
    severalPlaces.clear();
    severalRoots.clear();
  }
  severalPlaces.add(key);
  addPlace(eachCall, record);
  if (root) {
    severalRoots.add(record);
    arm(record);
  }
}

/**
 * Record place `record` (the hash before the record) is read at each call, as it is made: a record
 * before a member's promise at a place whose calls made different records of their own before it
 * (dishSort.ts varyingLeads), or that promise (`root`: looked at as it is made).
 */
export function readEachCall(record: number, root: boolean): void {
  addPlace(eachCall, record);
  if (root) {
    if (severalRoots.size >= MAX_SEVERAL) {
      severalPlaces.clear();
      severalRoots.clear();
    }
    severalRoots.add(record);
    arm(record);
  }
}

/** Dishes named from a place's verdict, without a stack of their own, counted (see relook). */
let namedByPlace = 0;
/** Every this many such dishes, one may have its root's place looked at again (a power of two). */
const RELOOK_EVERY = 8;

/**
 * A dish was named after its place's verdict, with no stack read at its call (the place is
 * trusted): now and then (every RELOOK_EVERY such dishes, while the rationed looks last, a few a
 * second) the next call made at its root's place is looked at when it is made, so that a place
 * that enters another function than the one it was named after is found to enter several
 * (entersSeveral), and from then on names each dish by its own call. A factory's functions share
 * one line (`const make = (n) => ({ async [n]() {…} })[n]`): a loop or a queue calling `alpha` 30
 * times, then `beta`, named every `beta` dish `alpha`.
 */
export function relook(root: number): void {
  if ((++namedByPlace & (RELOOK_EVERY - 1)) === 0 && relookAllowed()) arm(root);
}

/** Whether dish place `key` enters several functions of the program's (see entersSeveral). */
export function severalAt(key: number): boolean {
  return severalPlaces.size !== 0 && severalPlaces.has(key);
}

/**
 * A set of places (hashes; a place is kept as `hash | 1`, never 0): a small table of slots, read at
 * every record, and the places that came when their slot held another's, kept apart. A table of slots
 * alone dropped a place whenever another took its slot — which places share one depends on the
 * hashes, which take in the script's name, so a dish's name depended on what its file was called. A
 * place not in the set mostly finds its slot empty and costs one read, as before; the places kept
 * apart are read only where the slot holds another's. Kept apart until MAX_APART, then those start
 * over (a long-running program's places: those in slots stay).
 */
export interface PlaceSet {
  slots: Int32Array;
  /** Places whose slot held another's when they came (each one's slot is not 0 while it is here). */
  apart: Set<number>;
}
const PLACE_SLOTS = 1024;
const PLACE_MASK = PLACE_SLOTS - 1;
/** What a slot holds once its place left while others were kept apart (even: never a place). */
const LEFT = 2;
/** Places kept apart before they start over. */
const MAX_APART = 4096;

function placeSet(): PlaceSet {
  return { slots: new Int32Array(PLACE_SLOTS), apart: new Set() };
}
/** Whether place `hash` is in `set`. */
export function hasPlace(set: PlaceSet, hash: number): boolean {
  const held = set.slots[hash & PLACE_MASK];
  return held === (hash | 1) || (held !== 0 && set.apart.size !== 0 && set.apart.has(hash | 1));
}
export function addPlace(set: PlaceSet, hash: number): void {
  const key = hash | 1;
  const slot = hash & PLACE_MASK;
  const held = set.slots[slot];
  if (held === key) return;
  if (held === 0 || held === LEFT) set.slots[slot] = key;
  else if (!set.apart.has(key)) {
    if (set.apart.size >= MAX_APART) set.apart.clear();
    set.apart.add(key);
  }
}
export function removePlace(set: PlaceSet, hash: number): void {
  const key = hash | 1;
  const slot = hash & PLACE_MASK;
  if (set.apart.size === 0) {
    if (set.slots[slot] === key) set.slots[slot] = 0;
    return;
  }
  set.apart.delete(key);
  // A place kept apart for this slot must still find it taken.
  if (set.slots[slot] === key) set.slots[slot] = set.apart.size === 0 ? 0 : LEFT;
}

/** Places whose next call is looked at when it is made. */
export const armed = placeSet();
export function arm(key: number): void {
  addPlace(armed, key);
}

/**
 * Record places (the hash before the record) whose calls are read at each call, as they are made: the
 * first record of members made at a place by several functions of the program's (see calledSeveral)
 * — a chain on a promise made before is read there each time (dishes.ts readChain), not once per
 * place.
 */
export const eachCall = placeSet();

/**
 * Record places (the hash before the record) whose stacks a look at a member's lead read (the records
 * before its promise: dishSort.ts leadOf): a chain there is read again on the doubts' budget, so that
 * the place's lead can be looked at again (dishes.ts readChain). Only there: a busy server's chains on
 * promises made before (a pool's connection) would spend that budget for nothing.
 */
export const leadRecords = placeSet();

/** Node's own code that calls the promise hooks when several are set (async_hooks and these). */
function isHookDispatch(file: string): boolean {
  return file === 'node:internal/promise_hooks' || file === 'node:internal/async_hooks';
}

/**
 * The call made now, at a place armed: its function is on the stack, right above the promise
 * being made (`new Promise` shows as the runtime's frame first). Whose code that is — the user's,
 * named, or a library's — is the verdict for every dish made there.
 */
/**
 * What the stack said of a root when it was made (learnAtCreation), by its index in the stint's log:
 * it holds for that root only; settle (dishSort.ts) remembers it for the dish's place if the root
 * turns out to make one. (Two places can start alike — two functions' `for await` over the same
 * stream, resumed by the stream's own promises in one task, seed 521 — so what is learnt when a
 * root is made at a place is not yet the place's.)
 */
export const learntAt = new Map<number, Verdict>();
/** Where the function learnt of (learntAt) is, when known: the dish's location. */
export const learntWhere = new Map<number, CodeLocation>();

/** Forgets what was learnt of the roots from index `from` on (their segment ended). */
/** The library's line that called it, when the stack showed one (see locations.ts enteredFrom). */
export const learntFrom = new Map<number, string>();

/**
 * The stacks read when roots were made (a promise the runtime or a library made: `new Promise`,
 * `fetch`; a link on a promise made before, and the record after a root Node's or a library's code
 * made: dishes.ts readChain, readNext), and when combinators were called, by index in the stint's
 * log: where a member's root
 * and its combinator's call both had one, they say which function of the program's the code calling
 * the combinator called to make it (dishSort.ts, locations.ts calledFunction). Kept only while the
 * stint runs.
 */
export const rootStacks = new Map<number, Stack>();
export const callStacks = new Map<number, Stack>();

export function forgetLearnt(from: number): void {
  if (rootStacks.size > 0) for (const i of rootStacks.keys()) if (i >= from) rootStacks.delete(i);
  if (callStacks.size > 0) for (const i of callStacks.keys()) if (i >= from) callStacks.delete(i);
  if (learntFrom.size > 0) for (const i of learntFrom.keys()) if (i >= from) learntFrom.delete(i);
  if (learntAt.size > 0) for (const i of learntAt.keys()) if (i >= from) learntAt.delete(i);
  if (learntWhere.size > 0) for (const i of learntWhere.keys()) if (i >= from) learntWhere.delete(i);
}

/**
 * Reads the stack of the root being made at place `key` (index `index` in the stint's log), and
 * says what made it — `new Promise` (the runtime), or an async function entered, the program's or
 * Node's or a library's — for the tracer to set against what its place said without a look
 * (dishes.ts disagrees). Unknown when rationed out, or when the stack does not say.
 */
export function learnAtCreation(key: number, index: number): Rooted {
  // (A place whose calls enter different functions stays armed: each call there is looked at.)
  if (!severalRoots.has(key)) removePlace(armed, key);
  learntImport = false;
  const frames = captureChain(learnAtCreation);
  if (frames === null) return Rooted.Unknown;
  rootStacks.set(index, chainStack);
  // Above the tracer's own frames: the runtime's promise constructor if `new Promise` made it,
  // then the function that made it — or the async function being entered, itself.
  let i = 0;
  while (i < frames.length && (isTracerFile(frames[i].file) || isHookDispatch(frames[i].file))) i++;
  const byRuntime = i < frames.length && frames[i].fn === 'Promise' && frames[i].file === '';
  if (byRuntime) i++;
  const maker = frames[i];
  if (maker === undefined) return Rooted.Unknown;
  const ownCode = !maker.internal && !maker.library;
  // `import()`'s promise, with the function calling it on top (locations.ts callsImport): no
  // function entered, as rootMaker says of it — Node's loader's (before, a place armed here read it
  // as the program's function entered, and corrected the record so).
  if (stackCallsImport(chainStack) && ownCode && !byRuntime) {
    learntAt.set(index, LIBRARY);
    learntImport = true;
    return Rooted.ByLibrary;
  }
  learntAt.set(index, ownCode ? maker.fn : LIBRARY);
  if (ownCode) learntWhere.set(index, maker);
  // (A builtin's frame, `Promise.resolve`, or a module's body evaluated: left as the place said.)
  if (byRuntime) return Rooted.ByRuntime;
  if (maker.file === '' || maker.file === ESM_MODULE_JOB) return Rooted.Unknown;
  return ownCode ? Rooted.ByCall : Rooted.ByLibrary;
}
const ESM_MODULE_JOB = 'node:internal/modules/esm/module_job';
/** Whether learnAtCreation last found `import()`'s promise (CalledFrom.Import). */
export let learntImport = false;

interface Naming {
  combinator: CombinatorCall | null;
  /** Where in a stint of which shape it was found (see verdicts). */
  key: number;
  tries: number;
  /** A stint of the dish tried to name it (reset at each stint's end). */
  tried: boolean;
  /** That stint ran only the runtime's code for the dish (its function awaiting it). */
  quiet: boolean;
  /**
   * The dish's call entered a function of the program's own (seen when it was made): a chain whose
   * outermost function is a library's or Node's is then theirs, run for the dish (a stream's
   * reader driving the dish's generator), not the dish's function.
   */
  program: boolean;
  /**
   * Named by its own chain only: its place enters several functions (dispatchedAt), so the place's
   * verdict is not its name, and what its chain says is not the place's.
   */
  own: boolean;
  /**
   * A job: a function of the program's that a library's runner called and awaits (a mapper's
   * `results[i] = await mapper(item)`). Its chain leads to that runner, the library's; the job's
   * function is the program's frame the runner awaits (see jobFrame).
   */
  job: boolean;
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

export function wantName(
  task: Task,
  combinator: CombinatorCall | null,
  key: number,
  program: boolean,
  own = false,
  job = false,
): void {
  task.unnamed = true;
  pending.set(task, { combinator, key, tries: 0, tried: false, quiet: false, program, own, job });
}

export function forget(task: Task): void {
  if (!pending.delete(task)) return;
  task.unnamed = false;
}

export function countTries(): void {
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
export let triedCount = 0;

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
  const known = naming.own ? undefined : verdicts.get(naming.key);
  if (known !== undefined) {
    forget(task);
    apply(task, naming, known, verdictWhere.get(naming.key) ?? null);
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
  let frame = dishFrame(frames, naming.combinator);
  if (frame === null) return;
  // A job's chain leads to the library's runner that awaits it: the job's function is the frame
  // that runner awaits. (Left to the place's stacks, the first job of a new function at a place
  // that called another before — a mapper's `report` after its `billing` jobs — read none when
  // they were rationed out, and stayed `async call`: seed 145357, in one run of two or three.)
  if ((frame.library || frame.internal) && naming.job) frame = jobFrame(frames) ?? frame;
  // Without a name the frame may be a callback (`.then(() => …)`) rather than the dish's own
  // function; a member's frame is certain (the combinator awaits it), and keeps its place-name.
  if (frame.fn === '' && naming.combinator === null && !frame.library && !frame.internal) return;
  // A thenable's `then`, called by the runtime in a job of its own, is no dish's function.
  if (frame.fn === 'then' && !frames.some((f) => f.async)) return;
  if ((frame.library || frame.internal) && naming.program) {
    naming.quiet = true;
    return;
  }
  forget(task);
  const verdict: Verdict = frame.library || frame.internal ? LIBRARY : frame.fn;
  if (!naming.own) remember(naming.key, verdict, frame);
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
  // The program's anonymous function (verdict ''): the dish keeps its name, stated again all the
  // same, for a dish made before its place was known is provisional and the reader takes a dish
  // named for the program's (a message handler `async (data) => …`: the first messages' dishes
  // stayed folded with the library's tasks).
  renameTask(task, verdict !== '' ? verdict : task.name, task.located ? null : frame);
}

/**
 * The function of a job that a library's runner awaits: the chain's outermost frames are the
 * library's (the runner, `await mapper(item)`, an async frame), and the program's frame right inside
 * them, past the runtime's microtask loop, is the function the runner awaits — awaiting in turn, or
 * the one that resumed (`report` resuming, and calling `billing` before its first await). Null when
 * the chain is not so: a stream of Node's driving the program's generator is no runner.
 */
function jobFrame(frames: ChainFrame[]): ChainFrame | null {
  let i = frames.length - 1;
  while (i >= 0 && frames[i].library) i--;
  if (i === frames.length - 1 || !frames[i + 1].async) return null;
  while (i >= 0 && frames[i].internal && !frames[i].async) i--;
  return i >= 0 && !frames[i].internal && !frames[i].library ? frames[i] : null;
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
    if (
      at !== null &&
      f.fn === at.fn &&
      f.file === at.file &&
      ((f.fn !== '' && f.fn !== ANONYMOUS) || f.line === at.line)
    ) {
      stop = i;
      break;
    }
  }
  // The function the dish was made by calling: the outermost function awaiting the code that runs
  // (an async frame), else the outermost frame of code that is not the runtime's (the function
  // that resumed, below the runtime's microtask loop).
  // A member made by a library's function (a limiter's, a retry helper's) is named after the
  // program's function it runs, when its chain shows one.
  // (Or the program's function that resumed, the outermost frame of the running stack — right
  // below the runtime's microtask loop, or, where V8 shows none (Node 24), right below the first
  // async frame — when its first await took a value at once: `const c = await connect()` with an
  // idle connection. The chain shows that function as it runs, not as an async frame awaiting.)
  if (combinator !== null)
    for (let i = stop - 1; i >= 0; i--) {
      const f = frames[i];
      const resumed = i + 1 < stop && !f.async && (frames[i + 1].async || frames[i + 1].internal);
      if ((f.async || i === 0 || resumed) && !f.library && !f.internal) return f;
    }
  for (let i = stop - 1; i >= 0; i--) if (frames[i].async) return frames[i];
  for (let i = stop - 1; i >= 0; i--) if (!frames[i].internal) return frames[i];
  return null;
}
