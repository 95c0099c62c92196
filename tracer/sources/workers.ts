/**
 * Workers: the main thread's side of a worker is a task; a message channel's ports are connections.
 */
// Required, not imported as namespaces (see index.ts).
import workerThreads = require('node:worker_threads');
import { Reason, TaskKind } from '../../protocol/format';
import { asProbe, current, enabled, openerDone, probeEnter, probing, taskOf } from '../engine';
import { kTask, regSlot } from '../dishes';
import { captureLocation } from '../locations';
import { AnyFunction, Owned, callWith, copyProperties, replace } from './base';
import { childTask, patchEmit } from './http';
import { Piped, kAsker, kConn } from './streams';

// ---------------------------------------------------------------------------------------------
// Workers: the main thread's side of a worker (its messages and events) is a task.

export function patchWorker(): void {
  const Worker = workerThreads.Worker;
  const proxy = new Proxy(Worker, {
    construct(target, args, newTarget) {
      const worker = Reflect.construct(target, args, newTarget) as Owned;
      if (enabled) {
        try {
          const file = args[0];
          const name =
            typeof file === 'string'
              ? `worker ${file.length > 80 ? 'eval' : (file.split(/[\\/]/).pop() ?? file)}`
              : file instanceof URL
                ? `worker ${file.pathname.split('/').pop()}`
                : 'worker';
          worker[kTask] = childTask(
            TaskKind.Worker,
            name,
            captureLocation(proxy as unknown as AnyFunction, true),
          );
        } catch {
          // never disturb the program
        }
      }
      return worker;
    },
  });
  patchEmit(Worker.prototype, Reason.Message);
  replace(workerThreads, 'Worker', proxy as unknown as AnyFunction);
  patchPorts();
}

// ---------------------------------------------------------------------------------------------
// A message channel the program makes is a connection it opened (a worker pool's channel to each of
// its workers: piscina sends each job on it and gets the result back on it): a message a port
// delivers with no stint open is a read of that connection (engine.ts, startProbe) — the time is
// the task's whose wait it answers (the one that posted the job), else the asker's or the opener's
// while their work goes on. A Worker's own port (its 'message' events) stays the worker task's.

/** Node dispatches every message a port receives through this method of the port's (per_context/messageport.js). */
const kHybridDispatch = Symbol.for('nodejs.internal.kHybridDispatch');

type Port = Piped & Record<symbol, unknown>;

function patchPorts(): void {
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
        const slot = regSlot();
        if (slot !== null) this[kAsker] = slot;
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
    const asker = this[kAsker];
    let opener = asker !== undefined ? taskOf(asker.r) : null;
    if (opener === null || openerDone(opener)) opener = taskOf(conn.r);
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
}
