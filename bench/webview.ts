/**
 * `npm run bench:webview`: how the timeline webview copes with big traces, in headless Chromium
 * (Debian's, software canvas) through playwright-core. It prints figures and saves them; it never
 * judges them (the machines are shared and noisy).
 *
 * The built webview (dist/webview) runs in a plain page served from 127.0.0.1, with
 * bench/webview/page.ts loaded before it. For each size a fresh browser:
 *   1. makes a synthetic trace of that many stints in the page (bench/webview/synthetic.ts) and
 *      posts it as a `reset` ('file': the whole trace in view); time to the first `rendered`
 *      report, then the JS heap after a garbage collection;
 *   2. zooms with the wheel, one notch per frame, in and then out again around a drifting pointer,
 *      then drags (pans) one step per frame at 16× zoom; per frame: the report's `drawMs` (when
 *      the webview reports it), the time from the frame's start to the report ("render": all the
 *      view's work for the frame), and the wall-clock time between animation frames ("gap").
 * Then, in one more browser, live: a `reset` with a small trace ('running', following live), then
 * `append` batches of about 10,000 events, first one every 50 ms (the host's batching), then all at
 * once; per batch the time from when it was sent to the first report that counts its stints, and
 * events absorbed per second.
 *
 * Options:
 *   --sizes 100000,1000000,10000000  stint counts (k and M suffixes work); default all three
 *   --quick                          100k and 1M, fewer steps and batches
 *   --steps N                        wheel notches each way and drag steps (default 60)
 *   --batches N                      live batches per live phase (default 100)
 *   --batch-events N                 events per live batch (default 10000)
 *   --dist DIR                       the built webview (default dist/webview)
 *   --screenshots DIR                save a picture of each size's first frame there
 *   --profile DIR                    save CPU profiles (.cpuprofile) of each size's reset and of its
 *                                    zoom and pan, and of the paced live phase
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { Browser, BrowserContext, Page, chromium } from 'playwright-core';
import { loadTrace } from '../model/load';
import type { BenchApi, FrameSample, LiveResult, ResetResult, TraceInfo } from './webview/page';
import { syntheticTrace } from './webview/synthetic';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/webview/viewerPage';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

const root = path.resolve(__dirname, '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function count(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.trim());
  if (m === null) throw new Error(`not a count: ${text}`);
  return Math.round(Number(m[1]) * (m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6));
}

const QUICK = process.argv.includes('--quick');
const SIZES = (arg('--sizes') ?? (QUICK ? '100000,1000000' : '100000,1000000,10000000'))
  .split(',')
  .map(count);
const STEPS = Number(arg('--steps') ?? (QUICK ? 30 : 60));
const BATCHES = Number(arg('--batches') ?? (QUICK ? 30 : 100));
const BATCH_EVENTS = count(arg('--batch-events') ?? '10000');
const DIST = path.resolve(root, arg('--dist') ?? 'dist/webview');
const SCREENSHOTS = arg('--screenshots');
const PROFILES = arg('--profile');
/** The host posts appends at most this often (extension/timelinePanel.ts, BATCH_MS). */
const HOST_BATCH_MS = 50;
/** Stints in the live phase's first trace. */
const LIVE_BASE_STINTS = 10_000;
const VIEWPORT = { width: 1400, height: 900 };
/** The design goal for 1 M stints: a 60 Hz frame. */
const FRAME_GOAL_MS = 16.7;
/** The design goal for live data: on screen within this long. */
const LIVE_GOAL_MS = 100;
const MINUTE = 60_000;

// ------------------------------------------------------------------------------------ figures

interface Spread {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

/** Nearest-rank percentiles; null for no values. */
function spread(values: Array<number | null>): Spread | null {
  const v = values.filter((x): x is number => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const at = (q: number): number => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  return { n: v.length, p50: at(0.5), p95: at(0.95), max: v[v.length - 1] };
}

interface PhaseFigures {
  frames: number;
  /** Frames in which the view sent no report (it drew nothing). */
  unreported: number;
  drawMs: Spread | null;
  renderMs: Spread | null;
  frameGapMs: Spread | null;
  samples: FrameSample[];
}

function phase(samples: FrameSample[]): PhaseFigures {
  const gaps: number[] = [];
  for (let i = 1; i < samples.length; i++) gaps.push(samples[i].start - samples[i - 1].start);
  return {
    frames: samples.length,
    unreported: samples.filter((s) => s.renderMs === null).length,
    drawMs: spread(samples.map((s) => s.drawMs)),
    renderMs: spread(samples.map((s) => s.renderMs)),
    frameGapMs: spread(gaps),
    samples,
  };
}

interface SizeFigures {
  stints: number;
  trace: TraceInfo;
  reset: ResetResult;
  /** What one `rendered` message weighs: VS Code posts each one to the extension host. */
  reportCost: { jsonBytes: number; cloneMs: number; stringifyMs: number } | null;
  heap: Heap;
  heapBefore: Heap;
  zoom: PhaseFigures;
  pan: PhaseFigures;
  logs: string[];
}

interface Heap {
  /** V8 heap in use, MiB. */
  usedMiB: number;
  /** Array buffers' backing stores (the model's typed arrays), MiB, when Chromium reports it. */
  arrayBuffersMiB: number | null;
}

interface LiveFigures {
  base: TraceInfo;
  batches: number;
  batchEvents: number;
  batchBytes: number;
  paced: LiveSummary;
  flood: LiveSummary;
  logs: string[];
}

interface LiveSummary extends Omit<
  LiveResult,
  'latencyMs' | 'postLateMs' | 'frameGapsMs' | 'renderMs' | 'drawMs'
> {
  latencyMs: Spread | null;
  /** Latency of the last quarter of the batches (the model is biggest then). */
  lastQuarterLatencyMs: Spread | null;
  postLateMs: Spread | null;
  frameGapMs: Spread | null;
  renderMs: Spread | null;
  drawMs: Spread | null;
  raw: { latencyMs: number[]; frameGapsMs: number[] };
}

function live(r: LiveResult): LiveSummary {
  const quarter = r.latencyMs.slice(Math.floor(r.latencyMs.length * 0.75));
  return {
    batches: r.batches,
    events: r.events,
    elapsedMs: r.elapsedMs,
    eventsPerSecond: r.eventsPerSecond,
    unseen: r.unseen,
    latencyMs: spread(r.latencyMs),
    lastQuarterLatencyMs: spread(quarter),
    postLateMs: spread(r.postLateMs),
    frameGapMs: spread(r.frameGapsMs),
    renderMs: spread(r.renderMs),
    drawMs: spread(r.drawMs),
    raw: { latencyMs: r.latencyMs, frameGapsMs: r.frameGapsMs },
  };
}

// ------------------------------------------------------------------------------------ the page

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const HTML = `<!doctype html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>Loop Lens webview benchmark</title>
    <link rel="stylesheet" href="main.css" />
    <script src="bench.js"></script>
  </head>
  <body>
    <script src="main.js"></script>
  </body>
</html>
`;

/** Serves the page, the webview bundle and the benchmark's bundle from 127.0.0.1. */
async function serve(benchJs: string): Promise<{ url: string; close: () => Promise<void> }> {
  const files: Record<string, { type: string; body: () => Buffer | string }> = {
    '/': { type: 'text/html', body: () => HTML },
    '/bench.js': { type: 'text/javascript', body: () => benchJs },
    '/main.js': { type: 'text/javascript', body: () => fs.readFileSync(path.join(DIST, 'main.js')) },
    '/main.css': { type: 'text/css', body: () => fs.readFileSync(path.join(DIST, 'main.css')) },
  };
  const server = http.createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    if (file === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'cache-control': 'no-store',
      // Cross-origin isolation gives performance.now() its fine resolution (5 µs instead of 100 µs).
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    res.end(file.body());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The page's side of the benchmark. Functions given to page.evaluate run in the page, so they name
 * it as `(globalThis as unknown as BenchWindow).looplensBench` and call nothing from this module.
 */
interface BenchWindow {
  looplensBench: BenchApi;
}

interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function open(url: string): Promise<Session> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
  });
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => (globalThis as unknown as BenchWindow).looplensBench?.ready, undefined, {
    timeout: MINUTE,
  });
  return { browser, context, page, errors };
}

async function heap(s: Session): Promise<Heap> {
  const cdp = await s.context.newCDPSession(s.page);
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
  await cdp.detach();
  const mib = (bytes: number): number => bytes / 2 ** 20;
  return {
    usedMiB: mib(usage.usedSize),
    arrayBuffersMiB: usage.backingStorageSize !== undefined ? mib(usage.backingStorageSize) : null,
  };
}

/** Starts the page's CPU profiler; the function returned stops it and saves the profile. */
async function startProfile(s: Session): Promise<(file: string) => Promise<void>> {
  const cdp = await s.context.newCDPSession(s.page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.start');
  return async (file) => {
    const { profile } = await cdp.send('Profiler.stop');
    await cdp.detach();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(profile));
  };
}

function progress(text: string): void {
  process.stderr.write(`${text}\n`);
}

async function measureSize(url: string, stints: number): Promise<SizeFigures> {
  const s = await open(url);
  try {
    const heapBefore = await heap(s);
    progress(`${stints.toLocaleString()} stints: generating the trace in the page`);
    const trace = await withTimeout(
      s.page.evaluate((n) => (globalThis as unknown as BenchWindow).looplensBench.prepare(n), stints),
      10 * MINUTE,
      'generating the trace',
    );
    progress(`  ${(trace.bytes / 2 ** 20).toFixed(0)} MiB in ${trace.generateMs.toFixed(0)} ms; reset`);
    const resetProfiler = PROFILES !== undefined ? await startProfile(s) : null;
    const reset = await withTimeout(
      s.page.evaluate(
        (ms) => (globalThis as unknown as BenchWindow).looplensBench.reset('file', ms),
        10 * MINUTE,
      ),
      11 * MINUTE,
      'the first frame',
    );
    progress(`  first frame after ${reset.firstFrameMs.toFixed(0)} ms`);
    if (resetProfiler !== null)
      await resetProfiler(path.join(PROFILES!, `webview-${stints}-reset.cpuprofile`));
    const after = await heap(s);
    if (SCREENSHOTS !== undefined) {
      fs.mkdirSync(SCREENSHOTS, { recursive: true });
      await s.page.screenshot({ path: path.join(SCREENSHOTS, `webview-${stints}.png`) });
    }
    const profiler = PROFILES !== undefined ? await startProfile(s) : null;
    progress(`  zooming: ${STEPS} notches in, ${STEPS} out`);
    const zoom = await withTimeout(
      s.page.evaluate((n) => (globalThis as unknown as BenchWindow).looplensBench.zoom(n), STEPS),
      10 * MINUTE,
      'zooming',
    );
    progress(`  panning: ${STEPS} drag steps`);
    const pan = await withTimeout(
      s.page.evaluate((n) => (globalThis as unknown as BenchWindow).looplensBench.pan(n), STEPS),
      10 * MINUTE,
      'panning',
    );
    if (profiler !== null) await profiler(path.join(PROFILES!, `webview-${stints}-zoom-pan.cpuprofile`));
    // Last: pricing a report makes garbage that must not land in the frames measured above.
    const reportCost = await s.page.evaluate(() =>
      (globalThis as unknown as BenchWindow).looplensBench.reportCost(),
    );
    const logs = await s.page.evaluate(() => (globalThis as unknown as BenchWindow).looplensBench.logs);
    return {
      stints,
      trace,
      reset,
      reportCost,
      heap: after,
      heapBefore,
      zoom: phase(zoom),
      pan: phase(pan),
      logs: [...logs, ...s.errors],
    };
  } finally {
    await s.browser.close();
  }
}

async function measureLive(url: string): Promise<LiveFigures> {
  const s = await open(url);
  try {
    progress(
      `live: ${LIVE_BASE_STINTS.toLocaleString()} stints, then 2 × ${BATCHES} batches of ${BATCH_EVENTS} events`,
    );
    const setup = await s.page.evaluate(
      ([base, batches, events]) =>
        (globalThis as unknown as BenchWindow).looplensBench.liveSetup(base, batches, events),
      [LIVE_BASE_STINTS, 2 * BATCHES, BATCH_EVENTS] as const,
    );
    await s.page.evaluate(
      (ms) => (globalThis as unknown as BenchWindow).looplensBench.reset('running', ms),
      MINUTE,
    );
    progress(`  paced: one batch every ${HOST_BATCH_MS} ms`);
    const profiler = PROFILES !== undefined ? await startProfile(s) : null;
    const paced = await withTimeout(
      s.page.evaluate(
        ([n, every, ms]) => (globalThis as unknown as BenchWindow).looplensBench.livePaced(n, every, ms),
        [BATCHES, HOST_BATCH_MS, 5 * MINUTE] as const,
      ),
      6 * MINUTE,
      'the paced live phase',
    );
    if (profiler !== null) await profiler(path.join(PROFILES!, 'webview-live-paced.cpuprofile'));
    progress('  flood: every batch at once');
    const flood = await withTimeout(
      s.page.evaluate(([n, ms]) => (globalThis as unknown as BenchWindow).looplensBench.liveFlood(n, ms), [
        BATCHES,
        5 * MINUTE,
      ] as const),
      6 * MINUTE,
      'the live flood',
    );
    const logs = await s.page.evaluate(() => (globalThis as unknown as BenchWindow).looplensBench.logs);
    return {
      base: setup.base,
      batches: BATCHES,
      batchEvents: BATCH_EVENTS,
      batchBytes: setup.batchBytes,
      paced: live(paced),
      flood: live(flood),
      logs: [...logs, ...s.errors],
    };
  } finally {
    await s.browser.close();
  }
}

// ------------------------------------------------------------------------------------ checks

/** The generator must make what it says: read a small trace with the real reader and model. */
function checkGenerator(): { stints: number; tasks: number; blocks: number } {
  const n = 50_000;
  const trace = syntheticTrace(n);
  const { timeline, stats } = loadTrace(trace.bytes);
  if (timeline.stintCount !== n || stats.events !== trace.events || stats.invalidEvents !== 0) {
    throw new Error(
      `the synthetic trace does not read back: ${timeline.stintCount} stints (want ${n}), ` +
        `${stats.events} events (want ${trace.events}), ${stats.invalidEvents} invalid`,
    );
  }
  return { stints: timeline.stintCount, tasks: timeline.tasks.length, blocks: timeline.blocks.length };
}

async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(__dirname, 'webview', 'page.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

// ------------------------------------------------------------------------------------ report

const ms = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
const triple = (s: Spread | null): string =>
  s === null ? '—' : `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.max)}`;
/** 100 k, 1 M, 10 M; 20.3 k for a count that is not round. */
const size = (n: number): string => {
  const [unit, suffix] = n >= 1e6 ? [1e6, ' M'] : n >= 1e3 ? [1e3, ' k'] : [1, ''];
  const v = n / unit;
  return `${Number.isInteger(v) ? v : v.toFixed(v >= 100 ? 0 : 1)}${suffix}`;
};
const mib = (v: number | null): string => (v === null ? '—' : v.toFixed(0));

/** The smallest time span a phase showed: proof that the scripted input zoomed. */
function narrowest(samples: FrameSample[]): string {
  const spans = samples.map((x) => x.spanMs).filter((x): x is number => x !== null);
  return spans.length === 0 ? '—' : ms(Math.min(...spans));
}

/**
 * Why a phase missed 60 Hz, when it did (p95 frame gap over the goal): the page's own work per
 * frame (drawMs, or frame start → report) over budget, or — when that stayed within it — frames lost
 * outside the page's work: the browser's (garbage collection, compositing without a GPU) or the
 * machine's (its load average, which counts every runnable process, is given).
 */
function missedFrameReasons(sizes: SizeFigures[]): string[] {
  const notes: string[] = [];
  const [load] = os.loadavg();
  for (const f of sizes) {
    for (const [name, p] of [
      ['zoom', f.zoom],
      ['pan', f.pan],
    ] as const) {
      const gap = p.frameGapMs;
      if (gap === null || gap.p95 <= FRAME_GOAL_MS) continue;
      const work = p.drawMs ?? p.renderMs;
      const what = p.drawMs !== null ? 'drawing' : 'frame start → report';
      const why =
        work !== null && work.p95 > FRAME_GOAL_MS
          ? `${what} took ${ms(work.p95)} ms at p95: the page's own work is over the frame`
          : `${what} took ${work === null ? '?' : ms(work.p95)} ms at p95, within the frame: the frames were lost outside the page's work — the browser's (garbage collection, software compositing) or the machine's (1-minute load average ${load.toFixed(1)} on ${os.cpus().length} CPUs at the end)`;
      notes.push(
        `${size(f.stints)} ${name}: frame gap p95 ${ms(gap.p95)} ms, over ${FRAME_GOAL_MS} ms; ${why}`,
      );
    }
  }
  return notes;
}

function table(sizes: SizeFigures[]): string {
  const rows: Array<[string, (f: SizeFigures) => string]> = [
    [
      'trace: MiB, tasks, blocks',
      (f) => `${mib(f.trace.bytes / 2 ** 20)}, ${size(f.trace.tasks)}, ${f.trace.blocks}`,
    ],
    ['trace: seconds covered', (f) => (f.trace.durationMs / 1000).toFixed(0)],
    ['generate in page, ms', (f) => ms(f.trace.generateMs)],
    ['first frame after reset, ms', (f) => ms(f.reset.firstFrameMs)],
    ['  of which drawMs', (f) => (f.reset.first.drawMs === null ? '—' : ms(f.reset.first.drawMs))],
    ['  all stints shown, ms', (f) => (f.reset.completeMs === null ? 'never' : ms(f.reset.completeMs))],
    ['  lanes in the report', (f) => size(f.reset.first.lanes)],
    [
      'one report: MiB JSON, clone ms',
      (f) =>
        f.reportCost === null
          ? '—'
          : `${(f.reportCost.jsonBytes / 2 ** 20).toFixed(1)}, ${ms(f.reportCost.cloneMs)}`,
    ],
    ['JS heap, MiB (before reset)', (f) => `${mib(f.heap.usedMiB)} (${mib(f.heapBefore.usedMiB)})`],
    ['array buffers, MiB', (f) => mib(f.heap.arrayBuffersMiB)],
    ['zoom drawMs p50/p95/max', (f) => triple(f.zoom.drawMs)],
    ['zoom render p50/p95/max', (f) => triple(f.zoom.renderMs)],
    ['zoom frame gap p50/p95/max', (f) => triple(f.zoom.frameGapMs)],
    ['  frames without a report', (f) => `${f.zoom.unreported} of ${f.zoom.frames}`],
    ['  narrowest view, ms', (f) => narrowest(f.zoom.samples)],
    ['pan drawMs p50/p95/max', (f) => triple(f.pan.drawMs)],
    ['pan render p50/p95/max', (f) => triple(f.pan.renderMs)],
    ['pan frame gap p50/p95/max', (f) => triple(f.pan.frameGapMs)],
    ['  frames without a report', (f) => `${f.pan.unreported} of ${f.pan.frames}`],
    ['  view, ms', (f) => narrowest(f.pan.samples)],
  ];
  const first = 30;
  const width = 26;
  const lines = [`${'stints'.padEnd(first)}${sizes.map((f) => size(f.stints).padStart(width)).join('')}`];
  for (const [label, cell] of rows)
    lines.push(`${label.padEnd(first)}${sizes.map((f) => cell(f).padStart(width)).join('')}`);
  return lines.join('\n');
}

function liveTable(l: LiveFigures): string {
  const line = (name: string, p: LiveSummary): string[] => [
    `${name}: ${p.batches} batches, ${(p.events / 1e6).toFixed(2)} M events shown in ${ms(p.elapsedMs)} ms ` +
      `= ${(p.eventsPerSecond / 1e3).toFixed(0)} k events/s${p.unseen > 0 ? `, ${p.unseen} batches never shown` : ''}`,
    `  latency to screen p50/p95/max   ${triple(p.latencyMs)} ms   (last quarter: ${triple(p.lastQuarterLatencyMs)})`,
    `  frame gap p50/p95/max           ${triple(p.frameGapMs)} ms`,
    `  render p50/p95/max              ${triple(p.renderMs)} ms   drawMs ${triple(p.drawMs)}`,
    `  posts late p50/p95/max          ${triple(p.postLateMs)} ms`,
  ];
  return [
    `live: reset with ${size(l.base.stints)} stints ('running', follow live), then appends of ~${size(l.batchEvents)} events (${(l.batchBytes / 1024).toFixed(0)} KiB)`,
    ...line(`paced, one every ${HOST_BATCH_MS} ms`, l.paced),
    ...line('flood, all posted at once', l.flood),
  ].join('\n');
}

async function main(): Promise<void> {
  if (!fs.existsSync(path.join(DIST, 'main.js')))
    throw new Error(`no ${DIST}/main.js: run "npm run build" first`);
  const generator = checkGenerator();
  const server = await serve(await bundlePage());
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    viewport: { ...VIEWPORT, deviceScaleFactor: 1 },
    options: { sizes: SIZES, steps: STEPS, batches: BATCHES, batchEvents: BATCH_EVENTS, quick: QUICK },
    generatorCheck: generator,
  };
  try {
    const probe = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS],
    });
    report.chromium = probe.version();
    await probe.close();
    const sizes: SizeFigures[] = [];
    for (const n of SIZES) {
      try {
        sizes.push(await measureSize(server.url, n));
      } catch (error) {
        progress(`  ${size(n)} stints failed: ${(error as Error).message}`);
        report[`failed ${n}`] = (error as Error).message;
      }
    }
    report.sizes = sizes;
    const liveFigures = await measureLive(server.url).catch((error: Error) => {
      progress(`live failed: ${error.message}`);
      report['failed live'] = error.message;
      return null;
    });
    report.live = liveFigures;

    const outDir = path.join(root, 'bench', 'results');
    fs.mkdirSync(outDir, { recursive: true });
    const file = path.join(outDir, `webview-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2));

    const notes: string[] = [];
    if (sizes.length > 0 && sizes.every((f) => f.zoom.drawMs === null))
      notes.push(
        'the webview reports no drawMs: only render (frame start → report) and frame gaps are measured',
      );
    for (const f of sizes) {
      if (f.reset.first.stints !== f.trace.stints)
        notes.push(
          `${size(f.stints)}: the first frame showed ${f.reset.first.stints} stints of ${f.trace.stints}`,
        );
      for (const log of new Set(f.logs)) notes.push(`${size(f.stints)}: ${log}`);
    }
    for (const log of new Set(liveFigures?.logs ?? [])) notes.push(`live: ${log}`);
    notes.push(...missedFrameReasons(sizes));
    process.stdout.write(
      [
        '',
        `Loop Lens webview in headless Chromium ${String(report.chromium)} (no GPU), ${VIEWPORT.width}×${VIEWPORT.height} at 1×, ${report.cpus}`,
        `per frame: drawMs = the webview's own figure; render = frame start → its rendered report; gap = between animation frames (60 Hz: 16.7)`,
        `zoom: ${STEPS} wheel notches in then ${STEPS} out (2^${(STEPS * 0.2).toFixed(0)}×); pan: ${STEPS} drag steps of 24 px at 16×`,
        '',
        table(sizes),
        '',
        liveFigures !== null ? liveTable(liveFigures) : 'live: failed',
        '',
        `goals (design.md): p95 frame ≤ ${FRAME_GOAL_MS} ms at 1 M stints, ≥ 50 fps at 10 M; live data on screen within ${LIVE_GOAL_MS} ms`,
        ...notes.map((n) => `note: ${n}`),
        `results saved to ${path.relative(root, file)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await server.close();
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exitCode = 1;
});
