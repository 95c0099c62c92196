/**
 * Connections that are tasks of their own: one to a server that speaks no HTTP (a raw `net`
 * protocol), and one an HTTP server hands over on 'upgrade' (a WebSocket). From the 'connection'
 * (or 'upgrade') event to its close, the data that arrives on it runs as that task: a message
 * handler is the connection's work, and one that is an async function nobody awaits is a dish of
 * it, as a request's fire-and-forget call is of the request. An HTTP connection is no task: each
 * request on it is one (http.ts), and what serves several requests is no one's. A connection the
 * program opens is the opener's while the opener's work goes on (patchSocketConnect): a socket it
 * connects, a UDP socket it binds (patchDatagrams), a file watcher it starts (patchWatchers), a
 * child it spawns and the IPC channel of one it forks (patchChildProcesses) — the messages these
 * bring are handed to listeners as a read's data is, an async handler nobody awaits a dish of the
 * opener.
 */
// Types only: the modules are patched when the program loads them, and their exports come then
// (builtins.ts).
import type * as http from 'node:http';
import type * as childProcess from 'node:child_process';
import type * as net from 'node:net';
import { Reason, TaskEnd, TaskKind } from '../../protocol/format';
import {
  Task,
  asProbe,
  asked,
  current,
  enabled,
  enter,
  leave,
  polledNow,
  probeEnter,
  openerDone,
  probing,
  replies,
  taskOf,
} from '../engine';
import { endTask, newTask, renameTask } from '../tasks';
import { routeOf } from '../frameworks';
import { Slot, kTask } from '../marks';
import { clearSeed, regSlot, seedFrom } from '../dishes';
import { handedOver } from '../dishSort';
import { AnyFunction, Owned, callWith, copyProperties, kWhere, replace } from './base';
import { requestName } from './http';
import {
  Piped,
  connRead,
  kConn,
  kHeld,
  kLate,
  kWroteInRead,
  kStream,
  lateAsk,
  noteAsker,
  probeUserReads,
  releaseHeld,
} from './streams';
import { anyWaiting, askerInQueue } from '../libraryQueues';
import { isHttp2Server, onHttp2ServerEvent } from './http2';

/** A socket of a connection task (full mode runs its handle's callbacks as the task too). */
type Connected = net.Socket & Owned & Piped & { _handle?: Owned | null };

/** The classes this file tells servers and sockets apart by, once their modules are loaded. */
let NetSocket: typeof net.Socket | null = null;
let HttpServer: (abstract new (...args: never[]) => unknown) | null = null;
let TlsServer: (abstract new (...args: never[]) => unknown) | null = null;

/** node:http's server class, once node:http is loaded (a server can only be one after that). */
export function knowHttpServer(Server: abstract new (...args: never[]) => unknown): void {
  HttpServer = Server;
}

/** node:tls's server class, once node:tls is loaded. */
export function knowTlsServer(Server: abstract new (...args: never[]) => unknown): void {
  TlsServer = Server;
}

/** Makes `socket`'s connection a task named `name`; null when it is one already or is no socket. */
function startConnection(
  socket: unknown,
  kind: TaskKind,
  name: string,
  where: Owned[typeof kWhere],
  closing: ((task: Task) => void) | null = null,
): Task | null {
  if (NetSocket === null || !(socket instanceof NetSocket)) return null;
  const s = socket as Connected;
  if (s[kStream] !== undefined) return null;
  const task = newTask(kind, null, name.length > 200 ? `${name.slice(0, 200)}…` : name, 0, where ?? null);
  task.dispatches = true;
  s[kStream] = new Slot(task.base);
  const handle = s._handle;
  if (typeof handle === 'object' && handle !== null) handle[kTask] = task;
  s.once('close', () => {
    if (task.ended) return;
    if (closing !== null) closing(task);
    task.ended = true;
    endTask(task, TaskEnd.Finished);
  });
  return task;
}

/** Runs `next` (the server's own emit) as the connection's first stint. */
function asStint(task: Task, self: unknown, next: AnyFunction, args: IArguments): unknown {
  enter(task, Reason.Request);
  try {
    return Reflect.apply(next, self, args);
  } finally {
    if (((self as HandsOver)[kHandsOver] ?? 0) & HANDS_CONNECTIONS) handedOver(task);
    leave();
  }
}

/**
 * On a server whose arrivals the program takes through the runtime's `events.on` or `events.once`
 * (`for await (const [socket] of on(server, 'connection'))`) rather than a listener of its own:
 * each arrival's first stint runs the runtime's handler, which hands it to the waiting code, and
 * the call that code makes with it and does not await is the arrival's work (dishSort.ts arrival).
 */
export const kHandsOver = Symbol('looplens.handsOver');
/** Which arrivals (bits: HANDS_CONNECTIONS, HANDS_REQUESTS). */
export type HandsOver = { [kHandsOver]?: number };
export const HANDS_CONNECTIONS = 1;
export const HANDS_REQUESTS = 2;

/** `events.on` and `events.once`: a server's arrivals taken by waiting code (see kHandsOver). */
export function patchEventIterators(events: typeof import('node:events')): void {
  for (const key of ['on', 'once'] as const) {
    const original = events[key] as unknown as AnyFunction;
    if (typeof original !== 'function') continue;
    const patched = {
      [key](this: unknown, emitter: unknown, event: unknown) {
        if (
          enabled &&
          (event === 'connection' || event === 'request') &&
          typeof emitter === 'object' &&
          emitter !== null &&
          typeof (emitter as { listen?: unknown }).listen === 'function'
        )
          (emitter as HandsOver)[kHandsOver] =
            ((emitter as HandsOver)[kHandsOver] ?? 0) |
            (event === 'request' ? HANDS_REQUESTS : HANDS_CONNECTIONS);
        return Reflect.apply(original, this, arguments);
      },
    }[key];
    copyProperties(patched as AnyFunction, original);
    replace(events, key, patched as AnyFunction);
  }
}

/** A plain `net` server's connections (not HTTP's, not TLS's: their sockets are read by others). */
export function patchNetServerEmit(net: typeof import('node:net')): void {
  const proto = net.Server.prototype as unknown as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  function emit(this: net.Server & Owned, event: unknown, socket: unknown) {
    const next = ownEmit ?? parent.emit;
    if (
      enabled &&
      (event === 'stream' || event === 'request' || event === 'connection') &&
      !(HttpServer !== null && this instanceof HttpServer) &&
      isHttp2Server(this)
    ) {
      // HTTP/2: each stream is a request (http2.ts); the connection serves them all, no one's.
      if (event === 'connection') return Reflect.apply(next, this, arguments);
      return onHttp2ServerEvent(this, arguments, next);
    }
    if (
      event !== 'connection' ||
      !enabled ||
      (HttpServer !== null && this instanceof HttpServer) ||
      (TlsServer !== null && this instanceof TlsServer)
    )
      return arguments.length === 2 ? next.call(this, event, socket) : Reflect.apply(next, this, arguments);
    const address = this.address();
    const port = typeof address === 'object' && address !== null ? `:${address.port}` : '';
    const task = startConnection(socket, TaskKind.Other, `connection ${port || 'to a server'}`, this[kWhere]);
    return task === null ? Reflect.apply(next, this, arguments) : asStint(task, this, next, arguments);
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
  netServerEmit = emit as AnyFunction;
  netServerNext = () => ownEmit ?? parent.emit;
}
let netServerEmit: AnyFunction | null = null;
let netServerNext: (() => AnyFunction) | null = null;

/**
 * What an HTTP or HTTPS server's emit calls next, `next`, or, when that is the patched emit of
 * `net.Server` above, what that one would call: for such a server it only passes the event on
 * (its work is for plain net and HTTP/2 servers), and an HTTP server emits on every request.
 */
export function pastNetServerEmit(next: AnyFunction): AnyFunction {
  return next === netServerEmit && netServerNext !== null ? netServerNext() : next;
}

/**
 * An HTTP server's 'upgrade': the connection it hands over (a WebSocket) is a request of its own,
 * named by its path, and by its route (`GET /live/:room (websocket)`) where the framework that
 * takes the upgrade routes it as a request (@fastify/websocket runs fastify's router on it): read
 * once the server's listeners have run, and again when the connection closes.
 */
export function onUpgrade(server: unknown, args: IArguments, next: AnyFunction): unknown {
  const request = args[1] as http.IncomingMessage;
  const protocol =
    typeof request?.headers?.upgrade === 'string' ? request.headers.upgrade.toLowerCase() : 'upgrade';
  const byRoute = (task: Task): void => {
    const route = routeOf(request);
    if (route === null) return;
    const name = `${typeof request.method === 'string' ? request.method : 'GET'} ${route} (${protocol})`;
    if (name !== task.name) renameTask(task, name.length > 200 ? `${name.slice(0, 200)}…` : name, null);
  };
  const task = startConnection(
    args[2],
    TaskKind.Request,
    `${requestName(request)} (${protocol})`,
    (server as Owned)[kWhere],
    byRoute,
  );
  if (task === null) return Reflect.apply(next, server, args);
  try {
    return asStint(task, server, next, args);
  } finally {
    if (!task.ended) byRoute(task);
  }
}

/**
 * A socket the program connects (a database's, a broker's, an outgoing request's) is the connecting
 * task's: what arrives on it for nobody else is that task's work (engine.ts, startProbe).
 */
export function patchSocketConnect(net: typeof import('node:net')): void {
  NetSocket = net.Socket;
  patchOpenedEmit(net.Socket.prototype);
  const proto = net.Socket.prototype as unknown as Record<string, unknown>;
  // Who asked: a pooled connection serves whoever writes to it (a query), and what comes back for
  // nobody else yet (the first reads of a long reply) is that asker's, not the opener's — the
  // oldest still waiting, when a client pipelines several askers' queries (streams.ts, kAskers).
  // Writing asks (inherited from stream.Writable: patched here unless the prototype has its own).
  if (!Object.prototype.hasOwnProperty.call(proto, 'write')) askOn(proto, 'write');
  // Ending the connection asks too (Node's `end` writes its last message without `write`): the
  // close that comes back answers the code that ended it (postgres.js's `sql.end()`, writing its
  // Terminate once every request had its reply), not more of a reply held for nobody (heldReply).
  askOn(proto, 'end');
  opensTarget(proto, 'connect');
}

/** Patches a way of sending on a connection (`write`, `end`) to note the running task as asking. */
function askOn(proto: Record<string, unknown>, name: 'write' | 'end'): void {
  const send = proto[name];
  if (typeof send !== 'function') return;
  const patched = {
    // (A method of this name, so that the patched function keeps the original's name.)
    [name](this: Connected, a: unknown, b: unknown, c: unknown) {
      if (this[kConn] !== undefined) {
        // (Counted whoever writes: a reply to it comes only after the loop polls again, engine.ts readRun.)
        asked();
        if (this[kWroteInRead] !== connRead) this[kWroteInRead] = connRead;
      }
      // A library serving a queue of callbacks from a reply's read: the query is the waiter's.
      const queued =
        probing !== null && anyWaiting() && this[kConn] !== undefined && enabled
          ? askerInQueue(this, patched as AnyFunction)
          : null;
      if (queued !== null) noteAsker(this, new Slot(queued.base));
      else if (current !== null && this[kConn] !== undefined && enabled) {
        const slot = regSlot();
        if (slot !== null) noteAsker(this, slot);
      }
      if (this[kHeld] !== undefined) releaseHeld(this);
      return arguments.length <= 3
        ? callWith(send as AnyFunction, this, arguments.length, a, b, c)
        : Reflect.apply(send as AnyFunction, this, arguments);
    },
  }[name];
  copyProperties(patched as AnyFunction, send as AnyFunction);
  replace(proto, name, patched as AnyFunction);
}

/** `proto[name]` (a socket's `connect`, `bind`) opens what it is called on, for the running task. */
function opensTarget(proto: Record<string, unknown>, name: string): void {
  const original = proto[name];
  if (typeof original !== 'function') return;
  const patched = {
    [name](this: Piped) {
      opened(this);
      return Reflect.apply(original as AnyFunction, this, arguments);
    },
  }[name];
  copyProperties(patched as AnyFunction, original as AnyFunction);
  replace(proto, name, patched as AnyFunction);
}

/** The running task opens `target` (a socket it connects or binds): it is the opener's. */
function opened(target: Piped): void {
  if (!enabled) return;
  // Opened by a connection's read (a message's handler): that read is its opener's stint.
  if (current === null && probing !== null) probeEnter();
  if (current !== null && target[kConn] === undefined && target[kStream] === undefined) {
    const slot = regSlot();
    if (slot !== null) {
      target[kConn] = slot;
      if (NetSocket !== null && target instanceof NetSocket) probeUserReads(target);
    }
  }
}

/**
 * A UDP socket (node:dgram) the program binds — with `bind()`, or the bind its first `send()`
 * makes — is a connection it opened, whether it serves (a bound port that answers datagrams) or
 * asks (a client that sends a query and reads the reply): each datagram comes with no stint open,
 * and is read as a connection's data is (engine.ts, startProbe) — the reply a task waits for is
 * that waiter's; any other is the opener's while the opener's work goes on, and an async
 * 'message' handler nobody awaits is a dish of the opener, each datagram its own (a subscriber's
 * messages are read the same way). Its other events ('listening', 'close') are the opener's.
 */
export function patchDatagrams(dgram: typeof import('node:dgram')): void {
  const proto = dgram.Socket.prototype as unknown as Record<string, unknown>;
  opensTarget(proto, 'bind');
  patchOpenedEmit(dgram.Socket.prototype, 'message');
}

/**
 * A file watcher the program starts (`fs.watch`, `fs.watchFile`) is a connection it opened as a UDP
 * socket is: each change comes with no stint open, is the opener's while the opener's work goes on,
 * and is handed to the listeners as a read's data is — an async 'change' handler nobody awaits (a
 * dev tool's rebuild) is a dish of the opener, each change its own. Its handle is marked too, so
 * that full mode reads it as fast mode does (fullMode.ts).
 */
export function patchWatchers(fs: typeof import('node:fs')): void {
  patchWatcherMaker(fs as unknown as Record<string, unknown>, 'watch');
  patchWatcherMaker(fs as unknown as Record<string, unknown>, 'watchFile');
}

function patchWatcherMaker(fs: Record<string, unknown>, key: 'watch' | 'watchFile'): void {
  const make = fs[key];
  if (typeof make !== 'function') return;
  // Node does not export the watchers' classes (fs.FSWatcher is not there on Node 20): the emit is
  // patched on the prototype of the first watcher made, before anything can reach that watcher.
  let patchedEmit = false;
  const patched = {
    [key](this: unknown) {
      const watcher = Reflect.apply(make as AnyFunction, this, arguments) as Piped & {
        _handle?: Piped | null;
      };
      if (enabled && typeof watcher === 'object' && watcher !== null) {
        try {
          if (!patchedEmit) {
            patchedEmit = true;
            const proto = Object.getPrototypeOf(watcher) as object | null;
            if (proto !== null && proto !== Object.prototype) patchOpenedEmit(proto, 'change');
          }
          opened(watcher);
          const handle = watcher._handle;
          if (watcher[kConn] !== undefined && typeof handle === 'object' && handle !== null)
            handle[kConn] = watcher[kConn];
        } catch {
          // never disturb the program
        }
      }
      return watcher;
    },
  }[key];
  copyProperties(patched as AnyFunction, make as AnyFunction);
  replace(fs, key, patched as AnyFunction);
}

/**
 * The events of a socket or a child process the program opened that come with no stint open (a
 * socket's 'close' after its handle closed, a child's 'exit'): what their listeners do for nobody
 * else is the opener's work, as a read of the connection is (engine.ts, startProbe). A connection
 * task's socket (one a server accepted) runs them as that task the same way. `message` names the
 * event that carries what arrived (a UDP socket's datagram, a child's IPC message): it is handed to
 * the listeners as a read's data is, so an async listener nobody awaits is a dish, each message its own.
 * `late`: an ask marked on the emitter itself after its asker's work was over (a child's, its
 * spawn: patchChildProcesses) is taken up by its first event, as a read of a pipe takes up its own.
 */
function patchOpenedEmit(proto: object, message: string | null = null, late = false): void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  function emit(this: Connected, event: unknown, a: unknown) {
    const next = ownEmit ?? parent.emit;
    const slot = current === null && probing === null && enabled ? (this[kConn] ?? this[kStream]) : undefined;
    if (slot === undefined)
      return arguments.length <= 2 ? next.call(this, event, a) : Reflect.apply(next, this, arguments);
    if (late && this[kLate] !== undefined) lateAsk(this);
    if (message === null || event !== message) {
      // A socket's 'connect' and a child's 'exit' come straight from the loop's callback, after it
      // polled (others, a 'close', may come in a tick of the drain): engine.ts polledNow.
      if (event === 'connect' || event === 'exit') polledNow();
      return asProbe(taskOf(slot.r), next, this, arguments, false);
    }
    seedFrom(this);
    try {
      return asProbe(taskOf(slot.r), next, this, arguments, true);
    } finally {
      clearSeed();
    }
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto as Record<string, unknown>, 'emit', emit as AnyFunction);
}

/**
 * A child process the program spawns is the spawning task's, as a connection it opens is: its
 * 'exit' and what its pipes bring for nobody else (patchOpenedEmit, streams.ts probePush).
 */
export function patchChildProcesses(childProcess: typeof import('node:child_process')): void {
  const proto = childProcess.ChildProcess.prototype as unknown as Record<string, unknown>;
  const spawn = proto.spawn;
  if (typeof spawn === 'function') {
    const patched = {
      spawn(this: childProcess.ChildProcess & Piped) {
        const result = Reflect.apply(spawn as AnyFunction, this, arguments);
        // Spawned by a connection's read (a socket's 'close' listener): that read is its opener's stint.
        if (enabled && current === null && probing !== null) probeEnter();
        if (enabled && current !== null && this[kConn] === undefined) {
          const slot = regSlot();
          if (slot !== null) {
            this[kConn] = slot;
            // Spawned after the spawning task's own work was over (a request's after its response):
            // the spawn is its ask, as a write to a connection is (streams.ts noteAsker), and what
            // the pipes bring is its work while it waits — a child's stdout read in a 'data'
            // listener ran as untracked code before, in both modes (seed 183078).
            const late = openerDone(current);
            // So is the child itself: its IPC messages and its 'exit' are read on it (a forked
            // child's messages after a request's response ran as untracked code: generator 11).
            if (late) this[kLate] = [slot, replies];
            for (const pipe of this.stdio ?? [])
              if (
                NetSocket !== null &&
                pipe instanceof NetSocket &&
                (pipe as Connected)[kConn] === undefined
              ) {
                (pipe as Connected)[kConn] = slot;
                if (late) (pipe as Connected)[kLate] = [slot, replies];
              }
            // Its IPC channel (fork's): read as fast mode reads it, in full mode too (fullMode.ts).
            const channel = channelHandle(this);
            if (channel !== null) {
              channel[kConn] = slot;
              noteLateSends(this);
            }
          }
        }
        return result;
      },
    }.spawn;
    copyProperties(patched as AnyFunction, spawn as AnyFunction);
    replace(proto, 'spawn', patched as AnyFunction);
  }
  patchOpenedEmit(childProcess.ChildProcess.prototype, 'message', true);
}

/**
 * A message the code sends a child it forked, once the sending task's own work is over (a request's
 * after its response, to a child it forked before): the send is its late ask on the child, as a
 * write to a connection is then (streams.ts noteAsker), taken up by the child's next 'message' or
 * 'exit' (patchOpenedEmit) — what the child sends back is its work while it waits. Before, those
 * answers ran as untracked code or in no stint, in both modes (generator 12's `forkAsk`). Only the
 * task that forked the child: what the child sends is read as its opener's (patchOpenedEmit), so
 * another task's send asks nothing of it here. Node gives each child with a channel its own `send`
 * (setupChannel), so it is wrapped on the child.
 */
function noteLateSends(child: Piped & { send?: unknown }): void {
  const send = child.send;
  if (typeof send !== 'function') return;
  const patched = {
    send(this: Piped) {
      if (enabled && current !== null) {
        try {
          const slot = this[kConn];
          if (slot !== undefined && openerDone(current) && taskOf(slot.r) === current)
            this[kLate] = [slot, replies];
        } catch {
          // never disturb the program
        }
      }
      return Reflect.apply(send as AnyFunction, this, arguments);
    },
  }.send;
  copyProperties(patched as AnyFunction, send as AnyFunction);
  child.send = patched;
}

/** The handle of a child's IPC channel (Node keeps it under a symbol of its own), or null. */
let channelSymbol: symbol | null | undefined;
function channelHandle(child: object): Piped | null {
  if (channelSymbol === undefined) {
    const key = Object.getOwnPropertySymbols(child).find((k) => k.description === 'kChannelHandle');
    if (key === undefined) return null; // no channel: look again at the next child
    channelSymbol = key;
  }
  if (channelSymbol === null) return null;
  const handle = (child as Record<symbol, unknown>)[channelSymbol];
  return typeof handle === 'object' && handle !== null ? (handle as Piped) : null;
}
