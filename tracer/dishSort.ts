/**
 * Sorting a stint's log into dishes when the stint ends (the rule is stintLog.ts's findDishes): the
 * parse of a log of a given shape is cached, the dishes found become tasks, and the work each one
 * left behind is re-pointed at it. Called by dishes.ts, which keeps the log.
 *
 * Runs inside hooks: no I/O, no throwing (dishes.ts catches).
 */
import { TaskFlags, TaskKind } from '../protocol/format';
import {
  addPlace,
  CombinatorCall,
  LIBRARY,
  arm,
  callStacks,
  calledSeveral,
  learntAt,
  learntFrom,
  leadRecords,
  learntWhere,
  readEachCall,
  relook,
  remember,
  entersSeveral,
  severalAt,
  rootStacks,
  verdictWhere,
  verdicts,
  watchCalls,
  wantName,
} from './dishNames';
import { Strand, Task, now, stintSeq, taskOf, workOver } from './engine';
import { CodeLocation, calledFunction, calledThroughOthers, memberSite, takeDoubt } from './locations';
import { foldTask, newTask, reparentTask, renameTask } from './tasks';
import {
  Logged,
  RunnerMarked,
  SideRun,
  Sides,
  Slot,
  WrapUpMarked,
  kDish,
  kRunner,
  kSide,
  kTag,
  kWrapUp,
  mix,
} from './marks';
import {
  FoundDish,
  CalledFrom,
  LogKind,
  MAX_LOG,
  StintEntry,
  logFrom,
  logHash,
  logKind,
  logMade,
  logObj,
  logParent,
  logParentAt,
  logRooted,
  Rooted,
  Runner,
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
  /**
   * Its task is a request that had answered when the stint began (its response ended): a function of
   * the program's that a library's code calls there is the library handing on what the request
   * brought (stintParse.ts handedOn).
   */
  answered: boolean;
  /**
   * It runs work a thenable's `then` started: the "resolve with a thenable" job in which the runtime
   * calls `then` for the code that awaits the thenable or gave it to a combinator, or a tick or
   * microtask queued in such a stint (postgres.js's query starts in one). See stintParse.ts
   * findDishes, libWork.
   */
  thenable: boolean;
  /** It resumes a library's runner of jobs, and which kind (see stintParse.ts findDishes). */
  runner: Runner;
  /**
   * It resumes a layer: a function of the program's that a library's code calls and chains one at a
   * time, as a router runs its layers (stintParse.ts layerAt, isLayer).
   */
  layer: boolean;
  /**
   * It runs the library's wrap-up of a job that ran side by side (its `.then` on the job's promise,
   * see wrapsUpJob): a call of the program's function the library makes there alone is a job too.
   */
  wrapUp: boolean;
  /**
   * Its code became new to the places it passes (dishes.ts `fresh`): what is read once per place
   * (a member's function, calledPlaces) is read again.
   */
  fresh: boolean;
  /**
   * The call held back alone (a SideRun, not a dish yet) whose work the runner it resumes is, or
   * null: its task is the held call's (heldRun).
   */
  held: SideRun | null;
  /**
   * It runs a link of a library's deferral nobody awaits (`Promise.resolve().then(run).then(resolve)`):
   * the next link, whose callback the job it starts carries on to (deferredNext), or null.
   */
  deferred: object | null;
  /**
   * It began under the strand of a library's call that ran a job of the program's (engine.ts
   * Strand.job), once that job had ended: the job, or null (see triesAgain).
   */
  ranJob: Task | null;
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
  /** The awaits whose continuation resumes a library's call nobody awaited (Runner.Job). */
  runs: number[];
  /** The awaits whose continuation resumes a runner the library chained and left (Runner.SideBySide). */
  sideRuns: number[];
  /** The records whose work carries a library's loop on (Runner.Loop). */
  loops: number[];
  /** Pairs: a record a library's call nobody awaited made, and that call's root (see settle). */
  libs: number[];
  /** The awaits whose continuation resumes a layer (see Segment.layer). */
  layers: number[];
  /** Pairs: a link of a library's deferral nobody awaits, and the next link (see deferredNext). */
  defers: number[];
}
const parses = new Map<number, Parsed | null>();
const MAX_PARSES = 4096;

function parsed(seg: Segment, returned: boolean, serving: boolean, runner: Runner): Parsed | null {
  const { start, end, shape, how } = seg;
  const length = end - start;
  let key = mix(
    mix(
      mix(mix(mix(mix(mix(shape, how), returned ? 1 : 2), length), seg.lead ? 1 : 2), serving ? 1 : 2),
      runner + 1,
    ),
    (seg.answered ? 1 : 2) | (seg.thenable ? 4 : 0) | (seg.layer ? 8 : 0),
  );
  // What the stacks told (or, rationed out, did not) reads into the parse: part of the key (and
  // who called a combinator, the program or a library).
  for (let i = start; i < end; i++) {
    const kind = logKind[i];
    if (kind === LogKind.Derived) key = mix(key, logMade[i]);
    else if (kind === LogKind.Root) key = mix(key, logRooted[i] | (logFrom[i] << 4));
    else if (kind === LogKind.Comb) key = mix(key, (logParent[i] as CombinatorCall).byLibrary ? 1 : 2);
  }
  let known = parses.get(key);
  if (known !== undefined && (known === null || known.owner.length === length)) return known;
  const { dishes, owner, runs, sideRuns, loops, libs, layers, defers } = findDishes(
    start,
    end,
    seg.indexOf,
    how,
    returned,
    seg.lead,
    serving,
    runner,
    seg.answered,
    seg.thenable,
    seg.layer,
  );
  known =
    dishes.length === 0 &&
    runs.length === 0 &&
    sideRuns.length === 0 &&
    loops.length === 0 &&
    libs.length === 0 &&
    layers.length === 0
      ? null
      : {
          dishes: dishes.map((d) => ({
            ...d,
            origin: d.origin - start,
            start: d.start - start,
            end: d.end - start,
            comb: d.comb === -1 ? -1 : d.comb - start,
            link: d.link === undefined || d.link === -1 ? d.link : d.link - start,
            tail: d.tail === undefined ? undefined : d.tail - start,
            resumes: d.resumes === undefined ? undefined : d.resumes - start,
            runnerEnd: d.runnerEnd === undefined ? undefined : d.runnerEnd - start,
            cuts: d.cuts?.map((i) => i - start),
            innerCuts: d.innerCuts?.map((i) => i - start),
          })),
          owner: Int16Array.from(owner.subarray(start, end)),
          runs: runs.map((i) => i - start),
          sideRuns: sideRuns.map((i) => i - start),
          loops: loops.map((i) => i - start),
          libs: libs.map((i) => i - start),
          layers: layers.map((i) => i - start),
          defers: defers.map((i) => i - start),
        };
  if (parses.size >= MAX_PARSES) parses.clear();
  parses.set(key, known);
  return known;
}

/** Whether the parse found nothing but the awaits of layers (Parsed.layers). */
function onlyLayers(found: Parsed): boolean {
  return (
    found.dishes.length === 0 &&
    found.runs.length === 0 &&
    found.sideRuns.length === 0 &&
    found.loops.length === 0 &&
    found.libs.length === 0
  );
}

/** No dish made (holdLazily reads it only for a dish made inside the held one: none here). */
const NONE_MADE: ReadonlyArray<Task | null> = [];

/**
 * settle's most common case, taken the short way: the stint's one dish is a call a library's own
 * code made and chains (a framework's handler: koa's, express 5's, fastify's, once a request),
 * alone — no other such call in its task, no stack read in this stint, its place neither a
 * library's nor one that ran calls side by side — and held back as no record (holdLazily). That is
 * every decision settle's loops would take for it, made with one lookup of the place's verdict and
 * no clock reading, array or closure. False: nothing was changed, settle goes the long way.
 */
function aloneHeldLazily(task: Task, found: Parsed, at: number, seg: Segment): boolean {
  const { dishes } = found;
  if (
    dishes.length !== 1 ||
    found.runs.length !== 0 ||
    found.sideRuns.length !== 0 ||
    found.loops.length !== 0 ||
    found.libs.length !== 0 ||
    task.lone !== null ||
    task.sides !== null ||
    learntAt.size !== 0 ||
    learntFrom.size !== 0 ||
    learntWhere.size !== 0
  )
    return false;
  const d = dishes[0];
  if (!d.sideBySide || d.comb !== -1 || d.job || d.parent !== -1 || d.byRunner === true) return false;
  const key = mix(logHash[at + d.origin], at + d.end < seg.end ? logHash[at + d.end] : seg.hash);
  return (
    verdicts.get(key) !== LIBRARY &&
    !sidePlaces.has(key) &&
    holdLazily(task, 0, found, NONE_MADE, at, key, lineAt(key) ?? null)
  );
}

/**
 * An arrival (a request, a connection to a `net` server) whose server hands it to code waiting for
 * it through the runtime's `events.on` or `events.once` (`for await (const [socket] of
 * on(server, 'connection'))`): its first stint ran no code of the program's but the runtime's
 * handler, which settled the waiting code's promise. That code's continuation runs next, in its
 * own lane (the loop is the script's, or whoever's started it); a call it makes there that nobody
 * awaits — the handler of what arrived, `serve(socket)` — is the arrival's own work, as the same
 * call made by a 'connection' or 'request' listener is. Kept for the few stints the runtime runs
 * between the arrival and that continuation (its ticks), and taken by the first stint of another
 * task that logs work (passArrival): a loop that awaits its handler makes no call to hand over.
 * Arrivals that come in one tick (two requests pipelined in one read: `events.on` queues the
 * second, its handler settles nothing) wait in turn, oldest first: the loop takes them one per
 * continuation, each the next one's, and the task whose continuation took the first one keeps the
 * others until it makes work without taking one.
 */
export let arrival: Task | null = null;
/** The arrivals handed over and not taken yet, oldest first (`arrival` is the first), and their stints. */
const arrivals: Task[] = [];
const arrivalSeqs: number[] = [];
/** Arrivals kept at most (a client that pipelines more is handed over from the oldest 8 on). */
const MAX_ARRIVALS = 8;
/** The task whose continuation took an arrival while others wait behind it (see `arrival`). */
let taker: Task | null = null;
/** The segment ending took an arrival (see passArrival). */
let took = false;
/** Stints after the arrival's in which its continuation may come (the arrival's ticks run first). */
const HANDOVER_STINTS = 3;

/** `task`'s first stint handed it over through `events.on`/`events.once` (sources/connections.ts). */
export function handedOver(task: Task): void {
  if (arrivals.length >= MAX_ARRIVALS) {
    arrivals.shift();
    arrivalSeqs.shift();
  }
  arrivals.push(task);
  arrivalSeqs.push(stintSeq);
  arrival = arrivals[0];
}

function dropArrivals(): void {
  arrivals.length = 0;
  arrivalSeqs.length = 0;
  arrival = null;
  taker = null;
  took = false;
}

/** A segment of `task` that logged work ended: past it, no other stint takes the arrivals. */
export function passArrival(task: Task): void {
  if (task === taker && took) took = false;
  else if (!arrivals.includes(task)) dropArrivals();
}

/** The arrival whose handover the stint of `task` that began `how` takes, if any (see `arrival`). */
function takeArrival(task: Task, how: StintEntry): Task | null {
  const a = arrival;
  if (a === null || arrivals.includes(task)) return null;
  if (
    how !== StintEntry.Resumed ||
    stintSeq - arrivalSeqs[0] > HANDOVER_STINTS ||
    (taker !== null && taker !== task)
  ) {
    dropArrivals();
    return null;
  }
  arrivals.shift();
  arrivalSeqs.shift();
  arrival = arrivals.length > 0 ? arrivals[0] : null;
  taker = arrival !== null ? task : null;
  took = taker !== null;
  return a.ended ? null : a;
}

/**
 * Sorts the work of the segment `seg` of a stint of `task` just ended: makes a task for each dish
 * its log holds (named from what is known of its place, else left to be named) and re-points the
 * work each dish left behind (its promises, its callbacks' slots) at it.
 */
export function settle(task: Task, returned: boolean, seg: Segment): void {
  // A request not yet answered: a framework's code chaining its own calls there waits for the
  // program's handler (see parse) — unless the stint is a tick or microtask that a runner of jobs
  // queued (a queue's, in the request's lane because the request's job ran there, starting the
  // next job: p-queue 9's `queueMicrotask(() => this.#next())`): its calls are the runner's jobs.
  const serving =
    task.kind === TaskKind.Request &&
    !task.responded &&
    !task.ended &&
    (seg.runner !== Runner.Job || seg.how === StintEntry.Resumed);
  // A runner a library chained and left while a request waited (Runner.SideBySide), resumed as a
  // task of the request's (a member, a job: its work was re-pointed there): that task's own stints
  // never serve the request, and the runners the library starts in them are calls nobody awaits,
  // so this one's functions are that task's jobs too, as theirs are.
  const runner = seg.runner === Runner.SideBySide && task.kind !== TaskKind.Request ? Runner.Job : seg.runner;
  const found = parsed(seg, returned, serving, runner);
  const at = seg.start;
  // A stint running the work of a call held back alone (see heldRun): what it leaves outside any
  // dish is that call's, to be re-pointed should it become a dish.
  const held = seg.held !== null && seg.held.objs !== null && seg.held.dish === null ? seg.held : null;
  // (A stint that only resumes or leaves a layer found nothing else: as one that found nothing.)
  if (found !== null) for (const i of found.layers) markLayer(logObj[at + i]);
  // A library's call that ran a job, going on once the job ended without settling anyone's wait,
  // calls a function of the program's again: the library tries the job again (see triesAgain).
  const again = seg.ranJob !== null ? triesAgain(seg) : null;
  if (found === null || onlyLayers(found)) {
    if (held !== null) for (let i = at; i < seg.end; i++) hold(held, logObj[i], logKind[i]);
    if (again !== null) {
      learnTries(again);
      foldTries(again, null);
    }
    return;
  }
  if (held === null && aloneHeldLazily(task, found, at, seg)) {
    if (again !== null) {
      learnTries(again);
      foldTries(again, null);
    }
    return;
  }
  settleDishes(task, seg, found, held, again);
}

/**
 * The rest of `settle`, for a segment whose log holds dishes to make: apart, so that `settle`, run at
 * the end of every segment and nearly always returning above, is small enough for V8 to optimize
 * soon (whole, its bytecode was 14.7 KB: TurboFan wanted 100 profiler ticks, which a fastify
 * request gives about one in 500 of, so it ran as baseline code; 2026-12-07, `--trace-opt-verbose`).
 */
function settleDishes(
  task: Task,
  seg: Segment,
  found: NonNullable<ReturnType<typeof parsed>>,
  held: Segment['held'],
  again: ReturnType<typeof triesAgain> | null,
): void {
  const at = seg.start;
  const { dishes, owner, runs, sideRuns, loops, libs: libWork } = found;
  let handed = takeArrival(task, seg.how);
  for (const i of runs) resumesRunner(logObj[at + i], Runner.Job);
  for (let k = 0; k < found.defers.length; k += 2) {
    const link = logObj[at + found.defers[k]];
    const next = logObj[at + found.defers[k + 1]];
    if (typeof link === 'object' && link !== null && typeof next === 'object' && next !== null)
      deferrals.set(link, next);
  }
  for (const i of sideRuns) resumesRunner(logObj[at + i], Runner.SideBySide);
  for (const i of loops) {
    const obj = logObj[at + i];
    resumesRunner(obj, Runner.Loop);
    // A timer a loop sets in the script's first run is the loop's, not one of the script's own.
    if (obj instanceof Slot) obj.lazy = null;
  }
  if (held !== null)
    for (let i = at; i < seg.end; i++) if (owner[i - at] === -1) hold(held, logObj[i], logKind[i]);
  // The clock is read for the first dish made, not before: most stints that come here (a
  // framework's handler, held back alone each request) make none.
  let t = -1;
  // Calls a library's code made and chains (see FoundDish.sideBySide): dishes when, with those of
  // the task still running, there are two or more — the library runs them side by side.
  // Those a combinator's member's call runs (its first lines, before the promise it returns — fastq's
  // `push`, whose `new Promise` calls the worker and chains it; lru-cache's `fetch` calling its
  // `fetchMethod`) run in that member's task, not beside the calls other members run: they are
  // counted apart, one group per member. Alone in it, such a call is the member's own work (the
  // member is then the job: `Promise.all(ids.map((id) => queue.push(id)))` gives one task per job,
  // not a member with the job a task under it).
  let candidates = 0;
  let inMember: Int32Array | null = null;
  let perMember: Int32Array | null = null;
  for (let o = 0; o < dishes.length; o++) {
    const d = dishes[o];
    if (!d.sideBySide) continue;
    let p = d.parent;
    while (p !== -1 && dishes[p].comb === -1) p = dishes[p].parent;
    if (p === -1) {
      candidates++;
      continue;
    }
    if (inMember === null) {
      inMember = new Int32Array(dishes.length).fill(-1);
      perMember = new Int32Array(dishes.length);
    }
    inMember[o] = p;
    perMember![p]++;
  }
  // Those a call held back alone runs (its own `await pMap(…)`) run side by side with one another,
  // not beside it: they are counted apart, among its own. So are those made while the task's call
  // held back alone still runs that are no companions of it (another line of the library's, or
  // made another way), also in a stint that runs no work it left (a reply its await led to): it
  // holds them — a framework's handler awaiting a library's call, which calls the program's
  // function and chains it (knex's `transaction(async (trx) => …)`), runs that function alone.
  // (One held back as no record, task.lone, made by the library's code, is made a record to hold
  // them; beside them otherwise, it counts as running.)
  let within = held;
  if (within === null && candidates > 0) {
    if (
      task.lone !== null &&
      !companions(false, task.loneFrom === '' ? null : task.loneFrom, dishes, at, seg)
    )
      recordLone(task);
    const lone = task.sides !== null ? task.sides.lone : null;
    if (
      lone !== null &&
      !lone.settled &&
      lone.dish === null &&
      !companions(lone.byRunner, lone.from, dishes, at, seg)
    )
      within = lone;
  }
  let running = 0;
  if (candidates > 0) {
    const group = within ?? task;
    if (group.sides !== null) running = group.sides.running;
    if (within === null && task.lone !== null) running++;
  }
  const together = candidates > 0 && candidates + running >= 2;
  const togetherAt = (o: number): boolean =>
    inMember === null || inMember[o] === -1 ? together : perMember![inMember[o]] >= 2;
  // Index in `dishes` → the task made for it (null: no dish after all, its work stays with the
  // dish or task around it). Sized at once: grown from empty by a push, it cost V8's elements
  // growth (136 instructions) each time, twice a fastify `/async` request.
  const made: Array<Task | null> = dishes.length === 1 ? [null] : new Array<Task | null>(dishes.length);
  // Index in `dishes` → the strand of a library's call nobody awaited (see below), if any.
  let libs: Strand[] | null = null;
  // Jobs a library started alone in the lane of a call that had returned (see below), by index.
  let afterJob: number[] | null = null;
  const around = (d: number): Task => {
    for (let p = d; p !== -1; p = dishes[p].parent) if (made[p] !== null) return made[p]!;
    return task;
  };
  for (let o = 0; o < dishes.length; o++) {
    const d = dishes[o];
    const call = d.comb !== -1 ? (logParent[at + d.comb] as CombinatorCall) : null;
    // A dish's place: where its call was made and what the call did before it returned (the hash
    // at its extent's end). Two places that start alike (seed 521) are told apart by the calls.
    const first = at + d.origin;
    const key = mix(logHash[first], at + d.end < seg.end ? logHash[at + d.end] : seg.hash);
    let verdict = verdicts.get(key);
    // (Learnt from a stack read in this very stint: none, most stints of a server that knows its
    // places — no lookup then.)
    const learnt = learntAt.size !== 0 ? learntAt.get(first) : undefined;
    // (Not a member whose call entered a library's async function, which the stack read as the
    // promise was made shows and no more: what that function runs — the program's function, a
    // retry helper's or a limiter's job, or nothing of the program's — the chain of the member's
    // continuations tells (dishNames.ts dishFrame), as where no stack was read at its making.)
    if (
      verdict === undefined &&
      learnt !== undefined &&
      !(call !== null && learnt === LIBRARY && logRooted[first] === Rooted.ByLibrary)
    ) {
      verdict = learnt;
      remember(key, learnt, learntWhere.get(first) ?? null);
    }
    // A place whose calls enter different functions of the program's (a GraphQL executor's line
    // that calls every root field's resolver): the stack read at this very call names its dish;
    // with none read, the place's name is no more this dish's than another's (see entersSeveral).
    // A place where a library's code, or an event a library emits, calls the program's async
    // function nobody awaits may enter another function at each call: which one depends on the
    // data (the event's name, a packet's), not on the place — socket.io calling `socket.on('report',
    // …)`'s handler from the line that called `getProduct` for every message before. Each such
    // call's stack is read (rationed) and names it; the place's name only when none was read.
    const dispatched =
      call === null &&
      !d.sideBySide &&
      !d.job &&
      logKind[first] === LogKind.Root &&
      logRooted[first] === Rooted.ByCall &&
      (logFrom[first] === CalledFrom.LibraryEvent || logFrom[first] === CalledFrom.Library);
    if (dispatched) watchCalls(logHash[first]);
    let several =
      typeof learnt === 'string'
        ? entersSeveral(
            key,
            logHash[first],
            learnt,
            verdict,
            logKind[first] === LogKind.Root && logRooted[first] === Rooted.ByCall,
          )
        : severalAt(key);
    // Named by its place, no stack of its own: now and then, look again (see relook).
    if (
      !several &&
      learnt === undefined &&
      typeof verdict === 'string' &&
      verdict !== '' &&
      logKind[first] === LogKind.Root &&
      logRooted[first] === Rooted.ByCall
    )
      relook(logHash[first]);
    // A member made by calling a function of the program's that is not async (`get(path)` that
    // returns `new Promise(…)`, `fetchJson(q)` that returns `fetch(…).then(…)`): named after that
    // function, read from the stacks of the member's promise and of the combinator's call (see
    // calledFunction), once per place — before any other verdict of the place, which these stacks
    // see past (the innermost function that made the promise, a `.then` callback's chain).
    // A place whose members were made by different functions of the program's (see calledSeveral)
    // reads them at each call, as a place whose calls enter several does.
    // A place read before is read again where this call's stacks were read anyway, on the doubts'
    // budget: two functions of the program's can make members at one place (a function's branches
    // reaching its `Promise.all` with the same records before it), and the first read named both.
    let called: CodeLocation | null = null;
    if (
      call !== null &&
      !(logKind[first] === LogKind.Root && logRooted[first] === Rooted.ByCall) &&
      (seg.fresh ||
        several ||
        !calledPlaces.has(key) ||
        (rootStacks.has(first) && callStacks.has(at + d.comb) && takeDoubt()))
    ) {
      const made = rootStacks.get(first);
      const stack = callStacks.get(at + d.comb);
      if (made !== undefined && stack !== undefined) {
        if (calledPlaces.size >= MAX_CALLED_PLACES) calledPlaces.clear();
        calledPlaces.add(key);
        called = calledFunction(made, stack);
        // Node's or a library's code made the promise, then called the program's function (a
        // `util.promisify`'d one, a throttle's): the call's next record shows it (dishes.ts readNext).
        const next = first + 1 < at + d.end ? rootStacks.get(first + 1) : undefined;
        if (called === null && next !== undefined) called = calledFunction(next, stack, made);
        if (called !== null) {
          several = madeBySeveral(key, first, called.fn, verdict, several);
          verdict = called.fn;
          if (!several) remember(key, verdict, called);
        }
      } else if (verdict === LIBRARY || verdict === '' || several) arm(logHash[first]);
    } else if (
      call !== null &&
      (verdict === undefined || several) &&
      learnt === undefined &&
      logKind[first] === LogKind.Root &&
      (seg.fresh || several || !calledPlaces.has(key))
    ) {
      // A member at a place of its own whose root took its place's word, an async function of the
      // program's entered, without a look (dishes.ts checkNext): the place is shared with other
      // code (a mapper's other jobs), and the call may be Node's or a library's wrapper calling the
      // program's function (`util.promisify`'s `new Promise`), which the call's next record shows.
      const next = first + 1 < at + d.end ? rootStacks.get(first + 1) : undefined;
      const stack = callStacks.get(at + d.comb);
      if (next !== undefined && stack !== undefined) {
        if (calledPlaces.size >= MAX_CALLED_PLACES) calledPlaces.clear();
        calledPlaces.add(key);
        called = calledThroughOthers(next, stack);
        if (called !== null) {
          several = madeBySeveral(key, first, called.fn, verdict, several);
          verdict = called.fn;
          if (!several) remember(key, verdict, called);
        }
      }
    }
    if (verdict === LIBRARY && call === null) {
      // A library's call nobody awaited: the library's business, in the lane of the code that
      // asked while that code's work goes on, and nobody's once it is over (engine.ts runsAs).
      const asker = d.parent === -1 ? task : around(d.parent);
      if (!workOver(asker)) (libs ??= [])[o] = { task: null, prev: asker.base, lib: true, job: null };
      made[o] = null;
      continue;
    }
    const from = d.sideBySide && learntFrom.size !== 0 ? learntFrom.get(first) : undefined;
    if (
      d.sideBySide &&
      !togetherAt(o) &&
      !(d.parent === -1 && within === null && task.returned) &&
      !(seg.wrapUp && d.byRunner !== true) &&
      !sidePlaces.has(key) &&
      (from === undefined || !sidePlaces.has(from)) &&
      !(
        d.byRunner === true &&
        runnersRanTogether(within ?? (d.parent === -1 ? task : around(d.parent)), from ?? null)
      )
    ) {
      // Alone: the task's own work for now (a framework's handler), kept in case another comes —
      // unless its place ran such calls side by side before (a queue's last job, run alone), or
      // a runner's call where runners ran them side by side (see runnersRanTogether), or the
      // library's code calls it from its wrap-up of a job that ran side by side (see wrapsUpJob).
      made[o] = null;
      continue;
    }
    // Made alone in the lane of a call that has returned (a member, a job): the library started it
    // from its wrap-up of that call (fastq's `release` starting the next queued job once a job's
    // `.then` has settled the member that pushed it). That call's work is over: this is a job, a
    // task of its own, and the library's wrap-up of it (its `.then`) is the library's call that
    // runs it, which makes it the job of the task whose wait it settles (see afterJob).
    if (
      d.sideBySide &&
      d.parent === -1 &&
      within === null &&
      task.returned &&
      !togetherAt(o) &&
      d.link !== undefined &&
      d.link !== -1
    )
      (afterJob ??= []).push(o);
    // The handler of what arrived (see `arrival`): the arrival's own work, no dish.
    if (handed !== null && call === null && d.parent === -1 && !d.sideBySide && !d.job) {
      made[o] = handed;
      handed = null;
      continue;
    }
    const parent = d.parent === -1 ? task : around(d.parent);
    // The stack read at this very call speaks for it: a library calls different functions of the
    // program's at one place (a queue's jobs), which the place's verdict would name alike.
    const said =
      called !== null
        ? called.fn
        : (d.sideBySide || d.job || several || dispatched) && typeof learnt === 'string'
          ? learnt
          : several
            ? undefined
            : verdict;
    const name = typeof said === 'string' && said !== '' ? said : null;
    const known = name !== null;
    // A member of a library's combinator (a GraphQL executor's resolvers, a framework's parameter
    // pipes) is the program's only once named after its function, and is placed there, not at the
    // library's call: until then it is provisional, and the library's place makes it no more so.
    const libraryMember = call !== null && call.byLibrary;
    const placed = called ?? learntWhere.get(first) ?? (several ? null : verdictWhere.get(key)) ?? null;
    if (t < 0) t = now();
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
    made[o] = dish;
    // Made by a call held back alone: its child, should it become a dish.
    if (held !== null && d.parent === -1) (held.children ??= []).push(dish);
    if (d.forLibrary) forLibrary.add(dish);
    if (call !== null) {
      members.add(dish);
      if (name === null) placeNamed.set(dish, dish.name);
      // Its call entered a library's async function (a retry helper's `execute`): see memberCalledAsIs.
      if (logKind[first] === LogKind.Root && logRooted[first] === Rooted.ByLibrary) libraryCalled.add(dish);
    }
    const origin = logObj[at + d.origin];
    if (typeof origin === 'object' && origin !== null) (origin as Logged)[kDish] = dish;
    // The chain a statement left on the call, which its function may have returned, or any link
    // of it (`const p = load(x).then(f); p.catch(log); return p;`): see chainOf.
    if (d.tail !== undefined)
      for (let j = at + d.tail, n = 0; j > first && n < MAX_LOG; j = logParentAt[j], n++) {
        if (logKind[j] !== LogKind.Derived) break;
        const link = logObj[j];
        if (typeof link === 'object' && link !== null) chainLinks.set(link, dish);
        anyChainLinks = true;
      }
    // The function that made the call awaited after it: once it resumes, its call was not returned
    // in the stint that made it (see heldResumes).
    if (d.resumes !== undefined && call === null) {
      const resumes = logObj[at + d.resumes];
      if (typeof resumes === 'object' && resumes !== null) {
        (resumes as HeldMarked)[kHeld] = dish;
        anyHeld = true;
      }
    }
    // The member the combinator was given is the call's own promise, not a chain on it that runs
    // on once that settles: settled by others (a batch), it is over.
    if (call !== null && (logObj[at + d.comb] as unknown[]).includes(origin)) dish.endsWhenSettled = true;
    // So is a job, its function's own promise: once the function has returned, what a connection
    // it opened brings for nobody (the pool it shares with the next jobs, closing at the end) is
    // no longer its (engine.ts openerDone); its lane ended with its work.
    if (d.job) {
      dish.endsWhenSettled = true;
      // A job made where a library tried its job again before (see triesAgain): a try of a retry,
      // the work of the code that awaits it from the start, also when it succeeds at once.
      jobPlaces.set(dish, key);
      if (retryPlaces.size !== 0 && retryPlaces.has(key)) {
        knownTries.add(dish);
        foldTask(dish, parent);
      }
    }
    // And a call nobody awaited, its async function's own promise: once it has returned, its work
    // is over (a call started now and awaited later: fetch finishing the body it read after the
    // request that awaited it answered is no work of the call after the response). Its end is
    // recorded then.
    if (call === null && logKind[first] === LogKind.Root && logRooted[first] === Rooted.ByCall) {
      dish.endsWhenSettled = true;
      dish.endsOnReturn = true;
      // Made by a thenable's `then` (see thenCallSettles).
      if (seg.thenable) {
        thenCalls.add(dish);
        anyThenCalls = true;
      }
    }
    if (verdict === undefined) {
      wantName(dish, call, key, logRooted[first] === Rooted.ByCall, false, d.job);
      arm(logHash[first]);
    } else if (several && !known && call === null) {
      // No stack read at its own call (rationed out): named by the chain of awaits its first
      // continuations run in, not by the place.
      wantName(dish, null, key, logRooted[first] === Rooted.ByCall, true, d.job);
    }
  }
  if (again !== null) {
    // The try made now is a job too (a call nobody awaited ran it, in a script): the tries before
    // it are folded with it once one of them settles the wait (dishes.ts jobSettles). Made as no
    // job (the stint's own work: a request's, whose library's call dropped there is the request
    // running), the try before is that work's now.
    let made1 = false;
    for (let o = 0; o < dishes.length; o++)
      if (dishes[o].job && made[o] !== null) {
        triedBefore.set(made[o]!, again);
        made1 = true;
      }
    learnTries(again);
    if (!made1) foldTries(again, null);
  }
  if (candidates > 0 || inMember !== null) {
    // The one running alone so far has a companion: it becomes a dish too — a companion is a call
    // made the same way, by the same line of the library's where both are known. A framework's
    // handler held back alone (express 5's router chaining the route's handler, from its own code)
    // is no companion of the jobs a mapper's runners run inside it (`await pMap(…)`): it stays the
    // request's work, and they are the request's tasks. (One held back as no record is made one
    // now, from what its task kept.)
    if (
      together &&
      within === null &&
      task.lone !== null &&
      companions(false, task.loneFrom === '' ? null : task.loneFrom, dishes, at, seg)
    )
      recordLone(task);
    // (Made when first needed: a request whose handler is held back as no record makes none.)
    let sides = (within ?? task).sides;
    if (together && sides !== null && sides.lone !== null) {
      const lone = sides.lone;
      if (companions(lone.byRunner, lone.from, dishes, at, seg)) {
        if (!lone.settled) sideBySideAt(lone.key, lone.from);
        promote(lone);
      }
    }
    for (let o = 0; o < dishes.length; o++) {
      const d = dishes[o];
      if (!d.sideBySide) continue;
      const origin = logObj[at + d.origin] as Logged;
      const dish = made[o];
      const first = at + d.origin;
      const key = mix(logHash[first], at + d.end < seg.end ? logHash[at + d.end] : seg.hash);
      const learnt = learntAt.size !== 0 ? learntAt.get(first) : undefined;
      const verdict = typeof learnt === 'string' ? learnt : verdicts.get(key);
      if (dish === null && verdict === LIBRARY) continue;
      const read = learntFrom.size !== 0 ? learntFrom.get(first) : undefined;
      if (read !== undefined) learnLine(key, read);
      const from = read ?? lineAt(key);
      if (dish !== null && togetherAt(o)) {
        sideBySideAt(key, from ?? null);
        if (d.link !== undefined && d.link !== -1) wrapsUp(logObj[at + d.link]);
      }
      // Alone, the usual case (a framework's handler, each request): no record, if nothing it left
      // needs one.
      if (
        dish === null &&
        within === null &&
        typeof learnt !== 'string' &&
        (learntWhere.size === 0 || !learntWhere.has(first)) &&
        d.byRunner !== true &&
        holdLazily(task, o, found, made, at, key, from ?? null)
      )
        continue;
      // Made inside a dish made in this stint (a call nobody awaited whose first lines start a
      // queue's jobs): the library's later stints (a job's wrap-up starting the next) run in that
      // dish's lane, so the calls are counted there, and one held back alone is that dish's work.
      // Counted on the stint's task, the next job started alone there found none running beside
      // it and stayed the dish's own work (seed 145287, both modes).
      const group =
        (within === null || (inMember !== null && inMember[o] !== -1)) && d.parent !== -1
          ? around(d.parent)
          : task;
      const its = group === task ? (sides ??= sidesOf(within ?? task)) : sidesOf(group);
      const run: SideRun = {
        task: group,
        settled: false,
        dish,
        objs: null,
        kinds: null,
        children: null,
        name: typeof verdict === 'string' && verdict !== '' ? verdict : null,
        where: (learntWhere.size !== 0 ? learntWhere.get(first) : undefined) ?? verdictWhere.get(key) ?? null,
        key,
        from: from ?? null,
        armed: logHash[first],
        within,
        byRunner: d.byRunner === true,
        sides: null,
        strand: null,
      };
      if (dish === null) {
        // What it left behind, to re-point should it become a dish before that work runs.
        run.objs = [];
        run.kinds = [];
        for (let i = at + d.start; i < at + d.end; i++) {
          const w = owner[i - at];
          if (w === o) {
            // (Not what a member's call made before its promise, re-pointed at the member below:
            // held, it went back to this call's dish should it become one — a DataLoader's
            // load queueing its batch, seed 161157.)
            if (!leadTakes(dishes, made, o, i, at, seg)) hold(run, logObj[i], logKind[i]);
          } else if (w !== -1 && made[w] !== null && dishes[w].parent === o) {
            (run.children ??= []).push(made[w]!);
          }
        }
        its.lone = run;
        if (run.byRunner) watch(run);
      }
      its.running++;
      if (dish !== null && togetherAt(o) && run.byRunner) {
        its.runnersTogether = true;
        if (run.from !== null) its.runnersLine = run.from;
      }
      origin[kSide] = run;
    }
  }
  for (let i = at; i < seg.end; i++) {
    const o = owner[i - at];
    if (o === -1) continue;
    if (libs !== null && made[o] === null) {
      // Work of a library's call nobody awaited (or of a call inside it that is no dish either).
      let p = o;
      while (p !== -1 && made[p] === null && libs[p] === undefined) p = dishes[p].parent;
      if (p !== -1 && made[p] === null) {
        repointTo(logObj[i] as Logged, logKind[i], libs[p], null);
        continue;
      }
    }
    const dish = made[o] ?? (dishes[o].parent === -1 ? null : around(dishes[o].parent));
    if (dish === null || dish === task) continue;
    repoint(logObj[i] as Logged, logKind[i], dish);
  }
  // The library's `.then` on such a job's promise, its wrap-up, runs in the job's lane as the
  // library's call that runs the job (Strand.job): should it settle a wait of a task still at work
  // (the member whose `push` queued the job), the job is that task's (dishes.ts jobSettles). (Not
  // as the library's call of Strand.lib, nobody's once its asker's work is over: the job it starts
  // next — the queue's — would run in no lane.)
  if (afterJob !== null)
    for (const o of afterJob) {
      const job = made[o];
      const link = at + dishes[o].link!;
      if (job === null || logKind[link] !== LogKind.Derived) continue;
      const obj = logObj[link];
      if (typeof obj === 'object' && obj !== null)
        repointTo(obj as Logged, LogKind.Derived, { task: null, prev: job.base, lib: false, job }, null);
    }
  // A job the library's deferral started (cockatiel's bulkhead: `Promise.resolve().then(() =>
  // this.execute(fn)).then(resolve)`, from the wrap-up of the job before, in its lane): the next
  // link, which settles the wait of the code that queued the job (the `new Promise` its call made
  // and returned), runs as the library's call that runs the job (Strand.job), as its `.then` on a
  // job's promise does above — the job is the task's whose wait it settles (dishes.ts jobSettles),
  // not the lane's the library started it in.
  if (seg.deferred !== null)
    for (let o = 0; o < dishes.length; o++) {
      const job = made[o];
      if (job === null || !dishes[o].job || dishes[o].parent !== -1) continue;
      const strand = { task: null, prev: job.base, lib: false, job };
      repointTo(seg.deferred as Logged, LogKind.Derived, strand, null);
      // And the link after it, which settles the wait when the job failed (`.catch(reject)`: the
      // link before passed the rejection on, no callback of its own run) — a retry around the
      // bulkhead then queues the job again from the member that waits.
      const onFailure = deferredNext(seg.deferred);
      if (onFailure !== null) repointTo(onFailure as Logged, LogKind.Derived, strand, null);
      break;
    }
  // A member's call begins with the first record it made, which may come before the promise the
  // member is (see leadOf): that work is the member's (or, for a library's function called as it
  // is, the library's business in the lane of the code calling the combinator), not the member's
  // made before it.
  for (let k = 0; k < dishes.length; k++) {
    const dish = made[k];
    const d = dishes[k];
    if (dish === null || d.comb === -1) continue;
    const lead = leadOf(dishes, k, at, seg);
    if (lead === 0) continue;
    const first = at + d.origin;
    const before = memberBefore(dishes, k);
    // The code calling the combinator: the task, or the dish whose call it runs in (a member's,
    // a call nobody awaited, before its first await), which holds those records until now.
    const caller = d.parent;
    const callerDish = caller === -1 ? task : around(caller);
    const to = lead > 0 ? dish : callerDish;
    for (let i = first - Math.abs(lead); i < first; i++) {
      const o = owner[i - at];
      if (o === caller ? to !== callerDish : o === before) repoint(logObj[i] as Logged, logKind[i], to);
    }
  }
  // A library's call nobody awaited: its work is the library's business, in the lane of the code
  // that asked (the dish or task holding the call) while that code's work goes on, and nobody's
  // once it is over (engine.ts runsAs): its records carry a strand of their own.
  let libStrand: Strand | null = null;
  let libRoot = -1;
  for (let k = 0; k < libWork.length; k += 2) {
    const r = libWork[k + 1];
    if (r !== libRoot) {
      libRoot = r;
      const o = owner[r];
      const asker =
        o === -1 ? task : (made[o] ?? (dishes[o].parent === -1 ? task : around(dishes[o].parent)));
      libStrand = workOver(asker) ? null : { task: null, prev: asker.base, lib: true, job: null };
    }
    if (libStrand !== null)
      repointTo(logObj[at + libWork[k]] as Logged, logKind[at + libWork[k]], libStrand, null);
  }
  // A call nobody awaited, an async function of the program's, whose extent runs on past a
  // promise it made and left: perhaps the promise it returned (`return db.insert(…)`, no await),
  // and what follows its caller's (see cutAtReturn). What would move is kept until then.
  for (let k = 0; k < dishes.length; k++) {
    const dish = made[k];
    const d = dishes[k];
    const cuts = d.cuts;
    const inner = d.innerCuts;
    if (dish === null || !dish.endsOnReturn || d.comb !== -1 || (cuts === undefined && inner === undefined))
      continue;
    let from = d.end;
    if (cuts !== undefined) for (let c = 1; c < cuts.length; c += 2) if (cuts[c] < from) from = cuts[c];
    if (inner !== undefined) for (let c = 1; c < inner.length; c += 3) if (inner[c] < from) from = inner[c];
    const cut: ReturnCut = { dish, objs: [], kinds: [], at: [], ran: -1 };
    for (let i = at + from; i < at + d.end; i++) {
      const o = owner[i - at];
      if (o === -1) continue;
      if ((made[o] ?? (dishes[o].parent === -1 ? null : around(dishes[o].parent))) === dish) {
        const obj = logObj[i];
        cut.objs.push(obj);
        cut.kinds.push(logKind[i]);
        cut.at.push(i - at);
        // Its continuation running before the job would mean the call went on after it.
        if (
          typeof obj === 'object' &&
          obj !== null &&
          (logKind[i] === LogKind.Root || logKind[i] === LogKind.Derived)
        ) {
          (obj as CutMarked)[kCut] = cut;
          (obj as CutMarked)[kCutAt] = cut.objs.length - 1;
        }
      } else if (made[o] !== null && dishes[o].parent === k && dishes[o].origin === i - at) {
        cut.objs.push(made[o]);
        cut.kinds.push(NESTED_DISH);
        cut.at.push(i - at);
      }
    }
    if (cut.objs.length === 0) continue;
    if (cuts !== undefined)
      for (let c = 0; c < cuts.length; c += 2) {
        const obj = logObj[at + cuts[c]];
        if (typeof obj !== 'object' || obj === null) continue;
        let first = 0;
        while (first < cut.at.length && cut.at[first] < cuts[c + 1]) first++;
        if (first < cut.at.length) returnCuts.set(obj, { cut, from: first, outer: null });
      }
    if (inner !== undefined)
      for (let c = 0; c < inner.length; c += 3) {
        const obj = logObj[at + inner[c]];
        const outer = logObj[at + inner[c + 2]];
        if (typeof obj !== 'object' || obj === null || typeof outer !== 'object' || outer === null) continue;
        let first = 0;
        while (first < cut.at.length && cut.at[first] < inner[c + 1]) first++;
        if (first < cut.at.length) returnCuts.set(obj, { cut, from: first, outer });
      }
    anyCuts = true;
  }
  // The library's own await on a job's promise (a queue's runner, `resolve(await job())`): what
  // follows it is the runner going on once the job returned, which may settle the wait of the code
  // the job is really for (engine.ts Strand.job). Its continuation carries a strand that knows the
  // job, in the lane it had. So does its await on a wrapper of the job's promise made after the
  // call, up to the next job's (p-queue with a `timeout` awaits p-timeout's `new Promise`, which a
  // `.then` on the job's promise settles, through its `.finally`; with a `signal`, a race): links
  // chained on what the runner made after the job's call, not the work of a dish. (Dishes the
  // job's own call made before its first await — the members of its `Promise.all` — are inside
  // its extent: the next job starts after it.) Only inside the library's call that runs the job
  // (FoundDish.runnerEnd): past it, the code that added the job goes on (`queue.add(job); await
  // x;`), and its awaits are its own — taken for the runner's, its code resumed knowing the job,
  // and the first promise of a combinator's member it settled later made the job that member's
  // (seed 170669: a DataLoader's batch settling the loads, the script's code after them a member's).
  // A queue's synchronous `add` leaves nothing but its `.then` on the job's promise.
  for (let o = 0; o < dishes.length; o++) {
    const job = made[o];
    if (job === null || !dishes[o].job) continue;
    const origin = at + dishes[o].origin;
    const after = at + dishes[o].end;
    let end = seg.end;
    for (let k = 0; k < dishes.length; k++) {
      const next = at + dishes[k].origin;
      if (k !== o && made[k] !== null && next >= after && next < end) end = next;
    }
    const runnerEnd = dishes[o].runnerEnd === undefined ? end : at + dishes[o].runnerEnd!;
    for (let i = origin + 1; i < end; i++) {
      if (logKind[i] !== LogKind.Derived || owner[i - at] === o) continue;
      const parent = logParentAt[i];
      if (parent !== origin) {
        // (Past the library's code that runs the job, the code that handed it off goes on.)
        if (i >= runnerEnd) continue;
        const by = owner[i - at];
        if (parent <= origin || parent >= i || (by !== -1 && made[by] !== null)) continue;
        const parentBy = owner[parent - at];
        if (parentBy !== -1 && made[parentBy] !== null) continue;
      }
      const obj = logObj[i] as Logged;
      const was = obj[kTag];
      if (was !== undefined) obj[kTag] = { task: null, prev: was, lib: false, job };
    }
  }
}

/** What moves when a call nobody awaited turns out to have returned a promise it made (cutAtReturn). */
interface ReturnCut {
  dish: Task;
  /** What its extent held after its first promise left, in order: work to re-point, dishes made. */
  objs: unknown[];
  kinds: number[];
  /** Where each was in the stint's log (relative to its segment). */
  at: number[];
  /**
   * The last of that work (its position) that ran before a job showed where the call returned:
   * the call went on past any promise before it (-1: none ran).
   */
  ran: number;
}
const kCut = Symbol('looplens.cut');
const kCutAt = Symbol('looplens.cutAt');
type CutMarked = { [kCut]?: ReturnCut; [kCutAt]?: number };
/** A dish made inside the extent (`ReturnCut.kinds`): reparented rather than re-pointed. */
const NESTED_DISH = -1;
/**
 * Where a call's work ends if it returned the promise (the key): the cut, and the first of its
 * work to move. With `outer`, the promise is one an async function the call made may have returned
 * (see FoundDish.innerCuts): the job consuming it for `outer` says that function returned there,
 * and only then is `outer` where the call's work may end.
 */
const returnCuts = new WeakMap<object, { cut: ReturnCut; from: number; outer: object | null }>();
export let anyCuts = false;

/** The continuation of `p` runs: a cut it is part of comes too late (see cutAtReturn). */
export function cutWorkRuns(p: object): void {
  const cut = (p as CutMarked)[kCut];
  if (cut !== undefined) cut.ran = Math.max(cut.ran, (p as CutMarked)[kCutAt] ?? 0);
}

/**
 * A "resolve with a thenable" job resolves the promise `root` of a call nobody awaited with
 * `returned`, a promise the call made and left in the stint that made it (see settle): the call's
 * async function returned it there (`async function logAccess(req) { return db.insert(…); }`,
 * no await). No hook says when such a function returns, so the parse took it to run on to the
 * caller's next await; but what its extent held after that promise was its caller's — the calls
 * the caller made next, and the caller's own await, whose continuation would have run as the call
 * (the rest of a request handler in the lane of `logAccess`). Runs in the job, which V8 runs in
 * the same microtask drain, before any of that work — unless some of it ran first (`ran`): then
 * the call went on after that promise, and returned it later.
 */
export function cutAtReturn(root: unknown, returned: object): void {
  if (!anyCuts) return;
  const at = returnCuts.get(returned);
  if (at === undefined) return;
  if (at.outer !== null) {
    // An async function the call made returned `returned` (axios's `get`, its `request`'s promise):
    // its work ended there, and the call's does too if the call returned that function's promise —
    // which the job consuming `outer` for the call, queued after this one, tells.
    if (root !== at.outer) return;
    returnCuts.delete(returned);
    if (!returnCuts.has(root)) returnCuts.set(root, { cut: at.cut, from: at.from, outer: null });
    return;
  }
  returnCuts.delete(returned);
  const { cut, from } = at;
  const dish = cut.dish;
  if (cut.ran >= from || typeof root !== 'object' || root === null || (root as Logged)[kDish] !== dish)
    return;
  if (dish.folded || dish.base.prev === null) return;
  const into = taskOf(dish.base.prev);
  if (into === null) return;
  for (let i = from; i < cut.objs.length; i++) {
    if (cut.kinds[i] === NESTED_DISH) reparentTask(cut.objs[i] as Task, into);
    else repoint(cut.objs[i] as Logged, cut.kinds[i], into);
  }
  cut.objs.length = from;
  cut.kinds.length = from;
  cut.at.length = from;
}

/**
 * How many records before its promise a member's call made, by the member's place (its FoundDish
 * key): the parse cannot see where a function that is not async was entered, so it begins a member
 * with the first promise of its chain and gives what came before to the code calling the combinator
 * — or, for a later member, to the member before, whose `new Promise`'s executor it may be. A call
 * can make work before its promise: DataLoader's `load` chains a resolved promise to schedule its
 * batch, then makes the `new Promise` it returns, so with a loader per member (a resolver's
 * `ctx.users.load(id)` beside `ctx.posts.load(id)`) each batch ran in the lane of the member
 * before, the first's in the request's. One look per place at the stacks of the records before the
 * promise, of the promise and of the combinator's call says which were made by the same call
 * (locations.ts memberSite): those are the member's when they were made inside a function of the
 * program's the call entered (negative: a library's function called as it is, whose work is the
 * library's business in the lane of the code calling the combinator, as for a first member). Only
 * where that site is the member's alone: members made at one site (`ids.map((id) => get(id))`)
 * cannot be told apart by it, and keep the rule above.
 */
const leads = new Map<number, number>();
const MAX_LEADS = 4096;
/**
 * Leads a look found that it could not close, by the same key (see leadOf): the records whose
 * stacks showed the member's site are its call's, but one further back read no stack (the code
 * calling the combinator is an async function's call made in the stint, whose promise keeps none;
 * or a look was rationed out), so a later look may find more. Until one closes the walk, a call at
 * the place that reads no stacks — most do: a place's are read at its first calls — takes the
 * longest lead found. Before, it took none: in seed 140327, from the third call at one place of a
 * `Promise.all` member calling `Promise.allSettled` of two loads through functions of the
 * program's, that member ran the first load's batch in its own lane, in both modes.
 */
const openLeads = new Map<number, number>();

/**
 * The member of the same combinator call made just before member `k` (its index), or -1: findDishes
 * lists a combinator's members together, in the order their calls were made.
 */
function memberBefore(dishes: readonly FoundDish[], k: number): number {
  return k > 0 && dishes[k - 1].comb === dishes[k].comb ? k - 1 : -1;
}

/**
 * Whether log record `i` (absolute) is one a member made inside dish `o` takes as its call's own,
 * made before its promise (leadOf, positive): re-pointed at the member by settle, not `o`'s.
 */
function leadTakes(
  dishes: readonly FoundDish[],
  made: ReadonlyArray<Task | null>,
  o: number,
  i: number,
  at: number,
  seg: Segment,
): boolean {
  for (let k = o + 1; k < dishes.length; k++) {
    const d = dishes[k];
    if (d.parent !== o || d.comb === -1 || made[k] === null) continue;
    const first = at + d.origin;
    if (i >= first) continue;
    const lead = leadOf(dishes, k, at, seg);
    if (lead > 0 && i >= first - lead) return true;
  }
  return false;
}

/**
 * The records before member `k`'s promise that its call made (see leads): positive when they are
 * the member's, negative when they are the library's business in the lane of the code calling the
 * combinator; 0 when none, or not known yet (the stacks rationed out: looked at next time). One
 * not closed yet is the longest found so far (openLeads).
 */
function leadOf(dishes: readonly FoundDish[], k: number, at: number, seg: Segment): number {
  const d = dishes[k];
  const first = at + d.origin;
  const key = mix(mix(logHash[first], at + d.end < seg.end ? logHash[at + d.end] : seg.hash), 0x1ead);
  const known = leads.get(key);
  const call = callStacks.get(at + d.comb);
  const own = rootStacks.get(first);
  if (known !== undefined) {
    // Trusted — but what the place's first look found holds only while the same code reaches it:
    // a function whose branches reach its `Promise.all` with records of the same kinds before it,
    // made by the code calling it in one (`ready.then(log)`) and by the member's call in the other
    // (a loader's `.then` queueing its batch), gave each branch's work the other's lane. Looked at
    // again where this call's stacks were read anyway, on the doubts' budget; one that disagrees
    // makes the place's lead one of each call's (varyingLeads).
    if (call === undefined || own === undefined || first === 0 || !rootStacks.has(first - 1) || !takeDoubt())
      return known;
    const again = lookLead(dishes, k, at, seg, call, own);
    if (again === null || again.open || again.lead === known) return known;
    leads.delete(key);
    varies(key, first, Math.max(Math.abs(known), Math.abs(again.lead)));
    return again.lead;
  }
  if (varyingLeads.size !== 0 && varyingLeads.has(key)) {
    // Each call's own: read at each call (dishNames.ts readEachCall); one read short (rationed)
    // keeps the rule without a look (none).
    if (call === undefined || own === undefined) return 0;
    const look = lookLead(dishes, k, at, seg, call, own);
    return look === null ? 0 : look.lead;
  }
  const found = openLeads.size !== 0 ? (openLeads.get(key) ?? 0) : 0;
  if (call === undefined || own === undefined) return found;
  const look = lookLead(dishes, k, at, seg, call, own);
  if (look === null) return found;
  const { lead, open } = look;
  if (open) {
    if (Math.abs(lead) <= Math.abs(found)) return found;
    if (openLeads.size >= MAX_LEADS) openLeads.clear();
    openLeads.set(key, lead);
    return lead;
  }
  if (leads.size >= MAX_LEADS) leads.clear();
  leads.set(key, lead);
  return lead;
}

/**
 * Member places (their lead key, see leadOf) whose looks found different leads: each call's is read
 * from its own stacks — the records before the member's promise, and the promise, read at each
 * call (dishNames.ts readEachCall, on the member looks' budget).
 */
const varyingLeads = new Set<number>();
function varies(key: number, first: number, span: number): void {
  if (varyingLeads.size >= MAX_LEADS) varyingLeads.clear();
  varyingLeads.add(key);
  for (let i = Math.max(0, first - span); i <= first; i++)
    readEachCall(logHash[i], logKind[i] === LogKind.Root);
}

/**
 * What the stacks read at this call say of member `k`'s lead (see leads): null where they cannot
 * say (the member before read none); `open` where a record further back read none, which a later
 * look may close.
 */
function lookLead(
  dishes: readonly FoundDish[],
  k: number,
  at: number,
  seg: Segment,
  call: NonNullable<ReturnType<typeof callStacks.get>>,
  own: NonNullable<ReturnType<typeof rootStacks.get>>,
): { lead: number; open: boolean } | null {
  const d = dishes[k];
  const first = at + d.origin;
  const site = memberSite(own, call);
  const before = memberBefore(dishes, k);
  // The code calling the combinator runs in a call made in this stint (a member's, before its first
  // await): that call's first record, its own promise, is no record of this member's call.
  let lower = d.parent === -1 ? at : at + dishes[d.parent].origin + 1;
  if (site !== null && before !== -1) {
    const o = dishes[before];
    const its = rootStacks.get(at + o.origin);
    if (its === undefined) return null;
    const members = logObj[at + d.comb] as unknown[];
    lower = Math.max(at + o.origin, seg.indexOf(members[o.index])) + 1;
    if (memberSite(its, call)?.site === site.site) lower = first;
  }
  // From the promise back: each record whose stack shows the member's site is its call's, and so
  // is all that lies between; one that shows another site ends the call's records. A record read
  // no stack (rationed, or none is read for its kind) leaves it open, unless one further back says.
  let lead = 0;
  let open = false;
  for (let i = first - 1; site !== null && i >= lower; i--) {
    const s = rootStacks.get(i);
    if (s !== undefined) addPlace(leadRecords, logHash[i]);
    const from = s !== undefined ? memberSite(s, call) : null;
    if (from === null) {
      open = true;
      continue;
    }
    if (from.site !== site.site) {
      open = false;
      break;
    }
    lead = first - i;
    open = false;
  }
  if (site !== null && !site.inside) lead = -lead;
  return { lead, open };
}

/**
 * The stacks read at a member's own call say function `fn` of the program's made it (settle), at dish
 * place `key` whose first record is `first` and whose verdict is `verdict`: whether the place makes
 * members of several functions (known before, `several`, or now: the place was named after another
 * function) — then each member there is named by its own call's stacks, read at each call
 * (dishNames.ts calledSeveral), and the place's verdict names none.
 */
function madeBySeveral(
  key: number,
  first: number,
  fn: string,
  verdict: string | typeof LIBRARY | undefined,
  several: boolean,
): boolean {
  if (!several && (typeof verdict !== 'string' || verdict === '' || verdict === fn)) return false;
  calledSeveral(key, logHash[first], logKind[first] === LogKind.Root);
  return true;
}

/** Member places (FoundDish keys) whose function the stacks were read for (see settle). */
const calledPlaces = new Set<number>();
const MAX_CALLED_PLACES = 4096;

/**
 * The promises whose continuation resumes a library's runner of jobs (a queue's job runner after
 * its first await), and the callbacks and promises whose work carries a library's loop on: the
 * stint it runs in reads the program's function it calls as a job (Runner).
 */
let anyRunner = false;
function resumesRunner(p: unknown, kind: Runner): void {
  if (typeof p !== 'object' || p === null) return;
  try {
    (p as RunnerMarked)[kRunner] = kind;
    anyRunner = true;
  } catch {
    // a frozen object: its continuation is read as any other's
  }
}
/**
 * The library's `.then` on the promise of a call it made side by side with another, both dishes (a
 * queue's jobs, `job().then(next)`): its reaction is the library's wrap-up of that job, which calls
 * the next job. That call is a job as the ones before were, though it may run alone: the other jobs
 * may have returned in the same drain of microtasks (a promise the jobs all await, made by the first
 * of them: a shared memo), before the wrap-up runs; and its place is new, the library's callback and
 * not its first loop (seed 165131: the third `billing` job of a two-at-a-time queue ran in its
 * caller's lane, both modes, every run). A framework's handler, called alone from its wrap-up of the
 * hook before (which was no dish), stays its request's work.
 */
let anyWrapUp = false;
function wrapsUp(p: unknown): void {
  if (typeof p !== 'object' || p === null) return;
  try {
    (p as WrapUpMarked)[kWrapUp] = true;
    anyWrapUp = true;
  } catch {
    // a frozen object: its reaction is read as any other's
  }
}
/** Whether the reaction of `p` is a library's wrap-up of a job that ran side by side (see wrapsUp). */
export function wrapsUpJob(p: object): boolean {
  return anyWrapUp && (p as WrapUpMarked)[kWrapUp] === true;
}

/**
 * Continuations that resume a layer (Segment.layer): a function of the program's that a library's
 * code calls and chains one at a time, as a router runs its layers. Marked only outside a request
 * waiting for its response (there the framework's calls are the request running anyway), so a
 * server's hot path never looks one up.
 */
const layerMarks = new WeakSet<object>();
export let anyLayer = false;
function markLayer(o: unknown): void {
  if (typeof o !== 'object' || o === null) return;
  layerMarks.add(o);
  anyLayer = true;
}
/** Whether the continuation of `o` resumes a layer (see markLayer). */
export function isLayer(o: object): boolean {
  return layerMarks.has(o);
}

/**
 * The links of a library's deferral nobody awaits (stintParse.ts findDishes, `defers`): each link's
 * next one, which its callback's outcome settles — a job its callback starts is carried on to it.
 */
const deferrals = new WeakMap<object, object>();
/** The next link of the deferral whose link `o` is, or null (see deferrals). */
export function deferredNext(o: object): object | null {
  return deferrals.get(o) ?? null;
}

/** A tick or microtask a stint resuming a runner of jobs queued: it goes on with the runner. */
export function carriesRunner(slot: Slot): void {
  resumesRunner(slot, Runner.Job);
}
/** Whether the continuation of `p` resumes a library's runner of jobs, and which kind. */
export function runsRunner(p: object): Runner {
  return anyRunner === true ? (((p as RunnerMarked)[kRunner] ?? Runner.None) as Runner) : Runner.None;
}

/**
 * Dishes a library's call nobody awaited returns (FoundDish.forLibrary): not folded for that into
 * the code that added them — only into a combinator's member whose call the library's is (p-limit's
 * `limit(job)` given to `Promise.all`: the member is the job, named after it).
 */
const forLibrary = new WeakSet<Task>();
const members = new WeakSet<Task>();
/**
 * The links of chains left as statements on calls nobody awaited (`load(x).then(f)`), each with
 * the call's dish. Whether the function that made such a chain returned it (`return
 * load(x).then(f)`, no await) is no part of the stint's log: a chain left before `return reply`
 * (fastify's `audit(…).catch(…)`, another thenable returned) looks the same there. The runtime
 * shows it next: it resolves the function's promise with the chain in a job of its own that calls
 * the chain's `then` — a promise whose parent is the link returned, made in that job (promises.ts;
 * dishes.ts foldIfReturned). (V8 skips that call for a native promise, linking the two directly,
 * only while no promise hook is on: PromiseResolveThenableJob in
 * https://github.com/v8/v8/blob/main/src/builtins/promise-jobs.tq.)
 */
const chainLinks = new WeakMap<object, Task>();
let anyChainLinks = false;
/** The dish of the call on which a statement left a chain that `p` is a link of, if any (see chainLinks). */
export function chainOf(p: object): Task | undefined {
  return anyChainLinks ? chainLinks.get(p) : undefined;
}

/**
 * Calls nobody awaited whose function resumed after an await it made later in the stint that made
 * the call (FoundDish.resumes): what that function returns now comes from a later stint than the
 * call — a call started now and awaited later (README, "a call nobody awaited"), which stays a dish
 * when the function returns its promise or a chain on it (`const p = load(x).then(f); await y;
 * return p;`): foldIfReturned leaves it. The job that shows a return made in the stint that made
 * the call runs in that stint's drain, before this continuation can.
 */
const resumedSince = new WeakSet<Task>();
const kHeld = Symbol('looplens.held');
type HeldMarked = { [kHeld]?: Task };
/** Whether any promise is marked (no lookup before one is). */
export let anyHeld = false;
/** The continuation of `p` runs: a function that made a call nobody awaited before it resumes. */
export function heldResumes(p: object): void {
  const dish = (p as HeldMarked)[kHeld];
  if (dish !== undefined) resumedSince.add(dish);
}
/** Whether the function that made `dish`'s call has resumed since (see heldResumes). */
export function resumedAfterCall(dish: Task): boolean {
  return anyHeld && resumedSince.has(dish);
}

export function returnedToLibrary(dish: Task, into: Task): boolean {
  return forLibrary.has(dish) && (!members.has(into) || tookJob.has(into));
}
/**
 * Members that took in the job their call's library ran (foldedInto): one member, one job. The
 * library may start the next job from the wrap-up of one (p-limit's `next()` once a job's function
 * has returned, in that job's member's lane): that job is not this member's, and stays a task.
 */
const tookJob = new WeakSet<Task>();
/**
 * Members named after their place (`all[1]`), by the name that place gave them: one that takes in
 * the job its call ran is named after the job's function (see foldedInto).
 */
const placeNamed = new WeakMap<Task, string>();
/** `dish` was folded into `into`: a job returned to its library, `into` the member it is. */
export function foldedInto(dish: Task, into: Task): void {
  if (!forLibrary.has(dish) || !members.has(into)) return;
  tookJob.add(into);
  // The member is the job, named after its function — also when the member's own place was taken
  // for the library's (p-limit's `new Promise`, read so when the first requests came at once).
  if (!dish.unnamed && dish.name !== 'async call' && into.name === placeNamed.get(into))
    renameTask(into, dish.name, null);
}
/** Whether `task` is a combinator's member that took in no job yet (see jobSettles). */
export function memberTakesJob(task: Task): boolean {
  return members.has(task) && !tookJob.has(task);
}
/**
 * Whether `task` is a combinator's member whose call was a library's, as it is (see dishes.ts
 * memberAdopts): first named after its place, or its call entered a library's async function; it
 * may have taken in a job since, and be named after it.
 */
export function memberCalledAsIs(task: Task): boolean {
  return members.has(task) && (placeNamed.has(task) || libraryCalled.has(task));
}
/**
 * Members whose call entered a library's async function, whatever they are named after (the job
 * that function runs, read from their place's stacks).
 */
const libraryCalled = new WeakSet<Task>();
/**
 * Retries. A library's call nobody awaited that runs a function of the program's and waits for it
 * (a job, see stintParse.ts) looks the same whether the library is a queue or a retry: p-retry 6's
 * `operation.attempt(async (n) => { … resolve(await input(n)) … })` is p-queue's runner. What a
 * retry does that a queue never does is to try the job again: once the job has ended and the
 * library's call has settled nobody's wait (a queue settles the wait of the code that added the
 * job, `resolve`/`reject`, before anything else), a timer the library set there — the delay
 * between tries — calls the program's function again. Those tries run one after another while the
 * code awaiting the retry waits, none beside another: no dish, that code's own work, as the tries
 * of a loop of `await`s are. So each try the library makes again folds the one before it into the
 * task it ran in (the code awaiting the retry, or the task whose wait the last try settles), and
 * the place of the first try is learnt: a first try made there later is folded as it is made,
 * also when it succeeds at once. Until the library has tried again at a place, its first try
 * there shows nothing a queue's single job does not: a task of the code awaiting it, as a queue's
 * job is. (A worker's loop goes on to the next job after a timer too, but from a continuation of
 * its own — `await` of a delay — which is no timer's stint: see dishes.ts ranJob. A library that
 * tries again at once, from its catch, looks like a mapper's runner going on to its next item, and
 * its tries stay tasks.)
 */
const settledWait = new WeakSet<Task>();
/** The try before each try a library made again (see triesAgain). */
const triedBefore = new WeakMap<Task, Task>();
/** The runner of job `job` settled a promise another task's code made (dishes.ts jobSettles). */
export function jobSettledWait(job: Task): void {
  settledWait.add(job);
}
/**
 * The job the segment's library's call ran, when the segment is that call trying it again: a
 * timer's stint under the call's strand (Segment.ranJob: the job has ended), the call settled
 * nobody's wait since, and the segment calls an async function of the program's. Otherwise null.
 */
function triesAgain(seg: Segment): Task | null {
  const job = seg.ranJob!;
  if (settledWait.has(job)) return null;
  for (let i = seg.start; i < seg.end; i++)
    if (logKind[i] === LogKind.Root && logRooted[i] === Rooted.ByCall) return job;
  return null;
}
/**
 * Folds try `job` and the tries before it into `into`, or (null) into the task each was made in:
 * the work of the code that awaits the retry.
 */
export function foldTries(job: Task, into: Task | null): void {
  for (let j: Task | undefined = job, n = 0; j !== undefined && n < 1000; j = triedBefore.get(j), n++) {
    const to = into ?? (j.base.prev !== null ? taskOf(j.base.prev) : null);
    if (to !== null && to !== j) foldTask(j, to);
  }
}
/**
 * Calls of the program's async functions nobody awaited that a thenable's `then` made (in the
 * "resolve with a thenable" job V8 runs for the code that awaits the thenable or gave it to a
 * combinator, or in a tick or microtask queued there): `then(resolve, reject) { this.run().then(resolve,
 * reject); }`. Such a call looks like one nobody awaited where it is made — a chain left as a
 * statement — but the chain's callbacks are the resolving functions `then` was given: the call
 * settles the promise of the code that awaits the thenable (a combinator's member, or the `await`
 * itself), which waits for it. So once its chain settles a promise of the task it was made in, it
 * is that task's own work: the member's (one task, still named by its place, `all[0]`, as a thenable
 * built without a promise is), as a queue's job that a member's `push` runs and chains is. (An
 * `await` of such a thenable runs `then` in a job of the `await`'s wrapper, which dishes.ts marks as
 * a root's — thenableWrapper — so that the call is the awaiting code's work the same way.)
 */
const thenCalls = new WeakSet<Task>();
export let anyThenCalls = false;
/**
 * Promise `p` settles in the reaction of link `link` (promises.ts settled): a link of the chain a
 * thenable's call left (see thenCalls) that settles a promise of the task the call was made in —
 * the member's own, or the `await`'s — makes the call that task's work.
 */
export function thenCallSettles(link: object, p: object): void {
  const dish = chainLinks.get(link);
  if (dish === undefined || !thenCalls.has(dish) || dish.folded) return;
  const parent = dish.base.prev !== null ? taskOf(dish.base.prev) : null;
  if (parent === null || parent === dish) return;
  const tag = (p as Logged)[kTag];
  if ((p as Logged)[kDish] !== parent && (tag === undefined || taskOf(tag) !== parent)) return;
  thenCalls.delete(dish);
  foldTask(dish, parent);
}

/** Whether `job` is a try of a retry (see triesAgain): one a library made again, or made where it did. */
export function triedAgain(job: Task): boolean {
  return triedBefore.has(job) || knownTries.has(job);
}
/** Each job's place (the key its dish was made with), and the places a library tried a job again. */
const jobPlaces = new WeakMap<Task, number>();
const retryPlaces = new Set<number>();
const MAX_RETRY_PLACES = 1024;
/** Tries made where a library tried a job again before: folded as they are made. */
const knownTries = new WeakSet<Task>();
/** The places of try `job` and those before it are a retry's: its first tries there are folded. */
function learnTries(job: Task): void {
  for (let j: Task | undefined = job, n = 0; j !== undefined && n < 1000; j = triedBefore.get(j), n++) {
    const key = jobPlaces.get(j);
    if (key === undefined) continue;
    if (retryPlaces.size >= MAX_RETRY_PLACES) retryPlaces.clear();
    retryPlaces.add(key);
  }
}

/** `job`, settling the wait of `member` (memberTakesJob), was folded into it: the member is the job. */
export function tookJobOf(job: Task, member: Task): void {
  tookJob.add(member);
  if (!job.unnamed && job.name !== 'async call' && member.name === placeNamed.get(member))
    renameTask(member, job.name, null);
}
/** Whether `dish` is a job a library's call returned and `task` a member that took in none yet. */
export function memberTakes(dish: Task, task: Task): boolean {
  return forLibrary.has(dish) && members.has(task) && !tookJob.has(task);
}

/** Re-points work a stint left behind (a record of kind `kind`) at `dish`. */
function repoint(obj: Logged, kind: number, dish: Task): void {
  repointTo(obj, kind, dish.base, dish);
}

/** Re-points work at the strand `record` (of `dish`, or of a library's call: dish null). */
function repointTo(obj: Logged, kind: number, record: Strand, dish: Task | null): void {
  switch (kind) {
    case LogKind.Root:
    case LogKind.Derived:
      obj[kTag] = record;
      break;
    case LogKind.Reg:
    case LogKind.Resource:
      if (obj instanceof Slot) {
        obj.r = record;
        obj.lazy = null;
        if (obj.child !== null && dish !== null) reparentTask(obj.child, dish);
      } else {
        obj[kTag] = record;
      }
      break;
  }
}

/**
 * Places (FoundDish keys) where a library's calls ran side by side, and the library's lines that
 * made them: a queue's or a limiter's. A call made there later is a dish even when it runs alone
 * (the last job, started once the others ended, from another code path of the library's).
 */
const sidePlaces = new Set<number | string>();
const MAX_SIDE_PLACES = 4096;
function sideBySideAt(key: number, from: string | null): void {
  if (sidePlaces.size >= MAX_SIDE_PLACES) sidePlaces.clear();
  sidePlaces.add(key);
  if (from !== null) sidePlaces.add(from);
}

/**
 * Whether a call of `dishes` (side by side, made by a library's code) runs beside the one held back
 * alone: called the same way (by a runner the library chained and left, `byRunner`, or by the
 * library's synchronous code) and, where both lines are known (its: `line`), by the same line of
 * the library's.
 */
function companions(
  byRunner: boolean,
  line: string | null,
  dishes: FoundDish[],
  at: number,
  seg: Segment,
): boolean {
  for (const d of dishes) {
    if (!d.sideBySide || (d.byRunner === true) !== byRunner) continue;
    const from = learntFrom.get(at + d.origin) ?? lineAt(placeKey(d, at, seg));
    if (from === undefined || line === null || from === line) return true;
  }
  return false;
}

/** A dish's place (see settle): where its call was made, and what the call did before it returned. */
function placeKey(d: FoundDish, at: number, seg: Segment): number {
  return mix(logHash[at + d.origin], at + d.end < seg.end ? logHash[at + d.end] : seg.hash);
}

/**
 * The library's line that made a side-by-side call at each place, once a stack read there showed it:
 * a place's later calls, whose stacks are rationed out once the place is known, are told apart by
 * it as their first were (companions).
 */
const placeLines = new Map<number, string>();
const MAX_PLACE_LINES = 4096;
function lineAt(key: number): string | undefined {
  return placeLines.size !== 0 ? placeLines.get(key) : undefined;
}
function learnLine(key: number, from: string): void {
  if (placeLines.size >= MAX_PLACE_LINES) placeLines.clear();
  placeLines.set(key, from);
}

/**
 * Whether runners a library chained and left ran the program's functions side by side in `group`
 * (a mapper's, inside a request's handler). Such a runner's next job, called once the others
 * have returned, is called alone: it is a job as they were, though its place is new — its runner
 * was started by the wrap-up of the job before, two stints deep another path than the first
 * runners' (seed 161157: a job whose members' batch settles it in a tick, so the other job ended
 * in the same drain; it ran in the request's lane).
 */
function runnersRanTogether(group: Task | SideRun, line: string | null): boolean {
  const sides = group.sides;
  // (Where both lines are known, the same line of the library's, as companions are.)
  return (
    sides !== null &&
    sides.runnersTogether &&
    (line === null || sides.runnersLine === null || line === sides.runnersLine)
  );
}

/** The calls a library's code made and chains that run in `group` (see Sides), made when first needed. */
function sidesOf(group: Task | SideRun): Sides {
  return (group.sides ??= { running: 0, lone: null, runnersTogether: false, runnersLine: null });
}

/**
 * Work a call held back alone left behind (SideRun.objs), by the promise or slot: a stint that
 * resumes a runner of the library's there (p-map's, inside the held call's `await pMap(…)`) runs
 * the held call's code, though in its task's lane for now. A call held back alone is no companion
 * of the calls its own code runs side by side: it holds them. Those are counted among its own
 * (Sides by SideRun), are tasks of the task around it while it stays that task's work (a
 * framework's handler running a mapper: the mapper's jobs are the request's), and move under it,
 * with the one its library ran alone so far, once it becomes a dish (a mapper's job that maps
 * again, nested mappers). Looked up only for a stint that resumes a runner (dishes.ts willRun).
 */
const heldBy = new WeakMap<object, SideRun>();
function hold(run: SideRun, obj: unknown, kind: number): void {
  run.objs!.push(obj);
  run.kinds!.push(kind);
  // Only what resumes a runner is looked up (dishes.ts willRun), and all that a runner's call left
  // (claimHeld): no map entry for the rest (a framework's handler, held back alone in every request,
  // comes here only when its place's stacks were read in its stint: see holdLazily).
  if (
    typeof obj === 'object' &&
    obj !== null &&
    (run.byRunner || (anyRunner && ((obj as RunnerMarked)[kRunner] ?? Runner.None) !== Runner.None))
  )
    heldBy.set(obj, run);
}

/**
 * A call held back alone in `task` (dish `o` of the parse, made by the library's own code, not a
 * runner's; no record of a held call around it) is kept as no record, if nothing it left needs one:
 * its work — every promise and slot its call left in this stint, tagged with the task's own strand
 * — is tagged instead with a strand of its own that defers to the task's, and the task keeps that
 * strand, the call's promise, its place's keys and the library's line that made it, `from`, where a
 * stack read at the place showed it (Task.lone; the line tells companions apart as the record's
 * does: until 2026-12-05 a line known sent every such call to the record, and the servers' handlers,
 * whose line the first requests' stacks show, never came here). Should a second call come beside it,
 * the record is made then (recordLone), and its dish takes that work over by one store to the
 * strand, as re-pointing each piece would; should its promise settle first (loneSettled), the task
 * forgets it. A framework's handler, held back alone in every request, so costs one small object,
 * not a record with two lists. Its work needs the record (false, nothing changed) when a piece of it
 * resumes a library's runner (looked up by hold), is a slot with a task of its own or made in it,
 * or runs as a library's call nobody awaited; or when it made dishes (its children), when some of
 * the stint's work is the library's business or a job's wrap-up (those loops re-point it after
 * this), or when another call is held so already.
 */
function holdLazily(
  task: Task,
  o: number,
  { dishes, owner, libs }: Parsed,
  made: ReadonlyArray<Task | null>,
  at: number,
  key: number,
  from: string | null,
): boolean {
  const d = dishes[o];
  if (task.lone !== null || d.parent !== -1 || owner[d.origin] !== o) return false;
  for (let k = 0; k < dishes.length; k++) if (dishes[k].job) return false;
  for (let k = 0; k < libs.length; k += 2) if (owner[libs[k]] === o) return false;
  const origin = logObj[at + d.origin];
  if (typeof origin !== 'object' || origin === null) return false;
  const base = task.base;
  const strand: Strand = { task: null, prev: base, lib: false, job: null };
  // One pass: each piece is re-tagged as it is found fit; one that is not puts the ones before
  // back (each was tagged with `base`, or it would not have been taken).
  const start = at + d.start;
  const end = at + d.end;
  for (let i = start; i < end; i++) {
    const w = owner[i - at];
    if (w !== o) {
      if (w !== -1 && made[w] !== null && dishes[w].parent === o) return untag(start, i, o, owner, at, base);
      continue;
    }
    const kind = logKind[i];
    if (kind === LogKind.Root || kind === LogKind.Derived) {
      // A promise.
      const p = logObj[i] as Logged & RunnerMarked;
      if (p[kTag] !== base || (anyRunner && (p[kRunner] ?? Runner.None) !== Runner.None))
        return untag(start, i, o, owner, at, base);
      p[kTag] = strand;
    } else if (kind === LogKind.Reg || kind === LogKind.Resource) {
      const obj = logObj[i];
      if (obj instanceof Slot) {
        if (obj.r !== base || obj.lazy !== null || obj.child !== null || obj[kRunner] !== Runner.None)
          return untag(start, i, o, owner, at, base);
        obj.r = strand;
      } else {
        const r = obj as (Logged & RunnerMarked) | null;
        if (
          typeof r !== 'object' ||
          r === null ||
          r[kTag] !== base ||
          (anyRunner && (r[kRunner] ?? Runner.None) !== Runner.None)
        )
          return untag(start, i, o, owner, at, base);
        r[kTag] = strand;
      }
    }
  }
  task.lone = strand;
  task.loneOrigin = origin;
  task.loneKey = key;
  task.loneArmed = logHash[at + d.origin];
  task.loneFrom = from ?? '';
  return true;
}

/** holdLazily gives up at `upto`: the pieces of dish `o` it re-tagged before go back to `base`. */
function untag(start: number, upto: number, o: number, owner: Int16Array, at: number, base: Strand): false {
  for (let i = start; i < upto; i++) {
    if (owner[i - at] !== o) continue;
    const kind = logKind[i];
    if (kind === LogKind.Root || kind === LogKind.Derived) (logObj[i] as Logged)[kTag] = base;
    else if (kind === LogKind.Reg || kind === LogKind.Resource) {
      const obj = logObj[i];
      if (obj instanceof Slot) obj.r = base;
      else (obj as Logged)[kTag] = base;
    }
  }
  return false;
}

/** A second call comes beside the one `task` holds back as no record (holdLazily): its record, now. */
function recordLone(task: Task): void {
  const origin = task.loneOrigin as Logged;
  const key = task.loneKey;
  const verdict = verdicts.get(key);
  const run: SideRun = {
    task,
    settled: false,
    dish: null,
    objs: [],
    kinds: [],
    children: null,
    name: typeof verdict === 'string' && verdict !== '' ? verdict : null,
    where: verdictWhere.get(key) ?? null,
    key,
    from: task.loneFrom === '' ? null : task.loneFrom,
    armed: task.loneArmed,
    within: null,
    byRunner: false,
    sides: null,
    strand: task.lone,
  };
  task.lone = null;
  task.loneOrigin = null;
  const sides = sidesOf(task);
  sides.running++;
  sides.lone = run;
  origin[kSide] = run;
}

/**
 * A promise made before the stint now running settled (dishes.ts logSettled): if it is that of a
 * call held back as no record (holdLazily), the call no longer runs.
 */
export function loneSettled(p: Logged): void {
  const strand = p[kTag];
  if (strand === undefined || strand.task !== null || strand.prev === null) return;
  const task = strand.prev.task;
  if (task === null || task.loneOrigin !== p || task.lone !== strand) return;
  task.lone = null;
  task.loneOrigin = null;
}

/**
 * Calls held back alone that a runner the library chained and left made (p-map's, inside a
 * request: SideRun.byRunner) whose work has not begun to run: while there are any, each promise,
 * callback and slot about to run is looked up (claimHeld).
 */
export let heldWatch = 0;
function watch(run: SideRun): void {
  if (run.watched === true) return;
  run.watched = true;
  heldWatch++;
}
function unwatch(run: SideRun): void {
  if (run.watched !== true) return;
  run.watched = false;
  if (heldWatch > 0) heldWatch--;
}

/**
 * Work that a runner's call held back alone left (`o`: its promise, callback or slot) is about to
 * run, before another call beside it made it a dish: a thenable's `then` it awaits (V8 calls it in
 * a job of its own), a microtask it queued, its first continuation. That work is the call's — it
 * runs the call's code, on its behalf — and the library may start the next job only after it (a
 * mapper's runner starts the next item in a later microtask, a loaded machine later still): run
 * as the task around the call, it stays there, as work already run does, whatever the call turns
 * out to be. So the call becomes its dish now, provisional (hidden with the library's tasks), and
 * runs its work as it: confirmed when a companion comes (promote), folded back into its task when
 * it settles alone (sideSettled), as a framework's handler or a mapper's single item is its
 * request's. Called before the task that `o` runs as is read.
 */
export function claimHeld(o: unknown): void {
  if (typeof o !== 'object' || o === null) return;
  const run = heldBy.get(o);
  if (run === undefined || !run.byRunner || run.dish !== null || run.objs === null || run.settled) return;
  promote(run, true);
}
/** The call held back alone, not a dish (yet) and still running, whose work `o` is; else null. */
export function heldRun(o: object): SideRun | null {
  const run = heldBy.get(o);
  return run !== undefined && run.objs !== null && run.dish === null ? run : null;
}

/**
 * A call that ran alone becomes a dish, now that another runs beside it: what it left behind in
 * the stint that made it runs as the dish from now on (a job's first continuation has not run yet
 * when the library starts the next job in the next tick; what already ran stays the task's).
 */
function promote(run: SideRun, tentative = false): void {
  const sides = sidesOf(run.within ?? run.task);
  if (run.tentative === true && run.dish !== null) {
    // Made when its work began to run (claimHeld); now another runs beside it: it is one.
    if (sides.lone === run) sides.lone = null;
    run.tentative = false;
    confirm(run, run.dish);
    return;
  }
  if (!tentative) sides.lone = null;
  if (run.settled || run.dish !== null || run.task.ended || run.task.folded) return;
  unwatch(run);
  const named = run.name !== null;
  // Made by a call held back alone: under it once it is a dish, else its child should it become one.
  const within = run.within;
  const dish = newTask(
    TaskKind.Other,
    within !== null && within.dish !== null ? within.dish : run.task,
    named ? run.name! : 'async call',
    TaskFlags.Detached | (named && !tentative ? 0 : TaskFlags.Provisional),
    run.where,
  );
  run.dish = dish;
  for (let i = 0; i < run.objs!.length; i++) repoint(run.objs![i] as Logged, run.kinds![i], dish);
  if (run.strand !== null) run.strand.prev = dish.base;
  if (run.children !== null) for (const child of run.children) reparentTask(child, dish);
  run.objs = run.kinds = run.children = null;
  if (within !== null && within.dish === null && within.objs !== null) (within.children ??= []).push(dish);
  if (tentative) {
    run.tentative = true;
    return;
  }
  confirm(run, dish);
}

/** `run`'s dish is one: named (or to be named), and the one its own library ran alone too. */
function confirm(run: SideRun, dish: Task): void {
  if (run.name === null) {
    wantName(dish, null, run.key, true, false, run.byRunner);
    arm(run.armed);
  } else if (run.tentative === false) {
    // Made provisional (claimHeld): its name confirms it.
    renameTask(dish, run.name, run.where);
  }
  // The one its own code's library ran alone so far: under a dish, each function a runner calls is
  // a job (Runner.Job), as the ones after it will be.
  const inner = run.sides;
  if (inner !== null && inner.lone !== null) promote(inner.lone);
}

/** The promise of a call a library's code made and chains settled: it no longer runs. */
export function sideSettled(run: SideRun): void {
  if (run.settled) return;
  run.settled = true;
  unwatch(run);
  const sides = sidesOf(run.within ?? run.task);
  sides.running--;
  if (sides.lone === run) sides.lone = null;
  run.objs = run.kinds = run.children = null;
  if (run.tentative === true && run.dish !== null) {
    // It ran alone to its end: its task's work after all (a framework's handler, a mapper's only item).
    run.tentative = false;
    const within = run.within;
    foldTask(run.dish, within !== null && within.dish !== null ? within.dish : run.task);
  }
}
