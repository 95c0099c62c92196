/**
 * Workers: the main thread's side of a worker is a task; the messages it sends back, and a message
 * channel's, are reads of a connection (the work of the code waiting for them, or that posted).
 */
import type * as WorkerThreads from 'node:worker_threads';
import { Reason, TaskKind } from '../../protocol/format';
import {
  Task,
  asProbe,
  asked,
  current,
  enabled,
  openerDone,
  probeEnter,
  probing,
  readsFor,
  replies,
  taskOf,
} from '../engine';
import { kTask, regSlot } from '../dishes';
import { Slot } from '../marks';
import { captureLocation } from '../locations';
import { AnyFunction, Owned, callWith, copyProperties, original, replace } from './base';
import { childTask, patchEmit } from './http';
import { Piped, kAsker, kConn, kLate, lateAsk } from './streams';

// ---------------------------------------------------------------------------------------------
// Workers: the main thread's side of a worker (its start, its exit, its errors) is a task. What it
// sends back (its 'message' events) comes on its public port, which is read as a connection the
// worker task opened: a reply is the work of the task whose wait it settles (the request awaiting
// the job it posted), else of the code that posted to the worker last while that code's work goes
// on, else the worker's own (a message nobody asked for: a thread reporting on its own account).
// Before, every message was a stint of the worker task, and the waiting request's part began only
// with its continuation: Node handing the message over (and, in full mode, a stint of the code that
// made the worker, the port's owner) was the worker's, or untracked code.

/** Node's own key for a Worker's public port (lib/internal/worker.js), found on the first worker. */
let publicPortKey: symbol | null | undefined;

/** A new worker's public port is a connection its task opened (see above). */
function adopt(worker: Owned, task: Task): void {
  if (publicPortKey === undefined)
    publicPortKey = Object.getOwnPropertySymbols(worker).find((k) => k.description === 'kPublicPort') ?? null;
  const port = publicPortKey !== null ? (worker as unknown as Record<symbol, unknown>)[publicPortKey] : null;
  if (typeof port !== 'object' || port === null) return;
  (port as Port)[kConn] = new Slot(task.base);
  (port as Port)[kWorker] = task;
  // Made after the making task's own work was over (a request's after its response): the start is
  // its ask, as a post is (patchPorts), so a message that settles its wait is its work — the last
  // message of a worker posting on its own, awaited after a response, ran in no stint in fast mode
  // and in the worker's in full (generator 11's workerPosts).
  if (current !== null && openerDone(current)) {
    const slot = regSlot();
    if (slot !== null) (port as Port)[kLate] = [slot, replies];
  }
}

/**
 * The async resources (message ports, the thread's handle) Node makes while a Worker is being
 * constructed, collected by full mode's init hook (fullMode.ts): its internal ports, and the one
 * Node 20+ keeps for messages posted to the thread by id (internal/worker/messaging.js), run as the
 * worker task, not as the code that made the worker (a stint of the script's at each of them).
 */
export let made: Array<Record<symbol, unknown>> | null = null;

/** Of a worker's public port: its worker task, whose life is its own (see `delivered`). */
const kWorker = Symbol('looplens.worker');

/** Events a Worker emits that are not its own work: its messages (reads, above), listeners added. */
const NOT_ITS_OWN: ReadonlySet<unknown> = new Set([
  'message',
  'messageerror',
  'newListener',
  'removeListener',
]);

/** Patches node:worker_threads when it loads (builtins.ts): not before the program's first line. */
export function patchWorker(workerThreads: typeof WorkerThreads): void {
  const Worker = workerThreads.Worker;
  original.Worker = Worker;
  original.MessageChannel = workerThreads.MessageChannel;
  const proxy = new Proxy(Worker, {
    construct(target, args, newTarget) {
      // (Node's own ports for the worker, made as it is: see `made`.)
      const outer = made;
      const ports: Array<Record<symbol, unknown>> | null = enabled ? [] : null;
      made = ports;
      let worker: Owned;
      try {
        worker = Reflect.construct(target, args, newTarget) as Owned;
      } finally {
        made = outer;
      }
      if (enabled) {
        try {
          const file = args[0];
          const name =
            typeof file === 'string'
              ? `worker ${file.length > 80 ? 'eval' : (file.split(/[\\/]/).pop() ?? file)}`
              : file instanceof URL
                ? `worker ${file.pathname.split('/').pop()}`
                : 'worker';
          const task = childTask(
            TaskKind.Worker,
            name,
            captureLocation(proxy as unknown as AnyFunction, true),
          );
          worker[kTask] = task;
          if (ports !== null) for (const r of ports) r[kTask] = task;
          adopt(worker, task);
        } catch {
          // never disturb the program
        }
      }
      return worker;
    },
  });
  // (A listener added or removed is an event the adding code emits, in its own stint; a message
  // read with no stint open is a read of the public port, see above. One that comes while a stint
  // is open runs in it.)
  patchEmit(Worker.prototype, Reason.Message, undefined, NOT_ITS_OWN);
  replace(workerThreads, 'Worker', proxy as unknown as AnyFunction);
  patchPorts(workerThreads);
}

// ---------------------------------------------------------------------------------------------
// A message channel the program makes is a connection it opened (a worker pool's channel to each of
// its workers: piscina sends each job on it and gets the result back on it): a message a port
// delivers with no stint open is a read of that connection (engine.ts, startProbe) — the time is
// the task's whose wait it answers (the one that posted the job), else the asker's or the opener's
// while their work goes on. A Worker's own public port is read so too, its worker task the opener,
// live until the worker ends, whoever made it (a pool a request started on demand).

/** Node dispatches every message a port receives through this method of the port's (per_context/messageport.js). */
const kHybridDispatch = Symbol.for('nodejs.internal.kHybridDispatch');

/** Of a port of a channel the program made: the channel's other port. */
const kPeer = Symbol('looplens.peer');

/** Of a BroadcastChannel's port (see patchBroadcast): the open ports of the program's channels of its name. */
const kBroadcast = Symbol('looplens.broadcast');

type Port = Piped & { [kWorker]?: Task; [kPeer]?: Port; [kBroadcast]?: Port[] } & Record<symbol, unknown>;

function patchPorts(workerThreads: typeof WorkerThreads): void {
  const Channel = workerThreads.MessageChannel;
  const Port = workerThreads.MessagePort;
  if (typeof Channel !== 'function' || typeof Port !== 'function') return;
  const proto = Port.prototype as unknown as Port & Record<string, unknown>;
  const dispatch = proto[kHybridDispatch];
  const post = proto.postMessage;
  if (typeof dispatch !== 'function' || typeof post !== 'function') return;
  const channel = new Proxy(Channel, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget) as { port1?: Port; port2?: Port };
      if (enabled) {
        try {
          // Made by a read of a connection (a message's handler): that read is its opener's stint.
          if (current === null && probing !== null) probeEnter();
          const slot = current !== null ? regSlot() : null;
          if (slot !== null && made.port1 !== undefined && made.port2 !== undefined) {
            made.port1[kConn] = slot;
            made.port2[kConn] = slot;
            made.port1[kPeer] = made.port2;
            made.port2[kPeer] = made.port1;
          }
        } catch {
          // never disturb the program
        }
      }
      return made;
    },
  });
  const patchedPost = {
    postMessage(this: Port, message: unknown, transfer: unknown) {
      // Who asked last: what comes back on the port answers them (see streams.ts probePush).
      if (current !== null && this[kConn] !== undefined && enabled) {
        asked();
        const slot = regSlot();
        if (slot !== null) {
          this[kAsker] = slot;
          // (Posted after its task's work was over: a request's after its response, awaiting the
          // answer — see streams.ts lateAsk.)
          let late: [Slot, number] | undefined;
          if (openerDone(current)) {
            late = [slot, replies];
            this[kLate] = late;
            // (Both ends of a channel in this thread: the message comes on the other.)
            const peer = this[kPeer];
            if (peer !== undefined) peer[kLate] = late;
          }
          // A BroadcastChannel's message comes on every other open channel of its name.
          const others = this[kBroadcast];
          if (others !== undefined) {
            for (const port of others)
              if (port !== this) {
                port[kAsker] = slot;
                if (late !== undefined) port[kLate] = late;
              }
          }
        }
      }
      return arguments.length <= 2
        ? callWith(post as AnyFunction, this, arguments.length, message, transfer)
        : Reflect.apply(post as AnyFunction, this, arguments);
    },
  }.postMessage;
  copyProperties(patchedPost as AnyFunction, post as AnyFunction);
  const delivered = function (this: Port) {
    const conn = current === null && probing === null && enabled ? this[kConn] : undefined;
    if (conn === undefined) return Reflect.apply(dispatch as AnyFunction, this, arguments);
    if (this[kLate] !== undefined) lateAsk(this);
    const asker = this[kAsker];
    let opener = asker !== undefined ? taskOf(asker.r) : null;
    if (opener !== null && readsFor(opener))
      return asProbe(opener, dispatch as AnyFunction, this, arguments, true, true);
    const worker = this[kWorker];
    if (worker !== undefined)
      return asProbe(worker, dispatch as AnyFunction, this, arguments, true, !worker.ended);
    opener = taskOf(conn.r);
    return asProbe(opener, dispatch as AnyFunction, this, arguments, true);
  };
  copyProperties(delivered as AnyFunction, dispatch as AnyFunction);
  Object.defineProperty(proto, kHybridDispatch, {
    value: delivered,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  replace(proto, 'postMessage', patchedPost as AnyFunction);
  replace(workerThreads, 'MessageChannel', channel as unknown as AnyFunction);
  if ((globalThis as { MessageChannel?: unknown }).MessageChannel === Channel)
    replace(globalThis, 'MessageChannel', channel as unknown as AnyFunction);
  patchBroadcast(workerThreads);
}

// ---------------------------------------------------------------------------------------------
// A BroadcastChannel the program makes is a connection it opened, as a MessageChannel is: Node
// keeps a MessagePort of its own for it (lib/internal/worker/io.js, its kHandle), whose messages
// come through the ports' dispatch above, and a message one of the program's channels posts comes
// on every other open channel of that name in this thread. Its message is the work of the task
// whose wait it answers, else of the code that posted on a channel of that name last while its work
// goes on, else of the code that made the channel. Before, nothing marked that port: in fast mode a
// message ran in no stint (its listener's work untracked, or taken by the next stint's estimate).

/** Node's own key for a BroadcastChannel's port, found on the first channel. */
let broadcastPortKey: symbol | null | undefined;

/** The open ports of the program's BroadcastChannels, by name. */
const broadcasts = new Map<string, Port[]>();

function broadcastPort(channel: object): Port | null {
  if (broadcastPortKey === undefined)
    broadcastPortKey = Object.getOwnPropertySymbols(channel).find((k) => k.description === 'kHandle') ?? null;
  const port = broadcastPortKey !== null ? (channel as Record<symbol, unknown>)[broadcastPortKey] : null;
  return typeof port === 'object' && port !== null ? (port as Port) : null;
}

function patchBroadcast(workerThreads: typeof WorkerThreads): void {
  const Broadcast = (workerThreads as { BroadcastChannel?: unknown }).BroadcastChannel;
  if (typeof Broadcast !== 'function') return;
  const proto = (Broadcast as { prototype: Record<string, unknown> }).prototype;
  const close = proto.close;
  if (typeof close !== 'function') return;
  const proxy = new Proxy(Broadcast as AnyFunction, {
    construct(target, args, newTarget) {
      const made = Reflect.construct(target, args, newTarget) as { name?: unknown };
      if (enabled) {
        try {
          // Made by a read of a connection (a message's handler): that read is its opener's stint.
          if (current === null && probing !== null) probeEnter();
          const slot = current !== null ? regSlot() : null;
          const port = slot !== null ? broadcastPort(made) : null;
          if (slot !== null && port !== null) {
            const name = String(made.name);
            let open = broadcasts.get(name);
            if (open === undefined) broadcasts.set(name, (open = []));
            open.push(port);
            port[kConn] = slot;
            port[kBroadcast] = open;
          }
        } catch {
          // never disturb the program
        }
      }
      return made;
    },
  });
  const patchedClose = {
    close(this: object) {
      try {
        const port = broadcastPort(this);
        const open = port !== null ? port[kBroadcast] : undefined;
        if (port !== null && open !== undefined) {
          const at = open.indexOf(port);
          if (at !== -1) open.splice(at, 1);
          if (open.length === 0 && broadcasts.get(String((this as { name?: unknown }).name)) === open)
            broadcasts.delete(String((this as { name?: unknown }).name));
        }
      } catch {
        // never disturb the program
      }
      return Reflect.apply(close as AnyFunction, this, arguments);
    },
  }.close;
  copyProperties(patchedClose as AnyFunction, close as AnyFunction);
  replace(proto, 'close', patchedClose as AnyFunction);
  replace(workerThreads, 'BroadcastChannel', proxy);
  if ((globalThis as { BroadcastChannel?: unknown }).BroadcastChannel === Broadcast)
    replace(globalThis, 'BroadcastChannel', proxy);
}
