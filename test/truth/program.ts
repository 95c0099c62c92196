/**
 * Generated async programs whose truth is known by construction. A program is a tree of statements
 * (the shapes users write: async functions with several awaits and helpers, the four combinators,
 * fire-and-forget calls, then/catch/finally chains, thenables, timers, immediates, microtasks,
 * ticks, emitters, streams, fs/dns/zlib/crypto callbacks and promises, AsyncResource scopes, HTTP
 * servers with concurrent requests) rendered to a CommonJS file.
 *
 * The program records its own truth while it runs: every synchronous stretch of user work is a
 * busy loop of known length that notes which dish ran it and when, on the same clock the tracer
 * uses (performance.now()). Which dish a stretch belongs to follows the rule (README, "Which work is
 * which task"; model/timeline.ts):
 * every function takes the dish it works for as its first argument `d`; a call that makes a dish
 * of its own (a combinator member, a call nobody awaits, a named scope, a timer set by the script
 * itself, a request) opens a new dish with `__dish(name, parent, kind)` at the call.
 */

export type Combinator = 'all' | 'allSettled' | 'race' | 'any';
export type SleepStyle = 'resolve' | 'arrow' | 'timersPromises' | 'immediatePromise';
export type IoApi =
  | 'fsCallback'
  | 'fsPromise'
  | 'dnsCallback'
  | 'dnsPromise'
  | 'zlibCallback'
  | 'zlibPromisified'
  | 'cryptoCallback'
  | 'cryptoPromisified';
export type ForgetStyle = 'bare' | 'void' | 'catch' | 'then';
export type ChainLink = 'then' | 'catch' | 'finally';

export type Stmt =
  /** A stretch of synchronous work of `ms` milliseconds. */
  | { k: 'work'; ms: number }
  | { k: 'sleep'; ms: number; style: SleepStyle }
  /** `await fn(d)`: a helper, part of the caller's dish. */
  | { k: 'await'; fn: string }
  /** `await fn(d).then(...).catch(...)`: links run as the caller. */
  | { k: 'chain'; fn: string; links: ChainLink[]; workMs: number }
  /** `await Promise.<kind>([...])` over calls that each make a dish. */
  | { k: 'combinator'; kind: Combinator; fns: string[]; style: 'literal' | 'map' }
  /** A call nobody awaits: a dish. */
  | { k: 'forget'; fn: string; style: ForgetStyle }
  /** `const p = fn(dish)`, other statements, then `await p`: a dish started now, awaited later. */
  | { k: 'startLater'; fn: string; between: Stmt[] }
  | { k: 'thenable'; workMs: number }
  /** `return await? ...` is left to the end of bodies; this returns the promise of a helper. */
  | { k: 'timer'; ms: number; workMs: number; named: boolean }
  | { k: 'interval'; ms: number; times: number; workMs: number }
  | { k: 'immediate'; workMs: number }
  | { k: 'nextTick'; workMs: number }
  | { k: 'microtask'; workMs: number }
  | { k: 'emitterOnce'; ms: number; workMs: number }
  | { k: 'emitterOn'; workMs: number }
  | { k: 'forAwait'; items: number; workMs: number }
  | { k: 'pipeline'; items: number; workMs: number }
  | { k: 'io'; api: IoApi; workMs: number }
  /** A named scope: everything its body starts belongs to the scope. */
  | { k: 'scope'; name: string; style: 'run' | 'bind'; body: Stmt[]; awaited: boolean }
  /** `try { await failing(d) } catch { work }` */
  | { k: 'tryFail'; fn: string; workMs: number }
  /**
   * A promise made first (`new Promise` on a timer), then calls whose first await is that promise:
   * one nobody awaits, or the members of a Promise.all (`await ready` as a function's first line).
   */
  | { k: 'gate'; ms: number; workMs: number; style: 'forget' | 'all' }
  /**
   * `await mapLimit(fns, limit, mapper)` of a library (LIBRARIES, p-map's shape): its runners are
   * calls it leaves running, each awaiting the item before it calls the program's mapper; each
   * function the mapper calls is a dish, a child of the caller's.
   */
  | { k: 'mapLimit'; fns: string[]; limit: number }
  /**
   * `await Promise.<kind>([...])` over calls of functions of the program's that are not async and
   * whose promise is not the first the call makes: `client` — `fnQuery(d)` returning
   * `__client().then(() => fn(d))`, a chain on a client the first such call connects (later ones
   * find it connected, made in an earlier stint); `promisify` — a `util.promisify`'d callback
   * function of the program's whose callback (an fs callback) does its work. Each member is a dish
   * named after the function the code called (the callback function, for `promisify`).
   */
  | { k: 'wrappedMembers'; kind: Combinator; via: 'client'; fns: string[] }
  | { k: 'wrappedMembers'; kind: Combinator; via: 'promisify'; count: number; workMs: number }
  /**
   * `await Promise.all([pool.query(…), pool.query(…)])` on a pool of a library (LIBRARIES,
   * `truth-pool`: a growing pool's shape) with no connection yet: each query starts opening one,
   * which the pool's own code chains and leaves, and takes the first connection released. The
   * first opening (`openMs[0]` of waiting) serves the first query, whose connection, released,
   * serves the second; the second opening (`openMs[1]`, longer) ends after both returned. Each
   * member is a dish `all[i]` doing `workMs` in its query; an opening's set-up (`setupMs`) is the
   * work of the member that asked while that member's call runs, nobody's once it has returned.
   */
  | { k: 'poolMembers'; openMs: [number, number]; setupMs: number; workMs: number }
  /**
   * `await queue.add(() => fn(d))` on the program's one queue of concurrency `limit` (LIBRARIES,
   * `truth-queue`: p-queue 9's shape), shared by every caller: a job that waits starts from the
   * wrap-up of the job before, whoever's that was. Each job is a dish, a child of the caller's
   * (`fn`'s first statement awaits: what it runs before that runs in whichever lane started it).
   */
  | { k: 'queued'; fn: string; limit: number }
  /**
   * `await runAll([() => fn(d), …], limit)` of a library (LIBRARIES, `truth-thenqueue`: async's
   * `queue`, a limiter): its own synchronous code calls each job and chains it (`job().then(…)`),
   * `limit` (2) at a time, the next from the `.then` callback of the job that ended. The library
   * runs them side by side: each job is a dish, a child of the caller's (`fn`'s first statement
   * awaits: what it runs before that runs in whichever lane started it).
   */
  | { k: 'thenQueue'; fns: string[]; limit: number }
  /**
   * A queue of a library's (LIBRARIES, `truth-syncqueue`) whose `add` is no async function: its
   * synchronous code calls the job it was given and chains it (`job().then(done, done)`), and the
   * code that adds does not wait for it. The code adds `fns[0]`, then each next one `gapMs` later
   * (so a job is added while the one before runs), as an arrow of its own (`add(() => fn(d))`) or
   * the function itself (`add(fn.bind(null, d))`), then awaits the queue's `onIdle()`. Each job is a
   * dish from its start, a child of the code that added it, as a job an async `add` runs is (README,
   * "a function of yours that a library's synchronous code calls and chains…"); `fn`'s first
   * statement awaits. Not in a request's lane before its response (the generator makes it only in
   * programs with no server): there a library's call chained so is the request running.
   */
  | { k: 'syncAdd'; fns: string[]; gapMs: number; form: 'arrow' | 'bind' }
  /**
   * `await Promise.<kind>([...])` over loads of batching loaders made here (LIBRARIES,
   * `truth-loader`: DataLoader's shape — `load(key)` queues the loader's batch, once a tick, before
   * it makes the promise it returns; the batch, the program's async function, runs later for every
   * load of the tick). Member `i` loads from loader `loads[i]`. `direct`: the members are the
   * loads themselves (`users.load(k)`, a library's function called as it is: the batch is the work
   * of the code calling the combinator, each member a dish with no work); `wrapped`: calls of a
   * function of the program's that is not async and returns the load (`userById(d, k)`); `async`:
   * of an async function of the program's that awaits the load, then works (`afterMs`). There the
   * batch is the work of the member whose load queued it (the first of its loader in the tick);
   * the other members of that loader have none before their promise is settled. The batch works
   * `batchMs` (and, `batchAwait`, again after a sleep).
   */
  | {
      k: 'loaderMembers';
      kind: Combinator;
      style: 'direct' | 'wrapped' | 'async';
      loads: number[];
      batchMs: number;
      batchAwait: boolean;
      afterMs: number;
    }
  /*
   * Constructs of the generator's second set (generate.ts, `version` 2). Where the truth of each is
   * not plain, the comment says which part of the rule decides it (README, "Which work is which
   * task").
   */
  /**
   * An async generator of the program's with an await and work between its yields, consumed by
   * `for await` or by calling `.next()` by hand. The generator's body runs when its consumer asks
   * for the next item, as an awaited helper: all of it is the consumer's dish.
   */
  | { k: 'asyncGen'; consume: 'forAwait' | 'next'; items: number; workMs: number }
  /**
   * A `timers/promises` `setInterval` iterator, or an `events.on` iterator over an emitter that a
   * timer feeds, read with `for await` until `times` items came: the loop's body is the
   * continuation of an await, the dish's work. (The timer the emitter's feeder is set on is a dish
   * of its own when the script's top level sets it, with no work.)
   */
  | { k: 'iterate'; source: 'interval' | 'eventsOn'; ms: number; times: number; workMs: number }
  /**
   * A wait cancelled by an abort signal, the rejection caught and followed by work:
   * `AbortSignal.timeout(ms)` on a `timers/promises` sleep, an `AbortController` aborted by a timer
   * of the program's (a dish of its own when the script's top level sets it, with no work), or one
   * aborted at once under an `fs.promises.readFile`. The catch is the awaiting code's continuation:
   * the dish's work.
   */
  | { k: 'abort'; via: 'timeout' | 'timer' | 'fsRead'; ms: number; workMs: number }
  /**
   * An `EventTarget`'s listener, dispatched at once (`dispatchEvent` runs the listener then: the
   * work of the code running) or from an immediate of the program's (that immediate's work, as an
   * emitter's listener is).
   */
  | { k: 'eventTarget'; from: 'now' | 'immediate'; workMs: number }
  /**
   * A `MessageChannel` the dish makes and posts one message on, awaiting the listener that takes
   * it: the message is the work of the task whose wait it answers, the dish's (README, "A
   * `MessageChannel` your code makes is a connection it opened").
   */
  | { k: 'messagePort'; workMs: number }
  /**
   * A web `ReadableStream` whose async `pull` awaits, then works and enqueues, read with `for
   * await`; or `stream.Readable.from` over an async generator of the program's that works between
   * its yields. Node's stream code calls `pull` (and the generator's `next`) one at a time when the
   * reader asks: a function of yours a library's code calls and chains, alone in the task, is the
   * work of the code that asked — the reader's dish. `pullFirst` (no generator draws it: seeds make
   * the programs they made) works in `pull` before its await too: Node 24 makes the first call from
   * its own `queueMicrotask`, right after the stint that made the stream.
   */
  | { k: 'webStream'; style: 'pull' | 'pullFirst' | 'readableFrom'; items: number; workMs: number }
  /** `await execFile(node, ['-e', …])` (promisified), then work: a wait of the dish's. */
  | { k: 'execFile'; workMs: number }
  /**
   * A `net` server and a client the dish connects to it, writing one line and awaiting the
   * answer. The server's connection is a task of its own (`connection :<port>`, no parent; README:
   * "a connection to a server that speaks no HTTP") whose data handler works; the answer that
   * settles the client's wait, then the client's work, are the dish's.
   */
  | { k: 'netPair'; serverMs: number; workMs: number }
  /** `readline` over a stream of lines, read with `for await`: each line's work the dish's. */
  | { k: 'readline'; lines: number; workMs: number }
  /**
   * Methods of a class of the program's that return promises: an async instance method, an
   * async static method and a getter that returns the instance method's promise, awaited (the
   * dish's own work) or given to a `Promise.all` (each a dish named after the function it runs:
   * `load`, `create`, and `load` again for the getter — the getter is no async function, and the
   * promise it returns is `load`'s own, made as `load` is entered: the dish runs `load`, as a
   * member made by `function wrapper() { return loadIt(); }` runs `loadIt`. README: "A dish is named
   * after the function it runs").
   */
  | { k: 'methods'; use: 'await' | 'all' | 'forget'; workMs: number }
  /**
   * An async IIFE, named or an anonymous arrow: awaited, part of the dish; not awaited, a dish of
   * its own (a call nobody awaited), named after its function or `async call`. Its code before
   * its first await runs in the caller's stint.
   */
  | { k: 'iife'; named: boolean; awaited: boolean; body: Stmt[] }
  /**
   * An async function that awaits itself `depth` times, each level awaiting a sleep, then working:
   * awaited (the dish's), not awaited or given to `Promise.all` (each call from outside a dish
   * named after it, its own recursion inside).
   */
  | { k: 'recurse'; use: 'await' | 'forget' | 'all'; depth: number; workMs: number }
  /**
   * `Promise.withResolvers()` (or its equivalent where the Node has none) resolved by a timer of
   * the program's: awaited, then work — the dish's.
   */
  | { k: 'withResolvers'; ms: number; workMs: number }
  /** `await` of a value that is no promise, then work: the dish's. */
  | { k: 'awaitValue'; workMs: number }
  /**
   * `await settings(d, key)`: a memo the whole program shares — its first caller's call makes the
   * promise (`loadSettings`, which sleeps, then works), later callers await that same promise. The
   * loading is an awaited helper of the first caller: its work is that caller's dish (as concurrent
   * fetches of one key wait for the first's, docs/lanes.md); a later caller only waits.
   */
  | { k: 'memo'; key: number; workMs: number }
  /*
   * Constructs of the generator's third set (generate.ts, `version` 3).
   */
  /**
   * Deferreds kept in a `Map` by id (an RPC client's pending replies): a function that is not
   * async makes each (`Promise.withResolvers`, by hand where the Node has none), keeps it under its
   * id and returns its promise; another task settles them, each from the `Map` — `timer`: a timer
   * of the program's whose callback works, then resolves every pending one (the dish's own work,
   * or a dish of its own when the script's top level sets it); `task`: an async function of the
   * program's nobody awaits (`respond`, a dish of its own, a child of the dish's), which sleeps,
   * works, then resolves them. Awaited by the dish itself (`await`: one deferred, then the dish's
   * work) or by `count` members of a `Promise.all`, calls of an async function of the program's
   * (`waitReply`) that awaits its deferred, then works: each a dish named after it, a child of the
   * dish's. The code after a wait is the waiter's, whoever settled the promise (README, "Which work
   * is which task": a continuation belongs to the code that awaits). `reverse`: the replies come in
   * the other order.
   */
  | {
      k: 'deferred';
      by: 'timer' | 'task';
      use: 'await' | 'all';
      count: number;
      ms: number;
      resolverMs: number;
      workMs: number;
      reverse: boolean;
    }
  /**
   * `for await` that stops early (`break` after `take` of `items`): over an async generator of the
   * program's whose `finally` works (its clean-up, run as the loop's `break` calls its `return`),
   * over `Readable.from` of such a generator (the stream destroyed by the `break`, and the
   * generator's `return` called by Node's stream code), or over `readline` lines. Everything —
   * the generator's body, its clean-up, the loop's body — is the work of the dish that reads (Node's
   * stream code calls the generator for the code that asked, as for `Readable.from` read to its end).
   */
  | {
      k: 'earlyBreak';
      source: 'gen' | 'readable' | 'readline';
      items: number;
      take: number;
      workMs: number;
    }
  /*
   * Constructs of the generator's fourth set (generate.ts, `version` 4). Each makes the functions
   * it calls itself, named with a counter (as the constructs above do).
   */
  /**
   * `await pipeline(Readable.from(items), async function* transform(source) {…}, sink)`: a
   * transform that is an async generator of the program's (for each chunk it awaits, works and
   * yields), into a `Writable` whose `write` calls back from a timer, or into an async function of
   * the program's that reads the source with `for await` and works per chunk. Node's stream code
   * calls the generator's `next` and the sink for the code awaiting `pipeline`, one at a time as it
   * reads: all of it is that dish's work, as for `Readable.from` over a generator (README, "a
   * function of yours that a library's code calls and chains…"; the README names `pipeline`'s
   * generators nowhere: this is the reading of "the data of a stream it piped").
   */
  | { k: 'pipeGen'; items: number; sink: 'writable' | 'asyncFn'; workMs: number }
  /**
   * `for await` over an async generator of the program's that yields one item, then delegates with
   * `yield*` to another that awaits and works between its yields, then awaits and works itself:
   * every part is the reader's dish, as for one generator.
   */
  | { k: 'delegate'; items: number; workMs: number }
  /**
   * A tick (`process.nextTick`), a microtask (`queueMicrotask`), or a microtask queued from a tick,
   * whose callback works, then starts an async function of the program's (`flush`: a sleep, then
   * work) and does not await it — `.catch(…)` on it, or a `.then` link that works (`chain`). All of
   * it is the work of the code that queued the callback (README: "a tick or microtask callback …
   * belongs to the task whose code made it"), the call too: what your own callback calls stays the
   * callback's work, as for a timer's (README: "what your own timer callback calls
   * (`setInterval(() => tick())`) stays the timer's work"; it names timers only, and the tracer
   * does the same for ticks and microtasks). The first truth written made the call a dish of its
   * own, as a call nobody awaited in the code's own stint is. `calls` (2 or 3; one when absent, the
   * generator's version 4) starts that many such calls from the one callback, each the queuer's
   * work (README: "every call such a callback makes at its own level"; before 2026-12-06 the
   * tracer made all but the first and the one holding the stint's last await dishes of their own).
   */
  | {
      k: 'tickStart';
      via: 'nextTick' | 'microtask' | 'both';
      chain: boolean;
      workMs: number;
      calls?: number;
    }
  /**
   * A timer's or an immediate's callback of the program's (`setTimeout(() => …, 1)`,
   * `setImmediate(() => …)`, or a `setInterval` fired twice) that works, then starts `calls` (1-3)
   * async functions of the program's (`flush`: a sleep, then work) and does not await them —
   * `.catch(…)` on each, or a `.then` link that works (`chain`). All of it is the timer's work
   * (README: "what your own timer callback calls (`setInterval(() => tick())`) stays the timer's
   * work"): the work of the code that set it, or of the timer's own dish when the script's top level
   * set it. Before 2026-12-07 the tracer made every such call but the first and the one holding the
   * stint's last await a dish of its own (`setTimeout(() => { a(); b(); c(); })`: `a` and `b`).
   * Not in the generator.
   */
  | {
      k: 'timerStart';
      via: 'timeout' | 'immediate' | 'interval';
      chain: boolean;
      workMs: number;
      calls: number;
    }
  /**
   * A callback function of the program's with a `util.promisify.custom` of its own (Node's
   * `promisify` returns that function as it is): a function that is not async and returns a `new
   * Promise` an fs callback settles after working (`promise`), or an async function that awaits
   * such a promise, then works (`async`). Awaited (the dish's work), or `count` calls given to
   * `Promise.all`: each a dish named after the custom function, the one the code calls (README:
   * "named after the function the code calling the combinator called").
   */
  | {
      k: 'promisifyCustom';
      custom: 'promise' | 'async';
      use: 'await' | 'all';
      count: number;
      workMs: number;
    }
  /**
   * Thenables given to `Promise.all` (or `allSettled`): object literals whose `then` sets a
   * timer that works, then resolves (`timer`), or instances of a class of the program's whose
   * `then` calls an async method of the class (`run`: a sleep, then work) and chains it with the
   * resolving functions it was given (`this.run().then(resolve, reject)`, a query builder's shape),
   * made with `new` where the combinator is called or by a function of the program's that is not
   * async (`builder`: `where(d)` returns the instance).
   * Each is a member (README: "any thenable it is given … its work begins when the combinator calls
   * its `then`"), named by its place, `all[i]` ("a thenable a function of yours built without making
   * a promise … keeps its place's name"). `run`'s call, chained by `then` with the resolving
   * functions it was given, is waited for by the member (README: "a thenable whose `then` calls your
   * async function and chains it with the resolving functions it was given … is that member's own
   * work", as fastq's `push` runs its job): no dish of its own. (Before 2026-12-06, night, the
   * README was silent and this took `run` for a call nobody awaited, a dish of the member's.)
   */
  | {
      k: 'thenableAll';
      kind: 'all' | 'allSettled';
      style: 'timer' | 'asyncRun' | 'builder';
      count: number;
      workMs: number;
    }
  /**
   * `for await` over an async generator of the program's that yields batches, each mapped to
   * `Promise.all` members, then work: with an anonymous async arrow (`arrow`: `batch.map(async (x)
   * => …)`, a sleep, then work) — each call a member named by its place, `all[i]` (README: "an
   * anonymous function alone keeps its place's name"; its `async call` is for calls nobody awaited)
   * — or with an arrow that calls an async function of the program's (`named`: `batch.map((x) =>
   * fetchRow(…))`), each a member named after it. Each a child of the reader's dish.
   */
  | { k: 'mapBatches'; batches: number; size: number; call: 'arrow' | 'named'; workMs: number }
  /**
   * `events.once` on an emitter that never emits, given a signal — `AbortSignal.timeout(ms)` or an
   * `AbortController` a timer of the program's aborts — or `for await` over `events.on` of it given
   * `AbortSignal.timeout(ms)` (`on`): the rejection caught and followed by work, the dish's (as for
   * `abort`).
   */
  | { k: 'abortOnce'; via: 'timeout' | 'controller' | 'on'; ms: number; workMs: number }
  /**
   * A class of the program's with a private async method (`#fetch`: a sleep, then work), an async
   * arrow in a class field (`find = async (d) => { await this.#fetch(d); … }`) and an async static
   * method (`open`): awaited (the dish's own work), given to `Promise.all` (`find` twice, each a
   * dish named after the field: V8 names the arrow `find`) or not awaited (`find` and `open`).
   */
  | { k: 'fieldMethods'; use: 'await' | 'all' | 'forget'; workMs: number }
  /*
   * Constructs of the generator's fifth set (generate.ts, `version` 5).
   */
  /**
   * A class of the program's whose instances are async iterables — its `[Symbol.asyncIterator]` an
   * async generator method (`generator`), or a method returning an object whose `next` and
   * `return` are async arrows (`manual`): a sleep, then work, per item; work as it closes — read
   * by `for await` that breaks after `take` items. The iterator's code runs when the loop asks
   * for the next item and when `break` closes it: an awaited helper's, all of it the reader's
   * dish (as `earlyBreak` over an async generator).
   */
  | { k: 'iterClass'; style: 'generator' | 'manual'; items: number; take: number; workMs: number }
  /**
   * `await Promise.race([slow(d, signal), quick(d)])`: `quick` sleeps `ms`, then works; `slow`
   * waits on a long timer given the signal of an `AbortController` (`timers/promises`' `setTimeout`
   * with `{ signal }`, or a `new Promise` of the program's whose `'abort'` listener rejects it:
   * `listener`), which the code aborts once the race is won; `slow` catches the abort and works.
   * Each member a dish (README: a member of `race`, its losers too), the loser's work after the
   * abort its own: the rejection resumes its code.
   */
  | { k: 'raceAbort'; via: 'timersPromises' | 'listener'; ms: number; workMs: number }
  /**
   * An `EventEmitter` of the program's with an async listener (`onJob`: a sleep, then work),
   * emitted to `emits` times by the code, which does not wait for the listener (Node's `emit`
   * drops what it returns). Each call of the listener is a call nobody awaited (README: "an async
   * function of yours that an event your code emits calls": Node's `emit` between is the runtime),
   * a dish named after the listener, a child of the emitting code's dish, one per emit.
   */
  | { k: 'asyncListener'; emits: number; workMs: number }
  /**
   * `queueMicrotask` (or `process.nextTick`) of an async arrow that sleeps, then works: the
   * callback and what it runs after its await are the work of the code that queued it (README: a
   * tick's or microtask's callback belongs to the task whose code made it; its continuation is
   * that callback's code).
   */
  | { k: 'microtaskAsync'; via: 'microtask' | 'nextTick'; workMs: number }
  /**
   * `await Promise.all(items.map(…))` whose callback awaits a `Promise.all` of its own over calls
   * of an async function of the program's (`part`: a sleep, then work), then works: an anonymous
   * async arrow (`arrow`: each outer member named by its place, `all[i]`) or an arrow calling an
   * async function of the program's (`named`: `group`, each outer member named after it). Each
   * inner call a member of its outer member, whose first lines made it (README: "a member's call
   * begins with the first promise it made").
   */
  | { k: 'nestedAll'; outer: number; inner: number; call: 'arrow' | 'named'; workMs: number }
  /*
   * Constructs of the generator's sixth set (generate.ts, `version` 6).
   */
  /**
   * `setInterval` with an async callback (`every`: a sleep, then work, `times` firings, the last
   * clearing the interval from after its await). The callback's code after its await is the
   * callback's, as a tick's async callback's is: the timer's work (a dish of its own where the
   * script's top level sets it, else the setting code's).
   */
  | { k: 'intervalAsync'; ms: number; times: number; workMs: number }
  /**
   * `await finished(stream)` (`stream/promises`) on a `Readable.from` of an async generator of the
   * program's (a sleep, then work, per item) read in `'data'` listeners (`data`) or piped to a
   * `Writable` whose `write` works (`writable`): the stream's callbacks and its generator are the
   * work of the code that made the stream and awaits its end.
   */
  | { k: 'streamFinished'; items: number; read: 'data' | 'writable'; workMs: number }
  /**
   * `util.promisify(setTimeout)` (`timeout`: Node's custom promisified form, `timers/promises`'
   * `setTimeout`) or `util.promisify(setImmediate)` (`immediate`), awaited `count` times with work
   * after each: a sleep, the awaiting code's own work.
   */
  | { k: 'promisifyTimer'; timer: 'timeout' | 'immediate'; count: number; workMs: number }
  /**
   * An async function of the program's (`close`) whose `try` sleeps, works and maybe throws, and
   * whose `finally` awaits a sleep and works; awaited (`await`, caught when it throws) or two calls
   * given to `Promise.allSettled` (`all`: each a member, its `finally` its own work).
   */
  | { k: 'finallyAwait'; use: 'await' | 'all'; throws: boolean; workMs: number }
  /**
   * `await Array.fromAsync(source(), mapper)` (Node 22 on; on Node 20 the same loop written by hand
   * in an async arrow the code awaits) over an async generator of the program's (a sleep per item),
   * with an async mapper (a sleep, then work) or none (`mapper` false: work after): the builtin
   * awaits each item and each mapper's call in turn, the awaiting code's own work.
   */
  | { k: 'fromAsync'; items: number; mapper: boolean; workMs: number }
  /**
   * `for await (const [v] of events.on(emitter, 'job', { signal }))` of an emitter a timer emits
   * `times` events on, then aborts the signal (an `AbortController`'s: `controller`; or the loop
   * breaks after the last: `break`); each event's work, and the catch of the abort, the reading
   * code's own.
   */
  | { k: 'onSignal'; times: number; end: 'controller' | 'break'; workMs: number }
  /*
   * Constructs of the generator's seventh set (generate.ts, `version` 7).
   */
  /**
   * A class with a static async factory (`static async open(d)`: makes an instance, awaits its
   * async `init` — a sleep, then work — and returns it), then an async method of the instance
   * (`query`: a sleep, then work): awaited (`await`: `const db = await Db.open(d); await
   * db.query(d);`, the code's own work, as an awaited helper's) or two factories given to
   * `Promise.all` (`all`: each a member named after the static method, `open`, its `init` its own
   * work; the queries after it the code's).
   */
  | { k: 'factory'; use: 'await' | 'all'; workMs: number }
  /**
   * A `timers/promises` sleep given an `AbortSignal` that cancels it before it ends — an
   * `AbortController` the code's own timer aborts (`controller`, the timer the code's work, or a
   * timer of its own where the script's top level sets it) or `AbortSignal.timeout(ms)`
   * (`timeout`: Node's own timer) — its rejection caught: the `catch`'s work is the awaiting code's,
   * the rejection resuming it.
   */
  | { k: 'abortSleep'; via: 'controller' | 'timeout'; ms: number; workMs: number }
  /**
   * Async recursion that fans out: `crawl(d, n)` sleeps, works and, while `n > 0`, awaits
   * `Promise.all` of two calls of itself (`n - 1`): each call a member of the combinator its
   * caller called, a dish named `crawl`, a child of the calling member (the first call, awaited by
   * the code, is the code's own work).
   */
  | { k: 'crawlTree'; depth: number; workMs: number }
  /*
   * Constructs of the generator's eighth set (generate.ts, `version` 8): shapes real code writes
   * that the sets before did not make.
   */
  /**
   * An `AsyncLocalStorage` of the program's whose `run(store, fn, d)` calls an async function of
   * the program's (`inContext`: a sleep, then a check that the store survived the await — a lost
   * store sets the exit code, so the program fails — then work), as it is (`direct`) or through
   * an arrow (`arrow`: `run(store, () => inContext(d))`). Awaited (`await`: the code's own work, as
   * an awaited helper's: Node's `run` between is the runtime), left running (`forget`: a call
   * nobody awaited, a dish named after `inContext`, a child of the code's) or two given to
   * `Promise.all` (`all`: each a member named after `inContext`, the function the call entered;
   * README: Node's frames are passed through).
   */
  | { k: 'alsRun'; use: 'await' | 'forget' | 'all'; via: 'direct' | 'arrow'; workMs: number }
  /**
   * `items.forEach(async …)`: an async function of the program's (named `notify`, or an anonymous
   * arrow) called by `forEach` for each of `count` items, each call's promise dropped — a call
   * nobody awaited, a dish named after its function (`async call` for the arrow; README: "A dish
   * of an async function with no name at all … is `async call`"), a child of the code's. Each
   * sleeps, then works. The statement does not await.
   */
  | { k: 'forEachAsync'; named: boolean; count: number; workMs: number }
  /**
   * `for await (const v of [row(d), row(d), …])` over the promises of `count` calls of an async
   * function of the program's (`row`: a sleep, then work) made in the array literal: the code
   * neither awaits a call's promise nor chains it — the loop awaits what its iterator returns, and
   * V8's async-from-sync iterator chains each call's promise as the loop comes to it (the first in
   * the run that made them, with no promise made for it) — so each is a call nobody awaited
   * (README: "neither awaited — directly or through `.then` … — nor given to a combinator"), a dish
   * named `row`, a child of the code's, side by side as a combinator's members are. The loop's
   * body works, the code's own. (Written first with the first call the code's own, as `await`'s:
   * the tracer, which sees no link made in that run, showed it a task, as the rule's words say.)
   */
  | { k: 'forAwaitCalls'; count: number; workMs: number }
  /**
   * `Promise.all` (or `allSettled`) of calls of an async function of the program's (`fetch`: a
   * sleep, then work, returning its dish) each with a `.then` link — that works (`work`) or returns
   * the promise of another async function of the program's (`call`: `save`, a sleep, then work) —
   * written as a literal or mapped from items (`map`). Each member is the call with its link
   * (README: "`p.then(f)` given to the combinator still makes the call `p` the member"), named after
   * `fetch`; the link's work, and `save` awaited through it, are the member's own.
   */
  | {
      k: 'chainMembers';
      kind: 'all' | 'allSettled';
      link: 'work' | 'call';
      style: 'literal' | 'map';
      count: number;
      workMs: number;
    }
  /**
   * A chain whose links return the promises of calls of an async function of the program's
   * (`step`: a sleep, then work), awaited: `step(d).then(() => step(d)).then(…)` (`link`) or made by
   * `reduce` over items (`[…].reduce((p) => p.then(() => step(d)), Promise.resolve())`, the old way
   * to run steps one after another). A call a `.then` callback makes and returns is awaited
   * through the chain: every step, and the work after, the code's own.
   */
  | { k: 'thenReturn'; style: 'link' | 'reduce'; count: number; workMs: number }
  /**
   * A `timers/promises` sleep given `AbortSignal.any([controller.signal, AbortSignal.timeout(…)])`
   * that cancels it: the controller aborted by the code's own timer (`controller`, a timer of its
   * own where the script's top level sets it), or the timeout first (`timeout`, Node's own timer);
   * its rejection caught: the `catch`'s work is the awaiting code's, as for `abortSleep`.
   */
  | { k: 'abortAny'; via: 'controller' | 'timeout'; ms: number; workMs: number }
  /**
   * Two `BroadcastChannel`s of one name the code makes (a name of their own per run), one posting
   * a message the other's `onmessage` takes, working and settling the code's wait: a channel your
   * code makes is a connection it opened, as a `MessageChannel`'s port is (README): the message is
   * the work of the task whose wait it answers, the code's.
   */
  | { k: 'broadcast'; workMs: number }
  /**
   * Streams of Node's own over real I/O, the code's work per chunk: `for await` over
   * `fs.createReadStream` of the program's own file (`file`, 2 KiB in 1 KiB chunks), or
   * `pipeline` of a buffer through `zlib.createGzip()` into a `Writable` whose `write` works
   * (`gzip`). The stream's reads and its data are the work of the code that made it (README: "the
   * data of a stream it piped").
   */
  | { k: 'fileStream'; source: 'file' | 'gzip'; workMs: number }
  /**
   * `Promise.race` of a call of an async function of the program's (`fetch`: a sleep, then work)
   * against a `new Promise` a long timer would reject, the timer cleared in the race's `.finally`;
   * written where it is used (`inline`) or in a plain function of the program's the call's promise
   * is given to (`helper`: `withTimeout(fetch(d), 60000)`, the combinator called in the same
   * synchronous run as the call). `fetch` is a member (README: each promise the combinator is given
   * that the code calling it made in the same synchronous run), a dish named after it; the timer's
   * promise a member with no work. Then work, the code's own.
   */
  | { k: 'raceTimeout'; style: 'inline' | 'helper'; ms: number; workMs: number }
  /**
   * A `worker_threads` `Worker` (its source given with `eval`) that answers each message: the code
   * posts one and waits for the answer, whose `'message'` listener works, then awaits the worker's
   * `terminate()`. The answer is the work of the task waiting for it (README: "a `Worker`'s own
   * message … is the work of the task waiting for it"), the code's; the worker's task (`worker
   * eval`, a child of the code's) does nothing of the program's.
   */
  | { k: 'workerReply'; workMs: number }
  /*
   * Constructs of the generator's ninth set (generate.ts, `version` 9): requests out of a request,
   * child processes and `net` beyond one echo pair.
   */
  /**
   * HTTP requests the code makes to a server of the program's: to a second local server the
   * program shares (`second`: `__upstream()`, made by its first caller, each request it takes a
   * dish of its own, `GET /up/<ms>`, kind `request`, no parent, whose handler works `serverMs`), or
   * to the program's own server from a route before its response (`self`: the server calling
   * itself, `GET /self/<ms>`, `__handle`'s first branch) — with `http.get` (Node's global agent,
   * keep-alive: a socket another dish's request opened may serve this one) whose response callback
   * works `replyMs`, or with `fetch`. Each request waits for the whole body, then its code works.
   * Awaited (`await`: `count` requests one after another, the dish's own work — README: "a reply
   * that resolves someone's wait is that waiter's", "the time a socket's callback takes to read a
   * reply goes to the task whose continuation the reply resolves"), `count` calls of an async
   * function of the program's (`getUp`) given to `Promise.all` (each a member named after it, its
   * reply its own work), or one such call left running (`forget`: a call nobody awaited, a dish of
   * its own). An incoming request is its own task, whoever's code sent it (README: "an incoming
   * request, from its arrival to its response").
   */
  | {
      k: 'httpCall';
      target: 'second' | 'self';
      client: 'get' | 'fetch';
      use: 'await' | 'all' | 'forget';
      count: number;
      serverMs: number;
      replyMs: number;
      workMs: number;
    }
  /**
   * `child_process.spawn` of a short Node program (`-e`), awaited by its `'exit'` or `'close'`
   * event — with `events.once` (`once`) or a promise of the program's whose listener works
   * (`promise`) — with a `'data'` listener on its stdout that works (`data`, then always
   * `'close'`: the data is read before it), then work. The child's pipes are a connection the code
   * opened (README: "what arrives on a connection your code opened … is the work of the code that
   * opened it, while that code's work goes on"), its events I/O callbacks of that code's: all of it
   * the dish's. Awaited (`await`) or two calls of an async function of the program's
   * (`runChild`) given to `Promise.all` (`all`: each a member named after it, its child's events
   * its own).
   */
  | {
      k: 'spawnChild';
      wait: 'once' | 'promise';
      event: 'exit' | 'close';
      data: boolean;
      use: 'await' | 'all';
      workMs: number;
    }
  /**
   * A `net` server the code makes, with `conns` connections to it: each a task of its own
   * (`connection :<port>`, no parent), whose `'data'` handler works and answers each line (`sync`),
   * or is an async function of the program's (`onLine`) that nobody awaits — a task of the
   * connection per message (README: "each message's async handler that nobody awaits … is a task
   * of it"), a sleep, then work, then the answer. The code's clients write `lines` lines each and
   * read the answers — awaiting each with `events.once` (`once`), or writing all, then reading the
   * socket with `for await` until every answer came (`forAwait`) — working on each: the answers
   * are the work of the code whose wait they settle. The clients: all the code's own, every
   * socket opened first, then each spoken to in turn (`await`), or each one call of an async
   * function of the program's (`dial`) given to `Promise.all` (`all`: members named after it, each
   * its socket's answers).
   */
  | {
      k: 'netMany';
      conns: number;
      lines: number;
      read: 'once' | 'forAwait';
      handler: 'sync' | 'async';
      use: 'await' | 'all';
      serverMs: number;
      workMs: number;
    }
  /*
   * Constructs of the generator's tenth set (generate.ts, `version` 11): messages that come back
   * over a channel on their own time, after the code that opened it may have answered its request.
   */
  /**
   * `child_process.fork` of a short Node program (`-e`, with an IPC channel) that sends `messages`
   * messages back, one every few milliseconds — when the code sends it one first (`ask`), or on its
   * own from its start — then disconnects; the code's `'message'` listener works on each, and the
   * code waits for the last, then for the child's `'exit'` (with `events.once`), then works. The
   * channel is a connection the code opened (README: "what arrives on a connection your code
   * opened … is the work of the code that opened it, while that code's work goes on"): all of it
   * the dish's — in a request's code after its response too, where the fork (and the message sent)
   * is the ask and the messages its answers. Awaited (`await`) or two calls of an async function of
   * the program's (`runFork`) given to `Promise.all` (`all`: each a member named after it, its
   * child's messages its own).
   */
  | {
      k: 'forkChild';
      ask: boolean;
      messages: number;
      use: 'await' | 'all';
      workMs: number;
    }
  /**
   * A `worker_threads` `Worker` (its source given with `eval`) that posts `messages` messages on its
   * own, one every few milliseconds, and nothing asked: the code's `'message'` listener works on
   * each, and the code waits for the last, then awaits the worker's `terminate()`, then works. The
   * last message, which settles the code's wait, is the work of the task waiting for it (as
   * `workerReply`'s answer is), in a request's code after its response too; the others, nobody's
   * answer, the worker task's (`worker eval`: README, "a message nobody asked for, the thread
   * speaking on its own account").
   */
  | { k: 'workerPosts'; messages: number; workMs: number }
  /*
   * Constructs of the generator's eleventh set (generate.ts, `version` 12): a channel opened while
   * the code's work goes on and spoken to later, after its work may be over.
   */
  /**
   * `child_process.fork` of a short Node program (`-e`, with an IPC channel) that waits to be sent
   * a message, then sends `messages` back, one every few milliseconds, then disconnects: forked
   * here, kept as `early<id>`, and asked later by the `forkAsk` of the same `id` in the same scope
   * — a request's before its response, asked after it. (If it is never asked it exits after 30 s.)
   */
  | { k: 'forkOpen'; id: number; messages: number }
  /**
   * The ask of the child `forkOpen` forked (same `id`): the code sends it a message, its
   * `'message'` listener works on each answer, and the code waits for the last, then for the
   * child's `'exit'` (with `events.once`), then works. The send is the ask and the messages its
   * answers (README: what arrives on a connection the code opened is its work while that work goes
   * on): all of it the dish's, in a request's code after its response too.
   */
  | { k: 'forkAsk'; id: number; messages: number; workMs: number };

/**
 * Libraries the programs may use, written into the node_modules beside them (runTruth.ts): their
 * code is a library's to the tracer, as any package's is.
 */
export const LIBRARIES: Record<string, string> = {
  'truth-pool': `'use strict';
module.exports = class Pool {
  constructor(work, openMs, setupMs) {
    this.work = work;
    this.openMs = openMs;
    this.setupMs = setupMs;
    this.waiting = [];
    this.idle = [];
  }
  async open(asker) {
    await new Promise((resolve) => setTimeout(resolve, this.openMs[asker.n]));
    // The asker's work while its call runs; nobody's (-1 - its dish) once it has returned.
    this.work(asker.done ? -1 - asker.d : asker.d, this.setupMs);
    return {};
  }
  release(c) {
    const w = this.waiting.shift();
    if (w) w(c);
    else this.idle.push(c);
  }
  acquire(asker) {
    const c = this.idle.pop();
    if (c) return Promise.resolve(c);
    this.open(asker).then((c) => this.release(c));
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  async query(d, n, ms) {
    const asker = { d, n, done: false };
    const c = await this.acquire(asker);
    this.work(d, ms);
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.release(c);
    asker.done = true;
    return ms;
  }
};
`,
  'truth-queue': `'use strict';
module.exports = class Queue {
  constructor(concurrency) {
    this.concurrency = concurrency;
    this.pending = 0;
    this.waiting = [];
  }
  async add(job) {
    return new Promise((resolve, reject) => {
      const run = async () => {
        this.pending++;
        try {
          resolve(await job());
        } catch (error) {
          reject(error);
        } finally {
          queueMicrotask(() => {
            this.pending--;
            this.next();
          });
        }
      };
      this.waiting.push(run);
      this.next();
    });
  }
  next() {
    while (this.pending < this.concurrency && this.waiting.length > 0) this.waiting.shift()();
  }
};
`,
  'truth-thenqueue': `'use strict';
module.exports = function runAll(jobs, limit) {
  return new Promise((resolve) => {
    let next = 0;
    let running = 0;
    let done = 0;
    const process = () => {
      while (running < limit && next < jobs.length) {
        const job = jobs[next++];
        running++;
        job().then(() => {
          running--;
          if (++done === jobs.length) resolve();
          else process();
        });
      }
    };
    process();
  });
};
`,
  'truth-syncqueue': `'use strict';
module.exports = class SyncQueue {
  constructor() {
    this.running = 0;
    this.idle = [];
  }
  add(job) {
    this.running++;
    const done = () => {
      if (--this.running === 0) for (const resolve of this.idle.splice(0)) resolve();
    };
    job().then(done, done);
  }
  onIdle() {
    return this.running === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }
};
`,
  'truth-map': `'use strict';
module.exports = function mapLimit(items, limit, mapper) {
  return new Promise((resolve) => {
    const results = [];
    let next = 0;
    let done = 0;
    const start = async () => {
      if (next >= items.length) return;
      const index = next++;
      const runner = (async () => {
        const item = await items[index];
        results[index] = await mapper(item, index);
        if (++done === items.length) resolve(results);
        await start();
      })();
      runner.then(() => {}, () => {});
    };
    (async () => {
      for (let i = 0; i < limit; i++) await start();
    })();
  });
};
`,
  'truth-loader': `'use strict';
module.exports = class Loader {
  constructor(batch) {
    this.batch = batch;
    this.pending = null;
  }
  load(key) {
    let pending = this.pending;
    if (pending === null) {
      pending = this.pending = [];
      // Once the promise jobs of this tick have run, in a tick of its own (DataLoader's schedule).
      Promise.resolve().then(() => process.nextTick(() => this.dispatch(pending)));
    }
    return new Promise((resolve, reject) => pending.push({ key, resolve, reject }));
  }
  dispatch(pending) {
    this.pending = null;
    this.batch(pending.map((p) => p.key)).then(
      (values) => pending.forEach((p, i) => p.resolve(values[i])),
      (error) => pending.forEach((p) => p.reject(error)),
    );
  }
};
`,
};

export interface FnDef {
  name: string;
  body: Stmt[];
  /** Rejects after its body (only called where the rejection is handled). */
  fails: boolean;
  /**
   * How it ends: `return` nothing, or `return other(d)` — returning a helper's promise (the helper
   * stays part of this function's dish).
   */
  returns: string | null;
  /**
   * With `returns`: links on the helper's promise, the chain returned unawaited
   * (`return other(d).then(…)`): the caller awaits the chain through the return, so the helper and
   * the links' work stay this function's dish, as in a `chain` statement that is awaited.
   */
  returnLinks?: ChainLink[];
  /**
   * With `returns`: the chain (`other(…)` with `returnLinks`, perhaps none) is made first and kept
   * (`const held = other(dish).then(…)`), then these statements run (the first awaits), then it is
   * returned — in a later stint than the one that made it: a call started now and awaited later
   * (README, "a call nobody awaited"), so `other` is a dish of its own, a child of this function's,
   * whatever awaits this function's promise; the links are this function's code, its dish's work.
   */
  returnHeld?: Stmt[];
}

export interface Route {
  path: string;
  /** Statements before the response is sent. */
  before: Stmt[];
  /** Statements after it (background work of the request). */
  after: Stmt[];
}

export interface Program {
  seed: number;
  fns: FnDef[];
  main: Stmt[];
  /** An HTTP server the program starts and sends concurrent requests to. */
  server: { routes: Route[]; requests: string[] } | null;
}

/** The runtime each program starts with: where the truth is recorded. */
const PRELUDE = `'use strict';
const { performance } = require('node:perf_hooks');
const __truth = { dishes: [], stretches: [] };
function __dish(name, parent, kind) {
  __truth.dishes.push({ id: __truth.dishes.length, name, parent, kind });
  return __truth.dishes.length - 1;
}
/** The loop's idle time so far, ms (libuv's: the time it waited for events; none while code runs). */
const __idle = () => performance.eventLoopUtilization().idle;
function __work(d, ms) {
  const start = performance.now();
  const idle = __idle();
  while (performance.now() - start < ms);
  __truth.stretches.push([d, start, performance.now(), idle]);
}
/**
 * How far the tracer's clock may be from performance.now(): it reads process.hrtime() and takes the
 * offset from the narrowest of 8 brackets of performance.now() around one (tracer/engine.ts, 'The
 * clock'); the same brackets, taken here, measure that width.
 */
__truth.clockMs = (() => {
  let width = Infinity;
  for (let i = 0; i < 8; i++) {
    const before = performance.now();
    process.hrtime();
    width = Math.min(width, performance.now() - before);
  }
  return width;
})();
/**
 * The dish whose stint runs now. A function's code before its first await runs in its caller's
 * stint (the call is made there), so a call that makes a dish runs its first stretch as the caller;
 * after each await, code runs as the dish of the function it is in.
 */
let __running = 0;
process.on('exit', () => {
  __truth.end = [performance.now(), __idle()];
  if (process.env.TRUTH_OUT) require('node:fs').writeFileSync(process.env.TRUTH_OUT, JSON.stringify(__truth));
});
const __main = __dish(require('node:path').basename(__filename), -1, 'main');
__running = __main;
// The script's top level: a timer or immediate it sets there is a dish of its own.
let __top = true;
queueMicrotask(() => { __top = false; });
/** The dish a timer set now by dish d runs in: its own when the script's top level sets it. */
function __timerDish(d, name, kind) {
  return d === __main && __top ? __dish(name, __main, kind) : d;
}
const { AsyncResource } = require('node:async_hooks');
const { EventEmitter, once } = require('node:events');
const { Readable, Transform, Writable } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const timersPromises = require('node:timers/promises');
const fs = require('node:fs');
const dns = require('node:dns');
const zlib = require('node:zlib');
const crypto = require('node:crypto');
const http = require('node:http');
const util = require('node:util');
const __gzip = util.promisify(zlib.gzip);
const __randomBytes = util.promisify(crypto.randomBytes);
const __noop = () => {};
/** The program's memo (the \`memo\` statement): one promise per key, made by its first caller. */
const __memo = {};
async function loadSettings(d, ms) {
  await new Promise((resolve) => setTimeout(resolve, 3));
  __work(d, ms);
  return 1;
}
function settings(d, key, ms) {
  return (__memo[key] ??= loadSettings(d, ms));
}
/** Promise.withResolvers where the Node has it (22 and later), else the same made by hand. */
function __withResolvers() {
  if (typeof Promise.withResolvers === 'function') return Promise.withResolvers();
  let resolve;
  let reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
}
/** A function whose first await is a promise made before it was called. */
async function afterGate(d, gate, ms) {
  await gate;
  __running = d;
  __work(d, ms);
}
/** The program's queues, one per concurrency (truth-queue). */
const __queues = {};
function __queue(limit) {
  return (__queues[limit] ??= new (require('truth-queue'))(limit));
}
/** A client connected by its first use (a lazily-connected driver's): chained by every query. */
let __connection = null;
function __client() {
  return (__connection ??= Promise.resolve());
}
`;

function ms(n: number): string {
  return String(Math.round(n * 10) / 10);
}

class Writer {
  private lines: string[] = [];
  private counter = 0;
  constructor(private indent = 0) {}
  line(text: string): void {
    this.lines.push('  '.repeat(this.indent) + text);
  }
  block(open: string, body: () => void, close = '}'): void {
    this.line(open);
    this.indent++;
    body();
    this.indent--;
    this.line(close);
  }
  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }
  text(): string {
    return this.lines.join('\n');
  }
}

/**
 * A call that makes a dish of its own: the dish is opened at the call, named after the function,
 * child of the caller's dish.
 */
function dishCall(fn: string, d: string): string {
  return `${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'))`;
}

/** Statements that await: the code after them runs in a stint of the function's own dish. */
export const AWAITING: ReadonlySet<Stmt['k']> = new Set([
  'sleep',
  'await',
  'chain',
  'combinator',
  'startLater',
  'thenable',
  'emitterOnce',
  'forAwait',
  'pipeline',
  'io',
  'tryFail',
  'mapLimit',
  'wrappedMembers',
  'poolMembers',
  'queued',
  'thenQueue',
  'syncAdd',
  'loaderMembers',
  'asyncGen',
  'iterate',
  'abort',
  'messagePort',
  'webStream',
  'execFile',
  'netPair',
  'readline',
  'withResolvers',
  'awaitValue',
  'memo',
  'deferred',
  'earlyBreak',
  'pipeGen',
  'delegate',
  'promisifyCustom',
  'thenableAll',
  'mapBatches',
  'abortOnce',
  'iterClass',
  'raceAbort',
  'nestedAll',
  'streamFinished',
  'promisifyTimer',
  'finallyAwait',
  'fromAsync',
  'onSignal',
  'factory',
  'abortSleep',
  'crawlTree',
  'forAwaitCalls',
  'chainMembers',
  'thenReturn',
  'abortAny',
  'broadcast',
  'fileStream',
  'raceTimeout',
  'workerReply',
  'spawnChild',
  'netMany',
  'forkChild',
  'workerPosts',
  'forkAsk',
]);

function renderStmts(w: Writer, body: Stmt[], d: string): void {
  for (const s of body) {
    renderStmt(w, s, d);
    // A gate's Promise.all awaits; the call nobody awaits does not.
    if (
      AWAITING.has(s.k) ||
      (s.k === 'scope' && s.awaited) ||
      (s.k === 'gate' && s.style === 'all') ||
      (s.k === 'methods' && s.use !== 'forget') ||
      (s.k === 'recurse' && s.use !== 'forget') ||
      (s.k === 'iife' && s.awaited) ||
      (s.k === 'fieldMethods' && s.use !== 'forget') ||
      (s.k === 'alsRun' && s.use !== 'forget') ||
      s.k === 'httpCall'
    )
      w.line(`__running = ${d};`);
  }
}

function renderStmt(w: Writer, s: Stmt, d: string): void {
  switch (s.k) {
    case 'work':
      w.line(`__work(__running, ${ms(s.ms)});`);
      return;
    case 'sleep':
      switch (s.style) {
        case 'resolve':
          w.line(`await new Promise((resolve) => setTimeout(resolve, ${s.ms}));`);
          return;
        case 'arrow':
          // A timer set by the script itself is a dish of its own, even one that only resolves.
          w.line(
            `await new Promise((resolve) => { __timerDish(${d}, 'wake', 'timer'); setTimeout(function wake() { resolve(); }, ${s.ms}); });`,
          );
          return;
        case 'timersPromises':
          w.line(`await timersPromises.setTimeout(${s.ms});`);
          return;
        case 'immediatePromise':
          w.line(`await timersPromises.setImmediate();`);
          return;
      }
      return;
    case 'await':
      w.line(`await ${s.fn}(${d});`);
      return;
    case 'chain':
      w.line(`await ${chained(`${s.fn}(${d})`, s.links, d, s.workMs)};`);
      return;
    case 'combinator': {
      const calls =
        s.style === 'literal'
          ? `[${s.fns.map((f) => dishCall(f, d)).join(', ')}]`
          : `[${s.fns.map((f) => JSON.stringify(f)).join(', ')}].map((name) => __fns[name](__dish(name, ${d}, 'other')))`;
      const call = `Promise.${s.kind}(${calls})`;
      // A combinator that may reject is handled where it is awaited.
      if (s.kind === 'all' || s.kind === 'any' || s.kind === 'race') w.line(`await ${call}.catch(__noop);`);
      else w.line(`await ${call};`);
      return;
    }
    case 'forget': {
      const call = dishCall(s.fn, d);
      if (s.style === 'bare') w.line(`${call};`);
      else if (s.style === 'void') w.line(`void ${call};`);
      else if (s.style === 'catch') w.line(`${call}.catch(__noop);`);
      else w.line(`${call}.then(__noop, __noop);`);
      return;
    }
    case 'startLater': {
      const p = w.fresh('started');
      w.line(`const ${p} = ${dishCall(s.fn, d)};`);
      w.line(`${p}.catch(__noop);`);
      renderStmts(w, s.between, d);
      w.line(`await ${p}.catch(__noop);`);
      return;
    }
    case 'thenable':
      w.line(`await { then(resolve) { __work(${d}, ${ms(s.workMs)}); resolve(1); } };`);
      return;
    case 'timer': {
      const name = s.named ? w.fresh('tick') : '';
      const dd = w.fresh('t');
      w.line(`const ${dd} = __timerDish(${d}, ${JSON.stringify(name || 'timer')}, 'timer');`);
      w.block(
        `setTimeout(function ${name}() {`,
        () => w.line(`__work(${dd}, ${ms(s.workMs)});`),
        `}, ${s.ms});`,
      );
      return;
    }
    case 'interval': {
      const handle = w.fresh('interval');
      const count = w.fresh('n');
      const dd = w.fresh('t');
      const name = w.fresh('every');
      w.line(`let ${count} = 0;`);
      w.line(`const ${dd} = __timerDish(${d}, ${JSON.stringify(name)}, 'timer');`);
      w.block(
        `const ${handle} = setInterval(function ${name}() {`,
        () => {
          w.line(`__work(${dd}, ${ms(s.workMs)});`);
          w.line(`if (++${count} === ${s.times}) clearInterval(${handle});`);
        },
        `}, ${s.ms});`,
      );
      return;
    }
    case 'immediate': {
      const dd = w.fresh('t');
      w.line(`const ${dd} = __timerDish(${d}, 'soon', 'immediate');`);
      w.block(`setImmediate(function soon() {`, () => w.line(`__work(${dd}, ${ms(s.workMs)});`), `});`);
      return;
    }
    case 'nextTick':
      w.line(`process.nextTick(() => __work(${d}, ${ms(s.workMs)}));`);
      return;
    case 'microtask':
      w.line(`queueMicrotask(() => __work(${d}, ${ms(s.workMs)}));`);
      return;
    case 'emitterOnce': {
      const e = w.fresh('emitter');
      w.line(`const ${e} = new EventEmitter();`);
      w.line(`__timerDish(${d}, 'timer', 'timer');`);
      w.line(`setTimeout(() => ${e}.emit('ready', 1), ${s.ms});`);
      w.line(`await once(${e}, 'ready');`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'emitterOn': {
      const e = w.fresh('emitter');
      const dd = w.fresh('t');
      w.line(`const ${e} = new EventEmitter();`);
      w.line(`const ${dd} = __timerDish(${d}, 'emitJob', 'immediate');`);
      w.line(`${e}.on('job', () => __work(${dd}, ${ms(s.workMs)}));`);
      w.line(`setImmediate(function emitJob() { ${e}.emit('job'); });`);
      return;
    }
    case 'forAwait': {
      const g = w.fresh('source');
      w.block(`async function* ${g}() {`, () => {
        w.line(
          `for (let i = 0; i < ${s.items}; i++) { await new Promise((r) => setTimeout(r, 2)); yield i; }`,
        );
      });
      w.line(`for await (const item of Readable.from(${g}())) __work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'pipeline':
      w.line(
        `await pipeline(Readable.from(Array.from({ length: ${s.items} }, (_, i) => String(i))), new Transform({ transform(chunk, _e, cb) { __work(${d}, ${ms(s.workMs)}); cb(null, chunk); } }), new Writable({ write(_c, _e, cb) { setTimeout(cb, 1); } }));`,
      );
      return;
    case 'io':
      switch (s.api) {
        case 'fsCallback':
          w.line(
            `await new Promise((r) => fs.readFile(__filename, () => { __work(${d}, ${ms(s.workMs)}); r(); }));`,
          );
          return;
        case 'fsPromise':
          w.line(`await fs.promises.readFile(__filename);`);
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          return;
        case 'dnsCallback':
          w.line(
            `await new Promise((r) => dns.lookup('localhost', () => { __work(${d}, ${ms(s.workMs)}); r(); }));`,
          );
          return;
        case 'dnsPromise':
          w.line(`await dns.promises.lookup('localhost').catch(__noop);`);
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          return;
        case 'zlibCallback':
          w.line(
            `await new Promise((r) => zlib.gzip(Buffer.alloc(4096, 1), () => { __work(${d}, ${ms(s.workMs)}); r(); }));`,
          );
          return;
        case 'zlibPromisified':
          w.line(`await __gzip(Buffer.alloc(4096, 2));`);
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          return;
        case 'cryptoCallback':
          w.line(
            `await new Promise((r) => crypto.randomBytes(32, () => { __work(${d}, ${ms(s.workMs)}); r(); }));`,
          );
          return;
        case 'cryptoPromisified':
          w.line(`await __randomBytes(32);`);
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          return;
      }
      return;
    case 'scope': {
      const r = w.fresh('scope');
      const dd = w.fresh('s');
      const was = w.fresh('was');
      // The scope's code runs in a stint of the scope from its first line; when the scope is not
      // awaited, the code after it goes on in the stint it was called from.
      w.line(`const ${dd} = __dish(${JSON.stringify(s.name)}, ${d}, 'user');`);
      w.line(`const ${was} = __running;`);
      const body = () => {
        w.line(`__running = ${dd};`);
        renderStmts(w, s.body, dd);
      };
      // An awaited scope is called, then awaited: the function suspends there (unless the scope
      // settled), and what runs next until it resumes is its caller's.
      const started = w.fresh('scoped');
      const call = s.awaited ? `const ${started} = ` : '';
      if (s.style === 'run') {
        w.line(`const ${r} = new AsyncResource(${JSON.stringify(`looplens:${s.name}`)});`);
        w.block(`${call}${r}.runInAsyncScope(async () => {`, body, '});');
      } else {
        w.block(
          `${call}AsyncResource.bind(async () => {`,
          body,
          `}, ${JSON.stringify(`looplens:${s.name}`)})();`,
        );
      }
      w.line(`__running = ${was};`);
      if (s.awaited) w.line(`await ${started};`);
      return;
    }
    case 'tryFail':
      w.block(`try {`, () => w.line(`await ${s.fn}(${d});`), '} catch {');
      w.line(`  __work(${d}, ${ms(s.workMs)});`);
      w.line('}');
      return;
    case 'mapLimit':
      // The mapper runs in a stint of the caller's dish (the library's runner is its work), so the
      // function's code before its first await is the caller's.
      w.line(
        `await require('truth-map')(${JSON.stringify(s.fns)}, ${s.limit}, (name) => { __running = ${d}; return __fns[name](__dish(name, ${d}, 'other')); });`,
      );
      return;
    case 'wrappedMembers': {
      const calls: string[] = [];
      if (s.via === 'client') {
        for (const fn of s.fns) {
          const wrapper = w.fresh(`${fn}Query`);
          w.block(`function ${wrapper}(d) {`, () =>
            w.line(`return __client().then(() => { __running = d; return ${fn}(d); });`),
          );
          calls.push(`${wrapper}(__dish(${JSON.stringify(wrapper)}, ${d}, 'other'))`);
        }
      } else {
        const callback = w.fresh('readConf');
        const promisified = w.fresh('promisified');
        w.block(`function ${callback}(d, cb) {`, () =>
          w.line(`fs.stat(__filename, () => { __work(d, ${ms(s.workMs)}); cb(null, 1); });`),
        );
        w.line(`const ${promisified} = util.promisify(${callback});`);
        for (let i = 0; i < s.count; i++)
          calls.push(`${promisified}(__dish(${JSON.stringify(callback)}, ${d}, 'other'))`);
      }
      const call = `Promise.${s.kind}([${calls.join(', ')}])`;
      if (s.kind === 'allSettled') w.line(`await ${call};`);
      else w.line(`await ${call}.catch(__noop);`);
      return;
    }
    case 'poolMembers': {
      const pool = w.fresh('pool');
      w.line(
        `const ${pool} = new (require('truth-pool'))(__work, [${s.openMs.join(', ')}], ${ms(s.setupMs)});`,
      );
      const calls = [0, 1].map(
        (i) => `${pool}.query(__dish('all[${i}]', ${d}, 'other'), ${i}, ${ms(s.workMs)})`,
      );
      w.line(`await Promise.all([${calls.join(', ')}]);`);
      return;
    }
    case 'thenQueue':
      w.line(
        `await require('truth-thenqueue')([${s.fns.map((fn) => `() => ${dishCall(fn, d)}`).join(', ')}], ${s.limit});`,
      );
      return;
    case 'queued':
      w.line(`await __queue(${s.limit}).add(() => ${dishCall(s.fn, d)}).catch(__noop);`);
      return;
    case 'syncAdd': {
      const q = w.fresh('adds');
      w.line(`const ${q} = new (require('truth-syncqueue'))();`);
      s.fns.forEach((fn, i) => {
        if (i > 0) w.line(`await new Promise((resolve) => setTimeout(resolve, ${s.gapMs}));`);
        const dish = `__dish(${JSON.stringify(fn)}, ${d}, 'other')`;
        w.line(
          s.form === 'arrow' ? `${q}.add(() => ${fn}(${dish}));` : `${q}.add(${fn}.bind(null, ${dish}));`,
        );
      });
      w.line(`await ${q}.onIdle();`);
      return;
    }
    case 'loaderMembers': {
      // The batch's work is the dish whose load came first in the tick: the key carries it.
      const loaders = [...new Set(s.loads)].sort();
      const names: Record<number, string> = {};
      for (const l of loaders) {
        const loader = w.fresh('loader');
        const batch = w.fresh('batch');
        names[l] = loader;
        w.block(
          `const ${loader} = new (require('truth-loader'))(async function ${batch}(keys) {`,
          () => {
            w.line(`__work(keys[0].d, ${ms(s.batchMs)});`);
            if (s.batchAwait) {
              w.line(`await new Promise((resolve) => setTimeout(resolve, 2));`);
              w.line(`__work(keys[0].d, ${ms(s.batchMs)});`);
            }
            w.line(`return keys.map((k) => k.id);`);
          },
          '});',
        );
      }
      const calls: string[] = [];
      s.loads.forEach((l, i) => {
        if (s.style === 'direct') {
          calls.push(`${names[l]}.load({ d: ${d}, id: ${i} })`);
          return;
        }
        const fn = w.fresh(s.style === 'wrapped' ? 'byId' : 'fetchOne');
        if (s.style === 'wrapped')
          w.block(`function ${fn}(d, id) {`, () => w.line(`return ${names[l]}.load({ d, id });`));
        else
          w.block(`async function ${fn}(d, id) {`, () => {
            w.line(`const value = await ${names[l]}.load({ d, id });`);
            w.line(`__work(d, ${ms(s.afterMs)});`);
            w.line(`return value;`);
          });
        calls.push(`${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'), ${i})`);
      });
      const call = `Promise.${s.kind}([${calls.join(', ')}])`;
      if (s.kind === 'allSettled') w.line(`await ${call};`);
      else w.line(`await ${call}.catch(__noop);`);
      return;
    }
    case 'asyncGen': {
      const g = w.fresh('pages');
      w.block(`async function* ${g}(d) {`, () => {
        w.line(`for (let i = 0; i < ${s.items}; i++) {`);
        w.line(`  await new Promise((r) => setTimeout(r, 1));`);
        w.line(`  __work(d, ${ms(s.workMs)});`);
        w.line(`  yield i;`);
        w.line(`}`);
      });
      if (s.consume === 'forAwait')
        w.line(`for await (const page of ${g}(${d})) __work(${d}, ${ms(s.workMs)});`);
      else {
        const it = w.fresh('it');
        const r = w.fresh('r');
        w.line(`const ${it} = ${g}(${d});`);
        w.line(`let ${r} = await ${it}.next();`);
        w.block(`while (!${r}.done) {`, () => {
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          w.line(`${r} = await ${it}.next();`);
        });
      }
      return;
    }
    case 'iterate': {
      const n = w.fresh('n');
      w.line(`let ${n} = 0;`);
      if (s.source === 'interval') {
        w.block(`for await (const _ of timersPromises.setInterval(${s.ms})) {`, () => {
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          w.line(`if (++${n} === ${s.times}) break;`);
        });
      } else {
        const e = w.fresh('ticker');
        w.line(`const ${e} = new EventEmitter();`);
        // A timer the script's top level sets is a dish of its own: this one only emits.
        w.line(`__timerDish(${d}, 'feed', 'timer');`);
        w.line(
          `setTimeout(function feed() { for (let i = 0; i < ${s.times}; i++) ${e}.emit('tick', i); }, ${s.ms});`,
        );
        w.block(`for await (const [tick] of require('node:events').on(${e}, 'tick')) {`, () => {
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          w.line(`if (++${n} === ${s.times}) break;`);
        });
      }
      return;
    }
    case 'abort': {
      const body = `__work(${d}, ${ms(s.workMs)});`;
      if (s.via === 'timeout') {
        w.line(
          `try { await timersPromises.setTimeout(5000, undefined, { signal: AbortSignal.timeout(${s.ms}) }); } catch { ${body} }`,
        );
      } else if (s.via === 'timer') {
        const c = w.fresh('controller');
        w.line(`const ${c} = new AbortController();`);
        w.line(`__timerDish(${d}, 'cancel', 'timer');`);
        w.line(`setTimeout(function cancel() { ${c}.abort(); }, ${s.ms});`);
        w.line(
          `try { await timersPromises.setTimeout(5000, undefined, { signal: ${c}.signal }); } catch { ${body} }`,
        );
      } else {
        const c = w.fresh('controller');
        const p = w.fresh('reading');
        w.line(`const ${c} = new AbortController();`);
        w.line(`const ${p} = fs.promises.readFile(__filename, { signal: ${c}.signal });`);
        w.line(`${c}.abort();`);
        w.line(`try { await ${p}; } catch { ${body} }`);
      }
      return;
    }
    case 'eventTarget': {
      const t = w.fresh('target');
      w.line(`const ${t} = new EventTarget();`);
      if (s.from === 'now') {
        // Dispatched at once: the listener runs in the stint of the code dispatching.
        w.line(`${t}.addEventListener('ping', () => __work(__running, ${ms(s.workMs)}));`);
        w.line(`${t}.dispatchEvent(new Event('ping'));`);
      } else {
        const dd = w.fresh('t');
        w.line(`const ${dd} = __timerDish(${d}, 'ring', 'immediate');`);
        w.line(`${t}.addEventListener('ping', () => __work(${dd}, ${ms(s.workMs)}));`);
        w.line(`setImmediate(function ring() { ${t}.dispatchEvent(new Event('ping')); });`);
      }
      return;
    }
    case 'messagePort': {
      const c = w.fresh('channel');
      w.line(`const ${c} = new MessageChannel();`);
      w.line(
        `await new Promise((resolve) => { ${c}.port2.once('message', () => { __work(${d}, ${ms(s.workMs)}); resolve(); }); ${c}.port1.postMessage(1); });`,
      );
      w.line(`${c}.port1.close();`);
      return;
    }
    case 'webStream': {
      if (s.style === 'pull' || s.style === 'pullFirst') {
        const st = w.fresh('stream');
        const i = w.fresh('i');
        w.line(`let ${i} = 0;`);
        w.block(
          `const ${st} = new ReadableStream({`,
          () => {
            w.block(`async pull(controller) {`, () => {
              if (s.style === 'pullFirst') w.line(`__work(${d}, ${ms(s.workMs)});`);
              w.line(`await new Promise((r) => setTimeout(r, 1));`);
              w.line(`__work(${d}, ${ms(s.workMs)});`);
              w.line(`if (${i}++ < ${s.items}) controller.enqueue(${i}); else controller.close();`);
            });
          },
          '});',
        );
        w.line(`for await (const chunk of ${st}) __work(${d}, ${ms(s.workMs)});`);
      } else {
        const g = w.fresh('rows');
        w.block(`async function* ${g}(d) {`, () => {
          w.line(`for (let i = 0; i < ${s.items}; i++) {`);
          w.line(`  await new Promise((r) => setTimeout(r, 1));`);
          w.line(`  __work(d, ${ms(s.workMs)});`);
          w.line(`  yield String(i);`);
          w.line(`}`);
        });
        w.line(`for await (const row of Readable.from(${g}(${d}))) __work(${d}, ${ms(s.workMs)});`);
      }
      return;
    }
    case 'execFile':
      w.line(
        `await util.promisify(require('node:child_process').execFile)(process.execPath, ['-e', 'process.stdout.write("1")']);`,
      );
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    case 'netPair': {
      const srv = w.fresh('echo');
      const conn = w.fresh('c');
      const sock = w.fresh('socket');
      const net = `require('node:net')`;
      // The server's connection is a task of its own, no parent, named by the server's port.
      w.line(`let ${conn} = -1;`);
      w.block(
        `const ${srv} = ${net}.createServer((socket) => {`,
        () => {
          w.line(`${conn} = __dish('connection :' + ${srv}.address().port, -1, 'other');`);
          w.line(`socket.on('data', (b) => { __work(${conn}, ${ms(s.serverMs)}); socket.end(b); });`);
        },
        '});',
      );
      w.line(`await new Promise((r) => ${srv}.listen(0, '127.0.0.1', r));`);
      w.line(`const ${sock} = ${net}.connect(${srv}.address().port, '127.0.0.1');`);
      w.line(`${sock}.write('ping\\n');`);
      w.line(`await once(${sock}, 'data');`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      w.line(`${sock}.destroy();`);
      w.line(`${srv}.close();`);
      return;
    }
    case 'readline': {
      const rl = w.fresh('lines');
      w.line(
        `const ${rl} = require('node:readline').createInterface({ input: Readable.from([${JSON.stringify(
          Array.from({ length: s.lines }, (_, i) => `line ${i}\n`).join(''),
        )}]), crlfDelay: Infinity });`,
      );
      w.line(`for await (const line of ${rl}) __work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'methods': {
      const cls = w.fresh('Store');
      w.block(`class ${cls} {`, () => {
        w.line(`constructor(d) { this.d = d; }`);
        w.block(`async load(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 2));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
        w.block(`static async create(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
          w.line(`return new ${cls}(d);`);
        });
        // A getter that returns the promise of the instance's async method.
        w.line(`get pending() { return this.load(this.d); }`);
      });
      if (s.use === 'await') {
        w.line(`await (await ${cls}.create(${d})).load(${d});`);
        w.line(`await new ${cls}(${d}).pending;`);
      } else if (s.use === 'all') {
        w.line(
          `await Promise.all([new ${cls}(${d}).load(__dish('load', ${d}, 'other')), ${cls}.create(__dish('create', ${d}, 'other')), new ${cls}(__dish('load', ${d}, 'other')).pending]);`,
        );
      } else {
        w.line(`new ${cls}(${d}).load(__dish('load', ${d}, 'other'));`);
        w.line(`${cls}.create(__dish('create', ${d}, 'other')).catch(__noop);`);
      }
      return;
    }
    case 'iife': {
      const dd = w.fresh('f');
      const was = w.fresh('was');
      const name = s.named ? w.fresh('warm') : '';
      // Not awaited: a dish of its own, named after its function (`async call` for an arrow). Its
      // code before its first await runs in the caller's stint.
      w.line(
        s.awaited
          ? `const ${dd} = ${d};`
          : `const ${dd} = __dish(${JSON.stringify(name || 'async call')}, ${d}, 'other');`,
      );
      w.line(`const ${was} = __running;`);
      const open = s.named ? `async function ${name}() {` : `async () => {`;
      const close = s.named ? '})();' : '})();';
      w.block(`${s.awaited ? 'await ' : ''}(${open}`, () => renderStmts(w, s.body, dd), close);
      w.line(`__running = ${was};`);
      return;
    }
    case 'recurse': {
      const fn = w.fresh('walk');
      w.block(`async function ${fn}(d, n) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
        w.line(`if (n > 0) await ${fn}(d, n - 1);`);
      });
      const dish = `__dish(${JSON.stringify(fn)}, ${d}, 'other')`;
      if (s.use === 'await') w.line(`await ${fn}(${d}, ${s.depth});`);
      else if (s.use === 'forget') w.line(`${fn}(${dish}, ${s.depth});`);
      else w.line(`await Promise.all([${fn}(${dish}, ${s.depth}), ${fn}(${dish}, ${s.depth})]);`);
      return;
    }
    case 'withResolvers': {
      const r = w.fresh('settled');
      w.line(`const ${r} = __withResolvers();`);
      w.line(`__timerDish(${d}, 'settle', 'timer');`);
      w.line(`setTimeout(function settle() { ${r}.resolve(1); }, ${s.ms});`);
      w.line(`await ${r}.promise;`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'awaitValue':
      w.line(`await ${Math.round(s.workMs * 10)};`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    case 'memo':
      w.line(`await settings(${d}, ${s.key}, ${ms(s.workMs)});`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    case 'deferred': {
      const pending = w.fresh('pending');
      const ask = w.fresh('ask');
      w.line(`const ${pending} = new Map();`);
      w.block(`function ${ask}(id) {`, () => {
        w.line(`const r = __withResolvers();`);
        w.line(`${pending}.set(id, r);`);
        w.line(`return r.promise;`);
      });
      const order = s.reverse ? `[...${pending}].reverse()` : `[...${pending}]`;
      const settle = (dd: string) => {
        w.line(`__work(${dd}, ${ms(s.resolverMs)});`);
        w.line(`for (const [id, r] of ${order}) { ${pending}.delete(id); r.resolve(id); }`);
      };
      if (s.by === 'timer') {
        const dd = w.fresh('t');
        w.line(`const ${dd} = __timerDish(${d}, 'dispatch', 'timer');`);
        w.block(`setTimeout(function dispatch() {`, () => settle(dd), `}, ${s.ms});`);
      } else {
        const respond = w.fresh('respond');
        w.block(`async function ${respond}(d) {`, () => {
          w.line(`await new Promise((resolve) => setTimeout(resolve, ${s.ms}));`);
          settle('d');
        });
        w.line(`${dishCall(respond, d)};`);
      }
      if (s.use === 'await') {
        w.line(`await ${ask}(0);`);
        w.line(`__work(${d}, ${ms(s.workMs)});`);
      } else {
        const wait = w.fresh('waitReply');
        w.block(`async function ${wait}(d, id) {`, () => {
          w.line(`const reply = await ${ask}(id);`);
          w.line(`__work(d, ${ms(s.workMs)});`);
          w.line(`return reply;`);
        });
        const calls = Array.from(
          { length: s.count },
          (_, i) => `${wait}(__dish(${JSON.stringify(wait)}, ${d}, 'other'), ${i})`,
        );
        w.line(`await Promise.all([${calls.join(', ')}]);`);
      }
      return;
    }
    case 'earlyBreak': {
      const n = w.fresh('n');
      w.line(`let ${n} = 0;`);
      const loopBody = () => {
        w.line(`__work(${d}, ${ms(s.workMs)});`);
        w.line(`if (++${n} === ${s.take}) break;`);
      };
      if (s.source === 'readline') {
        const rl = w.fresh('lines');
        w.line(
          `const ${rl} = require('node:readline').createInterface({ input: Readable.from([${JSON.stringify(
            Array.from({ length: s.items }, (_, i) => `line ${i}\n`).join(''),
          )}]), crlfDelay: Infinity });`,
        );
        w.block(`for await (const line of ${rl}) {`, loopBody);
        return;
      }
      const g = w.fresh('feed');
      w.block(`async function* ${g}(d) {`, () => {
        w.block(`try {`, () => {
          w.line(`for (let i = 0; i < ${s.items}; i++) {`);
          w.line(`  await new Promise((r) => setTimeout(r, 1));`);
          w.line(`  __work(d, ${ms(s.workMs)});`);
          w.line(`  yield String(i);`);
          w.line(`}`);
        });
        w.block(`finally {`, () => w.line(`__work(d, ${ms(s.workMs)});`));
      });
      const source = s.source === 'gen' ? `${g}(${d})` : `Readable.from(${g}(${d}))`;
      w.block(`for await (const item of ${source}) {`, loopBody);
      return;
    }
    case 'pipeGen': {
      const t = w.fresh('upper');
      const items = `Readable.from(Array.from({ length: ${s.items} }, (_, i) => String(i)))`;
      w.block(`async function* ${t}(source) {`, () => {
        w.block(`for await (const chunk of source) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(${d}, ${ms(s.workMs)});`);
          w.line(`yield chunk;`);
        });
      });
      if (s.sink === 'writable')
        w.line(`await pipeline(${items}, ${t}, new Writable({ write(_c, _e, cb) { setTimeout(cb, 1); } }));`);
      else {
        const k = w.fresh('store');
        w.block(`async function ${k}(source) {`, () =>
          w.line(`for await (const chunk of source) __work(${d}, ${ms(s.workMs)});`),
        );
        w.line(`await pipeline(${items}, ${t}, ${k});`);
      }
      return;
    }
    case 'delegate': {
      const inner = w.fresh('rest');
      const outer = w.fresh('all');
      w.block(`async function* ${inner}(d) {`, () => {
        w.line(`for (let i = 0; i < ${s.items}; i++) {`);
        w.line(`  await new Promise((r) => setTimeout(r, 1));`);
        w.line(`  __work(d, ${ms(s.workMs)});`);
        w.line(`  yield i;`);
        w.line(`}`);
      });
      w.block(`async function* ${outer}(d) {`, () => {
        w.line(`yield -1;`);
        w.line(`yield* ${inner}(d);`);
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      w.line(`for await (const item of ${outer}(${d})) __work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'tickStart': {
      const f = w.fresh('flush');
      w.block(`async function ${f}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 2));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      // The callback runs in a stint of the code that queued it: `__running` is set for the call's
      // code before its first await (none here), and put back after.
      const one = s.chain
        ? `${f}(${d}).then(() => __work(${d}, ${ms(s.workMs)}));`
        : `${f}(${d}).catch(__noop);`;
      const call = Array.from({ length: s.calls ?? 1 }, () => one).join(' ');
      const callback = `() => { const was = __running; __running = ${d}; __work(${d}, ${ms(s.workMs)}); ${call} __running = was; }`;
      if (s.via === 'nextTick') w.line(`process.nextTick(${callback});`);
      else if (s.via === 'microtask') w.line(`queueMicrotask(${callback});`);
      else w.line(`process.nextTick(() => queueMicrotask(${callback}));`);
      return;
    }
    case 'timerStart': {
      const f = w.fresh('flush');
      w.block(`async function ${f}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 2));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      const dd = w.fresh('t');
      const every = w.fresh('every');
      const name = s.via === 'interval' ? every : s.via === 'timeout' ? 'timer' : 'immediate';
      const kind = s.via === 'immediate' ? 'immediate' : 'timer';
      w.line(`const ${dd} = __timerDish(${d}, ${JSON.stringify(name)}, ${JSON.stringify(kind)});`);
      const one = s.chain
        ? `${f}(${dd}).then(() => __work(${dd}, ${ms(s.workMs)}));`
        : `${f}(${dd}).catch(__noop);`;
      const call = Array.from({ length: s.calls }, () => one).join(' ');
      // The callback runs in a stint of the timer's dish: `__running` as for a tick's (tickStart).
      const body = `const was = __running; __running = ${dd}; __work(${dd}, ${ms(s.workMs)}); ${call} __running = was;`;
      if (s.via === 'timeout') w.line(`setTimeout(() => { ${body} }, 1);`);
      else if (s.via === 'immediate') w.line(`setImmediate(() => { ${body} });`);
      else {
        const count = w.fresh('n');
        const handle = w.fresh('interval');
        w.line(`let ${count} = 0;`);
        w.line(
          `const ${handle} = setInterval(function ${every}() { ${body} if (++${count} === 2) clearInterval(${handle}); }, 2);`,
        );
      }
      return;
    }
    case 'promisifyCustom': {
      const cb = w.fresh('readConf');
      const custom = `${cb}Async`;
      const p = w.fresh('promised');
      w.block(`function ${cb}(d, done) {`, () =>
        w.line(`fs.stat(__filename, () => { __work(d, ${ms(s.workMs)}); done(null, 1); });`),
      );
      if (s.custom === 'promise')
        w.block(
          `${cb}[util.promisify.custom] = function ${custom}(d) {`,
          () =>
            w.line(
              `return new Promise((resolve) => fs.stat(__filename, () => { __work(d, ${ms(s.workMs)}); resolve(1); }));`,
            ),
          '};',
        );
      else
        w.block(
          `${cb}[util.promisify.custom] = async function ${custom}(d) {`,
          () => {
            w.line(`await new Promise((resolve) => fs.stat(__filename, resolve));`);
            w.line(`__work(d, ${ms(s.workMs)});`);
            w.line(`return 1;`);
          },
          '};',
        );
      w.line(`const ${p} = util.promisify(${cb});`);
      if (s.use === 'await') {
        w.line(`await ${p}(${d});`);
        w.line(`__work(${d}, ${ms(s.workMs)});`);
      } else {
        const calls = Array.from(
          { length: s.count },
          () => `${p}(__dish(${JSON.stringify(custom)}, ${d}, 'other'))`,
        );
        w.line(`await Promise.all([${calls.join(', ')}]);`);
      }
      return;
    }
    case 'thenableAll': {
      const members: string[] = [];
      if (s.style === 'timer') {
        for (let i = 0; i < s.count; i++)
          members.push(
            `((dd) => ({ then(resolve) { setTimeout(() => { __work(dd, ${ms(s.workMs)}); resolve(${i}); }, 2); } }))(__dish('${s.kind}[${i}]', ${d}, 'other'))`,
          );
      } else {
        const q = w.fresh('Query');
        w.block(`class ${q} {`, () => {
          w.line(`constructor(d) { this.d = d; }`);
          w.block(`async run(d) {`, () => {
            w.line(`await new Promise((r) => setTimeout(r, 2));`);
            w.line(`__work(d, ${ms(s.workMs)});`);
            w.line(`return 1;`);
          });
          // `run` chained with the member's resolving functions: the member waits for it, its own work.
          w.line(`then(resolve, reject) { return this.run(this.d).then(resolve, reject); }`);
        });
        const make = s.style === 'builder' ? w.fresh('where') : `new ${q}`;
        if (s.style === 'builder') w.line(`function ${make}(d) { return new ${q}(d); }`);
        for (let i = 0; i < s.count; i++) members.push(`${make}(__dish('${s.kind}[${i}]', ${d}, 'other'))`);
      }
      w.line(`await Promise.${s.kind}([${members.join(', ')}]);`);
      return;
    }
    case 'mapBatches': {
      const g = w.fresh('batches');
      w.block(`async function* ${g}() {`, () => {
        w.line(`for (let b = 0; b < ${s.batches}; b++) {`);
        w.line(`  await new Promise((r) => setTimeout(r, 1));`);
        w.line(`  yield Array.from({ length: ${s.size} }, (_, i) => b * ${s.size} + i);`);
        w.line(`}`);
      });
      const row = w.fresh('fetchRow');
      if (s.call === 'named')
        w.block(`async function ${row}(d, x) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
          w.line(`return x;`);
        });
      w.block(`for await (const batch of ${g}()) {`, () => {
        if (s.call === 'named')
          w.line(
            `await Promise.all(batch.map((x) => ${row}(__dish(${JSON.stringify(row)}, ${d}, 'other'), x)));`,
          );
        else
          w.block(
            `await Promise.all(batch.map(async (x, i) => {`,
            () => {
              w.line(`const dd = __dish('all[' + i + ']', ${d}, 'other');`);
              w.line(`await new Promise((r) => setTimeout(r, 1));`);
              w.line(`__work(dd, ${ms(s.workMs)});`);
            },
            '}));',
          );
        w.line(`__work(${d}, ${ms(s.workMs)});`);
      });
      return;
    }
    case 'abortOnce': {
      const e = w.fresh('quiet');
      const body = `__work(${d}, ${ms(s.workMs)});`;
      w.line(`const ${e} = new EventEmitter();`);
      if (s.via === 'timeout')
        w.line(
          `try { await once(${e}, 'never', { signal: AbortSignal.timeout(${s.ms}) }); } catch { ${body} }`,
        );
      else if (s.via === 'on')
        w.line(
          `try { for await (const _ of require('node:events').on(${e}, 'never', { signal: AbortSignal.timeout(${s.ms}) })) ${body} } catch { ${body} }`,
        );
      else {
        const c = w.fresh('controller');
        w.line(`const ${c} = new AbortController();`);
        w.line(`__timerDish(${d}, 'giveUp', 'timer');`);
        w.line(`setTimeout(function giveUp() { ${c}.abort(); }, ${s.ms});`);
        w.line(`try { await once(${e}, 'never', { signal: ${c}.signal }); } catch { ${body} }`);
      }
      return;
    }
    case 'fieldMethods': {
      const cls = w.fresh('Repo');
      w.block(`class ${cls} {`, () => {
        w.block(`async #fetch(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
        w.block(
          `find = async (d) => {`,
          () => {
            w.line(`await this.#fetch(d);`);
            w.line(`__work(d, ${ms(s.workMs)});`);
          },
          '};',
        );
        w.block(`static async open(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 2));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
          w.line(`return new ${cls}();`);
        });
      });
      if (s.use === 'await') w.line(`await (await ${cls}.open(${d})).find(${d});`);
      else if (s.use === 'all')
        w.line(
          `await Promise.all([new ${cls}().find(__dish('find', ${d}, 'other')), new ${cls}().find(__dish('find', ${d}, 'other'))]);`,
        );
      else {
        w.line(`new ${cls}().find(__dish('find', ${d}, 'other'));`);
        w.line(`${cls}.open(__dish('open', ${d}, 'other')).catch(__noop);`);
      }
      return;
    }
    case 'iterClass': {
      const cls = w.fresh('Feed');
      w.block(`class ${cls} {`, () => {
        w.line(`constructor(d, n) { this.d = d; this.n = n; }`);
        if (s.style === 'generator')
          w.block(`async *[Symbol.asyncIterator]() {`, () => {
            w.block(`try {`, () => {
              w.line(`for (let i = 0; i < this.n; i++) {`);
              w.line(`  await new Promise((r) => setTimeout(r, 1));`);
              w.line(`  __work(this.d, ${ms(s.workMs)});`);
              w.line(`  yield i;`);
              w.line(`}`);
            });
            w.block(`finally {`, () => w.line(`__work(this.d, ${ms(s.workMs)});`));
          });
        else
          w.block(`[Symbol.asyncIterator]() {`, () => {
            w.line(`let i = 0;`);
            w.block(
              `return {`,
              () => {
                w.block(
                  `next: async () => {`,
                  () => {
                    w.line(`await new Promise((r) => setTimeout(r, 1));`);
                    w.line(`if (i >= this.n) return { value: undefined, done: true };`);
                    w.line(`__work(this.d, ${ms(s.workMs)});`);
                    w.line(`return { value: i++, done: false };`);
                  },
                  '},',
                );
                w.block(
                  `return: async () => {`,
                  () => {
                    w.line(`await new Promise((r) => setTimeout(r, 1));`);
                    w.line(`__work(this.d, ${ms(s.workMs)});`);
                    w.line(`return { value: undefined, done: true };`);
                  },
                  '},',
                );
              },
              '};',
            );
          });
      });
      const n = w.fresh('n');
      w.line(`let ${n} = 0;`);
      w.block(`for await (const item of new ${cls}(${d}, ${s.items})) {`, () => {
        w.line(`__work(${d}, ${ms(s.workMs)});`);
        w.line(`if (++${n} === ${s.take}) break;`);
      });
      return;
    }
    case 'raceAbort': {
      const slow = w.fresh('slowLookup');
      const quick = w.fresh('quickLookup');
      w.block(`async function ${slow}(d, signal) {`, () => {
        if (s.via === 'timersPromises')
          w.line(
            `try { await timersPromises.setTimeout(60000, null, { signal }); } catch { __work(d, ${ms(s.workMs)}); }`,
          );
        else
          w.line(
            `try { await new Promise((resolve, reject) => { const t = setTimeout(resolve, 60000); signal.addEventListener('abort', () => { clearTimeout(t); reject(new Error('aborted')); }, { once: true }); }); } catch { __work(d, ${ms(s.workMs)}); }`,
          );
      });
      w.block(`async function ${quick}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, ${s.ms}));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      const ac = w.fresh('controller');
      w.line(`const ${ac} = new AbortController();`);
      w.line(
        `await Promise.race([${slow}(__dish(${JSON.stringify(slow)}, ${d}, 'other'), ${ac}.signal), ${dishCall(quick, d)}]);`,
      );
      w.line(`${ac}.abort();`);
      return;
    }
    case 'asyncListener': {
      const bus = w.fresh('bus');
      const on = w.fresh('onJob');
      w.line(`const ${bus} = new EventEmitter();`);
      w.block(
        `${bus}.on('job', async function ${on}(d) {`,
        () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        },
        '});',
      );
      w.line(
        `for (let i = 0; i < ${s.emits}; i++) ${bus}.emit('job', __dish(${JSON.stringify(on)}, ${d}, 'other'));`,
      );
      return;
    }
    case 'microtaskAsync': {
      const body = `async () => { await new Promise((r) => setTimeout(r, 2)); __work(${d}, ${ms(s.workMs)}); }`;
      w.line(s.via === 'microtask' ? `queueMicrotask(${body});` : `process.nextTick(${body});`);
      return;
    }
    case 'nestedAll': {
      const part = w.fresh('part');
      w.block(`async function ${part}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      const inner = (dd: string): string =>
        `await Promise.all([${Array.from({ length: s.inner }, () => dishCall(part, dd)).join(', ')}]);`;
      const items = `Array.from({ length: ${s.outer} }, (_, i) => i)`;
      if (s.call === 'named') {
        const group = w.fresh('group');
        w.block(`async function ${group}(d) {`, () => {
          w.line(inner('d'));
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
        w.line(`await Promise.all(${items}.map(() => ${dishCall(group, d)}));`);
      } else
        w.block(
          `await Promise.all(${items}.map(async (x, i) => {`,
          () => {
            w.line(`const dd = __dish('all[' + i + ']', ${d}, 'other');`);
            w.line(inner('dd'));
            w.line(`__work(dd, ${ms(s.workMs)});`);
          },
          '}));',
        );
      return;
    }
    case 'intervalAsync': {
      const handle = w.fresh('interval');
      const count = w.fresh('n');
      const dd = w.fresh('t');
      const name = w.fresh('every');
      w.line(`let ${count} = 0;`);
      w.line(`const ${dd} = __timerDish(${d}, ${JSON.stringify(name)}, 'timer');`);
      w.block(
        `const ${handle} = setInterval(async function ${name}() {`,
        () => {
          w.line(`if (++${count} === ${s.times}) clearInterval(${handle});`);
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(${dd}, ${ms(s.workMs)});`);
        },
        `}, ${s.ms});`,
      );
      return;
    }
    case 'streamFinished': {
      const g = w.fresh('rows');
      const r = w.fresh('stream');
      w.block(`async function* ${g}() {`, () => {
        w.line(`for (let i = 0; i < ${s.items}; i++) {`);
        w.line(`  await new Promise((r) => setTimeout(r, 1));`);
        w.line(`  __work(${d}, ${ms(s.workMs)});`);
        w.line(`  yield String(i);`);
        w.line(`}`);
      });
      w.line(`const ${r} = Readable.from(${g}());`);
      if (s.read === 'data') {
        w.line(`${r}.on('data', () => __work(${d}, ${ms(s.workMs)}));`);
        w.line(`await require('node:stream/promises').finished(${r});`);
      } else {
        const sink = w.fresh('sink');
        w.line(
          `const ${sink} = new Writable({ write(_c, _e, cb) { __work(${d}, ${ms(s.workMs)}); cb(); } });`,
        );
        w.line(`${r}.pipe(${sink});`);
        w.line(`await require('node:stream/promises').finished(${sink});`);
      }
      return;
    }
    case 'promisifyTimer': {
      const wait = w.fresh('wait');
      w.line(
        s.timer === 'timeout'
          ? `const ${wait} = util.promisify(setTimeout);`
          : `const ${wait} = util.promisify(setImmediate);`,
      );
      for (let i = 0; i < s.count; i++) {
        w.line(s.timer === 'timeout' ? `await ${wait}(${1 + i});` : `await ${wait}();`);
        w.line(`__work(${d}, ${ms(s.workMs)});`);
      }
      return;
    }
    case 'finallyAwait': {
      const close = w.fresh('close');
      w.block(`async function ${close}(d) {`, () => {
        w.block(`try {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
          if (s.throws) w.line(`throw new Error(${JSON.stringify(`${close} failed`)});`);
        });
        w.block(`finally {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
      });
      if (s.use === 'await') w.line(`try { await ${close}(${d}); } catch {}`);
      else w.line(`await Promise.allSettled([${dishCall(close, d)}, ${dishCall(close, d)}]);`);
      return;
    }
    case 'fromAsync': {
      const g = w.fresh('pages');
      w.block(`async function* ${g}() {`, () => {
        w.line(`for (let i = 0; i < ${s.items}; i++) {`);
        w.line(`  await new Promise((r) => setTimeout(r, 1));`);
        w.line(`  __work(${d}, ${ms(s.workMs)});`);
        w.line(`  yield i;`);
        w.line(`}`);
      });
      const mapper = s.mapper ? w.fresh('toRow') : '';
      if (s.mapper)
        w.line(
          `const ${mapper} = async (x) => { await new Promise((r) => setTimeout(r, 1)); __work(${d}, ${ms(s.workMs)}); return x; };`,
        );
      // Array.fromAsync is Node 22's: on Node 20 the same reading, written by hand.
      const args = s.mapper ? `${g}(), ${mapper}` : `${g}()`;
      const byHand = s.mapper
        ? `(async () => { const a = []; for await (const x of ${g}()) a.push(await ${mapper}(x)); return a; })()`
        : `(async () => { const a = []; for await (const x of ${g}()) a.push(x); return a; })()`;
      w.line(`await (typeof Array.fromAsync === 'function' ? Array.fromAsync(${args}) : ${byHand});`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'onSignal': {
      const e = w.fresh('jobs');
      const c = w.fresh('controller');
      const n = w.fresh('n');
      const feed = w.fresh('feed');
      w.line(`const ${e} = new EventEmitter();`);
      w.line(`const ${c} = new AbortController();`);
      w.line(`let ${n} = 0;`);
      // A timer the script's top level sets is a dish of its own: this one only emits.
      w.line(`__timerDish(${d}, ${JSON.stringify(feed)}, 'timer');`);
      w.line(
        `setTimeout(function ${feed}() { for (let i = 0; i < ${s.times}; i++) ${e}.emit('job', i);${s.end === 'controller' ? ` ${c}.abort();` : ''} }, 2);`,
      );
      w.block(
        `try {`,
        () =>
          w.block(
            `for await (const [job] of require('node:events').on(${e}, 'job', { signal: ${c}.signal })) {`,
            () => {
              w.line(`__work(${d}, ${ms(s.workMs)});`);
              if (s.end === 'break') w.line(`if (++${n} === ${s.times}) break;`);
            },
          ),
        `} catch { __work(${d}, ${ms(s.workMs)}); }`,
      );
      return;
    }
    case 'factory': {
      const cls = w.fresh('Db');
      w.block(`class ${cls} {`, () => {
        w.block(`static async open(d) {`, () => {
          w.line(`const db = new ${cls}();`);
          w.line(`await db.init(d);`);
          w.line(`return db;`);
        });
        w.block(`async init(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
        w.block(`async query(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
      });
      const db = w.fresh('db');
      if (s.use === 'await') {
        w.line(`const ${db} = await ${cls}.open(${d});`);
        w.line(`__running = ${d};`);
        w.line(`await ${db}.query(${d});`);
      } else {
        const other = w.fresh('db');
        w.line(
          `const [${db}, ${other}] = await Promise.all([${cls}.open(__dish('open', ${d}, 'other')), ${cls}.open(__dish('open', ${d}, 'other'))]);`,
        );
        w.line(`__running = ${d};`);
        w.line(`await ${db}.query(${d});`);
        w.line(`__running = ${d};`);
        w.line(`await ${other}.query(${d});`);
      }
      return;
    }
    case 'abortSleep': {
      const signal = w.fresh('signal');
      if (s.via === 'controller') {
        const c = w.fresh('controller');
        const cancel = w.fresh('cancel');
        w.line(`const ${c} = new AbortController();`);
        w.line(`__timerDish(${d}, ${JSON.stringify(cancel)}, 'timer');`);
        w.line(`setTimeout(function ${cancel}() { ${c}.abort(); }, ${s.ms});`);
        w.line(`const ${signal} = ${c}.signal;`);
      } else w.line(`const ${signal} = AbortSignal.timeout(${s.ms});`);
      w.line(
        `try { await timersPromises.setTimeout(60000, null, { signal: ${signal} }); } catch { __running = ${d}; __work(${d}, ${ms(s.workMs)}); }`,
      );
      return;
    }
    case 'crawlTree': {
      const fn = w.fresh('crawl');
      w.block(`async function ${fn}(d, n) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
        w.line(
          `if (n > 0) await Promise.all([${fn}(__dish(${JSON.stringify(fn)}, d, 'other'), n - 1), ${fn}(__dish(${JSON.stringify(fn)}, d, 'other'), n - 1)]);`,
        );
      });
      w.line(`await ${fn}(${d}, ${s.depth});`);
      return;
    }
    case 'alsRun': {
      const als = w.fresh('context');
      const fn = w.fresh('inContext');
      w.line(`const ${als} = new (require('node:async_hooks').AsyncLocalStorage)();`);
      w.block(`async function ${fn}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        // The tracer must not lose the program's store: a lost one fails the program's run.
        w.line(
          `if (${als}.getStore()?.d !== d) { process.exitCode = 3; console.error(${JSON.stringify(`${fn}: the store was lost`)}); }`,
        );
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      const run = (dd: string): string =>
        s.via === 'direct'
          ? `${als}.run({ d: ${dd} }, ${fn}, ${dd})`
          : `${als}.run({ d: ${dd} }, () => ${fn}(${dd}))`;
      if (s.use === 'await') w.line(`await ${run(d)};`);
      else if (s.use === 'forget') {
        const dd = w.fresh('c');
        w.line(`const ${dd} = __dish(${JSON.stringify(fn)}, ${d}, 'other');`);
        w.line(`${run(dd)}.catch(__noop);`);
      } else {
        const [a, b] = [w.fresh('c'), w.fresh('c')];
        w.line(
          `const ${a} = __dish(${JSON.stringify(fn)}, ${d}, 'other'), ${b} = __dish(${JSON.stringify(fn)}, ${d}, 'other');`,
        );
        w.line(`await Promise.all([${run(a)}, ${run(b)}]);`);
      }
      return;
    }
    case 'forEachAsync': {
      const fn = s.named ? w.fresh('notify') : '';
      const head = s.named ? `async function ${fn}(i) {` : `async (i) => {`;
      const items = Array.from({ length: s.count }, (_, i) => i).join(', ');
      w.block(
        `[${items}].forEach(${head}`,
        () => {
          w.line(`const dd = __dish(${JSON.stringify(fn || 'async call')}, ${d}, 'other');`);
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(dd, ${ms(s.workMs)});`);
        },
        '});',
      );
      return;
    }
    case 'forAwaitCalls': {
      const fn = w.fresh('row');
      w.block(`async function ${fn}(d, i) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1 + i));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
        w.line(`return i;`);
      });
      // No call's promise is awaited or chained by the code: each is a call nobody awaited.
      const calls = Array.from(
        { length: s.count },
        (_, i) => `${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'), ${i})`,
      );
      w.line(`for await (const v of [${calls.join(', ')}]) __work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'chainMembers': {
      const fn = w.fresh('fetch');
      w.block(`async function ${fn}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
        w.line(`return d;`);
      });
      let link = `.then((dd) => { __work(dd, ${ms(s.workMs)}); return dd; })`;
      if (s.link === 'call') {
        const save = w.fresh('save');
        w.block(`async function ${save}(d) {`, () => {
          w.line(`await new Promise((r) => setTimeout(r, 1));`);
          w.line(`__work(d, ${ms(s.workMs)});`);
        });
        link = `.then((dd) => ${save}(dd))`;
      }
      const call = `${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'))${link}`;
      if (s.style === 'literal')
        w.line(`await Promise.${s.kind}([${Array.from({ length: s.count }, () => call).join(', ')}]);`);
      else
        w.line(
          `await Promise.${s.kind}([${Array.from({ length: s.count }, (_, i) => i).join(', ')}].map(() => ${call}));`,
        );
      return;
    }
    case 'thenReturn': {
      const fn = w.fresh('step');
      w.block(`async function ${fn}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, 1));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      if (s.style === 'link')
        w.line(
          `await ${fn}(${d})${`.then(() => ${fn}(${d}))`.repeat(s.count - 1)}.then(() => __work(${d}, ${ms(s.workMs)}));`,
        );
      else {
        w.line(
          `await [${Array.from({ length: s.count }, (_, i) => i).join(', ')}].reduce((p) => p.then(() => ${fn}(${d})), Promise.resolve());`,
        );
        w.line(`__work(${d}, ${ms(s.workMs)});`);
      }
      return;
    }
    case 'abortAny': {
      const c = w.fresh('controller');
      const signal = w.fresh('signal');
      w.line(`const ${c} = new AbortController();`);
      if (s.via === 'controller') {
        const cancel = w.fresh('cancel');
        w.line(`__timerDish(${d}, ${JSON.stringify(cancel)}, 'timer');`);
        w.line(`setTimeout(function ${cancel}() { ${c}.abort(); }, ${s.ms});`);
        w.line(`const ${signal} = AbortSignal.any([${c}.signal, AbortSignal.timeout(60000)]);`);
        w.line(
          `try { await timersPromises.setTimeout(60000, null, { signal: ${signal} }); } catch { __running = ${d}; __work(${d}, ${ms(s.workMs)}); }`,
        );
        return;
      }
      // The timeout signal held by the code until the sleep ends (read after it): Node 20's
      // AbortSignal.any holds its sources by WeakRef, and AbortSignal.timeout's timer its signal,
      // so a timeout signal nothing else holds goes with a full GC before it fires and the sleep
      // runs its 60 s (nodejs/node#57736; seed 183126, where the tracer's allocations made that GC
      // likelier). A program of ours must end on every Node, whatever the GC's timing. (Named
      // after the signal, not by `fresh`: the program's other names stay as they were.)
      const timeout = `${signal}Timeout`;
      w.line(`const ${timeout} = AbortSignal.timeout(${s.ms});`);
      w.line(`const ${signal} = AbortSignal.any([${c}.signal, ${timeout}]);`);
      w.line(
        `try { await timersPromises.setTimeout(60000, null, { signal: ${signal} }); } catch { __running = ${d}; __work(${d}, ${ms(s.workMs)}); }`,
      );
      w.line(`void ${timeout}.aborted;`);
      return;
    }
    case 'broadcast': {
      const name = w.fresh('bc');
      const [a, b] = [w.fresh('channel'), w.fresh('channel')];
      // A name of its own each run: two requests running this code at once must not hear each other.
      w.line(
        `const ${name} = ${JSON.stringify(`${name}:`)} + (globalThis.__broadcasts = (globalThis.__broadcasts ?? 0) + 1);`,
      );
      w.line(`const ${a} = new BroadcastChannel(${name}), ${b} = new BroadcastChannel(${name});`);
      w.line(
        `await new Promise((resolve) => { ${b}.onmessage = () => { __work(${d}, ${ms(s.workMs)}); resolve(); }; ${a}.postMessage(1); });`,
      );
      w.line(`${a}.close(); ${b}.close();`);
      return;
    }
    case 'fileStream':
      if (s.source === 'file')
        w.line(
          `for await (const chunk of fs.createReadStream(__filename, { start: 0, end: 2047, highWaterMark: 1024 })) __work(${d}, ${ms(s.workMs)});`,
        );
      else
        w.line(
          `await pipeline(Readable.from([Buffer.alloc(65536, 7)]), zlib.createGzip(), new Writable({ write(_c, _e, cb) { __work(${d}, ${ms(s.workMs)}); cb(); } }));`,
        );
      return;
    case 'raceTimeout': {
      const fn = w.fresh('fetch');
      w.block(`async function ${fn}(d) {`, () => {
        w.line(`await new Promise((r) => setTimeout(r, ${s.ms}));`);
        w.line(`__work(d, ${ms(s.workMs)});`);
        w.line(`return 1;`);
      });
      const call = dishCall(fn, d);
      if (s.style === 'inline') {
        const t = w.fresh('timer');
        w.line(`let ${t};`);
        w.line(
          `await Promise.race([${call}, new Promise((_, reject) => { ${t} = setTimeout(() => reject(new Error('timed out')), 60000); })]).finally(() => clearTimeout(${t}));`,
        );
      } else {
        const h = w.fresh('withTimeout');
        w.block(`function ${h}(p, ms) {`, () => {
          w.line(`let t;`);
          w.line(
            `return Promise.race([p, new Promise((_, reject) => { t = setTimeout(() => reject(new Error('timed out')), ms); })]).finally(() => clearTimeout(t));`,
          );
        });
        w.line(`await ${h}(${call}, 60000);`);
      }
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'workerReply': {
      const wk = w.fresh('worker');
      const source =
        "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m + 1));";
      w.line(
        `const ${wk} = new (require('node:worker_threads').Worker)(${JSON.stringify(source)}, { eval: true });`,
      );
      // The worker's own task (its start and exit), named by its source: no work of the program's.
      w.line(`__dish('worker eval', ${d}, 'other');`);
      w.line(
        `await new Promise((resolve) => { ${wk}.once('message', () => { __work(${d}, ${ms(s.workMs)}); resolve(); }); ${wk}.postMessage(1); });`,
      );
      w.line(`await ${wk}.terminate();`);
      return;
    }
    case 'httpCall': {
      // The server's port: the program's own (`self`, from a route: `req` is the request), or the
      // second server's, which its first caller makes.
      const port = w.fresh('port');
      if (s.target === 'self') w.line(`const ${port} = req.socket.localPort;`);
      else w.line(`const ${port} = await __upstream();`);
      const path = `/${s.target === 'self' ? 'self' : 'up'}/${ms(s.serverMs)}`;
      /** One request of dish `dd` to port `p`, awaited, its reply worked on, then work. */
      const request = (dd: string, p: string): void => {
        if (s.client === 'get')
          w.line(
            `await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port: ${p}, path: ${JSON.stringify(path)} }, (res) => { __work(${dd}, ${ms(s.replyMs)}); res.resume(); res.on('end', resolve); }).on('error', reject));`,
          );
        else {
          const r = w.fresh('response');
          w.line(`const ${r} = await fetch('http://127.0.0.1:' + ${p} + ${JSON.stringify(path)});`);
          w.line(`__work(${dd}, ${ms(s.replyMs)});`);
          w.line(`await ${r}.text();`);
        }
        w.line(`__work(${dd}, ${ms(s.workMs)});`);
      };
      if (s.use === 'await') {
        for (let i = 0; i < s.count; i++) request(d, port);
        return;
      }
      const fn = w.fresh('getUp');
      w.block(`async function ${fn}(d, port) {`, () => request('d', 'port'));
      if (s.use === 'forget')
        w.line(`${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'), ${port}).catch(__noop);`);
      else {
        const calls = Array.from(
          { length: s.count },
          () => `${fn}(__dish(${JSON.stringify(fn)}, ${d}, 'other'), ${port})`,
        );
        w.line(`await Promise.all([${calls.join(', ')}]);`);
      }
      return;
    }
    case 'spawnChild': {
      const fn = w.fresh('runChild');
      w.block(`async function ${fn}(d) {`, () => {
        w.line(
          `const child = require('node:child_process').spawn(process.execPath, ['-e', 'process.stdout.write("1")'], { stdio: ['ignore', ${s.data ? "'pipe'" : "'ignore'"}, 'ignore'] });`,
        );
        if (s.data) w.line(`child.stdout.on('data', () => __work(d, ${ms(s.workMs)}));`);
        if (s.wait === 'once') w.line(`await once(child, ${JSON.stringify(s.event)});`);
        else
          w.line(
            `await new Promise((resolve, reject) => { child.on('error', reject); child.on(${JSON.stringify(s.event)}, () => { __work(d, ${ms(s.workMs)}); resolve(); }); });`,
          );
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      if (s.use === 'await') w.line(`await ${fn}(${d});`);
      else w.line(`await Promise.all([${dishCall(fn, d)}, ${dishCall(fn, d)}]);`);
      return;
    }
    case 'netMany': {
      const srv = w.fresh('lineServer');
      const net = `require('node:net')`;
      w.block(
        `const ${srv} = ${net}.createServer((socket) => {`,
        () => {
          // Each connection is a task of its own, no parent, named by the server's port.
          w.line(`const c = __dish('connection :' + ${srv}.address().port, -1, 'other');`);
          if (s.handler === 'sync')
            w.line(`socket.on('data', (b) => { __work(c, ${ms(s.serverMs)}); socket.write(b); });`);
          else {
            const on = w.fresh('onLine');
            w.block(
              `socket.on('data', async function ${on}(b) {`,
              () => {
                w.line(`const m = __dish(${JSON.stringify(on)}, c, 'other');`);
                w.line(`await new Promise((r) => setTimeout(r, 1));`);
                w.line(`__work(m, ${ms(s.serverMs)});`);
                w.line(`socket.write(b);`);
              },
              '});',
            );
          }
        },
        '});',
      );
      w.line(`await new Promise((r) => ${srv}.listen(0, '127.0.0.1', r));`);
      const total = 2 * s.lines;
      /** The conversation of dish `dd` on socket `k`: its lines and their answers, then its close. */
      const talk = (dd: string, k: string): void => {
        if (s.read === 'once') {
          w.block(`for (let i = 0; i < ${s.lines}; i++) {`, () => {
            w.line(`${k}.write('x\\n');`);
            w.line(`await once(${k}, 'data');`);
            w.line(`__work(${dd}, ${ms(s.workMs)});`);
          });
        } else {
          w.line(`for (let i = 0; i < ${s.lines}; i++) ${k}.write('x\\n');`);
          w.line(`let got = 0;`);
          w.block(`for await (const chunk of ${k}) {`, () => {
            w.line(`__work(${dd}, ${ms(s.workMs)});`);
            w.line(`got += chunk.length;`);
            w.line(`if (got >= ${total}) break;`);
          });
        }
        w.line(`${k}.destroy();`);
      };
      const connect = `${net}.connect(${srv}.address().port, '127.0.0.1')`;
      if (s.use === 'await') {
        const socks = Array.from({ length: s.conns }, () => w.fresh('socket'));
        w.line(`const ${socks.map((k) => `${k} = ${connect}`).join(', ')};`);
        w.block(`for (const k of [${socks.join(', ')}]) {`, () => talk(d, 'k'));
      } else {
        const fn = w.fresh('dial');
        w.block(`async function ${fn}(d) {`, () => {
          w.line(`const k = ${connect};`);
          talk('d', 'k');
        });
        w.line(`await Promise.all([${Array.from({ length: s.conns }, () => dishCall(fn, d)).join(', ')}]);`);
      }
      w.line(`${srv}.close();`);
      return;
    }
    case 'forkChild': {
      const fn = w.fresh('runFork');
      // The child: sends a message every 5 ms (the first when asked, or at once), then disconnects.
      const posts = `let i = 0; const t = setInterval(() => { process.send(i); if (++i === ${s.messages}) { clearInterval(t); process.disconnect(); } }, 5);`;
      const source = s.ask ? `process.once('message', () => { ${posts} });` : posts;
      w.block(`async function ${fn}(d) {`, () => {
        // fork runs `node -e <source> <this file>`: the source, with an IPC channel.
        w.line(
          `const child = require('node:child_process').fork(__filename, [], { execArgv: ['-e', ${JSON.stringify(source)}], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });`,
        );
        w.line(`const exited = once(child, 'exit');`);
        w.line(
          `await new Promise((resolve, reject) => { let got = 0; child.on('error', reject); child.on('message', () => { __work(d, ${ms(s.workMs)}); if (++got === ${s.messages}) resolve(); });${s.ask ? ' child.send(1);' : ''} });`,
        );
        w.line(`await exited;`);
        w.line(`__work(d, ${ms(s.workMs)});`);
      });
      if (s.use === 'await') w.line(`await ${fn}(${d});`);
      else w.line(`await Promise.all([${dishCall(fn, d)}, ${dishCall(fn, d)}]);`);
      return;
    }
    case 'workerPosts': {
      const wk = w.fresh('worker');
      const source = `const { parentPort } = require('node:worker_threads'); let i = 0; const t = setInterval(() => { parentPort.postMessage(i); if (++i === ${s.messages}) clearInterval(t); }, 5);`;
      w.line(
        `const ${wk} = new (require('node:worker_threads').Worker)(${JSON.stringify(source)}, { eval: true });`,
      );
      // The worker's own task (its start and exit), named by its source; a message nobody asked for
      // is its work, but for the last, which settles the code's wait (README: "the reply is the
      // work of the task waiting for it … else of the worker task").
      const wd = w.fresh('workerDish');
      w.line(`const ${wd} = __dish('worker eval', ${d}, 'worker');`);
      w.line(
        `await new Promise((resolve) => { let got = 0; ${wk}.on('message', () => { if (++got === ${s.messages}) { __work(${d}, ${ms(s.workMs)}); resolve(); } else __work(${wd}, ${ms(s.workMs)}); }); });`,
      );
      w.line(`await ${wk}.terminate();`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'forkOpen': {
      // The child: waits for a message, then sends one every 5 ms and disconnects; never asked, it
      // exits after 30 s (the timer, unref'd, keeps it no longer than its channel does).
      const posts = `let i = 0; const t = setInterval(() => { process.send(i); if (++i === ${s.messages}) { clearInterval(t); process.disconnect(); } }, 5);`;
      const source = `setTimeout(() => process.exit(0), 30000).unref(); process.once('message', () => { ${posts} });`;
      w.line(
        `const early${s.id} = require('node:child_process').fork(__filename, [], { execArgv: ['-e', ${JSON.stringify(source)}], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });`,
      );
      return;
    }
    case 'forkAsk': {
      const child = `early${s.id}`;
      const exited = w.fresh('exited');
      w.line(`const ${exited} = once(${child}, 'exit');`);
      w.line(
        `await new Promise((resolve, reject) => { let got = 0; ${child}.on('error', reject); ${child}.on('message', () => { __work(${d}, ${ms(s.workMs)}); if (++got === ${s.messages}) resolve(); }); ${child}.send(1); });`,
      );
      w.line(`await ${exited};`);
      w.line(`__work(${d}, ${ms(s.workMs)});`);
      return;
    }
    case 'gate': {
      const g = w.fresh('gate');
      w.line(
        `const ${g} = new Promise((resolve) => { __timerDish(${d}, 'open', 'timer'); setTimeout(function open() { resolve(); }, ${s.ms}); });`,
      );
      const call = `afterGate(__dish('afterGate', ${d}, 'other'), ${g}, ${ms(s.workMs)})`;
      if (s.style === 'forget') w.line(`${call};`);
      else w.line(`await Promise.all([${call}, ${call}]);`);
      return;
    }
  }
}

/** `call` with `.then`/`.catch`/`.finally` links, each working `workMs` for dish `d`. */
function chained(call: string, links: ChainLink[], d: string, workMs: number): string {
  let expr = call;
  for (const link of links) {
    if (link === 'then') expr += `.then((v) => { __work(${d}, ${ms(workMs)}); return v; })`;
    else if (link === 'catch') expr += `.catch(() => { __work(${d}, ${ms(workMs)}); })`;
    else expr += `.finally(() => { __work(${d}, ${ms(workMs)}); })`;
  }
  return expr;
}

/** The work of each link of a chain a function returns (FnDef.returnLinks). */
const RETURN_LINK_MS = 0.8;

function renderFn(w: Writer, fn: FnDef): void {
  w.block(`async function ${fn.name}(d) {`, () => {
    renderStmts(w, fn.body, 'd');
    if (fn.fails) w.line(`throw new Error(${JSON.stringify(`${fn.name} failed`)});`);
    else if (fn.returns !== null && fn.returnHeld !== undefined) {
      const held = w.fresh('held');
      w.line(
        `const ${held} = ${chained(dishCall(fn.returns, 'd'), fn.returnLinks ?? [], 'd', RETURN_LINK_MS)};`,
      );
      renderStmts(w, fn.returnHeld, 'd');
      w.line(`return ${held};`);
    } else if (fn.returns !== null)
      w.line(`return ${chained(`${fn.returns}(d)`, fn.returnLinks ?? [], 'd', RETURN_LINK_MS)};`);
  });
}

/** Whether a statement of the program, at any depth, is one `test` takes. */
function uses(p: Program, test: (s: Stmt) => boolean): boolean {
  const any = (body: Stmt[]): boolean =>
    body.some(
      (s) =>
        test(s) ||
        ((s.k === 'scope' || s.k === 'iife') && any(s.body)) ||
        (s.k === 'startLater' && any(s.between)),
    );
  return (
    any(p.main) ||
    p.fns.some((f) => any(f.body) || any(f.returnHeld ?? [])) ||
    (p.server?.routes ?? []).some((r) => any(r.before) || any(r.after))
  );
}

/**
 * The second local server of the ninth set's `httpCall` (rendered only where a program uses it):
 * made by its first caller, each request it takes a dish of its own whose name says how long its
 * handler works. Unref'd, so that it keeps nothing alive; its keep-alive sockets close soon after
 * their last request.
 */
const UPSTREAM = `let __upServer = null;
function __upstream() {
  return (__upServer ??= new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const d = __dish('GET ' + req.url, -1, 'request');
      __work(d, Number(req.url.slice(4)));
      res.end('up');
    });
    server.keepAliveTimeout = 200;
    server.listen(0, '127.0.0.1', () => { server.unref(); resolve(server.address().port); });
  }));
}`;

/** The program's source text. */
export function render(p: Program): string {
  const w = new Writer();
  w.line(`// looplens truth program, seed ${p.seed}`);
  for (const fn of p.fns) renderFn(w, fn);
  w.line(`const __fns = { ${p.fns.map((f) => f.name).join(', ')} };`);
  if (p.server !== null) {
    const routes = p.server.routes;
    w.block('async function __handle(req, res) {', () => {
      w.line(`const path = req.url.split('?')[0];`);
      w.line(`const d = __dish(req.method + ' ' + path, -1, 'request');`);
      w.line(`__running = d;`);
      // The server called by its own routes (the ninth set's `httpCall`): only where one does.
      if (uses(p, (s) => s.k === 'httpCall' && s.target === 'self'))
        w.line(
          `if (path.startsWith('/self/')) { __work(d, Number(path.slice(6))); res.end('self'); return; }`,
        );
      for (const r of routes) {
        w.block(`if (path === ${JSON.stringify(r.path)}) {`, () => {
          renderStmts(w, r.before, 'd');
          w.line(`res.end('ok');`);
          renderStmts(w, r.after, 'd');
          w.line('return;');
        });
      }
      w.line(`res.statusCode = 404; res.end();`);
    });
    w.block('function __get(port, path) {', () => {
      w.line(
        `return new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject));`,
      );
    });
  }
  if (uses(p, (s) => s.k === 'httpCall' && s.target === 'second')) w.line(UPSTREAM);
  w.block('async function __program() {', () => {
    renderStmts(w, p.main, '__main');
    if (p.server !== null) {
      w.line(`const server = http.createServer(__handle);`);
      w.line(`await new Promise((r) => server.listen(0, '127.0.0.1', r));`);
      w.line(`const port = server.address().port;`);
      // The client's requests are members of a Promise.all in the script: dishes without work.
      w.line(
        `await Promise.all(${JSON.stringify(p.server.requests)}.map((path) => (async function client(d) { await __get(port, path); })(__dish('client', __main, 'other'))));`,
      );
      w.line(`server.close(); server.closeAllConnections();`);
    }
  });
  w.line(`__program().catch((e) => { console.error(e); process.exitCode = 1; });`);
  return PRELUDE + w.text() + '\n';
}

/** What a program recorded about itself. */
export interface Truth {
  dishes: Array<{ id: number; name: string; parent: number; kind: string }>;
  /**
   * [dish, start, end, idle] on the trace clock; idle: the loop's idle time so far (libuv's, as
   * `performance.eventLoopUtilization()` reads it), the same at the stretch's end.
   */
  stretches: Array<[number, number, number, number?]>;
  /** [time, idle so far] as the program exited. */
  end?: [number, number];
  /** The narrowest bracket of performance.now() around a process.hrtime() reading, ms. */
  clockMs?: number;
}
