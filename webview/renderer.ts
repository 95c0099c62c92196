/**
 * Draws the chef picture on a canvas. Only what is visible is touched: the stints of a lane are
 * found by binary search, stints narrower than a pixel are merged (after drawing one pixel, the
 * next stint looked at is the first that starts past it), rectangles are snapped to whole device
 * pixels and filled in one path per color. The renderer only draws; it decides nothing.
 */
import type { ScaleLinear } from 'd3-scale';
import { Timeline } from '../model/timeline';
import { Pause } from './protocol';
import { FOLDED_LANE, LANES_TOP, LAYOUT, Lane, firstAtOrAfter, laneAt } from './layout';
import { axisLabels, axisTicks } from './timeAxis';
import { Theme, taskColor } from './theme';
import { formatDuration } from '../model/duration';

export interface Frame {
  ctx: CanvasRenderingContext2D;
  /** CSS px. */
  width: number;
  height: number;
  /** Time → CSS px (x), for the current zoom. */
  x: ScaleLinear<number, number>;
  timeline: Timeline;
  lanes: readonly Lane[];
  /** Vertical scroll of the dish lanes, CSS px. */
  scrollTop: number;
  pauses: readonly Pause[];
  theme: Theme;
  /** Lane (task index) under the pointer, or -1. */
  hoverTask: number;
  /** The step cursor: the switch's time, the task that yielded and the one that resumed. */
  step: { time: number; from: number; to: number } | null;
  /** Stints of the internal tasks folded into one lane (time order), and how many tasks they are. */
  folded: { stints: readonly number[]; tasks: number } | null;
  /** Width of the lane labels, CSS px. */
  gutter: number;
  /** The loop is blocked right now: since when, until the last word (trace clock), by which task lane (-1: none). */
  liveBlock: { since: number; now: number; durationMs: number; taskName: string; task: number } | null;
}

type Batches = Map<string, number[]>;

function rect(batches: Batches, color: string, x0: number, y: number, x1: number, h: number): void {
  let list = batches.get(color);
  if (list === undefined) batches.set(color, (list = []));
  list.push(x0, y, x1 - x0, h);
}

function fill(ctx: CanvasRenderingContext2D, batches: Batches): void {
  for (const [color, list] of batches) {
    ctx.fillStyle = color;
    ctx.beginPath();
    for (let i = 0; i < list.length; i += 4) ctx.rect(list[i], list[i + 1], list[i + 2], list[i + 3]);
    ctx.fill();
  }
  batches.clear();
}

/** A rectangle filled with diagonal stripes: something still going on. */
function hatch(
  ctx: CanvasRenderingContext2D,
  color: string,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.fillStyle = color;
  ctx.globalAlpha = 0.25;
  ctx.fillRect(x, y, w, h);
  ctx.globalAlpha = 0.8;
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let sx = x - h; sx < x + w; sx += 8) {
    ctx.moveTo(sx, y + h);
    ctx.lineTo(sx + h, y);
  }
  ctx.stroke();
  ctx.restore();
}

export { formatDuration };

export function draw(f: Frame): void {
  const { ctx, width, height, x, timeline, theme } = f;
  const s = timeline.stints;
  const t0 = timeline.startTime;
  ctx.save();
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, width, height);
  ctx.font = `11px ${theme.font}`;
  ctx.textBaseline = 'middle';

  const left = f.gutter;
  const [v0, v1] = [x.invert(left), x.invert(width)];
  const batches: Batches = new Map();

  // ---- time axis
  ctx.strokeStyle = theme.grid;
  ctx.fillStyle = theme.muted;
  ctx.lineWidth = 1;
  const ticks = axisTicks(v0, v1, t0, Math.max(2, Math.floor((width - left) / 110)));
  const labels = axisLabels(ticks, t0);
  const span = v1 - v0;
  for (const [k, tick] of ticks.entries()) {
    const px = Math.round(x(tick)) + 0.5;
    if (px < left) continue;
    ctx.globalAlpha = 0.25;
    ctx.beginPath();
    ctx.moveTo(px, LAYOUT.axisHeight - 4);
    ctx.lineTo(px, height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    const label = labels[k];
    if (px + 3 + ctx.measureText(label).width <= width) ctx.fillText(label, px + 3, LAYOUT.axisHeight / 2);
  }

  // ---- the chef lane: who the loop works for, and blocks
  const chefY = LAYOUT.axisHeight + 3;
  const chefH = LAYOUT.chefHeight - 6;
  ctx.fillStyle = theme.foreground;
  ctx.fillText('chef (event loop)', 8, chefY + chefH / 2);
  const pxPerMs = (width - left) / Math.max(span, 1e-9);
  let i = timeline.firstStintAfter(v0);
  // Switches get a tick above the chef lane where they are at least a few pixels apart.
  const switchTicks: number[] = [];
  let lastTask = -1;
  let lastTick = -Infinity;
  while (i < s.length && s.start[i] < v1) {
    const task = timeline.tasks[s.task[i]];
    const a = Math.max(left, Math.floor(x(s.start[i])));
    const end = timeline.stintEnd(i);
    const b = Math.max(a + 1, Math.ceil(x(end)));
    if (task.index !== 0) {
      if (lastTask !== -1 && lastTask !== task.index && a - lastTick >= 4 && a > left) {
        switchTicks.push(a);
        lastTick = a;
      }
      lastTask = task.index;
    }
    rect(
      batches,
      task.index === 0 ? theme.untracked : taskColor(theme, task.id),
      a,
      chefY,
      Math.min(b, width),
      chefH,
    );
    if ((end - s.start[i]) * pxPerMs < 1) {
      // Everything up to the next pixel is already drawn: jump past it.
      const next = timeline.firstStintAfter(x.invert(a + 1));
      i = Math.max(i + 1, next);
    } else {
      i++;
    }
  }
  for (const t of switchTicks) rect(batches, theme.foreground, t, chefY - 3, t + 1, 3);
  fill(ctx, batches);
  ctx.lineWidth = 2;
  ctx.strokeStyle = theme.block;
  for (const block of timeline.blocks) {
    const end = block.start + block.durationMs;
    if (end < v0 || block.start > v1) continue;
    const a = Math.max(left, x(block.start));
    const b = Math.min(width, x(end));
    ctx.strokeRect(Math.round(a) + 1, chefY + 1, Math.max(2, Math.round(b - a) - 2), chefH - 2);
    const label = `block ${formatDuration(block.durationMs)}`;
    const labelWidth = ctx.measureText(label).width;
    if (b - a > labelWidth + 10) {
      ctx.fillStyle = theme.background;
      ctx.globalAlpha = 0.85;
      ctx.fillRect(a + 3, chefY + 4, labelWidth + 6, chefH - 8);
      ctx.globalAlpha = 1;
      ctx.fillStyle = theme.foreground;
      ctx.fillText(label, a + 6, chefY + chefH / 2);
    }
  }

  // ---- the block going on right now: hatched, growing, with how long so far
  const live = f.liveBlock;
  if (live !== null && live.now >= v0 && live.since <= v1) {
    const a = Math.max(left, Math.floor(x(live.since)));
    const b = Math.min(width, Math.max(a + 3, Math.ceil(x(live.now))));
    hatch(ctx, theme.block, a, chefY, b - a, chefH);
    ctx.strokeStyle = theme.block;
    ctx.lineWidth = 2;
    ctx.strokeRect(a + 1, chefY + 1, Math.max(2, b - a - 2), chefH - 2);
    const label = `blocking now: ${formatDuration(live.durationMs)} in ${live.taskName}`;
    const labelWidth = ctx.measureText(label).width;
    // Inside the block when it fits, else to its left (the block grows at the right edge).
    const lx = b - a > labelWidth + 12 ? a + 6 : Math.max(left + 3, a - labelWidth - 10);
    ctx.fillStyle = theme.background;
    ctx.globalAlpha = 0.9;
    ctx.fillRect(lx - 3, chefY + 4, labelWidth + 6, chefH - 8);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.foreground;
    ctx.fillText(label, lx, chefY + chefH / 2);
  }

  // ---- lag track
  const lagY = LAYOUT.axisHeight + LAYOUT.chefHeight;
  const lagH = LAYOUT.lagHeight - 4;
  ctx.fillStyle = theme.muted;
  ctx.fillText('lag (p99)', 8, lagY + lagH / 2);
  const points = timeline.lagPoints;
  let top = timeline.blockMs * 2;
  for (const p of points) if (p.p99Ms > top) top = p.p99Ms;
  ctx.fillStyle = theme.lag;
  ctx.globalAlpha = 0.6;
  let previous = t0;
  for (const p of points) {
    if (p.time >= v0 && previous <= v1 && p.samples > 0) {
      const a = Math.max(left, Math.floor(x(previous)));
      const b = Math.max(a + 1, Math.ceil(x(p.time)));
      const h = Math.max(1, Math.round((Math.min(p.p99Ms, top) / top) * lagH));
      ctx.fillRect(a, lagY + lagH - h, Math.min(b, width) - a, h);
    }
    previous = p.time;
  }
  ctx.globalAlpha = 1;

  // ---- dish lanes
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, LANES_TOP, width, height - LANES_TOP);
  ctx.clip();
  const first = laneAt(f.lanes, f.scrollTop);
  const endTime = timeline.endTime;
  for (let k = first; k < f.lanes.length; k++) {
    const lane = f.lanes[k];
    const y = LANES_TOP + lane.y - f.scrollTop;
    if (y > height) break;
    if (lane.task === FOLDED_LANE) {
      drawFolded(f, batches, y, v0, v1, pxPerMs);
      continue;
    }
    const task = timeline.tasks[lane.task];
    const mid = Math.round(y + LAYOUT.laneHeight / 2) + 0.5;
    const stepRole =
      f.step === null ? null : lane.task === f.step.to ? 'to' : lane.task === f.step.from ? 'from' : null;
    if (lane.task === f.hoverTask || stepRole !== null) {
      ctx.fillStyle = stepRole === 'from' ? theme.muted : theme.focus;
      ctx.globalAlpha = stepRole !== null ? 0.22 : 0.12;
      ctx.fillRect(0, y, width, LAYOUT.laneHeight);
      ctx.globalAlpha = 1;
    }
    // label
    const color = task.index === 0 ? theme.untracked : taskColor(theme, task.id);
    const indent = LAYOUT.labelLeft + lane.depth * LAYOUT.indent;
    ctx.fillStyle = color;
    ctx.fillRect(indent, mid - 3.5, 7, 7);
    ctx.fillStyle = task.internal ? theme.muted : theme.foreground;
    ctx.fillText(
      fitText(ctx, task.name, left - indent - LAYOUT.labelText - LAYOUT.labelGap),
      indent + LAYOUT.labelText,
      mid,
    );
    // life: waiting from the first moment to the end
    const life0 = Math.max(
      v0,
      Math.min(task.createdAt, task.stints.length > 0 ? s.start[task.stints[0]] : task.createdAt),
    );
    const lifeEnd = timeline.taskEndTime(task) ?? (task.stints.length > 0 ? endTime : task.createdAt);
    const life1 = Math.min(v1, lifeEnd);
    if (life1 > life0) {
      ctx.strokeStyle = color;
      ctx.globalAlpha = 0.55;
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(Math.max(left, x(life0)), mid);
      ctx.lineTo(Math.min(width, x(life1)), mid);
      ctx.stroke();
      ctx.globalAlpha = 1;
    }
    // stints, ready stretches before them
    const stints = task.stints;
    let j = Math.max(0, firstAtOrAfter(s.start, stints, v0) - 1);
    while (j < stints.length) {
      const st = stints[j];
      const start = s.start[st];
      if (start > v1) break;
      const end = timeline.stintEnd(st);
      if (end >= v0) {
        const ready = s.readySince[st];
        if (Number.isFinite(ready) && x(start) - x(ready) >= 1) {
          rect(
            batches,
            theme.ready,
            Math.max(left, Math.floor(x(ready))),
            y + 5,
            Math.floor(x(start)),
            LAYOUT.laneHeight - 10,
          );
        }
        const a = Math.max(left, Math.floor(x(start)));
        const b = Math.min(width, Math.max(a + 1, Math.ceil(x(end))));
        const long = end - start >= timeline.blockMs;
        rect(batches, long ? theme.block : color, a, y + 2, b, LAYOUT.laneHeight - 4);
        if ((end - start) * pxPerMs < 1) {
          j = Math.max(j + 1, nextToDraw(timeline, stints, x.invert(a + 1)));
          continue;
        }
      }
      j++;
    }
    if (live !== null && lane.task === live.task && live.now >= v0 && live.since <= v1) {
      const a = Math.max(left, Math.floor(x(live.since)));
      const b = Math.min(width, Math.max(a + 3, Math.ceil(x(live.now))));
      hatch(ctx, theme.block, a, y + 2, b - a, LAYOUT.laneHeight - 4);
    }
    if (task.kind === 'request' && task.endedAt !== null && task.endedAt >= v0 && task.endedAt <= v1) {
      const px = Math.round(x(task.endedAt));
      rect(batches, theme.foreground, px, y + 1, px + 1, LAYOUT.laneHeight - 2);
    }
  }
  fill(ctx, batches);
  ctx.restore();

  // ---- pauses: the program stood still in the debugger
  for (const pause of f.pauses) {
    const end = pause.end ?? endTime;
    if (end < v0 || pause.start > v1) continue;
    const a = Math.max(left, x(pause.start));
    const b = Math.max(a + 2, Math.min(width, x(end)));
    ctx.fillStyle = theme.pause;
    ctx.globalAlpha = 0.18;
    ctx.fillRect(a, LAYOUT.axisHeight, b - a, height - LAYOUT.axisHeight);
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.pause;
    ctx.fillRect(a, LAYOUT.axisHeight, 2, height - LAYOUT.axisHeight);
    ctx.fillText(`paused (${pause.reason})`, a + 5, LAYOUT.axisHeight + LAYOUT.chefHeight / 2);
  }

  // ---- gutter edge and cursor
  ctx.fillStyle = theme.grid;
  ctx.globalAlpha = 0.4;
  ctx.fillRect(left - 1, LAYOUT.axisHeight, 1, height);
  ctx.globalAlpha = 1;
  if (f.step !== null && f.step.time >= v0 && f.step.time <= v1) {
    const px = Math.round(x(f.step.time));
    ctx.fillStyle = theme.focus;
    ctx.fillRect(px - 1, LAYOUT.axisHeight, 2, height - LAYOUT.axisHeight);
    // A marker on the axis: the switch the cursor stands on.
    ctx.beginPath();
    ctx.moveTo(px - 5, 0);
    ctx.lineTo(px + 5, 0);
    ctx.lineTo(px, 7);
    ctx.fill();
  }
  ctx.restore();
}

/** The lane that holds every folded internal task: their stints in one line, and how many they are. */
function drawFolded(f: Frame, batches: Batches, y: number, v0: number, v1: number, pxPerMs: number): void {
  const { ctx, x, timeline, theme } = f;
  if (f.folded === null) return;
  const s = timeline.stints;
  const left = f.gutter;
  const mid = Math.round(y + LAYOUT.laneHeight / 2) + 0.5;
  ctx.fillStyle = theme.muted;
  ctx.fillText(
    fitText(
      ctx,
      `internal: ${f.folded.tasks.toLocaleString()} task${f.folded.tasks === 1 ? '' : 's'} folded`,
      left - 16,
    ),
    8,
    mid,
  );
  const list = f.folded.stints;
  let j = Math.max(0, firstAtOrAfter(s.start, list, v0) - 1);
  while (j < list.length) {
    const st = list[j];
    const start = s.start[st];
    if (start > v1) break;
    const end = timeline.stintEnd(st);
    if (end >= v0) {
      const a = Math.max(left, Math.floor(x(start)));
      const b = Math.min(f.width, Math.max(a + 1, Math.ceil(x(end))));
      rect(batches, theme.untracked, a, y + 4, b, LAYOUT.laneHeight - 8);
      if ((end - start) * pxPerMs < 1) {
        j = Math.max(j + 1, nextToDraw(timeline, list, x.invert(a + 1)));
        continue;
      }
    }
    j++;
  }
}

/**
 * Past a stint narrower than a pixel, the next of a lane's `stints` (sorted by start) to draw: the
 * first that reaches past `time` (where the next pixel begins). Those that start and end before
 * it are under the pixel already drawn; but the last to start before it may run on — a block
 * that begins in the same pixel as a short stint of its task was skipped, and its lane showed no
 * block (the kitchen's /async-blocking, in a fitted view).
 */
function nextToDraw(timeline: Timeline, stints: readonly number[], time: number): number {
  const k = firstAtOrAfter(timeline.stints.start, stints, time);
  return k > 0 && timeline.stintEnd(stints[k - 1]) > time ? k - 1 : k;
}

const textWidths = new Map<string, number>();

/** `text` cut with an ellipsis to fit `max` CSS px (measurements cached). */
function fitText(ctx: CanvasRenderingContext2D, text: string, max: number): string {
  const measure = (t: string): number => {
    let w = textWidths.get(t);
    if (w === undefined) {
      w = ctx.measureText(t).width;
      if (textWidths.size > 5000) textWidths.clear();
      textWidths.set(t, w);
    }
    return w;
  };
  if (measure(text) <= max) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (measure(`${text.slice(0, mid)}…`) <= max) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
