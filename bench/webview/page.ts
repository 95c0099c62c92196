/**
 * The benchmark's side of the page (bundled for the browser and loaded before the webview's own
 * script): it makes synthetic traces where they are read, posts them to the webview as the host
 * does, plays scripted input, and times the webview's `rendered` reports and the animation frames.
 * Installed as `window.looplensBench`; bench/webview.ts calls it through page.evaluate.
 *
 * Every time is `performance.now()` in the page, so nothing crosses CDP while a phase runs.
 *
 * The root tsconfig checks this file without the DOM library, so the few browser globals it uses
 * are declared here (BrowserGlobals) rather than pulled in for the whole project.
 */
import { Output, SyntheticTrace, syntheticTrace } from './synthetic';

interface BrowserEvent {
  readonly type: string;
}

interface HostMessage {
  type: string;
  state?: {
    stints: number;
    lanes?: unknown[];
    laneCount?: number;
    view: [number, number];
    drawMs?: number;
    width: number;
    height: number;
  };
  level?: string;
  message?: string;
}

interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Target {
  dispatchEvent(event: BrowserEvent): boolean;
  getBoundingClientRect(): Box;
}

interface BrowserGlobals {
  postMessage(message: unknown, targetOrigin: string, transfer?: ArrayBuffer[]): void;
  addEventListener(type: string, listener: (event: { detail: HostMessage }) => void): void;
  requestAnimationFrame(callback: (time: number) => void): number;
  setTimeout(callback: () => void, ms: number): number;
  performance: { now(): number };
  document: { querySelector(selector: string): Target | null };
  WheelEvent: new (type: string, init: Record<string, unknown>) => BrowserEvent;
  MouseEvent: new (type: string, init: Record<string, unknown>) => BrowserEvent;
  looplensBench?: BenchApi;
}

const page = globalThis as unknown as BrowserGlobals;
const now = (): number => page.performance.now();

/** One `rendered` report, as much of it as the benchmark needs (not the lanes themselves). */
export interface Report {
  /** When it arrived, page ms. */
  at: number;
  stints: number;
  lanes: number;
  /** Time in view, trace ms. */
  spanMs: number;
  /** The webview's own figure for the frame, when it reports one. */
  drawMs: number | null;
  width: number;
  height: number;
}

/** One animation frame of a scripted phase. */
export interface FrameSample {
  /** When the frame's first animation-frame callback ran (ours, registered before the view's), page ms. */
  start: number;
  /** From `start` to the view's `rendered` report: the view's work in that frame; null if it did not draw. */
  renderMs: number | null;
  drawMs: number | null;
  /** Time in view after the frame, trace ms (null: no report). */
  spanMs: number | null;
}

export interface TraceInfo {
  stints: number;
  events: number;
  tasks: number;
  blocks: number;
  bytes: number;
  /** Trace time covered, ms. */
  durationMs: number;
  generateMs: number;
}

export interface ResetResult {
  /** From posting `reset` to the first `rendered` report. */
  firstFrameMs: number;
  /** The same to the first report that holds every stint (normally the same report). */
  completeMs: number | null;
  /** How long postMessage itself took (the bytes are transferred, not copied). */
  postMs: number;
  first: Report;
}

export interface LiveSetup {
  base: TraceInfo;
  batches: number;
  batchEvents: number;
  batchBytes: number;
  /** Events and stints the batches add altogether. */
  events: number;
  stints: number;
}

export interface LiveResult {
  batches: number;
  events: number;
  /** From the first post to the report showing the last batch's stints. */
  elapsedMs: number;
  eventsPerSecond: number;
  /** Per batch: from when it was due to be posted to the first report that includes it. */
  latencyMs: number[];
  /** How late each post went out against its schedule (the page was busy), ms. */
  postLateMs: number[];
  /** Time between consecutive animation frames while the phase ran. */
  frameGapsMs: number[];
  renderMs: number[];
  drawMs: number[];
  /** Batches never shown before the phase timed out. */
  unseen: number;
}

export interface BenchApi {
  /** True once the webview said `ready`. */
  ready: boolean;
  /** Problems the webview logged (warnings, errors). */
  logs: string[];
  prepare(stints: number): TraceInfo;
  reset(state: 'file' | 'running', timeoutMs: number): Promise<ResetResult>;
  /**
   * The size of the latest `rendered` message as JSON and the time one structured clone of it takes:
   * in VS Code every report is posted to the extension host, so it pays at least that per frame.
   */
  reportCost(): Promise<{ jsonBytes: number; cloneMs: number; stringifyMs: number } | null>;
  zoom(steps: number): Promise<FrameSample[]>;
  pan(steps: number): Promise<FrameSample[]>;
  liveSetup(baseStints: number, batches: number, batchEvents: number): LiveSetup;
  livePaced(batches: number, intervalMs: number, timeoutMs: number): Promise<LiveResult>;
  liveFlood(batches: number, timeoutMs: number): Promise<LiveResult>;
}

// ---------------------------------------------------------------------------------- reports

const reports: Report[] = [];
/** Set to keep the next report whole (to price posting it to VS Code's host); not kept otherwise. */
let capture: ((message: HostMessage) => void) | null = null;
const waiters: Array<{ test: (r: Report) => boolean; resolve: (r: Report) => void }> = [];
const logs: string[] = [];
let ready = false;

page.addEventListener('looplens-host', (event) => {
  const message = event.detail;
  if (message.type === 'ready') ready = true;
  if (message.type === 'log' && message.level !== 'info') logs.push(`${message.level}: ${message.message}`);
  if (message.type !== 'rendered' || message.state === undefined) return;
  if (capture !== null) {
    capture(message);
    capture = null;
  }
  const s = message.state;
  const report: Report = {
    at: now(),
    stints: s.stints,
    lanes: s.laneCount ?? s.lanes?.length ?? 0,
    spanMs: s.view[1] - s.view[0],
    drawMs: typeof s.drawMs === 'number' ? s.drawMs : null,
    width: s.width,
    height: s.height,
  };
  reports.push(report);
  for (let i = 0; i < waiters.length; i++) {
    if (waiters[i].test(report)) {
      waiters[i].resolve(report);
      waiters.splice(i--, 1);
    }
  }
});

function nextReport(test: (r: Report) => boolean, timeoutMs: number, what: string): Promise<Report> {
  return new Promise((resolve, reject) => {
    const waiter = { test, resolve };
    waiters.push(waiter);
    page.setTimeout(() => {
      const i = waiters.indexOf(waiter);
      if (i === -1) return;
      waiters.splice(i, 1);
      reject(new Error(`no rendered report ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

/** Resolves in the next animation frame, with the time the callback ran. */
function frame(): Promise<number> {
  return new Promise((resolve) => page.requestAnimationFrame(() => resolve(now())));
}

/**
 * Plays one input step per animation frame. In each frame our first callback is registered before
 * the step runs (so before the view asks for its frame) and our second after it: the report that
 * arrives between the two is the view's frame for that step.
 */
async function drive(steps: Array<() => void>): Promise<FrameSample[]> {
  const samples: FrameSample[] = [];
  await frame();
  for (const step of steps) {
    const started = frame();
    step();
    const ended = frame();
    const start = await started;
    const from = reports.length;
    await ended;
    const report = reports.length > from ? reports[from] : null;
    samples.push({
      start,
      renderMs: report !== null ? report.at - start : null,
      drawMs: report?.drawMs ?? null,
      spanMs: report?.spanMs ?? null,
    });
  }
  return samples;
}

function canvas(): Target {
  const c = page.document.querySelector('canvas.canvas');
  if (c === null) throw new Error('the webview has no canvas.canvas');
  return c;
}

function wheel(target: Target, x: number, y: number, deltaY: number): void {
  target.dispatchEvent(
    new page.WheelEvent('wheel', {
      deltaY,
      deltaMode: 0,
      clientX: x,
      clientY: y,
      bubbles: true,
      cancelable: true,
      view: page,
    }),
  );
}

function mouse(target: Target, type: string, x: number, y: number, buttons: number): void {
  target.dispatchEvent(
    new page.MouseEvent(type, {
      clientX: x,
      clientY: y,
      button: 0,
      buttons,
      bubbles: true,
      cancelable: true,
      view: page,
    }),
  );
}

/** How long hovering may take to bring a report. */
const REPORT_WAIT_MS = 10_000;
/** How long a reset may take past its first frame to show every stint. */
const COMPLETE_GRACE_MS = 30_000;
/** A wheel notch as a mouse sends it (d3-zoom: 100 px of deltaY is a factor of 2^0.2). */
const NOTCH = 100;
/** Pixels a drag moves the pointer per frame. */
const DRAG_STEP = 24;

/** Where the pointer is at step i: it drifts to and fro over the drawing area, right of the labels. */
function pointerAt(box: Box, i: number): [number, number] {
  return [
    box.left + box.width * (0.55 + 0.3 * Math.sin(i / 9)),
    box.top + box.height * (0.3 + 0.2 * Math.cos(i / 13)),
  ];
}

// ---------------------------------------------------------------------------------- the phases

let pending: Uint8Array | null = null;
let pendingStints = 0;
let live: { trace: SyntheticTrace; batches: Uint8Array[]; stintsAfter: number[]; eventsIn: number[] } | null =
  null;

function session(state: 'file' | 'running', bytes: number): Record<string, unknown> {
  return { id: 'bench', name: 'bench', state, problem: null, events: 0, dropped: 0, bytes, blockMs: 50 };
}

/** Posts as the host does; the bytes are transferred (as VS Code does with array buffers), not copied. */
function post(message: { type: string; bytes: Uint8Array } & Record<string, unknown>): void {
  page.postMessage(message, '*', [message.bytes.buffer as ArrayBuffer]);
}

const api: BenchApi = {
  get ready() {
    return ready;
  },
  logs,

  prepare(stints) {
    const t0 = now();
    const trace = syntheticTrace(stints);
    const generateMs = now() - t0;
    pending = trace.bytes;
    pendingStints = trace.stints;
    return {
      stints: trace.stints,
      events: trace.events,
      tasks: trace.tasks,
      blocks: trace.blocks,
      bytes: trace.bytes.length,
      durationMs: trace.durationMs,
      generateMs,
    };
  },

  async reset(state, timeoutMs) {
    if (pending === null) throw new Error('prepare a trace first');
    const bytes = pending;
    const stints = pendingStints;
    pending = null;
    const from = reports.length;
    const t0 = now();
    const first = nextReport(() => true, timeoutMs, 'after the reset');
    // Normally the first report holds every stint; if not, wait a little for one that does.
    const complete = nextReport(
      (r) => r.stints >= stints,
      Math.min(timeoutMs, COMPLETE_GRACE_MS),
      'with every stint',
    );
    post({ type: 'reset', session: session(state, bytes.length), bytes, pauses: [] });
    const postMs = now() - t0;
    const r = await first;
    const c = await complete.catch(() => null);
    if (reports.length === from) throw new Error('no report');
    return { firstFrameMs: r.at - t0, completeMs: c !== null ? c.at - t0 : null, postMs, first: r };
  },

  async reportCost() {
    // Hovering asks the view for a frame, whose report is kept this once.
    const whole = new Promise<HostMessage | null>((resolve) => {
      capture = resolve;
      page.setTimeout(() => resolve(null), REPORT_WAIT_MS);
    });
    const c = canvas();
    const box = c.getBoundingClientRect();
    mouse(c, 'mousemove', box.left + box.width / 2, box.top + box.height / 2, 0);
    const message = await whole;
    capture = null;
    if (message === null) return null;
    const t0 = now();
    structuredClone(message);
    const t1 = now();
    const json = JSON.stringify(message);
    const t2 = now();
    return { jsonBytes: json.length, cloneMs: t1 - t0, stringifyMs: t2 - t1 };
  },

  zoom(steps) {
    const c = canvas();
    const box = c.getBoundingClientRect();
    const script: Array<() => void> = [];
    for (let i = 0; i < steps; i++) {
      const [x, y] = pointerAt(box, i);
      script.push(() => wheel(c, x, y, -NOTCH));
    }
    for (let i = steps; i < 2 * steps; i++) {
      const [x, y] = pointerAt(box, i);
      script.push(() => wheel(c, x, y, NOTCH));
    }
    return drive(script);
  },

  async pan(steps) {
    const c = canvas();
    const box = c.getBoundingClientRect();
    const x0 = box.left + box.width * 0.6;
    const y0 = box.top + box.height * 0.4;
    // Zoom in 16× around the middle first (not measured), so that a drag moves through the trace.
    const zoomIn: Array<() => void> = [];
    for (let i = 0; i < 20; i++) zoomIn.push(() => wheel(c, x0, y0, -NOTCH));
    await drive(zoomIn);
    await drive([() => mouse(c, 'mousedown', x0, y0, 1)]);
    const script: Array<() => void> = [];
    let x = x0;
    for (let i = 0; i < steps; i++) {
      x += i < steps / 2 ? -DRAG_STEP : DRAG_STEP;
      const at = x;
      script.push(() => mouse(c, 'mousemove', at, y0, 1));
    }
    const samples = await drive(script);
    await drive([() => mouse(c, 'mouseup', x, y0, 0)]);
    return samples;
  },

  liveSetup(baseStints, batches, batchEvents) {
    const t0 = now();
    const trace = new SyntheticTrace(7);
    const out = new Output(baseStints * 48);
    out.append(trace.header());
    trace.writeInto(out, { stints: baseStints });
    const base: TraceInfo = {
      stints: trace.stints,
      events: trace.events,
      tasks: trace.tasks,
      blocks: trace.blocks,
      bytes: out.length,
      durationMs: trace.time - trace.startTime,
      generateMs: now() - t0,
    };
    pending = out.bytes();
    pendingStints = trace.stints;
    const list: Uint8Array[] = [];
    const stintsAfter: number[] = [];
    const eventsIn: number[] = [];
    let bytes = 0;
    for (let i = 0; i < batches; i++) {
      const before = trace.events;
      const chunk = trace.chunks({ events: batchEvents });
      list.push(chunk);
      stintsAfter.push(trace.stints);
      eventsIn.push(trace.events - before);
      bytes += chunk.length;
    }
    live = { trace, batches: list, stintsAfter, eventsIn };
    return {
      base,
      batches,
      batchEvents,
      batchBytes: Math.round(bytes / Math.max(1, batches)),
      events: eventsIn.reduce((a, b) => a + b, 0),
      stints: trace.stints - base.stints,
    };
  },

  livePaced(batches, intervalMs, timeoutMs) {
    return appendPhase(batches, intervalMs, timeoutMs);
  },

  liveFlood(batches, timeoutMs) {
    return appendPhase(batches, 0, timeoutMs);
  },
};

/**
 * Posts the next `batches` prepared batches, one every `intervalMs` (0: all at once, as fast as
 * postMessage goes), and times when each shows up in a report.
 */
async function appendPhase(batches: number, intervalMs: number, timeoutMs: number): Promise<LiveResult> {
  if (live === null) throw new Error('set the live phase up first');
  const state = live;
  const count = Math.min(batches, state.batches.length);
  const taken = state.batches.splice(0, count);
  const stintsAfter = state.stintsAfter.splice(0, count);
  const events = state.eventsIn.splice(0, count).reduce((a, b) => a + b, 0);
  const due: number[] = [];
  const postLateMs: number[] = [];
  const frameTimes: number[] = [];
  const fromReport = reports.length;
  let running = true;
  const tick = (): void => {
    frameTimes.push(now());
    if (running) page.requestAnimationFrame(tick);
  };
  page.requestAnimationFrame(tick);
  const lastShown = nextReport((r) => r.stints >= stintsAfter[count - 1], timeoutMs, 'with every batch');
  const t0 = now();
  for (let i = 0; i < count; i++) {
    const when = t0 + i * intervalMs;
    if (intervalMs > 0 && now() < when) await new Promise<void>((r) => page.setTimeout(r, when - now()));
    due.push(intervalMs > 0 ? when : t0);
    postLateMs.push(Math.max(0, now() - when));
    post({ type: 'append', bytes: taken[i] });
  }
  const last = await lastShown.catch(() => null);
  running = false;
  const seen = reports.slice(fromReport);
  const latencyMs: number[] = [];
  let unseen = 0;
  let k = 0;
  for (let i = 0; i < count; i++) {
    while (k < seen.length && (seen[k].at < due[i] || seen[k].stints < stintsAfter[i])) k++;
    if (k === seen.length) {
      unseen++;
      continue;
    }
    latencyMs.push(seen[k].at - due[i]);
  }
  const elapsedMs = (last?.at ?? now()) - t0;
  const gaps: number[] = [];
  for (let i = 1; i < frameTimes.length; i++) gaps.push(frameTimes[i] - frameTimes[i - 1]);
  const inPhase = seen.filter((r) => r.at <= (last?.at ?? Infinity));
  // Our frame callback runs before the view's in each frame (it was registered a frame earlier).
  const renderMs: number[] = [];
  let f = 0;
  for (const r of inPhase) {
    while (f + 1 < frameTimes.length && frameTimes[f + 1] <= r.at) f++;
    if (f < frameTimes.length && frameTimes[f] <= r.at) renderMs.push(r.at - frameTimes[f]);
  }
  return {
    batches: count,
    events,
    elapsedMs,
    eventsPerSecond: (events / elapsedMs) * 1000,
    latencyMs,
    postLateMs,
    frameGapsMs: gaps,
    renderMs,
    drawMs: inPhase.filter((r) => r.drawMs !== null).map((r) => r.drawMs as number),
    unseen,
  };
}

page.looplensBench = api;
