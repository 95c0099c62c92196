/**
 * What the block sampler saw, on its way to its block: a sample comes right after the stint it
 * observed, sometimes before that stint has closed, and observations of one line add up.
 */
import { SampledFrame } from '../protocol/reader';
import { formatDuration } from './duration';
import { BlockInfo } from './timelineTypes';

/** Block samples kept waiting for their stint to close. */
export const MAX_PENDING_SAMPLES = 256;
/** Blocks a new sample is compared with, latest first. */
export const MAX_BLOCKS_LOOKED_AT = 64;

export type PendingSample = {
  time: number;
  task: number;
  observedMs: number;
  observations: number;
  frames: SampledFrame[];
  /** Of `observedMs`, on the CPU (ms); -1: not known. */
  cpuMs: number;
};

/** Whether a sample that found no block belongs to `block`, just made (see attachSample). */
export function sampleFits(sample: PendingSample, block: BlockInfo, wireId: number): boolean {
  if (block.start === sample.time && wireId === sample.task) return true;
  const to = sample.time + Math.max(sample.observedMs, 0);
  const overlap = Math.min(to, block.start + block.durationMs) - Math.max(sample.time, block.start);
  return overlap > 0 || (overlap >= 0 && to === sample.time);
}

/** Adds what the sampler saw to a block: observations of one line add up. */
export function addSample(block: BlockInfo, sample: PendingSample): void {
  const merged = new Map<string, SampledFrame>();
  for (const frame of [...block.frames, ...sample.frames]) {
    const key = `${frame.name}@${frame.location?.file}:${frame.location?.line}`;
    const known = merged.get(key);
    if (known !== undefined) known.weightUs += frame.weightUs;
    else merged.set(key, { ...frame });
  }
  block.frames = [...merged.values()].sort((a, b) => b.weightUs - a.weightUs);
  block.observedMs += sample.observedMs;
  block.observations += sample.observations;
  if (sample.cpuMs >= 0) {
    // Not clipped here: a tracer that reads CPU-time counters (which move at the kernel's ticks)
    // may put one span's time in the next; the share clips the block's sum (cpuShare).
    block.cpuMs += sample.cpuMs;
    block.cpuKnownMs += sample.observedMs;
  }
}

/**
 * The share of a block's watched time the thread wanted the CPU — on it, or ready to run and
 * waiting for it (0 to 1) — or null when the tracer could not tell (no watch, or a system without
 * per-thread scheduler statistics).
 */
export function cpuShare(block: BlockInfo): number | null {
  return block.cpuKnownMs > 0 ? Math.min(1, block.cpuMs / block.cpuKnownMs) : null;
}

/**
 * Below this share a block was not computing: the thread slept in a blocking call (a lock, a child
 * process, a slow disk, time.sleep) for most of it. A thread that computes wants the CPU all the
 * time, however busy the machine (the time it waits for a core counts as wanting it) — 0.98 of a
 * 7.3 s block at load 40 (test/pythonKitchen.test.ts's `compute`, 94% of it waiting for a CPU). A
 * block that sleeps wants it for what runs around the sleep, which a busy machine stretches too:
 * a 300 ms `time.sleep` step of FastAPI's wanted 0.2587 of it at load 31-36 (its few ms of routing
 * waiting for a CPU), over the 0.25 this was, and was called computing. Half: asleep most of it.
 */
export const WAITING_SHARE = 0.5;

/** How a block used the CPU, in short lines (for tooltips), or none when not known. */
export function cpuWords(block: BlockInfo): string[] {
  const lines: string[] = [];
  if (block.cpuWaitMs >= 1)
    lines.push(
      `of it, ${formatDuration(Math.min(block.cpuWaitMs, block.durationMs))} waiting for a CPU`,
      '(the machine was busy with other work)',
    );
  const share = cpuShare(block);
  if (share === null) return lines;
  const pct = Math.round(share * 100);
  lines.push(
    ...(share < WAITING_SHARE
      ? [`asleep ${100 - pct}% of it: not computing`, '(waiting in a blocking call)']
      : [`wanting the CPU ${pct}% of it: computing`]),
  );
  return lines;
}

/** Whether a block was, as far as the tracer could tell, not computing (see WAITING_SHARE). */
export function notComputing(block: BlockInfo): boolean {
  const share = cpuShare(block);
  return share !== null && share < WAITING_SHARE;
}
