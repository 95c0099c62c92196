/**
 * Which dish each piece of pending work belongs to: the rule in model/timeline.ts's header, applied
 * once per stint, after the stint's code has run and before any of the work it left behind can run.
 *
 * While a stint runs, everything that will run later on its behalf is written to a log, in order:
 * each promise made (a ROOT when it has no parent — an async function's own promise, `new
 * Promise`; a DERIVED when it has one — an `await` or a `.then` on its parent), each callback
 * handed to the runtime (a REG: a timer, an I/O callback, a tick), each combinator call (a COMB,
 * with its members). Logging is a few array stores; every promise is tagged with the running task
 * on the way, which is right for all work unless the stint started a dish of its own.
 *
 * At the end of the stint, when the log shows a root nobody consumed or a combinator call, the log
 * is read as the bracket structure of the calls that made it (`parse`, stintParse.ts): a root opens the extent of
 * the call that made it; the call returns when its creator consumes its promise (a DERIVED whose
 * parent is the root), when it suspends (its first await: a DERIVED nothing consumed later in the
 * stint, a "tail") or, for `await value`, at the wrapper promise V8 makes from the function's own
 * promise. From that structure:
 *
 *  - each member of a combinator is a dish; its work is what was logged from the call that made it
 *    (its first root, or the first link of its chain: never past a promise another member's
 *    chain hangs on too — a client the first member's call connected, chained by each) up to the next
 *    member's, named after the function of the program's the call ran (dishSort.ts, from the
 *    stacks read at its first record and, when Node's or a library's code made that, its next);
 *  - a root nobody consumed, made by a call that left work behind in its own extent, is a call
 *    nobody awaited: a dish — unless it holds the stint's last await (then it is the stint's own
 *    function, entered without being awaited: a request handler called by `emit`). A library's
 *    async function that the library's own code called (a stack says so, once per place) is never
 *    the stint's own: the runtime called a synchronous callback of the library's, and the call is
 *    the library's nobody awaited, whose run of the program's function is a job;
 *  - everything else stays with the stint's task.
 *
 * The log is bounded: a stint that makes more than MAX_LOG records keeps the rest with its task.
 * This file holds no Node-specific code: the structure it reads is the one every promise runtime
 * makes, and it is tested on its own with synthetic logs.
 */

/** How a stint began. */
export const enum StintEntry {
  /** It resumed a function after an await (a promise continuation). */
  Resumed = 0,
  /** The runtime called a function: an event listener, a timer's callback. */
  Called = 1,
  /** The main script's top level: its calls are the script's own work. */
  Script = 2,
  /**
   * Data arrived on a connection: the runtime called its listeners, and an async one nobody awaits
   * (a message handler) is a dish of the connection, not the connection's own work.
   */
  Dispatched = 3,
  /**
   * The runtime called a function known not to be an async function (a timer's or a callback's
   * arrow that calls async functions without awaiting them): no promise of its own comes first.
   */
  CalledSync = 4,
  /**
   * The runtime called a tick's or a microtask's callback (`process.nextTick`, `queueMicrotask`):
   * parsed as Called, except that every call it makes at its own level and does not await is its
   * own code — the work of the code that queued it, as the one that holds its last await is
   * (`process.nextTick(() => { flush(a); flush(b); })`: both calls the queuer's; stintParse.ts).
   */
  Queued = 5,
  /**
   * The runtime called a timer's or an immediate's callback (`setTimeout`, `setInterval`,
   * `setImmediate`; sources/timers.ts fired): parsed as Called, except that every call of the
   * program's that the program's own code makes at the callback's level and does not await is the
   * callback's own code — the work of the code that set the timer, or of the timer's task when the
   * script's top level set it (`setTimeout(() => { a(); b(); c(); })`: all three; stintParse.ts). A
   * function of the program's that a library's code calls there (a scheduler's: toad-scheduler's
   * `task()`) is not such a call.
   */
  Fired = 6,
  /** As Fired, for a callback known not to be an async function (see CalledSync). */
  FiredSync = 7,
}

/** What a stint that resumed a library's call runs (see stintParse.ts findDishes, the job rule). */
export const enum Runner {
  None = 0,
  /**
   * A library's call nobody awaited (p-map's runner), a helper of the library's it awaits, or a
   * link of the library's chain it awaits; or a timer task's timer firing (a scheduler's, when the
   * stint was called rather than resumed): the program's function it calls is a job.
   */
  Job = 1,
  /**
   * A library's own call that it chained and left while a request waited for its response: a
   * framework's way of waiting for the handler (Nest under express 5), or a limiter's runner
   * inside the handler. The program's function it calls is a job only when such calls run side
   * by side in the task (FoundDish.sideBySide). Made inside a task of the request's (a member's
   * first stretch), or resumed as one, it is a Job: that task's own stints never serve the request.
   */
  SideBySide = 2,
  /**
   * A library's loop: a member of the library's own combinator that is no call of the program's
   * (Bull 4's `Promise.all` of `new Promise` worker loops). The loop is the library's business,
   * in the lane of the code that started it, and every function of the program's it calls, in any
   * stint of its work, is a job. Everything the library's code leaves in such a stint carries the
   * loop on (its ticks, its chains, its commands' replies): FoundDish's `loops`.
   */
  Loop = 3,
}

export const enum LogKind {
  Root = 1,
  Derived = 2,
  /** A callback handed to the runtime (its slot is re-pointed if the callback belongs to a dish). */
  Reg = 3,
  /** A combinator call; `logObj` holds the members (an array), `logParent` the call (its name). */
  Comb = 4,
  /** A root logged in this stint settled (`logObj`): its function returned without suspending. */
  Settle = 5,
  /**
   * An async resource made while the stint ran (full mode): like a REG, but the runtime makes many
   * on its own, before the function the stint calls even starts.
   */
  Resource = 6,
}

/** Records one stint may log. */
export const MAX_LOG = 1024;

/** What an event of the log is (parallel arrays, reused from stint to stint). */
/**
 * The records' objects (a promise, a slot, a combinator's members): an array made anew, empty,
 * every LOG_RENEW segments that logged something (renewLog, from dishes.ts when no segment is open),
 * not one made at start. Each record stores a young object — a promise made a moment ago — and
 * into a long-lived array each such store is a write barrier (about 52 instructions: 10 a fastify
 * `/async` request); into an array young itself it is a plain store. A young-generation collection
 * promotes what two have found alive, one every few hundred requests: made anew every few dozen
 * segments, the array is young when written nearly always. It grows as records come (a record's
 * index is never past its end: `n` counts up from where the open segments' records end), so a
 * new one costs an empty array and a small backing store, not MAX_LOG slots.
 */
export let logObj: unknown[] = [];
/** Segments that logged something until `logObj` is made anew (see logObj). */
let logLeft = 0;
const LOG_RENEW = 64;
/** Called at the end of a segment that logged records, none open any more (`n` is 0). */
export function renewLog(): void {
  if (--logLeft > 0) return;
  logLeft = LOG_RENEW;
  logObj = [];
}
export const logParent: unknown[] = new Array(MAX_LOG).fill(undefined);
export const logKind = new Uint8Array(MAX_LOG);
/** 1 once a later record consumed it (a DERIVED with it as parent, or a COMB with it as member). */
export const logUsed = new Uint8Array(MAX_LOG);
/**
 * 1 for a DERIVED that settled as soon as it was made: the wrapper V8 makes for `await value`
 * (from the awaiting function's own promise), never a consumer of that promise.
 */
export const logWrapper = new Uint8Array(MAX_LOG);

/** How a DERIVED was made, when known (the tracer looks once per place). */
export const enum Made {
  Unknown = 0,
  /** By an `await`: the awaiting function suspends there (or it is V8's wrapper for `await thenable`). */
  ByAwait = 1,
  /** By `.then`, `.catch` or `.finally`: a link of a chain, never a suspension by itself. */
  ByMethod = 2,
  /**
   * By `.then`, `.catch` or `.finally` that a library's or Node's code called: a link too, and the
   * library consuming the chain (fastify's `handler(req).then(send, onError)`, express 5's
   * `.then(null, next)`) waits for the call — which is then no call nobody awaited.
   */
  ByLibraryMethod = 3,
}
export const logMade = new Uint8Array(MAX_LOG);

/** What made a ROOT, when known (the tracer looks once per place). */
export const enum Rooted {
  Unknown = 0,
  /**
   * The runtime: `new Promise` (its executor has returned before the code that made it goes on),
   * `Promise.resolve`, a builtin. Its extent ends where it begins: nothing later is its code.
   */
  ByRuntime = 1,
  /** Entering an async function: its body runs on, in the stint, until its first await or return. */
  ByCall = 2,
  /**
   * Entering an async function of Node's own (the ES module loader's, `fs.promises`') or of a
   * library (in node_modules: got's request, a pool's): parsed as a call, never a dish by itself —
   * its work is the runtime's or the library's, in the lane of the code that asked for it (one the
   * library's own code made inside a call that code awaits and left: while that code's work goes
   * on, see stintParse.ts libWork and engine.ts runsAs).
   */
  ByLibrary = 3,
  /**
   * An ES module's body being evaluated (Node's loader runs it as an async function): parsed as a
   * call; what it calls at its top level is the script's own work, as at a CommonJS script's top
   * level (`main();` as a module's last line stays in the script's lane).
   */
  Module = 4,
}
export const logRooted = new Uint8Array(MAX_LOG);

/**
 * For a ROOT the program's function entered (Rooted.ByCall), or a library's (Rooted.ByLibrary): who
 * called it, when known.
 */
export const enum CalledFrom {
  Unknown = 0,
  /** The program's code, directly (or, for a library's function, the runtime: a callback it runs). */
  Program = 1,
  /**
   * A library's code that no function of the program's called (a queue's callback, a framework's;
   * for a library's function, its own synchronous callback that calls it: p-queue's microtask).
   */
  Library = 2,
  /** A library's code that a function of the program's called (a middleware's `next()`). */
  ProgramThroughLibrary = 3,
  /**
   * For the program's function: a listener of an event that a library's code emitted (Node's
   * `EventEmitter.prototype.emit` between them), no function of the program's below it — socket.io
   * emitting a packet's event to `socket.on('order', async …)`. Otherwise as Program (the runtime
   * emitting, or the program): only a request that has answered reads it (stintParse.ts handedOn).
   */
  LibraryEvent = 4,
  /**
   * For a library's function (Rooted.ByLibrary): an async function of Node's own (a `node:` file),
   * which Node's code calls and chains — web streams' `invokePromiseCallback`, which calls a
   * stream's `pull` and returns its promise. Node's code chaining it waits for it for the code that
   * asked (a reader's read), as the runtime's own promise would: it is no library's call nobody
   * awaited, and the program's function it returns is no job (stintParse.ts parse).
   */
  Runtime = 5,
  /**
   * For a library's function (Rooted.ByLibrary): no function at all but `import()`'s promise, which
   * V8 makes with the program's function that calls it on top of the stack (locations.ts
   * callsImport). Node's loader is the runtime's code: given to a combinator as it is, it is no
   * member of the program's (stintParse.ts), and the module's loading and top level are the work of
   * the code that awaits the combinator.
   */
  Import = 6,
  /**
   * For the program's function: called by the program's own synchronous code (an arrow, `() =>
   * job(d)`), which a library's code called, which a function of the program's called — a queue's
   * synchronous `add(() => job(d))` calling the arrow it was given. As ProgramThroughLibrary, one
   * function of the program's further up (stintParse.ts throughLibrary).
   */
  ProgramViaLibrary = 7,
  /**
   * As ProgramThroughLibrary, the library's code calling it inside a `new Promise` executor of its
   * own (async's `mapLimit`, which returns that promise for the program to await): the library's
   * call makes a promise of the call, so it is not the synchronous `add` nobody waits for.
   */
  ProgramThroughLibraryPromise = 8,
}
export const logFrom = new Uint8Array(MAX_LOG);
/**
 * For a DERIVED: the index of its parent's record in this stint's log, or -1 (made elsewhere). An
 * index, not the parent itself: storing a new object in a long-lived array costs V8 a write barrier,
 * and this is on every promise's path. (`logParent` holds what a COMB record needs: its call.)
 */
export const logParentAt = new Int32Array(MAX_LOG);
/** The place hash of the log before each record (dishes.ts: the key of what is known of a place). */
export const logHash = new Int32Array(MAX_LOG);

/** A dish found in a stint's log. */
export interface FoundDish {
  /** Index of the root (or first record) of the call that made it. */
  origin: number;
  /** Extent [start, end) in the log. */
  start: number;
  end: number;
  /** A combinator member: the combinator's name and the member's position; null for a call nobody awaited. */
  combinator: string | null;
  index: number;
  /** The COMB record (members), -1 otherwise. */
  comb: number;
  /** Index in the result list of the dish it was made inside, or -1 (the stint's task). */
  parent: number;
  /**
   * For a call nobody awaited: it was made inside a call that was awaited (a helper's or a
   * library's own business, as opposed to the stint's own code or a dish's).
   */
  inAwaited: boolean;
  /**
   * A function of the program's that a library's own code called and chains (its promise consumed
   * by the library's `.then`): a dish only when the library runs such calls side by side in the
   * task (dishSort.ts); else the task's own work, as a framework's route handler is its request's.
   */
  sideBySide: boolean;
  /**
   * Side by side: called by the stint's own code, which resumed a runner the library chained and
   * left (p-map's, after its first await), not by the library's synchronous code (a router calling
   * the route's handler, async's `mapLimit`). Calls made the one way are no companions of those made
   * the other (dishSort.ts companions).
   */
  byRunner?: boolean;
  /**
   * Side by side, called by the library's synchronous code: the library's `.then` on the call's
   * promise (its wrap-up of the call, which may call the next job: dishSort.ts wrapsUpJob), or -1.
   */
  link?: number;
  /**
   * For a call nobody awaited: it was made inside a library's call that nobody awaited either (p-limit's
   * `run` → `(async () => job())()`), which returns it: the library, not the program, waits for it,
   * so its being returned does not fold it (dishes.ts foldIfReturned).
   */
  forLibrary: boolean;
  /**
   * A function of the program's that a library's call nobody awaited runs (a queue's job, a
   * mapper's): the library may call a different function of the program's at the same place each
   * time, so it is named by the stack read at its own call while the place's stacks last.
   */
  job: boolean;
  /**
   * For a job: where the library's code that runs it ends (the extent of the library's call nobody
   * awaited around it), or undefined for the stint's end (the stint resumed the runner, or a
   * scheduler's timer runs the library's code). What the stint makes past it is no runner going on
   * once the job returned: the program's own code after the library's call returned to it (the
   * `await` after a queue's synchronous `add(job)`) — dishSort.ts, the runner's awaits.
   */
  runnerEnd?: number;
  /**
   * For a call nobody awaited, the program's async function: the promises it made and left at its
   * own level, each with where its work ends (pairs [record, cut]) — perhaps the promise the
   * function returned without awaiting it, after which the parse, which cannot see such a return,
   * went on taking the caller's work for the call's (dishSort.ts cutAtReturn).
   */
  cuts?: number[];
  /**
   * For a call nobody awaited because a chain on it was left as a statement (`load(x).then(f)` not
   * awaited in the stint): the chain's tail. It is no statement if the function it was made in
   * returned it to code that awaits that function (`return load(x).then(f)`, no await): the
   * runtime then resolves the function's promise with it in a job of its own, which chains it
   * (dishes.ts foldIfReturned) — something the log of the stint cannot show, as a chain left
   * before `return reply` (another thenable) looks the same.
   */
  tail?: number;
  /**
   * For a call nobody awaited: the await (its DERIVED record) at which the function that made the
   * call — or left the chain on it — suspended later in the same stint. That function can return
   * the call's promise (or the chain) only in a later stint, once this continuation has run: a call
   * started now and awaited later (`const p = load(x).then(f); await y; return p;`), a dish, not one
   * its function returned (dishes.ts foldIfReturned, dishSort.ts heldResumes). The job that takes a
   * promise returned in the stint runs before any such continuation: an `await` the parse took for
   * that function's, which was its caller's (the function returned without a sign), changes nothing.
   */
  resumes?: number;
  /**
   * Likewise for an async function the call made that was still open at the stint's end (triples
   * [record, cut, that function's record]): where that function may have returned what it
   * returned, and so where the call's work ends if the call returned that function's promise.
   */
  innerCuts?: number[];
}

/** The index of the record for `p` in [start, end), or -1 (read from the promise by the caller). */
export type IndexOf = (p: unknown) => number;
