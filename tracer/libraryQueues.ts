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
 * and stays the releaser's.
 */
import { TaskKind } from '../protocol/format';
import { Task, answeredNow, probing, setLeftNothingHandler, workOver } from './engine';
import { programAbove } from './locations';

/** Requests waiting in a library's queue, oldest first from `head`, each with its `parked` mark. */
const waiting: Task[] = [];
const marks: number[] = [];
let head = 0;
/** How many are kept at most: beyond, the oldest is forgotten (its next step then stays unseen). */
const MAX_WAITING = 256;
/** Marks count up; a task's `parked` is the mark of its entry, 0 when it waits in none. */
let lastMark = 0;

/** A request's `parked` while its first stint runs (set as the request arrives, sources/http.ts). */
export const ARRIVING = -1;
/**
 * Set while the read of a reply to what a task asked runs (sources/streams.ts probePush): a run of
 * that task's code that may leave it waiting in a queue, and a write there may serve a queue. Not for
 * a task's reads of a connection it opened: a connection's set-up is a conversation of writes and
 * reads with no query in it, which none of this can tell from a reply (the first query on a new
 * connection is its opener's, and what the opener does next on it is not followed). (A flag, not
 * the task: stored at every such read, a task in the module's scope would cost a write barrier
 * each time.)
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
  if (task.parked > 0) task.parked = 0;
}
/**
 * The last hand-over: the connection, the read it was made in and the request it went to. A query
 * is often several writes (pg's extended protocol: Parse, Bind, Execute, Sync): the ones after the
 * first, in the same read and on the same connection, are the same request's.
 */
let handedConn: object | null = null;
let handedRead = -1;
let handedTo: Task | null = null;

/** How many requests may wait (entries not yet looked at included). */
export function waitingCount(): number {
  return waiting.length - head;
}

/**
 * A run of `task`'s code (a stint, or a read charged to it too short to be one) ended having left
 * nothing behind: if it is an HTTP request whose work goes on, it waits in a library's queue.
 */
export function leftNothing(task: Task): void {
  // Only a run that could have handed a library its callback and nothing else: the request's
  // first stint (`parked` is ARRIVING until it ends), or the read of a reply to what it asked. A
  // tick, or a read of its own connection's set-up, leaves nothing while what the task waits for
  // (that connection) is under way.
  if (task.parked !== ARRIVING && !replyRead) return;
  if (task.kind !== TaskKind.Request || task.incoming === null || workOver(task)) return;
  if (task.parked > 0) return;
  if (waiting.length >= MAX_WAITING) {
    if (head > 0) compact();
    else {
      const old = waiting.shift()!;
      marks.shift();
      if (old.parked !== 0) old.parked = 0;
    }
  }
  task.parked = ++lastMark;
  waiting.push(task);
  marks.push(lastMark);
}

/** Drops the entries before `head`. */
function compact(): void {
  waiting.splice(0, head);
  marks.splice(0, head);
  head = 0;
}

/** Whether the entry at `i` still stands: its task waits by that very mark, its work goes on, its body read. */
function stands(i: number): boolean {
  const task = waiting[i];
  if (task.parked !== marks[i] || workOver(task)) return false;
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
  if (probing.parked > 0) probing.parked = 0;
  if (!replyRead) return null;
  if (handedRead === replyReads && handedConn === conn) return handedTo;
  // (The task whose reply this is waits in no queue: see replyComes.)
  while (head < waiting.length && (!stands(head) || waiting[head] === probing)) {
    const task = waiting[head];
    if (task.parked === marks[head]) task.parked = 0;
    head++;
  }
  if (head >= waiting.length) {
    if (head > 0) compact();
    return null;
  }
  const task = waiting[head];
  if (programAbove(skip) !== false) return null;
  // The read's own asker has its reply: the connection answers in the order asked, and the library
  // writes the next query only once the last is answered.
  answeredNow(probing);
  task.parked = 0;
  head++;
  if (head === waiting.length) compact();
  handedConn = conn;
  handedRead = replyReads;
  handedTo = task;
  return task;
}

setLeftNothingHandler(leftNothing);
