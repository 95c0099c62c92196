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
 *  - ticks and microtasks (ticks.ts), piped streams (streams.ts), zlib's streams written to
 *    (zlib.ts), workers (workers.ts), slow synchronous calls (syncCalls.ts);
 *  - user-named scopes (scopes.ts): `new AsyncResource('looplens:<name>')` and `runInAsyncScope`.
 *
 * Every patched function keeps the original's name, length and other own properties (such as
 * `util.promisify.custom`), passes `this` and all arguments through, and goes straight to the
 * original once the tracer is disabled. A built-in module's patches run when the program loads the
 * module (by require or import), or at the start if it is loaded already (builtins.ts): the tracer
 * loads none of them before the program's first line (but node:net in a live session, for its
 * socket to the reader).
 */
// The modules the tracer patches come to it as the program loads them (builtins.ts), and the
// patches land on the objects the program itself gets from require() and import.
import { Reason, TaskKind } from '../../protocol/format';
import { AnyFunction, Owned, copyProperties, kSlot, replace } from './base';
import { isLoaded, loadBuiltin, whenLoaded, watchBuiltins } from './builtins';
import { moduleClass } from '../nodeModule';
import { patchFromAsync } from './fromAsync';
import { CALLBACK_APIS, patchCallbackApi } from './callbacks';
import {
  BODY_EVENTS,
  DRAIN_EVENTS,
  RESPONSE_EVENTS,
  onClientRequestStart,
  onRequestStart,
  onResponseFinish,
  patchCreateServer,
  patchListen,
  patchResponseClose,
  patchResponseEnd,
  patchBodyPush,
  patchListeners,
  patchProcessSignals,
  patchServerEmit,
} from './http';
import { patchAsyncResource } from './scopes';
import { patchStreams } from './streams';
import {
  knowHttpServer,
  knowTlsServer,
  patchChildProcesses,
  patchDatagrams,
  patchEventIterators,
  patchNetServerEmit,
  patchSocketConnect,
  patchWatchers,
} from './connections';
import { SYNC_APIS, patchSyncApi } from './syncCalls';
import { patchQueue } from './ticks';
import { patchTimer, probeTimers } from './timers';
import { patchWorker } from './workers';
import { patchZlib } from './zlib';

// ---------------------------------------------------------------------------------------------

export const subscriptions: Array<[string, (message: unknown) => void]> = [
  ['http.server.request.start', onRequestStart],
  ['http.server.response.finish', onResponseFinish],
  ['http.client.request.start', onClientRequestStart],
];

type Http = typeof import('node:http');
type Channels = typeof import('node:diagnostics_channel');
/** node:diagnostics_channel, once loaded (node:http loads it before it can publish anything). */
let channels: Channels | null = null;

/** node:http's classes: what its requests, responses and servers are made of. */
interface HttpClasses {
  Server: Http['Server'];
  ServerResponse: Http['ServerResponse'];
  IncomingMessage: Http['IncomingMessage'];
  ClientRequest: Http['ClientRequest'];
}
let httpPatched = false;

/** Patches node:http's classes, once: node:https runs on them too. */
function patchHttp(http: HttpClasses): void {
  if (httpPatched) return;
  httpPatched = true;
  knowHttpServer(http.Server);
  patchServerEmit(http.Server.prototype);
  patchResponseEnd(http);
  patchResponseClose(http);
  patchListeners(http.IncomingMessage.prototype, BODY_EVENTS, Reason.Event);
  patchBodyPush(http.IncomingMessage.prototype);
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
}

/**
 * node:https does not load node:http: its servers, requests and responses are made by the modules
 * node:http is made of (`_http_server`, `_http_incoming`, `_http_client`), loaded by then, and the
 * classes come from them. (Loading node:http itself here would compile it inside Node's loader; see
 * builtins.ts.)
 */
function httpClassesUnder(): HttpClasses | null {
  if (!['_http_server', '_http_incoming', '_http_client'].every(isLoaded)) return null;
  const server = loadBuiltin('_http_server') as Pick<HttpClasses, 'Server' | 'ServerResponse'>;
  const incoming = loadBuiltin('_http_incoming') as Pick<HttpClasses, 'IncomingMessage'>;
  const client = loadBuiltin('_http_client') as Pick<HttpClasses, 'ClientRequest'>;
  return {
    Server: server.Server,
    ServerResponse: server.ServerResponse,
    IncomingMessage: incoming.IncomingMessage,
    ClientRequest: client.ClientRequest,
  };
}

/**
 * Patches each built-in the tracer needs when the program loads it (builtins.ts), the ones loaded
 * already (fs, timers, streams, ...) at once.
 */
export function startSources(): void {
  whenLoaded('diagnostics_channel', (dc) => {
    channels = dc as Channels;
    for (const [name, handler] of subscriptions) channels.channel(name).subscribe(handler);
  });
  whenLoaded('net', (net) => {
    const n = net as typeof import('node:net');
    patchListen(n);
    patchNetServerEmit(n);
    patchSocketConnect(n);
  });
  whenLoaded('events', (events) => patchEventIterators(events as typeof import('node:events')));
  whenLoaded('tls', (tls) => knowTlsServer((tls as typeof import('node:tls')).Server));
  whenLoaded('dgram', (dgram) => patchDatagrams(dgram as typeof import('node:dgram')));
  whenLoaded('child_process', (cp) => patchChildProcesses(cp as typeof import('node:child_process')));
  whenLoaded('http', (http) => {
    patchCreateServer(http as Http);
    patchHttp(http as Http);
  });
  whenLoaded('https', (https) => {
    const h = https as typeof import('node:https');
    patchCreateServer(h);
    const http = httpClassesUnder();
    if (http === null) return;
    patchHttp(http);
    if (h.Server.prototype !== http.Server.prototype && !(h.Server.prototype instanceof http.Server)) {
      patchServerEmit(h.Server.prototype);
    }
  });
  // fs's after the first line (startLateSources).
  for (const [name, keys] of CALLBACK_APIS)
    if (name !== 'fs')
      whenLoaded(name, (mod) => {
        for (const key of keys) patchCallbackApi(mod as object, key);
      });
  for (const [name, keys] of SYNC_APIS)
    if (name !== 'fs')
      whenLoaded(name, (mod) => {
        for (const key of keys) patchSyncApi(mod as object, key, `${name}.${key}`);
      });
  whenLoaded('stream', (stream) => patchStreams(stream as typeof import('node:stream')));
  whenLoaded('zlib', (zlib) => patchZlib(zlib as typeof import('node:zlib')));
  patchTimer('setTimeout', TaskKind.Timer, Reason.Timer);
  patchTimer('setInterval', TaskKind.Timer, Reason.Timer);
  patchTimer('setImmediate', TaskKind.Immediate, Reason.Immediate);
  whenLoaded('worker_threads', (wt) => patchWorker(wt as typeof import('node:worker_threads')));
  patchAsyncResource();
  patchQueue(process, 'nextTick');
  patchProcessSignals();
  patchQueue(globalThis, 'queueMicrotask');
  patchFromAsync();
  patchGetBuiltinModule();
  watchBuiltins();
  // ES modules that import these names get the patched functions with no `syncBuiltinESMExports()`
  // here: Node's loader hands an ES module a built-in through the public loader, which copies the
  // module's exports into its ES facade when it makes it, at the first import, and a module loaded
  // later is patched before that (not fs's wrappers, made later: see startLateSources). Calling it
  // at the start copied every export of every built-in loaded so far, 0.6–1.0 M instructions before
  // the first line, for no import (test: tracerTasks, "patches the built-ins an ES module imports").
}

/**
 * The sources whose patches wait until after the program's first line (index.ts afterFirstLine):
 * the timers' probes (see probeTimers) and fs's. fs is loaded before any program runs (Node's
 * loader reads the main module with it), and its 60-odd wrappers — each made, given the original's
 * properties and defined on fs's exports — were 2.3 M instructions of every start. The program
 * cannot reach fs before they are made: its code gets fs from `require` (whose first call runs them
 * before it loads anything, frameworks.ts onFirstRequire), from `process.getBuiltinModule` (the
 * same, patchGetBuiltinModule), or from an `import`, whose module Node's loader runs after the
 * microtask that ends the script's first stint (in an ES module main, before its first line) — and
 * that microtask runs them too. But Node 24's loader links a module as it is imported, before that
 * microtask: an ES module main's imports, an `import()` in the script's first stint. Linking makes
 * fs's ES facade, which copies fs's exports once, when it is made (Node 20 to 24: a later import or
 * require does not copy them again), so the facade would hand the module Node's functions: after
 * the wrappers are made, the facades are brought up to date (syncFacades), before any module that
 * imported fs runs. So the program never holds an original where it would have held a wrapper, and
 * fs's own properties stay data properties, in their order, as untraced. What is no longer timed:
 * Node's own read of the main module (`readFileSync` in its loader), before the first line, a
 * synchronous call of the main task's first stint that the stint's CPU check counted (engine.ts
 * blockingCall). Runs once.
 */
export function startLateSources(): void {
  probeTimers();
  whenLoaded('fs', (fs) => patchWatchers(fs as typeof import('node:fs')));
  for (const [name, keys] of CALLBACK_APIS)
    if (name === 'fs')
      whenLoaded(name, (fs) => {
        for (const key of keys) patchCallbackApi(fs as object, key);
      });
  for (const [name, keys] of SYNC_APIS)
    if (name === 'fs')
      whenLoaded(name, (fs) => {
        for (const key of keys) patchSyncApi(fs as object, key, `${name}.${key}`);
      });
  syncFacades();
}

/**
 * Brings the ES facades of the built-ins up to date with their exports (`syncBuiltinESMExports`,
 * which Node's CommonJS loader class carries: node:module is not loaded for it), for an fs facade
 * made before fs's wrappers (see startLateSources). It copies the exports of every built-in that has
 * a facade: only fs's changed since theirs were made, unless something else changed a built-in's
 * exports without it in the script's first stint. 0.55 M instructions (Node 20 and 24, a program
 * that imported nothing), after the first line; calling it only when a facade of fs may exist would
 * take a sign of one that no public API gives.
 */
function syncFacades(): void {
  const sync = moduleClass().syncBuiltinESMExports;
  if (typeof sync === 'function') sync();
}

/** Run at the program's first `process.getBuiltinModule` (Node 20.16 on): see startLateSources. */
let onGetBuiltin: (() => void) | null = null;

export function onFirstGetBuiltin(fn: (() => void) | null): void {
  onGetBuiltin = fn;
}

/**
 * `process.getBuiltinModule(id)` hands a built-in's exports to code that has not required anything
 * (Node 20.16, 22.3 on): before it does, the tracer's work after the first line runs, as at a first
 * `require` (see startLateSources).
 */
function patchGetBuiltinModule(): void {
  const get = (process as { getBuiltinModule?: unknown }).getBuiltinModule;
  if (typeof get !== 'function') return;
  const originalGet = get as AnyFunction;
  const patched = {
    getBuiltinModule(this: unknown) {
      if (onGetBuiltin !== null) {
        const first = onGetBuiltin;
        onGetBuiltin = null;
        try {
          first();
        } catch {
          // never disturb the program
        }
      }
      return Reflect.apply(originalGet, this, arguments);
    },
  }.getBuiltinModule;
  copyProperties(patched, originalGet);
  replace(process, 'getBuiltinModule', patched);
}

export function stopSources(): void {
  if (channels === null) return;
  for (const [name, handler] of subscriptions) {
    try {
      channels.channel(name).unsubscribe(handler);
    } catch {
      // already gone
    }
  }
}

export { original, startMain } from './base';
export { bigText, setSlowCallThreshold } from './syncCalls';
