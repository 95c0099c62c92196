/**
 * A synthetic trace of a busy HTTP server, for the webview benchmark: deterministic (seeded), any
 * size, written with the one encoder (ChunkWriter) so that it is exactly what a tracer would send.
 * Pure code, no DOM and no Node built-ins: the benchmark bundles it into the page (a 10 M-stint
 * trace is hundreds of MB, cheaper to make where it is read than to ship over CDP) and checks it in
 * Node with the real reader and model.
 *
 * The server it imitates: CONCURRENCY requests in flight (`GET /item/<n>`), each a task of a few
 * stints (the request arriving, then promises, I/O and timers resolving), its response sent at the
 * end of its last stint (TASK_END); now and then a request starts a detached sub-task that runs
 * after the response (background work), or runs once more itself after it. Two intervals tick all
 * along, a little code is not attributed to any task, one stint in BLOCK_EVERY is a block of
 * 50–250 ms (tasks that were due meanwhile get a READY record), LAG records come every 100 ms.
 * The loop goes idle when nothing is due.
 */
import { ChunkWriter, utf8Of } from '../../protocol/chunkWriter';
import {
  EndCause,
  FORMAT_VERSION,
  Reason,
  TaskEnd,
  TaskFlags,
  TaskKind,
  UNIT_BYTES,
} from '../../protocol/format';
import { encodeHeader } from '../../protocol/header';

/** Requests in flight at once. */
const CONCURRENCY = 48;
/** Where the trace clock starts, ms. */
const START_MS = 1000;
const LAG_INTERVAL_MS = 100;
/** One stint in this many is a block. */
const BLOCK_EVERY = 20_000;
const BLOCK_MIN_MS = 50;
const BLOCK_MAX_MS = 250;
/** Mean length of an ordinary stint, ms (a fastify handler's slice of work). */
const MEAN_STINT_MS = 0.03;
/** A task that waited this long for the busy loop gets a READY record (the tracer's "noticeable"). */
const READY_NOTICE_MS = 2;
/** Chance that a stint is preceded by a little code no task owns. */
const UNTRACKED_CHANCE = 0.02;
/** Chances that a finished request has background work: a detached sub-task, or more of itself. */
const CHILD_CHANCE = 0.04;
const AFTER_RESPONSE_CHANCE = 0.02;
/**
 * String ids are reused round-robin and redefined with new text (the format allows it), so the
 * reader's string table stays small; ids below FIRST_ROTATING are the fixed file names.
 */
const FIRST_ROTATING = 8;
const STRING_IDS = 4096;
/** Units per chunk: 1 MiB chunks. */
const CHUNK_UNITS = 65_536;
/** The most units one step writes (lag, string, task, ready, two runs, task end, idle), with room. */
const STEP_UNITS = 32;
/** Bytes per stint, measured on this generator; used to size the output buffer once. */
const BYTES_PER_STINT_ESTIMATE = 40;

const FILES = ['/srv/app/routes/item.js', '/srv/app/jobs/mail.js', '/srv/app/metrics.js'];

interface Slot {
  /** Wire task id. */
  id: number;
  kind: TaskKind;
  parent: number;
  flags: number;
  name: string;
  file: number;
  line: number;
  /** Whether its TASK record has been written. */
  announced: boolean;
  /** Stints still to run (Infinity for an interval). */
  remaining: number;
  /** When it is next ready to run, trace ms. */
  readyAt: number;
  /** Why it runs next. */
  reason: Reason;
  /** Interval period, ms (0: not an interval). */
  period: number;
  /** A request already ended (its after-response stint is pending). */
  ended: boolean;
}

/** mulberry32: a small, fast, seeded generator; [0, 1). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A growable byte buffer; `bytes()` is a view of what was written. */
export class Output {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(Math.max(1024, capacity));
  }

  append(bytes: Uint8Array): void {
    if (this.length + bytes.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.length + bytes.length, Math.ceil(this.buf.length * 1.5)));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export class SyntheticTrace {
  /** RUN records written: the stints a model of this trace holds. */
  stints = 0;
  /** Records written (STRING records included, as the reader counts them). */
  events = 0;
  /** Tasks announced (TASK records). */
  tasks = 0;
  /** Blocks written. */
  blocks = 0;
  /** Where the trace clock starts, ms. */
  readonly startTime = START_MS;
  /** The trace clock, ms. */
  time = START_MS;
  private readonly rand: () => number;
  private readonly w = new ChunkWriter(CHUNK_UNITS);
  private readonly slots: Slot[] = [];
  private nextTask = 1;
  private nextRequest = 1;
  private nextString = FIRST_ROTATING;
  private nextLag = START_MS + LAG_INTERVAL_MS;
  /** Longest stint since the last LAG record, ms (what a delay monitor would have seen). */
  private worstSinceLag = 0;
  private idle = true;
  private filesWritten = false;

  constructor(seed = 1) {
    this.rand = random(seed);
    this.slots.push(this.interval('setInterval poll', 10, 3));
    this.slots.push(this.interval('setInterval metrics', 100, 3));
    for (let i = 0; i < CONCURRENCY; i++) this.slots.push(this.request(START_MS + this.exp(1)));
  }

  header(): Uint8Array {
    return encodeHeader({
      formatVersion: FORMAT_VERSION,
      runtime: 'synthetic',
      pid: 1,
      script: '/srv/app/server.js',
      startTime: START_MS,
      clockOriginEpochMs: Date.UTC(2026, 0, 1),
      blockMs: 50,
      mode: 'fast',
      tracer: 'looplens bench/webview synthetic',
    });
  }

  /**
   * Writes events until `limit.stints` more stints or `limit.events` more events have been written
   * (whichever comes first), and returns them as whole chunks (no header).
   */
  chunks(limit: { stints?: number; events?: number }): Uint8Array {
    const estimate = Math.min(
      limit.stints !== undefined ? limit.stints * BYTES_PER_STINT_ESTIMATE : Infinity,
      limit.events !== undefined ? limit.events * UNIT_BYTES * 2 : Infinity,
    );
    const out = new Output(Number.isFinite(estimate) ? estimate * 1.05 : 1 << 20);
    this.writeInto(out, limit);
    return out.bytes();
  }

  /** Appends chunks to `out` as `chunks` returns them. */
  writeInto(out: Output, limit: { stints?: number; events?: number }): void {
    const stintsUntil = this.stints + (limit.stints ?? Infinity);
    const eventsUntil = this.events + (limit.events ?? Infinity);
    while (this.stints < stintsUntil && this.events < eventsUntil) {
      if (this.w.free < STEP_UNITS) this.flush(out);
      this.step(stintsUntil);
    }
    this.flush(out);
  }

  /** Appends an END record (the program exited), as a chunk. */
  end(out: Output): void {
    this.w.end(this.time, EndCause.Exit, 0);
    this.events++;
    this.flush(out);
  }

  private flush(out: Output): void {
    if (this.w.used === 0) return;
    out.append(this.w.bytes());
    this.w.reset();
  }

  private exp(mean: number): number {
    return -Math.log(1 - this.rand()) * mean;
  }

  private interval(name: string, period: number, file: number): Slot {
    return {
      id: this.nextTask++,
      kind: TaskKind.Timer,
      parent: 0,
      flags: TaskFlags.None,
      name,
      file,
      line: 12,
      announced: false,
      remaining: Infinity,
      readyAt: START_MS + period,
      reason: Reason.Timer,
      period,
      ended: false,
    };
  }

  private request(readyAt: number): Slot {
    return {
      id: this.nextTask++,
      kind: TaskKind.Request,
      parent: 0,
      flags: TaskFlags.None,
      name: `GET /item/${this.nextRequest++}`,
      file: 1,
      line: 27,
      announced: false,
      remaining: 2 + Math.floor(this.rand() * 7),
      readyAt,
      reason: Reason.Request,
      period: 0,
      ended: false,
    };
  }

  private child(parent: Slot, readyAt: number): Slot {
    return {
      id: this.nextTask++,
      kind: TaskKind.Other,
      parent: parent.id,
      flags: TaskFlags.Detached,
      name: 'sendReceipt',
      file: 2,
      line: 8,
      announced: false,
      remaining: 1 + Math.floor(this.rand() * 2),
      readyAt,
      reason: Reason.Timer,
      period: 0,
      ended: false,
    };
  }

  /** One stint (with whatever records come before it), two if there is room for untracked code. */
  private step(stintsUntil: number): void {
    const w = this.w;
    if (!this.filesWritten) {
      FILES.forEach((file, i) => w.string(i + 1, utf8Of(file)));
      this.events += FILES.length;
      this.filesWritten = true;
    }
    if (this.time >= this.nextLag) {
      // The delay monitor's interval timer fires late after a block, as a real one does.
      const p50 = Math.round(20 + this.rand() * 30);
      const worst = Math.round(Math.max(p50, this.worstSinceLag * 1000));
      w.lag(this.time, p50, worst, worst, 40);
      this.events++;
      this.nextLag = this.time + LAG_INTERVAL_MS;
      this.worstSinceLag = 0;
    }
    // The next task that is due, looking from a random slot; or, if none is, the soonest one.
    const slots = this.slots;
    const from = Math.floor(this.rand() * slots.length);
    let pick = -1;
    let soonest = -1;
    for (let k = 0; k < slots.length; k++) {
      const i = (from + k) % slots.length;
      if (slots[i].readyAt <= this.time) {
        pick = i;
        break;
      }
      if (soonest === -1 || slots[i].readyAt < slots[soonest].readyAt) soonest = i;
    }
    if (pick === -1) {
      if (!this.idle) {
        w.idle(this.time);
        this.events++;
        this.idle = true;
      }
      pick = soonest;
      this.time = slots[pick].readyAt;
    }
    const s = slots[pick];
    if (!s.announced) {
      const name = this.nextString;
      this.nextString = this.nextString + 1 >= STRING_IDS ? FIRST_ROTATING : this.nextString + 1;
      w.string(name, utf8Of(s.name));
      w.task(this.time, s.id, s.kind, s.parent, name, s.flags, s.file, s.line, 5);
      this.events += 2;
      this.tasks++;
      s.announced = true;
    }
    if (this.time - s.readyAt >= READY_NOTICE_MS) {
      w.ready(s.readyAt, s.id);
      this.events++;
    }
    if (this.rand() < UNTRACKED_CHANCE && this.stints + 2 <= stintsUntil) {
      w.run(this.time, 0, Reason.Io);
      this.events++;
      this.stints++;
      this.time += 0.002 + this.exp(0.01);
    }
    w.run(this.time, s.id, s.reason);
    this.events++;
    this.stints++;
    this.idle = false;
    let duration = 0.003 + this.exp(MEAN_STINT_MS);
    if (this.rand() * BLOCK_EVERY < 1) {
      duration = BLOCK_MIN_MS + this.rand() * (BLOCK_MAX_MS - BLOCK_MIN_MS);
      this.blocks++;
    }
    if (duration > this.worstSinceLag) this.worstSinceLag = duration;
    this.time += duration;
    s.remaining--;
    if (s.period > 0) {
      s.readyAt += s.period;
      return;
    }
    if (s.remaining > 0) {
      // What it waits for next: a promise another stint resolves, I/O, or a timer.
      const r = this.rand();
      if (r < 0.4) {
        s.reason = Reason.Promise;
        s.readyAt = this.time + this.exp(0.02);
      } else if (r < 0.85) {
        s.reason = Reason.Io;
        s.readyAt = this.time + this.exp(2);
      } else {
        s.reason = Reason.Timer;
        s.readyAt = this.time + 1 + this.rand() * 9;
      }
      return;
    }
    if (s.kind === TaskKind.Request && !s.ended) {
      w.taskEnd(this.time, s.id, TaskEnd.Finished);
      this.events++;
      const r = this.rand();
      if (r < CHILD_CHANCE) {
        slots[pick] = this.child(s, this.time + 20 + this.rand() * 60);
        return;
      }
      if (r < CHILD_CHANCE + AFTER_RESPONSE_CHANCE) {
        s.ended = true;
        s.remaining = 1;
        s.reason = Reason.Timer;
        s.readyAt = this.time + 15 + this.rand() * 25;
        return;
      }
    }
    slots[pick] = this.request(this.time + this.exp(0.3));
  }
}

/** A whole trace of exactly `stints` stints, header to END record, in one buffer. */
export function syntheticTrace(
  stints: number,
  seed = 1,
): { bytes: Uint8Array; stints: number; events: number; tasks: number; blocks: number; durationMs: number } {
  const trace = new SyntheticTrace(seed);
  const out = new Output(stints * BYTES_PER_STINT_ESTIMATE * 1.05);
  out.append(trace.header());
  trace.writeInto(out, { stints });
  trace.end(out);
  return {
    bytes: out.bytes(),
    stints: trace.stints,
    events: trace.events,
    tasks: trace.tasks,
    blocks: trace.blocks,
    durationMs: trace.time - START_MS,
  };
}
