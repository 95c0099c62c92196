/**
 * Turning trace bytes into a Timeline: all at once (a file) or piece by piece (a live stream).
 */
import { ReadStats, TraceFormatError, TraceReader } from '../protocol/reader';
import { Timeline } from './timeline';

export interface LoadResult {
  timeline: Timeline;
  stats: ReadStats;
  /**
   * Set when the bytes stopped in the middle (the recording did not finish writing) or broke
   * (a damaged file), with `partial`: what came before is in the timeline.
   */
  truncated: TraceFormatError | null;
  /** The trace has no END record: the program was killed or the tracer could not finish. */
  unfinished: boolean;
}

export interface LoadOptions {
  /** Accept a trace that stops in the middle or breaks, keeping everything before the break. */
  partial?: boolean;
  /** Block threshold to use instead of the trace's own, ms. */
  blockMs?: number;
}

/** Reads a whole trace. Throws TraceFormatError for bytes that are not a usable trace. */
export function loadTrace(bytes: Uint8Array, options: LoadOptions = {}): LoadResult {
  const steps = loadTraceSteps(bytes, options, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/**
 * Reads a whole trace a slice of `sliceBytes` at a time, yielding the share read so far (0..1)
 * after each slice, so that a caller can show progress, let other work run, or stop (by not
 * asking for more) — a trace of tens of MB takes a noticeable while. Returns what loadTrace
 * returns, and throws what it throws.
 */
export function* loadTraceSteps(
  bytes: Uint8Array,
  options: LoadOptions = {},
  sliceBytes = LOAD_SLICE_BYTES,
): Generator<number, LoadResult, void> {
  const timeline = new Timeline(options.blockMs);
  const reader = new TraceReader(timeline);
  let truncated: TraceFormatError | null = null;
  try {
    for (let at = 0; at < bytes.length;) {
      const end = Math.min(bytes.length, at + sliceBytes);
      reader.push(at === 0 && end === bytes.length ? bytes : bytes.subarray(at, end));
      at = end;
      if (at < bytes.length) yield at / bytes.length;
    }
    reader.finish();
  } catch (error) {
    if (!(error instanceof TraceFormatError)) throw error;
    // Cut short or broken after its header: what came before the break can still be read.
    const cut = (error.code === 'truncated' || error.code === 'corrupt') && reader.meta !== null;
    if (!cut || !options.partial) throw error;
    truncated = error;
  }
  timeline.finish();
  return { timeline, stats: reader.stats, truncated, unfinished: !reader.ended };
}

/** How much of a trace loadTraceSteps reads between two yields: tens of ms of work. */
export const LOAD_SLICE_BYTES = 4 * 1024 * 1024;

/** A timeline fed from a live stream. */
export class LiveTrace {
  readonly timeline: Timeline;
  private readonly reader: TraceReader;

  constructor(blockMs?: number) {
    this.timeline = new Timeline(blockMs);
    this.reader = new TraceReader(this.timeline);
  }

  /** Adds bytes from the stream; throws TraceFormatError on bytes that break the format. */
  push(bytes: Uint8Array): void {
    this.reader.push(bytes);
  }

  get stats(): ReadStats {
    return this.reader.stats;
  }

  get ended(): boolean {
    return this.reader.ended;
  }

  /** Bytes held back waiting for the rest of a chunk. */
  get pendingBytes(): number {
    return this.reader.pendingBytes;
  }
}
