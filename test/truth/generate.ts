/**
 * Random programs for the truth checks: seeded and reproducible (the same seed makes the same
 * program), built from every statement kind of program.ts. Functions only call functions defined
 * after them, so every program ends.
 */
import {
  AWAITING,
  ChainLink,
  Combinator,
  FnDef,
  ForgetStyle,
  IoApi,
  Program,
  Route,
  SleepStyle,
  Stmt,
} from './program';

/** mulberry32: a small, fast, seedable generator. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  /** Helper functions in the program. */
  fns?: number;
  /** Statements in the main script. */
  mainStatements?: number;
  /** Make an HTTP server with concurrent requests. */
  server?: boolean;
  /**
   * Add the constructs added since the generator's first set (mapLimit), each from a random stream
   * of its own (default true). False keeps a seed's program as it was before them: the regressions
   * named by seed.
   */
  added?: boolean;
  /**
   * The generator's version: 1 makes the programs it made before its second set of constructs
   * (user-written async generators, `timers/promises` and `events.on` iterators, abort signals,
   * `EventTarget`, `MessageChannel`, web streams, `execFile`, a `net` pair, `readline`, class
   * methods and getters, async IIFEs, recursion, `Promise.withResolvers`, `await` of a value, a
   * shared memo); 2 adds them, from a random stream of their own drawn last, so a
   * seed's program is its version-1 program with some of them added (or none: about half); 3 adds
   * the third set (deferreds kept in a `Map` and settled by another task, `for await`
   * that breaks early), from a stream of its own drawn after every other: a seed's program is its
   * version-2 program with one or two of them added (or none: about half); 4 adds the
   * fourth set (`pipeline` through an async generator, `yield*`, ticks and microtasks that start calls,
   * `util.promisify.custom`, thenables given to `Promise.all`, async arrows mapped in a `for await`,
   * `events.once` given a signal, class fields and private methods), likewise: a seed's program is its
   * version-3 program with one to three of them added (or none: about half); 5 adds
   * the fifth set (a class whose instances are async iterables read by `for await` that breaks, an
   * `AbortController` cancelling the loser of a `Promise.race`, an `EventEmitter` of the program's
   * with an async listener, `queueMicrotask`/`nextTick` of an async arrow, `Promise.all` nested in
   * a `map` callback, and ticks and microtasks that start two or three calls), likewise: a seed's
   * program is its version-4 program with one to three of them added (or none: about half); 6 adds
   * the sixth set (`setInterval` with an async callback, `stream/promises`' `finished`,
   * `util.promisify(setTimeout)` and `(setImmediate)`, a `try/finally` whose `finally` awaits,
   * `Array.fromAsync` with an async mapper, `for await` over `events.on` given an `AbortSignal`),
   * likewise: a seed's program is its version-5 program with one to three of them added (or none:
   * about half); 7 adds the seventh set (a class with a static async factory that
   * awaits its instance's `init`, a `timers/promises` sleep cancelled by an `AbortSignal` with its
   * rejection caught, async recursion that fans out through `Promise.all`), likewise: a seed's
   * program is its version-6 program with one to three of them added (or none: about half); 8 adds
   * the eighth set (`AsyncLocalStorage.run` of an async function, `forEach` of an
   * async function, `for await` over calls' promises, `Promise.all` of calls with `.then` links,
   * chains whose links return calls (by hand or by `reduce`), `AbortSignal.any`, `BroadcastChannel`,
   * `fs.createReadStream` and a gzip stream, `Promise.race` against a timeout, a `Worker`'s answer),
   * likewise: a seed's program is its version-7 program with one to three of them added (or none:
   * about half); 9 (the default) adds the ninth set (HTTP requests out of the code — to a second
   * local server, or a route's to the program's own server — awaited, given to `Promise.all` or left
   * running; `child_process.spawn` awaited by its `'exit'` or `'close'` event, its stdout read in
   * `'data'` listeners; a `net` server with several connections, sync or async `'data'` handlers,
   * its clients' sockets read with `events.once` or `for await`), likewise: a seed's program is its
   * version-8 program with one to three of them added (or none: about half); 10 puts
   * the ninth set's child processes only in bodies the program runs once or twice (`bodyRuns`): at
   * 9 a child process went into any body, and a function called 42 times (a leaf of the call tree,
   * seed 178052) started 84 Node processes. A seed's program at 10 is its version-9 program but where
   * that one put a child process in a body run more often. 11 adds the tenth set
   * (a child forked with an IPC channel whose messages come back, asked or on its own; a `Worker`
   * that posts on its own), likewise: a seed's program is its version-10 program with one or two of
   * them added (or none: about two in three), in bodies run once or twice, most often a route's
   * after its response where the program has one. 12 (the default) adds the eleventh set (a child
   * forked while the code's work goes on and sent a message later — most often forked before a
   * route's response and asked after it), likewise: a seed's program is its version-11 program with
   * one or two of them added (or none: about two in three).
   */
  version?: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12;
}

const NAMES = [
  'loadUser',
  'fetchOrders',
  'audit',
  'refreshCache',
  'sendEmail',
  'resize',
  'lookupPrice',
  'persist',
  'notify',
  'warmUp',
  'score',
  'index',
  'render',
  'compress',
  'verify',
  'billing',
  'sync',
  'report',
];

export function generate(seed: number, options: GenerateOptions = {}): Program {
  const rnd = random(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const chance = (p: number) => rnd() < p;
  const work = () => 0.6 + Math.round(rnd() * 14) / 10;

  const fnCount = options.fns ?? int(3, 7);
  const fns: FnDef[] = [];
  const names = [...NAMES].sort(() => rnd() - 0.5).slice(0, fnCount);
  // Decide up front which functions fail, so callers know how to handle them.
  const fails = names.map((_, i) => i > 0 && chance(0.2));

  let scopes = 0;
  /** Functions callable from function `from` (-1: main or a route): those after it. */
  const callable = (from: number, failing?: boolean) =>
    names.filter((_, i) => i > from && (failing === undefined || fails[i] === failing));

  /**
   * A function's statements: some work, and (for a function, as linters ask of an async function)
   * at least one await, somewhere.
   */
  function body(from: number, depth: number, count: number, awaits = true): Stmt[] {
    const out: Stmt[] = [];
    for (let i = 0; i < count; i++) out.push(stmt(from, depth));
    if (!out.some((s) => s.k === 'work')) out.push({ k: 'work', ms: work() });
    if (awaits && !out.some((s) => AWAITING.has(s.k))) {
      out.splice(int(0, out.length), 0, {
        k: 'sleep',
        ms: int(1, 8),
        style: pick<SleepStyle>(['resolve', 'timersPromises']),
      });
    }
    return out;
  }

  function stmt(from: number, depth: number): Stmt {
    const ok = callable(from, false);
    const bad = callable(from, true);
    const any = callable(from);
    const kinds: Array<[number, () => Stmt | null]> = [
      [4, () => ({ k: 'work', ms: work() })],
      [
        3,
        () => ({
          k: 'sleep',
          ms: int(1, 12),
          style: pick<SleepStyle>(['resolve', 'arrow', 'timersPromises', 'immediatePromise']),
        }),
      ],
      [3, () => (ok.length ? { k: 'await', fn: pick(ok) } : null)],
      [
        2,
        () => {
          if (any.length === 0) return null;
          const fn = pick(any);
          const links: ChainLink[] = fails[names.indexOf(fn)]
            ? ['catch', ...(chance(0.5) ? (['finally'] as const) : [])]
            : [pick(['then', 'finally'] as const), ...(chance(0.3) ? (['catch'] as const) : [])];
          return { k: 'chain', fn, links, workMs: work() };
        },
      ],
      [
        3,
        () => {
          if (any.length === 0 || depth > 2) return null;
          const kind = pick<Combinator>(['all', 'allSettled', 'race', 'any']);
          const members = Array.from({ length: int(2, 3) }, () => pick(any));
          return { k: 'combinator', kind, fns: members, style: chance(0.3) ? 'map' : 'literal' };
        },
      ],
      [
        3,
        () => {
          if (any.length === 0 || depth > 2) return null;
          const fn = pick(any);
          const style: ForgetStyle = fails[names.indexOf(fn)]
            ? pick(['catch', 'then'] as const)
            : pick(['bare', 'void', 'catch', 'then'] as const);
          return { k: 'forget', fn, style };
        },
      ],
      [
        1,
        () =>
          any.length && depth <= 2
            ? {
                k: 'startLater',
                fn: pick(any),
                between: [
                  { k: 'work', ms: work() },
                  { k: 'sleep', ms: int(1, 6), style: 'resolve' },
                ],
              }
            : null,
      ],
      [1, () => ({ k: 'thenable', workMs: work() })],
      [1, () => ({ k: 'timer', ms: int(0, 10), workMs: work(), named: chance(0.7) })],
      [0.5, () => ({ k: 'interval', ms: int(2, 6), times: int(2, 3), workMs: work() })],
      [1, () => ({ k: 'immediate', workMs: work() })],
      [1, () => ({ k: 'nextTick', workMs: work() })],
      [1, () => ({ k: 'microtask', workMs: work() })],
      [1, () => ({ k: 'emitterOnce', ms: int(1, 6), workMs: work() })],
      [1, () => ({ k: 'emitterOn', workMs: work() })],
      [0.7, () => ({ k: 'forAwait', items: int(2, 3), workMs: work() })],
      [0.7, () => ({ k: 'pipeline', items: int(2, 3), workMs: work() })],
      [
        2,
        () => ({
          k: 'io',
          api: pick<IoApi>([
            'fsCallback',
            'fsPromise',
            'dnsCallback',
            'dnsPromise',
            'zlibCallback',
            'zlibPromisified',
            'cryptoCallback',
            'cryptoPromisified',
          ]),
          workMs: work(),
        }),
      ],
      [
        1,
        () =>
          depth > 1
            ? null
            : {
                k: 'scope',
                name: `job${scopes++}`,
                style: chance(0.7) ? 'run' : 'bind',
                body: body(from, depth + 1, int(1, 3), false),
                awaited: chance(0.6),
              },
      ],
      [1, () => (bad.length ? { k: 'tryFail', fn: pick(bad), workMs: work() } : null)],
      [
        1,
        () =>
          depth > 2
            ? null
            : { k: 'gate', ms: int(1, 6), workMs: work(), style: chance(0.5) ? 'forget' : 'all' },
      ],
    ];
    const total = kinds.reduce((sum, [w]) => sum + w, 0);
    for (;;) {
      let r = rnd() * total;
      for (const [weight, make] of kinds) {
        r -= weight;
        if (r <= 0) {
          const s = make();
          if (s !== null) return s;
          break;
        }
      }
    }
  }

  for (let i = 0; i < names.length; i++) {
    const returnable = callable(i, false);
    fns.push({
      name: names[i],
      body: body(i, 1, int(1, 4)),
      fails: fails[i],
      returns: !fails[i] && returnable.length > 0 && chance(0.15) ? pick(returnable) : null,
    });
  }

  const withServer = options.server ?? chance(0.35);
  let server: Program['server'] = null;
  if (withServer) {
    const routes: Route[] = Array.from({ length: int(1, 3) }, (_, i) => ({
      path: `/r${i}`,
      before: body(-1, 1, int(1, 3), false),
      after: chance(0.5) ? body(-1, 1, int(1, 2), false) : [],
    }));
    const requests = Array.from({ length: int(2, 4) }, () => `${pick(routes).path}?q=${int(1, 9)}`);
    server = { routes, requests };
  }
  const main = body(-1, 0, options.mainStatements ?? int(2, 5), false);
  // Constructs added since: drawn from a stream of their own, so that a seed's program is the one
  // it was before, unless one is added to it.
  const later = random(seed ^ 0x9e3779b9);
  if ((options.added ?? true) && later() < 0.3) {
    const at = Math.floor(later() * (fns.length + 1)) - 1; // -1: the main script
    const jobs = callable(at, false);
    if (jobs.length > 0) {
      const target = at === -1 ? main : fns[at].body;
      const count = 2 + Math.floor(later() * 3);
      const pickJob = () => jobs[Math.floor(later() * jobs.length)];
      const stmt: Stmt = { k: 'mapLimit', fns: Array.from({ length: count }, pickJob), limit: 2 };
      target.splice(Math.floor(later() * (target.length + 1)), 0, stmt);
      // Nested mappers: a job that maps items of its own with the mapper (drawn last, so that a
      // seed's program is the one it was unless it gets one).
      const outer = names.indexOf(stmt.fns[0]);
      const leaves = callable(outer, false);
      if (later() < 0.3 && leaves.length > 0 && !fns[outer].body.some((s) => s.k === 'mapLimit')) {
        const inner: Stmt = {
          k: 'mapLimit',
          fns: Array.from(
            { length: 2 + Math.floor(later() * 2) },
            () => leaves[Math.floor(later() * leaves.length)],
          ),
          limit: 2,
        };
        fns[outer].body.splice(Math.floor(later() * (fns[outer].body.length + 1)), 0, inner);
      }
    }
  }
  // Members made by functions of the program's that are not async and whose promise is not the
  // first their call makes (a chain on a client the first call connects, a `util.promisify`'d
  // callback function): a stream of their own, as above.
  const wrapped = random(seed ^ 0x85ebca6b);
  if ((options.added ?? true) && wrapped() < 0.3) {
    const bodies: Array<[number, Stmt[]]> = [[-1, main]];
    for (let i = 0; i < fns.length; i++) bodies.push([i, fns[i].body]);
    for (const route of server?.routes ?? []) bodies.push([-1, route.before]);
    const [from, target] = bodies[Math.floor(wrapped() * bodies.length)];
    const kind = (['all', 'allSettled', 'race', 'any'] as const)[Math.floor(wrapped() * 4)];
    const count = 2 + Math.floor(wrapped() * 2);
    const members = callable(from, false);
    const stmt: Stmt =
      wrapped() < 0.5 && members.length > 0
        ? {
            k: 'wrappedMembers',
            kind,
            via: 'client',
            fns: Array.from({ length: count }, () => members[Math.floor(wrapped() * members.length)]),
          }
        : {
            k: 'wrappedMembers',
            kind,
            via: 'promisify',
            count,
            workMs: 0.6 + Math.round(wrapped() * 14) / 10,
          };
    target.splice(Math.floor(wrapped() * (target.length + 1)), 0, stmt);
  }
  // A growing pool's members (a library's connection set-up nobody awaits, which outlives the
  // member that asked): a stream of its own, as above.
  const pooled = random(seed ^ 0xc2b2ae35);
  if ((options.added ?? true) && pooled() < 0.25) {
    const bodies: Stmt[][] = [
      main,
      ...fns.map((f) => f.body),
      ...(server?.routes ?? []).map((r) => r.before),
    ];
    const target = bodies[Math.floor(pooled() * bodies.length)];
    const first = 1 + Math.floor(pooled() * 4);
    const stmt: Stmt = {
      k: 'poolMembers',
      openMs: [first, first + 40 + Math.floor(pooled() * 20)],
      setupMs: 0.6 + Math.round(pooled() * 14) / 10,
      workMs: 0.6 + Math.round(pooled() * 14) / 10,
    };
    target.splice(Math.floor(pooled() * (target.length + 1)), 0, stmt);
  }
  // Jobs of a queue shared by the whole program (a request's wait for its job, which starts from
  // the wrap-up of whoever's job was before it): a stream of its own, as above. Only functions whose
  // first statement awaits: what a job runs before that runs in the lane that started it.
  const queued = random(seed ^ 0x27d4eb2f);
  if ((options.added ?? true) && queued() < 0.3) {
    const bodies: Array<[number, Stmt[]]> =
      server !== null
        ? server.routes.map((r) => [-1, r.before])
        : [[-1, main], ...fns.map((f, i): [number, Stmt[]] => [i, f.body])];
    const [from, target] = bodies[Math.floor(queued() * bodies.length)];
    const jobs = callable(from).filter((name) => fns[names.indexOf(name)].body[0]?.k === 'sleep');
    if (jobs.length > 0) {
      const stmt: Stmt = {
        k: 'queued',
        fn: jobs[Math.floor(queued() * jobs.length)],
        limit: 1 + Math.floor(queued() * 2),
      };
      target.splice(Math.floor(queued() * (target.length + 1)), 0, stmt);
    }
  }
  // Jobs a library runs side by side from its own synchronous code, chaining each (`job().then(…)`):
  // a stream of its own, as above. Only functions whose first statement awaits, as for the queue.
  const thenQueued = random(seed ^ 0x3c6ef372);
  if ((options.added ?? true) && thenQueued() < 0.3) {
    const bodies: Array<[number, Stmt[]]> = [
      [-1, main],
      ...fns.map((f, i): [number, Stmt[]] => [i, f.body]),
      ...(server?.routes ?? []).map((r): [number, Stmt[]] => [-1, r.before]),
    ];
    const [from, target] = bodies[Math.floor(thenQueued() * bodies.length)];
    const jobs = callable(from, false).filter((name) => fns[names.indexOf(name)].body[0]?.k === 'sleep');
    if (jobs.length > 0) {
      const count = 2 + Math.floor(thenQueued() * 3);
      const stmt: Stmt = {
        k: 'thenQueue',
        fns: Array.from({ length: count }, () => jobs[Math.floor(thenQueued() * jobs.length)]),
        limit: 2,
      };
      target.splice(Math.floor(thenQueued() * (target.length + 1)), 0, stmt);
    }
  }
  // Members whose call does work before it makes its promise: loads of batching loaders
  // (DataLoader's shape), called as they are or through functions of the program's: a stream of
  // its own, as above.
  const loading = random(seed ^ 0x165667b1);
  if ((options.added ?? true) && loading() < 0.3) {
    const bodies: Stmt[][] = [
      main,
      ...fns.map((f) => f.body),
      ...(server?.routes ?? []).map((r) => r.before),
    ];
    const target = bodies[Math.floor(loading() * bodies.length)];
    const count = 2 + Math.floor(loading() * 2);
    const kind = (['all', 'allSettled', 'race', 'any'] as const)[Math.floor(loading() * 4)];
    const style = (['direct', 'wrapped', 'async'] as const)[Math.floor(loading() * 3)];
    // Loads called as they are, of one loader: two loaders' batches run side by side there, and
    // the tracer makes each a job (README Limits), not the work of the code calling the combinator.
    const loads = Array.from({ length: count }, () => Math.floor(loading() * 2));
    const stmt: Stmt = {
      k: 'loaderMembers',
      kind,
      style,
      loads: style === 'direct' ? loads.map(() => 0) : loads,
      batchMs: 0.6 + Math.round(loading() * 14) / 10,
      batchAwait: loading() < 0.4,
      afterMs: 0.6 + Math.round(loading() * 14) / 10,
    };
    target.splice(Math.floor(loading() * (target.length + 1)), 0, stmt);
  }
  // A long run of one job before another (a mapper's 16 and more `resize` jobs, then `index`): the
  // places of the first function's stints are learnt, trusted past 16 stacks or their looks rationed
  // out, by the time the other function's stints reach them — where its own calls, made at the same
  // positions, are of another kind (`resize` entering `index` first thing, where an `index` job makes
  // its first promise: a `util.promisify`'d member's, a sleep's). Two small functions of their own,
  // so that the run stays short; a stream of its own, as above, drawn last.
  const longRunFrom = fns.length;
  const longRun = random(seed ^ 0x1b873593);
  const spare = NAMES.filter((name) => !names.includes(name));
  if ((options.added ?? true) && longRun() < 0.2 && spare.length >= 2) {
    const first = spare[Math.floor(longRun() * spare.length)];
    const second = spare.filter((name) => name !== first)[Math.floor(longRun() * (spare.length - 1))];
    const ms = () => 0.6 + Math.round(longRun() * 14) / 10;
    const opening: Stmt =
      longRun() < 0.5
        ? { k: 'wrappedMembers', kind: 'all', via: 'promisify', count: 2, workMs: ms() }
        : { k: 'sleep', ms: 1 + Math.floor(longRun() * 3), style: 'resolve' };
    const call: Stmt =
      longRun() < 0.5
        ? { k: 'combinator', kind: 'all', fns: [second, second], style: 'literal' }
        : { k: 'await', fn: second };
    for (const [name, stmts] of [
      [first, [call, { k: 'work', ms: ms() }]],
      [second, [opening, { k: 'work', ms: ms() }]],
    ] as Array<[string, Stmt[]]>) {
      names.push(name);
      fails.push(false);
      fns.push({ name, body: stmts, fails: false, returns: null });
    }
    const bodies: Stmt[][] = [main, ...fns.slice(0, fns.length - 2).map((f) => f.body)];
    const target = bodies[Math.floor(longRun() * bodies.length)];
    const count = 17 + Math.floor(longRun() * 6);
    const stmt: Stmt = { k: 'mapLimit', fns: [...Array<string>(count).fill(first), second], limit: 2 };
    target.splice(Math.floor(longRun() * (target.length + 1)), 0, stmt);
  }
  // A long run of one job before another of the same shape whose code differs where the records do
  // not (a stream of its own, drawn last): the first awaits a helper where the second leaves it
  // running with a chain statement (`helper(d).catch(…)`), so that at the same place one promise is
  // an `await`'s and the other a `.catch`'s; or each gives `Promise.all` calls of a function of its
  // own that chains on a client (`__client().then(…)`), so that the members are made at the same
  // places and only the stacks tell which function made them. Either way round: the long run may
  // be the chain's or the await's.
  const sameShape = random(seed ^ 0x85ebca6b);
  const free = NAMES.filter((name) => !names.includes(name));
  // (Version 2 on, with the second set below: version 1 is the generator the README's figure ran.)
  if ((options.added ?? true) && (options.version ?? 12) >= 2 && sameShape() < 0.2 && free.length >= 4) {
    const pick = (): string => free.splice(Math.floor(sameShape() * free.length), 1)[0];
    const [first, second, helper, other] = [pick(), pick(), pick(), pick()];
    const ms = () => 0.6 + Math.round(sameShape() * 14) / 10;
    const leaf = (): Stmt[] => [
      { k: 'sleep', ms: 1 + Math.floor(sameShape() * 3), style: 'resolve' },
      { k: 'work', ms: ms() },
    ];
    const defs: Array<[string, Stmt[]]> =
      sameShape() < 0.5
        ? [
            [
              first,
              [
                { k: 'await', fn: helper },
                { k: 'work', ms: ms() },
              ],
            ],
            [
              second,
              [
                { k: 'forget', fn: helper, style: 'catch' },
                { k: 'work', ms: ms() },
              ],
            ],
            [helper, leaf()],
          ]
        : [
            [first, [{ k: 'wrappedMembers', kind: 'all', via: 'client', fns: [helper, helper] }]],
            [second, [{ k: 'wrappedMembers', kind: 'all', via: 'client', fns: [other, other] }]],
            [helper, leaf()],
            [other, leaf()],
          ];
    const start = fns.length;
    for (const [name, stmts] of defs) {
      names.push(name);
      fails.push(false);
      fns.push({ name, body: stmts, fails: false, returns: null });
    }
    const [long, last] = sameShape() < 0.5 ? [first, second] : [second, first];
    const bodies: Stmt[][] = [main, ...fns.slice(0, start).map((f) => f.body)];
    const target = bodies[Math.floor(sameShape() * bodies.length)];
    const count = 17 + Math.floor(sameShape() * 6);
    const stmt: Stmt = { k: 'mapLimit', fns: [...Array<string>(count).fill(long), last], limit: 2 };
    target.splice(Math.floor(sameShape() * (target.length + 1)), 0, stmt);
  }
  if ((options.added ?? true) && (options.version ?? 12) >= 2)
    addSecondSet(seed, fns.slice(0, longRunFrom), main, server);
  // Jobs a queue's synchronous `add` calls and chains, added at different times by code that does
  // not wait for them (version 2 on; a stream of its own, drawn after every other, so that a seed's
  // program is the one it made before, or that with this added). Only in programs with no server
  // (in a request's lane before its response, a library's call chained so is the request running),
  // and only functions whose first statement awaits, as for the queues above.
  const syncAdded = random(seed ^ 0x6a09e667);
  if ((options.added ?? true) && (options.version ?? 12) >= 2 && server === null && syncAdded() < 0.25) {
    const bodies: Array<[number, Stmt[]]> = [
      [-1, main],
      ...fns.slice(0, longRunFrom).map((f, i): [number, Stmt[]] => [i, f.body]),
    ];
    const [from, target] = bodies[Math.floor(syncAdded() * bodies.length)];
    const jobs = callable(from, false).filter((name) => fns[names.indexOf(name)].body[0]?.k === 'sleep');
    if (jobs.length > 0) {
      const count = 2 + Math.floor(syncAdded() * 2);
      const stmt: Stmt = {
        k: 'syncAdd',
        fns: Array.from({ length: count }, () => jobs[Math.floor(syncAdded() * jobs.length)]),
        gapMs: 1 + Math.floor(syncAdded() * 6),
        form: syncAdded() < 0.5 ? 'arrow' : 'bind',
      };
      // Never before a function's first statement: a job must await first.
      const lo = from === -1 ? 0 : 1;
      target.splice(lo + Math.floor(syncAdded() * (target.length + 1 - lo)), 0, stmt);
    }
  }
  // Chains a function returns unawaited (version 2 on; a stream of its own, drawn after every
  // other): made in the stint that returns them (`return other(d).then(…)`: the caller awaits the
  // chain, `other` is this function's work), or made, kept over an await and returned in a later
  // stint (`const held = other(dish).then(…); await …; return held;`: `other` started now and
  // awaited later, a dish of its own). Only functions that do not fail and have one to call.
  const returned = random(seed ^ 0x3c6ef372);
  if ((options.added ?? true) && (options.version ?? 12) >= 2)
    for (let i = 0; i < longRunFrom; i++) {
      const f = fns[i];
      const targets = callable(i, false).filter((name) => names.indexOf(name) < longRunFrom);
      const r = returned();
      if (f.fails || targets.length === 0 || r >= 0.3) continue;
      f.returns ??= targets[Math.floor(returned() * targets.length)];
      const links: ChainLink[] = ['then', 'catch', 'finally'];
      f.returnLinks = Array.from(
        { length: Math.floor(returned() * 3) },
        () => links[Math.floor(returned() * links.length)],
      );
      if (r < 0.18) {
        f.returnHeld = [{ k: 'sleep', ms: 1 + Math.floor(returned() * 4), style: 'resolve' }];
        if (returned() < 0.5) f.returnHeld.push({ k: 'work', ms: 0.6 + Math.round(returned() * 10) / 10 });
      }
    }
  if ((options.added ?? true) && (options.version ?? 12) >= 3)
    addThirdSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 4)
    addFourthSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 5)
    addFifthSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 6)
    addSixthSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 7)
    addSeventhSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 8)
    addEighthSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 9)
    addNinthSet(seed, fns.slice(0, longRunFrom), main, server, options.version ?? 12);
  if ((options.added ?? true) && (options.version ?? 12) >= 11)
    addTenthSet(seed, fns.slice(0, longRunFrom), main, server);
  if ((options.added ?? true) && (options.version ?? 12) >= 12)
    addEleventhSet(seed, fns.slice(0, longRunFrom), main, server);
  return { seed, fns, main, server };
}

/**
 * A set of constructs' own random stream (from the program's seed and the set's salt) and the
 * draws made from it.
 */
function setStream(seed: number, salt: number) {
  const rnd = random(seed ^ salt);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)];
  const work = () => 0.6 + Math.round(rnd() * 14) / 10;
  return { rnd, int, pick, work };
}

/**
 * The bodies a set's statements go into: the script's, the functions' (never before a function's
 * first statement) and the routes', before and after their responses.
 */
function setBodies(
  fns: FnDef[],
  main: Stmt[],
  server: Program['server'],
): Array<{ stmts: Stmt[]; from: number }> {
  return [
    { stmts: main, from: 0 },
    ...fns.map((f) => ({ stmts: f.body, from: 1 })),
    ...(server?.routes ?? []).flatMap((r) => [
      { stmts: r.before, from: 0 },
      { stmts: r.after, from: 0 },
    ]),
  ];
}

/**
 * The generator's fourth set of constructs (program.ts, after `earlyBreak`): from a stream of their
 * own, drawn after every other (so that a seed's program is its version-3 program, with these added
 * or not), into the same bodies as the second and third sets.
 */
function addFourthSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x9b05688c);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const makers: Array<() => Stmt> = [
    () => ({
      k: 'pipeGen',
      items: int(2, 3),
      sink: pick(['writable', 'asyncFn'] as const),
      workMs: work(),
    }),
    () => ({ k: 'delegate', items: int(1, 3), workMs: work() }),
    () => ({
      k: 'tickStart',
      via: pick(['nextTick', 'microtask', 'both'] as const),
      chain: rnd() < 0.4,
      workMs: work(),
    }),
    () => ({
      k: 'promisifyCustom',
      custom: pick(['promise', 'async'] as const),
      use: pick(['await', 'all'] as const),
      count: int(2, 3),
      workMs: work(),
    }),
    () => ({
      k: 'thenableAll',
      kind: pick(['all', 'allSettled'] as const),
      style: pick(['timer', 'asyncRun', 'builder'] as const),
      count: int(2, 3),
      workMs: work(),
    }),
    () => ({
      k: 'mapBatches',
      batches: int(1, 3),
      size: int(2, 3),
      call: pick(['arrow', 'named'] as const),
      workMs: work(),
    }),
    () => ({
      k: 'abortOnce',
      via: pick(['timeout', 'controller', 'on'] as const),
      ms: int(1, 6),
      workMs: work(),
    }),
    () => ({ k: 'fieldMethods', use: pick(['await', 'all', 'forget'] as const), workMs: work() }),
  ];
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    const stmt = pick(makers)();
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's fifth set of constructs (program.ts, after `fieldMethods`), and ticks and
 * microtasks that start two or three calls: from a stream of their own, drawn after every other
 * (so that a seed's program is its version-4 program, with these added or not), into the same
 * bodies as the sets before.
 */
function addFifthSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x1f83d9ab);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const makers: Array<() => Stmt> = [
    () => {
      const items = int(2, 4);
      return {
        k: 'iterClass',
        style: pick(['generator', 'manual'] as const),
        items,
        take: int(1, items + 1),
        workMs: work(),
      };
    },
    () => ({
      k: 'raceAbort',
      via: pick(['timersPromises', 'listener'] as const),
      ms: int(1, 5),
      workMs: work(),
    }),
    () => ({ k: 'asyncListener', emits: int(1, 3), workMs: work() }),
    () => ({ k: 'microtaskAsync', via: pick(['microtask', 'nextTick'] as const), workMs: work() }),
    () => ({
      k: 'nestedAll',
      outer: int(2, 3),
      inner: int(1, 3),
      call: pick(['arrow', 'named'] as const),
      workMs: work(),
    }),
    () => ({
      k: 'tickStart',
      via: pick(['nextTick', 'microtask', 'both'] as const),
      chain: rnd() < 0.4,
      workMs: work(),
      calls: int(2, 3),
    }),
  ];
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    const stmt = pick(makers)();
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's sixth set of constructs (program.ts, after `nestedAll`): from a stream of their
 * own, drawn after every other (so that a seed's program is its version-5 program, with these added
 * or not), into the same bodies as the sets before.
 */
function addSixthSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x5be0cd19);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const makers: Array<() => Stmt> = [
    () => ({ k: 'intervalAsync', ms: int(2, 4), times: int(2, 3), workMs: work() }),
    () => ({
      k: 'streamFinished',
      items: int(2, 3),
      read: pick(['data', 'writable'] as const),
      workMs: work(),
    }),
    () => ({
      k: 'promisifyTimer',
      timer: pick(['timeout', 'immediate'] as const),
      count: int(1, 2),
      workMs: work(),
    }),
    () => ({ k: 'finallyAwait', use: pick(['await', 'all'] as const), throws: rnd() < 0.5, workMs: work() }),
    () => ({ k: 'fromAsync', items: int(2, 3), mapper: rnd() < 0.6, workMs: work() }),
    () => ({ k: 'onSignal', times: int(1, 3), end: pick(['controller', 'break'] as const), workMs: work() }),
  ];
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    const stmt = pick(makers)();
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's seventh set of constructs (program.ts, after `onSignal`): from a stream of their
 * own, drawn after every other (so that a seed's program is its version-6 program, with these added
 * or not), into the same bodies as the sets before.
 */
function addSeventhSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x3c6ef372);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const makers: Array<() => Stmt> = [
    () => ({ k: 'factory', use: pick(['await', 'all'] as const), workMs: work() }),
    () => ({ k: 'abortSleep', via: pick(['controller', 'timeout'] as const), ms: int(1, 5), workMs: work() }),
    () => ({ k: 'crawlTree', depth: int(1, 2), workMs: work() }),
  ];
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    const stmt = pick(makers)();
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's eighth set of constructs (program.ts, after `crawlTree`): shapes real code writes
 * that the sets before did not make. From a stream of their own, drawn after every other (so that a
 * seed's program is its version-7 program, with these added or not), into the same bodies as the
 * sets before. A `Worker` takes a while to start on a loaded machine: drawn less often.
 */
function addEighthSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0xbb67ae85);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const makers: Array<[number, () => Stmt]> = [
    [
      2,
      () => ({
        k: 'alsRun',
        use: pick(['await', 'forget', 'all'] as const),
        via: pick(['direct', 'arrow'] as const),
        workMs: work(),
      }),
    ],
    [2, () => ({ k: 'forEachAsync', named: rnd() < 0.5, count: int(2, 3), workMs: work() })],
    [2, () => ({ k: 'forAwaitCalls', count: int(2, 3), workMs: work() })],
    [
      2,
      () => ({
        k: 'chainMembers',
        kind: pick(['all', 'allSettled'] as const),
        link: pick(['work', 'call'] as const),
        style: pick(['literal', 'map'] as const),
        count: int(2, 3),
        workMs: work(),
      }),
    ],
    [
      2,
      () => ({ k: 'thenReturn', style: pick(['link', 'reduce'] as const), count: int(2, 3), workMs: work() }),
    ],
    [
      1,
      () => ({ k: 'abortAny', via: pick(['controller', 'timeout'] as const), ms: int(1, 5), workMs: work() }),
    ],
    [1, () => ({ k: 'broadcast', workMs: work() })],
    [1, () => ({ k: 'fileStream', source: pick(['file', 'gzip'] as const), workMs: work() })],
    [
      2,
      () => ({ k: 'raceTimeout', style: pick(['inline', 'helper'] as const), ms: int(1, 5), workMs: work() }),
    ],
    [0.5, () => ({ k: 'workerReply', workMs: work() })],
  ];
  const total = makers.reduce((sum, [w]) => sum + w, 0);
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    let r = rnd() * total;
    let stmt: Stmt | null = null;
    for (const [weight, make] of makers) {
      r -= weight;
      if (r <= 0) {
        stmt = make();
        break;
      }
    }
    stmt ??= makers[makers.length - 1][1]();
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's ninth set of constructs (program.ts, after `workerReply`): requests out of the
 * code, child processes, `net` beyond one echo pair. From a stream of its own, drawn after every
 * other (so that a seed's program is its version-8 program, with these added or not), into the
 * same bodies as the sets before. A request to the program's own server (`self`) is made only from
 * a route before its response (the server is open then, and `req` is the request); elsewhere the
 * request goes to the second server. A child process takes a while to start on a loaded machine:
 * drawn less often.
 */
function addNinthSet(
  seed: number,
  fns: FnDef[],
  main: Stmt[],
  server: Program['server'],
  version: number,
): void {
  const { rnd, int, pick, work } = setStream(seed, 0xa54ff53a);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  // A child process (a Node started: 0.10-0.12 s of CPU, 0.16-0.19 with the tracer's preload inert
  // in it) goes, from version 10, only into bodies run once or twice (the script's is); the same
  // one draw either way.
  const runs = bodyRuns(fns, main, server);
  const few =
    version >= 10
      ? bodies.filter((b) => (runs.get(b.stmts) ?? 0) >= 1 && (runs.get(b.stmts) ?? 0) <= 2)
      : bodies;
  const before = new Set((server?.routes ?? []).map((r) => r.before));
  const makers: Array<[number, (inRoute: boolean) => Stmt]> = [
    [
      3,
      (inRoute) => {
        const target = inRoute && rnd() < 0.5 ? 'self' : 'second';
        const use = pick(
          target === 'self' ? (['await', 'all'] as const) : (['await', 'all', 'forget'] as const),
        );
        return {
          k: 'httpCall',
          target,
          client: pick(['get', 'fetch'] as const),
          use,
          count: use === 'forget' ? 1 : use === 'all' ? int(2, 3) : int(1, 2),
          serverMs: work(),
          replyMs: work(),
          workMs: work(),
        };
      },
    ],
    [
      1,
      () => {
        const data = rnd() < 0.5;
        return {
          k: 'spawnChild',
          wait: pick(['once', 'promise'] as const),
          event: data ? 'close' : pick(['exit', 'close'] as const),
          data,
          use: pick(['await', 'all'] as const),
          workMs: work(),
        };
      },
    ],
    [
      2,
      () => ({
        k: 'netMany',
        conns: int(2, 3),
        lines: int(1, 2),
        read: pick(['once', 'forAwait'] as const),
        handler: pick(['sync', 'async'] as const),
        use: pick(['await', 'all'] as const),
        serverMs: work(),
        workMs: work(),
      }),
    ],
  ];
  const total = makers.reduce((sum, [w]) => sum + w, 0);
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    let r = rnd() * total;
    let make = makers[makers.length - 1][1];
    for (const [weight, maker] of makers) {
      r -= weight;
      if (r <= 0) {
        make = maker;
        break;
      }
    }
    // A request goes out of a route before its response half the time where the program has one
    // (there it may call the program's own server).
    const routes = bodies.filter((b) => before.has(b.stmts));
    const body =
      make === makers[0][1] && routes.length > 0 && rnd() < 0.5
        ? pick(routes)
        : pick(make === makers[1][1] ? few : bodies);
    const stmt = make(before.has(body.stmts));
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's tenth set of constructs (program.ts, after `netMany`): messages that come back
 * on their own time over a channel the code opened — a child forked with an IPC channel
 * (`forkChild`) and a `Worker` that posts on its own (`workerPosts`). From a stream of its own,
 * drawn after every other (so that a seed's program is its version-10 program, with these added
 * or not), into bodies run once or twice (a child is a Node started, a worker a thread), or half
 * the time a route's after its response where there is one requested at most four times — where
 * the messages come after the response was sent, and the code's work is over but for its wait.
 */
function addTenthSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x510e527f);
  if (rnd() >= 0.35) return;
  const runs = bodyRuns(fns, main, server);
  const few = setBodies(fns, main, server).filter(
    (b) => (runs.get(b.stmts) ?? 0) >= 1 && (runs.get(b.stmts) ?? 0) <= 2,
  );
  // A route's after its response: up to four requests of it (each a Node or a thread started).
  const after = new Set((server?.routes ?? []).map((r) => r.after));
  const late = setBodies(fns, main, server).filter(
    (b) => after.has(b.stmts) && (runs.get(b.stmts) ?? 0) >= 1 && (runs.get(b.stmts) ?? 0) <= 4,
  );
  const count = int(1, 2);
  for (let i = 0; i < count; i++) {
    const stmt: Stmt =
      rnd() < 0.65
        ? {
            k: 'forkChild',
            ask: rnd() < 0.5,
            messages: int(1, 3),
            use: pick(['await', 'all'] as const),
            workMs: work(),
          }
        : { k: 'workerPosts', messages: int(1, 3), workMs: work() };
    const body = late.length > 0 && rnd() < 0.5 ? pick(late) : pick(few);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's eleventh set of constructs (program.ts, after `workerPosts`): a child forked
 * while the code's work goes on (`forkOpen`) and sent a message later (`forkAsk`), its answers
 * read then. From a stream of its own, drawn after every other (so that a seed's program is its
 * version-11 program, with these added or not): two times in three, where there is a route
 * requested at most four times, forked in its code before the response and asked after it — a
 * message sent to a child forked before the code's work was over; else both in one body run once
 * or twice, the fork before the ask.
 */
function addEleventhSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x7137449a);
  if (rnd() >= 0.35) return;
  const runs = bodyRuns(fns, main, server);
  const few = setBodies(fns, main, server).filter(
    (b) => (runs.get(b.stmts) ?? 0) >= 1 && (runs.get(b.stmts) ?? 0) <= 2,
  );
  const routes = (server?.routes ?? []).filter((r) => {
    const times = runs.get(r.after) ?? 0;
    return times >= 1 && times <= 4;
  });
  const count = int(1, 2);
  for (let id = 0; id < count; id++) {
    const messages = int(1, 3);
    const open: Stmt = { k: 'forkOpen', id, messages };
    const ask: Stmt = { k: 'forkAsk', id, messages, workMs: work() };
    if (routes.length > 0 && rnd() < 2 / 3) {
      const route = pick(routes);
      route.before.splice(int(0, route.before.length), 0, open);
      route.after.splice(int(0, route.after.length), 0, ask);
    } else if (few.length > 0) {
      const body = pick(few);
      const at = int(Math.min(body.from, body.stmts.length), body.stmts.length);
      body.stmts.splice(at, 0, open);
      body.stmts.splice(int(at + 1, body.stmts.length), 0, ask);
    }
  }
}

/**
 * How many times the program runs each body, as its statements name the calls (`fn`, `fns`, a
 * function's `returns`): the script's once, a route's as many times as it is requested, a
 * function's the sum over the bodies that call it. Functions call only those after them, so one
 * pass in order does. A count, not a bound: a loop's iterations and a library's retries are not
 * seen.
 */
export function bodyRuns(fns: FnDef[], main: Stmt[], server: Program['server']): Map<Stmt[], number> {
  const runs = new Map<Stmt[], number>();
  const calls = new Map<string, number>();
  const count = (x: unknown, times: number): void => {
    if (Array.isArray(x)) {
      for (const item of x) count(item, times);
      return;
    }
    if (x === null || typeof x !== 'object') return;
    for (const [key, value] of Object.entries(x)) {
      if (key === 'fn' && typeof value === 'string') calls.set(value, (calls.get(value) ?? 0) + times);
      else if (key === 'fns' && Array.isArray(value))
        for (const name of value)
          if (typeof name === 'string') calls.set(name, (calls.get(name) ?? 0) + times);
      if (typeof value === 'object') count(value, times);
    }
  };
  const visit = (body: Stmt[], times: number): void => {
    runs.set(body, times);
    count(body, times);
  };
  visit(main, 1);
  for (const route of server?.routes ?? []) {
    const times = server!.requests.filter((r) => r.split('?')[0] === route.path).length;
    visit(route.before, times);
    visit(route.after, times);
  }
  for (const f of fns) {
    const times = calls.get(f.name) ?? 0;
    visit(f.body, times);
    if (f.returnHeld !== undefined) count(f.returnHeld, times);
    if (f.returns !== null) calls.set(f.returns, (calls.get(f.returns) ?? 0) + times);
  }
  return runs;
}

/**
 * The generator's third set of constructs (program.ts, after `memo`): from a stream of their own,
 * drawn after every other (so that a seed's program is its version-2 program, with these added or
 * not), into the same bodies as the second set.
 */
function addThirdSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x510e527f);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const count = int(1, 2);
  for (let i = 0; i < count; i++) {
    let stmt: Stmt;
    if (rnd() < 0.5) {
      stmt = {
        k: 'deferred',
        by: pick(['timer', 'task'] as const),
        use: pick(['await', 'all'] as const),
        count: int(2, 3),
        ms: int(1, 6),
        resolverMs: work(),
        workMs: work(),
        reverse: rnd() < 0.5,
      };
    } else {
      const items = int(3, 5);
      stmt = {
        k: 'earlyBreak',
        source: pick(['gen', 'readable', 'readline'] as const),
        items,
        take: int(1, items - 1),
        workMs: work(),
      };
    }
    const body = pick(bodies);
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  }
}

/**
 * The generator's second set of constructs (program.ts, after `loaderMembers`): from a stream of
 * their own, drawn after every other, into the bodies of the script, of the functions (never
 * before a function's first statement: a queue's job must await first) and of the routes, before
 * and after their responses. The long run's two functions keep their shape.
 */
function addSecondSet(seed: number, fns: FnDef[], main: Stmt[], server: Program['server']): void {
  const { rnd, int, pick, work } = setStream(seed, 0x4cf5ad43);
  if (rnd() >= 0.5) return;
  const bodies = setBodies(fns, main, server);
  const insert = (stmt: Stmt, body = pick(bodies)) =>
    body.stmts.splice(int(Math.min(body.from, body.stmts.length), body.stmts.length), 0, stmt);
  /** A short body of work and awaits, at least one of them an await. */
  const small = (): Stmt[] => {
    const out: Stmt[] = [{ k: 'work', ms: work() }];
    out.push(
      rnd() < 0.7 ? { k: 'sleep', ms: int(1, 6), style: 'resolve' } : { k: 'awaitValue', workMs: work() },
    );
    if (rnd() < 0.6) out.push({ k: 'work', ms: work() });
    return out;
  };
  const makers: Array<[number, () => Stmt]> = [
    [
      2,
      () => ({
        k: 'asyncGen',
        consume: pick(['forAwait', 'next'] as const),
        items: int(2, 3),
        workMs: work(),
      }),
    ],
    [
      2,
      () => ({
        k: 'iterate',
        source: pick(['interval', 'eventsOn'] as const),
        ms: int(1, 5),
        times: int(2, 3),
        workMs: work(),
      }),
    ],
    [
      2,
      () => ({
        k: 'abort',
        via: pick(['timeout', 'timer', 'fsRead'] as const),
        ms: int(1, 6),
        workMs: work(),
      }),
    ],
    [1, () => ({ k: 'eventTarget', from: pick(['now', 'immediate'] as const), workMs: work() })],
    [1, () => ({ k: 'messagePort', workMs: work() })],
    [
      2,
      () => ({
        k: 'webStream',
        style: pick(['pull', 'readableFrom'] as const),
        items: int(2, 3),
        workMs: work(),
      }),
    ],
    [0.5, () => ({ k: 'execFile', workMs: work() })],
    [1, () => ({ k: 'netPair', serverMs: work(), workMs: work() })],
    [1, () => ({ k: 'readline', lines: int(2, 4), workMs: work() })],
    [2, () => ({ k: 'methods', use: pick(['await', 'all', 'forget'] as const), workMs: work() })],
    [2, () => ({ k: 'iife', named: rnd() < 0.5, awaited: rnd() < 0.4, body: small() })],
    [
      2,
      () => ({
        k: 'recurse',
        use: pick(['await', 'forget', 'all'] as const),
        depth: int(1, 3),
        workMs: work(),
      }),
    ],
    [1, () => ({ k: 'withResolvers', ms: int(1, 6), workMs: work() })],
    [1, () => ({ k: 'awaitValue', workMs: work() })],
  ];
  const total = makers.reduce((sum, [w]) => sum + w, 0);
  const count = int(1, 3);
  for (let i = 0; i < count; i++) {
    let r = rnd() * total;
    for (const [weight, make] of makers) {
      r -= weight;
      if (r <= 0) {
        insert(make());
        break;
      }
    }
  }
  // A memo the program shares: awaited in two places, by whichever dishes get there.
  if (rnd() < 0.35) {
    const key = int(0, 1);
    insert({ k: 'memo', key, workMs: work() });
    insert({ k: 'memo', key, workMs: work() });
  }
}
