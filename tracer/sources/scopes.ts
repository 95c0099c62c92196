/**
 * User-named scopes: new AsyncResource('looplens:<name>') and runInAsyncScope.
 */
// Required, not imported as namespaces (see index.ts).
import asyncHooks = require('node:async_hooks');
import { Reason, TaskKind } from '../../protocol/format';
import { enabled, enter, leave } from '../engine';
import { kTask } from '../dishes';
import { captureLocation } from '../locations';
import { AnyFunction, Owned, callWith, copyProperties, replace } from './base';
import { childTask } from './http';

// ---------------------------------------------------------------------------------------------
// User-named scopes: new AsyncResource('looplens:<name>') is a task <name>; runInAsyncScope (and
// resource.bind) run as it.

export const SCOPE_PREFIX = 'looplens:';

export function patchAsyncResource(): void {
  const Base = asyncHooks.AsyncResource;
  // A subclass rather than a Proxy: every `new AsyncResource` (on-finished makes one per request
  // in express and koa) stays on V8's fast path; only a name with the prefix makes a task.
  class AsyncResource extends Base {
    constructor(type: string, options?: asyncHooks.AsyncResourceOptions) {
      super(type, options);
      if (enabled && typeof type === 'string' && type.startsWith(SCOPE_PREFIX)) {
        (this as Owned)[kTask] = childTask(
          TaskKind.User,
          type.slice(SCOPE_PREFIX.length) || 'scope',
          captureLocation(AsyncResource as unknown as AnyFunction, true),
        );
      }
    }

    static bind<Func extends AnyFunction>(fn: Func, type?: string, thisArg?: unknown): Func {
      const resource = new AsyncResource(type || fn?.name || 'bound-anonymous-fn');
      return (resource.bind as (fn: AnyFunction, thisArg?: unknown) => AnyFunction)(fn, thisArg) as Func;
    }
  }
  Object.defineProperty(AsyncResource, 'name', { value: Base.name });
  Object.defineProperty(AsyncResource, 'length', { value: Base.length });
  const run = Base.prototype.runInAsyncScope as AnyFunction;
  const patched = {
    runInAsyncScope(this: Owned, fn: unknown, thisArg: unknown, a: unknown) {
      const task = this[kTask];
      if (task === undefined || !enabled) {
        // Without an arguments copy for the common arities (on-finished runs one per request).
        return arguments.length <= 3
          ? callWith(run, this, arguments.length, fn, thisArg, a)
          : Reflect.apply(run, this, arguments);
      }
      enter(task, Reason.Scope);
      try {
        return arguments.length <= 3
          ? callWith(run, this, arguments.length, fn, thisArg, a)
          : Reflect.apply(run, this, arguments);
      } finally {
        leave();
      }
    },
  }.runInAsyncScope;
  copyProperties(patched, run);
  replace(Base.prototype, 'runInAsyncScope', patched);
  replace(asyncHooks, 'AsyncResource', AsyncResource as unknown as AnyFunction);
}
