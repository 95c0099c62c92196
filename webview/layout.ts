/**
 * Which lanes the timeline shows, in which order, at which height: pure code (no DOM), tested in
 * plain Node. The chef lane and the lag track come first; then one lane per task in order of
 * creation, with each task's sub-tasks (background work, Promise.all members) right under it.
 *
 * Coordinate spaces, used the same way everywhere in the webview:
 *  - time: trace-clock milliseconds;
 *  - CSS pixels: layout and input (what d3 and mouse events speak);
 *  - device pixels: the canvas's backing store (CSS pixels × devicePixelRatio), only in the renderer.
 */
import { Timeline, TimelineTask } from '../model/timeline';

export const LAYOUT = {
  /** Height of the time axis at the top, CSS px. */
  axisHeight: 22,
  chefHeight: 30,
  lagHeight: 26,
  laneHeight: 18,
  laneGap: 2,
  /** Width of the lane labels on the left when they fit in it, at most, CSS px (see gutterFor). */
  gutter: 210,
  /** Width of the lane labels, at most, when a label needs more than `gutter`, CSS px. */
  gutterMax: 320,
  /** The share of the view the lane labels may take at most, when a label needs more. */
  gutterShare: 0.4,
  /** The label's left edge, CSS px, before its depth's indentation, and its text after its swatch. */
  labelLeft: 8,
  labelText: 11,
  /** Room between a label and the drawing area, CSS px. */
  labelGap: 10,
  /** Indentation of a sub-task's label per level, CSS px. */
  indent: 12,
} as const;

/** Where the dish lanes begin, CSS px from the top of the chart. */
export const LANES_TOP = LAYOUT.axisHeight + LAYOUT.chefHeight + LAYOUT.lagHeight + 6;

/**
 * The lane labels' width for a view `width` CSS px wide: a quarter of it, 120 to 210 px — or, where
 * the widest label (`labelPx`, see labelWidth) needs more, as much as it needs up to 40% of the
 * view and 320 px: the chart keeps most of the room, and "GET /api/orders/:orderId" is not cut
 * to "GET /api/orders/:ord…" in a 600 px panel.
 */
export function gutterFor(width: number, labelPx = 0): number {
  const base = Math.min(LAYOUT.gutter, Math.max(120, width * 0.25));
  const most = Math.max(base, Math.min(LAYOUT.gutterMax, width * LAYOUT.gutterShare));
  return Math.round(Math.min(most, Math.max(base, labelPx)));
}

/** The room a lane's label takes whole, CSS px: its indentation, swatch, text (`textPx` wide) and gap. */
export function labelWidth(depth: number, textPx: number): number {
  return LAYOUT.labelLeft + depth * LAYOUT.indent + LAYOUT.labelText + textPx + LAYOUT.labelGap;
}

/** The `task` of the lane that folds every hidden internal task into one line. */
export const FOLDED_LANE = -3;

export interface Lane {
  /** Task index, or FOLDED_LANE. */
  task: number;
  depth: number;
  /** Top of the lane in content coordinates (before vertical scrolling), CSS px. */
  y: number;
}

export interface LaneFilter {
  /** Case-insensitive text that the task's name or kind must contain ('' for all). */
  text: string;
  /** Hide tasks created by library or runtime code. */
  hideInternal: boolean;
}

export interface LaneLayout {
  lanes: Lane[];
  /** Internal tasks folded into the last lane (when hiding internal tasks), by task index. */
  folded: number[];
  /** Tasks the text filter leaves out. */
  filteredOut: number;
}

/** The lanes for a timeline, parents before their children. */
export function layoutLanes(
  timeline: Timeline,
  filter: LaneFilter = { text: '', hideInternal: false },
): Lane[] {
  return layoutView(timeline, filter).lanes;
}

/**
 * The lanes for a timeline, parents before their children; with `hideInternal`, the internal tasks
 * the filter lets through are folded into one last lane, which says how much it holds.
 */
export function layoutView(
  timeline: Timeline,
  filter: LaneFilter = { text: '', hideInternal: false },
): LaneLayout {
  const tasks = timeline.tasks;
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  for (const task of tasks) {
    if ((task.index === 0 && task.stints.length === 0) || task.mergedInto !== -1) continue;
    if (task.parent >= 0 && task.parent < tasks.length) {
      let list = children.get(task.parent);
      if (list === undefined) children.set(task.parent, (list = []));
      list.push(task.index);
    } else {
      roots.push(task.index);
    }
  }
  const text = filter.text.trim().toLowerCase();
  const matches = (t: TimelineTask): boolean =>
    text === '' || t.name.toLowerCase().includes(text) || t.kind.includes(text);
  const lanes: Lane[] = [];
  const folded: number[] = [];
  let filteredOut = 0;
  let y = 0;
  const visit = (index: number, depth: number, seen: Set<number>): void => {
    if (seen.has(index)) return;
    seen.add(index);
    const task = tasks[index];
    if (!matches(task)) {
      filteredOut++;
    } else if (filter.hideInternal && task.internal) {
      folded.push(index);
    } else {
      lanes.push({ task: index, depth, y });
      y += LAYOUT.laneHeight + LAYOUT.laneGap;
    }
    for (const child of children.get(index) ?? []) visit(child, depth + 1, seen);
  };
  const seen = new Set<number>();
  const byCreation = (a: number, b: number): number => tasks[a].createdAt - tasks[b].createdAt || a - b;
  for (const root of roots.sort(byCreation)) visit(root, 0, seen);
  if (folded.length > 0) lanes.push({ task: FOLDED_LANE, depth: 0, y });
  return { lanes, folded, filteredOut };
}

/** The index of the first lane whose bottom is below `y` (binary search). */
export function laneAt(lanes: readonly Lane[], y: number): number {
  let lo = 0;
  let hi = lanes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lanes[mid].y + LAYOUT.laneHeight <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first of `starts[idx[k]]` ≥ `time` among the stints `idx` (sorted by start). */
export function firstAtOrAfter(starts: Float64Array, idx: readonly number[], time: number): number {
  let lo = 0;
  let hi = idx.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (starts[idx[mid]] < time) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
