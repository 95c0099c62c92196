/**
 * Callbacks a library keeps in a queue of its own. A request handed a callback to a library
 * (`pool.query(sql, render)`) that could not serve it at once: the library put the callback in a
 * queue (pg-pool's waiters, a client's queries while it is busy) and nothing of the runtime's
 * carries the request's next step — no promise, no timer, no write, nothing an async hook or a
 * promise hook sees. Later, in the read of a reply that answered another request (its connection
 * freed), the library's own code takes the queued callback and writes its query there. That write
 * was charged to the request whose reply was being read, and so was its answer and the callback it
 * runs (the waiter's `render`): two requests' work in one lane, the waiter's lane empty (issue 9).
 *
 * Nothing ties the callback to the request that handed it over (no `AsyncResource`: an
 * `AsyncLocalStorage` loses its store there too), so the tracer follows the order instead, as it
 * does for a connection's replies: a queue serves in the order asked. A request whose stint left
 * nothing behind while its work goes on — its body read, its response not ended — waits in a
 * library's queue (`park`). A write to a connection the program opened, made by a library's code
 * alone (none of the program's functions on the stack) in the read of a reply while that connection
 * had an asker, is the library serving its queue: it asks for the request that has waited longest
 * (`askerInQueue`), whose reply, and the callback it runs, are then its own. Off the per-request
 * path: a stint's end looks at one field, and the stack is read only for such a write while a
 * request waits so.
 *
 * Limits: only HTTP requests are taken as waiting (a WebSocket or a connection task waits for its
 * messages between stints, and a script's or a timer's own work is never over); a request that parks
 * its response in the program's own list (a long poll with no timer) waits so too and may be handed
 * a query another's callback queued; a release the program's code calls itself (`pool.connect((err,
 * client, release) => …)`) writes the next waiter's query with the program's function on the stack,
 * and stays the releaser's; a connection whose set-up answers a read from that read and then reads
 * more of its set-up (a handshake such as MySQL's; pg 8.23 writes its SCRAM answer from a promise's
 * continuation, not from the read) has that read taken for a reply, and a cold pool of such
 * connections under load loses the order; a library that queues callbacks with no connection in between (async's `queue`:
 * a worker of the program's runs the next job from the callback of the last) is not followed.
 */
import { TaskKind } from '../protocol/format';
import { Task, answeredNow, probing, workOver } from './engine';
import { programAbove } from './locations';

/**
 * Requests waiting in a library's queue, oldest first: a list threaded through the tasks themselves
 * (`waitNext`, `waitPrev`), so that a request leaves it the moment it stops waiting — its reply
 * read, a stint of it that left something, its end — with no entry left behind to look at later and
 * no task kept alive by it. (Kept as arrays of entries that went stale, every request of a koa +
 * ioredis server — whose first stint leaves only an await on the reply — stayed in them until 256
 * had come after it, with its incoming message: the collector's work a request ten times main's,
 * 2026-12-06.)
 */
let first: Task | null = null;
let last: Task | null = null;
let count = 0;
/** How many are kept at most: beyond, the oldest is forgotten (its next step then stays unseen). */
const MAX_WAITING = 256;
/** A task's `parked` while it waits in the list. */
const WAITING = 1;
/** A request's `parked` while its first stint runs (set as the request arrives, sources/http.ts). */
export const ARRIVING = -1;

/**
 * Set while the read of a reply to what a task asked runs (sources/streams.ts probePush): a run of
 * that task's code that may leave it waiting in a queue, and a write there may serve a queue. A
 * task's reads of a connection it opened are such reads only once the connection's last write was
 * made from a read of it (sources/streams.ts kWroteInRead): before, they may be its set-up, a
 * conversation of writes and reads with no query in it, which none of this can tell from a reply —
 * the first query on a new connection is its opener's, written from the read that ends the set-up.
 * (A flag, not the task: stored at every such read, a task in the module's scope would cost a
 * write barrier each time.)
 */
let replyRead = false;
/** Counts the reads of replies (see readingReply): which read a hand-over was made in. */
let replyReads = 0;
export function readingReply(on: boolean): void {
  replyRead = on;
  if (on) replyReads++;
}

/**
 * A read of a reply to what `task` asked begins: it waits for that reply, in no library's queue. (A
 * reply may come in several reads — pg's rows, then its ready-for-query — and a read before the
 * last runs none of the task's code and leaves nothing: the task is not waiting in a queue then.)
 */
export function replyComes(task: Task): void {
  if (task.parked !== 0) stopWaiting(task);
}

/** `task` waits in no library's queue (any more), nor is it arriving: out of the list. */
export function stopWaiting(task: Task): void {
  if (task.parked === WAITING) unlink(task);
  task.parked = 0;
}

function unlink(task: Task): void {
  const prev = task.waitPrev;
  const next = task.waitNext;
  if (prev === null) first = next;
  else prev.waitNext = next;
  if (next === null) last = prev;
  else next.waitPrev = prev;
  task.waitPrev = null;
  task.waitNext = null;
  count--;
}

/**
 * The last hand-over: the connection, the read it was made in and the request it went to. A query
 * is often several writes (pg's extended protocol: Parse, Bind, Execute, Sync): the ones after the
 * first, in the same read and on the same connection, are the same request's.
 */
let handedConn: object | null = null;
let handedRead = -1;
let handedTo: Task | null = null;

/** Whether any request waits in a library's queue. */
export function anyWaiting(): boolean {
  return first !== null;
}

/**
 * A run of `task`'s code (a stint: a read charged to it is one however short) ended having left
 * nothing behind: if it is an HTTP request whose work goes on, it waits in a library's queue.
 */
export function leftNothing(task: Task): void {
  // Only a run that could have handed a library its callback and nothing else: the request's
  // first stint (`parked` is ARRIVING until it ends), or the read of a reply to what it asked. A
  // tick, or a read of its own connection's set-up, leaves nothing while what the task waits for
  // (that connection) is under way.
  if (task.parked !== ARRIVING && !replyRead) return;
  if (task.parked === WAITING) return;
  if (task.kind !== TaskKind.Request || task.incoming === null || workOver(task)) {
    task.parked = 0;
    return;
  }
  if (count >= MAX_WAITING) stopWaiting(first!);
  task.parked = WAITING;
  task.waitPrev = last;
  if (last === null) first = task;
  else last.waitNext = task;
  last = task;
  count++;
}

/** Whether a waiting task still stands: its work goes on, its body read. */
function stands(task: Task): boolean {
  if (workOver(task)) return false;
  const incoming = task.incoming as { complete?: unknown } | null;
  return incoming !== null && incoming.complete === true;
}

/**
 * A write to a connection the program opened (`skip`: the patched write), while one of its reads
 * runs: the request that has waited longest in a library's queue, if this is the library serving
 * it — the read is a reply to what another task asked (readingReply), none of the program's code is
 * on the stack, and that request is not the one the read answers; else null. The request found
 * waits no more.
 */
export function askerInQueue(conn: object, skip: (...args: never[]) => unknown): Task | null {
  if (probing === null) return null;
  // A write in a read charged to a task that waits in a queue (a reply's first read left it
  // waiting; a tick that read queued writes its next query now): it waits in none.
  if (probing.parked !== 0) stopWaiting(probing);
  if (!replyRead) return null;
  if (handedRead === replyReads && handedConn === conn) return handedTo;
  // (The task whose reply this is waits in no queue: see replyComes.)
  while (first !== null && !stands(first)) stopWaiting(first);
  const task = first;
  if (task === null) return null;
  if (programAbove(skip) !== false) return null;
  // The read's own asker has its reply: the connection answers in the order asked, and the library
  // writes the next query only once the last is answered.
  answeredNow(probing);
  stopWaiting(task);
  handedConn = conn;
  handedRead = replyReads;
  handedTo = task;
  return task;
}
