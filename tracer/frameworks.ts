/**
 * Requests named by their route pattern (`GET /products/:id`) where the framework knows it, read
 * when the response is sent. A framework knows it in one of two ways, and the tracer takes each the
 * same way whatever the framework:
 *  - on an object of its own made for each request, which it keeps on the node request or which is
 *    made from it: express (4 and 5, and the `router` package alone) keeps the matched route on the
 *    request (`req.route.path`, under `req.baseUrl` for a mounted router); koa keeps it on its
 *    context (`ctx._matchedRoute`, set by @koa/router and koa-router), hapi on its own request
 *    (`request.route.path`, with hapi's `{param}` syntax), Hono on its context (the route at
 *    `c.req.routeIndex` of `c.req.matchedRoutes`). What the node request does not reach (koa's
 *    context, hapi's request, Hono's context) is left on it under a symbol by wrapping, once the
 *    framework is required, the function that makes it from the node request (koa's
 *    `createContext`, hapi's `Request.generate`, Hono's `Context`, which @hono/node-server gives
 *    the node request as `env.incoming`).
 *  - in its router, which is given each route's pattern with the route's handlers: find-my-way's
 *    `_on` (fastify, restify, or find-my-way used alone) and trouter's `add` (polka). Each handler is
 *    wrapped, once the router is required, to leave its pattern on the request it is called with;
 *    h3's routers (`createRouter`, whose `add` every route goes through) call their handlers with an
 *    event that carries the node request as `event.node.req`, where the pattern is left.
 * A route that is a bare wildcard (`*`, `/*`, h3's `/**`: a catch-all for unknown routes, Hono's `app.use('*')`
 * answering) and anything else keeps the raw path. An ES module (Hono or h3 imported) is given a hand in
 * its source as Node's loader reads it (see ES_MODULES).
 */
import type * as http from 'node:http';
import fs = require('node:fs');
import url = require('node:url');
import { enabled } from './engine';
import { CodeLocation } from './locations';
import { moduleClass } from './nodeModule';
import { appliedBy, handledBy, lookAtHandler, writtenIn } from './routeHandlers';
import { keepCompiled } from './sourceNames';
import { whenLoaded } from './sources/builtins';

const kContext = Symbol('looplens.koaContext');
const kRoute = Symbol('looplens.route');
const kHapi = Symbol('looplens.hapiRequest');
const kHono = Symbol('looplens.honoContext');

type AnyFunction = (...args: unknown[]) => unknown;
type WithContext = http.IncomingMessage & {
  [kContext]?: { _matchedRoute?: unknown };
  [kRoute]?: string;
  [kHapi]?: { route?: { method?: unknown; path?: unknown } };
  [kHono]?: { req?: { matchedRoutes?: unknown; routeIndex?: unknown } };
};

/** Whether a route's pattern is a bare wildcard: a catch-all, no route's name. */
const wildcard = (pattern: string): boolean => pattern === '*' || pattern === '/*' || pattern === '/**';

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
    const hono = (req as WithContext)[kHono];
    if (hono !== undefined) return honoRoute(hono);
  } catch {
    // an exotic request object: keep the path
  }
  return null;
}

/**
 * The pattern of the route a Hono context answered from: the one at `c.req.routeIndex` (the
 * handler Hono ran last; 0 when it ran one alone) of the routes the path matched, none when no
 * route matched (Hono's not-found handler).
 */
function honoRoute(context: NonNullable<WithContext[typeof kHono]>): string | null {
  const request = context.req;
  const routes = request?.matchedRoutes;
  const at = request?.routeIndex;
  if (!Array.isArray(routes) || typeof at !== 'number') return null;
  const path = (routes[at] as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !wildcard(path) ? path : null;
}

/** Leaves `value` on a request under `symbol`, unless the request is not an object or is frozen. */
function leave(req: unknown, symbol: symbol, value: unknown): void {
  if (typeof req !== 'object' || req === null) return;
  try {
    (req as Record<symbol, unknown>)[symbol] = value;
  } catch {
    // a frozen request: no route name
  }
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
      if (enabled) leave(args[reqAt], symbol, made);
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

let patchedHapiHandler = false;

/**
 * hapi's handler module: `configure(handler, route)` gives each route the function its requests
 * call (`route.settings.handler`, read for each request): the program's handler, wrapped by
 * routeHandlers.ts (a plugin's handler, `{ directory: … }`, is a library's: placed nowhere).
 */
function patchHapiHandler(exported: unknown): void {
  const module = exported as Record<string, unknown> | null;
  if (patchedHapiHandler || module === null || typeof module.configure !== 'function') return;
  patchedHapiHandler = true;
  const configure = module.configure as AnyFunction;
  const patched = {
    configure(this: unknown) {
      const handler = Reflect.apply(configure, this, arguments);
      return enabled && typeof handler === 'function'
        ? handledBy(handler as AnyFunction, null, true)
        : handler;
    },
  }.configure;
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(configure));
  module.configure = patched;
}

/** Whether a require() of `request` from `parent` is hapi loading its handler module. */
function isHapiHandlerModule(request: unknown, parent: unknown): boolean {
  if (request !== './handler' || patchedHapiHandler) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]@hapi[\\/]hapi[\\/]lib[\\/][^\\/]+$/.test(from);
}

/** Whether a require() of `request` from `parent` is hapi loading its own request module. */
function isHapiRequestModule(request: unknown, parent: unknown): boolean {
  if (request !== './request' || patchedHapi) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]@hapi[\\/]hapi[\\/]lib[\\/][^\\/]+$/.test(from);
}

/**
 * A route's handler that leaves the route's `pattern` on the request it is called with (its first
 * argument), then runs `handler` as it was called: one wrapper per route, made when the route is
 * added, so the request's cost is a property set. A router mounted under a prefix that it cut from
 * `req.url`, keeping the URL as it came in `req.originalUrl` (connect's way, polka's sub-apps), has
 * its patterns under that prefix.
 */
function routedHandler(handler: AnyFunction, pattern: string): AnyFunction {
  const routed = function (this: unknown, req: unknown, res: unknown, a: unknown, b: unknown, c: unknown) {
    if (enabled) leave(req, kRoute, underMount(req, pattern));
    // As routers call it, without an arguments object (every request of the server): find-my-way
    // with five arguments, trouter's users (polka) with three, or two for a lone handler.
    switch (arguments.length) {
      case 5:
        return handler.call(this, req, res, a, b, c);
      case 3:
        return handler.call(this, req, res, a);
      case 2:
        return handler.call(this, req, res);
      default:
        return Reflect.apply(handler, this, arguments);
    }
  };
  Object.defineProperties(routed, Object.getOwnPropertyDescriptors(handler));
  return routed;
}

/**
 * `pattern` under the prefix a mounted router cut from the request's URL, if any (the whole path
 * when it cut it all, leaving `/`: the mounted router's root route, `/api/` as express names it).
 */
function underMount(req: unknown, pattern: string): string {
  if (typeof req !== 'object' || req === null) return pattern;
  const { originalUrl, url } = req as { originalUrl?: unknown; url?: unknown };
  if (typeof originalUrl !== 'string' || originalUrl === url || typeof url !== 'string') return pattern;
  if (originalUrl.endsWith(url)) return `${originalUrl.slice(0, originalUrl.length - url.length)}${pattern}`;
  if (url !== '/') return pattern;
  const query = originalUrl.indexOf('?');
  return `${query >= 0 ? originalUrl.slice(0, query) : originalUrl}${pattern}`;
}

/**
 * Wraps a router's method `key` that adds a route: its pattern what `patternOf` reads from the
 * arguments, its handler the argument at `handlersFrom` (every argument from there on when `rest`).
 */
function wrapAdd(
  proto: Record<string, unknown>,
  key: string,
  patternOf: (args: unknown[]) => unknown,
  handlersFrom: number,
  rest: boolean,
  /** Whether the handler at `i` is the program's own (not a framework's: fastify's, see patchFindMyWay). */
  programs: (args: unknown[], i: number) => boolean = () => true,
): void {
  const add = proto[key] as AnyFunction;
  const patched = {
    [key](this: unknown, ...args: unknown[]) {
      const pattern = patternOf(args);
      if (enabled && typeof pattern === 'string' && !wildcard(pattern)) {
        const last = rest ? args.length : handlersFrom + 1;
        for (let i = handlersFrom; i < last; i++) {
          if (typeof args[i] !== 'function') continue;
          const handler = programs(args, i) ? handledBy(args[i] as AnyFunction) : (args[i] as AnyFunction);
          args[i] = routedHandler(handler, pattern);
        }
      }
      return Reflect.apply(add, this, args);
    },
  }[key];
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(add));
  proto[key] = patched;
}

let patchedRouter = false;

function patchFindMyWay(exported: unknown): void {
  const proto = (exported as { prototype?: Record<string, unknown> } | null)?.prototype;
  if (patchedRouter || proto === undefined || typeof proto._on !== 'function') return;
  patchedRouter = true;
  // _on(method, path, opts, handler, store, the path as written)
  wrapAdd(proto, '_on', (args) => (typeof args[5] === 'string' ? args[5] : args[1]), 3, false, fastifysOwn);
}

/**
 * Whether find-my-way's `_on` is given fastify's own handler, and the program's in the store: the
 * route's context, whose `handler` (the program's, bound to its instance) fastify calls for each
 * request — then wrapped there (routeHandlers.ts), once. Inside the program's `fastify.get(…)` (or
 * `route`: fastify 4 and 5 add the route to their router before it returns), where the program's
 * code gives the route is noted with the function it was given (fastifyAdding), so that a handler
 * returning a plain value — which fastify sends once it has returned, with nothing of the tracer's
 * run inside it — is placed from its source.
 */
function fastifysOwn(args: unknown[]): boolean {
  const context = args[4] as { handler?: unknown } | null | undefined;
  if (typeof context !== 'object' || context === null || typeof context.handler !== 'function') return true;
  try {
    const bound = context.handler as AnyFunction;
    if (fastifyAdding !== null) writtenIn(bound, null, fastifysOwn, fastifyAdding);
    context.handler = handledBy(bound);
  } catch {
    // a context that cannot be changed: the listen line
  }
  return false;
}

/**
 * The function the program gives fastify as a route's handler while fastify adds that route
 * (patchFastifyRouting), else null: what fastify's context holds is it bound to the instance, whose
 * source (`[native code]`) places nothing.
 */
let fastifyAdding: AnyFunction | null = null;

let patchedFastifyRouting = false;

/**
 * fastify's lib/route.js: `buildRouting()` makes each fastify's router, whose `route(…)` and
 * `prepareRoute(…)` (every shorthand: `get`, `post`…) the instance calls as `router.route.call(…)`
 * for each route the program adds. Both are wrapped on the object made (not the module's functions:
 * once per fastify made), to set fastifyAdding to the route's handler while they run.
 */
function patchFastifyRouting(exported: unknown): void {
  const module = exported as Record<string, unknown> | null;
  if (patchedFastifyRouting || module === null || typeof module.buildRouting !== 'function') return;
  patchedFastifyRouting = true;
  const buildRouting = module.buildRouting as AnyFunction;
  const patched = {
    buildRouting(this: unknown) {
      const router = Reflect.apply(buildRouting, this, arguments) as Record<string, unknown> | null;
      if (enabled && typeof router === 'object' && router !== null) {
        try {
          addingRoute(router, 'route', (spec) => handlerIn(spec.options));
          // (A shorthand's handler is its third argument, or its second in place of options.)
          addingRoute(router, 'prepareRoute', (spec) =>
            typeof spec.handler === 'function'
              ? spec.handler
              : typeof spec.options === 'function'
                ? spec.options
                : handlerIn(spec.options),
          );
        } catch {
          // a router of another shape: the listen line for a plain handler
        }
      }
      return router;
    },
  }.buildRouting;
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(buildRouting));
  module.buildRouting = patched;
}

/** What fastify's `route` and `prepareRoute` are given: `{ options }`, or `{ method, url, options, handler }`. */
interface RouteSpec {
  options?: unknown;
  handler?: unknown;
}

/** The `handler` of a route's options, if they are an object. */
const handlerIn = (options: unknown): unknown =>
  typeof options === 'object' && options !== null ? (options as { handler?: unknown }).handler : undefined;

/** `router[key]`, one of fastify's router's methods that adds a route, wrapped to set fastifyAdding as it runs. */
function addingRoute(
  router: Record<string, unknown>,
  key: string,
  handlerOf: (spec: RouteSpec) => unknown,
): void {
  const add = router[key];
  if (typeof add !== 'function') return;
  const patched = {
    [key](this: unknown, spec: unknown) {
      if (!enabled || typeof spec !== 'object' || spec === null) return Reflect.apply(add, this, arguments);
      let handler: unknown = null;
      try {
        handler = handlerOf(spec as RouteSpec);
      } catch {
        // options whose handler cannot be read: fastify says so itself
      }
      const outer = fastifyAdding;
      fastifyAdding = typeof handler === 'function' ? (handler as AnyFunction) : null;
      try {
        return Reflect.apply(add, this, arguments);
      } finally {
        fastifyAdding = outer;
      }
    },
  }[key];
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(add));
  router[key] = patched;
}

/** Whether a require() of `request` from `parent` is fastify loading its routing module. */
function isFastifyRouteModule(request: unknown, parent: unknown): boolean {
  if (request !== './lib/route' || patchedFastifyRouting) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]fastify[\\/]fastify\.js$/.test(from);
}

let patchedTrouter = false;

function patchTrouter(exported: unknown): void {
  // trouter 2 exports its class; later ones export it by name as well.
  const Trouter = (exported as { Trouter?: unknown } | null)?.Trouter ?? exported;
  const proto = (Trouter as { prototype?: Record<string, unknown> } | null)?.prototype;
  if (patchedTrouter || proto === undefined || typeof proto.add !== 'function') return;
  patchedTrouter = true;
  // add(method, pattern, ...handlers)
  wrapAdd(proto, 'add', (args) => args[1], 2, true);
}

let patchedExpressRoute = false;
let patchedRouterRoute = false;

/**
 * express's `Route` (express 4's own, or the `router` package's that express 5 uses), whose methods
 * (`route.get(...handlers)`, which `app.get(path, ...handlers)` calls, and `route.all`) make a layer
 * per handler: each layer's `handle`, which its `handleRequest` (`handle_request`) reads for every
 * request, becomes the handler's wrapper (routeHandlers.ts).
 */
function patchRoute(exported: unknown): void {
  const proto = (exported as { prototype?: Record<string, unknown> } | null)?.prototype;
  if (proto === undefined || typeof proto.dispatch !== 'function') return;
  for (const key of Object.keys(proto)) {
    if (key === 'dispatch' || key.startsWith('_') || typeof proto[key] !== 'function') continue;
    const add = proto[key] as AnyFunction;
    const patched = {
      [key](this: { stack?: unknown }) {
        const before = Array.isArray(this?.stack) ? this.stack.length : -1;
        const result = Reflect.apply(add, this, arguments);
        if (enabled && before >= 0) handleLayers(this.stack as unknown[], before);
        return result;
      },
    }[key];
    Object.defineProperties(patched, Object.getOwnPropertyDescriptors(add));
    proto[key] = patched;
  }
}

/** The handlers of the layers of `stack` from `from` on, each wrapped by routeHandlers.ts. */
function handleLayers(stack: unknown[], from: number): void {
  for (let i = from; i < stack.length; i++) {
    const layer = stack[i] as { handle?: unknown } | null;
    if (layer === null || typeof layer !== 'object' || typeof layer.handle !== 'function') continue;
    try {
      layer.handle = handledBy(layer.handle as AnyFunction);
    } catch {
      // a layer that cannot be changed: the listen line
    }
  }
}

/**
 * Whether a require() of `request` from `parent` is express 4's router, or the `router` package,
 * loading its `Route` module.
 */
function routeModule(request: unknown, parent: unknown): 'express' | 'router' | null {
  if (request !== './route' && request !== './lib/route') return null;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  if (typeof from !== 'string') return null;
  if (request === './route' && !patchedExpressRoute && /[\\/]lib[\\/]router[\\/]index\.js$/.test(from))
    return 'express';
  if (request === './lib/route' && !patchedRouterRoute && /[\\/]router[\\/]index\.js$/.test(from))
    return 'router';
  return null;
}

let patchedKoaRouter = false;

/**
 * @koa/router (or koa-router): `register(path, methods, middleware)`, which every route goes
 * through, returns the route's layer, whose `stack` (its handlers) the router reads for each
 * request: a route's handlers (a layer with methods: not `router.use`'s) become their wrappers.
 */
function patchKoaRouter(exported: unknown): void {
  const proto = (exported as { prototype?: Record<string, unknown> } | null)?.prototype;
  if (patchedKoaRouter || proto === undefined || typeof proto.register !== 'function') return;
  patchedKoaRouter = true;
  const register = proto.register as AnyFunction;
  const patched = {
    register(this: unknown) {
      const layer = Reflect.apply(register, this, arguments) as { stack?: unknown; methods?: unknown } | null;
      if (
        enabled &&
        typeof layer === 'object' &&
        layer !== null &&
        Array.isArray(layer.stack) &&
        Array.isArray(layer.methods) &&
        layer.methods.length > 0
      ) {
        const stack = layer.stack as unknown[];
        for (let i = 0; i < stack.length; i++)
          if (typeof stack[i] === 'function') stack[i] = handledBy(stack[i] as AnyFunction, null, true);
      }
      return layer;
    },
  }.register;
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(register));
  proto.register = patched;
}

let patchedHono = false;

/**
 * Hono's `Context`, made by Hono for each request with the request's bindings (`env`), as a class
 * that leaves each context on the node request @hono/node-server binds as `env.incoming`. A proxy
 * of the class: the same prototype, name and statics, `instanceof` as before.
 */
function honoContextClass(Context: AnyFunction): AnyFunction {
  return new Proxy(Context, {
    construct(target, args, newTarget) {
      const context = Reflect.construct(target, args, newTarget) as object;
      if (enabled) {
        const incoming = (args[1] as { env?: { incoming?: unknown } } | null | undefined)?.env?.incoming;
        leave(incoming, kHono, context);
      }
      return context;
    },
  });
}

/** Hono's context module, required (CommonJS): its `Context` export becomes honoContextClass's. */
function patchHono(exported: unknown): void {
  const module = exported as { Context?: unknown } | null;
  const Context = module?.Context;
  if (patchedHono || typeof Context !== 'function') return;
  patchedHono = true;
  try {
    (module as { Context: unknown }).Context = honoContextClass(Context as AnyFunction);
  } catch {
    // an export that cannot be set (a getter): raw paths
  }
}

/** Hono's routers already given a wrapped `add` (one router can serve several apps: `basePath`). */
const honoRouters = new WeakSet<object>();

/**
 * A Hono app's router, whose `add(method, path, [handler, route])` every route goes through
 * (`app.get`, `app.on`, `app.use`, `app.route`'s sub-app): given an `add` of its own that wraps
 * each route's handler (routeHandlers.ts) in the array Hono keeps it in, where its dispatch reads
 * the function it calls for each request. A bare wildcard's (`app.use(mw)`, every path) is left as
 * it is, as it names no request either. The array's `route` (`app.routes`) keeps the program's own.
 */
function honoRouter(router: unknown): void {
  if (typeof router !== 'object' || router === null || honoRouters.has(router)) return;
  const add = (router as { add?: unknown }).add;
  if (typeof add !== 'function') return;
  honoRouters.add(router);
  const patched = {
    add(this: unknown, _method: unknown, path: unknown, handler: unknown) {
      if (
        enabled &&
        typeof path === 'string' &&
        !wildcard(path) &&
        Array.isArray(handler) &&
        typeof handler[0] === 'function'
      )
        handler[0] = handledBy(handler[0] as AnyFunction, honoAnswers);
      return Reflect.apply(add, this, arguments);
    },
  }.add;
  try {
    Object.defineProperties(patched, Object.getOwnPropertyDescriptors(add));
    (router as { add: unknown }).add = patched;
  } catch {
    // a router that cannot be changed: the listen line
  }
}

/** What a Hono handler calls on its context to answer: each an own property of the context. */
const HONO_ANSWERS = ['json', 'text', 'html', 'body', 'newResponse', 'redirect', 'notFound', 'render'];

/**
 * A Hono handler's probe (routeHandlers.ts Probe): a handler that answers at once (`(c) => c.json(…)`)
 * makes no promise, and @hono/node-server writes its response after it returns, so the tracer would
 * hear nothing of its run; while one of its first runs is looked at, its context's answering
 * functions (own properties of each context, which Hono makes for each request) call the look
 * first. The context's own are put back as the handler's synchronous part returns.
 */
function honoAnswers(args: ArrayLike<unknown>): (() => void) | null {
  const context = args[0] as Record<string, unknown> | null | undefined;
  if (typeof context !== 'object' || context === null) return null;
  const saved: Array<[string, unknown]> = [];
  for (const key of HONO_ANSWERS) {
    const answer = context[key];
    if (typeof answer !== 'function' || !Object.prototype.hasOwnProperty.call(context, key)) continue;
    saved.push([key, answer]);
    context[key] = function (this: unknown) {
      lookAtHandler();
      return Reflect.apply(answer as AnyFunction, this, arguments);
    };
  }
  if (saved.length === 0) return null;
  return () => {
    for (const [key, answer] of saved) context[key] = answer;
  };
}

/**
 * Hono's `Hono` class (`hono`'s, and the presets' `hono/quick` and `hono/tiny`, each setting its
 * router in its constructor), as a proxy whose apps have their router's `add` wrapped (honoRouter)
 * once made: the same prototype, name and statics, `instanceof` and subclasses as before.
 */
function honoAppClass(Hono: AnyFunction): AnyFunction {
  return new Proxy(Hono, {
    construct(target, args, newTarget) {
      const app = Reflect.construct(target, args, newTarget) as { router?: unknown };
      if (enabled) {
        try {
          honoRouter(app.router);
        } catch {
          // an app of another shape: the listen line
        }
      }
      return app;
    },
  });
}

const patchedHonoApps = new WeakSet<object>();

/** A Hono module that exports `Hono` (required: CommonJS): its export becomes honoAppClass's. */
function patchHonoApp(exported: unknown): void {
  const module = exported as { Hono?: unknown } | null;
  const Hono = module?.Hono;
  if (module === null || typeof Hono !== 'function' || patchedHonoApps.has(module)) return;
  patchedHonoApps.add(module);
  try {
    (module as { Hono: unknown }).Hono = honoAppClass(Hono as AnyFunction);
  } catch {
    // an export that cannot be set (a getter): the listen line
  }
}

/** Whether a require() of `request` from `parent` loads a Hono module that exports `Hono` (CommonJS). */
function isHonoAppModule(request: unknown, parent: unknown): boolean {
  if (request === 'hono/quick' || request === 'hono/tiny') return true;
  if (request !== './hono.js' && request !== './hono') return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]hono[\\/]dist[\\/]cjs[\\/]index\.js$/.test(from);
}

let patchedNest = false;

/**
 * Nest's `RouterExecutionContext`, whose `create(instance, callback, …)` makes the function a
 * route's requests run (express's layer or fastify's route calls Nest's route proxy, which calls
 * it): it calls the controller's method as `callback.apply(instance, args)`, after the guards and
 * pipes, and hands the same `callback` to guards and interceptors (`context.getHandler()`, whose
 * decorators' metadata reflect-metadata keeps by identity) — so the method keeps its identity and
 * is given an `apply` of its own (routeHandlers.ts appliedBy). A request-scoped controller's
 * `create` runs for each request, with the same method: given its `apply` once.
 */
function patchNestRouter(exported: unknown): void {
  const proto = (exported as { RouterExecutionContext?: { prototype?: Record<string, unknown> } } | null)
    ?.RouterExecutionContext?.prototype;
  if (patchedNest || proto === undefined || typeof proto.create !== 'function') return;
  patchedNest = true;
  const create = proto.create as AnyFunction;
  const patched = {
    create(this: unknown, _instance: unknown, callback: unknown) {
      if (enabled && typeof callback === 'function') appliedBy(callback as AnyFunction);
      return Reflect.apply(create, this, arguments);
    },
  }.create;
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(create));
  proto.create = patched;
}

/** Whether a require() of `request` from `parent` is Nest's router loading its execution context. */
function isNestRouterModule(request: unknown, parent: unknown): boolean {
  if (request !== './router-execution-context' || patchedNest) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]@nestjs[\\/]core[\\/]router[\\/][^\\/]+$/.test(from);
}

/** Nest's decorator modules already given a hand: request-mapping's, sse's (each once). */
const patchedNestDecorators = new Set<string>();

/**
 * A route decorator Nest's `RequestMapping` (or `Sse`) returned — `@Get()`, `@Post()`… all call
 * `RequestMapping` — that notes where the route's method is written as it decorates it (the class's
 * module runs the decorators as the class is defined: routeHandlers.ts writtenIn), then decorates as
 * Nest's does. A method the tracer hears nothing of as it runs (one answering a plain value, an
 * Observable) is placed from there.
 */
function nestRouteDecorator(decorate: AnyFunction): AnyFunction {
  // (Three parameters, as the decorator's: `key` is not read.)
  const noted = function (this: unknown, target: unknown, _key: unknown, descriptor: unknown) {
    if (enabled) {
      try {
        const owner =
          typeof target === 'function' ? target : (target as { constructor?: unknown } | null)?.constructor;
        writtenIn((descriptor as { value?: unknown } | null | undefined)?.value, owner, noted);
      } catch {
        // never disturb the program
      }
    }
    return Reflect.apply(decorate, this, arguments);
  };
  Object.defineProperties(noted, Object.getOwnPropertyDescriptors(decorate));
  return noted;
}

/**
 * Nest's module of route decorators (`@nestjs/common`'s request-mapping.decorator.js, whose
 * `createMappingDecorator` reads `exports.RequestMapping` at each `@Get()`; sse.decorator.js): the
 * export `key` returns nestRouteDecorator's. The export stays a function of the same name and length.
 */
function patchNestDecorator(exported: unknown, key: string): void {
  const module = exported as Record<string, unknown> | null;
  if (patchedNestDecorators.has(key) || module === null || typeof module[key] !== 'function') return;
  patchedNestDecorators.add(key);
  const original = module[key] as AnyFunction;
  const patched = {
    [key](this: unknown) {
      const decorate = Reflect.apply(original, this, arguments);
      return enabled && typeof decorate === 'function'
        ? nestRouteDecorator(decorate as AnyFunction)
        : decorate;
    },
  }[key];
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  module[key] = patched;
}

/** The export of Nest's route decorators a require() of `request` from `parent` loads, or null. */
function nestDecoratorModule(request: unknown, parent: unknown): string | null {
  const key =
    request === './request-mapping.decorator'
      ? 'RequestMapping'
      : request === './sse.decorator'
        ? 'Sse'
        : null;
  if (key === null || patchedNestDecorators.has(key)) return null;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]@nestjs[\\/]common[\\/]decorators[\\/]http[\\/][^\\/]+$/.test(from)
    ? key
    : null;
}

let patchedH3 = false;

/**
 * h3's `createRouter`, whose routers leave each route's pattern on the node request an event
 * carries (`event.node.req`) as the route's handler is called: the router is given each route's
 * pattern with its handler (`router.add(path, handler, method)`, which `router.get(…)` and
 * `router.use(…)` call) but keeps the match on the event (`event.context.matchedRoute`), which the
 * node request does not reach. A router's handlers are called with the event alone.
 */
function h3CreateRouter(createRouter: AnyFunction): AnyFunction {
  const patched = function (this: unknown) {
    const router = Reflect.apply(createRouter, this, arguments) as Record<string, unknown>;
    try {
      const add = router.add;
      if (typeof add === 'function') {
        const routedAdd = function (this: unknown, path: unknown, handler: unknown, method: unknown) {
          if (enabled && typeof path === 'string' && !wildcard(path) && typeof handler === 'function')
            return Reflect.apply(add, this, [
              path,
              h3Routed(handledBy(handler as AnyFunction), path),
              method,
            ]);
          return Reflect.apply(add, this, arguments);
        };
        router.add = routedAdd;
        if (router.use === add) router.use = routedAdd;
      }
    } catch {
      // a router of another shape: raw paths
    }
    return router;
  };
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(createRouter));
  return patched;
}

/** An h3 route's handler that leaves `pattern` on the event's node request, then runs `handler`. */
function h3Routed(handler: AnyFunction, pattern: string): AnyFunction {
  const routed = function (this: unknown, event: unknown) {
    if (enabled) {
      const req = (event as { node?: { req?: unknown } } | null | undefined)?.node?.req;
      leave(req, kRoute, underMount(req, pattern));
    }
    return arguments.length === 1 ? handler.call(this, event) : Reflect.apply(handler, this, arguments);
  };
  // (h3 takes a handler as it is when it carries its marks: `__is_handler__`, `__resolve__`.)
  Object.defineProperties(routed, Object.getOwnPropertyDescriptors(handler));
  return routed;
}

/** h3, required (CommonJS): its `createRouter` export becomes h3CreateRouter's. */
function patchH3(exported: unknown): void {
  const module = exported as { createRouter?: unknown } | null;
  const createRouter = module?.createRouter;
  if (patchedH3 || typeof createRouter !== 'function') return;
  patchedH3 = true;
  try {
    (module as { createRouter: unknown }).createRouter = h3CreateRouter(createRouter as AnyFunction);
  } catch {
    // an export that cannot be set (a getter): raw paths
  }
}

/**
 * ES modules a route name needs a hand in, as startFrameworks gives one to CommonJS modules: an ES
 * module's exports cannot be set from outside, but Node's ES module loader reads each module's
 * source through `fs` — `fs.promises.readFile(url)` on Node 20, `fs.readFileSync(url)` on 22 and
 * 24 (a URL object in both) — so the tracer hears the read of a module it knows and adds one
 * statement after its last line (no line of it moves) that hands the class the module exports to
 * the tracer and binds what comes back. The module's own code and every importer use the new
 * class through the live binding. Each entry: the end of the module's file URL, a test that the
 * source is the one expected (any other version is left as it is: raw paths), the binding, and
 * what the class becomes. Hono's `dist/context.js` (`var Context = class …`, exported by name);
 * h3's `dist/index.mjs` (`function createRouter(…)`: a module's function declaration is a binding
 * the statement can set, as a `var` is).
 */
const ES_MODULES: ReadonlyArray<{
  suffix: string;
  expect: RegExp;
  binding: string;
  patch: (value: AnyFunction) => AnyFunction;
}> = [
  {
    suffix: '/hono/dist/context.js',
    expect: /^var Context = class\b[\s\S]*^export \{[^}]*\bContext\b/m,
    binding: 'Context',
    patch: honoContextClass,
  },
  ...['/hono/dist/hono.js', '/hono/dist/preset/quick.js', '/hono/dist/preset/tiny.js'].map((suffix) => ({
    suffix,
    expect: /^var Hono = class extends\b[\s\S]*^export \{[^}]*\bHono\b/m,
    binding: 'Hono',
    patch: honoAppClass,
  })),
  {
    suffix: '/h3/dist/index.mjs',
    expect: /^function createRouter\(opts = \{\}\) \{[\s\S]*^export \{[^}]*\bcreateRouter\b/m,
    binding: 'createRouter',
    patch: h3CreateRouter,
  },
];
/** Where the statement a module is given finds the tracer's hand (the tracer's hidden global). */
const GUARD = Symbol.for('looplens.tracer');

/** The entry of ES_MODULES for the module at `url` (a file URL object), or -1. */
function esModuleAt(url: unknown): number {
  if (!(url instanceof URL) || url.protocol !== 'file:') return -1;
  const href = url.href;
  for (let i = 0; i < ES_MODULES.length; i++) if (href.endsWith(ES_MODULES[i].suffix)) return i;
  return -1;
}

/** The source of ES_MODULES[`i`] with its statement added, or null if it is not the one expected. */
function esModuleSource(i: number, source: unknown): Buffer | null {
  if (!Buffer.isBuffer(source)) return null;
  const entry = ES_MODULES[i];
  const text = source.toString('utf8');
  if (!entry.expect.test(text)) return null;
  const hand = `globalThis[Symbol.for(${JSON.stringify(GUARD.description)})]?.esModule?.(${i}, ${entry.binding})`;
  return Buffer.from(`${text}\n;${entry.binding} = ${hand} ?? ${entry.binding};\n`, 'utf8');
}

/** What the statement an ES module was given calls: its entry's patch of `value`, or nothing. */
function esModuleHand(index: unknown, value: unknown): unknown {
  if (!enabled || typeof index !== 'number' || typeof value !== 'function') return undefined;
  try {
    return ES_MODULES[index]?.patch(value as AnyFunction);
  } catch {
    return undefined;
  }
}

/**
 * Hears the ES module loader read the modules of ES_MODULES (see there). Node 20's loader reads
 * through `fs.promises`, which is made (internal/fs/promises, and the modules it loads: fs's `Dir`,
 * its watchers, readline's `Interface`) only when the first ES module is read or the program asks
 * for it: reading it at the start cost 5.5 M instructions before the program's first line. Its
 * `readFile` is patched the moment it is made (builtins.ts), before anyone can call it.
 */
function watchEsModules(): void {
  const guard = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[GUARD];
  if (guard === undefined) return;
  guard.esModule = esModuleHand;
  whenLoaded('internal/fs/promises', patchPromisesReadFile);
  const readFileSync = fs.readFileSync as unknown as AnyFunction;
  const patchedSync = {
    readFileSync(this: unknown, path: unknown) {
      const source = Reflect.apply(readFileSync, this, arguments);
      const i = arguments.length === 1 && enabled ? esModuleAt(path) : -1;
      return i < 0 ? source : (esModuleSource(i, source) ?? source);
    },
  }.readFileSync;
  Object.defineProperties(patchedSync, Object.getOwnPropertyDescriptors(readFileSync));
  (fs as unknown as Record<string, unknown>).readFileSync = patchedSync;
}

/** `fs.promises.readFile`, patched to hear the ES module loader of Node 20 read ES_MODULES. */
function patchPromisesReadFile(): void {
  const promises = fs.promises as unknown as Record<string, unknown>;
  const readFile = promises.readFile;
  if (typeof readFile !== 'function') return;
  const original = readFile as AnyFunction;
  const patched = {
    readFile(this: unknown, path: unknown) {
      const read = Reflect.apply(original, this, arguments) as Promise<unknown>;
      const i = arguments.length === 1 && enabled ? esModuleAt(path) : -1;
      if (i < 0) return read;
      return read.then((source) => esModuleSource(i, source) ?? source);
    },
  }.readFile;
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(original));
  promises.readFile = patched;
}

/** Whether a require() of `request` from `parent` is Hono (CommonJS) loading its context module. */
function isHonoContextModule(request: unknown, parent: unknown): boolean {
  if ((request !== './context.js' && request !== './context') || patchedHono) return false;
  const from = (parent as { filename?: unknown } | null | undefined)?.filename;
  return typeof from === 'string' && /[\\/]hono[\\/]dist[\\/]cjs[\\/][^\\/]+$/.test(from);
}

/**
 * Run once, at the program's first `require()` after its main module began to load (not at the
 * main module's own load, which comes before its first line): see onFirstRequire.
 */
let firstRequire: (() => void) | null = null;

/**
 * The module `node -e` runs its own wrapper in, which requires before the program's code runs
 * (lib/internal/process/execution.js evalScript; the program's code is `[eval]`'s, Node 20 to 24).
 */
const EVAL_WRAPPER = '<eval>';

/**
 * Has `fn` run at the program's first `require()` (of anything, a built-in too) after its main
 * module began, before the module asked for loads; null: not any more. The block sampler starts
 * there if the script's first stint has not ended before (index.ts).
 */
export function onFirstRequire(fn: (() => void) | null): void {
  firstRequire = fn;
}

/** Watches `require` for the frameworks whose route this needs a hand to read. */
export function startFrameworks(): void {
  const M = moduleClass() as { _load?: AnyFunction };
  const load = M._load;
  if (typeof load !== 'function') return;
  const patched = function (this: unknown, request: unknown, parent: unknown) {
    // (Module._load's third argument: whether this is the main module's load.)
    if (
      firstRequire !== null &&
      arguments[2] !== true &&
      (parent as { id?: unknown } | null | undefined)?.id !== EVAL_WRAPPER
    ) {
      const first = firstRequire;
      firstRequire = null;
      try {
        first();
      } catch {
        // never disturb the program
      }
    }
    const exported = Reflect.apply(load, this, arguments);
    if (!enabled) return exported;
    let nestDecorator: string | null;
    try {
      const route = routeModule(request, parent);
      if (route === 'express') {
        patchedExpressRoute = true;
        patchRoute(exported);
      } else if (route === 'router') {
        patchedRouterRoute = true;
        patchRoute(exported);
      } else if ((request === '@koa/router' || request === 'koa-router') && !patchedKoaRouter)
        patchKoaRouter(exported);
      else if (request === 'koa' && !patchedKoa) patchKoa(exported);
      else if (request === 'find-my-way' && !patchedRouter) patchFindMyWay(exported);
      else if (request === 'trouter' && !patchedTrouter) patchTrouter(exported);
      else if (isFastifyRouteModule(request, parent)) patchFastifyRouting(exported);
      else if (isHapiRequestModule(request, parent)) patchHapiRequest(exported);
      else if (isHapiHandlerModule(request, parent)) patchHapiHandler(exported);
      else if (isHonoContextModule(request, parent)) patchHono(exported);
      else if (isHonoAppModule(request, parent)) patchHonoApp(exported);
      else if (isNestRouterModule(request, parent)) patchNestRouter(exported);
      else if ((nestDecorator = nestDecoratorModule(request, parent)) !== null)
        patchNestDecorator(exported, nestDecorator);
      else if (request === 'h3' && !patchedH3) patchH3(exported);
    } catch {
      // never disturb the program
    }
    return exported;
  };
  Object.defineProperties(patched, Object.getOwnPropertyDescriptors(load));
  M._load = patched;
  try {
    // (A route's handler placed from its source reads the code a loader compiled: sourceNames.ts.)
    keepCompiled((M as { prototype?: Record<string, unknown> }).prototype);
  } catch {
    // the file's text on disk
  }
  try {
    watchEsModules();
  } catch {
    // raw paths for ES modules
  }
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
