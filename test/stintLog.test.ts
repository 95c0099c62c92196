/**
 * The rule that sorts a stint's pending work into dishes (tracer/stintLog.ts), on logs written by
 * hand: each case is the log a few lines of JavaScript make, and the dishes a person reading those
 * lines would name.
 */
import { strict as assert } from 'node:assert';
import {
  CalledFrom,
  LogKind,
  StintEntry,
  Made,
  Rooted,
  Runner,
  logFrom,
  logKind,
  logMade,
  logRooted,
  logObj,
  logParent,
  logParentAt,
  logUsed,
  logWrapper,
} from '../tracer/stintLog';
import { findDishes } from '../tracer/stintParse';

/** A stint's log, written record by record; `p(name)` names the promise (or slot) a record made. */
class Log {
  private readonly index = new Map<unknown, number>();
  private readonly names: string[] = [];
  private n = 0;

  private add(kind: LogKind, name: string, obj: unknown, parent?: unknown): this {
    const i = this.n++;
    logKind[i] = kind;
    logObj[i] = obj;
    logParent[i] = parent;
    logParentAt[i] = kind === LogKind.Derived ? (this.index.get(parent) ?? -1) : -1;
    logUsed[i] = 0;
    logWrapper[i] = 0;
    logMade[i] = Made.Unknown;
    logRooted[i] = Rooted.Unknown;
    logFrom[i] = CalledFrom.Unknown;
    // A settle record points at its root and a combinator's at its members: they name nothing.
    if (kind !== LogKind.Settle && kind !== LogKind.Comb) this.index.set(obj, i);
    this.names[i] = name;
    return this;
  }

  private use(p: unknown): void {
    const j = this.index.get(p);
    if (j !== undefined) logUsed[j] = 1;
  }

  /** A root promise: an async function's own, or `new Promise`. */
  root(name: string): this {
    return this.add(LogKind.Root, name, { name });
  }

  /** An async function's own promise, known to be one (the tracer looks once per place). */
  call(name: string): this {
    this.root(name);
    logRooted[this.n - 1] = Rooted.ByCall;
    return this;
  }

  /** An async function's own promise, entered as the listener of an event a library emitted. */
  emittedCall(name: string): this {
    this.call(name);
    logFrom[this.n - 1] = CalledFrom.LibraryEvent;
    return this;
  }

  /** A promise the runtime made (`new Promise`, its executor done), known to be one. */
  promise(name: string): this {
    this.root(name);
    logRooted[this.n - 1] = Rooted.ByRuntime;
    return this;
  }

  /** A library's own async function entered (its promise), known to be one. */
  libraryCall(name: string): this {
    this.root(name);
    logRooted[this.n - 1] = Rooted.ByLibrary;
    return this;
  }

  /** An async function of Node's own entered (its promise): web streams', `Readable.from`'s. */
  runtimeCall(name: string): this {
    this.libraryCall(name);
    logFrom[this.n - 1] = CalledFrom.Runtime;
    return this;
  }

  /** A derived promise: an `await` (or `.then`) on `parent`. */
  derived(name: string, parent: string): this {
    const p = this.p(parent);
    this.use(p);
    return this.add(LogKind.Derived, name, { name }, p);
  }

  /** A link made by `.then`, `.catch` or `.finally` on `parent`, known to be one. */
  link(name: string, parent: string): this {
    this.derived(name, parent);
    logMade[this.n - 1] = Made.ByMethod;
    return this;
  }

  /** `await value`: V8's wrapper made from `fn`'s own promise, settled at once, then awaited. */
  awaitValue(fn: string, name: string): this {
    this.derived(`${name}.wrap`, fn);
    logWrapper[this.n - 1] = 1;
    // The wrapper consumes nothing: the function suspends (the tracer takes the use back).
    logUsed[this.index.get(this.p(fn))!] = 0;
    return this.derived(name, `${name}.wrap`);
  }

  /** An `await` on `parent`, known to be one (no promise method on the stack). */
  awaits(name: string, parent: string): this {
    this.derived(name, parent);
    logMade[this.n - 1] = Made.ByAwait;
    return this;
  }

  /** A link made by `.then`, `.catch` or `.finally` that a library's code called on `parent`. */
  libraryLink(name: string, parent: string): this {
    this.derived(name, parent);
    logMade[this.n - 1] = Made.ByLibraryMethod;
    return this;
  }

  /** A callback handed to the runtime (a timer, a tick). */
  reg(name: string): this {
    return this.add(LogKind.Reg, name, { name });
  }

  /** `root` settled: its function returned. */
  settle(root: string): this {
    return this.add(LogKind.Settle, `settle ${root}`, this.p(root));
  }

  /** A combinator over `members`. */
  comb(name: string, members: string[]): this {
    const ps = members.map((m) => this.p(m));
    for (const p of ps) this.use(p);
    return this.add(LogKind.Comb, name, ps, { name, where: null });
  }

  /** A combinator over `members` that a library's code called. */
  libraryComb(name: string, members: string[]): this {
    this.comb(name, members);
    (logParent[this.n - 1] as { byLibrary: boolean }).byLibrary = true;
    return this;
  }

  p(name: string): unknown {
    for (const [obj, i] of this.index) if (this.names[i] === name) return obj;
    throw new Error(`no record ${name} in this log`);
  }

  /** The dishes found, as `name[parent]: records` strings, and who owns each named record. */
  dishes(how: StintEntry, returned = false, runner = Runner.None, answered = false): string[] {
    const { dishes, owner } = this.find(how, returned, runner, answered);
    return dishes.map((d) => {
      const own = [];
      for (let i = d.start; i < d.end; i++) if (owner[i] === dishes.indexOf(d)) own.push(this.names[i]);
      const kind = d.combinator !== null ? `${d.combinator}[${d.index}]` : 'call';
      const parent = d.parent === -1 ? '' : ` in ${this.names[dishes[d.parent].origin]}`;
      return `${kind} ${this.names[d.origin]}${parent}: ${own.join(' ')}`;
    });
  }

  /** For each dish found, the tail of the chain a statement left on its call (FoundDish.tail), or null. */
  tails(how: StintEntry, returned = false): Array<string | null> {
    return this.find(how, returned, Runner.None).dishes.map((d) =>
      d.tail === undefined ? null : this.names[d.tail],
    );
  }

  /** For each dish found, the await its function suspended at after the call (FoundDish.resumes), or null. */
  resumes(how: StintEntry, returned = false): Array<string | null> {
    return this.find(how, returned, Runner.None).dishes.map((d) =>
      d.resumes === undefined ? null : this.names[d.resumes],
    );
  }

  /** The records whose work carries a library's loop on (Runner.Loop). */
  loops(how: StintEntry, returned = false, runner = Runner.None): string[] {
    return this.find(how, returned, runner).loops.map((i) => this.names[i]);
  }

  private find(how: StintEntry, returned: boolean, runner: Runner, answered = false) {
    return findDishes(
      0,
      this.n,
      (p) => this.index.get(p) ?? -1,
      how,
      returned,
      false,
      false,
      runner,
      answered,
    );
  }
}

describe("the rule that sorts a stint's work into dishes", () => {
  it('keeps an awaited helper and its awaits with the task (`await helper()`)', () => {
    // helper: await sleep(); — the caller awaits helper
    const log = new Log()
      .root('helper')
      .root('sleep')
      .reg('timer')
      .derived('helper.await', 'sleep')
      .derived('caller.await', 'helper');
    assert.deepEqual(log.dishes(StintEntry.Resumed), []);
  });

  it('makes each Promise.all member a dish, with the work logged while its call ran', () => {
    // await Promise.all([a(), b()]) with a: await sleep(); b: await fetch()
    const log = new Log()
      .root('a')
      .root('a.sleep')
      .reg('a.timer')
      .derived('a.await', 'a.sleep')
      .root('b')
      .root('b.fetch')
      .derived('b.await', 'b.fetch')
      .comb('all', ['a', 'b'])
      .root('all.result')
      .derived('all.then.a', 'a')
      .derived('all.then.b', 'b')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'all[0] a: a a.sleep a.timer a.await',
      'all[1] b: b b.fetch b.await',
    ]);
  });

  it("makes each chain on a client the first member's call connected a member of its own (`Promise.all([count('a'), count('b')])`, `getClient().then(…)`)", () => {
    // count(t): return getClient().then((c) => c.query(t)); getClient connects at its first call
    // (`new Promise` with a timer), later calls return the same promise. (Before, both members'
    // chains led up to the connection: one member held both, and the second was no dish.)
    const log = new Log()
      .promise('connect')
      .reg('connect.timer')
      .link('count.a', 'connect')
      .link('count.b', 'connect')
      .comb('all', ['count.a', 'count.b'])
      .root('all.result')
      .derived('all.then.a', 'count.a')
      .derived('all.then.b', 'count.b')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'all[0] connect: connect connect.timer count.a',
      'all[1] count.b: count.b',
    ]);
    // A second Promise.all in the same stint over the same client (another call's: seed 70029) —
    // its members begin with their own links too, not at the first combinator's connection.
    const twice = new Log()
      .promise('connect')
      .link('count.a', 'connect')
      .link('count.b', 'connect')
      .comb('first', ['count.a', 'count.b'])
      .reg('between')
      .link('count.c', 'connect')
      .link('count.d', 'connect')
      .comb('second', ['count.c', 'count.d'])
      .root('second.result')
      .derived('caller.await', 'second.result');
    assert.deepEqual(twice.dishes(StintEntry.Resumed), [
      'first[0] connect: connect count.a',
      'first[1] count.b: count.b',
      'second[0] count.c: count.c',
      'second[1] count.d: count.d',
    ]);
  });

  it('makes a call a member through its chain when a statement chained it first (`const p = a(); p.catch(log); await Promise.all([p.then(f), b()])`)', () => {
    // Only another member's chain stops the walk up a member's chain: a statement's `.catch` on
    // the call is no member, and the call is the first member's.
    const log = new Log()
      .call('a')
      .promise('a.sleep')
      .reg('a.timer')
      .derived('a.await', 'a.sleep')
      .link('a.catch', 'a')
      .link('a.then', 'a')
      .call('b')
      .promise('b.sleep')
      .derived('b.await', 'b.sleep')
      .comb('all', ['a.then', 'b'])
      .root('all.result')
      .derived('all.then.a', 'a.then')
      .derived('all.then.b', 'b')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'all[0] a: a a.sleep a.timer a.await a.catch a.then',
      'all[1] b: b b.sleep b.await',
    ]);
  });

  it("ends a member with its call and the links it was given, not with the next member's call (graphql resolving an object's fields after `user`)", () => {
    // An executor (a library): user() awaits, its promise chained (`.then(complete)`); stats() is
    // synchronous and returns an object whose fields users() and orders() are resolved at once and
    // given to a Promise.all of their own; then the outer Promise.all([user's link, stats' all]).
    // (Before, user's lane ran to the next member's call, and held users and orders.)
    const log = new Log()
      .call('user')
      .root('user.query')
      .derived('user.await', 'user.query')
      .libraryLink('user.complete', 'user')
      .call('users')
      .root('users.query')
      .derived('users.await', 'users.query')
      .call('orders')
      .root('orders.query')
      .derived('orders.await', 'orders.query')
      .libraryComb('inner', ['users', 'orders'])
      .root('inner.result')
      .comb('outer', ['user.complete', 'inner.result'])
      .root('outer.result')
      .derived('caller.await', 'outer.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'outer[0] user: user user.query user.await user.complete',
      'inner[0] users: users users.query users.await',
      'inner[1] orders: orders orders.query orders.await',
      'outer[1] inner.result: inner.result',
    ]);
  });

  it("makes a listener a library's event calls after the request answered a dish of it, and before, the request's own (socket.io on long polling)", () => {
    // A tick of the request (socket.io's dispatch): the library's code emits 'order', whose async
    // listener awaits sleep().
    const log = () =>
      new Log()
        .emittedCall('order')
        .promise('order.sleep')
        .reg('order.timer')
        .derived('order.await', 'order.sleep');
    assert.deepEqual(log().dishes(StintEntry.CalledSync, false, Runner.None, true), [
      'call order: order order.sleep order.timer order.await',
    ]);
    assert.deepEqual(log().dishes(StintEntry.Called, false, Runner.None, true), [
      'call order: order order.sleep order.timer order.await',
    ]);
    // Before the answer: the request running (express 4's route handler, called and dropped).
    assert.deepEqual(log().dishes(StintEntry.CalledSync), []);
    assert.deepEqual(log().dishes(StintEntry.Called), []);
  });

  it("makes a call nobody awaited a dish, and the awaits after it the task's (`audit(); await q()`)", () => {
    const log = new Log()
      .root('audit')
      .root('audit.insert')
      .derived('audit.await', 'audit.insert')
      .root('q')
      .reg('q.socket')
      .derived('caller.await', 'q');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call audit: audit audit.insert audit.await']);
  });

  it('makes a call whose chain nobody awaited a dish (`audit().catch(noop); await q()`)', () => {
    const log = new Log()
      .root('audit')
      .root('audit.db')
      .derived('audit.await', 'audit.db')
      .derived('audit.catch', 'audit')
      .root('q')
      .derived('caller.await', 'q');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call audit: audit audit.db audit.await']);
  });

  it('keeps a chain the function awaits (`await q().catch(f)`) with the task', () => {
    const log = new Log()
      .root('q')
      .reg('q.socket')
      .derived('q.catch', 'q')
      .derived('caller.await', 'q.catch');
    assert.deepEqual(log.dishes(StintEntry.Resumed), []);
  });

  it('makes a call whose first await is a promise made before it a dish (`const ready = new Promise(…); worker()`)', () => {
    // const ready = new Promise((r) => setTimeout(r)); async function worker() { await ready; … }
    // main() { worker(); await sleep(); } — the script's first stint
    const known = new Log()
      .promise('ready')
      .reg('ready.timer')
      .call('main')
      .call('worker')
      .derived('worker.await', 'ready')
      .promise('main.sleep')
      .reg('main.timer')
      .derived('main.await', 'main.sleep');
    assert.deepEqual(known.dishes(StintEntry.Script), ['call worker: worker worker.await']);
    // Not known to be the runtime's and a call (the stacks were rationed out): read as before, the
    // await on `ready` taken for its maker's.
    const unknown = new Log()
      .root('ready')
      .reg('ready.timer')
      .root('main')
      .root('worker')
      .derived('worker.await', 'ready')
      .root('main.sleep')
      .reg('main.timer')
      .derived('main.await', 'main.sleep');
    assert.deepEqual(unknown.dishes(StintEntry.Script), []);
  });

  it('makes members whose first await is a promise made before them dishes (`await Promise.all([a(gate), b(gate)])`)', () => {
    const log = new Log()
      .promise('gate')
      .reg('gate.timer')
      .call('a')
      .derived('a.await', 'gate')
      .call('b')
      .derived('b.await', 'gate')
      .comb('all', ['a', 'b'])
      .root('all.result')
      .derived('all.then.a', 'a')
      .derived('all.then.b', 'b')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['all[0] a: a a.await', 'all[1] b: b b.await']);
  });

  it('keeps a helper that awaits members gated on a promise it made with its caller (`await helper().catch(f)`)', () => {
    // await Promise.allSettled([warmUp(), lookupPrice()]) with warmUp: await lookupPrice().catch(f)
    // and lookupPrice: const gate = new Promise(…); await Promise.all([afterGate(gate), afterGate(gate)]).
    // Looking ahead from warmUp's await, the gate's awaits are the members' own: else the second
    // lookupPrice's await seems warmUp's, warmUp's await a statement, its lookupPrice a dish.
    const gated = (log: Log, n: string) =>
      log
        .call(`lookupPrice${n}`)
        .promise(`gate${n}`)
        .reg(`timer${n}`)
        .call(`a${n}`)
        .derived(`a${n}.await`, `gate${n}`)
        .call(`b${n}`)
        .derived(`b${n}.await`, `gate${n}`)
        .comb('all', [`a${n}`, `b${n}`])
        .promise(`all${n}.result`)
        .derived(`all${n}.then.a`, `a${n}`)
        .derived(`all${n}.then.b`, `b${n}`)
        .derived(`lookupPrice${n}.await`, `all${n}.result`);
    const log = gated(new Log().call('warmUp'), '1')
      .link('lookupPrice1.catch', 'lookupPrice1')
      .derived('warmUp.await', 'lookupPrice1.catch');
    gated(log, '2')
      .comb('allSettled', ['warmUp', 'lookupPrice2'])
      .promise('settled')
      .derived('settled.then.warmUp', 'warmUp')
      .derived('settled.then.lookupPrice2', 'lookupPrice2')
      .derived('caller.await', 'settled');
    const dishes = log.dishes(StintEntry.Resumed);
    assert.deepEqual(
      dishes.map((d) => d.split(':')[0]),
      [
        'allSettled[0] warmUp',
        'all[0] a1 in warmUp',
        'all[1] b1 in warmUp',
        'allSettled[1] lookupPrice2',
        'all[0] a2 in lookupPrice2',
        'all[1] b2 in lookupPrice2',
      ],
      dishes.join('\n'),
    );
  });

  it('keeps `await new Promise(…)` after other pending promises with the function that made them', () => {
    // const a = new Promise(…); const b = new Promise(…); b.then(f) … await a — nobody else runs
    const log = new Log()
      .promise('a')
      .reg('a.timer')
      .promise('b')
      .reg('b.timer')
      .derived('caller.await', 'a')
      .link('b.then', 'b');
    assert.deepEqual(log.dishes(StintEntry.Resumed), []);
  });

  it('tells a handler that emit called from the calls it did not await', () => {
    // async (req, res) => { sendEmail(); await db(); }
    const log = new Log()
      .root('handler')
      .root('sendEmail')
      .root('sendEmail.smtp')
      .reg('sendEmail.socket')
      .derived('sendEmail.await', 'sendEmail.smtp')
      .root('db')
      .derived('handler.await', 'db');
    assert.deepEqual(log.dishes(StintEntry.Called), [
      'call sendEmail: sendEmail sendEmail.smtp sendEmail.socket sendEmail.await',
    ]);
  });

  it("takes a handler's await for its own, not for a `new Promise` it left pending, after a call nobody awaited (`sync().catch(noop); new ReadableStream(…); await sleep()`)", () => {
    // async (req, res) => { sync().catch(noop); res.end(); const s = new ReadableStream(…); await
    // sleep(); } — the stream's promises stay pending; an executor cannot await, so the handler's
    // await is the handler's. (Before, it was taken for the pending promise's, the `.catch`
    // statement for the handler's await, and `sync` for a call it awaited: seed 165883.)
    const log = (gate: (l: Log) => Log) =>
      gate(
        new Log()
          .call('handler')
          .call('sync')
          .promise('sync.sleep')
          .awaits('sync.await', 'sync.sleep')
          .link('sync.catch', 'sync')
          .reg('res.end.tick'),
      )
        .promise('handler.sleep')
        .reg('handler.timer')
        .awaits('handler.await', 'handler.sleep');
    const expected = ['call sync: sync sync.sleep sync.await'];
    assert.deepEqual(log((l) => l.promise('gate')).dishes(StintEntry.Called), expected, 'new Promise');
    assert.deepEqual(
      log((l) =>
        l.promise('closed').promise('started').settle('started').libraryLink('started.then', 'started'),
      ).dishes(StintEntry.Called),
      expected,
      'new ReadableStream',
    );
  });

  it("keeps an async generator's `next()` promise open while its body awaits (`for await (const x of Readable.from(gen()))` in a call nobody awaited)", () => {
    // main() { audit(); } with audit: for await (… of Readable.from(source())) — the generator's
    // next() is a promise the runtime makes whose body then runs, and awaits, inside it: it is
    // consumed (the loop awaits it) and stays open. (Taking every `new Promise` open at an await
    // for one whose executor had returned ended it there: seed 166071.)
    const log = new Log()
      .call('main')
      .call('audit')
      .promise('audit.next')
      .reg('from.tick')
      .runtimeCall('from.next')
      .promise('from.read')
      .promise('source.sleep')
      .reg('source.timer')
      .awaits('source.await', 'source.sleep')
      .awaits('from.await', 'from.read')
      .promise('iter.wait')
      .awaits('iter.await', 'iter.wait')
      .awaits('audit.await', 'audit.next')
      .settle('main')
      .link('main.catch', 'main');
    assert.deepEqual(log.dishes(StintEntry.Script), [
      'call audit: audit audit.next from.tick from.next from.read source.sleep source.timer source.await from.await iter.wait iter.await audit.await',
    ]);
  });

  it('keeps the call a synchronous listener chains last as its own work, as a bare call (`req.resume(); handle(req, res).catch(next)`)', () => {
    // (req, res) => { req.resume(); audit(); handle(req, res).catch(next); }
    const log = (chain: (l: Log) => Log) =>
      chain(
        new Log()
          .reg('resume.tick')
          .root('audit')
          .root('audit.sleep')
          .derived('audit.await', 'audit.sleep')
          .root('handle')
          .root('handle.db')
          .derived('handle.await', 'handle.db'),
      );
    const expected = ['call audit: audit audit.sleep audit.await'];
    assert.deepEqual(log((l) => l).dishes(StintEntry.Called), expected, 'bare');
    assert.deepEqual(
      log((l) => l.link('handle.catch', 'handle')).dishes(StintEntry.Called),
      expected,
      '.catch',
    );
    assert.deepEqual(
      log((l) => l.link('handle.then', 'handle').link('handle.finally', 'handle.then')).dishes(
        StintEntry.CalledSync,
      ),
      expected,
      '.then(…).finally(…)',
    );
    // … handle(req, res).catch(next); audit(); — the chained call no longer holds the last await.
    const after = new Log()
      .reg('resume.tick')
      .root('handle')
      .root('handle.db')
      .derived('handle.await', 'handle.db')
      .link('handle.catch', 'handle')
      .root('audit')
      .root('audit.sleep')
      .derived('audit.await', 'audit.sleep');
    assert.deepEqual(after.dishes(StintEntry.Called), ['call handle: handle handle.db handle.await']);
  });

  it('makes the last call of a handler that returns without awaiting a dish (`res.end(); sendEmail()`)', () => {
    const log = new Log()
      .root('handler')
      .reg('res.end.tick')
      .root('sendEmail')
      .root('sendEmail.sleep')
      .derived('sendEmail.await', 'sendEmail.sleep')
      .settle('handler');
    assert.deepEqual(log.dishes(StintEntry.Called), [
      'call sendEmail: sendEmail sendEmail.sleep sendEmail.await',
    ]);
  });

  it('reads `await value` as the function suspending, not as its caller consuming it', () => {
    // inside member a: await 5; then the caller goes on to b()
    const log = new Log()
      .root('a')
      .awaitValue('a', 'a.await')
      .root('b')
      .root('b.sleep')
      .derived('b.await', 'b.sleep')
      .comb('all', ['a', 'b'])
      .root('all.result')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'all[0] a: a a.await.wrap a.await',
      'all[1] b: b b.sleep b.await',
    ]);
  });

  it('makes a call nobody awaited whose first await is `await value` or `await thenable` a dish', () => {
    // audit(); await q() — with audit: await 5 (or a thenable); …
    const log = new Log()
      .root('audit')
      .awaitValue('audit', 'audit.await')
      .root('q')
      .derived('caller.await', 'q');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call audit: audit audit.await.wrap audit.await']);
    // audit().catch(noop); at a handler's end
    const chained = new Log()
      .root('handler')
      .root('audit')
      .awaitValue('audit', 'audit.await')
      .derived('audit.catch', 'audit')
      .settle('handler');
    assert.deepEqual(chained.dishes(StintEntry.Called), ['call audit: audit audit.await.wrap audit.await']);
  });

  it('makes a chained call nobody awaited a dish in a function nobody awaited that goes on to await', () => {
    // script: main(); with main: syncProfile().catch(noop); await sleep(); and syncProfile: await thenable
    const log = new Log()
      .root('main')
      .root('syncProfile')
      .awaitValue('syncProfile', 'syncProfile.await')
      .link('syncProfile.catch', 'syncProfile')
      .root('sleep')
      .reg('timer')
      .derived('main.await', 'sleep');
    assert.deepEqual(log.dishes(StintEntry.Script), [
      'call syncProfile: syncProfile syncProfile.await.wrap syncProfile.await',
    ]);
  });

  it("keeps a member's awaited helper in the member when a later member's combinator chains on its own members", () => {
    // await Promise.allSettled([notify(), lookupPrice()]) with notify: await render();
    // render: await sleep(); lookupPrice: await Promise.race([notify(), render()]).catch(noop)
    const log = new Log()
      .root('notify')
      .root('render')
      .root('sleep')
      .derived('render.await', 'sleep')
      .derived('notify.await', 'render')
      .root('lookupPrice')
      .root('notify2')
      .root('render2')
      .root('sleep2')
      .derived('render2.await', 'sleep2')
      .derived('notify2.await', 'render2')
      .root('render3')
      .root('sleep3')
      .derived('render3.await', 'sleep3')
      .comb('race', ['notify2', 'render3'])
      .root('race.result')
      .derived('race.then0', 'notify2')
      .derived('race.then1', 'render3')
      .link('race.catch', 'race.result')
      .derived('lookupPrice.await', 'race.catch')
      .comb('allSettled', ['notify', 'lookupPrice'])
      .root('all.result')
      .derived('all.then0', 'notify')
      .derived('all.then1', 'lookupPrice')
      .derived('main.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'allSettled[0] notify: notify render sleep render.await notify.await',
      'allSettled[1] lookupPrice: lookupPrice race race.result race.then0 race.then1 race.catch lookupPrice.await',
      'race[0] notify2 in lookupPrice: notify2 render2 sleep2 render2.await notify2.await',
      'race[1] render3 in lookupPrice: render3 sleep3 render3.await',
    ]);
  });

  it('keeps an awaited helper whose first await is a thenable with its caller, call after call', () => {
    // await Promise.allSettled([resize(), resize()]) with resize: await lookupPrice();
    // lookupPrice: await thenable
    const log = new Log()
      .root('resize')
      .root('lookupPrice')
      .awaitValue('lookupPrice', 'lookupPrice.await')
      .derived('resize.await', 'lookupPrice')
      .root('resize2')
      .root('lookupPrice2')
      .awaitValue('lookupPrice2', 'lookupPrice2.await')
      .derived('resize2.await', 'lookupPrice2')
      .comb('allSettled', ['resize', 'resize2'])
      .root('all.result')
      .derived('all.then0', 'resize')
      .derived('all.then1', 'resize2')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'allSettled[0] resize: resize lookupPrice lookupPrice.await.wrap lookupPrice.await resize.await',
      'allSettled[1] resize2: resize2 lookupPrice2 lookupPrice2.await.wrap lookupPrice2.await resize2.await',
    ]);
  });

  it('looks past a chain statement of a later call when it decides whether a helper was awaited', () => {
    // await Promise.all([render(), persist()]) with render: await audit().then(f); and
    // persist: const p = render(); p.catch(noop); await sleep(); — audit is render's own business
    const log = new Log()
      .root('render')
      .root('audit')
      .root('audit.sleep')
      .derived('audit.await', 'audit.sleep')
      .link('audit.then', 'audit')
      .derived('render.await', 'audit.then')
      .root('persist')
      .root('render2')
      .root('audit2')
      .root('audit2.sleep')
      .derived('audit2.await', 'audit2.sleep')
      .link('audit2.then', 'audit2')
      .derived('render2.await', 'audit2.then')
      .link('render2.catch', 'render2')
      .root('persist.sleep')
      .reg('timer')
      .derived('persist.await', 'persist.sleep')
      .comb('all', ['render', 'persist'])
      .root('all.result')
      .derived('all.then0', 'render')
      .derived('all.then1', 'persist')
      .derived('caller.await', 'all.result');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'all[0] render: render audit audit.sleep audit.await audit.then render.await',
      'all[1] persist: persist render2.catch persist.sleep timer persist.await',
      'call render2 in persist: render2 audit2 audit2.sleep audit2.await audit2.then render2.await',
    ]);
  });

  it('makes a call chained with `.then` a dish in a resumed function that returns another call', () => {
    // after an await: loadUser().then(noop, noop); return loadUser();
    const log = new Log()
      .root('loadUser')
      .root('loadUser.sleep')
      .derived('loadUser.await', 'loadUser.sleep')
      .link('loadUser.then', 'loadUser')
      .root('loadUser2')
      .root('loadUser2.sleep')
      .derived('loadUser2.await', 'loadUser2.sleep');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'call loadUser: loadUser loadUser.sleep loadUser.await',
    ]);
  });

  it("gives a call nobody awaited through a chain statement the chain's tail, which its function may have returned, and a bare call none (`audit(); load().then(f).catch(g)` after an await)", () => {
    // Whether the resumed function returned `load().then(f).catch(g)` or left it and returned
    // something else (fastify's `return reply`) the log cannot show: the tail is what the job
    // resolving the function's promise would chain (dishes.ts foldIfReturned).
    const log = new Log()
      .call('audit')
      .root('audit.sleep')
      .awaits('audit.await', 'audit.sleep')
      .call('load')
      .root('load.sleep')
      .awaits('load.await', 'load.sleep')
      .link('load.then', 'load')
      .link('load.catch', 'load.then');
    assert.deepEqual(log.dishes(StintEntry.Resumed), [
      'call audit: audit audit.sleep audit.await',
      'call load: load load.sleep load.await',
    ]);
    assert.deepEqual(log.tails(StintEntry.Resumed), [null, 'load.catch']);
  });

  it('gives a call nobody awaited the await its function makes after it in the stint (`const p = load().then(f); await y; return p;`), and none to a call it may return in the stint', () => {
    // A function called in the stint keeps `load(1).then(f)` over its own await: it can return it
    // only once it resumes there (dishes.ts foldIfReturned leaves it then). The stint's own function
    // leaves `store()` and awaits; `audit()` after its last await may be what it returns now.
    const log = new Log()
      .call('held')
      .call('load')
      .root('load.sleep')
      .awaits('load.await', 'load.sleep')
      .link('load.then', 'load')
      .root('held.sleep')
      .awaits('held.await', 'held.sleep')
      .awaits('caller.await', 'held');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call load: load load.sleep load.await']);
    assert.deepEqual(log.resumes(StintEntry.Resumed), ['held.await']);
    const own = new Log()
      .call('store')
      .root('store.sleep')
      .awaits('store.await', 'store.sleep')
      .root('top.sleep')
      .awaits('top.await', 'top.sleep');
    assert.deepEqual(own.resumes(StintEntry.Resumed), ['top.await']);
    const returned = new Log()
      .call('audit')
      .root('audit.sleep')
      .awaits('audit.await', 'audit.sleep')
      .link('audit.then', 'audit');
    assert.deepEqual(returned.resumes(StintEntry.Resumed), [null]);
  });

  it("keeps what the script's top level starts in the script (module loading calls inside the runtime)", () => {
    const log = new Log()
      .root('main')
      .root('main.sleep')
      .derived('main.await', 'main.sleep')
      .derived('main.catch', 'main');
    assert.deepEqual(log.dishes(StintEntry.Script), []);
  });

  it('takes the tails of a function that settles later in the stint for statements', () => {
    // async helper() { audit().catch(noop); } — helper returns at once; the caller awaits it
    const log = new Log()
      .root('helper')
      .root('audit')
      .root('audit.sleep')
      .derived('audit.await', 'audit.sleep')
      .derived('audit.catch', 'audit')
      .settle('helper')
      .derived('caller.await', 'helper');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call audit: audit audit.sleep audit.await']);
  });

  it("keeps a library's worker loops given to its own Promise.all in the task, and carries them on (Bull 4's `run`)", () => {
    // a library's `.then` callback: while (n--) loops.push(new Promise((resolve) => this.loop(n, resolve)));
    // return Promise.all(loops); — each loop queues a tick that fetches a job
    const log = new Log()
      .promise('loop0')
      .reg('tick0')
      .promise('loop1')
      .reg('tick1')
      .libraryComb('all', ['loop0', 'loop1']);
    assert.deepEqual(log.dishes(StintEntry.Resumed, true), []);
    assert.deepEqual(log.loops(StintEntry.Resumed, true), ['loop0', 'tick0', 'loop1', 'tick1']);
  });

  it("makes the program's function a library's loop calls a job, whatever the library does with its promise, and carries the loop on", () => {
    // a stint of the loop, a library's `.then` callback: const running = handler(job);
    // return running.then(completed).catch(failed); — handler is the program's: await query()
    const log = new Log()
      .call('handler')
      .promise('query')
      .derived('handler.await', 'query')
      .libraryLink('completed', 'handler')
      .libraryLink('failed', 'completed');
    assert.deepEqual(log.dishes(StintEntry.Resumed, false, Runner.Loop), [
      'call handler: handler query handler.await',
    ]);
    assert.deepEqual(log.loops(StintEntry.Resumed, false, Runner.Loop), ['completed', 'failed']);
    // A worker loop of the library's own, an async function given to its Promise.all, that calls
    // the program's function before its first await: a job of the loop in the stint that started it.
    const pool = new Log()
      .libraryCall('worker0')
      .call('fn0')
      .promise('fn0.query')
      .derived('fn0.await', 'fn0.query')
      .derived('worker0.await', 'fn0')
      .libraryCall('worker1')
      .call('fn1')
      .promise('fn1.query')
      .derived('fn1.await', 'fn1.query')
      .derived('worker1.await', 'fn1')
      .libraryComb('all', ['worker0', 'worker1'])
      .promise('all.result')
      .derived('all.then0', 'worker0')
      .derived('all.then1', 'worker1')
      .derived('map.await', 'all.result');
    assert.deepEqual(pool.dishes(StintEntry.Resumed), [
      'call fn0: fn0 fn0.query fn0.await',
      'call fn1: fn1 fn1.query fn1.await',
    ]);
    assert.deepEqual(pool.loops(StintEntry.Resumed), [
      'worker0',
      'worker0.await',
      'worker1',
      'worker1.await',
    ]);
  });

  it('makes a call the stint started and awaits in a later one a dish (`const p = f(); await x; await p`)', () => {
    const log = new Log()
      .root('f')
      .root('f.sleep')
      .derived('f.await', 'f.sleep')
      .derived('p.catch', 'f')
      .root('x')
      .derived('caller.await', 'x');
    assert.deepEqual(log.dishes(StintEntry.Resumed), ['call f: f f.sleep f.await']);
  });
});
