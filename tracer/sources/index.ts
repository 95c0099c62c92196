/**
 * Where tasks come from and where their stints begin, apart from promise continuations
 * (promises.ts): one file per source, started and stopped here. Each source is the cheapest
 * mechanism that sees the event:
 *
 *  - incoming HTTP requests (http.ts): diagnostics_channel `http.server.request.start` and
 *    `...response.finish` (every framework on node:http is covered, and nothing runs when nobody
 *    subscribes);
 *  - HTTP/2 streams (http2.ts): the server's 'stream' event, and the stream's class, patched when
 *    the first one arrives;
 *  - later events on a request or response (body data, 'finish'), on an outgoing request and on a
 *    worker: their `emit`, patched on the prototype;
 *  - timers and immediates (timers.ts): the global functions, wrapping the callback;
 *  - callback APIs of fs, dns, zlib, crypto and child_process (callbacks.ts): the callback is bound
 *    to the task that made the call (only when a task is running; otherwise the call passes
 *    straight through);
 *  - ticks and microtasks (ticks.ts), piped streams (streams.ts), workers (workers.ts), slow
 *    synchronous calls (syncCalls.ts);
 *  - user-named scopes (scopes.ts): `new AsyncResource('looplens:<name>')` and `runInAsyncScope`.
 *
 * Every patched function keeps the original's name, length and other own properties (such as
 * `util.promisify.custom`), passes `this` and all arguments through, and goes straight to the
 * original once the tracer is disabled.
 */
// The modules are required, not imported as namespaces: a bundled `import * as` is a copy, and the
// patches must land on the objects the program itself gets from require() and import.
import dc = require('node:diagnostics_channel');
import http = require('node:http');
import https = require('node:https');
import nodeModule = require('node:module');
import { Reason, TaskKind } from '../../protocol/format';
import { Owned, kSlot } from './base';
import { CALLBACK_APIS, patchCallbackApi } from './callbacks';
import {
  BODY_EVENTS,
  DRAIN_EVENTS,
  RESPONSE_EVENTS,
  onClientRequestStart,
  onRequestStart,
  onResponseFinish,
  patchListen,
  patchResponseClose,
  patchResponseEnd,
  patchListeners,
  patchProcessSignals,
  patchServerEmit,
} from './http';
import { patchAsyncResource } from './scopes';
import { patchStreams } from './streams';
import { patchChildProcesses, patchNetServerEmit, patchSocketConnect } from './connections';
import { SYNC_APIS, patchSyncApi } from './syncCalls';
import { patchQueue } from './ticks';
import { patchTimer } from './timers';
import { patchWorker } from './workers';

// ---------------------------------------------------------------------------------------------

export const subscriptions: Array<[string, (message: unknown) => void]> = [
  ['http.server.request.start', onRequestStart],
  ['http.server.response.finish', onResponseFinish],
  ['http.client.request.start', onClientRequestStart],
];

export function startSources(): void {
  for (const [name, handler] of subscriptions) dc.channel(name).subscribe(handler);
  patchListen();
  patchNetServerEmit();
  patchSocketConnect();
  patchChildProcesses();
  patchServerEmit(http.Server.prototype);
  patchResponseEnd();
  patchResponseClose();
  if (https.Server.prototype !== http.Server.prototype && !(https.Server.prototype instanceof http.Server)) {
    patchServerEmit(https.Server.prototype);
  }
  patchListeners(http.IncomingMessage.prototype, BODY_EVENTS, Reason.Event);
  patchListeners(http.ServerResponse.prototype, DRAIN_EVENTS, Reason.Event);
  patchListeners(
    http.ClientRequest.prototype,
    RESPONSE_EVENTS,
    Reason.Io,
    (self, event, args) => {
      if (event === 'response' && typeof args[0] === 'object' && args[0] !== null)
        (args[0] as Owned)[kSlot] = self[kSlot];
    },
    true,
  );
  patchTimer('setTimeout', TaskKind.Timer, Reason.Timer);
  patchTimer('setInterval', TaskKind.Timer, Reason.Timer);
  patchTimer('setImmediate', TaskKind.Immediate, Reason.Immediate);
  for (const [target, keys] of CALLBACK_APIS) for (const key of keys) patchCallbackApi(target, key);
  for (const [target, label, keys] of SYNC_APIS)
    for (const key of keys) patchSyncApi(target, key, `${label}.${key}`);
  patchWorker();
  patchAsyncResource();
  patchQueue(process, 'nextTick');
  patchStreams();
  patchProcessSignals();
  patchQueue(globalThis, 'queueMicrotask');
  // ES modules that import these names get the patched functions too.
  nodeModule.syncBuiltinESMExports();
}

export function stopSources(): void {
  for (const [name, handler] of subscriptions) {
    try {
      dc.channel(name).unsubscribe(handler);
    } catch {
      // already gone
    }
  }
}

export { original, startMain } from './base';
export { bigText, setSlowCallThreshold } from './syncCalls';
