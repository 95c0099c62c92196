/**
 * Streams piped by a task are its work.
 */
import { Reason, TaskFlags, TaskKind } from '../../protocol/format';
import {
  Task,
  asProbe,
  current,
  enabled,
  enter,
  leave,
  openerDone,
  probing,
  readsFor,
  replies,
  runsAs,
  setHeldAnsweredHandler,
  taskOf,
} from '../engine';
import { Slot, regSlot, willRun } from '../dishes';
import { readingReply, replyComes } from '../libraryQueues';
import { foldTask, newTask } from '../tasks';
import { AnyFunction, callWith, copyProperties, replace } from './base';

// ---------------------------------------------------------------------------------------------
// Streams piped by a task (a file through gzip into a response) are its work: the data flows from
// callbacks the runtime makes (a read done, a chunk compressed), each pushing into the next stream.
// A push into a stream of the pipe, from code that runs for no task, runs as the task that piped.

export const kStream = Symbol('looplens.stream');
/** A connection the program opened: the task that opened it (see engine.ts, startProbe). */
export const kConn = Symbol('looplens.conn');
/** Of such a connection: the task that wrote to it last (asked for something: a query, a command). */
export const kAsker = Symbol('looplens.asker');
/**
 * Of such a connection: who asked and may still wait, oldest first — for each write from a stint,
 * its slot and the count of replies (engine.ts, `replies`) then. A client that pipelines writes
 * several askers' queries before the first reply comes (postgres.js, redis clients), and a
 * connection answers in the order asked: a read that settles nothing is the oldest asker's that
 * has had no reply since it wrote (see oldestAsker).
 */
export const kAskers = Symbol('looplens.askers');
/**
 * Of such a connection: the task holding its reads that came while no asker waited (see heldReply),
 * until a read settles a waiter's promise or the connection is written to again.
 */
export const kHeld = Symbol('looplens.held');
/**
 * On a stream the runtime completes the work of on its own (zlib's, on its thread pool): the slot
 * of the code that wrote the chunk in progress (sources/zlib.ts). Its output is that code's work.
 */
export const kWriter = Symbol('looplens.writer');
/**
 * Of such a connection: the last ask made by code whose task's work was over by openerDone's word
 * (a request's after its response), its slot and the count of replies then — resolved to the task
 * it turned out to be (the stint that asked sorted: a call nobody awaited that asked is a dish of
 * its own) by the next read (lateAsk).
 */
export const kLate = Symbol('looplens.late');
/**
 * On a connection the program opened: whether its last write was made while one of the program's
 * connections was read (a library writing from a reply's read), not from a stint or from its
 * `connect` event. Its opener's reads are replies only then (libraryQueues.ts): a connection's
 * set-up is a conversation that the reads cannot tell from a query and its reply, but pg's begins
 * with a write from its `connect` event, its SCRAM authentication's answer is written from a
 * promise's continuation, and its first query from the read that ends the set-up — whose reply is
 * the first read that follows a write made from a read.
 */
export const kWroteInRead = Symbol('looplens.wroteInRead');
export type Piped = {
  [kWroteInRead]?: boolean;
  [kLate]?: [Slot, number];
  [kStream]?: Slot;
  [kWriter]?: Slot;
  [kConn]?: Slot;
  [kAsker]?: Slot;
  [kAskers]?: Array<Slot | number>;
  [kHeld]?: Task;
};
/** The askers a connection remembers (a client that pipelines more than this is read from the 64th on). */
const MAX_ASKERS = 64;
/** Entries of answered askers forgotten one by one (see oldestAsker); more, at once. */
const SHIFT_AT_MOST = 8;

/**
 * A connection the program opened is written to: reads it held for nobody's asker (heldReply) were
 * no part of a reply to what is asked now, nor to anything asked later. But the read that holds
 * runs now (the write is made from it) may still settle the reply those reads were part of: a pool
 * hands the connection a reply freed to its next waiter, and writes that waiter's query, before it
 * settles the reply's promise (pg-pool's `query` releases its client first), so the holder stays
 * ready for that settling (heldAnswered), and later reads hold anew. Before, under a pool whose
 * waiters queued (more queries at once than connections), the first reads of each queued query's
 * reply stayed `connection reply` lanes of nobody's: express 5 + pg with a pool of two at 8
 * connections, 94 of 200 requests' replies in fast mode and 182 in full, and 626 of 600 members'
 * reads of a `Promise.all` of three queries.
 */
export function releaseHeld(conn: Piped): void {
  const held = conn[kHeld];
  if (held === undefined) return;
  conn[kHeld] = undefined;
  if (probing !== held) held.holdsReply = false;
}

/** The running task (its slot, `slot`) writes to a connection the program opened: it asks. */
export function noteAsker(conn: Piped, slot: Slot): void {
  conn[kAsker] = slot;
  if (current !== null && openerDone(current)) conn[kLate] = [slot, replies];
  const askers = conn[kAskers];
  if (askers === undefined) conn[kAskers] = [slot, replies];
  else {
    if (askers.length >= 2 * MAX_ASKERS) askers.splice(0, 2);
    askers.push(slot, replies);
  }
}

/**
 * A read of `conn` begins: an ask made there after its asker's work was over (kLate) is now its
 * task's (the stint that asked has been sorted), which waits for the answer (engine.ts waitsLate).
 */
export function lateAsk(conn: Piped): void {
  const late = conn[kLate];
  if (late === undefined) return;
  conn[kLate] = undefined;
  const task = taskOf(late[0].r);
  if (task !== null && task.askedLate < late[1]) task.askedLate = late[1];
}

/**
 * The oldest asker still waiting for its reply, or null: askers with a reply since they wrote are
 * answered, and so is every one before the last of them (replies come in the order asked: one that
 * wrote and waited for none, or whose reply a stint took in, has had its turn); so is one whose
 * work is over. Those are forgotten.
 */
function oldestAsker(askers: Array<Slot | number>): Task | null {
  let done = 0;
  for (let i = 0; i < askers.length; i += 2) {
    const task = taskOf((askers[i] as Slot).r);
    if (task !== null && task.answered > (askers[i + 1] as number)) done = i + 2;
  }
  let asker: Task | null = null;
  for (; done < askers.length; done += 2) {
    asker = taskOf((askers[done] as Slot).r);
    if (asker !== null && readsFor(asker)) break;
    asker = null;
  }
  // A few are shifted off: `splice` makes an array of what it removes (for one asker, about 750
  // instructions against 150 for two shifts; a koa + ioredis request's reply forgets one asker).
  if (done > SHIFT_AT_MOST) askers.splice(0, done);
  else for (; done > 0; done--) askers.shift();
  return asker;
}

export function patchStreams(stream: typeof import('node:stream')): void {
  const proto = stream.Readable.prototype as unknown as Record<string, AnyFunction>;
  const pipe = proto.pipe;
  const push = proto.push;
  if (typeof pipe !== 'function' || typeof push !== 'function') return;
  const patchedPipe = {
    pipe(this: Piped, dest: unknown) {
      // A connection the program opened, piped into a library's parser (mqtt.js reads its socket
      // so: `socket.pipe(writable)`, whose `_write` parses and emits each message), is still read
      // as a connection (probePush): what arrives is its waiter's, asker's or opener's, and an
      // async message handler nobody awaits is a dish of the opener, however the library reads it.
      // Marking it (and its destination) piped made every read a plain stint of the task that
      // piped, the handlers its own work.
      if (enabled && current !== null && this[kConn] === undefined) {
        const slot = regSlot();
        if (slot !== null) {
          this[kStream] = slot;
          if (typeof dest === 'object' && dest !== null && (dest as Piped)[kStream] === undefined)
            (dest as Piped)[kStream] = slot;
        }
      }
      return Reflect.apply(pipe, this, arguments);
    },
  }.pipe;
  const patchedPush = {
    push(this: Piped, chunk: unknown, encoding: unknown) {
      const slot = this[kStream];
      if (slot === undefined || current !== null || !enabled) {
        if (slot === undefined && current === null && enabled) {
          const conn = this[kConn];
          if (conn !== undefined) return probePush(this, conn, push, arguments);
          const writer = this[kWriter];
          if (writer !== undefined) return writerPush(this, writer, push, arguments);
        }
        return arguments.length <= 2
          ? callWith(push, this, arguments.length, chunk, encoding)
          : Reflect.apply(push, this, arguments);
      }
      const task = taskOf(slot.r);
      const n = arguments.length;
      // A request that has answered (ended, for the tracer) still runs the streams its code piped
      // after its response: their data is its after-response work, as a timer it set then is (a
      // `pipeline` through `zlib.createGzip()` into a `Writable` whose `write` works, seed 178141:
      // before, each chunk's write ran in no stint, in both modes). Any other ended task's is over.
      if (task === null || (task.ended && task.kind !== TaskKind.Request))
        return n <= 2 ? callWith(push, this, n, chunk, encoding) : Reflect.apply(push, this, arguments);
      enter(task, Reason.Io);
      try {
        return n <= 2 ? callWith(push, this, n, chunk, encoding) : Reflect.apply(push, this, arguments);
      } finally {
        leave();
      }
    },
  }.push;
  copyProperties(patchedPipe as AnyFunction, pipe);
  copyProperties(patchedPush as AnyFunction, push);
  replace(proto, 'pipe', patchedPipe as AnyFunction);
  replace(proto, 'push', patchedPush as AnyFunction);
}

/**
 * The output of a chunk a stream's writer gave it (see kWriter), pushed to its readers with no
 * stint open (its 'data' listeners, the next stream of a pipe): the writer's work, as the write's
 * callback after it is (sources/zlib.ts).
 */
function writerPush(stream: Piped, writer: Slot, push: AnyFunction, args: IArguments): unknown {
  const task = runsAs(writer.r);
  if (task === null) return Reflect.apply(push, stream, args);
  willRun(writer);
  enter(task, Reason.Io);
  try {
    return Reflect.apply(push, stream, args);
  } finally {
    leave();
  }
}

/** A read of a connection the program opened, as a probe of its opener (engine.ts, startProbe). */
function probePush(stream: Piped, conn: Slot, push: AnyFunction, args: IArguments): unknown {
  // What comes back is for the oldest asker still waiting (a pool's connection serves one request,
  // then another; a client that pipelines, several at once), else for whoever asked last (a
  // subscriber, once subscribed), or for the opener who never wrote.
  if (stream[kLate] !== undefined) lateAsk(stream);
  const askers = stream[kAskers];
  let opener = askers !== undefined ? oldestAsker(askers) : null;
  // Whether it is the reply to what that task asked: a run of its code (libraryQueues.ts) — not
  // while the connection may still be setting up for its opener (see kWroteInRead).
  let reply = false;
  if (opener === null) {
    const asker = stream[kAsker];
    opener = asker !== undefined ? taskOf(asker.r) : null;
    if (opener === null || !readsFor(opener)) opener = taskOf(conn.r);
    if (askers !== undefined && (opener === null || !readsFor(opener))) opener = heldReply(stream);
    else if (opener !== null && stream[kWroteInRead] === true && opener === taskOf(conn.r)) {
      // Its opener's, asked from a read: a reply, not the connection's set-up.
      reply = true;
      replyComes(opener);
    }
  } else {
    reply = stream[kWroteInRead] === true || opener !== taskOf(conn.r);
    replyComes(opener);
  }
  readingReply(reply);
  connRead = true;
  try {
    return asProbe(opener, push, stream, args, true, undefined, true);
  } finally {
    readingReply(false);
    connRead = false;
  }
}

/** Set while a read of a connection the program opened runs (probePush): see kWroteInRead. */
export let connRead = false;

/**
 * The reads of a connection that has been asked something, when every asker has had its reply or
 * is done, and its opener is done too: more of a reply to someone whose query another task's code
 * wrote (a client that queues queries while its connection opens, or while it is busy, and writes
 * them all at once from the code that opened it or from a reply's read: postgres.js's pool), or a
 * message for nobody (a notification). Which, the reads cannot tell, nor the write that carried the
 * query (nothing of the query's promise or object is touched there): the read that settles the
 * query's promise is the first to know. So they run as a task that holds them (the library's, for
 * now), and when one of them settles the promise of a task whose work goes on, that was its reply
 * (a connection answers in the order asked) and they are folded into it. A write to the connection
 * ends the holding (releaseHeld): what comes after answers what was asked before, or then.
 */
function heldReply(conn: Piped): Task {
  const held = conn[kHeld];
  if (held !== undefined && held.holdsReply) return held;
  const task = newTask(
    TaskKind.Other,
    null,
    'connection reply',
    TaskFlags.Internal | TaskFlags.Provisional,
    null,
  );
  task.holdsReply = true;
  conn[kHeld] = task;
  return task;
}
setHeldAnsweredHandler((held, by) => foldTask(held, by));

/**
 * A socket made with `onread` (a buffer of the program's own, `net.connect({ onread: { buffer,
 * callback } })`: postgres.js 4 reads its connections so) hands what it reads straight to the
 * callback, from Node's read with no stint open — no `push`, no 'data' event. Such a read of a
 * connection the program opened is probed as a pushed one is: its time is the waiter's it answers,
 * else the asker's or the opener's while their work goes on. Before, it ran as untracked code in
 * both modes (a large result's parsing, 640 ms, was blocks of nobody's instead of the request's).
 * Node keeps the callback under a symbol of its own, read from the first socket opened.
 */
let bufferCbSymbol: symbol | null | undefined;
export function probeUserReads(socket: object): void {
  if (bufferCbSymbol === undefined) {
    bufferCbSymbol = null;
    for (const key of Object.getOwnPropertySymbols(socket))
      if (key.description === 'kBufferCb') bufferCbSymbol = key;
  }
  if (bufferCbSymbol === null) return;
  const holder = socket as Record<symbol, unknown>;
  const callback = holder[bufferCbSymbol];
  if (typeof callback !== 'function' || (callback as Probed)[kProbed] === true) return;
  const read = callback as AnyFunction;
  const probed = {
    onread(this: Piped, bytes: unknown, buffer: unknown) {
      const conn = this[kConn];
      if (conn === undefined || current !== null || !enabled || this[kStream] !== undefined)
        return arguments.length === 2
          ? callWith(read, this, 2, bytes, buffer)
          : Reflect.apply(read, this, arguments);
      return probePush(this, conn, read, arguments);
    },
  }.onread;
  (probed as Probed)[kProbed] = true;
  holder[bufferCbSymbol] = probed;
}
const kProbed = Symbol('looplens.probed');
type Probed = { [kProbed]?: true };
