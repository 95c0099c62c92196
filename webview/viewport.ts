/**
 * What part of the trace the timeline shows: the one mapping from trace time to pixels, d3-zoom for
 * wheel and drag, and how the view keeps up with a live trace.
 *
 * The time base is fixed: BASE_SPAN_MS of trace time (from time 0) across the drawing area at zoom
 * 1, whatever the trace holds; d3-zoom's transform rescales it (d3-zoom's idea of a base scale that
 * never changes). So a view the user set — by a step, a drag, the overview brush, the keys — shows
 * the same time range however long a live trace grows, and a drag on the overview lands where it
 * was let go. Four modes:
 *  - `follow`: the newest FOLLOW_WINDOW_MS of a live trace, moving with it;
 *  - `fit`: the whole trace, growing with it;
 *  - `watch`: the work a lesson just sent the program (see watch.ts), growing with that work only
 *    and holding still once it is done — following instead until the work shows up;
 *  - `fixed`: what the user set, until the user sets another.
 */
import { ScaleLinear, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { ZoomBehavior, ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import type { ViewMode } from './protocol';

export type { ViewMode };

/** Trace time across the drawing area at zoom 1, ms. */
const BASE_SPAN_MS = 1000;
/** The narrowest view: a microsecond across the drawing area. */
const MAX_ZOOM = BASE_SPAN_MS / 0.001;
/** The widest: about a year. */
const MIN_ZOOM = BASE_SPAN_MS / 3.2e10;
/** While following live, the newest this many ms are in view. */
export const FOLLOW_WINDOW_MS = 5000;

export class Viewport {
  private mode: ViewMode = 'follow';
  private transform: ZoomTransform = zoomIdentity;
  private left = 0;
  private right = 100;
  private readonly behavior: ZoomBehavior<HTMLCanvasElement, unknown>;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    /** The whole trace now, [first, last] (trace clock ms; last > first). */
    private readonly extent: () => [number, number],
    /** Which pointer and wheel events zoom (d3-zoom's filter). */
    filter: (event: Event) => boolean,
    /** The view changed: draw again. */
    private readonly changed: () => void,
    /** The mode changed (the Follow button shows it). */
    private readonly modeChanged: (mode: ViewMode) => void,
    /** In `watch` mode: the range the watched work needs now, or null while none has come. */
    private readonly watched: () => [number, number] | null = () => null,
  ) {
    this.behavior = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([MIN_ZOOM, MAX_ZOOM])
      .filter(filter)
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        this.transform = event.transform;
        // A wheel or a drag: the user holds the view now.
        if (event.sourceEvent !== null) this.setMode('fixed');
        this.changed();
      });
    select(canvas).call(this.behavior).on('dblclick.zoom', null);
  }

  get current(): ViewMode {
    return this.mode;
  }

  setMode(mode: ViewMode): void {
    if (mode === this.mode) return;
    // Held: what a following or fitted view showed last stays.
    if (mode === 'fixed') this.scale();
    this.mode = mode;
    this.modeChanged(mode);
    this.changed();
  }

  /**
   * The drawing area, px: from the lane names' gutter to the right edge. A held view keeps its
   * time range: its transform is in pixels, and kept as it was it showed another part of the trace
   * at the new width (in VS Code, the first step opened the code beside the timeline, the panel
   * narrowed, and the view jumped seconds away from the switch the step bar named).
   */
  setArea(left: number, right: number): void {
    const held = this.mode === 'fixed' ? this.range() : null;
    this.left = left;
    this.right = Math.max(left + 1, right);
    if (held !== null) this.set(this.transformFor(held[0], held[1]));
  }

  /** Starts over (a new trace): following, until the session says otherwise. */
  reset(): void {
    this.mode = 'follow';
    this.modeChanged(this.mode);
    this.set(zoomIdentity);
  }

  /** The x scale of this frame: a following or fitted view catches up with the trace first. */
  scale(): ScaleLinear<number, number> {
    if (this.mode !== 'fixed') {
      const [first, last] = this.extent();
      const range = this.mode === 'watch' ? this.watched() : null;
      if (range !== null) this.set(this.transformFor(range[0], range[1]));
      else {
        const start = this.mode === 'fit' ? first : Math.max(first, last - FOLLOW_WINDOW_MS);
        this.set(this.transformFor(start, last));
      }
    }
    return this.transform.rescaleX(this.base());
  }

  /** The time range in view, [start, end] (trace clock ms). */
  range(): [number, number] {
    const x = this.scale();
    return [x.invert(this.left), x.invert(this.right)];
  }

  /** What the overview's brush shows: the range in view, or null when the whole trace is fitted. */
  brush(): [number, number] | null {
    return this.mode === 'fit' ? null : this.range();
  }

  /** Shows [start, end] across the drawing area and holds it there. */
  show(start: number, end: number): void {
    this.setMode('fixed');
    select(this.canvas).call(this.behavior.transform, this.transformFor(start, end));
  }

  /**
   * Shows a window around `time` at least `need` ms wide (the span in view, when it is neither
   * narrower nor fifty times wider), centred — but never past the trace's ends: the window slides
   * inside it instead.
   */
  centerOn(time: number, need: number): void {
    const [v0, v1] = this.range();
    const current = v1 - v0;
    const span = current >= need && current <= need * 50 ? current : need;
    const [start, end] = this.extent();
    let lo = time - span / 2;
    let hi = time + span / 2;
    if (hi - lo >= end - start) [lo, hi] = [start, end];
    else if (lo < start) [lo, hi] = [start, hi + (start - lo)];
    else if (hi > end) [lo, hi] = [lo - (hi - end), end];
    this.show(lo, hi);
  }

  /** Shows the watched work (the constructor's `watched`), as it grows, until the user moves. */
  watch(): void {
    this.setMode('watch');
  }

  /** Shows the whole trace, and keeps showing it as it grows. */
  fit(): void {
    this.setMode('fit');
  }

  /** Zooms by `factor` about `center` (px), and holds the view. */
  zoomBy(factor: number, center: [number, number]): void {
    this.hold();
    select(this.canvas).call(this.behavior.scaleBy, factor, center);
  }

  /** Pans by `px` (positive: earlier time comes into view), and holds the view. */
  panBy(px: number): void {
    this.hold();
    select(this.canvas).call(this.behavior.translateBy, px / this.transform.k, 0);
  }

  /** Holds the view as it is now (the transform a following view had is kept). */
  private hold(): void {
    this.setMode('fixed');
  }

  private base(): ScaleLinear<number, number> {
    return scaleLinear().domain([0, BASE_SPAN_MS]).range([this.left, this.right]);
  }

  private transformFor(start: number, end: number): ZoomTransform {
    const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, BASE_SPAN_MS / Math.max(end - start, 1e-6)));
    return zoomIdentity.translate(this.left - k * this.base()(start), 0).scale(k);
  }

  /** Sets the transform without a zoom event; d3-zoom keeps it on the element for the next gesture. */
  private set(transform: ZoomTransform): void {
    this.transform = transform;
    (this.canvas as unknown as { __zoom: ZoomTransform }).__zoom = transform;
  }
}
