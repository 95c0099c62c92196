/**
 * Full mode: async_hooks on top of fast mode, for programs whose work runs in callbacks the fast
 * sources do not see (a callback-style database driver, a raw `net` protocol). Every async resource
 * created while a task runs belongs to that task's strand, so its callbacks are stints of the task;
 * callbacks of resources that belong to no task are exact stints of untracked code, instead of the
 * estimate fast mode makes from the loop's idle time. It costs what async_hooks costs (an empty hook
 * alone takes a fifth of a busy server's throughput), which is why it is not the default.
 *
 * Promises are left to the promise hooks (promises.ts); resources the tracer makes for itself are
 * marked while it makes them and never traced.
 */
import asyncHooks = require('node:async_hooks');
import { Reason } from '../protocol/format';
import { kTag, kTask, logResource, willRun } from './dishes';
import { Strand, Task, current, enter, leave, taskOf, untrackedTask } from './engine';

const kOwn = Symbol('looplens.own');

type Resource = { [kTag]?: Strand; [kOwn]?: true; [kTask]?: Task };

/** Whether each open before() entered a stint. */
const entered: boolean[] = [];
let hook: asyncHooks.AsyncHook | null = null;
/** Set while the tracer creates resources of its own. */
let ownWork = false;

const REASONS: Record<string, number> = {
  Timeout: Reason.Timer,
  Immediate: Reason.Immediate,
  TickObject: Reason.Resume,
  MESSAGEPORT: Reason.Message,
  WORKER: Reason.Message,
};

function init(_id: number, type: string, _trigger: number, resource: object): void {
  if (type === 'PROMISE') return;
  const r = resource as Resource;
  if (ownWork) {
    r[kOwn] = true;
    return;
  }
  if (current === null) return;
  // Tagged like a promise and logged like a callback: re-tagged if it belongs to a dish.
  r[kTag] = current.base;
  logResource(r);
}

function before(): void {
  const r = asyncHooks.executionAsyncResource() as Resource | undefined;
  // Promise continuations are the promise hooks' (promises.ts): they say they resume code.
  if (r === undefined || r === null || r[kOwn] === true || r instanceof Promise) {
    entered.push(false);
    return;
  }
  // A resource that is a task of its own (a named scope) runs as it; others as their maker.
  const own = r[kTask];
  const record = r[kTag];
  const task: Task | null = own !== undefined ? own : record !== undefined ? taskOf(record) : untrackedTask;
  if (task === null) {
    entered.push(false);
    return;
  }
  const type = (r as { constructor?: { name?: string } }).constructor?.name ?? '';
  willRun(r);
  enter(task, REASONS[type] ?? Reason.Io);
  entered.push(true);
}

function after(): void {
  if (entered.pop() === true) leave();
}

export function startFullMode(): void {
  hook = asyncHooks.createHook({ init, before, after });
  hook.enable();
}

export function stopFullMode(): void {
  if (hook !== null) hook.disable();
  hook = null;
}

/** Runs `fn` with the resources it creates marked as the tracer's own. */
export function asOwnWork<T>(fn: () => T): T {
  const was = ownWork;
  ownWork = true;
  try {
    return fn();
  } finally {
    ownWork = was;
  }
}
