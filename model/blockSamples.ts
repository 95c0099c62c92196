/**
 * What the block sampler saw, on its way to its block: a sample comes right after the stint it
 * observed, sometimes before that stint has closed, and observations of one line add up.
 */
import { SampledFrame } from '../protocol/reader';
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
}
