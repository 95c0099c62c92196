/**
 * Requests named by their route pattern (`GET /products/:id`) where the framework knows it, read
 * when the response is sent:
 *  - express (4 and 5) keeps the matched route on the request (`req.route.path`, under
 *    `req.baseUrl` for a mounted router);
 *  - koa keeps it on its context (`ctx._matchedRoute`, set by @koa/router and koa-router), which
 *    the request does not reach: koa's `createContext` is wrapped, once koa is required, to leave
 *    the context on the request under a symbol.
 *  - fastify (and anything else routing with find-my-way) registers each route's handler with the
 *    router: the handler is wrapped, once find-my-way is required, to leave the route's pattern on
 *    the request (fastify's catch-all for unknown routes keeps the raw path).
 *  - hapi keeps the matched route on its own request object (`request.route.path`, with hapi's
 *    `{param}` syntax), which the node request does not reach: hapi's `Request.generate` is wrapped,
 *    once hapi requires its request module, to leave its request on the node one under a symbol
 *    (hapi's special route for unknown paths keeps the raw path).
 * Anything else keeps the raw path.
 */
import type * as http from 'node:http';
import url = require('node:url');
import { enabled } from './engine';
import { CodeLocation } from './locations';
import { moduleClass } from './nodeModule';

const kContext = Symbol('looplens.koaContext');
const kRoute = Symbol('looplens.route');
const kHapi = Symbol('looplens.hapiRequest');

type AnyFunction = (...args: unknown[]) => unknown;
type WithContext = http.IncomingMessage & {
  [kContext]?: { _matchedRoute?: unknown };
  [kRoute]?: string;
  [kHapi]?: { route?: { method?: unknown; path?: unknown } };
};

/** The route pattern of a request whose response is being sent, or null. */
export function routeOf(req: http.IncomingMessage): string | null {
  try {
    const express = (req as { route?: { path?: unknown }; baseUrl?: unknown }).route;
    if (express !== undefined && express !== null && typeof express.path === 'string') {
      const base = (req as { baseUrl?: unknown }).baseUrl;
      return `${typeof base === 'string' ? base : ''}${express.path}`;
    }
    const koa = (req as WithContext)[kContext]?._matchedRoute;
    if (typeof koa === 'string') return koa;
    const routed = (req as WithContext)[kRoute];
    if (typeof routed === 'string') return routed;
    const hapi = (req as WithContext)[kHapi]?.route;
    if (hapi !== undefined && hapi !== null && typeof hapi.path === 'string' && hapi.method !== '_special')
      return hapi.path;
  } catch {
    // an exotic request object: keep the path
  }
  return null;
}

let patchedKoa = false;

/**
 * Wraps `owner[key]`, a function of the framework that makes its own request object (koa's
 * context, hapi's request) from the node request it gets as argument `reqAt`, to leave that object
 * on the node request under `symbol`, where routeOf reads the route when the response is sent.
 */
function keepOnRequest(owner: Record<string, unknown>, key: string, symbol: symbol, reqAt: number): void {
  const original = owner[key] as AnyFunction;
  // Named like the original, which it then cannot reach by that name: hence `original`.
  const patched = {
    [key](this: unknown, ...args: unknown[]) {
      const made = Reflect.apply(original, this, args);
      const req = args[reqAt];
      if (enabled && typeof req === 'object' && req !== null) {
        try {
          (req as Record<symbol, unknown>)[symbol] = made;
        } catch {
          // a frozen request: no route name
        }
      }
      return made;
    },
  }[key];
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  owner[key] = patched;
}

function patchKoa(exported: unknown): void {
  const proto = (exported as { prototype?: Record<string, unknown> } | null)?.prototype;
  if (patchedKoa || proto === undefined || typeof proto.createContext !== 'function') return;
  patchedKoa = true;
  keepOnRequest(proto, 'createContext', kContext, 0);
}

let patchedHapi = false;

function patchHapiRequest(exported: unknown): void {
  const Request = exported as Record<string, unknown> | null;
  if (patchedHapi || Request === null || typeof Request.generate !== 'function') return;
  patchedHapi = true;
  // Request.generate(server, req, res, options)
  keepOnRequest(Request, 'generate', kHapi, 1);
}

/** Whether a require() of `request` from `parent` is hapi loading its own request module. */
function isHapiRequestModule(request: unknown, parent: unknown): boolean {
  if (request !== './request' || patchedHapi) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]@hapi[\\/]hapi[\\/]lib[\\/][^\\/]+$/.test(from);
}

let patchedRouter = false;

function patchFindMyWay(exported: unknown): void {
  const proto = (exported as { prototype?: { _on?: AnyFunction } } | null)?.prototype;
  if (patchedRouter || proto === undefined || typeof proto._on !== 'function') return;
  patchedRouter = true;
  const on = proto._on;
  const patched = function _on(this: unknown, ...args: unknown[]) {
    // (method, path, opts, handler, store, the path as written)
    const handler = args[3];
    const pattern = typeof args[5] === 'string' ? args[5] : args[1];
    if (typeof handler === 'function' && typeof pattern === 'string' && pattern !== '*' && pattern !== '/*') {
      const route = handler as AnyFunction;
      const routed = function (
        this: unknown,
        req: unknown,
        res: unknown,
        params: unknown,
        store: unknown,
        query: unknown,
      ) {
        if (typeof req === 'object' && req !== null) {
          try {
            (req as WithContext)[kRoute] = pattern;
          } catch {
            // a frozen request: no route name
          }
        }
        // As find-my-way calls it, without an arguments object (every request of the server).
        return arguments.length === 5
          ? route.call(this, req, res, params, store, query)
          : Reflect.apply(route, this, arguments);
      };
      Object.defineProperties(routed, Object.getOwnPropertyDescriptors(route));
      args[3] = routed;
    }
    return Reflect.apply(on, this, args);
  };
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(on));
  proto._on = patched;
}

/** Watches `require` for the frameworks whose route this needs a hand to read. */
export function startFrameworks(): void {
  const M = moduleClass() as { _load?: AnyFunction };
  const load = M._load;
  if (typeof load !== 'function') return;
  const patched = function (this: unknown, request: unknown, parent: unknown) {
    const exported = Reflect.apply(load, this, arguments);
    if (!enabled) return exported;
    try {
      if (request === 'koa' && !patchedKoa) patchKoa(exported);
      else if (request === 'find-my-way' && !patchedRouter) patchFindMyWay(exported);
      else if (isHapiRequestModule(request, parent)) patchHapiRequest(exported);
    } catch {
      // never disturb the program
    }
    return exported;
  };
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(load));
  M._load = patched;
}

/**
 * A test runner's test: node:test makes each test (and each suite) an AsyncResource of a class of
 * its own (`Test`, `Suite`) that keeps the test's function as `fn`, its name as `name` and where
 * `test()` was called as `loc`, and runs the function in the resource's scope
 * (`runInAsyncScope(this.fn, …)`): that call is the test running, a task named after the test.
 * The root test, which holds the file's tests, and hooks (`TestHook`, a `Test` too) are left out: a `beforeEach` is the setup of the code that
 * runs it. Null for any other scope.
 */
export function testOf(resource: object, fn: unknown): { name: string; where: CodeLocation } | null {
  const test = resource as {
    fn?: unknown;
    name?: unknown;
    parent?: unknown;
    loc?: { file?: unknown; line?: unknown; column?: unknown };
  };
  // (The root, which has no parent, holds the file's tests: the script's own work.)
  if (typeof fn !== 'function' || test.fn !== fn || typeof test.name !== 'string' || !test.parent)
    return null;
  const kind = (Object.getPrototypeOf(resource) as { constructor?: { name?: unknown } } | null)?.constructor
    ?.name;
  if (kind !== 'Test' && kind !== 'Suite') return null;
  const loc = test.loc;
  let file = typeof loc?.file === 'string' ? loc.file : '';
  if (file.startsWith('file://')) {
    try {
      file = url.fileURLToPath(file);
    } catch {
      // keep the URL
    }
  }
  return {
    name: test.name,
    where: {
      file,
      line: typeof loc?.line === 'number' ? loc.line : 0,
      column: typeof loc?.column === 'number' ? loc.column : 0,
      fn: typeof (fn as { name?: unknown }).name === 'string' ? (fn as { name: string }).name : '',
      library: false,
    },
  };
}
