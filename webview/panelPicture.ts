/**
 * The PNG export: the panel as a person sees it, in one picture — the header (the trace's name, its
 * state, a block going on now), the step bar when a step is shown, the overview strip, the chart,
 * and the legend with what its colours mean. The chart and the overview are copied from their
 * canvases pixel for pixel; the rest is drawn again from the panel's own text and colours (a page
 * cannot take a picture of its DOM).
 */
import { Theme } from './theme';

/** Heights of the bands around the chart, CSS px. */
export const PICTURE_BANDS = { header: 28, step: 22, legend: 24 } as const;

export interface LegendEntry {
  label: string;
  /** The swatch's colour, its size in CSS px and its opacity, as the legend shows it. */
  color: string;
  width: number;
  height: number;
  opacity: number;
}

export interface PanelParts {
  /** The chart canvas and its size in CSS px (its backing store is `ratio` times that). */
  chart: HTMLCanvasElement;
  width: number;
  height: number;
  ratio: number;
  /** The overview canvas and its height in CSS px (as wide as the chart). */
  overview: HTMLCanvasElement;
  overviewHeight: number;
  /** The overview's brush, CSS px (null: none). */
  brush: [number, number] | null;
  title: string;
  status: string;
  /** "Loop blocked now: …", or "". */
  blocked: string;
  /** What the step bar says, or null when it is hidden. */
  step: string | null;
  legend: LegendEntry[];
  /** The legend's note on folded and filtered lanes, or "". */
  legendNote: string;
  theme: Theme;
}

/** Where each part of the picture is, CSS px from the top. */
export interface PictureLayout {
  overviewTop: number;
  chartTop: number;
  legendTop: number;
  height: number;
}

export function pictureLayout(parts: Pick<PanelParts, 'height' | 'overviewHeight' | 'step'>): PictureLayout {
  const overviewTop = PICTURE_BANDS.header + (parts.step !== null ? PICTURE_BANDS.step : 0);
  const chartTop = overviewTop + parts.overviewHeight;
  const legendTop = chartTop + parts.height;
  return { overviewTop, chartTop, legendTop, height: legendTop + PICTURE_BANDS.legend };
}

/** Draws the whole panel on a new canvas (`ratio` device pixels per CSS pixel). */
export function drawPanel(parts: PanelParts): HTMLCanvasElement {
  const { width, ratio, theme } = parts;
  const layout = pictureLayout(parts);
  const out = document.createElement('canvas');
  out.width = Math.round(width * ratio);
  out.height = Math.round(layout.height * ratio);
  const ctx = out.getContext('2d');
  if (ctx === null) throw new Error('the canvas has no 2D context');
  ctx.fillStyle = theme.background;
  ctx.fillRect(0, 0, out.width, out.height);
  // The canvases' own pixels, at their places.
  ctx.drawImage(parts.overview, 0, Math.round(layout.overviewTop * ratio));
  ctx.drawImage(parts.chart, 0, Math.round(layout.chartTop * ratio));
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  if (parts.brush !== null) {
    // The brush is not on the overview's canvas (d3 draws it in SVG): drawn as the panel shows it.
    const [a, b] = parts.brush;
    ctx.globalAlpha = 0.25;
    ctx.fillStyle = theme.focus;
    ctx.fillRect(a, layout.overviewTop, b - a, parts.overviewHeight);
    ctx.globalAlpha = 1;
    ctx.strokeStyle = theme.focus;
    ctx.strokeRect(a + 0.5, layout.overviewTop + 0.5, Math.max(0, b - a - 1), parts.overviewHeight - 1);
  }
  ctx.textBaseline = 'middle';
  const font = (weight: string, size: number): string => `${weight} ${size}px ${theme.font}`;
  // Header: the name in bold, then the state, then a block going on now in the block colour.
  let x = 10;
  const mid = PICTURE_BANDS.header / 2;
  const room = (): number => Math.max(0, width - 10 - x);
  ctx.font = font('600', 13);
  ctx.fillStyle = theme.foreground;
  x += fitText(ctx, parts.title, x, mid, room()) + 12;
  ctx.font = font('400', 12);
  ctx.fillStyle = theme.muted;
  x += fitText(ctx, parts.status, x, mid, room()) + 12;
  if (parts.blocked !== '') {
    ctx.font = font('600', 12);
    ctx.fillStyle = theme.block;
    fitText(ctx, parts.blocked, x, mid, room());
  }
  ctx.fillStyle = theme.grid;
  ctx.fillRect(0, PICTURE_BANDS.header - 1, width, 1);
  if (parts.step !== null) {
    ctx.font = font('400', 12);
    ctx.fillStyle = theme.foreground;
    fitText(ctx, parts.step, 10, PICTURE_BANDS.header + PICTURE_BANDS.step / 2, width - 20);
  }
  // Legend: each swatch as the panel draws it, then its label; the note at the right.
  const legendMid = layout.legendTop + PICTURE_BANDS.legend / 2;
  ctx.font = font('400', 11);
  x = 10;
  for (const entry of parts.legend) {
    ctx.globalAlpha = entry.opacity;
    ctx.fillStyle = entry.color;
    ctx.fillRect(x, legendMid - entry.height / 2, entry.width, entry.height);
    ctx.globalAlpha = 1;
    x += Math.max(entry.width, 1) + 5;
    ctx.fillStyle = theme.muted;
    x += fitText(ctx, entry.label, x, legendMid, room()) + 14;
  }
  if (parts.legendNote !== '') {
    const w = Math.min(ctx.measureText(parts.legendNote).width, room());
    fitText(ctx, parts.legendNote, width - 10 - w, legendMid, w);
  }
  return out;
}

/** The legend's items as the panel shows them: each visible swatch's colour and size, its label. */
export function legendEntries(legend: HTMLElement): LegendEntry[] {
  const entries: LegendEntry[] = [];
  for (const item of Array.from(legend.querySelectorAll<HTMLElement>('.legend-item'))) {
    if (item.style.display === 'none') continue;
    const swatch = item.querySelector<HTMLElement>('.swatch');
    if (swatch === null) continue;
    const style = getComputedStyle(swatch);
    entries.push({
      label: item.textContent ?? '',
      color: style.backgroundColor,
      width: parseFloat(style.width) || 14,
      height: parseFloat(style.height) || 9,
      opacity: Number(style.opacity) || 1,
    });
  }
  return entries;
}

/** Draws `text` from `x` within `room` px (cut with an ellipsis when longer); returns its width. */
function fitText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, room: number): number {
  if (room <= 0 || text === '') return 0;
  let shown = text;
  if (ctx.measureText(shown).width > room) {
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (ctx.measureText(`${text.slice(0, mid)}…`).width <= room) lo = mid;
      else hi = mid - 1;
    }
    shown = lo === 0 ? '' : `${text.slice(0, lo)}…`;
  }
  ctx.fillText(shown, x, y);
  return ctx.measureText(shown).width;
}
