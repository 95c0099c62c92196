/**
 * The timeline view: the DOM around the canvas, the vertical scroll of the dish lanes, hover and
 * click, the keyboard. What part of the trace is in view, and the mapping from time to pixels, is
 * the viewport's (viewport.ts). Drawing happens at most once per animation frame, however many
 * updates arrive.
 */
import { Stepper, where } from '../model/steps';
import { blockLocation } from '../model/summary';
import { BlockInfo, EndInfo, SwitchInfo, Timeline } from '../model/timeline';
import { FOLDED_LANE, LANES_TOP, LAYOUT, Lane, gutterFor, labelWidth } from './layout';
import { Lanes } from './lanes';
import { NARROW_PX, buildChrome, emptyNote, endNote, placeTooltip, showSession } from './chrome';
import { handleKey, zoomsOrScrolls } from './keys';
import { OVERVIEW_HEIGHT, Overview } from './overview';
import { drawPanel, legendEntries } from './panelPicture';
import { Hit, PointerScene, clickLocation, hitAt, stintAt, taskOf, tooltipLines } from './pointer';
import { ImageFormat, Pause, RenderedState, SessionInfo, SourceLocation, StepInfo } from './protocol';
import { Frame, draw, formatDuration } from './renderer';
import { SvgContext } from './svgContext';
import { Theme, readTheme, watchTheme } from './theme';
import { Viewport, ViewMode } from './viewport';
import { watchedRange } from './watch';

/** A step keeps the switch in a window at least this wide, ms, and this many times its stints. */
const STEP_MIN_SPAN_MS = 2;
const STEP_SPAN_FACTOR = 4;
/** B shows a block with this share of its length on each side of it. */
const BLOCK_PAD = 0.3;
/** How far below (or above) the pointer the tooltip begins, CSS px: clear of the pointer's arrow. */
const TOOLTIP_GAP = 20;

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

/** The lane labels' font size, CSS px (as the renderer draws them). */
const LABEL_FONT_PX = 11;
/** Lanes whose labels are measured for their width, at most (the first ones: a trace's own names). */
const MEASURED_LANES = 2000;

/** Lanes listed in a `rendered` report at most. */
const MAX_REPORTED_LANES = 1000;

export class TimelineView {
  private timeline: Timeline = new Timeline();
  private session: SessionInfo | null = null;
  private pauses: Pause[] = [];
  /** The lanes shown, and the internal tasks folded into one (lanes.ts). */
  private readonly laneState = new Lanes();
  private theme: Theme = readTheme();
  private readonly viewport: Viewport;
  private width = 0;
  private height = 0;
  private gutter: number = LAYOUT.gutter;
  /** The widest lane label of this timeline so far, CSS px (labelWidth): it only grows, so lanes do not jump. */
  private labelPx = 0;
  private scrollTop = 0;
  private frameRequested = false;
  private hoverTask = -1;
  private lastDrawMs = 0;
  private brushRange: [number, number] | null = null;
  /** The step cursor: the switch it stands on, its number (1-based), and what was reported. */
  private stepper: Stepper = new Stepper(this.timeline, formatDuration);
  private stepReport: StepInfo | null = null;
  /**
   * The block the step cursor stands on (B, Shift+B) when no switch leads into it — a task that
   * blocks where it resumes after a wait of its own — by its stint; null when none (a block that
   * begins at a switch is the switch's, on the stepper).
   */
  private blockStint: number | null = null;
  /** How the program ended, as the problem bar last said (it says so when it ended badly). */
  private shownEnd: EndInfo | null = null;
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
  /** Read out (not shown): what the tooltip says about the stint the step cursor stands on. */
  private readonly details: HTMLElement;
  /**
   * The tooltip tells about the step cursor's stint (what a hover there would say), for a keyboard
   * user who has no pointer to hover with: from a step until the pointer moves in the chart or the
   * cursor goes.
   */
  private stepDetails = false;
  private readonly followButton: HTMLButtonElement;
  private readonly followAgain: HTMLButtonElement;
  private readonly keysHelp: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly keysButton: HTMLButtonElement;
  /** In the view's `watch` mode: the work since this time (trace clock, ms) is what it shows. */
  private watchSince: number | null = null;
  /**
   * The lanes are to scroll to the first task made since `watchSince` once it comes: a lesson's
   * requests got lanes below those of the lessons before, out of sight in a short panel, while the
   * view showed their time — empty lanes at the top.
   */
  private watchLanes = false;
  private readonly internalButton: HTMLButtonElement;
  private readonly search: HTMLInputElement;
  private readonly legendHidden: HTMLElement;
  private readonly legendPaused: HTMLElement;
  private readonly legend: HTMLElement;

  constructor(
    parent: HTMLElement,
    private readonly callbacks: ViewCallbacks,
    options: ViewOptions = { inVsCode: true },
  ) {
    let overview: Overview | null = null;
    const chrome = buildChrome(
      parent,
      {
        filter: (text) => {
          this.laneState.setFilter({ ...this.laneState.filter, text });
          this.requestDraw();
        },
        filterDone: () => this.canvas.focus(),
        toggleInternal: () => this.toggleInternal(),
        step: (direction) => void this.step(direction),
        fit: () => this.viewport.fit(),
        toggleFollow: () => this.setFollowing(this.viewport.current !== 'follow'),
        followAgain: () => {
          this.setFollowing(true);
          this.canvas.focus({ preventScroll: true });
        },
        toggleKeys: () => this.showKeys(this.keysHelp.style.display === 'none'),
        exportRequested:
          options.inVsCode && callbacks.exportRequested !== undefined
            ? callbacks.exportRequested.bind(callbacks)
            : undefined,
      },
      (root) => (overview = new Overview(root, (range) => this.showRange(range))),
    );
    this.overview = overview!;
    ({
      title: this.title,
      status: this.status,
      blocked: this.blocked,
      search: this.search,
      internalButton: this.internalButton,
      followButton: this.followButton,
      followAgain: this.followAgain,
      keysHelp: this.keysHelp,
      empty: this.empty,
      keysButton: this.keysButton,
      problem: this.problem,
      stepBar: this.stepBar,
      canvas: this.canvas,
      scroller: this.scroller,
      spacer: this.spacer,
      tooltip: this.tooltip,
      details: this.details,
      legendHidden: this.legendHidden,
      legendPaused: this.legendPaused,
      legend: this.legend,
    } = chrome);
    this.legendPaused.style.display = 'none';

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
      zoomsOrScrolls(this.scroller),
      () => this.requestDraw(),
      (mode) => this.showMode(mode),
      () => (this.watchSince === null ? null : watchedRange(this.timeline, this.watchSince, this.liveEnd())),
    );
    this.canvas.addEventListener('mousemove', (e) => {
      this.stepDetails = false;
      this.hover(e);
    });
    this.canvas.addEventListener('mouseleave', () => {
      this.hoverTask = -1;
      this.tooltip.style.display = 'none';
      this.requestDraw();
    });
    this.canvas.addEventListener('click', (e) => this.click(e));
    // The keys work wherever the focus is in the panel but in its tools: VS Code focuses the
    // webview's body when its tab is chosen or its group is focused (Ctrl+2), and a keyboard user
    // would otherwise have to tab through the whole toolbar before N did anything.
    document.addEventListener('keydown', (e) => {
      const target = e.target;
      if (
        target === this.canvas ||
        target === document.body ||
        target === document.documentElement ||
        target === this.overview.element
      )
        this.key(e);
    });
    // Focus coming into the panel from outside (its tab, its group) lands on the timeline itself,
    // where the focus ring shows that the keys are the timeline's.
    window.addEventListener('focus', () => {
      if (document.activeElement === null || document.activeElement === document.body)
        this.canvas.focus({ preventScroll: true });
    });
    new ResizeObserver(() => this.resize()).observe(this.canvas.parentElement!);
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

  /** Starts over with a new timeline (a reset from the host). */
  setTimeline(timeline: Timeline): void {
    this.timeline = timeline;
    this.laneState.invalidate();
    this.watchSince = null;
    this.viewport.reset();
    this.brushRange = null;
    this.stepper = new Stepper(timeline, formatDuration);
    this.blockStint = null;
    this.labelPx = 0;
    this.showStep();
    // A lane hovered in the last timeline is not a lane of this one.
    this.hoverTask = -1;
    this.stepDetails = false;
    this.tooltip.style.display = 'none';
    this.requestDraw();
  }

  setSession(session: SessionInfo): void {
    const before = this.session;
    const wasLive = before !== null && before.id === session.id && live(before.state);
    this.session = { ...session, liveBlock: session.liveBlock ?? null };
    showSession({ title: this.title, status: this.status, blocked: this.blocked }, session);
    this.showProblem();
    // Following only means something while the program runs (not once it ended, nor in a file or
    // a saved page): a Live button left after the end did nothing when pressed.
    this.followButton.style.display = live(session.state) ? '' : 'none';
    this.showMode(this.viewport.current);
    // A trace that no longer grows is shown whole (a file, a run seen only once it was over), or
    // where it was when it ended (a run followed live).
    if (this.viewport.current === 'follow' && (session.state === 'ended' || session.state === 'file'))
      this.viewport.setMode(wasLive ? 'fixed' : 'fit');
    this.requestDraw();
  }

  setPauses(pauses: Pause[]): void {
    this.pauses = pauses;
    this.legendPaused.style.display = pauses.length > 0 ? '' : 'none';
    this.requestDraw();
  }

  /** New data arrived in the timeline. */
  changed(): void {
    // The program's end came in (a live trace's last bytes, or a file read after its session).
    if (this.timeline.endInfo !== this.shownEnd) this.showProblem();
    this.requestDraw();
  }

  /** Follows a live trace (on), or holds the view where it is (off). */
  private setFollowing(on: boolean): void {
    const mode = this.viewport.current;
    if (on && this.session !== null && live(this.session.state)) this.viewport.setMode('follow');
    else if (mode === 'follow' || mode === 'watch') this.viewport.setMode('fixed');
  }

  /**
   * Shows the work the program begins from `since` on (trace clock, ms) — the requests a lesson
   * just sent — and keeps it in view as it goes on, instead of following live (watch.ts).
   */
  watch(since: number): void {
    this.watchSince = since;
    this.watchLanes = true;
    // The step cursor belongs to what was looked at before: N steps through the new work.
    if (this.stepper.cursor !== null) {
      this.stepper.clear();
      this.showStep();
    }
    this.viewport.watch();
  }

  /**
   * The Follow button shows whether the view follows; while a live trace's view is held (by the
   * user, a step, a lesson), a "Follow live again" button over the chart says that the newest
   * events are not in view and brings them back.
   */
  private showMode(mode: ViewMode): void {
    this.followButton.setAttribute('aria-pressed', String(mode === 'follow'));
    const held = mode !== 'follow' && this.session !== null && live(this.session.state);
    this.followAgain.style.display = held ? '' : 'none';
  }

  private toggleInternal(): void {
    const filter = { ...this.laneState.filter, hideInternal: !this.laneState.filter.hideInternal };
    this.laneState.setFilter(filter);
    this.internalButton.setAttribute('aria-pressed', String(filter.hideInternal));
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
    this.gutter = gutterFor(this.width, this.labelPx);
    this.viewport.setArea(this.gutter, this.width);
    // Beside an editor the panel is narrow: the tools keep to one row with short labels.
    const narrow = this.width < NARROW_PX;
    this.canvas.closest('.looplens')?.classList.toggle('narrow', narrow);
    // A placeholder cut in the middle of a word reads as a mistake: a shorter one fits.
    this.search.placeholder = narrow ? 'Filter' : 'Filter lanes';
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

  private refreshLanes(ctx: CanvasRenderingContext2D): void {
    const lanes = this.laneState;
    if (!lanes.refresh(this.timeline)) return;
    this.spacer.style.height = `${lanes.contentHeight}px`;
    this.legendHidden.textContent = lanes.legend;
    // The lane labels take the room their widest needs (gutterFor), measured when lanes come.
    ctx.font = `${LABEL_FONT_PX}px ${this.theme.font}`;
    const tasks = this.timeline.tasks;
    for (const lane of this.lanes.slice(0, MEASURED_LANES))
      if (lane.task >= 0)
        this.labelPx = Math.max(
          this.labelPx,
          labelWidth(lane.depth, ctx.measureText(tasks[lane.task].name).width),
        );
    const gutter = gutterFor(this.width, this.labelPx);
    if (gutter !== this.gutter) {
      this.gutter = gutter;
      this.viewport.setArea(gutter, this.width);
    }
  }

  private get lanes(): Lane[] {
    return this.laneState.lanes;
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
      step: ((c) => {
        if (c !== null) return { time: c.time, from: c.from, to: c.to };
        const b = this.cursorBlock();
        return b === undefined ? null : { time: b.start, from: b.task, to: b.task };
      })(this.stepper.cursor),
      folded:
        this.laneState.foldedCount > 0
          ? { stints: this.laneState.foldedStints, tasks: this.laneState.foldedCount }
          : null,
      gutter: this.gutter,
      liveBlock: this.liveBlock(),
    };
  }

  /** The session's problem, and the model's own: the oldest part dropped to stay within its budget. */
  private showProblem(): void {
    const t = this.timeline;
    const lines: string[] = [];
    if (this.session?.problem != null) lines.push(this.session.problem);
    this.shownEnd = t.endInfo;
    const ended = endNote(t.endInfo, t.endInfo !== null ? t.endInfo.time - t.startTime : 0);
    if (ended !== null) lines.push(ended);
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
      this.blockStint = null;
      this.tooltip.style.display = 'none';
      this.showStep();
      this.showProblem();
    }
    const ctx = this.canvas.getContext('2d');
    if (ctx === null) return;
    this.refreshLanes(ctx);
    if (this.watchLanes) this.scrollToWatched();
    const note = this.session === null ? null : emptyNote(this.session.state, this.timeline.stintCount);
    if (this.empty.textContent !== (note ?? '')) this.empty.textContent = note ?? '';
    this.empty.style.display = note === null ? 'none' : '';
    const ratio = window.devicePixelRatio || 1;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const frame = this.frame(ctx);
    draw(frame);
    const x = frame.x;
    const [v0, v1] = [x.invert(this.gutter), x.invert(this.width)];
    this.overview.draw(this.timeline, this.pauses, this.theme, this.width, this.gutter, frame.liveBlock);
    this.brushRange = this.viewport.brush();
    this.overview.show(this.brushRange);
    const [first, last] = [this.timeline.firstTime, Math.max(this.liveEnd(), this.timeline.firstTime + 1)];
    this.overview.describe(this.shownText(v0, v1), (((v0 + v1) / 2 - first) / (last - first)) * 100);
    if (this.stepDetails) this.placeStepDetails();
    this.lastDrawMs = performance.now() - started;
    if (this.session !== null) {
      this.callbacks.rendered({
        sessionId: this.session.id,
        // The first lanes only: a report goes out with every frame, and 200 k lanes would cost more
        // to send than the frame did to draw.
        laneCount: this.lanes.length,
        lanes: this.laneState.report(this.timeline, MAX_REPORTED_LANES),
        stints: this.timeline.stintCount,
        blocks: this.timeline.blocks.length,
        pauses: this.pauses.length,
        view: [v0, v1],
        width: this.width,
        height: this.height,
        gutter: this.gutter,
        drawMs: this.lastDrawMs,
        brush: this.brushRange,
        step: this.stepReport,
        hiddenLanes: this.laneState.hidden,
        liveBlock:
          this.session.liveBlock === null
            ? null
            : { taskName: this.session.liveBlock.taskName, durationMs: this.session.liveBlock.durationMs },
        mode: this.viewport.current,
      });
    }
  }

  // ------------------------------------------------------------------ stepping through switches

  /** Moves the step cursor to the next or previous task switch and reports where it stands. */
  step(direction: 'next' | 'previous'): StepInfo | null {
    if (this.blockStint !== null) {
      // From a block no switch leads into: the switches from there on (or back).
      const at = this.timeline.stints.start[this.blockStint];
      const [v0, v1] = this.viewport.range();
      this.blockStint = null;
      if (direction === 'next') this.viewport.show(at, at + (v1 - v0));
      else this.viewport.show(at - (v1 - v0), at);
    }
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

  /** Puts the cursor on the switch at `time` (the host stepped there) and shows it, reporting nothing. */
  showCursorAt(time: number): void {
    if (!this.stepper.moveTo(time)) return;
    const sw = this.stepper.cursor!;
    this.showStep();
    this.setFollowing(false);
    this.centerOn(sw);
    this.revealLane(sw.to);
  }

  /**
   * Moves the step cursor to the next or previous block after (before) where it stands, else from
   * the view; shows and reads out what a hover on the block says (its hot lines), as a step does.
   */
  stepBlock(direction: 'next' | 'previous'): void {
    const t = this.timeline;
    const blocks = [...t.blocks].sort((a, b) => a.start - b.start || a.stint - b.stint);
    const sw = this.stepper.cursor;
    const standing = this.cursorBlock();
    const [v0, v1] = this.viewport.range();
    const from = standing?.start ?? sw?.time ?? (direction === 'next' ? v0 : v1);
    const stint = standing?.stint ?? sw?.toStint ?? -1;
    // After (before) where the cursor stands; from a view, the first block in it (or the last before its end).
    const inside = standing === undefined && sw === null;
    const found =
      direction === 'next'
        ? blocks.find((b) => b.start > from || (b.start === from && (inside || b.stint > stint)))
        : [...blocks]
            .reverse()
            .find((b) => b.start < from || (b.start === from && (inside || b.stint < stint)));
    if (found === undefined) {
      this.stepBar.style.display = 'block';
      this.stepBar.textContent =
        blocks.length === 0
          ? `No block: no stint held the loop ${formatDuration(t.blockMs)} or more.`
          : `No ${direction === 'next' ? 'later' : 'earlier'} block (${blocks.length.toLocaleString()} in all).`;
      return;
    }
    this.setFollowing(false);
    if (this.stepper.moveTo(found.start) && this.stepper.cursor?.toStint === found.stint) {
      // A switch leads into it: the step cursor stands on that switch, and says why the task ran.
      this.blockStint = null;
      this.showStep();
      this.callbacks.stepped(this.stepReport);
    } else {
      this.stepper.clear();
      this.stepReport = null;
      this.blockStint = found.stint;
      this.showBlock();
    }
    // The block fills the middle of the view, as a brush drawn round it would show it.
    const pad = found.durationMs * BLOCK_PAD;
    this.viewport.show(found.start - pad, found.start + found.durationMs + pad);
    this.revealLane(found.task);
  }

  /** The block the cursor stands on: the step's, or the one B went to. */
  private cursorBlock(): BlockInfo | undefined {
    const stint = this.stepper.cursor?.toStint ?? this.blockStint;
    return stint === null ? undefined : this.timeline.blocks.find((b) => b.stint === stint);
  }

  /** The step bar and the tooltip say which block the cursor stands on, as for a switch. */
  private showBlock(): void {
    const block = this.cursorBlock();
    if (block === undefined) return;
    const t = this.timeline;
    const order = [...t.blocks].sort((a, b) => a.start - b.start || a.stint - b.stint);
    const location = blockLocation(t, block);
    this.stepBar.style.display = 'block';
    this.stepBar.textContent = `Block ${(order.indexOf(block) + 1).toLocaleString()} of ${order.length.toLocaleString()} at ${formatDuration(block.start - t.startTime)}: ${t.tasks[block.task].name} held the loop ${formatDuration(block.durationMs)}.${location !== null ? ` Runs ${where(location)}.` : ''}`;
    this.stepBar.title = this.stepBar.textContent;
    this.stepDetails = true;
    this.hoverTask = -1;
    this.details.textContent = this.stepDetailLines().join('\n');
    this.requestDraw();
  }

  /** The step bar says where the cursor stands (or goes when it stands nowhere). */
  private showStep(): void {
    const finished = this.session?.state === 'ended' || this.session?.state === 'file';
    this.stepReport = this.stepper.describe(finished);
    const step = this.stepReport;
    if (step === null && this.blockStint !== null) {
      this.showBlock();
    } else if (step === null) {
      this.stepBar.style.display = 'none';
      this.stepBar.textContent = '';
      if (this.stepDetails) this.tooltip.style.display = 'none';
      this.stepDetails = false;
      this.details.textContent = '';
    } else {
      this.stepBar.style.display = 'block';
      this.stepBar.textContent = `Step ${step.index.toLocaleString()} of ${step.count.toLocaleString()} at ${formatDuration(step.time - this.timeline.startTime)}: ${step.text}`;
      this.stepBar.title = this.stepBar.textContent;
      this.stepDetails = true;
      this.hoverTask = -1;
      // Read out after the step bar (both polite): the details a hover on the stint would show.
      this.details.textContent = this.stepDetailLines().join('\n');
    }
    this.requestDraw();
  }

  /** Where the step cursor's stint is drawn: its lane (or the chef lane), its hit, its stint. */
  private stepTarget(): { hit: Hit; stint: number; laneY: number } | null {
    const sw = this.stepper.cursor;
    const block = this.cursorBlock();
    if (sw === null && block === undefined) return null;
    const toStint = sw !== null ? sw.toStint : block!.stint;
    const to = sw !== null ? sw.to : block!.task;
    const time = this.timeline.stints.start[toStint];
    const lane =
      this.lanes.find((l) => l.task === to) ??
      (this.laneState.foldedStints.includes(toStint)
        ? this.lanes.find((l) => l.task === FOLDED_LANE)
        : undefined);
    const visible =
      lane !== undefined &&
      lane.y >= this.scrollTop &&
      lane.y + LAYOUT.laneHeight <= this.scrollTop + this.height - LANES_TOP;
    if (lane === undefined || !visible)
      return { hit: { task: -1, time, lane: 'chef' }, stint: toStint, laneY: LAYOUT.axisHeight };
    return {
      hit: { task: lane.task, time, lane: 'dish' },
      stint: toStint,
      laneY: LANES_TOP + lane.y - this.scrollTop,
    };
  }

  /** What the tooltip says about the step cursor's stint (as a hover on it would). */
  private stepDetailLines(): string[] {
    const target = this.stepTarget();
    if (target === null) return [];
    const scene = this.scene();
    // And what a hover on the lag track at that moment says: the keyboard has no other way to it.
    const lag = tooltipLines(scene, { task: -2, time: target.hit.time, lane: 'lag' }, -1);
    return [...tooltipLines(scene, target.hit, target.stint), ...lag];
  }

  /** Shows the step cursor's details in the tooltip, just below its stint. */
  private placeStepDetails(): void {
    const target = this.stepTarget();
    if (target === null) {
      this.tooltip.style.display = 'none';
      return;
    }
    const px = this.xScale()(target.hit.time);
    const chartTop = this.chartTop();
    placeTooltip(
      this.tooltip,
      this.stepDetailLines(),
      Math.max(this.gutter, Math.min(px, this.width)),
      this.width,
      chartTop + target.laneY + LAYOUT.laneHeight + 6,
      chartTop + target.laneY - 6,
    );
  }

  /** Where the chart begins in the panel (below the header, the bars and the overview), CSS px. */
  private chartTop(): number {
    return (
      this.canvas.getBoundingClientRect().top - this.canvas.closest('.looplens')!.getBoundingClientRect().top
    );
  }

  /** The part of the trace in view, in words (the overview strip's value for assistive technology). */
  private shownText(v0: number, v1: number): string {
    const t = this.timeline;
    const from = (ms: number) => formatDuration(Math.max(0, ms - t.startTime));
    const whole = formatDuration(Math.max(0, this.liveEnd() - t.startTime));
    return this.brushRange === null
      ? `Showing the whole trace, ${whole}`
      : `Showing ${from(v0)} to ${from(v1)} of ${whole}`;
  }

  /** Centres the view on a switch, wide enough to show the stints on both sides of it. */
  private centerOn(sw: SwitchInfo): void {
    const t = this.timeline;
    const fromMs = Math.max(0, t.stintEnd(sw.fromStint) - t.stints.start[sw.fromStint]);
    const toMs = Math.max(0, t.stintEnd(sw.toStint) - t.stints.start[sw.toStint]);
    const idleMs = Math.max(0, t.stints.start[sw.toStint] - t.stintEnd(sw.fromStint));
    // The idle time between the two counts only up to the longer stint: a request that arrives
    // after ten seconds of quiet is shown with its stint, not inside ten seconds of nothing.
    const around = fromMs + toMs + Math.min(idleMs, Math.max(fromMs, toMs, STEP_MIN_SPAN_MS));
    this.viewport.centerOn(sw.time, Math.max(around * STEP_SPAN_FACTOR, STEP_MIN_SPAN_MS));
  }

  /** Scrolls the lanes so that the task's lane is in view. */
  private revealLane(task: number): void {
    const lane = this.lanes.find((l) => l.task === task);
    if (lane === undefined) return;
    const visible = this.height - LANES_TOP;
    if (lane.y < this.scrollTop || lane.y + LAYOUT.laneHeight > this.scrollTop + visible)
      this.scroller.scrollTop = Math.max(0, lane.y - visible / 2);
  }

  /** Scrolls the lanes so that the first lane of the watched work is at the top, once it has one. */
  private scrollToWatched(): void {
    const since = this.watchSince;
    if (since === null || this.viewport.current !== 'watch') {
      this.watchLanes = false;
      return;
    }
    const tasks = this.timeline.tasks;
    const lane = this.lanes.find((l) => l.task >= 0 && tasks[l.task].createdAt >= since);
    if (lane === undefined) return;
    this.watchLanes = false;
    const visible = this.height - LANES_TOP;
    if (lane.y >= this.scrollTop && lane.y + LAYOUT.laneHeight <= this.scrollTop + visible) return;
    this.scroller.scrollTop = lane.y;
    this.scrollTop = this.scroller.scrollTop;
  }

  /** Shows or hides the list of the timeline's keys. */
  private showKeys(on: boolean): void {
    this.keysHelp.style.display = on ? '' : 'none';
    this.keysButton.setAttribute('aria-expanded', String(on));
  }

  // ------------------------------------------------------------------ snapshots

  /** The current view as an image: a PNG data: URL, or SVG text. */
  async snapshot(format: ImageFormat): Promise<string> {
    this.render();
    if (format === 'png') return this.picture().toDataURL('image/png');
    const measurer = this.canvas.getContext('2d');
    if (measurer === null) throw new Error('the canvas has no 2D context');
    const svg = new SvgContext(this.width, this.height, measurer);
    draw(this.frame(svg as unknown as CanvasRenderingContext2D));
    // The measuring changed the real context's font: draw the screen again.
    this.requestDraw();
    return svg.toString();
  }

  /** The whole panel as one picture (panelPicture.ts): header, step bar, overview, chart, legend. */
  private picture(): HTMLCanvasElement {
    const overview = this.overview.picture();
    return drawPanel({
      chart: this.canvas,
      width: this.width,
      height: this.height,
      ratio: window.devicePixelRatio || 1,
      overview: overview.canvas,
      overviewHeight: OVERVIEW_HEIGHT,
      brush: overview.brush,
      title: this.title.textContent ?? '',
      status: this.status.textContent ?? '',
      blocked: this.blocked.style.display === 'none' ? '' : (this.blocked.textContent ?? ''),
      step:
        this.stepBar.style.display === 'none' || this.stepBar.textContent === ''
          ? null
          : this.stepBar.textContent,
      legend: legendEntries(this.legend),
      legendNote: this.legendHidden.textContent ?? '',
      theme: this.theme,
    });
  }

  // ------------------------------------------------------------------ pointer and keyboard

  /** What the view shows, as the pointer needs it (pointer.ts). */
  private scene(): PointerScene {
    return {
      timeline: this.timeline,
      lanes: this.lanes,
      scrollTop: this.scrollTop,
      x: this.xScale(),
      foldedStints: this.laneState.foldedStints,
      foldedCount: this.laneState.foldedCount,
      format: formatDuration,
    };
  }

  private hover(event: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    const scene = this.scene();
    const hit = hitAt(scene, px, py);
    const stint = stintAt(scene, hit);
    const lines = tooltipLines(scene, hit, stint);
    this.hoverTask = taskOf(scene, hit, stint);
    const chartTop = this.chartTop();
    placeTooltip(
      this.tooltip,
      lines,
      px,
      this.width,
      chartTop + py + TOOLTIP_GAP,
      chartTop + py - TOOLTIP_GAP,
    );
    this.requestDraw();
  }

  private click(event: MouseEvent): void {
    const rect = this.canvas.getBoundingClientRect();
    const scene = this.scene();
    const hit = hitAt(scene, event.clientX - rect.left, event.clientY - rect.top);
    const location = clickLocation(scene, hit, stintAt(scene, hit));
    // The user pointed at something: it stays where it is, not carried off by a live trace.
    this.setFollowing(false);
    if (location !== null) this.callbacks.openSource(location);
  }

  private key(event: KeyboardEvent): void {
    const area = this.width - this.gutter;
    const handled = handleKey(event, {
      zoom: (factor) => this.viewport.zoomBy(factor, [(this.gutter + this.width) / 2, this.height / 2]),
      pan: (direction) => this.viewport.panBy((-direction * area) / 8),
      scroll: (lanes, pages) => {
        this.scroller.scrollTop += lanes * LAYOUT.laneHeight + pages * (this.height - LANES_TOP);
      },
      fit: () => this.viewport.fit(),
      toEdge: (edge) => {
        const [v0, v1] = this.viewport.range();
        const first = this.timeline.firstTime;
        const last = Math.max(this.liveEnd(), first + 1);
        const span = Math.min(v1 - v0, last - first);
        if (edge === 'start') this.viewport.show(first, first + span);
        else this.viewport.show(last - span, last);
      },
      toggleFollow: () => this.setFollowing(this.viewport.current !== 'follow'),
      step: (direction) => void this.step(direction),
      stepBlock: (direction) => this.stepBlock(direction),
      toggleInternal: () => this.toggleInternal(),
      focusFilter: () => this.search.focus(),
      openStep: () => {
        const block = this.blockStint === null ? undefined : this.cursorBlock();
        const location =
          block !== undefined ? blockLocation(this.timeline, block) : this.stepReport?.location;
        if (location != null) this.callbacks.openSource(location);
      },
      toggleKeys: () => this.showKeys(this.keysHelp.style.display === 'none'),
      hideKeys: () => {
        if (this.keysHelp.style.display === 'none') return false;
        this.showKeys(false);
        return true;
      },
      clearStep: () => {
        if (this.stepper.cursor === null && this.blockStint === null) return false;
        this.stepper.clear();
        this.blockStint = null;
        this.showStep();
        return true;
      },
    });
    if (handled) event.preventDefault();
  }
}

/** Whether a session in this state is a program running now (its trace grows). */
function live(state: SessionInfo['state']): boolean {
  return state === 'running' || state === 'paused' || state === 'starting';
}
