/**
 * Workers: the main thread's side of a worker is a task.
 */
// Required, not imported as namespaces (see index.ts).
import workerThreads = require('node:worker_threads');
import { Reason, TaskKind } from '../../protocol/format';
import { enabled } from '../engine';
import { kTask } from '../dishes';
import { captureLocation } from '../locations';
import { AnyFunction, Owned, replace } from './base';
import { childTask, patchEmit } from './http';

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
}
