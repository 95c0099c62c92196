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
/**
 * Brackets of an Event's time stamp read for the origin, before every traced program's first line:
 * each is two Events made in the interpreter, some 68 k instructions on Node 20 (eight brackets
 * 0.85 M, two 0.44 M; 2026-12-07). The first is the slow one (Node's Event code compiled at its
 * first use); two more give the origin within one bracket's width (1.5-3 us at load 60; with three
 * or eight, within 0.3 us of the origin bracketed by performance.now() itself), and one of them may
 * be cut into by the scheduler.
 */
const ORIGIN_BRACKETS = 3;
/** Where the trace clock is 0 on process.hrtime()'s scale, ms (the watchdog thread's clock starts elsewhere). */
export const originMs = hrOrigin(performanceClock(), ORIGIN_BRACKETS);
export const now = (): number => {
  const t = hrtime();
  return t[0] * 1e3 - originMs + t[1] / 1e6;
};
