/**
 * HTTP: incoming requests (diagnostics_channel), later events on requests, responses and outgoing
 * requests, the server's listen, and signals.
 */
// Types only: the modules are patched when the program loads them, and their exports come then
// (builtins.ts).
import type * as http from 'node:http';
import type * as net from 'node:net';
import { Reason, TaskEnd, TaskKind } from '../../protocol/format';
import {
  Task,
  bodyRead,
  current,
  enabled,
  enter,
  inArrival,
  leave,
  now,
  requestArrived,
  stintAhead,
  taskOf,
} from '../engine';
import { endTask, newTask, renameTask } from '../tasks';
import { kTask, regSlot } from '../dishes';
import { ARRIVING, stopWaiting } from '../libraryQueues';
import { CodeLocation, captureLocation } from '../locations';
import { AnyFunction, Owned, bindToSlot, callWith, copyProperties, kSlot, kWhere, replace } from './base';
import { routeOf } from '../frameworks';
import { handlerPlace, lookAtHandler, looking } from '../routeHandlers';
import { HANDS_REQUESTS, HandsOver, kHandsOver, onUpgrade, pastNetServerEmit } from './connections';
import { handedOver } from '../dishSort';

// ---------------------------------------------------------------------------------------------
// HTTP

export function requestName(req: http.IncomingMessage): string {
  return requestNameOf(
    typeof req.method === 'string' ? req.method : 'REQUEST',
    typeof req.url === 'string' ? req.url : '/',
  );
}

/** A request's name from its method and URL: `GET /items/1` (the query left out). */
export function requestNameOf(method: string, url: string): string {
  // A busy route asks for the same name again and again: the same string then, whose hash the
  // trace's string table (and the stint log's task seed) has already worked out.
  if (url === lastUrl && method === lastMethod) return lastName;
  const name = nameOf(method, url);
  lastUrl = url;
  lastMethod = method;
  lastName = name;
  return name;
}
let lastUrl = '';
let lastMethod = '';
let lastName = '';

function nameOf(method: string, url: string): string {
  let path = url;
  const query = path.indexOf('?');
  if (query >= 0) path = path.slice(0, query);
  const fragment = path.indexOf('#');
  if (fragment >= 0) path = path.slice(0, fragment);
  if (path.length > 200) path = `${path.slice(0, 200)}…`;
  return `${method} ${path}`;
}

export function onRequestStart(message: unknown): void {
  if (!enabled) return;
  const { request, response, server } = message as {
    request: http.IncomingMessage & Owned;
    response: http.ServerResponse & Owned;
    server: net.Server & Owned;
  };
  const where = server?.[kWhere] ?? null;
  const t = now();
  // (The request's first stint begins at this reading: the CPU counters are read with it.)
  stintAhead(t);
  const task = newTask(TaskKind.Request, null, requestName(request), 0, where, t);
  request[kTask] = task;
  response[kTask] = task;
  task.incoming = request;
  task.parked = ARRIVING;
  // Its first stint is the server's 'request' event, which follows at once (see patchServerEmit):
  // it begins at the same clock reading.
  started.id = task.id;
  started.at = t;
}
/**
 * The request whose task was made last (its id) and when: its 'request' event begins its first
 * stint at that reading. Numbers, as fields of one object: the task itself stored into the module's
 * long-lived scope was a write barrier a request, and a clock reading in a module variable a new
 * heap number and another (cost, 2026-12-06).
 */
const started = { id: 0, at: 0 };

/**
 * The handlers of an incoming request run inside the server's emit('request'): that call is the
 * request's first stint, measured exactly, with no tick or microtask queued to find its end.
 */
export function patchServerEmit(proto: object): void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  function emit(this: unknown, event: unknown, request: unknown, response: unknown) {
    // (An HTTP or HTTPS server: the net server's patched emit would only pass the event on.)
    const next = pastNetServerEmit(ownEmit ?? parent.emit);
    if (event === 'upgrade' && enabled) return onUpgrade(this, arguments, next);
    const task = event === 'request' && enabled ? (request as Owned | undefined)?.[kTask] : undefined;
    if (task === undefined)
      return arguments.length <= 3
        ? callWith(next, this, arguments.length, event, request, response)
        : Reflect.apply(next, this, arguments);
    return asRequestStint(task, this, next, arguments);
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
}

/** Runs a server's 'request' event (`next` is its emit) as the request's first stint. */
export function asRequestStint(task: Task, server: unknown, next: AnyFunction, args: IArguments): unknown {
  enter(task, Reason.Request, false, task.id === started.id ? started.at : -1);
  started.id = 0;
  try {
    return args.length === 3
      ? next.call(server, args[0], args[1], args[2])
      : Reflect.apply(next, server, args);
  } finally {
    if (((server as HandsOver)[kHandsOver] ?? 0) & HANDS_REQUESTS) handedOver(task);
    leave();
    // (Inside the read that brought its head: see engine.ts bodyRead.)
    requestArrived();
  }
}

/**
 * A part of an incoming request's body (or its end) pushed by Node's parser with no stint open:
 * read from the request's socket, which the loop called after it polled (engine.ts bodyRead).
 * Patched on IncomingMessage's own prototype (Readable's push, patched in streams.ts, is what it
 * calls), so that no other stream pays for it; a request without a body pushes once, its end
 * (`null`), in the read that brought its head (passed by: inArrival). Also on an HTTP/2 server
 * stream's class (http2.ts), whose data the session's read pushes.
 */
export function patchBodyPush(proto: object): void {
  if (Object.prototype.hasOwnProperty.call(proto, 'push')) return;
  const parent = Object.getPrototypeOf(proto) as { push?: unknown } | null;
  if (parent === null || typeof parent.push !== 'function') return;
  const patched = {
    push(this: Owned, chunk: unknown, encoding: unknown) {
      // The body's end (`null`) too, when it came in a read of its own (a chunked body's last,
      // empty chunk): its 'end' follows in a tick and ran as a stint that merged with the one
      // before. A request without a body pushes its end in the read that brought its head, right
      // after its first stint (inArrival: two numbers compared, and nothing more for a GET).
      if (current === null && (chunk !== null || !inArrival()) && enabled) {
        const task = this[kTask];
        if (task !== undefined && !task.ended) bodyRead(task);
      }
      // (Readable's push as it is now: streams.ts patches it when node:stream is loaded.)
      const push = parent.push as AnyFunction;
      return arguments.length <= 2
        ? callWith(push, this, arguments.length, chunk, encoding)
        : Reflect.apply(push, this, arguments);
    },
  }.push;
  copyProperties(patched, parent.push as AnyFunction);
  replace(proto, 'push', patched);
}

/**
 * The program ending a response (`res.end()`, which every framework calls): the request has
 * responded, though the response may not be sent yet (see timers.ts afterResponse). A response
 * whose client went away first (its connection closed: a load test stopping with requests in
 * flight, a client's timeout) is destroyed and never finishes: the request ends here, aborted,
 * named by its route as a finished one is. It stayed open to the end of the trace, named by its
 * path (express + OpenTelemetry under autocannon: the 15 requests in flight when it stopped).
 */
export function patchResponseEnd(http: { ServerResponse: typeof import('node:http').ServerResponse }): void {
  patchEnd(http.ServerResponse.prototype);
}

/**
 * On a response whose `end()` does not end the answer: an HTTP/2 stream that sends trailers after
 * its data (http2.ts patchTrailers), which marks the request as having responded when it does.
 */
export const kAnswersLater = Symbol('looplens.answersLater');

/** Patches `end` on a prototype whose objects carry their request's task (a response, an HTTP/2 stream). */
export function patchEnd(proto: object): void {
  const end = (proto as { end?: unknown }).end;
  if (typeof end !== 'function') return;
  const original = end as AnyFunction;
  const patched = {
    end(this: unknown, a?: unknown, b?: unknown, c?: unknown) {
      let task: Task | undefined;
      if (enabled) {
        task = (this as { [kTask]?: Task } | null)?.[kTask];
        if (task !== undefined && (this as { [kAnswersLater]?: true })[kAnswersLater] !== true)
          task.responded = true;
        // A route's handler whose place is not known yet answers at once (express's `res.json`).
        if (looking !== null) lookAtHandler();
      }
      const result =
        arguments.length <= 3
          ? callWith(original, this, arguments.length, a, b, c)
          : Reflect.apply(original, this, arguments);
      if (task !== undefined && !task.ended && (this as { destroyed?: unknown }).destroyed === true)
        finishRequest(this as Owned, TaskEnd.Aborted);
      return result;
    },
  }.end;
  copyProperties(patched, original);
  replace(proto, 'end', patched);
}

/**
 * A response under way (its headers out: Server-Sent Events written from a timer, a stream piped
 * out) whose connection closes before it finished: the client left, and nothing more of it can go
 * out. The request ends there, aborted — its program often never ends such a response (it stops
 * its timer in a 'close' listener), and its lane ran on to the end of the trace. A response not
 * begun yet is written as ended too, and again when the handler ends it (see leftBeforeAnswer).
 * ServerResponse has no `emit` of its own; this one looks at 'close' only, and leaves the response's
 * listeners alone (they are frameworks' bookkeeping, see patchListeners).
 */
export function patchResponseClose(http: {
  ServerResponse: typeof import('node:http').ServerResponse;
}): void {
  const proto = http.ServerResponse.prototype;
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  function emit(this: Owned, event: unknown, a?: unknown, b?: unknown) {
    if (event === 'close' && enabled) closedUnderWay(this);
    const next = ownEmit ?? parent.emit;
    return arguments.length <= 3
      ? callWith(next, this, arguments.length, event, a, b)
      : Reflect.apply(next, this, arguments);
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
}

function closedUnderWay(response: Owned): void {
  const task = response[kTask];
  if (task === undefined || task.ended) return;
  if ((response as { headersSent?: unknown }).headersSent === true) finishRequest(response, TaskEnd.Aborted);
  else leftBeforeAnswer(task, response);
}

/**
 * A response not begun whose connection closed: the client left while the handler was still at
 * work for it (awaiting an upstream, a long poll's wait). Many handlers then stop (a 'close'
 * listener clears the long poll's timer) and never end the response, and the request's lane ran on
 * to the end of the trace. Its end is written now, aborted, but the task is not over for the
 * tracer: a handler still at work goes on in its lane (its queries its waits, not nobody's), and
 * when it does end the response the end is written again, later. The model reads an aborted
 * request's end as where its work ended (model/timeline.ts taskEnd): no response went out, so
 * nothing it does is work after its response.
 */
function leftBeforeAnswer(task: Task, response: Owned): void {
  if (left.has(task)) return;
  left.add(task);
  const t = now();
  nameByRoute(task, (response as { req?: unknown }).req, t);
  endTask(task, TaskEnd.Aborted, t);
}
const left = new WeakSet<Task>();

export function finishRequest(response: Owned, how: TaskEnd): void {
  const task = response[kTask];
  if (task === undefined || task.ended) return;
  // One clock reading for the name and the end.
  const t = now();
  nameByRoute(task, (response as { req?: unknown }).req, t);
  task.ended = true;
  if (task.parked !== 0) stopWaiting(task);
  task.incoming = null;
  endTask(task, how, t);
}

export function onResponseFinish(message: unknown): void {
  if (!enabled) return;
  finishRequest((message as { response: Owned }).response, TaskEnd.Finished);
}

/**
 * Names a request by its route where the framework knows it (`GET /products/:id`); `time`, a clock
 * reading of the moment when the caller has one.
 */
export function nameByRoute(task: Task, request: unknown, time = -1): void {
  if (typeof request !== 'object' || request === null) return;
  const route = routeOf(request as http.IncomingMessage);
  if (route === null) return;
  const method = (request as http.IncomingMessage).method;
  const name = routeName(typeof method === 'string' ? method : 'REQUEST', route);
  // Placed at the route's handler where it is known (routeHandlers.ts), not where the server
  // started: the code that handles it.
  const where = handlerPlace(task.handler);
  if (name !== task.name || where !== null) renameTask(task, name !== task.name ? name : '', where, time);
}

/**
 * A request's name from its route, the same string for the same route as requestNameOf's: a new
 * string each request cost its hash in the trace's string table and a comparison of its characters.
 */
function routeName(method: string, route: string): string {
  if (route === lastRoute && method === lastRouteMethod) return lastRouteName;
  const name = `${method} ${route}`;
  lastRoute = route;
  lastRouteMethod = method;
  lastRouteName = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  return lastRouteName;
}
let lastRoute = '';
let lastRouteMethod = '';
let lastRouteName = '';

export function onClientRequestStart(message: unknown): void {
  if (!enabled || current === null) return;
  const request = (message as { request: Owned }).request;
  // Made by a task that listened for its answer already (see patchListeners' `adopt`): that
  // task's, however late the request starts (a keep-alive socket freed in another task's turn).
  if (request[kSlot] !== undefined) return;
  const slot = regSlot();
  if (slot !== null) request[kSlot] = slot;
}

/** The task an object's events run as: its own (an incoming request), or its maker's (an outgoing one). */
export function ownerOf(self: Owned): Task | undefined {
  const task = self[kTask];
  if (task !== undefined) return task;
  const slot = self[kSlot];
  return slot !== undefined ? (taskOf(slot.r) ?? undefined) : undefined;
}

/** Whether an emitter has listeners for `event` (EventEmitter keeps them in `_events`). */
export function hasListeners(emitter: object, event: unknown): boolean {
  const events = (emitter as { _events?: Record<string | symbol, unknown> })._events;
  if (events === undefined || events === null) return true;
  return (typeof event === 'string' || typeof event === 'symbol') && events[event] !== undefined;
}

/**
 * Runs an object's events as stints of the task that owns the object, when anything listens to
 * them. `onEvent` sees each event first (to tag a response, to notice an aborted request). Events
 * after the task's work is done (a socket closing after the response) are not the task's work, nor
 * are those in `others` (run in whatever stint is open, or in none).
 */
export function patchEmit(
  proto: object,
  reason: number,
  onEvent?: (self: Owned, args: IArguments) => void,
  others?: ReadonlySet<unknown>,
): void {
  const own = Object.getOwnPropertyDescriptor(proto, 'emit');
  const parent = Object.getPrototypeOf(proto) as { emit: AnyFunction };
  const ownEmit = own !== undefined && typeof own.value === 'function' ? (own.value as AnyFunction) : null;
  // The hot path (an object with no task, or the task already running) passes the arguments on
  // exactly as given, without Reflect.apply: streams emit many events per request.
  function forward(self: Owned, args: IArguments): unknown {
    const next = ownEmit ?? parent.emit;
    switch (args.length) {
      case 1:
        return next.call(self, args[0]);
      case 2:
        return next.call(self, args[0], args[1]);
      case 3:
        return next.call(self, args[0], args[1], args[2]);
      default:
        return Reflect.apply(next, self, args);
    }
  }
  function emit(this: Owned, event: unknown) {
    const task = this[kTask];
    if (task === undefined || task === current || !enabled) return forward(this, arguments);
    if (onEvent !== undefined) onEvent(this, arguments);
    if (task.ended || !hasListeners(this, event) || others?.has(event) === true)
      return forward(this, arguments);
    enter(task, reason);
    try {
      return forward(this, arguments);
    } finally {
      leave();
    }
  }
  if (ownEmit !== null) copyProperties(emit as AnyFunction, ownEmit);
  replace(proto, 'emit', emit as AnyFunction);
}

/**
 * The events of a request, a response or an outgoing request run as stints of its task. The
 * listeners are wrapped when they are added (a `listener` property keeps removeListener and
 * listeners() working as for `once`), rather than patching `emit`: streams emit many events per
 * request, mostly to nobody, and an own `emit` on these prototypes slows every one of them.
 * Only the events that run a task's own work are wrapped: the body of an incoming request, the
 * answer to an outgoing one. (A response's 'finish' and 'close' listeners are bookkeeping that
 * frameworks add to every request: wrapping them would cost every request for little.) Events
 * after the task's work was done are not its stints.
 */
export const BODY_EVENTS: ReadonlySet<string> = new Set(['data', 'end', 'readable', 'error']);
export const RESPONSE_EVENTS: ReadonlySet<string> = new Set(['response', 'error', 'timeout']);
/**
 * A response's 'drain': a response written in pieces that respects back-pressure
 * (`if (!res.write(chunk)) res.once('drain', more)`) does the rest of its work there.
 */
export const DRAIN_EVENTS: ReadonlySet<string> = new Set(['drain']);
export const LISTEN_METHODS = [
  'on',
  'addListener',
  'once',
  'prependListener',
  'prependOnceListener',
] as const;

export function patchListeners(
  proto: object,
  events: ReadonlySet<string>,
  reason: number,
  onEvent?: (self: Owned, event: unknown, args: IArguments) => void,
  adopt = false,
): void {
  for (const method of LISTEN_METHODS) {
    const add = (proto as Record<string, unknown>)[method];
    if (typeof add !== 'function') continue;
    const originalAdd = add as AnyFunction;
    const patched = {
      [method](this: Owned, event: unknown, listener: unknown) {
        // `adopt`: an object nobody owns yet (an outgoing request, whose `http.get(url, callback)`
        // adds its 'response' listener as it is made) becomes the running task's work, as a
        // callback handed to the runtime does.
        if (
          adopt &&
          this[kTask] === undefined &&
          this[kSlot] === undefined &&
          enabled &&
          current !== null &&
          typeof listener === 'function' &&
          events.has(event as string)
        ) {
          const slot = regSlot();
          if (slot !== null) this[kSlot] = slot;
        }
        if (
          (this[kTask] === undefined && this[kSlot] === undefined) ||
          !enabled ||
          typeof listener !== 'function' ||
          !events.has(event as string)
        ) {
          return arguments.length === 2
            ? originalAdd.call(this, event, listener)
            : Reflect.apply(originalAdd, this, arguments);
        }
        const inner = listener as AnyFunction;
        // The owner's task and slot as they are now, kept by the closure (an object literal with
        // symbol keys is built by V8's runtime: about 90 instructions a listener).
        const ownTask = this[kTask];
        const ownSlot = this[kSlot];
        const wrapped = function (this: Owned, a: unknown, b: unknown) {
          if (onEvent !== undefined) onEvent(this, event, arguments);
          const task =
            ownTask !== undefined
              ? ownTask
              : ownSlot !== undefined
                ? (taskOf(ownSlot.r) ?? undefined)
                : undefined;
          const n = arguments.length;
          if (!enabled || task === undefined || task.ended || task === current)
            return n <= 2 ? callWith(inner, this, n, a, b) : Reflect.apply(inner, this, arguments);
          enter(task, reason);
          try {
            return n <= 2 ? callWith(inner, this, n, a, b) : Reflect.apply(inner, this, arguments);
          } finally {
            leave();
          }
        };
        (wrapped as unknown as { listener: AnyFunction }).listener = inner;
        return originalAdd.call(this, event, wrapped);
      },
    }[method];
    copyProperties(patched, originalAdd);
    replace(proto, method, patched);
  }
}

/**
 * Where the program made a server (`http.createServer`, `https.createServer`), kept on it: the
 * place of its requests when the program's line that starts it is not known — a framework calling
 * `listen` itself, later, from its own code (fastify's `app.listen()` once its plugins are loaded,
 * hapi's `server.start()`): then its requests are placed at the program's `Fastify()` or
 * `Hapi.server()` line, which made the server, not at the framework's `listen` line.
 */
const kMadeAt = Symbol('looplens.madeAt');
type Made = Owned & { [kMadeAt]?: CodeLocation };
export function patchCreateServer(mod: { createServer: unknown }): void {
  const create = mod.createServer as AnyFunction;
  if (typeof create !== 'function') return;
  const patched = function createServer(this: unknown) {
    const server = Reflect.apply(create, this, arguments) as Made;
    if (!enabled) return server;
    try {
      const at = captureLocation(patched, true);
      if (at !== null && !at.library && typeof server === 'object' && server !== null) server[kMadeAt] = at;
    } catch {
      // no place: the listen line's, as before
    }
    return server;
  };
  copyProperties(patched, create);
  replace(mod, 'createServer', patched);
}

export function patchListen(net: typeof import('node:net')): void {
  const listen = net.Server.prototype.listen as unknown as AnyFunction;
  const patched = function listenWithLocation(this: net.Server & Made) {
    if (!enabled) return Reflect.apply(listen, this, arguments);
    if (arguments.length === 0) return Reflect.apply(listen, this, arguments);
    if (this[kWhere] === undefined) {
      const at = captureLocation(patched, true);
      const made = this[kMadeAt];
      // Started by the program's line: there. By a framework's own code: where the program made it.
      this[kWhere] = (at === null || at.library) && made !== undefined ? made : at;
    }
    const last = arguments.length - 1;
    if (current === null || last < 0 || typeof arguments[last] !== 'function') {
      return Reflect.apply(listen, this, arguments);
    }
    // The 'listening' callback is the caller's work (it usually goes on to start things).
    const args = Array.prototype.slice.call(arguments);
    args[last] = bindToSlot(regSlot()!, args[last] as AnyFunction, Reason.Event);
    return Reflect.apply(listen, this, args);
  };
  copyProperties(patched, listen);
  replace(net.Server.prototype, 'listen', patched);
}

/**
 * A task made by the code running now (a worker, a named scope), child of the running task — or of
 * the dish that code turns out to belong to at the end of the stint (dishes.ts re-parents it).
 */
export function childTask(kind: TaskKind, name: string, where: CodeLocation | null): Task {
  const slot = regSlot();
  const task = newTask(kind, current, name, 0, where);
  if (slot !== null) slot.child = task;
  return task;
}

// ---------------------------------------------------------------------------------------------
// Ticks and microtasks queued by the code of a task are that task's work.

/**
 * Signal listeners on `process` run as the task that added them (the script, usually): a server's
 * shutdown is its own work, not untracked code.
 */
export const SIGNALS: ReadonlySet<string> = new Set([
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'SIGUSR1',
  'SIGUSR2',
]);

export function patchProcessSignals(): void {
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
    const add = (process as unknown as Record<string, unknown>)[method];
    if (typeof add !== 'function') continue;
    const originalAdd = add as AnyFunction;
    const patched = {
      [method](this: unknown, event: unknown, listener: unknown) {
        if (!enabled || current === null || typeof listener !== 'function' || !SIGNALS.has(event as string))
          return Reflect.apply(originalAdd, this, arguments);
        const inner = listener as AnyFunction;
        const wrapped = bindToSlot(regSlot()!, inner, Reason.Event);
        (wrapped as unknown as { listener: AnyFunction }).listener = inner;
        return originalAdd.call(this, event, wrapped);
      },
    }[method];
    copyProperties(patched, originalAdd);
    replace(process, method, patched);
  }
}
