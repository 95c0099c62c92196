/**
 * The tracer's options: one JSON object in the LOOPLENS_OPTIONS environment variable. This is the
 * single contract between whoever launches a traced program (the command line, the extension, a
 * person) and the tracer. Anything missing, unparsable or out of range leaves the tracer inert: the
 * program runs exactly as if it were not traced.
 */

import { DEFAULT_BLOCK_MS } from '../protocol/format';

export const OPTIONS_ENV = 'LOOPLENS_OPTIONS';

export interface TracerOptions {
  /**
   * Live tracing: path of the reader's Unix domain socket (or Windows named pipe). Requires `token`.
   * Exactly one of `socket` and `out` is given.
   */
  socket?: string;
  /** Live tracing: the secret the reader gave this session (1–256 characters). */
  token?: string;
  /**
   * Live tracing: if the program ends before the reader has taken the connection (a program that
   * is over within its first turn of the loop, or blocked until its end), the trace is written to
   * this file instead, for the reader to pick up. "{pid}" is replaced by the process id.
   */
  spill?: string;
  /**
   * File tracing: path of the trace file to write. "{pid}" in it is replaced by the process id, so
   * several processes can each write their own file.
   */
  out?: string;
  /** A stint at least this long is a block, in milliseconds (1–60000; default 50). */
  blockMs: number;
  /**
   * "fast" (default): tasks from promises, HTTP, timers, immediates, callback APIs of fs, dns, zlib,
   * crypto and child_process, workers and named scopes, at a cost meant to be left on. "full": every
   * callback of every async resource as well (async_hooks), exact for any program, about 1.5× slower.
   */
  mode: 'fast' | 'full';
  /**
   * Where tasks were created and stints await: "sampled" (default) captures a stack for at most
   * `locationsPerSecond` new tasks per second, and a fifth of that for awaits; "off" captures none
   * for awaits. The stacks that decide lanes (who made a call, who set a timer) are read in both,
   * rationed per place, so that the lanes do not depend on this option.
   */
  locations: 'sampled' | 'off';
  /** Upper bound on creation-stack captures per second with locations "sampled" (default 500). */
  locationsPerSecond: number;
  /**
   * For benchmarks (bench/instructions.ts): with locations "sampled", each kind of stack capture may
   * be taken this many times in the whole run (0–1e9) instead of so many a second: rationed by count,
   * not by the clock, so that a count under callgrind takes the same captures in every run. Unset by
   * default.
   */
  locationsTotal?: number;
  /**
   * Find the line each block spent its time on by sampling the CPU while a block is under way, from a
   * watchdog thread (default true). Costs nothing while no stint runs longer than half the threshold.
   */
  blockSampler: boolean;
  /**
   * Also trace child processes that inherit the preload (default false: only the first process of the
   * session that runs user code is traced; package-manager wrappers such as npm are never traced).
   */
  children: boolean;
  /** Memory for event buffers, MiB (1–64; default 8). When it is full, events are dropped and counted. */
  bufferMiB: number;
  /** How often buffered events are sent, milliseconds (5–1000; default 25). */
  flushMs: number;
  /** How often event-loop delay is reported, milliseconds (20–10000; default 100). */
  lagMs: number;
  /** Append the tracer's own problems to this file (off by default: the tracer never prints). */
  logFile?: string;
  /**
   * How many times slower than at full speed the program runs (1–10000; default 1): a tool that
   * counts its instructions (valgrind's callgrind) slows a Node server hundreds of times. What the
   * tracer does by the clock — its flushes and lag reports, its checks of a stint by length (a long
   * stint's CPU wait, the mark of a turn that ran long), merging stints a moment apart, estimating
   * busy gaps, the block threshold it acts on — is scaled by it, so that it weighs on each piece of
   * the program's work about as it does at full speed. For benchmarks (bench/instructions.ts); the
   * trace's times are still the slowed clock's, and its header's block threshold the one given.
   */
  slowdown: number;
}

export const DEFAULTS: Omit<TracerOptions, 'socket' | 'token' | 'spill' | 'out' | 'logFile'> = {
  blockMs: DEFAULT_BLOCK_MS,
  mode: 'fast',
  locations: 'sampled',
  locationsPerSecond: 500,
  blockSampler: true,
  children: false,
  bufferMiB: 8,
  flushMs: 25,
  lagMs: 100,
  slowdown: 1,
};

export type ParseResult = { ok: true; options: TracerOptions } | { ok: false; error: string };

const MAX_ENV_BYTES = 16 * 1024;

/** Parses and checks LOOPLENS_OPTIONS. Never throws. */
export function parseOptions(text: string | undefined): ParseResult {
  if (text === undefined || text === '') return { ok: false, error: `${OPTIONS_ENV} is not set` };
  if (text.length > MAX_ENV_BYTES) return { ok: false, error: `${OPTIONS_ENV} is too long` };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: `${OPTIONS_ENV} is not valid JSON` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: `${OPTIONS_ENV} must be a JSON object` };
  }
  const o = raw as Record<string, unknown>;
  const options: TracerOptions = { ...DEFAULTS };
  const problems: string[] = [];

  const str = (key: 'socket' | 'token' | 'spill' | 'out' | 'logFile', max: number): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'string' || v.length === 0 || v.length > max || v.includes('\0')) {
      problems.push(`"${key}" must be a non-empty string of at most ${max} characters`);
    } else {
      options[key] = v;
    }
  };
  const num = (
    key: 'blockMs' | 'locationsPerSecond' | 'locationsTotal' | 'bufferMiB' | 'flushMs' | 'lagMs' | 'slowdown',
    min: number,
    max: number,
  ): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      problems.push(`"${key}" must be a number from ${min} to ${max}`);
    } else {
      options[key] = v;
    }
  };
  const bool = (key: 'blockSampler' | 'children'): void => {
    const v = o[key];
    if (v === undefined) return;
    if (typeof v !== 'boolean') problems.push(`"${key}" must be true or false`);
    else options[key] = v;
  };
  const choice = <K extends 'mode' | 'locations'>(key: K, allowed: readonly TracerOptions[K][]): void => {
    const v = o[key];
    if (v === undefined) return;
    if (!allowed.includes(v as TracerOptions[K])) {
      problems.push(`"${key}" must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    } else {
      options[key] = v as TracerOptions[K];
    }
  };

  str('socket', 4096);
  str('token', 256);
  str('spill', 4096);
  str('out', 4096);
  str('logFile', 4096);
  num('blockMs', 1, 60_000);
  num('locationsPerSecond', 0, 1_000_000);
  num('locationsTotal', 0, 1e9);
  num('bufferMiB', 1, 64);
  num('flushMs', 5, 1000);
  num('lagMs', 20, 10_000);
  num('slowdown', 1, 10_000);
  bool('blockSampler');
  bool('children');
  choice('mode', ['fast', 'full']);
  choice('locations', ['sampled', 'off']);

  if (options.socket !== undefined && options.out !== undefined) {
    problems.push('give either "socket" or "out", not both');
  }
  if (options.socket === undefined && options.out === undefined) {
    problems.push('give "socket" (live) or "out" (file): where to send the trace');
  }
  if (options.spill !== undefined && options.socket === undefined) {
    problems.push('"spill" goes with "socket"');
  }
  if (options.socket !== undefined && options.token === undefined) {
    problems.push('"socket" needs "token"');
  }
  if (problems.length > 0) return { ok: false, error: `${OPTIONS_ENV}: ${problems.join('; ')}` };
  return { ok: true, options };
}
