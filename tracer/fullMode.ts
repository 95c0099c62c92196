/**
 * Full mode: async_hooks on top of fast mode, for programs whose work runs in callbacks the fast
 * sources do not see (a callback-style database driver, a raw `net` protocol). Every async resource
 * created while a task runs belongs to that task — or to the dish its maker turns out to be (it is
 * logged with the stint, dishes.ts) — so its callbacks are stints of the task. Resources made by no
 * task's code, and connections serving others after their opener's work is done, run as no stint:
 * their time goes to what they lead to, as in fast mode. It costs what async_hooks costs (an empty
 * hook alone takes a fifth of a busy server's throughput), which is why it is not the default.
 *
 * Promises are left to the promise hooks (promises.ts); resources the tracer makes for itself are
 * marked while it makes them and never traced.
 */
import asyncHooks = require('node:async_hooks');
import { Reason, TaskKind } from '../protocol/format';
import { dispatching, firesTimer, firesTimerCallback, kTag, kTask, logResource, willRun } from './dishes';
import {
  Strand,
  Task,
  baseNow,
  current,
  enter,
  enterRead,
  isSyncFunction,
  leave,
  openerDone,
  polledNow,
  probing,
  dropNextStrand,
  runsAs,
  strandNow,
  workOver,
} from './engine';
import { kHousekeeping, libraryTimerDone } from './sources/timers';
import { Piped, kConn } from './sources/streams';
import { resourcesQuiet } from './sources/scopes';
import { made as workerMade } from './sources/workers';

const kOwn = Symbol('looplens.own');

type Resource = {
  _onTimeout?: unknown;
  _onImmediate?: unknown;
  [kTag]?: Strand;
  [kOwn]?: true;
  [kTask]?: Task;
  [kReason]?: number;
  [kHousekeeping]?: true;
};

/** Whether each open before() entered a stint. */
const entered: boolean[] = [];
let hook: asyncHooks.AsyncHook | null = null;
/** Set while the tracer creates resources of its own. */
let ownWork = false;

/**
 * Why a resource's callback runs, by its async_hooks type. A tick, a socket's write completing, a
 * library's AsyncResource-bound callback (`on-finished`, say) resume the work of whoever made them:
 * after a response they are its wrap-up, never background work (see the model's background rule).
 */
const REASONS: Record<string, number> = {
  Timeout: Reason.Timer,
  Immediate: Reason.Immediate,
  TickObject: Reason.Resume,
  WRITEWRAP: Reason.Resume,
  SHUTDOWNWRAP: Reason.Resume,
  HTTPINCOMINGMESSAGE: Reason.Event,
  MESSAGEPORT: Reason.Message,
  WORKER: Reason.Message,
};
const kReason = Symbol('looplens.reason');
/**
 * Connections outlive whoever opened them (a pool's socket, a keep-alive agent's): their callbacks
 * are the opener's work only while the opener's own work goes on — after a request's response they
 * serve others, and run as no one's.
 */
const CONNECTIONS: ReadonlySet<string> = new Set([
  'TCPWRAP',
  'PIPEWRAP',
  'TLSWRAP',
  'UDPWRAP',
  'TCPSERVERWRAP',
  'PIPESERVERWRAP',
  'HTTP2SESSION',
]);
const CONNECTION = 0x100;
/** A tick or immediate a connection's read queued: the read's hand-over, deferred (Slot.dispatch). */
const DISPATCH = 0x200;
/**
 * A write of the task's own completing (a request's response written to its socket, to its HTTP/2
 * stream): what the connection did right before, sending it, is the task's (engine.ts enterRead).
 */
const OWN_WRITE = 0x400;
const WRITES: ReadonlySet<string> = new Set(['WRITEWRAP', 'SHUTDOWNWRAP']);
/**
 * Node's own `queueMicrotask`'s resource: it runs once, in the drain it was queued in, for the code
 * that queued it — after a request's response too (a web stream the request reads then calls `pull`
 * from one), as fast mode has it (sources/scopes.ts makerOf).
 */
const ONCE = 0x800;
const AsyncResourceClass = asyncHooks.AsyncResource;

function init(_id: number, type: string, _trigger: number, resource: object): void {
  if (type === 'PROMISE') return;
  const r = resource as Resource;
  if (ownWork) {
    r[kOwn] = true;
    return;
  }
  // Node's own ports for a Worker being made: the worker task's (sources/workers.ts). (Not the
  // ticks it queues meanwhile: they finish the maker's stint.) Its handle's one callback is the
  // thread's exit (Worker[kOnExit], lib/internal/worker.js), which first hands over the messages
  // the thread posted that were not read yet (drainMessagePort of its public port), then emits
  // 'exit': it runs as no stint, as in fast mode — each such message a read of the public port,
  // the waiter's (workers.ts delivered), the 'exit' event the worker's stint (its patched emit).
  // Before, the whole exit was a stint of the worker's, and a message that settled a wait, read
  // there, ran in it: a worker that posts once and ends while the loop is busy (generator 11's
  // workerPosts, seed 187007 in every full run).
  if (workerMade !== null && type === 'WORKER') return;
  if (workerMade !== null && type === 'MESSAGEPORT') workerMade.push(r as Record<symbol, unknown>);
  // A listening server serves everyone: its connections' arrivals are nobody's work (an HTTP
  // request, a raw connection are tasks of their own, made by the sources), not the work of the
  // code that called listen() — the script's lane got every connection's callbacks.
  if (current === null || type === 'TCPSERVERWRAP' || type === 'PIPESERVERWRAP') return;
  // A zlib stream's completions are the work of whoever wrote each chunk (sources/zlib.ts), as in
  // fast mode, not of the code that made the stream: ws makes a connection's compressor at its first
  // send, and every later message's compression ran in that first message's lane.
  if (type === 'ZLIB') return;
  // The patched `queueMicrotask`'s own resource: the callback it queued is bound to the task
  // (sources/ticks.ts), as in fast mode, and carries on what its slot does (a runner of jobs).
  if (resourcesQuiet()) return;
  // A timer Node's own code made unref'd from the start (a socket's idle timeout, which a driver
  // arms on its connection with `socket.setTimeout`: memjs at each write) is the connection's
  // housekeeping, nobody's work whoever's write armed it — as in fast mode, which never sees it
  // (a listener of the 'timeout' event it emits for a task is that task's, sources/http.ts). The
  // program's own timers are made ref'd, and unref'd later (sources/timers.ts patchUnref).
  if (type === 'Timeout' && !(resource as { hasRef?: () => boolean }).hasRef?.()) {
    r[kHousekeeping] = true;
    return;
  }
  // Tagged like a promise and logged like a callback: re-tagged if it belongs to a dish.
  r[kTag] = strandNow !== null ? baseNow(current) : current.base;
  r[kReason] =
    (CONNECTIONS.has(type)
      ? Reason.Io | CONNECTION
      : (REASONS[type] ?? (resource instanceof AsyncResourceClass ? Reason.Resume : Reason.Io))) |
    ((type === 'TickObject' || type === 'Immediate') && dispatching() ? DISPATCH : 0) |
    (WRITES.has(type) ? OWN_WRITE : 0) |
    (type === 'Microtask' ? ONCE : 0);
  logResource(r);
}

function before(): void {
  const r = asyncHooks.executionAsyncResource() as Resource | undefined;
  // Promise continuations are the promise hooks' (promises.ts): they say they resume code.
  if (r === undefined || r === null || r[kOwn] === true || r instanceof Promise) {
    entered.push(false);
    return;
  }
  // A resource that is a task of its own (a named scope) runs as it; others as their maker. One
  // made by no task's code (the runtime's own, a socket's for another) and a connection serving
  // others run as no stint at all: their time goes to the continuation they lead to, as in fast
  // mode (engine.ts accountGap), else it is untracked.
  const own = r[kTask];
  const record = r[kTag];
  const task: Task | null = own !== undefined ? own : record !== undefined ? runsAs(record) : null;
  const reason = r[kReason] ?? Reason.Io;
  // After a request's response, what its resources do (a keep-alive socket's timer, a pool's
  // idle check) is the library's business, nobody's work: the program's own later work comes
  // through the callbacks and timers the sources bind (a timer set after the response is a task
  // of its own, sources/timers.ts), as in fast mode. A library's housekeeping timer (one it
  // unrefs, sources/timers.ts) is nobody's work whoever started it.
  // A message channel's port the program made is a connection read as fast mode reads it
  // (sources/workers.ts), and so is a library's AsyncResource run during such a read with no stint
  // open (piscina settling the job's promise in the scope of the code that posted it): the read is
  // the waiter's it answers (engine.ts startProbe), as in fast mode (sources/scopes.ts).
  if (
    task === null ||
    (r as Piped)[kConn] !== undefined ||
    (own === undefined && probing !== null && current === null && r instanceof AsyncResourceClass) ||
    r[kHousekeeping] === true ||
    (reason === Reason.Timer && libraryTimerDone(r, null) && workOver(task)) ||
    ((reason & CONNECTION) !== 0 && (openerDone(task) || readByProbe(r))) ||
    (task.kind === TaskKind.Request && (task.ended || task.responded) && (reason & ONCE) === 0)
  ) {
    if (task !== null) dropNextStrand();
    entered.push(false);
    return;
  }
  willRun(r);
  if (reason === Reason.Timer && task.kind === TaskKind.Timer) firesTimer();
  else if (reason === Reason.Timer) firesTimerCallback();
  // A timer's or an immediate's callback that is no async function (see StintEntry.CalledSync).
  const callback =
    reason === Reason.Timer ? r._onTimeout : reason === Reason.Immediate ? r._onImmediate : undefined;
  if ((reason & OWN_WRITE) !== 0) enterRead(task, reason & 0xff);
  else {
    // A resource's I/O (a thread pool's work done, a connection's read, a child's exit) comes from
    // the loop after it polled: it continues no stint that ended before (engine.ts polledNow).
    // (Not a write's completion, which libuv may make before it polls: enterRead.)
    if ((reason & 0xff) === Reason.Io && current === null) polledNow();
    enter(
      task,
      reason & 0xff,
      false,
      -1,
      callback !== undefined && isSyncFunction(callback),
      (reason & DISPATCH) !== 0,
    );
  }
  entered.push(true);
}

/** The socket a connection's handle belongs to (Node keeps it under a symbol of its own). */
let ownerSymbol: symbol | null | undefined;
function socketOf(handle: object): Piped | null {
  if (ownerSymbol === undefined) {
    ownerSymbol = null;
    for (const key of Object.getOwnPropertySymbols(handle))
      if (key.description === 'owner_symbol') ownerSymbol = key;
  }
  if (ownerSymbol === null) return null;
  const owner = (handle as Record<symbol, unknown>)[ownerSymbol];
  return typeof owner === 'object' && owner !== null ? (owner as Piped) : null;
}

/**
 * A connection the program opened is read as fast mode reads it (sources/streams.ts probePush): its
 * reads are the asker's or the waiter's, which the handle's maker (the opener) need not be — a
 * pool's connection serves whoever queries it. Its other callbacks stay the opener's.
 */
function readByProbe(handle: object): boolean {
  const socket = socketOf(handle);
  return socket !== null && socket[kConn] !== undefined;
}

function after(): void {
  if (entered.pop() === true) leave();
}

export function startFullMode(): void {
  hook = asyncHooks.createHook({ init, before, after });
  hook.enable();
}

/** Whether full mode's hooks run (then they, not sources/scopes.ts, tag and enter AsyncResources). */
export function fullModeOn(): boolean {
  return hook !== null;
}

export function stopFullMode(): void {
  if (hook !== null) hook.disable();
  hook = null;
}

/** Runs `fn` with the resources it creates marked as the tracer's own. */
export function asOwnWork<T>(fn: () => T): T {
  const was = ownWork;
  ownWork = true;
  try {
    return fn();
  } finally {
    ownWork = was;
  }
}
