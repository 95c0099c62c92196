/**
 * What is under the pointer: the lane and time at a point of the canvas, the stint there, what the
 * tooltip says about it and which line a click opens. Pure functions of what the view shows (no
 * DOM), so the view only places the tooltip.
 */
import type { ScaleLinear } from 'd3-scale';
import { reasonText, where } from '../model/steps';
import { cpuWords } from '../model/blockSamples';
import { blockLocation } from '../model/summary';
import { BlockInfo, Timeline } from '../model/timeline';
import { REASON_NAMES } from '../protocol/format';
import { FOLDED_LANE, LANES_TOP, LAYOUT, Lane, firstAtOrAfter, laneAt } from './layout';
import { SourceLocation } from './protocol';

/** What the view shows, as the pointer needs it. */
export interface PointerScene {
  timeline: Timeline;
  lanes: Lane[];
  /** How far the lanes are scrolled, px. */
  scrollTop: number;
  /** Time to pixels, this frame. */
  x: ScaleLinear<number, number>;
  /** The stints of the folded lane, and how many tasks it holds. */
  foldedStints: number[];
  foldedCount: number;
  format(ms: number): string;
}

export interface Hit {
  /** Task index, -1 for the chef lane, FOLDED_LANE for the folded one, -2 for none. */
  task: number;
  time: number;
  lane: 'chef' | 'lag' | 'dish' | 'none';
}

/** The lane and time under a CSS-pixel point. */
export function hitAt(scene: PointerScene, px: number, py: number): Hit {
  const time = scene.x.invert(px);
  if (py >= LAYOUT.axisHeight && py < LAYOUT.axisHeight + LAYOUT.chefHeight)
    return { task: -1, time, lane: 'chef' };
  if (py >= LAYOUT.axisHeight + LAYOUT.chefHeight && py < LANES_TOP) return { task: -2, time, lane: 'lag' };
  if (py < LANES_TOP) return { task: -2, time, lane: 'none' };
  const y = py - LANES_TOP + scene.scrollTop;
  const lane = scene.lanes[laneAt(scene.lanes, y)];
  if (lane === undefined || y < lane.y) return { task: -2, time, lane: 'none' };
  return { task: lane.task, time, lane: 'dish' };
}

/** The stint of the hit's lane at its time, within a few pixels; -1 if none. */
export function stintAt(scene: PointerScene, hit: Hit): number {
  if (hit.task < -1 && hit.task !== FOLDED_LANE) return -1;
  const t = scene.timeline;
  const s = t.stints;
  const slack = Math.abs(scene.x.invert(3) - scene.x.invert(0));
  if (hit.task === -1) {
    const i = t.firstStintAfter(hit.time - slack);
    return i < s.length && s.start[i] <= hit.time + slack ? i : -1;
  }
  const stints = hit.task === FOLDED_LANE ? scene.foldedStints : t.tasks[hit.task].stints;
  const j = firstAtOrAfter(s.start, stints, hit.time + slack) - 1;
  if (j < 0) return -1;
  const st = stints[j];
  return t.stintEnd(st) >= hit.time - slack ? st : -1;
}

export function blockOf(timeline: Timeline, stint: number): BlockInfo | undefined {
  return timeline.blocks.find((b) => b.stint === stint);
}

/** The task a hit is about (the stint's, on the chef or folded lane), or -1. */
export function taskOf(scene: PointerScene, hit: Hit, stint: number): number {
  return stint >= 0 ? scene.timeline.stints.task[stint] : hit.task >= 0 ? hit.task : -1;
}

/** What the tooltip says about a hit, a line each; empty for nothing. */
export function tooltipLines(scene: PointerScene, hit: Hit, stint: number): string[] {
  const t = scene.timeline;
  const fmt = scene.format;
  const lines: string[] = [];
  const taskIndex = taskOf(scene, hit, stint);
  if (hit.task === FOLDED_LANE)
    lines.push(
      `${scene.foldedCount.toLocaleString()} tasks of libraries and Node itself, folded (I shows them)`,
    );
  if (taskIndex >= 0) {
    const task = t.tasks[taskIndex];
    lines.push(`${task.name}  (${task.kind})`);
    if (stint >= 0) {
      const s = t.stints;
      const block = blockOf(t, stint);
      lines.push(
        `${block !== undefined ? 'BLOCK: running' : 'running'} for ${fmt(t.stintEnd(stint) - s.start[stint])} — ${reasonText(REASON_NAMES[s.reason[stint]] ?? 'unknown')}`,
      );
      const resumes = block === undefined ? t.resumeLocation(stint) : null;
      if (resumes !== null) lines.push(`resumes after the await at ${where(resumes)}`);
      const ready = s.readySince[stint];
      if (Number.isFinite(ready))
        lines.push(`was ready ${fmt(s.start[stint] - ready)} before the loop got to it`);
      if (block !== undefined) {
        lines.push(...cpuWords(block));
        const share = block.frames.reduce((n, f) => n + f.weightUs, 0);
        for (const frame of block.frames.slice(0, 3))
          lines.push(
            `  ${Math.round((frame.weightUs / Math.max(share, 1)) * 100)}% ${frame.name || '(anonymous)'} ${where(frame.location)}`,
          );
      }
    } else {
      const end = t.taskEndTime(task);
      const state =
        end !== null && hit.time > end ? 'done' : hit.time < task.createdAt ? 'not yet created' : 'waiting';
      // Waiting: at the await its next stint resumes after.
      const next = state === 'waiting' ? task.stints.find((x) => t.stints.start[x] > hit.time) : undefined;
      const at = next !== undefined ? t.resumeLocation(next) : null;
      lines.push(at !== null ? `waiting at the await at ${where(at)}` : state);
    }
    if (task.location !== null) lines.push(`created at ${where(task.location)}`);
  } else if (hit.lane === 'lag') {
    const p = t.lagPoints.find((q) => q.time >= hit.time);
    if (p !== undefined)
      lines.push(`event-loop lag: p50 ${fmt(p.p50Ms)}, p99 ${fmt(p.p99Ms)}, max ${fmt(p.maxMs)}`);
  } else if (hit.lane === 'chef') {
    lines.push('idle: the loop waited for something to do');
  }
  return lines;
}

/** The line a click opens: where a block spent its time, where a stint resumed, where its task began. */
export function clickLocation(scene: PointerScene, hit: Hit, stint: number): SourceLocation | null {
  const taskIndex = taskOf(scene, hit, stint);
  if (taskIndex < 0) return null;
  const t = scene.timeline;
  const task = t.tasks[taskIndex];
  const block = stint >= 0 ? blockOf(t, stint) : undefined;
  if (block !== undefined) return blockLocation(t, block);
  return (stint >= 0 ? t.resumeLocation(stint) : null) ?? task.location;
}
