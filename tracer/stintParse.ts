/**
 * Reading a stint's log (stintLog.ts holds the rule, the log and its records): the bracket structure
 * of the calls that made it (`parse`) and the dishes it holds (`findDishes`). No Node-specific
 * code; tested on its own with synthetic logs (test/stintLog.test.ts).
 */
import {
  CalledFrom,
  FoundDish,
  IndexOf,
  LogKind,
  MAX_LOG,
  Made,
  Rooted,
  Runner,
  StintEntry,
  logFrom,
  logKind,
  logMade,
  logObj,
  logParent,
  logParentAt,
  logRooted,
  logUsed,
  logWrapper,
} from './stintLog';

// Scratch space for the analysis, reused.
const level = new Int32Array(MAX_LOG);
const closedAt = new Int32Array(MAX_LOG);
const isOpen = new Uint8Array(MAX_LOG);
const own = new Uint8Array(MAX_LOG);
const stack = new Int32Array(MAX_LOG);
const owner = new Int32Array(MAX_LOG);
const consumer = new Int32Array(MAX_LOG);
const unawaited = new Uint8Array(MAX_LOG);
/**
 * For a root whose chain a statement left (unawaited): that statement's tail, else -1. A function
 * may return that tail to code that awaits it (`return load(x).then(f)`): see FoundDish.tail.
 */
const chainTail = new Int32Array(MAX_LOG);
/** 1 for a root the runtime made (`new Promise`) whose chain the library's code made a statement. */
const leftByLibrary = new Uint8Array(MAX_LOG);
/**
 * 1 for a library's root that the library chained and left while the stint served a request not
 * yet answered (see the rule in parse): not a call nobody awaited, but a runner of side-by-side jobs.
 */
const leftServing = new Uint8Array(MAX_LOG);
const member = new Uint8Array(MAX_LOG);
/** 1 for the root of a library's loop (see Runner.Loop), found by findDishes. */
const loopRoot = new Uint8Array(MAX_LOG);
/** 1 for a call of the program's found a job of a library's loop (one call, one dish). */
const loopJob = new Uint8Array(MAX_LOG);
const settledAt = new Int32Array(MAX_LOG);
/**
 * A function of the program's that a library's code calls and chains one at a time, as a router
 * runs its layers (see findDishes, layers): what the library's synchronous code it calls in turn
 * runs (`next()` running the next layer) is its business, not a job.
 */
const layerAt = new Uint8Array(MAX_LOG);
/** Scratch for findDishes: candidates made inside a function the stint called, with that function. */
const calledPairs: number[] = [];
/** The entry root of the stint being parsed (see parse). */
let entryRoot = -1;
/** The first record of the stint being parsed (see parse). */
let parseStart = 0;
/** The code the stint ran outside any call it made (its own function) awaits at its end. */
let topSuspends = false;
/**
 * The awaits that suspend a call (its root, or -1 for the stint's own function) found by the parse,
 * as pairs: the DERIVED record whose continuation resumes the call, and the call.
 */
const suspensions: number[] = [];

/**
 * Reads the bracket structure of records [start, end): for each record the call it was made in
 * (`level`: the index of that call's root, -1 for the stint's own code) and for each root the end
 * of its call's extent (`closedAt`, exclusive), given how the stint began and whether the function
 * it resumed `returned` (its promise settled at the end). Exposed for tests.
 *
 * How a call's extent ends:
 *  - its creator consumes its promise (an `await` or `.then` on it, or a combinator): it returned;
 *  - it awaits: a DERIVED nothing consumes later (a "tail") made in it suspends it — unless the
 *    tail is a statement (`x().catch(noop);`) after which the same function goes on. In the stint's
 *    own function (the one resumed, or the one called) only the last tail is its await, the others
 *    are statements; in a call made during the stint, a tail is a statement when the function
 *    awaits again before its promise is consumed (see goesOn), else its await;
 *  - it returns: its promise settles (a SETTLE record) — and then none of its tails was an await;
 *  - `await value` (or a thenable): V8 wraps the value in a promise made from the function's own
 *    promise and awaits the wrapper, two records in a row: the function suspends. The tracer
 *    marks the wrapper (it settles at once, or it was made by an await, not by a promise method);
 *  - a combinator's own `.then`s on its members consume nothing of anyone's, and a link made by a
 *    promise method is never an await by itself;
 *  - a promise the runtime made (`new Promise`) that nothing in the stint consumes ends at the
 *    latest at the next `await` of the function it was made in: an executor is synchronous and
 *    cannot await (an async generator's `next()`, whose body can, is consumed by its loop).
 * A chain that ends in a statement tail is a call nobody awaited, like a bare call — unless the
 * function it was made in returned it (`return load(x).then(f)`), which the log cannot show: the
 * dish keeps the tail (FoundDish.tail) for the job that shows it (dishes.ts foldIfReturned).
 */
export function parse(
  start: number,
  end: number,
  indexOf: IndexOf,
  how: StintEntry,
  returned = false,
  lead = false,
  serving = false,
  answered = false,
): { level: Int32Array; closedAt: Int32Array; entry: number } {
  // Who consumes what, which roots are combinator members, which settle.
  for (let i = start; i < end; i++) {
    consumer[i] = -1;
    unawaited[i] = 0;
    chainTail[i] = -1;
    leftServing[i] = 0;
    leftByLibrary[i] = 0;
    member[i] = 0;
    settledAt[i] = -1;
  }
  for (let i = start; i < end; i++) {
    if (logKind[i] === LogKind.Settle) {
      const j = indexOf(logObj[i]);
      if (j >= start && j < i && settledAt[j] === -1) settledAt[j] = i;
      continue;
    }
    if (logKind[i] === LogKind.Comb) {
      // A combinator awaits its members: its own `.then`s on them are no statements.
      for (const m of logObj[i] as unknown[]) {
        const j = indexOf(m);
        if (j < start || j >= i) continue;
        member[j] = 1;
        if (consumer[j] === -1) consumer[j] = i;
      }
      continue;
    }
    if (logKind[i] !== LogKind.Derived) continue;
    // `await value`'s wrapper is made from the awaiting function's own promise: no consumer.
    if (logWrapper[i] === 1) continue;
    const p = logParentAt[i];
    if (p >= start && p < i && consumer[p] === -1) consumer[p] = i;
  }
  // A stint that called a function: a root made first is that function's own promise (the
  // runtime's own resources may come before it).
  let first = start;
  while (first < end && logKind[first] === LogKind.Resource) first++;
  // (Not when the stint handed the runtime a callback before it: then the function it called did
  // that first, and the root is a call of that function's.)
  // (Nor when the stint's code chains that root with a library's promise method: the runtime that
  // called the function never chains its promise, so the function was a library's synchronous one
  // — async's deferred `() => fn(...args)` — and the root a call it made, the program's job.)
  // (Nor when it is a library's async function that the library's own code called: see
  // calledByLibrary; nor a function of the program's that a library hands on to once the stint's
  // request has answered: see handedOn.)
  const entry =
    how === StintEntry.Called &&
    !lead &&
    first < end &&
    logKind[first] === LogKind.Root &&
    !(consumer[first] !== -1 && logMade[consumer[first]] === Made.ByLibraryMethod) &&
    !calledByLibrary(first, serving) &&
    !handedOn(first, answered)
      ? first
      : -1;
  entryRoot = entry;
  parseStart = start;
  topSuspends = false;
  suspensions.length = 0;

  let top = -1; // stack depth - 1
  const current = () => (top >= 0 ? stack[top] : -1);
  /** Closes every call opened after `root`, and `root` itself, their extents ending before `at`. */
  const popTo = (root: number, at: number) => {
    while (top >= 0) {
      const r = stack[top--];
      isOpen[r] = 0;
      closedAt[r] = at;
      if (r === root) break;
    }
  };
  /** Closes every call opened after `root` (not `root` itself), their extents ending before `at`. */
  const popAbove = (root: number, at: number) => {
    while (top >= 0 && stack[top] !== root) {
      const r = stack[top--];
      isOpen[r] = 0;
      closedAt[r] = at;
    }
  };
  for (let i = start; i < end; i++) {
    switch (logKind[i]) {
      case LogKind.Root:
        level[i] = current();
        // `import()`'s promise is no function's: V8 makes it once Node's loader has begun the
        // import, and no code runs inside it. (Left open, it held the rest of an async function
        // that returns it, `async (m) => import(m)`, whose return the job taking it on shows: see
        // returnCuts.)
        if (logRooted[i] === Rooted.ByLibrary && logFrom[i] === CalledFrom.Import) {
          // Node's loader began the import from a function of its own that returned a promise
          // without awaiting (importModuleDynamicallyCallback): V8 had it back before making this
          // one, so that function and the calls it left open (Node's, and the runtime's promises
          // inside them) have returned. The promise is the program's function's, at its level.
          let s = -1;
          for (let u = top; u >= 0; u--) {
            const r = stack[u];
            if (logRooted[r] === Rooted.ByLibrary && logFrom[r] === CalledFrom.Runtime) s = u;
            else if (logRooted[r] !== Rooted.ByRuntime) break;
          }
          if (s !== -1) popTo(stack[s], i);
          level[i] = current();
          closedAt[i] = i + 1;
          isOpen[i] = 0;
          break;
        }
        closedAt[i] = end;
        isOpen[i] = 1;
        stack[++top] = i;
        break;
      case LogKind.Settle: {
        // The function returned (or the executor resolved): what follows is its caller's.
        const j = indexOf(logObj[i]);
        level[i] = current();
        if (j >= start && j < i && logKind[j] === LogKind.Root && isOpen[j] === 1) popTo(j, i);
        break;
      }
      case LogKind.Comb: {
        // The combinator consumes its members: calls still open among them have returned.
        let earliest = -1;
        for (const m of logObj[i] as unknown[]) {
          const j = indexOf(m);
          if (
            j >= start &&
            j < i &&
            logKind[j] === LogKind.Root &&
            isOpen[j] === 1 &&
            (earliest === -1 || j < earliest)
          )
            earliest = j;
        }
        if (earliest !== -1) popTo(earliest, i);
        level[i] = current();
        break;
      }
      case LogKind.Derived: {
        const j = logParentAt[i];
        if (isCombinatorLink(j, i)) {
          level[i] = current();
          break;
        }
        const parentOpen = j >= start && j < i && logKind[j] === LogKind.Root && isOpen[j] === 1;
        if (logWrapper[i] === 1 && parentOpen && consumer[i] === i + 1) {
          // `await value` in the function of root j.
          level[i] = j;
          level[i + 1] = j;
          popTo(j, i + 2);
          suspensions.push(i + 1, j);
          i++;
          break;
        }
        const live = parentOpen && logRooted[j] === Rooted.ByRuntime ? liveCallAbove(j, top) : -1;
        if (live !== -1) {
          // The runtime made j (`new Promise`): what consumes it is the function that runs now, a
          // call made after j — `await ready` as that function's first await. Roots above it were
          // the runtime's, done. And j's executor had returned before any call still open above it
          // began (no code inside it can name the promise it makes): those calls are not inside
          // it, nor inside the runtime's roots below them; such roots leave the stack.
          popAbove(live, i);
          let kept = 0;
          let gone = -1;
          for (let s = 0; s <= top; s++) {
            const r = stack[s];
            if (r !== live && r >= j && logRooted[r] === Rooted.ByRuntime) {
              isOpen[r] = 0;
              closedAt[r] = i;
              if (gone === -1) gone = s;
              continue;
            }
            if (gone !== -1) {
              // The runtime's roots left below r ended before r began.
              for (let u = gone; u < s; u++) if (closedAt[stack[u]] > r) closedAt[stack[u]] = r;
              gone = -1;
            }
            let up = level[r];
            while (up >= j && isOpen[up] === 0 && logRooted[up] === Rooted.ByRuntime) up = level[up];
            level[r] = up;
            stack[kept++] = r;
          }
          top = kept - 1;
        } else if (parentOpen)
          popTo(j, i); // its creator consumes it: the call has returned
        else if (top >= 0 && j >= start) {
          // A chain made before the innermost open call, consumed now: the consumer is not that
          // call when nothing ever consumes it — a library's `new Promise` left pending (a
          // pool's waiting client, say) whose extent the parse could not close. It ended before.
          let k = j;
          for (let n = 0; n < MAX_LOG && logKind[k] === LogKind.Derived; n++) {
            const p = logParentAt[k];
            if (p < start || p >= k) break;
            k = p;
          }
          // A function still running (known to be one) is not such a promise: it consumes the chain.
          while (
            top >= 0 &&
            stack[top] > k &&
            logUsed[stack[top]] === 0 &&
            isOpen[stack[top]] === 1 &&
            logRooted[stack[top]] < Rooted.ByCall
          ) {
            const r = stack[top];
            popTo(r, i);
          }
        }
        // An `await` is made by an async function that runs now; a `new Promise`'s executor is
        // synchronous and has returned: the runtime's roots still open above the innermost
        // function, that nothing in the stint consumed, leave (a `new ReadableStream`'s pending
        // promises, a gate `new Promise` kept for later — else the function's own await was taken
        // for theirs, and a statement before it, `audit().catch(log)`, for its await: seed
        // 165883). One something consumed may be an async generator's `next()`, whose body runs
        // and awaits inside it (the `for await` that awaits it: seed 166071): it stays.
        if (logMade[i] === Made.ByAwait) {
          let s = top;
          while (s >= 0 && logRooted[stack[s]] === Rooted.ByRuntime && logUsed[stack[s]] === 0) s--;
          // (Down to a function known to be running, or to the stint's own, resumed after an
          // await; a root not known to be either keeps what is above it.)
          if (s < top && (s >= 0 ? logRooted[stack[s]] >= Rooted.ByCall : how === StintEntry.Resumed))
            popTo(stack[s + 1], i);
        }
        const at = current();
        level[i] = at;
        if (logUsed[i] !== 0) break;
        // A function that settles later in the stint never suspended: its tails were statements.
        // In a stint that called a function, the code outside it (the runtime's, a synchronous
        // callback's) cannot await: its tails are statements too, and so is a link a promise
        // method made. The script's top level keeps what it starts (module loading makes many
        // such calls inside the runtime).
        let suspends: boolean;
        if (at !== -1 && settledAt[at] > i) suspends = false;
        else if (at === -1)
          suspends =
            how === StintEntry.Script ||
            (how === StintEntry.Resumed && !returned && !byMethod(i) && !goesOn(i, -1, end));
        else suspends = !goesOn(i, at, end);
        if (suspends) {
          if (at === -1) topSuspends = true;
          suspensions.push(i, at);
          if (top >= 0) popTo(stack[top], i + 1);
        } else {
          // A statement: the chain it ends was not awaited (unless a combinator awaits a link of
          // it). Up the chain to the call's root.
          let k = i;
          let awaited = false;
          for (let n = 0; n < MAX_LOG && logKind[k] === LogKind.Derived && !awaited; n++) {
            const p = logParentAt[k];
            if (p < start || p >= k) break;
            k = p;
            awaited = member[k] === 1;
          }
          // A library's code that chains the call's promise waits for it (see Made.ByLibraryMethod)
          // — for the program's call; its own call that it chains and leaves (a worker's
          // `jobs.add(this.processJob(job))`, the chain a `.then` statement) nobody awaits. Not
          // while the stint serves a request that has not responded: there a framework's own call
          // it chains is its way of waiting for the program's handler (Nest under express 5's
          // router, `handle(req, res, next).then(null, next)`, and Nest's own `next().then(…)`
          // that carries the handler's result on to the response) — the request's work, which
          // the response waits for, not a job handed off.
          // (A limiter's runner it chains and leaves there runs jobs side by side: Runner.SideBySide.)
          if (!awaited && logKind[k] === LogKind.Root) {
            // (An async function of Node's own that calls the program's function, chained by Node's
            // code, waits for it for the code that asked: CalledFrom.Runtime, runtimeCallback.)
            if (
              logMade[i] !== Made.ByLibraryMethod ||
              (logRooted[k] === Rooted.ByLibrary && !serving && !runtimeCallback(k, i))
            ) {
              unawaited[k] = 1;
              if (k !== i) chainTail[k] = i;
            } else if (logRooted[k] === Rooted.ByLibrary) leftServing[k] = 1;
            // A library's `new Promise(…)` that its own code chains and leaves (a pool's
            // `open().then(release)` whose open is no async function): see findDishes' libWork.
            else if (logRooted[k] === Rooted.ByRuntime) leftByLibrary[k] = 1;
          }
        }
        break;
      }
      default:
        level[i] = current();
    }
  }
  while (top >= 0) isOpen[stack[top--]] = 0;
  return { level, closedAt, entry };
}

/**
 * Whether root `k` is an async function of Node's own (CalledFrom.Runtime) that called a function of
 * the program's, before record `i`: web streams' `invokePromiseCallback`, which calls a stream's
 * `pull` (a sink's `write`, a transformer's `transform`) and returns its promise. Node's code that
 * chains it waits for the program's function for the code that asked (the reader), one call at a
 * time, as the runtime's own promise would: no library's call nobody awaited, whose function of the
 * program's would be a job. Node's async functions that call none of the program's (undici's, under
 * `fetch`) stay as a library's are.
 */
function runtimeCallback(k: number, i: number): boolean {
  if (logFrom[k] !== CalledFrom.Runtime) return false;
  for (let r = k + 1; r < i; r++) {
    if (logKind[r] !== LogKind.Root || logRooted[r] !== Rooted.ByCall) continue;
    let up = level[r];
    while (up > k && logRooted[up] === Rooted.ByRuntime) up = level[up];
    if (up === k) return true;
  }
  return false;
}

/**
 * The promises the async function of root `r` made and left at its own level before `stop`, each
 * with the end of its work (a call's extent; a link's own record): an async function that returns
 * a promise without awaiting it (`return db.insert(…)`) gives no sign of returning, and its extent
 * ran on into its caller's work — which a "resolve with a thenable" job, consuming the promise it
 * returned, shows later (FoundDish.cuts). An async function it called that is still open at `stop`
 * may be one that returned so itself (axios's `get`, returning its `request`'s promise): the
 * promises that function left at its own level are the places it may have returned at
 * (FoundDish.innerCuts), told by the job that consumes what it returned.
 */
function returnCuts(r: number, stop: number, dish: FoundDish): void {
  for (let i = r + 1; i < stop; i++) {
    // A promise the function chained with a statement of its own (`p.catch(log); return p;`) may
    // still be the one it returned: the chain's links, which nothing consumes, are the function's.
    let last = i;
    if (logUsed[i] !== 0) {
      let k = consumer[i];
      for (let n = 0; n < MAX_LOG && k > last && k < stop && logKind[k] === LogKind.Derived; n++) {
        last = k;
        if (logUsed[k] === 0) break;
        k = consumer[k];
      }
      if (last === i || logUsed[last] !== 0 || logWrapper[last] === 1 || level[last] !== r) continue;
    }
    if (!atOwnLevel(i, r)) continue;
    const cut = logKind[i] === LogKind.Root ? Math.max(closedAt[i], last + 1) : last + 1;
    if (cut < stop) (dish.cuts ??= []).push(i, cut);
    else if (
      logKind[i] === LogKind.Root &&
      (logRooted[i] === Rooted.ByCall || logRooted[i] === Rooted.ByLibrary)
    )
      for (let j = i + 1; j < stop; j++) {
        if (logUsed[j] !== 0 || !atOwnLevel(j, i)) continue;
        const inner = logKind[j] === LogKind.Root ? Math.max(closedAt[j], j + 1) : j + 1;
        if (inner < stop) (dish.innerCuts ??= []).push(j, inner, i);
      }
  }
}

/**
 * Whether record `i` is a promise made at the own level of the async function of root `r`: inside
 * no call of its, but perhaps inside a `new Promise` a library's function it called made (got's,
 * whose executor starts the request).
 */
function atOwnLevel(i: number, r: number): boolean {
  let up = level[i];
  while (up > r && logRooted[up] === Rooted.ByRuntime) up = level[up];
  return up === r && (logKind[i] === LogKind.Root || logKind[i] === LogKind.Derived);
}

/** A dish that is a call (not a combinator's member), records [root, stop) of the log. */
function callDish(
  root: number,
  stop: number,
  inAwaited: boolean,
  sideBySide: boolean,
  forLibrary: boolean,
  job = false,
): FoundDish {
  return {
    origin: root,
    start: root,
    end: stop,
    combinator: null,
    index: 0,
    comb: -1,
    parent: -1,
    inAwaited,
    sideBySide,
    forLibrary,
    job,
  };
}

/**
 * The first await after record `i` (a call's root, or the tail of a chain a statement left on it) of
 * the function `i` was made in, found by the parse (see `suspensions`), or -1: see
 * FoundDish.resumes. A `new Promise`'s executor cannot await: its maker is the function.
 */
function awaitsAfter(i: number): number {
  const of = (r: number): number => {
    while (r !== -1 && logRooted[r] === Rooted.ByRuntime) r = level[r];
    return r;
  };
  const fn = of(level[i]);
  for (let s = 0; s < suspensions.length; s += 2)
    if (suspensions[s] > i && of(suspensions[s + 1]) === fn) return suspensions[s];
  return -1;
}

/** Whether records (root, stop) hold work that runs later: a link, a callback, a resource. */
/**
 * Whether a combinator's `members` hold a promise made before the stint that begins at log index
 * `start` (none of its records are in the stint's log): one that does nothing of its own here.
 */
function racesEarlier(members: unknown[], start: number, indexOf: IndexOf): boolean {
  for (let m = 0; m < members.length; m++) {
    const p = members[m];
    if (p instanceof Promise && indexOf(p) < start) return true;
  }
  return false;
}

/**
 * Whether the records from `root` to `stop` are a deferral and nothing else: a promise the runtime
 * made settled (`Promise.resolve()`) and a chain of links a library's code hung on it — a
 * microtask of the library's own, no work beside.
 */
function deferralOnly(root: number, stop: number): boolean {
  if (logKind[root] !== LogKind.Root || logRooted[root] !== Rooted.ByRuntime || settledAt[root] === -1)
    return false;
  let tail = root;
  for (let i = root + 1; i < stop; i++) {
    if (logKind[i] === LogKind.Settle && settledAt[root] === i) continue;
    if (logKind[i] !== LogKind.Derived || logMade[i] !== Made.ByLibraryMethod || logParentAt[i] !== tail)
      return false;
    tail = i;
  }
  return tail !== root;
}

function leftWork(root: number, stop: number): boolean {
  for (let i = root + 1; i < stop; i++) {
    const k = logKind[i];
    if (k === LogKind.Derived || k === LogKind.Reg || k === LogKind.Resource) return true;
  }
  return false;
}

/** Whether DERIVED `i` is a link a promise method made (the program's or a library's). */
function byMethod(i: number): boolean {
  return logMade[i] === Made.ByMethod || logMade[i] === Made.ByLibraryMethod;
}

/**
 * The innermost root on the stack above root `j` (the runtime's) that is a function still running
 * (known to be an async function entered, not yet suspended), with nothing above it but roots the
 * runtime made: that function runs now. -1 when there is none, or when a root above it is not
 * known to be the runtime's.
 */
function liveCallAbove(j: number, top: number): number {
  for (let s = top; s >= 0 && stack[s] > j; s--) {
    const r = stack[s];
    if (logRooted[r] >= Rooted.ByCall) return r;
    if (logRooted[r] !== Rooted.ByRuntime) return -1;
  }
  return -1;
}

/**
 * In `goesOn`'s list of calls opened after a tail: the innermost one known to be a function still
 * running, above position `o` and with only the runtime's roots above it; -1 if none.
 */
function liveAbove(opened: readonly number[], o: number): number {
  for (let q = opened.length - 1; q > o; q--) {
    if (logRooted[opened[q]] >= Rooted.ByCall) return q;
    if (logRooted[opened[q]] !== Rooted.ByRuntime) return -1;
  }
  return -1;
}

/** Whether DERIVED `i` (of parent record `p`) is a combinator's own `.then` on a member it consumed. */
function isCombinatorLink(p: number, i: number): boolean {
  return p >= 0 && p < i && member[p] === 1 && consumer[p] < i && logKind[consumer[p]] === LogKind.Comb;
}

/**
 * Whether the function of root `at` (-1: the stint's own code) goes on after its tail `tail` (the
 * tail was a statement): before its promise is consumed (or the stint ends, for the stint's own
 * code and the function it called) it awaits again — a tail that is not inside a call made after
 * `tail`. A function suspends once per stint, so a second await means the first tail was no await.
 * Of a call nobody consumed, the first tail is taken for its await, unless it is known to be a link
 * made by a promise method.
 */
function goesOn(tail: number, at: number, end: number): boolean {
  const stop = at === -1 ? end : consumer[at] !== -1 ? consumer[at] : at === entryRoot ? end : -1;
  // Of a call nobody consumed, what follows may be its caller's: a chain statement goes on (its
  // call's awaits come later) and anything else is taken for its await.
  if (stop === -1) return byMethod(tail);
  let depth = 0;
  const opened: number[] = [];
  for (let k = tail + 1; k < stop && k < end; k++) {
    if (logKind[k] === LogKind.Root) {
      opened.push(k);
      depth++;
    } else if (logKind[k] === LogKind.Comb) {
      // As in the parse: the combinator consumes its members, so calls still open among them have
      // returned (a util.promisify'd member's `new Promise` stays open otherwise, and the caller's
      // await after the combinator was taken for that member's).
      const members = logObj[k] as unknown[];
      let o = 0;
      while (o < opened.length && !members.includes(logObj[opened[o]])) o++;
      opened.length = o;
      depth = o;
    } else if (logKind[k] === LogKind.Derived) {
      const p = logParentAt[k];
      if (isCombinatorLink(p, k)) continue;
      const o = opened.lastIndexOf(p);
      if (logWrapper[k] === 1) {
        // `await value` (or a thenable) in the function of root p: that function suspends.
        if (o === -1) {
          if (depth === 0) return true;
          continue;
        }
        depth = o;
        opened.length = o;
        if (consumer[k] === k + 1) k++;
        continue;
      }
      if (o !== -1) {
        // As in the parse: a promise the runtime made, consumed by a function still running above
        // it, was that function's await; the runtime's roots leave, the calls stay open.
        const live = logRooted[p] === Rooted.ByRuntime ? liveAbove(opened, o) : -1;
        if (live !== -1) {
          opened.length = live + 1;
          for (let q = live - 1; q >= o; q--)
            if (logRooted[opened[q]] === Rooted.ByRuntime) opened.splice(q, 1);
        } else {
          opened.length = o;
        }
        depth = opened.length;
      } else if (p >= parseStart && p < k) {
        // As in the parse: a chain made before the calls opened since, consumed now, is consumed by
        // none of the runtime's promises among them that nothing consumes (`new Promise`s whose
        // executors had returned: Node's `SafePromisePrototypeFinally` around a `timers/promises`
        // sleep given a signal makes two such, of a subclass, after its own chain on the sleep):
        // they leave, and an await on the chain is the function's own.
        let root = k;
        for (let n = 0; n < MAX_LOG && logKind[root] === LogKind.Derived; n++) {
          const up = logParentAt[root];
          if (up < parseStart || up >= root) break;
          root = up;
        }
        while (
          opened.length > 0 &&
          opened[opened.length - 1] > root &&
          logUsed[opened[opened.length - 1]] === 0 &&
          logRooted[opened[opened.length - 1]] < Rooted.ByCall
        )
          opened.pop();
        depth = opened.length;
      }
      // As in the parse: an `await` is a running function's, never a `new Promise` executor's.
      if (logMade[k] === Made.ByAwait) {
        let q = opened.length - 1;
        while (q >= 0 && logRooted[opened[q]] === Rooted.ByRuntime && logUsed[opened[q]] === 0) q--;
        if (
          q < opened.length - 1 &&
          (q >= 0 ? logRooted[opened[q]] : at === -1 ? Rooted.ByCall : logRooted[at]) >= Rooted.ByCall
        ) {
          opened.length = q + 1;
          depth = opened.length;
        }
      }
      if (logUsed[k] !== 0) continue;
      // A chain statement (`started.catch(noop);`) suspends nobody.
      if (byMethod(k)) continue;
      if (depth === 0) return true;
      opened.pop();
      depth--;
    }
  }
  return false;
}

/**
 * Whether root `r` is a function of the program's that a library's code called and whose promise
 * nothing consumed, while the stint serves a request: a callback API (passport's
 * `deserializeUser(id, done)`, a strategy's verify) that waits for the callback, not the promise,
 * or a router's dispatch that drops the handler's promise — entered from the library's own code (no
 * function of the program's below it on the stack), or from a function of the program's that called
 * the library's synchronous code (a middleware's `next()` after its await running the route's
 * handler; not a function a library's own async call runs: that is the job rule's). Like a call the
 * library chains, it is the request's work unless the library runs such calls side by side in the
 * task.
 */
function droppedByLibrary(r: number, serving: boolean): boolean {
  if (!serving || logRooted[r] !== Rooted.ByCall || logUsed[r] !== 0) return false;
  if (logFrom[r] === CalledFrom.Library) return true;
  if (!throughLibrary(r)) return false;
  let p = level[r];
  while (p !== -1 && logRooted[p] === Rooted.ByRuntime) p = level[p];
  return p === -1 || logRooted[p] !== Rooted.ByLibrary;
}

/** Whether root `r` is a function of the program's that a library's code called for the program's. */
function throughLibrary(r: number): boolean {
  return (
    logFrom[r] === CalledFrom.ProgramThroughLibrary || logFrom[r] === CalledFrom.ProgramThroughLibraryPromise
  );
}

/**
 * Whether root `r` is a library's async function that the library's own code called, with no
 * function of the program's below it on the stack (CalledFrom.Library): the runtime called a
 * synchronous function of the library's (a microtask's, a tick's, a timer's callback: p-queue 9's
 * `queueMicrotask(() => this.#next())` starting the next job's runner, cron's timer calling `void
 * this.fireOnTick()`), and this is a call that function made. So it is never the stint's own
 * function, even when it is the root made first or holds the stint's last await: left unconsumed,
 * it is a library's call nobody awaited, and the program's function it runs and waits for is a job
 * (findDishes). A library's callback that is itself an async function is entered by the runtime
 * (Node's frames, or the tracer's, below it) and stays the stint's own; so does a library's call the
 * program's own callback makes (a function of the program's below it: `setInterval(() =>
 * queue.add(job))`), and a program's function a library's callback calls and chains (DataLoader's
 * batch, in a tick of its own). Not while the stint serves a request that has not responded: there
 * a framework's call it makes and drops is the request running (see droppedByLibrary).
 */
function calledByLibrary(r: number, serving: boolean): boolean {
  return !serving && logRooted[r] === Rooted.ByLibrary && logFrom[r] === CalledFrom.Library;
}

/**
 * Whether root `r` is a function of the program's that a library's code called — directly, or as
 * the listener of an event it emitted — in a stint of a request that had answered when the stint
 * began (`answered`: its response ended). A request's work is over once it answered; what a
 * library calls then hands on what the request brought, as a connection's read hands on its
 * messages: socket.io on long polling answers the POST that carried its packets ("ok"), then
 * emits each packet's event from a tick of the POST's, and each handler nobody awaits is a dish of
 * the request, each call its own — never the stint's own function, the request's background work.
 * (Before the answer, the call a library makes and drops is the request running: express 4's
 * route handler, see droppedByLibrary. A function of the program's that the program's own
 * callback calls after the answer, `res.on('finish', () => log(req))`, stays that callback's.)
 */
function handedOn(r: number, answered: boolean): boolean {
  return (
    answered &&
    logRooted[r] === Rooted.ByCall &&
    (logFrom[r] === CalledFrom.Library || logFrom[r] === CalledFrom.LibraryEvent)
  );
}

/**
 * The call that the chain ending in the link `tail` hangs on (`handle(req, res).catch(next)`'s
 * `handle`) — a root the stint's own code made, which holds the stint's last await (that await
 * suspended it, or a call it made) — else -1.
 */
function chainedCall(tail: number, start: number): number {
  let k = tail;
  for (let n = 0; n < MAX_LOG && logKind[k] === LogKind.Derived; n++) {
    const p = logParentAt[k];
    if (p < start || p >= k) return -1;
    k = p;
  }
  if (logKind[k] !== LogKind.Root || level[k] !== -1 || suspensions.length === 0) return -1;
  for (let r = suspensions[suspensions.length - 1]; r !== -1; r = level[r]) if (r === k) return k;
  return -1;
}

/** Whether record `k`, or a link of the chain hung on it (first consumers), is a combinator's member. */
function chainsToMember(k: number): boolean {
  for (let n = 0; n < MAX_LOG && k !== -1; n++) {
    if (member[k] === 1 || logKind[k] === LogKind.Comb) return true;
    if (logKind[k] !== LogKind.Derived) return false;
    k = consumer[k];
  }
  return false;
}

/** Whether root `r` is the call of one of `dishes` that is a combinator's member. */
function isMember(dishes: readonly FoundDish[], r: number): boolean {
  return dishes.some((d) => d.comb !== -1 && d.origin === r);
}

/** Whether the call of root `r` is a library's that nobody awaited (p-queue's job runner, p-map's). */
function libraryUnawaited(r: number): boolean {
  if (logRooted[r] !== Rooted.ByLibrary) return false;
  if (unawaited[r] === 1) return true;
  return logUsed[r] === 0 && !awaitedThroughReturn(r);
}

/**
 * Whether root `b`, a call nobody consumed in the stint, is the promise the async function around
 * it returned (`return execute(…)`, no await: mercurius's handler returning graphql's executor,
 * which runs the program's resolvers): the caller of that function waits for it, through it. The
 * function around it neither settled (it returned no value) nor suspended in the stint, and did
 * nothing after the call (their extents end together). Up such returns to a call its caller
 * consumed (not by a chain nobody awaited), or to the stint's own function.
 */
function awaitedThroughReturn(b: number): boolean {
  for (let n = 0; n < MAX_LOG; n++) {
    const a = level[b];
    if (a === -1 || logKind[a] !== LogKind.Root) return false;
    if (logRooted[a] !== Rooted.ByCall && logRooted[a] !== Rooted.ByLibrary) return false;
    if (settledAt[a] !== -1 || closedAt[a] !== closedAt[b] || suspends(a)) return false;
    if (own[a] === 1 || (logUsed[a] !== 0 && unawaited[a] === 0)) return true;
    if (logUsed[a] !== 0) return false;
    b = a;
  }
  return false;
}

/** Whether the call of root `r` suspended in the stint (an await of its own was found). */
function suspends(r: number): boolean {
  for (let s = 1; s < suspensions.length; s += 2) if (suspensions[s] === r) return true;
  return false;
}

/**
 * Records [from, to) are the work of a dish the parse found (a combinator's member, a call nobody
 * awaited, a job): the request the stint serves waits for none of it through a library's call there.
 * A runner a library chains and leaves in that extent (a mapper called in a member's first stretch,
 * which runs in the request's stint) is the dish's, nobody awaits it, as the runners the library
 * starts later in the dish's own stints are: `serving` (see parse) is the request's own work only.
 */
function ownedByDish(from: number, to: number): void {
  for (let k = from; k < to; k++)
    if (leftServing[k] === 1) {
      leftServing[k] = 0;
      unawaited[k] = 1;
    }
}

/**
 * Whether root `r`, a library's call, serves a library's call nobody awaited (a job runner): it is
 * one, or the library's call it was made in awaits it (or chains it, the chain awaited) and that
 * one serves one — up to the stint's own code, which serves one when the stint resumed a job
 * runner (`job`). A runner may reach the program's function through helpers of its own that it
 * awaits (node-cron's unawaited executor awaits `runCoordinated`, which awaits `runTask`, which
 * awaits `execute`, which calls yours): each helper's wait is the runner's. A combinator's member
 * is not followed: the library runs it beside others (a worker's loops, each its own). The
 * stint's own function, a library's, serves one when `entry` (a scheduler's timer firing).
 */
function servesJobRunner(r: number, job: boolean, entry: boolean): boolean {
  for (let n = 0; n < MAX_LOG; n++) {
    if (logRooted[r] !== Rooted.ByLibrary) return false;
    if (own[r] === 1) return entry;
    if (libraryUnawaited(r)) return true;
    const c = consumer[r];
    if (c === -1 || logKind[c] !== LogKind.Derived) return false;
    let up = level[r];
    while (up !== -1 && logRooted[up] === Rooted.ByRuntime) up = level[up];
    if (up === -1) return job;
    r = up;
  }
  return false;
}

/**
 * The dishes the stint of records [start, end) started, with each record's dish (`owner`: index in
 * the returned list, -1 for the stint's own task), given how the stint began; and `runs`: the
 * awaits (records) whose continuation resumes a library's call nobody awaited — `runner` says
 * the stint is such a continuation itself (see the runner rule below); `loops`: the records whose
 * work carries a library's loop on (Runner.Loop); `defers`: pairs of a link of a library's deferral
 * nobody awaits and its next link (see the deferral rule below).
 */
export function findDishes(
  start: number,
  end: number,
  indexOf: IndexOf,
  how: StintEntry,
  returned = false,
  lead = false,
  serving = false,
  runner: Runner = Runner.None,
  answered = false,
  thenable = false,
  layer = false,
): {
  dishes: FoundDish[];
  owner: Int32Array;
  runs: number[];
  sideRuns: number[];
  loops: number[];
  libs: number[];
  layers: number[];
  defers: number[];
} {
  // A tick's or microtask's callback is a function the runtime called (StintEntry.Queued).
  const queued = how === StintEntry.Queued;
  if (queued) how = StintEntry.Called;
  // A timer's or immediate's callback too (StintEntry.Fired, FiredSync).
  const fired = how === StintEntry.Fired || how === StintEntry.FiredSync;
  if (fired) how = how === StintEntry.Fired ? StintEntry.Called : StintEntry.CalledSync;
  const { level, entry } = parse(start, end, indexOf, how, returned, lead, serving, answered);
  const dishes: FoundDish[] = [];
  const resumesRunner = runner !== Runner.None && how === StintEntry.Resumed;

  // The stint's own function, when the stint called one (a request handler that `emit` called, a
  // timer's callback) rather than resuming one: the root made first (unless the function is known
  // not to be async: CalledSync), and the outermost root nobody consumed that holds the stint's
  // last await. Calls it made without awaiting them are dishes,
  // even when one of them made the last await (a handler that ends `sendEmail(x);`).
  if (entry !== -1) own[entry] = 1;
  for (let i = end - 1; (how === StintEntry.Called || how === StintEntry.CalledSync) && i >= start; i--) {
    if (logKind[i] !== LogKind.Derived || logUsed[i] !== 0) continue;
    let outermost = -1;
    for (let r = level[i]; r !== -1; r = level[r])
      if (logUsed[r] === 0 && !calledByLibrary(r, serving) && !handedOn(r, answered)) outermost = r;
    // A chain statement on a call is a call nobody awaited like a bare call: a synchronous listener
    // that ends `handle(req, res).catch(next);` holds the stint's last await in `handle` as one
    // that ends `handle(req, res);` does — also after it handed the runtime a callback (a tick of
    // `req.resume()`, a deadline's timer), when its call is no longer the root made first.
    if (outermost === -1 && entry === -1 && level[i] === -1) {
      const k = chainedCall(i, start);
      if (k !== -1 && unawaited[k] === 1 && !calledByLibrary(k, serving) && !handedOn(k, answered))
        outermost = k;
    }
    if (outermost !== -1) own[outermost] = 1;
    break;
  }
  // A tick's or microtask's callback runs in the lane of the code that queued it, and every call it
  // makes at its own level and does not await is that code's work, as the first one and the one
  // holding the last await are above (README: `process.nextTick(() => flush())`): not only those
  // two — the calls between them were dishes (`queueMicrotask(() => { a(); b(); c(); })`: `b` a
  // task), and so was a second call whose chain statement held the last await (`a().catch(log);
  // b().catch(log);`: `b`). (A library's own async function that its code calls there is still no
  // such call: calledByLibrary.)
  // So does a timer's or an immediate's callback (README: "what your own timer callback calls
  // (`setInterval(() => tick())`) stays the timer's work"): each call the program's own code makes
  // there — not a scheduler's call of your function (toad-scheduler's `task()`, a job of the
  // timer's: CalledFrom.Library), nor one through a library's code (a queue's synchronous `add`).
  for (let r = start; (queued || fired) && r < end; r++) {
    if (logKind[r] !== LogKind.Root || logRooted[r] !== Rooted.ByCall) continue;
    if (logUsed[r] !== 0 && unawaited[r] === 0) continue;
    if (fired && logFrom[r] !== CalledFrom.Program && logFrom[r] !== CalledFrom.Unknown) continue;
    let around = level[r];
    while (around !== -1 && logRooted[around] === Rooted.ByRuntime) around = level[around];
    if (around === -1 && !calledByLibrary(r, serving) && !handedOn(r, answered)) own[r] = 1;
  }
  // A stint that resumed a function which did not return ends with that function's await: a root
  // nobody consumed that holds it only seems to (a library's `new Promise` whose extent the parse
  // could not close) and is no call of the function's.
  for (let i = end - 1; how === StintEntry.Resumed && !returned && i >= start; i--) {
    if (logKind[i] !== LogKind.Derived || logUsed[i] !== 0) continue;
    for (let r = level[i]; r !== -1; r = level[r]) if (logUsed[r] === 0 && unawaited[r] === 0) own[r] = 1;
    break;
  }
  const resumesJob = resumesRunner && runner === Runner.Job;
  // A timer task's timer firing (dishes.ts firesTimer): the library's code it runs (a scheduler's:
  // node-cron's heartbeat, cron's and toad-scheduler's callbacks) runs the program's function
  // each time and waits for nobody — the program's function it calls is a job, as one a library's
  // call nobody awaited runs. The program's own callback and what it calls are the timer's work.
  const firesJobs = runner === Runner.Job && (how === StintEntry.Called || how === StintEntry.CalledSync);
  // The extents of a library's loops found in this stint (see Runner.Loop), as pairs [root, stop).
  const loops: number[] = [];
  // Combinator members: each member's work runs from the first record of the call that made it to
  // the first record of the next member's.
  for (let c = start; c < end; c++) {
    if (logKind[c] !== LogKind.Comb) continue;
    const members = logObj[c] as unknown[];
    const origins: Array<[number, number]> = [];
    for (let m = 0; m < members.length; m++) {
      let j = indexOf(members[m]);
      if (j < start || j >= c) continue;
      // Up the member's chain (`.then`s, `.catch`s) to the call's root — not past a promise another
      // member's chain hangs on too, in this combinator or an earlier one: a connection the first
      // member's call made, which each member's call chains (`getClient().then(…)`, the client
      // connected by the first call), is that call's; the later members' calls begin with their own
      // link. (A statement's chain on it, `p.catch(log)`, is no member's.)
      for (let k = 0; k < MAX_LOG && logKind[j] === LogKind.Derived; k++) {
        const p = logParentAt[j];
        if (p < start || p >= j || (consumer[p] !== j && chainsToMember(consumer[p]))) break;
        j = p;
      }
      if (origins.some(([o]) => o === j)) continue;
      origins.push([j, m]);
    }
    origins.sort((a, b) => a[0] - b[0]);
    // A library's combinator runs side by side only members that each left work: one that races a
    // single call against promises that do nothing of their own (postgres.js's `sql.begin`, the
    // transaction against the connection's close) runs nothing beside it, and that call is the
    // library's business, in the lane of the code that asked for it (with the program's function
    // it runs: the transaction's callback). A combinator given one member (a GraphQL executor's
    // object of one field) makes it a member as before.
    const { byLibrary, name } = logParent[c] as { byLibrary: boolean; name: string };
    // (Nor does a library's deferral that a race or any sets against its call: `Promise.resolve()
    // .then(…)` hung by the library's code, to settle in a microtask — @hono/node-server's
    // `readWithoutBlocking`, racing a response body's read against one, to read without waiting.)
    if (byLibrary && origins.length >= 2) {
      const probe = name === 'race' || name === 'any';
      let working = 0;
      for (let k = 0; k < origins.length; k++) {
        const stop = k + 1 < origins.length ? origins[k + 1][0] : c;
        if (leftWork(origins[k][0], stop) && !(probe && deferralOnly(origins[k][0], stop))) working++;
      }
      if (working < 2) continue;
    }
    // So does a library's race of its one call against a promise it made before this stint, which
    // does nothing here (catbox's `Promise.race([pending.promise, this._generate(…)])`: the pending
    // lookup that the generated value, or its timeout, settles): the call, and the program's
    // function it runs (hapi's cached server method), are the work of the code that asked.
    if (
      byLibrary &&
      origins.length === 1 &&
      (name === 'race' || name === 'any') &&
      racesEarlier(members, start, indexOf)
    )
      continue;
    for (let k = 0; k < origins.length; k++) {
      const [origin, m] = origins[k];
      // `import()`'s promise given as it is (`Promise.all([import('./a.mjs'), import('./b.mjs')])`):
      // no call of the program's — Node's loader's, the runtime's code. The module's loading and
      // its top level are the work of the code that awaits the combinator, as they are of the code
      // that awaits one `import()` (before, each was a member, `all[0]`, and the second module's
      // loader, which begins before `import()`'s own promise is made, ran in the first's lane).
      if (
        logKind[origin] === LogKind.Root &&
        logRooted[origin] === Rooted.ByLibrary &&
        logFrom[origin] === CalledFrom.Import
      )
        continue;
      let stop = k + 1 < origins.length ? origins[k + 1][0] : c;
      // A call of an async function (its extent known: until it awaited, returned or was consumed)
      // ends there, or with the promise the combinator was given (`a().then(f)`'s link): what the
      // code calling the combinator did after it, before the next member's call, is that code's
      // (graphql's executor resolving the next field, and the fields of an object it returned,
      // whose members are then the request's, not this member's).
      if (
        logKind[origin] === LogKind.Root &&
        (logRooted[origin] === Rooted.ByCall || logRooted[origin] === Rooted.ByLibrary) &&
        closedAt[origin] < stop
      ) {
        const last = Math.max(closedAt[origin], indexOf(members[m]) + 1);
        if (last < stop) stop = last;
      }
      // A call whose first record is a promise the runtime made (a function that is not async,
      // returning a chain on `new Promise`) has no extent of its own: its work runs to the next
      // member's call. But when the promise the combinator was given is a link a library's code hung
      // on the call's chain (a GraphQL executor's `.then` completing what a resolver returned), the
      // call had returned by then, and its executor before the chain's first link: what the code
      // calling the combinator did after that link — the executor resolving the next field, and the
      // fields of a plain object or list that field returned, whose members are the request's — is
      // that code's, not this member's.
      if (logKind[origin] === LogKind.Root && logRooted[origin] === Rooted.ByRuntime) {
        const given = indexOf(members[m]);
        if (
          given > origin &&
          given + 1 < stop &&
          logKind[given] === LogKind.Derived &&
          logMade[given] === Made.ByLibraryMethod
        )
          stop = given + 1;
      }
      // A library's own work given as it is to its own combinator — a promise the runtime made
      // (`new Promise` around a loop of callbacks, Bull 4's worker loops) or a call of the
      // library's (a pool's worker loop) — is no dish: no function of the program's is what the
      // combinator waits for. It is the library's loop (Runner.Loop), in the lane of the code that
      // asked the library; the program's functions it runs, now or in any later stint of its
      // work, are its jobs. (Not a chain the library hangs on a promise to complete a value — a
      // GraphQL executor's `.then` on what a resolver returned: that member is the resolver's.)
      if (
        byLibrary &&
        logKind[origin] === LogKind.Root &&
        (logRooted[origin] === Rooted.ByRuntime || logRooted[origin] === Rooted.ByLibrary) &&
        members.includes(logObj[origin]) &&
        leftWork(origin, stop)
      ) {
        loopRoot[origin] = 1;
        loops.push(origin, stop);
        continue;
      }
      // A call that returned before the combinator had it, leaving nothing behind (a cache hit,
      // `Promise.resolve(x)`), did all its work in this stint: there is no dish to cook later.
      if (logKind[origin] === LogKind.Root && settledAt[origin] !== -1 && !leftWork(origin, stop)) continue;
      dishes.push({
        origin,
        start: origin,
        end: stop,
        combinator: (logParent[c] as { name: string }).name,
        index: m,
        comb: c,
        parent: -1,
        inAwaited: false,
        sideBySide: false,
        forLibrary: false,
        job: false,
      });
      ownedByDish(origin, stop);
    }
  }

  // A function of the program's that a library's loop calls (Runner.Loop), from the library's own
  // code: in the stint that started the loop, inside its extent; in a stint of its work (the
  // stint's own code is the library's: a tick, a `.then` callback, a resumed function of the
  // library's), anywhere the library's code made the call — its own function too, should the
  // runtime call the program's for the loop. A job, whatever the library does with its promise:
  // awaits it, chains it (Bull's `handler(job).then(completed)`), returns it or drops it; and a
  // dish the library waits for (FoundDish.forLibrary): returned to the library's chain, it is not
  // folded into the loop's lane. Not one the program's own code calls (a function of the
  // program's on the stack below it).
  const inLoop = runner === Runner.Loop && how !== StintEntry.Script;
  for (let r = start; r < end; r++) {
    loopJob[r] = 0;
    if (logKind[r] !== LogKind.Root || logRooted[r] !== Rooted.ByCall) continue;
    if (own[r] === 1 && !inLoop) continue;
    let p = level[r];
    let found = false;
    for (; p !== -1 && !found; p = level[p]) {
      if (logRooted[p] !== Rooted.ByLibrary && logRooted[p] !== Rooted.ByRuntime) break;
      found = loopRoot[p] === 1;
    }
    if (!found && !(p === -1 && inLoop)) continue;
    if (dishes.some((d) => d.comb !== -1 && d.origin === r)) continue;
    const stop = closedAt[r];
    if (!leftWork(r, stop)) continue;
    loopJob[r] = 1;
    dishes.push(callDish(r, stop, false, false, true, true));
    ownedByDish(r, stop);
  }

  // Calls nobody awaited (their promise not consumed, or consumed by a chain nobody awaited) that
  // left work behind in their extent: everything logged while the call was open was made inside
  // it (the parse is a stack).
  for (let r = start; r < end; r++) {
    if (logKind[r] !== LogKind.Root || own[r] === 1 || loopJob[r] === 1) continue;
    if (logUsed[r] !== 0 && unawaited[r] === 0) continue;
    // A combinator awaits the call it was given through a chain, whatever else chains it (Apollo's
    // `.then` statement on a resolver's promise, taken for a chain nobody awaited before its place
    // is known): the member is its dish.
    if (isMember(dishes, r)) continue;
    // The script's top level (a CommonJS script's, an ES module's body) keeps what it calls, in
    // the executors of the promises it makes too (a library loaded there can leave one pending,
    // whose extent the parse cannot close).
    let around = level[r];
    while (around !== -1 && logRooted[around] === Rooted.ByRuntime) around = level[around];
    if (how === StintEntry.Script && around === -1) continue;
    if (around !== -1 && logRooted[around] === Rooted.Module) continue;
    // `new Promise(…)` is no call: what its executor started is its maker's; nor is the runtime's
    // own function (ByLibrary, Module) a dish.
    if (logRooted[r] !== Rooted.ByCall && logRooted[r] !== Rooted.Unknown) continue;
    // A function of the program's that a library's code calls and drops while a request waits
    // (passport's `deserializeUser(id, done)`, a callback API that waits for `done`; a router's
    // dispatch from a middleware's `next()` after its await): a candidate below, as a call the
    // library chains is.
    if (droppedByLibrary(r, serving)) continue;
    const stop = closedAt[r];
    if (!leftWork(r, stop)) continue;
    let inAwaited = false;
    for (let p = level[r]; p !== -1 && !inAwaited; p = level[p])
      inAwaited = logUsed[p] !== 0 && unawaited[p] === 0;
    // Inside the library's calls, up to one nobody awaited (see FoundDish.forLibrary) — not the
    // stint's own function, which the runtime called: a framework's async request listener that
    // returns the handler's promise (`async (req, res) => handler(req, res)`) is the request
    // running, and the handler it returns is folded into the request as any returned call is. Nor
    // a library's call that a helper of its returns unawaited to code that awaits the helper
    // (awaitedThroughReturn: Nest's `handler` arrow, which `intercept` returns to the route's
    // listener): the library waits for it, and the program's call it returns — a service's call
    // that the route's plain handler returned — folds as a returned call.
    let forLibrary = false;
    let p = around;
    for (; p !== -1 && !forLibrary; p = level[p]) {
      const rooted = logRooted[p];
      if (rooted !== Rooted.ByLibrary && rooted !== Rooted.ByRuntime) break;
      forLibrary = rooted === Rooted.ByLibrary && own[p] === 0 && libraryUnawaited(p);
    }
    // Called by the code of a stint that resumed a job runner, with no function of the program's
    // between (bee-queue's `.then` callback calling your handler through promise-callbacks'
    // `new Promise`, whose executor resolves with the handler's promise): a job, which the library
    // waits for however it takes its promise.
    const job =
      !forLibrary &&
      p === -1 &&
      (resumesJob || (firesJobs && logFrom[r] === CalledFrom.Library)) &&
      logRooted[r] === Rooted.ByCall;
    const dish = callDish(
      r,
      stop,
      inAwaited,
      false,
      logRooted[r] === Rooted.ByCall && (forLibrary || job),
      job,
    );
    if (logRooted[r] === Rooted.ByCall) returnCuts(r, stop, dish);
    if (chainTail[r] !== -1) dish.tail = chainTail[r];
    const resumes = awaitsAfter(chainTail[r] !== -1 ? chainTail[r] : r);
    if (resumes !== -1) dish.resumes = resumes;
    dishes.push(dish);
    ownedByDish(r, stop);
  }

  // A function of the program's that a library's call nobody awaited runs and waits for (a job
  // queue's `add(job)` calling `run`, which awaits `job()`; the next job started from the finished
  // one's continuation): the library's call is no dish, its business is the library's, but the
  // program's function it runs is work the program handed off and did not wait for — a dish, as
  // the program's own call nobody awaited is. Only a call the library made itself: one made by a
  // function of the program's inside it is that function's business. And not the stint's own
  // function (the runtime called it, and drops its promise): a framework's async request listener
  // (@hono/node-server's, h3's toNodeListener) that awaits the route's handler is the request
  // running, no call anybody handed off. The library's call may run the program's function after
  // an await of its own (p-map's runner awaits the item first): then the stint resumes the
  // library's call (`runner`), and the program's function is called by the stint's own code.
  for (let r = start; r < end; r++) {
    if (logKind[r] !== LogKind.Root || logRooted[r] !== Rooted.ByCall || loopJob[r] === 1) continue;
    if (logUsed[r] === 0 || unawaited[r] === 1) continue; // a call nobody awaited: found above
    let found = false;
    let p = level[r];
    for (; p !== -1 && logRooted[p] === Rooted.ByRuntime; p = level[p]);
    if (p === -1 ? !resumesRunner && !firesJobs : logRooted[p] !== Rooted.ByLibrary) continue;
    // Called by the stint's own code, which resumed a library's runner (see Runner), or by a
    // library's code that a scheduler's timer runs (no function of the program's on the stack).
    const resumed = p === -1;
    found = resumed && (resumesRunner || logFrom[r] === CalledFrom.Library);
    // The library's call nobody awaited that runs it, when the stint made it (its extent is the runner's).
    let runnerCall = -1;
    for (; p !== -1 && !found; p = level[p]) {
      const rooted = logRooted[p];
      if (rooted !== Rooted.ByLibrary && rooted !== Rooted.ByRuntime) break;
      found = libraryUnawaited(p) && own[p] === 0;
      if (found) runnerCall = p;
    }
    // Reached through the library's helpers that the stint's own code awaits, in a stint that
    // resumed a job runner or a scheduler's timer runs (see servesJobRunner).
    if (!found && p === -1 && (resumesJob || (firesJobs && logFrom[r] === CalledFrom.Library))) found = true;
    if (!found) continue;
    const stop = closedAt[r];
    if (!leftWork(r, stop)) continue;
    // A call a combinator was given (through the chain the library made on it: graphql's resolver,
    // its `.then`s given to `Promise.all`, inside mercurius's handler that returns the executor's
    // promise unawaited) is a dish already, as that member: one call, one dish.
    if (isMember(dishes, r)) continue;
    // Run by a framework's or a limiter's call while a request waits: a job only side by side.
    const side = resumed && resumesRunner && runner === Runner.SideBySide;
    const dish = callDish(r, stop, false, side, false, !side);
    if (side) dish.byRunner = true;
    if (runnerCall !== -1) dish.runnerEnd = closedAt[runnerCall];
    dishes.push(dish);
    if (!side) ownedByDish(r, stop);
  }

  // The awaits whose continuation resumes a library's call nobody awaited, or a helper of the
  // library's such a call awaits (not the stint's own function: see the job rule above), read once the dishes that hold some of them are known.
  const runs: number[] = [];
  const sideRuns: number[] = [];
  for (let s = 0; s < suspensions.length; s += 2) {
    const at = suspensions[s + 1];
    const kind =
      at === -1
        ? resumesRunner
          ? runner
          : Runner.None
        : own[at] === 1
          ? firesJobs && logRooted[at] === Rooted.ByLibrary
            ? Runner.Job
            : Runner.None
          : libraryUnawaited(at)
            ? Runner.Job
            : leftServing[at] === 1
              ? Runner.SideBySide
              : servesJobRunner(at, resumesJob, firesJobs)
                ? Runner.Job
                : Runner.None;
    if (kind === Runner.Job) {
      runs.push(suspensions[s]);
      // A chain of the library's own links that the runner awaits (bee-queue's
      // `finally_(this._getNextJob().then((job) => …))`): each link's callback is the library's
      // code, run for the runner — the program's function it calls is a job.
      for (
        let k = logParentAt[suspensions[s]];
        k >= start &&
        logKind[k] === LogKind.Derived &&
        logMade[k] === Made.ByLibraryMethod &&
        logWrapper[k] === 0;
        k = logParentAt[k]
      )
        runs.push(k);
    } else if (kind === Runner.SideBySide) sideRuns.push(suspensions[s]);
  }
  // A library's deferral nobody awaits: a chain its code hangs on a promise the runtime made
  // settled and leaves, a link of which hands its callback's outcome on to the next link
  // (`Promise.resolve().then(() => this.execute(fn)).then(resolve)`, cockatiel's bulkhead starting
  // a queued job from the wrap-up of the one before). Such a link's callback is the library's code
  // run for nobody that waits here, as a runner's: the program's function it calls and waits for
  // is a job — the work of the task whose wait the next link then settles (the member whose call
  // queued it: dishes.ts jobSettles), not of the code in whose lane the library happened to start
  // it. (A link whose outcome nobody takes is the library scheduling its own business in that
  // lane: DataLoader's `resolved.then(() => process.nextTick(dispatch))`, whose batch is the work
  // of the member whose `load` queued it; web streams' `.then` on a stream's start calling its
  // `pull`, the reader's. A pending `new Promise` of the library's it chains so — a pool's
  // `open().then(release)` — is the library's business too: libWork below.)
  const defers: number[] = [];
  for (let r = start; r < end; r++) {
    if (logKind[r] !== LogKind.Root || leftByLibrary[r] === 0 || settledAt[r] === -1) continue;
    if (!byLibraryCode(r, -1)) continue;
    for (let k = consumer[r], n = 0; k > r && k < end && logKind[k] === LogKind.Derived && n < MAX_LOG; n++) {
      const next = consumer[k];
      if (
        logMade[k] !== Made.ByLibraryMethod ||
        next <= k ||
        next >= end ||
        logKind[next] !== LogKind.Derived
      )
        break;
      runs.push(k);
      defers.push(k, next);
      k = next;
    }
  }

  // A function of the program's that a library's own code calls and chains with `.then` (async's
  // queue and mapLimit, a limiter's `schedule`, fastify's route handler): from one stint a queue's
  // job and a framework's handler look alike — the library's code, entered from a callback of its
  // own, calls the program's function and waits for it. What tells them apart is what a dish is:
  // work that runs side by side with other work of the task. A framework runs one handler of a
  // request at a time (a hook, then the handler, each once the one before settled); a queue or a
  // limiter runs its jobs side by side. So such a call is a candidate, and dishSort.ts makes it a
  // dish only when another candidate of the task runs at the same time. Only a call the library
  // made from its own code: one made inside a function of the program's (a middleware calling
  // `next()` that runs the handler) is that function's business, and so is one made by a function
  // the stint resumed that awaits again (still running: it may be the program's), unless the
  // library made several side by side there. A `.then` callback (the library's, on the job before)
  // has no await of its own; a function that returned is over.
  const candidates: number[] = [];
  let underOwn = false;
  const called = calledPairs;
  for (let r = start; r < end; r++) {
    if (logKind[r] !== LogKind.Root || logRooted[r] !== Rooted.ByCall || own[r] === 1 || loopJob[r] === 1)
      continue;
    if (!droppedByLibrary(r, serving)) {
      if (logUsed[r] === 0 || unawaited[r] === 1) continue;
      const c = consumer[r];
      if (c === -1 || logKind[c] !== LogKind.Derived || logMade[c] !== Made.ByLibraryMethod) continue;
    }
    // Whether a library's call that the code calling it waits for holds it (a `new Promise` of the
    // library's that the program awaits: async's `await mapLimit(…)`), up to the program's code.
    let waited = false;
    let p = level[r];
    for (; p !== -1 && (logRooted[p] === Rooted.ByLibrary || logRooted[p] === Rooted.ByRuntime); p = level[p])
      if (logUsed[p] !== 0 && unawaited[p] === 0) waited = true;
    // Reached through the library's synchronous code that a function of the program's called
    // (`queue.add(job)`, a router's `next()`), with nothing between that the caller waits for.
    const through =
      !serving &&
      !waited &&
      (logFrom[r] === CalledFrom.ProgramThroughLibrary || logFrom[r] === CalledFrom.ProgramViaLibrary);
    // A layer: a function the library calls from its own code and chains (a router's first layer, a
    // helper's one function, a framework's handler), or one it reaches through the `next()` a layer
    // calls — from the layer's first lines (p), or from a stint that resumed a layer (`layer`).
    const inLayer = p === -1 ? layer && how === StintEntry.Resumed : layerAt[p] === 1;
    // The stint's own function, which the runtime called (an async request listener, express 4's
    // route handler), is the stint's own code as a function the stint resumed is: calls the library
    // made side by side inside it, before its first await (`await async.mapLimit(…)` as its first
    // line), are candidates too. So are those made inside a function of the program's that the
    // stint called (an awaited helper's first lines: `await helper()` whose `queue.add(job)`s start
    // two jobs), but only several side by side inside that same function (see below).
    const inCalled = p !== -1 && own[p] === 0;
    // (One that returned in the stint runs no more.)
    if (settledAt[r] !== -1) continue;
    const stop = closedAt[r];
    if (!leftWork(r, stop)) continue;
    // A call a combinator was given (through the chain the library made on it: a GraphQL
    // executor's resolver, which Apollo's instrumentation chains and graphql's `Promise.all`
    // awaits) is a dish already, as that member: one call, one dish.
    if (isMember(dishes, r)) continue;
    // Nor one found a job above (a library's `.then` on a job a scheduler's timer runs).
    if (dishes.some((d) => d.job && d.origin === r)) continue;
    // A function of the program's that a library's synchronous code calls and chains inside a call
    // of the library's that the program's code made and does not wait for — a queue's synchronous
    // `add(job)` that calls `job().then(…)` — is a job of its own from its start, as one an async
    // `add` runs is, a child of the task that added it: the program handed it off. Not while a
    // request waits for its response (a framework's `next()` there is the request running), nor
    // inside a layer (a router's `next()` calling the next layer: the layers run one at a time).
    if (through && !inLayer) {
      // (The library's synchronous code returned once it chained the job: its `.then` on the job's
      // promise is all it left, and what follows is the code that added the job.)
      const dish = callDish(r, stop, false, false, false, true);
      dish.runnerEnd = stop;
      dishes.push(dish);
      ownedByDish(r, stop);
      continue;
    }
    if (!serving) layerAt[r] = 1;
    if (inCalled) {
      called.push(r, p);
      continue;
    }
    candidates.push(r);
    if (p !== -1) underOwn = true;
  }
  // Inside a function of the program's the stint called: only calls the library made side by side
  // in that very function, not one each in functions nested in one another (a middleware whose
  // `next()` runs the next one, which runs the handler). Before 2026-12-05 none: the first jobs a
  // queue started inside an awaited helper were its caller's work, the later ones tasks.
  for (let i = 0; i < called.length; i += 2) {
    let beside = 0;
    for (let j = 0; j < called.length; j += 2) if (called[j + 1] === called[i + 1]) beside++;
    if (beside < 2) continue;
    candidates.push(called[i]);
    underOwn = true;
  }
  called.length = 0;
  // Several side by side are the library's jobs, not layers run one at a time.
  if (candidates.length >= 2) for (const r of candidates) layerAt[r] = 0;
  // The awaits whose continuation resumes a layer (see layerAt), marked for the stint that resumes
  // it (Segment.layer): the layer's own, and those of a function it reached through the library.
  const layers: number[] = [];
  for (let s = 0; !serving && s < suspensions.length; s += 2) {
    const at = suspensions[s + 1];
    if (at === -1 ? layer && how === StintEntry.Resumed : layerAt[at] === 1) layers.push(suspensions[s]);
  }
  for (let i = start; i < end; i++) layerAt[i] = 0;
  // Reached from a function of the program's (the stint's own, a function the stint resumed that
  // is still running, or one below the library's code on the stack: express's `next()`), only
  // calls the library made side by side in this very stint (async's `mapLimit` starting its first
  // jobs inside the program's `await mapLimit(…)`): they are no handler that function reached
  // through the library.
  for (const r of candidates) {
    if (candidates.length < 2 && (topSuspends || underOwn || throughLibrary(r))) continue;
    const stop = closedAt[r];
    const dish = callDish(r, stop, false, true, false);
    const c = consumer[r];
    dish.link = c !== -1 && logKind[c] === LogKind.Derived && logMade[c] === Made.ByLibraryMethod ? c : -1;
    dishes.push(dish);
  }
  // A library's own call nobody awaited (a pool opening a connection: `this.open().then(release)`,
  // the chain a statement), outermost: the records its code made (not those of a function of the
  // program's it reached) carry it on, as pairs (record, the call's root). See engine.ts runsAs.
  const libWork: number[] = [];
  for (let r = start; r < end; r++) {
    if (logKind[r] !== LogKind.Root || own[r] === 1 || r === entry || loopRoot[r] === 1) continue;
    if (
      logRooted[r] === Rooted.ByLibrary
        ? !(libraryUnawaited(r) || leftServing[r] === 1)
        : logRooted[r] !== Rooted.ByRuntime || leftByLibrary[r] === 0
    )
      continue;
    // Made by the library's code inside calls the asker awaits (a pool's query, its acquire):
    // not inside one nobody awaits (p-queue's `add`, whose runners run the program's jobs later,
    // and a mapper nobody awaits: their own business, in the lane of the code that made them).
    // Or, in a stint of work a library's thenable's `then` started (`thenable`: the job in which the
    // runtime calls `then` for the code that awaits the thenable or gave it to a combinator, or a
    // microtask it queued — postgres.js's query starts so, and may open a connection there), by
    // the library's own code at the stint's top level: the thenable is the call the asker awaits.
    let caller = level[r];
    while (caller !== -1 && logRooted[caller] === Rooted.ByRuntime) caller = level[caller];
    let mine =
      caller !== -1
        ? logRooted[caller] === Rooted.ByLibrary
        : thenable && (logRooted[r] === Rooted.ByRuntime || logFrom[r] === CalledFrom.Library);
    // Up to the program's own function around them (the asker's code, a dish or awaited).
    for (let p = level[r]; p !== -1 && mine && logRooted[p] !== Rooted.ByCall; p = level[p])
      mine =
        logRooted[p] === Rooted.ByRuntime ||
        own[p] === 1 ||
        member[p] === 1 ||
        (logUsed[p] !== 0 && unawaited[p] === 0 && leftServing[p] === 0);
    if (!mine) continue;
    const stop = closedAt[r];
    for (let i = r; i < stop; i++) if (byLibraryCode(i, r)) libWork.push(i, r);
    // And the links of the chain statement on it (`.then(release)`): their callbacks are its.
    for (
      let k = consumer[r], n = 0;
      k >= stop && k < end && logKind[k] === LogKind.Derived && n < MAX_LOG;
      n++
    ) {
      libWork.push(k, r);
      k = consumer[k];
    }
  }
  for (let i = start; i < end; i++) own[i] = 0;

  // Each record belongs to the innermost dish whose extent holds it; a dish's parent is the
  // innermost dish holding its first record. Outer extents come first, so inner ones overwrite.
  dishes.sort((a, b) => a.start - b.start || b.end - a.end);
  for (let i = start; i < end; i++) owner[i] = -1;
  for (let d = 0; d < dishes.length; d++) {
    const dish = dishes[d];
    dish.parent = owner[dish.start];
    // A call that never returned inside a member ends with the member.
    if (dish.parent !== -1) dish.end = Math.min(dish.end, dishes[dish.parent].end);
    for (let i = dish.start; i < dish.end; i++) owner[i] = d;
  }
  // What a library's loop leaves (see Runner.Loop): in the stint that started it, its extent; in a
  // stint of its work, all the stint's own work — but for what a dish or a function of the
  // program's made.
  const loopWork: number[] = [];
  for (let l = 0; l < loops.length; l += 2) {
    const root = loops[l];
    for (let i = root; i < loops[l + 1]; i++) if (owner[i] === -1 && byLibraryCode(i, root)) loopWork.push(i);
    loopRoot[root] = 0;
  }
  if (inLoop) for (let i = start; i < end; i++) if (owner[i] === -1 && byLibraryCode(i, -1)) loopWork.push(i);
  return { dishes, owner, runs, sideRuns, loops: loopWork, libs: libWork, layers, defers };
}

/**
 * Whether record `i` was made by the library's or the runtime's code up to root `top` (-1: the
 * stint's own code): no call of the program's, nor one not known to be the library's, around it.
 */
function byLibraryCode(i: number, top: number): boolean {
  if (logKind[i] === LogKind.Root && i !== top && !byLibraryRoot(i)) return false;
  for (let p = level[i]; p !== -1 && i !== top; p = level[p]) {
    if (!byLibraryRoot(p)) return false;
    if (p === top) return true;
  }
  return true;
}

function byLibraryRoot(r: number): boolean {
  return logRooted[r] === Rooted.ByLibrary || logRooted[r] === Rooted.ByRuntime;
}
