/**
 * Blocks: stints that held the loop for the threshold or longer, each with what the block sampler
 * saw while it lasted. Judged as each stint closes, and again when the threshold or the debugger's
 * pauses change (a stint the debugger held is paused, not blocked). Part of the timeline model
 * (timeline.ts), which owns the stints and tasks this reads.
 */
import { SampledFrame } from '../protocol/reader';
import {
  MAX_BLOCKS_LOOKED_AT,
  MAX_PENDING_SAMPLES,
  PendingSample,
  addSample,
  sampleFits,
} from './blockSamples';
import { StintColumns } from './stints';
import { BlockInfo, TimelineTask } from './timelineTypes';

/** What blocks are judged from: the timeline's stints, tasks and threshold. */
export interface BlockSource {
  readonly stints: StintColumns;
  readonly tasks: readonly TimelineTask[];
  readonly blockMs: number;
  /** How long a stint's thread waited for a CPU, ms (see Timeline.cpuWaitMs); 0 if not known. */
  cpuWaitMs(stint: number): number;
}

export type Pauses = ReadonlyArray<{ start: number; end: number | null }>;

export class Blocks {
  /** The blocks found, in stint order (the timeline hands this array out as `blocks`). */
  readonly list: BlockInfo[] = [];
  /**
   * When the program stood still in a debugger (trace clock, ms; end null while paused). Known to
   * the host, not the tracer. Paused time never makes a block: the loop was not busy, it was held.
   */
  private pauses: Pauses = [];
  /** Samples that arrived before their stint closed, by stint start time. */
  private readonly pending: PendingSample[] = [];

  constructor(private readonly source: BlockSource) {}

  /**
   * Judges stint `stint`, just closed: a block if it lasted the threshold and was not paused. By
   * its wall time, also where its thread waited for a CPU (a busy machine): the loop was held for
   * all of it either way, and a wait on the clock (`while (Date.now() < end)`) would have lasted as
   * long on an idle machine. The wait is told with the block (cpuWaitMs), never subtracted.
   */
  check(stint: number): void {
    const s = this.source.stints;
    const duration = s.end[stint] - s.start[stint];
    if (duration < this.source.blockMs) return;
    // A stint the debugger held is paused, not blocked: when within it the program stopped is known
    // only up to the debugger's latency, so the whole stint is taken as paused.
    if (this.pauses.length > 0 && this.pausedWithin(s.start[stint], s.end[stint]) > 0) return;
    const block: BlockInfo = {
      stint,
      task: s.task[stint],
      start: s.start[stint],
      durationMs: duration,
      frames: [],
      observedMs: 0,
      observations: 0,
      cpuMs: 0,
      cpuKnownMs: 0,
      cpuWaitMs: Math.min(this.source.cpuWaitMs(stint), duration),
    };
    this.list.push(block);
    // Samples that found no block before can only belong to this new one.
    const pending = this.pending;
    let kept = 0;
    for (let k = 0; k < pending.length; k++) {
      const sample = pending[k];
      if (sampleFits(sample, block, this.source.tasks[block.task].wireId)) addSample(block, sample);
      else pending[kept++] = sample;
    }
    pending.length = kept;
  }

  /** Finds the blocks again (the threshold or the pauses changed); `open` is the stint still open. */
  rejudge(open: number): void {
    const seen = new Map(
      this.list.map((b) => [
        b.stint,
        {
          frames: b.frames,
          observedMs: b.observedMs,
          observations: b.observations,
          cpuMs: b.cpuMs,
          cpuKnownMs: b.cpuKnownMs,
        },
      ]),
    );
    this.list.length = 0;
    const count = this.source.stints.length;
    for (let i = 0; i < count; i++) if (i !== open) this.check(i);
    // What the sampler saw of a block stays with it.
    for (const b of this.list) {
      const sampled = seen.get(b.stint);
      if (sampled !== undefined) Object.assign(b, sampled);
    }
  }

  /** Takes what the sampler saw: onto its block, or waiting for the block's stint to close. */
  sample(
    time: number,
    task: number,
    observedMs: number,
    observations: number,
    frames: SampledFrame[],
    cpuMs = -1,
  ): void {
    const sample = { time, task, observedMs, observations, frames, cpuMs };
    if (this.attach(sample)) return;
    // A sample waits for its block's stint to close, which comes soon after it: only the latest
    // few wait (a file of samples that match nothing must not make every block rescan them all).
    if (this.pending.length >= MAX_PENDING_SAMPLES) this.pending.shift();
    this.pending.push(sample);
  }

  setPauses(pauses: Pauses): void {
    this.pauses = pauses.map((p) => ({ start: p.start, end: p.end }));
  }

  /** How much of [start, end] the program spent paused in the debugger (as the host saw it), ms. */
  pausedWithin(start: number, end: number): number {
    let paused = 0;
    for (const p of this.pauses) {
      const overlap = Math.min(end, p.end ?? Infinity) - Math.max(start, p.start);
      if (overlap > 0) paused += overlap;
    }
    return paused;
  }

  /**
   * Gives a block what the sampler saw: the block whose stint starts at that time, else the one the
   * observation overlaps most. Several observations of one block (stack samples and a slow
   * synchronous call, say) add up, line by line.
   */
  private attach(sample: PendingSample): boolean {
    const blocks = this.list;
    let best: BlockInfo | null = null;
    let bestOverlap = 0;
    const from = sample.time;
    const to = sample.time + Math.max(sample.observedMs, 0);
    // A sample comes right after its block: the latest few blocks are enough to look at.
    const stop = Math.max(0, blocks.length - MAX_BLOCKS_LOOKED_AT);
    for (let k = blocks.length - 1; k >= stop; k--) {
      const b = blocks[k];
      if (b.start === sample.time && this.source.tasks[b.task].wireId === sample.task) {
        best = b;
        break;
      }
      const overlap = Math.min(to, b.start + b.durationMs) - Math.max(from, b.start);
      if (overlap > bestOverlap || (overlap >= 0 && to === from && best === null)) {
        bestOverlap = overlap;
        best = b;
      }
      if (b.start + b.durationMs < from - 60_000) break;
    }
    if (best === null) return false;
    addSample(best, sample);
    return true;
  }
}
