/**
 * The timeline view: the DOM around the canvas, d3-zoom for wheel and drag, the vertical scroll of
 * the dish lanes, hover and click, the keyboard. One mapping from time to pixels: a base scale
 * over the whole trace that never changes, rescaled by the zoom transform (d3-zoom's idea).
 * Drawing happens at most once per animation frame, however many updates arrive.
 */
import { scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { ZoomBehavior, ZoomTransform, zoom, zoomIdentity } from 'd3-zoom';
import { blockLocation } from '../model/summary';
import { BlockInfo, Timeline } from '../model/timeline';
import { REASON_NAMES } from '../protocol/format';
import { LAYOUT, Lane, LaneFilter, firstAtOrAfter, gutterFor, laneAt, layoutLanes } from './layout';
import { Pause, RenderedState, SessionInfo, SourceLocation } from './protocol';
import { LANES_TOP, draw, formatDuration } from './renderer';
import { Theme, readTheme, watchTheme } from './theme';

/** The most the view zooms in: a few microseconds across the screen. */
const MAX_ZOOM = 1e7;
/** While following live, the newest this many ms are in view. */
const FOLLOW_WINDOW_MS = 5000;

export interface ViewCallbacks {
  openSource(location: SourceLocation): void;
  rendered(state: RenderedState): void;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent?: HTMLElement,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  parent?.appendChild(el);
  return el;
}

export class TimelineView {
  private timeline: Timeline = new Timeline();
  private session: SessionInfo | null = null;
  private pauses: Pause[] = [];
  private lanes: Lane[] = [];
  private lanesVersion = -1;
  private filter: LaneFilter = { text: '', hideInternal: false };
  private theme: Theme = readTheme();
  private transform: ZoomTransform = zoomIdentity;
  private readonly zoomBehavior: ZoomBehavior<HTMLCanvasElement, unknown>;
  private width = 0;
  private height = 0;
  private gutter: number = LAYOUT.gutter;
  private scrollTop = 0;
  private following = true;
  private frameRequested = false;
  private hoverTask = -1;
  private readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly followButton: HTMLButtonElement;

  constructor(
    parent: HTMLElement,
    private readonly callbacks: ViewCallbacks,
  ) {
    this.root = element('div', 'looplens', parent);
    const header = element('div', 'header', this.root);
    this.title = element('span', 'title', header);
    this.status = element('span', 'status', header);
    const tools = element('span', 'tools', header);
    const search = element('input', 'search', tools);
    search.type = 'search';
    search.placeholder = 'Filter lanes';
    search.setAttribute('aria-label', 'Filter lanes by name or kind');
    search.addEventListener('input', () => {
      this.filter = { ...this.filter, text: search.value };
      this.lanesVersion = -1;
      this.requestDraw();
    });
    const internal = element('button', 'tool', tools);
    internal.textContent = 'Hide internal';
    internal.title = 'Hide tasks created by library or runtime code';
    internal.setAttribute('aria-pressed', 'false');
    internal.addEventListener('click', () => {
      this.filter = { ...this.filter, hideInternal: !this.filter.hideInternal };
      internal.setAttribute('aria-pressed', String(this.filter.hideInternal));
      this.lanesVersion = -1;
      this.requestDraw();
    });
    const fit = element('button', 'tool', tools);
    fit.textContent = 'Fit';
    fit.title = 'Show the whole trace (F)';
    fit.addEventListener('click', () => this.fitAll());
    this.followButton = element('button', 'tool', tools);
    this.followButton.textContent = 'Follow live';
    this.followButton.title = 'Keep the newest events in view (L)';
    this.followButton.addEventListener('click', () => this.setFollowing(!this.following));
    this.problem = element('div', 'problem', this.root);
    this.problem.setAttribute('role', 'alert');

    const chart = element('div', 'chart', this.root);
    this.canvas = element('canvas', 'canvas', chart);
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute(
      'aria-label',
      'Event-loop timeline. Arrow keys pan, + and - zoom, F fits, L follows live.',
    );
    this.scroller = element('div', 'scroller', chart);
    this.spacer = element('div', 'spacer', this.scroller);
    this.tooltip = element('div', 'tooltip', this.root);
    this.tooltip.setAttribute('role', 'tooltip');

    this.scroller.addEventListener('scroll', () => {
      this.scrollTop = this.scroller.scrollTop;
      this.requestDraw();
    });
    this.zoomBehavior = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([0.5, MAX_ZOOM])
      .filter((event: Event) => {
        if (event.type === 'wheel') {
          const wheel = event as WheelEvent;
          // Shift+wheel scrolls the lanes instead of zooming.
          if (wheel.shiftKey) {
            this.scroller.scrollTop += wheel.deltaY || wheel.deltaX;
            return false;
          }
        }
        return !(event as MouseEvent).button;
      })
      .on('zoom', (event: { transform: ZoomTransform; sourceEvent: Event | null }) => {
        this.transform = event.transform;
        if (event.sourceEvent !== null) this.setFollowing(false);
        this.requestDraw();
      });
    select(this.canvas).call(this.zoomBehavior).on('dblclick.zoom', null);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hoverTask = -1;
      this.tooltip.style.display = 'none';
      this.requestDraw();
    });
    this.canvas.addEventListener('click', (e) => this.click(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.resize()).observe(chart);
    watchTheme(() => {
      this.theme = readTheme();
      this.requestDraw();
    });
    this.resize();
  }

  /** Starts over with a new timeline (a reset from the host). */
  setTimeline(timeline: Timeline): void {
    this.timeline = timeline;
    this.lanesVersion = -1;
    this.transform = zoomIdentity;
    select(this.canvas).call(this.zoomBehavior.transform, zoomIdentity);
    this.requestDraw();
  }

  setSession(session: SessionInfo): void {
    this.session = session;
    this.title.textContent = session.name;
    const state = {
      starting: 'waiting for the program',
      running: 'running',
      paused: 'paused in the debugger',
      ended: 'ended',
      file: 'trace file',
    }[session.state];
    this.status.textContent = `${state} · ${session.events.toLocaleString()} events${session.dropped > 0 ? ` · ${session.dropped.toLocaleString()} dropped` : ''}`;
    this.status.dataset.state = session.state;
    this.problem.textContent = session.problem ?? '';
    this.problem.style.display = session.problem !== null ? 'block' : 'none';
    if (session.state === 'ended' || session.state === 'file') this.setFollowing(false);
    this.requestDraw();
  }

  setPauses(pauses: Pause[]): void {
    this.pauses = pauses;
    this.requestDraw();
  }

  /** New data arrived in the timeline. */
  changed(): void {
    this.requestDraw();
  }

  private setFollowing(on: boolean): void {
    this.following =
      on &&
      this.session !== null &&
      (this.session.state === 'running' ||
        this.session.state === 'paused' ||
        this.session.state === 'starting');
    this.followButton.setAttribute('aria-pressed', String(this.following));
    if (this.following) this.requestDraw();
  }

  private fitAll(): void {
    this.setFollowing(false);
    select(this.canvas).call(this.zoomBehavior.transform, zoomIdentity);
  }

  private requestDraw(): void {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => {
      this.frameRequested = false;
      this.render();
    });
  }

  private resize(): void {
    const box = this.canvas.parentElement!.getBoundingClientRect();
    this.width = Math.max(100, Math.floor(box.width));
    this.height = Math.max(100, Math.floor(box.height));
    this.gutter = gutterFor(this.width);
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.requestDraw();
  }

  /** The base scale: the whole trace across the drawing area. It never changes with zoom. */
  private baseScale() {
    const t0 = this.timeline.startTime;
    const t1 = Math.max(this.timeline.endTime, t0 + 1);
    return scaleLinear().domain([t0, t1]).range([this.gutter, this.width]);
  }

  private xScale() {
    if (this.following) {
      // Follow live: the newest FOLLOW_WINDOW_MS fill the view; the zoom transform catches up.
      const base = this.baseScale();
      const t1 = Math.max(this.timeline.endTime, this.timeline.startTime + 1);
      const t0 = Math.max(this.timeline.startTime, t1 - FOLLOW_WINDOW_MS);
      const k = (base.domain()[1] - base.domain()[0]) / Math.max(t1 - t0, 1e-6);
      this.transform = zoomIdentity.translate(this.gutter - k * base(t0), 0).scale(k);
      // d3-zoom keeps its state on the element: the next wheel or drag starts from this view.
      (this.canvas as unknown as { __zoom: ZoomTransform }).__zoom = this.transform;
    }
    return this.transform.rescaleX(this.baseScale());
  }

  private refreshLanes(): void {
    if (
      this.lanesVersion === this.timeline.tasks.length &&
      this.filter.text === '' &&
      !this.filter.hideInternal
    )
      return;
    this.lanes = layoutLanes(this.timeline, this.filter);
    this.lanesVersion = this.timeline.tasks.length;
    const last = this.lanes[this.lanes.length - 1];
    const contentHeight = LANES_TOP + (last !== undefined ? last.y + LAYOUT.laneHeight : 0) + 8;
    this.spacer.style.height = `${contentHeight}px`;
  }

  private render(): void {
    this.refreshLanes();
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const x = this.xScale();
    draw({
      ctx,
      width: this.width,
      height: this.height,
      x,
      timeline: this.timeline,
      lanes: this.lanes,
      scrollTop: this.scrollTop,
      pauses: this.pauses,
      theme: this.theme,
      hoverTask: this.hoverTask,
      selectedTask: -1,
      cursor: null,
      gutter: this.gutter,
    });
    if (this.session !== null) {
      const [v0, v1] = [x.invert(this.gutter), x.invert(this.width)];
      this.callbacks.rendered({
        sessionId: this.session.id,
        lanes: this.lanes.map((l) => {
          const t = this.timeline.tasks[l.task];
          return { id: t.id, name: t.name, kind: t.kind, stints: t.stints.length };
        }),
        stints: this.timeline.stintCount,
        blocks: this.timeline.blocks.length,
        pauses: this.pauses.length,
        view: [v0, v1],
        width: this.width,
        height: this.height,
      });
    }
  }

  // ------------------------------------------------------------------ pointer and keyboard

  /** The lane (task index) and time under a CSS-pixel point; -1 for the chef lane, -2 for none. */
  private hit(
    px: number,
    py: number,
  ): { task: number; time: number; lane: 'chef' | 'lag' | 'dish' | 'none' } {
    const time = this.xScale().invert(px);
    if (py >= LAYOUT.axisHeight && py < LAYOUT.axisHeight + LAYOUT.chefHeight)
      return { task: -1, time, lane: 'chef' };
    if (py >= LAYOUT.axisHeight + LAYOUT.chefHeight && py < LANES_TOP) return { task: -2, time, lane: 'lag' };
    if (py < LANES_TOP) return { task: -2, time, lane: 'none' };
    const y = py - LANES_TOP + this.scrollTop;
    const k = laneAt(this.lanes, y);
    const lane = this.lanes[k];
    if (lane === undefined || y < lane.y) return { task: -2, time, lane: 'none' };
    return { task: lane.task, time, lane: 'dish' };
  }

  /** The stint of `task` (or of the loop, for -1) at `time`, within a few pixels. */
  private stintAt(task: number, time: number): number {
    const s = this.timeline.stints;
    const x = this.xScale();
    const slack = Math.abs(x.invert(3) - x.invert(0));
    if (task === -1) {
      const i = this.timeline.firstStintAfter(time - slack);
      return i < s.length && s.start[i] <= time + slack ? i : -1;
    }
    const stints = this.timeline.tasks[task].stints;
    const j = firstAtOrAfter(s.start, stints, time + slack) - 1;
    if (j < 0) return -1;
    const st = stints[j];
    return this.timeline.stintEnd(st) >= time - slack ? st : -1;
  }

  private blockOf(stint: number): BlockInfo | undefined {
    return this.timeline.blocks.find((b) => b.stint === stint);
  }

  private hover(event: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    const hit = this.hit(px, py);
    const lines: string[] = [];
    let taskIndex = hit.task;
    const stint = hit.task >= -1 ? this.stintAt(hit.task, hit.time) : -1;
    if (stint >= 0) taskIndex = this.timeline.stints.task[stint];
    if (taskIndex >= 0) {
      const task = this.timeline.tasks[taskIndex];
      lines.push(`${task.name}  (${task.kind})`);
      if (stint >= 0) {
        const s = this.timeline.stints;
        const duration = this.timeline.stintEnd(stint) - s.start[stint];
        const block = this.blockOf(stint);
        lines.push(
          `${block !== undefined ? 'BLOCK: running' : 'running'} for ${formatDuration(duration)} — ${reasonText(REASON_NAMES[s.reason[stint]] ?? 'unknown')}`,
        );
        const ready = s.readySince[stint];
        if (Number.isFinite(ready))
          lines.push(`was ready ${formatDuration(s.start[stint] - ready)} before the loop got to it`);
        if (block !== undefined) {
          for (const frame of block.frames.slice(0, 3)) {
            const share = block.frames.reduce((n, f) => n + f.weightUs, 0);
            lines.push(
              `  ${Math.round((frame.weightUs / Math.max(share, 1)) * 100)}% ${frame.name || '(anonymous)'} ${where(frame.location)}`,
            );
          }
        }
      } else {
        const end = this.timeline.taskEndTime(task);
        const state =
          end !== null && hit.time > end ? 'done' : hit.time < task.createdAt ? 'not yet created' : 'waiting';
        lines.push(state);
      }
      if (task.location !== null) lines.push(`created at ${where(task.location)}`);
    } else if (hit.lane === 'lag') {
      const p = this.timeline.lagPoints.find((q) => q.time >= hit.time);
      if (p !== undefined)
        lines.push(
          `event-loop lag: p50 ${formatDuration(p.p50Ms)}, p99 ${formatDuration(p.p99Ms)}, max ${formatDuration(p.maxMs)}`,
        );
    } else if (hit.lane === 'chef') {
      lines.push('idle: the loop waited for something to do');
    }
    this.hoverTask = taskIndex >= 0 ? taskIndex : -1;
    if (lines.length === 0) {
      this.tooltip.style.display = 'none';
    } else {
      this.tooltip.textContent = lines.join('\n');
      this.tooltip.style.display = 'block';
      const tipX = Math.min(px + 14, this.width - 320);
      this.tooltip.style.left = `${Math.max(0, tipX)}px`;
      this.tooltip.style.top = `${py + 40}px`;
    }
    this.requestDraw();
  }

  private click(event: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const hit = this.hit(event.clientX - rect.left, event.clientY - rect.top);
    const stint = hit.task >= -1 ? this.stintAt(hit.task, hit.time) : -1;
    const taskIndex = stint >= 0 ? this.timeline.stints.task[stint] : hit.task;
    if (taskIndex < 0) return;
    const task = this.timeline.tasks[taskIndex];
    const block = stint >= 0 ? this.blockOf(stint) : undefined;
    const location = block !== undefined ? blockLocation(block, task) : task.location;
    if (location !== null) this.callbacks.openSource(location);
  }

  private key(event: KeyboardEvent): void {
    const sel = select(this.canvas);
    const center: [number, number] = [(this.gutter + this.width) / 2, this.height / 2];
    switch (event.key) {
      case '+':
      case '=':
        this.setFollowing(false);
        sel.call(this.zoomBehavior.scaleBy, 1.5, center);
        break;
      case '-':
        this.setFollowing(false);
        sel.call(this.zoomBehavior.scaleBy, 1 / 1.5, center);
        break;
      case 'ArrowLeft':
        this.setFollowing(false);
        sel.call(this.zoomBehavior.translateBy, (this.width - this.gutter) / 8 / this.transform.k, 0);
        break;
      case 'ArrowRight':
        this.setFollowing(false);
        sel.call(this.zoomBehavior.translateBy, -(this.width - this.gutter) / 8 / this.transform.k, 0);
        break;
      case 'ArrowUp':
        this.scroller.scrollTop -= LAYOUT.laneHeight * 3;
        break;
      case 'ArrowDown':
        this.scroller.scrollTop += LAYOUT.laneHeight * 3;
        break;
      case 'PageUp':
        this.scroller.scrollTop -= this.height - LANES_TOP;
        break;
      case 'PageDown':
        this.scroller.scrollTop += this.height - LANES_TOP;
        break;
      case 'f':
      case 'F':
        this.fitAll();
        break;
      case 'l':
      case 'L':
        this.setFollowing(!this.following);
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}

function where(location: SourceLocation | null): string {
  if (location === null) return '';
  const file = location.file.split(/[\\/]/).pop() ?? location.file;
  return `${file}:${location.line}`;
}

function reasonText(reason: string): string {
  return (
    (
      {
        start: 'its first run',
        request: 'a request arrived',
        timer: 'a timer fired',
        immediate: 'an immediate ran',
        io: 'I/O completed',
        promise: 'a promise it awaited was resolved',
        event: 'an event was emitted',
        scope: 'its scope was entered',
        message: 'a worker sent a message',
        resume: 'it went on after another task',
        unknown: 'resumed',
      } as Record<string, string>
    )[reason] ?? reason
  );
}
