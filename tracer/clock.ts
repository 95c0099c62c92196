/**
 * The trace clock: ms since Node's `performance.timeOrigin`, what `performance.now()` reads, taken
 * from the same source (libuv's hrtime) through `process.hrtime()`. Shared by the tracer
 * (engine.ts) and its watchdog thread (watchdogWorker.ts), each of which finds where a clock of the
 * performance.now() kind starts on hrtime's scale (`hrOrigin`).
 */

const hrtime = process.hrtime;

/** process.hrtime() in ms. */
export function hrMs(): number {
  const t = hrtime();
  return t[0] * 1e3 + t[1] / 1e6;
}

/**
 * Where `read` (a clock of ms since some origin) reads 0, on process.hrtime()'s scale in ms: the
 * narrowest of `brackets` brackets of an hrtime reading between two of `read` (the first calls are
 * slow ones).
 */
export function hrOrigin(read: () => number, brackets = 8): number {
  let origin = 0;
  let width = Infinity;
  for (let i = 0; i < brackets; i++) {
    const before = read();
    const t = hrMs();
    const after = read();
    if (after - before < width) {
      width = after - before;
      origin = t - (before + after) / 2;
    }
  }
  return origin;
}

/**
 * performance.now()'s clock without loading node:perf_hooks (3.4 M instructions of every traced
 * start on Node 20, its dozen modules for one clock and a counter): an `Event`'s `timeStamp` is
 * read from it (Node 15 on: lib/internal/event_target.js, `now()` of internal/perf/utils, the
 * function behind performance.now()), and `Event` is loaded before any program runs. Where that is
 * not so (the stamp is not on a clock of the process's own), performance.now() itself.
 */
export function performanceClock(): () => number {
  try {
    const Stamped = (globalThis as { Event?: new (type: string) => { timeStamp: unknown } }).Event;
    if (typeof Stamped === 'function') {
      const stamp = new Stamped('looplens').timeStamp;
      // ms since the process started (within a minute: under valgrind its start takes seconds), not
      // since the epoch.
      if (typeof stamp === 'number' && stamp >= 0 && stamp < process.uptime() * 1000 + 60_000)
        return () => new Stamped('looplens').timeStamp as number;
    }
  } catch {
    // no Event: below
  }
  const { performance } = module.require('node:perf_hooks') as typeof import('node:perf_hooks');
  return () => performance.now();
}
