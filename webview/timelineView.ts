/**
 * The timeline view: the DOM around the canvas, the vertical scroll of the dish lanes, hover and
 * click, the keyboard. What part of the trace is in view, and the mapping from time to pixels, is
 * the viewport's (viewport.ts). Drawing happens at most once per animation frame, however many
 * updates arrive.
 */
import { blockLocation } from '../model/summary';
import { Stepper, reasonText, where } from '../model/steps';
import { BlockInfo, SwitchInfo, Timeline } from '../model/timeline';
import { REASON_NAMES } from '../protocol/format';
import {
  FOLDED_LANE,
  LANES_TOP,
  LAYOUT,
  Lane,
  LaneFilter,
  firstAtOrAfter,
  gutterFor,
  laneAt,
  layoutView,
} from './layout';
import { Overview } from './overview';
import { ImageFormat, Pause, RenderedState, SessionInfo, SourceLocation, StepInfo } from './protocol';
import { Frame, draw, formatDuration } from './renderer';
import { SvgContext } from './svgContext';
import { Theme, readTheme, watchTheme } from './theme';
import { Viewport } from './viewport';

/** A step keeps the switch in a window at least this wide, ms, and this many times its stints. */
const STEP_MIN_SPAN_MS = 2;
const STEP_SPAN_FACTOR = 4;

export interface ViewCallbacks {
  openSource(location: SourceLocation): void;
  rendered(state: RenderedState): void;
  /** The step cursor moved (null: no switch that way). */
  stepped(step: StepInfo | null): void;
  /** The user asked to export from the panel. */
  exportRequested?(): void;
  log(level: 'info' | 'warn' | 'error', message: string): void;
}

export interface ViewOptions {
  /** Inside VS Code (an export button, sources open in the editor); false in a plain page. */
  inVsCode: boolean;
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

/** Lanes listed in a `rendered` report at most. */
const MAX_REPORTED_LANES = 1000;

export class TimelineView {
  private timeline: Timeline = new Timeline();
  private session: SessionInfo | null = null;
  private pauses: Pause[] = [];
  private lanes: Lane[] = [];
  private lanesVersion = -1;
  private lanesStructure = -1;
  private filter: LaneFilter = { text: '', hideInternal: true };
  /** Internal tasks folded into one lane: which, and their stints in time order (grown as data comes). */
  private foldedTasks = new Uint8Array(0);
  private foldedCount = 0;
  private foldedStints: number[] = [];
  private foldedScanned = 0;
  private hiddenLanes = 0;
  private theme: Theme = readTheme();
  private readonly viewport: Viewport;
  private width = 0;
  private height = 0;
  private gutter: number = LAYOUT.gutter;
  private scrollTop = 0;
  private frameRequested = false;
  private hoverTask = -1;
  private lastDrawMs = 0;
  private brushRange: [number, number] | null = null;
  /** The step cursor: the switch it stands on, its number (1-based), and what was reported. */
  private stepper: Stepper = new Stepper(this.timeline, formatDuration);
  private stepReport: StepInfo | null = null;
  private readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly blocked: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly stepBar: HTMLElement;
  private readonly overview: Overview;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly followButton: HTMLButtonElement;
  private readonly internalButton: HTMLButtonElement;
  private readonly search: HTMLInputElement;
  private readonly legendHidden: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly callbacks: ViewCallbacks,
    options: ViewOptions = { inVsCode: true },
  ) {
    this.root = element('div', 'looplens', parent);
    const header = element('div', 'header', this.root);
    this.title = element('span', 'title', header);
    this.status = element('span', 'status', header);
    this.blocked = element('span', 'blocked-now', header);
    this.blocked.style.display = 'none';
    const tools = element('span', 'tools', header);
    this.search = element('input', 'search', tools);
    this.search.type = 'search';
    this.search.placeholder = 'Filter lanes';
    this.search.title = 'Show only tasks whose name or kind contains this (/)';
    this.search.setAttribute('aria-label', 'Filter lanes by name or kind');
    this.search.addEventListener('input', () => {
      this.filter = { ...this.filter, text: this.search.value };
      this.lanesVersion = -1;
      this.requestDraw();
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' || e.key === 'Enter') {
        this.canvas.focus();
        e.preventDefault();
      }
    });
    this.internalButton = this.button(
      tools,
      'Hide internal',
      'Fold tasks made by libraries and Node itself into one lane (I)',
      () => this.toggleInternal(),
    );
    this.internalButton.setAttribute('aria-pressed', 'true');
    this.button(tools, '◀ Switch', 'Previous task switch (P, or Alt+[ in VS Code)', () =>
      this.step('previous'),
    );
    this.button(tools, 'Switch ▶', 'Next task switch (N, or Alt+] in VS Code)', () => this.step('next'));
    this.button(tools, 'Fit', 'Show the whole trace (F)', () => this.viewport.fit());
    this.followButton = this.button(tools, 'Follow live', 'Keep the newest events in view (L)', () =>
      this.setFollowing(this.viewport.current !== 'follow'),
    );
    if (options.inVsCode && callbacks.exportRequested !== undefined) {
      const exportRequested = callbacks.exportRequested.bind(callbacks);
      this.button(
        tools,
        'Export…',
        'Export a snapshot: PNG, SVG, HTML, trace file or Chrome trace',
        exportRequested,
      );
    }
    this.problem = element('div', 'problem', this.root);
    this.problem.setAttribute('role', 'alert');
    this.stepBar = element('div', 'stepbar', this.root);
    this.stepBar.setAttribute('role', 'status');
    this.stepBar.setAttribute('aria-live', 'polite');
    this.overview = new Overview(this.root, (range) => this.showRange(range));

    const chart = element('div', 'chart', this.root);
    this.canvas = element('canvas', 'canvas', chart);
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute(
      'aria-label',
      'Event-loop timeline. N and P step through task switches, Enter opens the line, arrow keys pan, + and - zoom, F fits, L follows live, I folds internal tasks, / filters.',
    );
    this.scroller = element('div', 'scroller', chart);
    this.spacer = element('div', 'spacer', this.scroller);
    this.tooltip = element('div', 'tooltip', this.root);
    this.tooltip.setAttribute('role', 'tooltip');
    const legend = element('div', 'legend', this.root);
    for (const [cls, label] of [
      ['running', 'running'],
      ['waiting', 'waiting'],
      ['ready', 'ready, not run'],
      ['block', 'block'],
      ['paused', 'paused in debugger'],
      ['responded', 'response sent'],
    ]) {
      const item = element('span', 'legend-item', legend);
      element('span', `swatch swatch-${cls}`, item);
      item.append(label);
    }
    this.legendHidden = element('span', 'legend-hidden', legend);

    this.scroller.addEventListener('scroll', () => {
      this.scrollTop = this.scroller.scrollTop;
      this.requestDraw();
    });
    this.viewport = new Viewport(
      this.canvas,
      () => {
        const first = this.timeline.firstTime;
        return [first, Math.max(this.liveEnd(), first + 1)];
      },
      (event: Event) => {
        if (event.type === 'wheel') {
          const wheel = event as WheelEvent;
          // Shift+wheel scrolls the lanes instead of zooming.
          if (wheel.shiftKey) {
            this.scroller.scrollTop += wheel.deltaY || wheel.deltaX;
            return false;
          }
        }
        return !(event as MouseEvent).button;
      },
      () => this.requestDraw(),
      (mode) => this.followButton.setAttribute('aria-pressed', String(mode === 'follow')),
    );
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('mouseleave', () => {
      this.hoverTask = -1;
      this.tooltip.style.display = 'none';
      this.requestDraw();
    });
    this.canvas.addEventListener('click', (e) => this.click(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    new ResizeObserver(() => this.resize()).observe(chart);
    this.watchPixelRatio();
    watchTheme(() => {
      this.theme = readTheme();
      this.requestDraw();
    });
    this.resize();
  }

  /** Stays sharp when the window moves to a screen of another pixel density (or zooms). */
  private watchPixelRatio(): void {
    const query = matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`);
    query.addEventListener(
      'change',
      () => {
        this.resize();
        this.watchPixelRatio();
      },
      { once: true },
    );
  }

  private button(parent: HTMLElement, label: string, title: string, action: () => void): HTMLButtonElement {
    const b = element('button', 'tool', parent);
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.addEventListener('click', action);
    return b;
  }

  /** Starts over with a new timeline (a reset from the host). */
  setTimeline(timeline: Timeline): void {
    this.timeline = timeline;
    this.lanesVersion = -1;
    this.viewport.reset();
    this.brushRange = null;
    this.stepper = new Stepper(timeline, formatDuration);
    this.showStep();
    // A lane hovered in the last timeline is not a lane of this one.
    this.hoverTask = -1;
    this.tooltip.style.display = 'none';
    this.requestDraw();
  }

  setSession(session: SessionInfo): void {
    this.session = { ...session, liveBlock: session.liveBlock ?? null };
    this.title.textContent = session.name;
    document.title = `${session.name} — Loop Lens`;
    const state = {
      starting: 'waiting for the program',
      running: 'running',
      paused: 'paused in the debugger',
      ended: 'ended',
      file: 'trace file',
    }[session.state];
    this.status.textContent = `${state} · ${session.events.toLocaleString()} events${session.dropped > 0 ? ` · ${session.dropped.toLocaleString()} dropped` : ''}`;
    this.status.dataset.state = session.state;
    // Said in words too, beside the state: the loop is held now.
    this.blocked.textContent =
      session.liveBlock == null
        ? ''
        : `Loop blocked now: ${formatDuration(session.liveBlock.durationMs)} in ${session.liveBlock.taskName}`;
    this.blocked.style.display = session.liveBlock == null ? 'none' : 'inline-block';
    this.showProblem();
    // A trace that no longer grows is shown whole (a file), or where it was when it ended.
    if (this.viewport.current === 'follow' && (session.state === 'ended' || session.state === 'file'))
      this.viewport.setMode(session.state === 'file' ? 'fit' : 'fixed');
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

  /** Follows a live trace (on), or holds the view where it is (off). */
  private setFollowing(on: boolean): void {
    const live =
      this.session !== null &&
      (this.session.state === 'running' ||
        this.session.state === 'paused' ||
        this.session.state === 'starting');
    if (on && live) this.viewport.setMode('follow');
    else if (this.viewport.current === 'follow') this.viewport.show(...this.viewport.range());
  }

  private toggleInternal(): void {
    this.filter = { ...this.filter, hideInternal: !this.filter.hideInternal };
    this.internalButton.setAttribute('aria-pressed', String(this.filter.hideInternal));
    this.lanesVersion = -1;
    this.requestDraw();
  }

  /** Shows [time, time + durationMs] in the middle of the view, with as much again around it. */
  reveal(time: number, durationMs: number): void {
    const pad = Math.max(durationMs * 0.6, 20);
    this.showRange([time - pad, time + durationMs + pad]);
  }

  /** Shows the time range [t0, t1] (trace clock ms) across the drawing area; null shows everything. */
  private showRange(range: [number, number] | null): void {
    if (range === null) this.viewport.fit();
    else this.viewport.show(range[0], range[1]);
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
    this.viewport.setArea(this.gutter, this.width);
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.requestDraw();
  }

  /** The block going on right now, as the host last heard from the program's watchdog. */
  private liveBlock(): Frame['liveBlock'] {
    const live = this.session?.liveBlock ?? null;
    if (live === null) return null;
    const task = this.timeline.taskForWireId(live.task);
    return { ...live, task: task !== undefined ? task.index : -1 };
  }

  /** The newest time there is something to show: the trace's end, or a block still going on. */
  private liveEnd(): number {
    return Math.max(this.timeline.endTime, this.session?.liveBlock?.now ?? -Infinity);
  }

  private xScale() {
    return this.viewport.scale();
  }

  private refreshLanes(): void {
    const tasks = this.timeline.tasks;
    // Tasks are only ever added, except when one merges into another or changes parent.
    const structure = this.timeline.structureVersion;
    if (this.lanesVersion !== tasks.length || this.lanesStructure !== structure) {
      const restructured = this.lanesStructure !== structure;
      const layout = layoutView(this.timeline, this.filter);
      this.lanes = layout.lanes;
      this.lanesVersion = tasks.length;
      this.lanesStructure = structure;
      this.hiddenLanes = layout.folded.length + layout.filteredOut;
      // Folded stints: start over only if a task left the fold; new tasks only add stints ahead.
      const folded = new Uint8Array(tasks.length);
      for (const k of layout.folded) folded[k] = 1;
      let shrank = false;
      for (let k = 0; k < this.foldedTasks.length && !shrank; k++)
        shrank = this.foldedTasks[k] === 1 && folded[k] === 0;
      if (shrank || restructured || layout.folded.length < this.foldedCount) {
        this.foldedStints = [];
        this.foldedScanned = 0;
      }
      this.foldedTasks = folded;
      this.foldedCount = layout.folded.length;
      const last = this.lanes[this.lanes.length - 1];
      const contentHeight = LANES_TOP + (last !== undefined ? last.y + LAYOUT.laneHeight : 0) + 8;
      this.spacer.style.height = `${contentHeight}px`;
      this.legendHidden.textContent =
        this.hiddenLanes === 0
          ? ''
          : `${layout.folded.length > 0 ? `${layout.folded.length.toLocaleString()} internal task${layout.folded.length === 1 ? '' : 's'} folded` : ''}${layout.folded.length > 0 && layout.filteredOut > 0 ? ', ' : ''}${layout.filteredOut > 0 ? `${layout.filteredOut.toLocaleString()} filtered out` : ''}`;
    }
    // A stint is scanned once whatever the filter, until the set of folded tasks changes.
    const s = this.timeline.stints;
    if (this.foldedCount > 0) {
      for (let i = this.foldedScanned; i < s.length; i++)
        if (this.foldedTasks[s.task[i]] === 1) this.foldedStints.push(i);
    }
    this.foldedScanned = s.length;
  }

  private frame(ctx: CanvasRenderingContext2D): Frame {
    return {
      ctx,
      width: this.width,
      height: this.height,
      x: this.xScale(),
      timeline: this.timeline,
      lanes: this.lanes,
      scrollTop: this.scrollTop,
      pauses: this.pauses,
      theme: this.theme,
      hoverTask: this.hoverTask,
      step: ((c) => (c === null ? null : { time: c.time, from: c.from, to: c.to }))(this.stepper.cursor),
      folded: this.foldedCount > 0 ? { stints: this.foldedStints, tasks: this.foldedCount } : null,
      gutter: this.gutter,
      liveBlock: this.liveBlock(),
    };
  }

  /** The session's problem, and the model's own: the oldest part dropped to stay within its budget. */
  private showProblem(): void {
    const t = this.timeline;
    const lines: string[] = [];
    if (this.session?.problem != null) lines.push(this.session.problem);
    if (t.droppedBefore !== null)
      lines.push(
        `Trace too large: oldest part dropped. The timeline shows from ${formatDuration(t.droppedBefore - t.startTime)} on, to stay within ${this.session?.timelineMiB ?? '?'} MiB (the looplens.maxTimelineMiB setting); exports keep what was recorded.`,
      );
    this.problem.textContent = lines.join('\n');
    this.problem.style.display = lines.length > 0 ? 'block' : 'none';
  }

  private render(): void {
    const started = performance.now();
    if (this.stepper.follow()) {
      // The model dropped its oldest part: what the view held by stint index moved with it.
      this.hoverTask = -1;
      this.tooltip.style.display = 'none';
      this.showStep();
      this.showProblem();
    }
    this.refreshLanes();
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const frame = this.frame(ctx);
    draw(frame);
    const x = frame.x;
    const [v0, v1] = [x.invert(this.gutter), x.invert(this.width)];
    this.overview.draw(this.timeline, this.pauses, this.theme, this.width, this.gutter, frame.liveBlock);
    this.brushRange = this.viewport.brush();
    this.overview.show(this.brushRange);
    this.lastDrawMs = performance.now() - started;
    if (this.session !== null) {
      this.callbacks.rendered({
        sessionId: this.session.id,
        // The first lanes only: a report goes out with every frame, and 200 k lanes would cost more
        // to send than the frame did to draw.
        laneCount: this.lanes.length,
        lanes: this.lanes.slice(0, MAX_REPORTED_LANES).map((l) => {
          if (l.task === FOLDED_LANE)
            return {
              id: 'folded',
              name: `internal: ${this.foldedCount} tasks folded`,
              kind: 'folded',
              stints: this.foldedStints.length,
            };
          const t = this.timeline.tasks[l.task];
          return { id: t.id, name: t.name, kind: t.kind, stints: t.stints.length };
        }),
        stints: this.timeline.stintCount,
        blocks: this.timeline.blocks.length,
        pauses: this.pauses.length,
        view: [v0, v1],
        width: this.width,
        height: this.height,
        drawMs: this.lastDrawMs,
        brush: this.brushRange,
        step: this.stepReport,
        hiddenLanes: this.hiddenLanes,
        liveBlock:
          this.session.liveBlock === null
            ? null
            : { taskName: this.session.liveBlock.taskName, durationMs: this.session.liveBlock.durationMs },
      });
    }
  }

  // ------------------------------------------------------------------ stepping through switches

  /** Moves the step cursor to the next or previous task switch and reports where it stands. */
  step(direction: 'next' | 'previous'): StepInfo | null {
    const found = this.stepper.move(direction, this.viewport.range());
    if (found === null) {
      const growing = this.viewport.current === 'follow' || this.session?.state === 'running';
      this.stepBar.style.display = 'block';
      this.stepBar.textContent = this.stepper.none(direction, growing);
      this.callbacks.stepped(null);
      return null;
    }
    this.showStep();
    this.setFollowing(false);
    this.centerOn(found);
    this.revealLane(found.to);
    const info = this.stepReport!;
    this.callbacks.stepped(info);
    return info;
  }

  /** The step bar says where the cursor stands (or goes when it stands nowhere). */
  private showStep(): void {
    const finished = this.session?.state === 'ended' || this.session?.state === 'file';
    this.stepReport = this.stepper.describe(finished);
    const step = this.stepReport;
    if (step === null) {
      this.stepBar.style.display = 'none';
      this.stepBar.textContent = '';
    } else {
      this.stepBar.style.display = 'block';
      this.stepBar.textContent = `Switch ${step.index.toLocaleString()} of ${step.count.toLocaleString()} at ${formatDuration(step.time - this.timeline.startTime)}: ${step.text}`;
      this.stepBar.title = this.stepBar.textContent;
    }
    this.requestDraw();
  }

  /** Centres the view on a switch, wide enough to show the stints on both sides of it. */
  private centerOn(sw: SwitchInfo): void {
    const t = this.timeline;
    const s = t.stints;
    const around = Math.max(0, t.stintEnd(sw.toStint) - s.start[sw.fromStint]);
    const need = Math.max(around * STEP_SPAN_FACTOR, STEP_MIN_SPAN_MS);
    const x = this.xScale();
    const current = x.invert(this.width) - x.invert(this.gutter);
    const span = current >= need && current <= need * 50 ? current : need;
    // Centred, but never past the trace's ends: the window slides inside it instead.
    const start = t.firstTime;
    const end = Math.max(this.liveEnd(), start + 1);
    let lo = sw.time - span / 2;
    let hi = sw.time + span / 2;
    if (hi - lo >= end - start) [lo, hi] = [start, end];
    else if (lo < start) [lo, hi] = [start, hi + (start - lo)];
    else if (hi > end) [lo, hi] = [lo - (hi - end), end];
    this.showRange([lo, hi]);
  }

  /** Scrolls the lanes so that the task's lane is in view. */
  private revealLane(task: number): void {
    const lane = this.lanes.find((l) => l.task === task);
    if (lane === undefined) return;
    const visible = this.height - LANES_TOP;
    if (lane.y < this.scrollTop || lane.y + LAYOUT.laneHeight > this.scrollTop + visible)
      this.scroller.scrollTop = Math.max(0, lane.y - visible / 2);
  }

  // ------------------------------------------------------------------ snapshots

  /** The current view as an image: a PNG data: URL, or SVG text. */
  async snapshot(format: ImageFormat): Promise<string> {
    this.render();
    if (format === 'png') return this.canvas.toDataURL('image/png');
    const measurer = this.canvas.getContext('2d');
    if (measurer === null) throw new Error('the canvas has no 2D context');
    const svg = new SvgContext(this.width, this.height, measurer);
    draw(this.frame(svg as unknown as CanvasRenderingContext2D));
    // The measuring changed the real context's font: draw the screen again.
    this.requestDraw();
    return svg.toString();
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
    const stints = task === FOLDED_LANE ? this.foldedStints : this.timeline.tasks[task].stints;
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
    const stint = hit.task >= -1 || hit.task === FOLDED_LANE ? this.stintAt(hit.task, hit.time) : -1;
    if (stint >= 0) taskIndex = this.timeline.stints.task[stint];
    if (hit.task === FOLDED_LANE)
      lines.push(
        `${this.foldedCount.toLocaleString()} tasks of libraries and Node itself, folded (I shows them)`,
      );
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
        const resumes = block === undefined ? this.timeline.resumeLocation(stint) : null;
        if (resumes !== null) lines.push(`resumes after the await at ${where(resumes)}`);
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
        // Waiting: at the await its next stint resumes after.
        const next =
          state === 'waiting' ? task.stints.find((x) => this.timeline.stints.start[x] > hit.time) : undefined;
        const at = next !== undefined ? this.timeline.resumeLocation(next) : null;
        lines.push(at !== null ? `waiting at the await at ${where(at)}` : state);
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
    const stint = hit.task >= -1 || hit.task === FOLDED_LANE ? this.stintAt(hit.task, hit.time) : -1;
    const taskIndex = stint >= 0 ? this.timeline.stints.task[stint] : hit.task;
    if (taskIndex < 0) return;
    const task = this.timeline.tasks[taskIndex];
    const block = stint >= 0 ? this.blockOf(stint) : undefined;
    const location =
      block !== undefined
        ? blockLocation(block, task)
        : ((stint >= 0 ? this.timeline.resumeLocation(stint) : null) ?? task.location);
    if (location !== null) this.callbacks.openSource(location);
  }

  private key(event: KeyboardEvent): void {
    const center: [number, number] = [(this.gutter + this.width) / 2, this.height / 2];
    switch (event.key) {
      case '+':
      case '=':
        this.viewport.zoomBy(1.5, center);
        break;
      case '-':
        this.viewport.zoomBy(1 / 1.5, center);
        break;
      case 'ArrowLeft':
        this.viewport.panBy((this.width - this.gutter) / 8);
        break;
      case 'ArrowRight':
        this.viewport.panBy(-(this.width - this.gutter) / 8);
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
        this.viewport.fit();
        break;
      case 'l':
      case 'L':
        this.setFollowing(this.viewport.current !== 'follow');
        break;
      case 'n':
      case 'N':
      case '.':
        // Alt+] and Alt+[ belong to VS Code's keybindings: the webview leaves modified keys alone.
        if (event.altKey || event.ctrlKey || event.metaKey) return;
        this.step('next');
        break;
      case 'p':
      case 'P':
      case ',':
        if (event.altKey || event.ctrlKey || event.metaKey) return;
        this.step('previous');
        break;
      case 'i':
      case 'I':
        this.toggleInternal();
        break;
      case '/':
        this.search.focus();
        break;
      case 'Enter':
        if (this.stepReport?.location != null) this.callbacks.openSource(this.stepReport.location);
        break;
      case 'Escape':
        if (this.stepper.cursor === null) return;
        this.stepper.clear();
        this.showStep();
        break;
      default:
        return;
    }
    event.preventDefault();
  }
}
