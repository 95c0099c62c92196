/**
 * HTTP/2 servers (`node:http2`, cleartext and TLS): each stream a client opens is a request task,
 * from the server's 'stream' event — which the compatibility API's `(req, res)` handler runs
 * inside — to the stream's end, as node:http's requests are (http.ts). Node 20 publishes no
 * diagnostics channel for HTTP/2, so the server's `emit` (net.Server's, patched in connections.ts)
 * says when a stream arrives, and the stream's own `emit` and `end` (patched on its class the first
 * time one arrives: node:http2 is loaded only by programs that use it) say when its data arrives
 * and when it is answered and over, and its `push` when its body's parts come. The session and its
 * socket serve many streams: they are no one's.
 */
import { Reason, TaskEnd, TaskKind } from '../../protocol/format';
import { Task, current, enabled, enter, enterRead, leave, now } from '../engine';
import { endTask, newTask } from '../tasks';
import { kTask } from '../marks';
import { AnyFunction, Owned, callWith, copyProperties, kWhere, replace } from './base';
import {
  asRequestStint,
  hasListeners,
  kAnswersLater,
  nameByRoute,
  patchBodyPush,
  patchEnd,
  requestNameOf,
} from './http';

type Stream = Owned & { [kRequest]?: object; [kAnswersLater]?: true; aborted?: unknown };
/** The compatibility API's request object of a stream, for its route name (http.ts nameByRoute). */
const kRequest = Symbol('looplens.h2request');

const HTTP2_SERVERS: ReadonlySet<string> = new Set(['Http2Server', 'Http2SecureServer']);
const isHttp2 = new WeakMap<object, boolean>();

/** Whether `server` is node:http2's (its class, or one derived from it). */
export function isHttp2Server(server: object): boolean {
  const proto = Object.getPrototypeOf(server) as object | null;
  if (proto === null) return false;
  let known = isHttp2.get(proto);
  if (known === undefined) {
    known = false;
    for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
      const ctor = (p as { constructor?: { name?: unknown } }).constructor;
      if (typeof ctor?.name === 'string' && HTTP2_SERVERS.has(ctor.name) && Object.hasOwn(p, 'constructor')) {
        known = true;
        break;
      }
    }
    isHttp2.set(proto, known);
  }
  return known;
}

/**
 * The events of an HTTP/2 server: a 'stream' is a new request, run as its first stint; the
 * compatibility API's 'request' (emitted inside it) only tells the stream its request object.
 * Anything else passes through. `next` is the emit being patched.
 */
export function onHttp2ServerEvent(server: object, args: IArguments, next: AnyFunction): unknown {
  const event = args[0] as unknown;
  if (event === 'request') {
    const request = args[1] as (Owned & { stream?: Stream }) | undefined;
    // An HTTP/1 request to a server that allows it (`allowHTTP1`): node:http's, made a task by http.ts.
    const task = request?.[kTask];
    if (task !== undefined) return asRequestStint(task, server, next, args);
    const stream = request?.stream;
    if (typeof stream === 'object' && stream !== null && stream[kTask] !== undefined)
      stream[kRequest] = request;
    return Reflect.apply(next, server, args);
  }
  const stream = args[1] as Stream | undefined;
  const headers = args[2] as Record<string, unknown> | undefined;
  if (event !== 'stream' || typeof stream !== 'object' || stream === null || stream[kTask] !== undefined)
    return Reflect.apply(next, server, args);
  if (!streamPatched) patchStream(stream);
  const method = headers?.[':method'];
  const path = headers?.[':path'];
  const task = newTask(
    TaskKind.Request,
    null,
    requestNameOf(typeof method === 'string' ? method : 'REQUEST', typeof path === 'string' ? path : '/'),
    0,
    (server as Owned)[kWhere] ?? null,
  );
  stream[kTask] = task;
  enter(task, Reason.Request);
  try {
    return Reflect.apply(next, server, args);
  } finally {
    leave();
  }
}

function finishStream(stream: Stream, task: Task, how: TaskEnd): void {
  if (task.ended) return;
  const request = stream[kRequest];
  const t = now();
  if (request !== undefined) nameByRoute(task, request, t);
  task.responded = true;
  task.ended = true;
  endTask(task, how, t);
}

let streamPatched = false;

/**
 * A stream's class (ServerHttp2Stream, which node:http2 does not export), patched once: its
 * 'finish' (all of the response written) or else its 'close' ends the request; other events with
 * listeners (the body's 'data', 'end') run as the request; `end()` — the program answering, in
 * either API — marks it as having responded (timers.ts afterResponse), or, for a stream that
 * answers with trailers (gRPC's status), `sendTrailers()`: the answer is not over before them,
 * and the session asking for them ('wantTrailers') hands the stream work of its own.
 */
function patchStream(stream: object): void {
  streamPatched = true;
  const proto = Object.getPrototypeOf(stream) as Record<string, unknown> | null;
  if (proto === null) return;
  const emitOf = proto.emit;
  if (typeof emitOf === 'function') {
    const original = emitOf as AnyFunction;
    const patched = {
      emit(this: Stream, event: unknown, a?: unknown, b?: unknown) {
        const task = this[kTask];
        const n = arguments.length;
        if (task === undefined || !enabled)
          return n <= 3 ? callWith(original, this, n, event, a, b) : Reflect.apply(original, this, arguments);
        if (event === 'finish' || event === 'close')
          finishStream(
            this,
            task,
            event === 'close' && this.aborted === true ? TaskEnd.Aborted : TaskEnd.Finished,
          );
        if (task.ended || task === current || !hasListeners(this, event))
          return n <= 3 ? callWith(original, this, n, event, a, b) : Reflect.apply(original, this, arguments);
        // With no stint open, the session's read is handing the stream what it brought (its data,
        // its end): the read ran for this request (engine.ts enterRead), not for the connection.
        if (current === null) enterRead(task, Reason.Event);
        else enter(task, Reason.Event);
        try {
          return n <= 3 ? callWith(original, this, n, event, a, b) : Reflect.apply(original, this, arguments);
        } finally {
          leave();
        }
      },
    }.emit;
    copyProperties(patched, original);
    replace(proto, 'emit', patched);
  }
  patchEnd(proto);
  patchTrailers(proto);
  // The body's parts and its end, pushed by the session's read (node:http2's onStreamRead) — a read
  // the loop called after it polled: the stint after it does not continue the request's last
  // (engine.ts bodyRead). A stream's 'stream' event comes in a tick after the read that brought its
  // headers, and what that read brought of its body was pushed before the stream was a task.
  patchBodyPush(proto);
}

/** `respond()` with `waitForTrailers` defers the answer's end to `sendTrailers()` (see patchStream). */
function patchTrailers(proto: Record<string, unknown>): void {
  const respond = proto.respond;
  const sendTrailers = proto.sendTrailers;
  if (typeof respond !== 'function' || typeof sendTrailers !== 'function') return;
  const patched = {
    respond(this: Stream, headers?: unknown, options?: unknown) {
      if (
        enabled &&
        this[kTask] !== undefined &&
        (options as { waitForTrailers?: unknown } | null | undefined)?.waitForTrailers === true
      )
        this[kAnswersLater] = true;
      return arguments.length <= 2
        ? callWith(respond as AnyFunction, this, arguments.length, headers, options)
        : Reflect.apply(respond as AnyFunction, this, arguments);
    },
    sendTrailers(this: Stream, headers?: unknown) {
      const task = this[kTask];
      if (task !== undefined && enabled) task.responded = true;
      return arguments.length <= 1
        ? callWith(sendTrailers as AnyFunction, this, arguments.length, headers)
        : Reflect.apply(sendTrailers as AnyFunction, this, arguments);
    },
  };
  for (const key of ['respond', 'sendTrailers'] as const) {
    copyProperties(patched[key] as AnyFunction, proto[key] as AnyFunction);
    replace(proto, key, patched[key] as AnyFunction);
  }
}
