/**
 * The overview strip: the whole trace in one line (how busy the loop was at each moment, blocks in
 * red, debugger pauses in blue) with a d3 brush that shows, and sets, the part the timeline shows.
 * Its busy profile is recomputed only when the trace or the width changed, at most a few times a
 * second while a live trace grows.
 */
import { BrushBehavior, brushX } from 'd3-brush';
import { ScaleLinear, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { Timeline } from '../model/timeline';
import { Pause } from './protocol';
import { Theme } from './theme';
import { axisLabels, axisTicks } from './timeAxis';

export const OVERVIEW_HEIGHT = 30;
/** About one time label on the strip per this many CSS px. */
const OVERVIEW_TICK_PX = 140;
/** The strip's time labels: their size, their top and the room on each side of them on their plate, CSS px. */
const LABEL_FONT_PX = 10;
const LABEL_TOP = 2;
const LABEL_PAD = 3;
/** Least time between two busy profiles of a growing trace, ms. */
const PROFILE_EVERY_MS = 250;

export class Overview {
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: SVGSVGElement;
  private readonly brush: BrushBehavior<unknown>;
  private readonly brushGroup: SVGGElement;
  private width = 0;
  private left = 0;
  private busy = new Float32Array(0);
  private profiled = { stints: -1, width: -1, end: -1, at: 0 };
  private scale: ScaleLinear<number, number> = scaleLinear();
  private moving = false;
  /** The brush as last shown, CSS px (null: none, the whole trace is in view). */
  private selection: [number, number] | null = null;

  constructor(
    parent: HTMLElement,
    /** The user brushed a time range (trace clock ms), or cleared the brush (null). */
    private readonly brushed: (range: [number, number] | null) => void,
  ) {
    const box = document.createElement('div');
    box.className = 'overview';
    parent.appendChild(box);
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'overview-canvas';
    this.canvas.setAttribute('aria-hidden', 'true');
    box.appendChild(this.canvas);
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('class', 'overview-brush');
    // Focusable, for the keyboard: the timeline's keys move what it shows (← → pan, + − zoom,
    // Home End, F), and it says what part of the trace that is, as a slider says its value.
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('role', 'slider');
    this.svg.setAttribute(
      'aria-label',
      'Overview of the whole trace: drag, or use ← → + − Home End F, to choose the part to show',
    );
    box.appendChild(this.svg);
    this.brushGroup = document.createElementNS('http://www.w3.org/2000/svg', 'g');
    this.svg.appendChild(this.brushGroup);
    this.brush = brushX<unknown>().on(
      'brush end',
      (event: { selection: [number, number] | null; sourceEvent: unknown }) => {
        if (this.moving || event.sourceEvent === null || event.sourceEvent === undefined) return;
        const sel = event.selection;
        this.brushed(sel === null ? null : [this.scale.invert(sel[0]), this.scale.invert(sel[1])]);
      },
    );
  }

  /** Redraws for the timeline's whole span, `width` CSS px wide with the lanes' gutter on the left. */
  draw(
    timeline: Timeline,
    pauses: readonly Pause[],
    theme: Theme,
    width: number,
    left: number,
    live: { since: number; now: number } | null = null,
  ): void {
    const ratio = window.devicePixelRatio || 1;
    if (width !== this.width || left !== this.left) {
      this.width = width;
      this.left = left;
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(OVERVIEW_HEIGHT * ratio);
      this.canvas.style.width = `${width}px`;
      this.canvas.style.height = `${OVERVIEW_HEIGHT}px`;
      this.svg.setAttribute('width', String(width));
      this.svg.setAttribute('height', String(OVERVIEW_HEIGHT));
      this.brush.extent([
        [left, 0],
        [width, OVERVIEW_HEIGHT],
      ]);
      select(this.brushGroup).call(this.brush);
    }
    const t0 = timeline.firstTime;
    // A block still going on is part of the whole: it ends where the latest word of it says.
    const t1 = Math.max(timeline.endTime, live?.now ?? -Infinity, t0 + 1);
    this.scale = scaleLinear().domain([t0, t1]).range([left, width]);
    this.profile(timeline, t0, t1);
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = theme.background;
    ctx.fillRect(0, 0, width, OVERVIEW_HEIGHT);
    ctx.font = `11px ${theme.font}`;
    ctx.textBaseline = 'middle';
    ctx.fillStyle = theme.muted;
    ctx.fillText(timeline.droppedBefore === null ? 'whole trace' : 'kept part', 8, OVERVIEW_HEIGHT / 2);
    // Busy share per column, as bar height.
    const h = OVERVIEW_HEIGHT - 6;
    ctx.fillStyle = theme.foreground;
    ctx.globalAlpha = 0.45;
    ctx.beginPath();
    for (let c = 0; c < this.busy.length; c++) {
      const share = Math.min(1, this.busy[c]);
      if (share <= 0) continue;
      const bh = Math.max(1, Math.round(share * h));
      ctx.rect(left + c, 3 + h - bh, 1, bh);
    }
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.fillStyle = theme.block;
    for (const block of timeline.blocks) {
      const a = this.scale(block.start);
      const b = Math.max(a + 2, this.scale(block.start + block.durationMs));
      ctx.fillRect(a, 3, b - a, h);
    }
    if (live !== null) {
      const a = this.scale(live.since);
      ctx.globalAlpha = 0.6;
      ctx.fillRect(a, 3, Math.max(2, this.scale(live.now) - a), h);
      ctx.globalAlpha = 1;
    }
    ctx.fillStyle = theme.pause;
    ctx.globalAlpha = 0.5;
    for (const pause of pauses) {
      const a = this.scale(pause.start);
      const b = Math.max(a + 2, this.scale(pause.end ?? t1));
      ctx.fillRect(a, 0, b - a, OVERVIEW_HEIGHT);
    }
    ctx.globalAlpha = 1;
    this.drawAxis(ctx, timeline.startTime, t0, t1, theme);
    ctx.fillStyle = theme.grid;
    ctx.fillRect(0, OVERVIEW_HEIGHT - 1, width, 1);
  }

  /**
   * The whole trace's times along the strip, as the chart's axis writes them (timeAxis.ts): a
   * tick at the bottom and its label above it, on a plate of the theme's background. A halo (a
   * stroke of the background round the letters) left the label on whatever was drawn there: grey
   * letters on a block's red read at a contrast of 1.3, under the 4.5 text needs. On the plate
   * they read as the "whole trace" label does, in every theme.
   */
  private drawAxis(ctx: CanvasRenderingContext2D, start: number, t0: number, t1: number, theme: Theme): void {
    const ticks = axisTicks(
      t0,
      t1,
      start,
      Math.max(2, Math.floor((this.width - this.left) / OVERVIEW_TICK_PX)),
    );
    const labels = axisLabels(ticks, start);
    ctx.font = `${LABEL_FONT_PX}px ${theme.font}`;
    ctx.textBaseline = 'top';
    for (const [k, tick] of ticks.entries()) {
      const px = Math.round(this.scale(tick)) + 0.5;
      if (px < this.left || px > this.width) continue;
      ctx.fillStyle = theme.muted;
      ctx.fillRect(px - 0.5, OVERVIEW_HEIGHT - 5, 1, 4);
      const label = labels[k];
      const w = Math.ceil(ctx.measureText(label).width);
      if (px + LABEL_PAD + w + LABEL_PAD > this.width) continue;
      ctx.fillStyle = theme.background;
      ctx.fillRect(px + 1, LABEL_TOP - 1, w + 2 * LABEL_PAD - 1, LABEL_FONT_PX + 3);
      ctx.fillStyle = theme.muted;
      ctx.fillText(label, px + LABEL_PAD, LABEL_TOP);
    }
  }

  /** Shows `range` (trace clock ms) as the brush; null clears it (the whole trace is in view). */
  show(range: [number, number] | null): void {
    this.moving = true;
    try {
      const sel =
        range === null
          ? null
          : ([
              Math.max(this.left, this.scale(range[0])),
              Math.min(this.width, Math.max(this.scale(range[1]), this.scale(range[0]) + 1)),
            ] as [number, number]);
      this.selection = sel !== null && sel[1] - sel[0] >= this.width - this.left - 1 ? null : sel;
      select(this.brushGroup).call(this.brush.move, this.selection);
    } finally {
      this.moving = false;
    }
  }

  /** The element that takes the focus (the view's keys work on it). */
  get element(): Element {
    return this.svg;
  }

  /**
   * Says what part of the trace is in view (for assistive technology): in words, and where its
   * middle is, in percent of the whole trace.
   */
  describe(text: string, middle: number): void {
    if (this.svg.getAttribute('aria-valuetext') === text) return;
    this.svg.setAttribute('aria-valuetext', text);
    this.svg.setAttribute('aria-valuemin', '0');
    this.svg.setAttribute('aria-valuemax', '100');
    this.svg.setAttribute('aria-valuenow', String(Math.round(Math.min(100, Math.max(0, middle)))));
  }

  /** The strip as drawn, and where its brush is (CSS px), for a picture of the panel. */
  picture(): { canvas: HTMLCanvasElement; brush: [number, number] | null } {
    return { canvas: this.canvas, brush: this.selection };
  }

  /** The busy share of each pixel column of the whole trace. */
  private profile(timeline: Timeline, t0: number, t1: number): void {
    const columns = Math.max(1, Math.floor(this.width - this.left));
    const p = this.profiled;
    const now = performance.now();
    const stale = p.stints !== timeline.stintCount || p.end !== t1;
    if (p.width === columns && (!stale || now - p.at < PROFILE_EVERY_MS)) return;
    const busy = new Float32Array(columns);
    const s = timeline.stints;
    const msPerColumn = (t1 - t0) / columns;
    for (let i = 0; i < s.length; i++) {
      const a = (s.start[i] - t0) / msPerColumn;
      const b = (timeline.stintEnd(i) - t0) / msPerColumn;
      const ca = Math.max(0, Math.floor(a));
      const cb = Math.min(columns - 1, Math.floor(b));
      if (ca === cb) {
        busy[ca] += b - a;
      } else {
        busy[ca] += ca + 1 - a;
        for (let c = ca + 1; c < cb; c++) busy[c] += 1;
        if (cb >= 0 && cb < columns) busy[cb] += b - cb;
      }
    }
    this.busy = busy;
    this.profiled = { stints: timeline.stintCount, width: columns, end: t1, at: now };
  }
}
