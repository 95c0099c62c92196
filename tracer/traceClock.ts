/**
 * The trace clock of the tracer's main thread (engine.ts and every part of the tracer read it).
 */
import { hrOrigin, performanceClock } from './clock';

/**
 * The clock: ms since `performance.timeOrigin`, what `performance.now()` reads, from the same
 * source (libuv's hrtime) through `process.hrtime()`, taken once (the program may replace either:
 * fake timers do). Node 20's `performance.now()` checks its receiver's brand (a `hasOwnProperty`
 * call) before its binding's: 220 instructions a reading, against 127 for `process.hrtime()` with
 * the pair it makes. The offset between the two is read once, between two readings of the other —
 * of an Event's time stamp, the same clock, without loading node:perf_hooks (clock.ts).
 */
const hrtime = process.hrtime;
/** Where the trace clock is 0 on process.hrtime()'s scale, ms (the watchdog thread's clock starts elsewhere). */
export const originMs = hrOrigin(performanceClock());
export const now = (): number => {
  const t = hrtime();
  return t[0] * 1e3 - originMs + t[1] / 1e6;
};
