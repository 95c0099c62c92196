/**
 * Hostile traces for the reader: a valid trace mutated the ways a broken disk, a truncated copy or
 * an attacker would — flipped bits, fields set to extreme values, chunks repeated or cut, pieces
 * spliced in from elsewhere. Seeded and reproducible: a failure names its seed.
 */
import { FORMAT_VERSION, UNIT_BYTES } from '../../protocol/format';
import { loadTrace } from '../../model/load';
import { findLessons } from '../../model/lessons';
import { summarize } from '../../model/summary';
import { TraceFormatError } from '../../protocol/reader';
import { random } from '../truth/generate';

/** Values a 32-bit field is set to: the edges of every range the reader checks. */
const EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0, FORMAT_VERSION + 1, 16, 4096];

/** Where each chunk's header and each event of a well-formed trace are (byte offsets). */
function layout(bytes: Uint8Array, header: number): { chunks: number[]; events: number[] } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const chunks: number[] = [];
  const events: number[] = [];
  for (let at = header; at + 8 <= bytes.length;) {
    const size = view.getUint32(at + 4, true);
    chunks.push(at);
    const end = Math.min(bytes.length, at + 8 + size);
    for (let e = at + 8; e + UNIT_BYTES <= end;) {
      events.push(e);
      e += UNIT_BYTES * Math.max(1, (view.getUint32(e, true) >>> 8) & 0xff);
    }
    at += 8 + size;
  }
  return { chunks, events };
}

/**
 * A mutation that keeps the chunks whole, so that the reader takes it in and the model sees it:
 * an event's task id, time, argument or type changed, or an event written twice.
 */
function mutateEvent(base: Uint8Array, header: number, rand: () => number): Uint8Array | null {
  const pick = (n: number): number => Math.floor(rand() * n);
  const { chunks, events } = layout(base, header);
  if (events.length === 0) return null;
  const out = new Uint8Array(base);
  const view = new DataView(out.buffer, out.byteOffset, out.length);
  const e = events[pick(events.length)];
  switch (pick(5)) {
    case 0: // the task (or id) it names
      view.setUint32(e + 4, rand() < 0.5 ? EXTREMES[pick(EXTREMES.length)] : pick(64), true);
      return out;
    case 1: {
      // its time
      const times = [NaN, Infinity, -1, -1e300, 1e300, 0, rand() * 1e6];
      view.setFloat64(e + 8, times[pick(times.length)], true);
      return out;
    }
    case 2: // its argument (a reason, a kind, a count)
      view.setUint16(e + 2, pick(0x10000), true);
      return out;
    case 3: // its type, its length kept
      view.setUint8(e, pick(24));
      return out;
    default: {
      // written twice: the chunk grows by the copy
      const units = Math.max(1, (view.getUint32(e, true) >>> 8) & 0xff);
      const chunk = chunks.filter((c) => c < e).pop()!;
      const copy = concat(out.subarray(0, e), out.subarray(e, e + units * UNIT_BYTES), out.subarray(e));
      const grown = new DataView(copy.buffer, copy.byteOffset, copy.length);
      grown.setUint32(chunk + 4, grown.getUint32(chunk + 4, true) + units * UNIT_BYTES, true);
      return copy;
    }
  }
}

/** One mutation of `base` (never `base` itself), chosen by `rand`. */
export function mutate(base: Uint8Array, rand: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(rand() * n);
  if (rand() < 0.6 && base.length >= 16) {
    // Mostly mutations the reader takes in, several at a time.
    let out: Uint8Array | null = base;
    const header = 16 + new DataView(base.buffer, base.byteOffset).getUint32(12, true);
    for (let i = 0, n = 1 + pick(6); i < n && out !== null; i++) out = mutateEvent(out, header, rand);
    if (out !== null && out !== base) return out;
  }
  let out: Uint8Array = new Uint8Array(base);
  // Past the header (its fixed part and metadata) but one time in twenty: a broken header only
  // says "not a trace", while broken records reach the model.
  const header = base.length >= 16 ? 16 + new DataView(base.buffer, base.byteOffset).getUint32(12, true) : 0;
  const from = rand() < 0.05 || header >= base.length ? 0 : header;
  const steps = 1 + pick(3);
  for (let s = 0; s < steps; s++) {
    const at = (): number =>
      out.length <= from ? pick(Math.max(1, out.length)) : from + pick(out.length - from);
    switch (pick(8)) {
      case 0: {
        // flip a few bits
        for (let i = 0, n = 1 + pick(8); i < n && out.length > 0; i++) out[at()] ^= 1 << pick(8);
        break;
      }
      case 1: {
        // an aligned 32-bit field set to an extreme
        if (out.length < 8) break;
        const i = at() & ~3;
        new DataView(out.buffer, out.byteOffset).setUint32(
          Math.min(i, out.length - 4),
          EXTREMES[pick(EXTREMES.length)],
          true,
        );
        break;
      }
      case 2: {
        // a time (float64) set to something no clock reads
        if (out.length < 16) break;
        const i = Math.min(at() & ~7, out.length - 8);
        const values = [NaN, Infinity, -Infinity, -1e300, 1e300, -0, 2 ** 53];
        new DataView(out.buffer, out.byteOffset).setFloat64(i, values[pick(values.length)], true);
        break;
      }
      case 3: {
        // cut the stream short
        out = out.slice(0, pick(out.length + 1));
        break;
      }
      case 4: {
        // repeat a stretch of records (a chunk written twice, ids reused)
        const from = at() & ~(UNIT_BYTES - 1);
        const len = Math.min(out.length - from, UNIT_BYTES * (1 + pick(64)));
        const piece = out.slice(from, from + len);
        const into = at() & ~(UNIT_BYTES - 1);
        out = concat(out.subarray(0, into), piece, out.subarray(into));
        break;
      }
      case 5: {
        // drop a stretch
        const from = at();
        out = concat(out.subarray(0, from), out.subarray(Math.min(out.length, from + 1 + pick(256))));
        break;
      }
      case 6: {
        // random bytes spliced in
        const junk = new Uint8Array(1 + pick(128)).map(() => pick(256));
        const into = at();
        out = concat(out.subarray(0, into), junk, out.subarray(into));
        break;
      }
      default: {
        // a whole unit of records overwritten by another's
        if (out.length < 64) break;
        const a = at() & ~(UNIT_BYTES - 1);
        const b = at() & ~(UNIT_BYTES - 1);
        out.copyWithin(a, b, Math.min(b + UNIT_BYTES, out.length));
      }
    }
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export interface FuzzReport {
  inputs: number;
  /** Inputs refused with a clear TraceFormatError. */
  refused: number;
  /** Inputs read (whole or up to a cut) and summarized. */
  read: number;
  /** The slowest input, ms, and its seed. */
  slowestMs: number;
  slowestSeed: number;
  /** Anything that was not a TraceFormatError: the seed and what was thrown. */
  failures: Array<{ seed: number; error: string }>;
}

/**
 * Reads mutations of `bases` as the editor and the command line would (partial traces accepted),
 * summarizes them and finds their lessons, until `budgetMs` is spent. Only TraceFormatError may be
 * thrown; everything else is a failure, reported with the seed that reproduces it.
 */
export function fuzzReader(bases: Uint8Array[], firstSeed: number, budgetMs: number): FuzzReport {
  const report: FuzzReport = { inputs: 0, refused: 0, read: 0, slowestMs: 0, slowestSeed: -1, failures: [] };
  const until = performance.now() + budgetMs;
  for (let seed = firstSeed; performance.now() < until; seed++) {
    const rand = random(seed);
    const input = mutate(bases[seed % bases.length], rand);
    const start = performance.now();
    try {
      const { timeline } = loadTrace(input, { partial: true });
      summarize(timeline);
      findLessons(timeline);
      report.read++;
    } catch (error) {
      if (error instanceof TraceFormatError) report.refused++;
      else report.failures.push({ seed, error: (error as Error)?.stack ?? String(error) });
    }
    const ms = performance.now() - start;
    if (ms > report.slowestMs) {
      report.slowestMs = ms;
      report.slowestSeed = seed;
    }
    report.inputs++;
  }
  return report;
}
