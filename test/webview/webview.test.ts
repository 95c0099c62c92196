/**
 * The timeline webview, for real: the built bundle in headless Chromium draws traces recorded from
 * the kitchen demo by the real tracer. The tests read what is drawn (pixels of the canvas, the
 * state the view reports to its host, the tooltip), step through task switches with the keyboard,
 * export pictures, and open HTML snapshots offline.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotHtml } from '../../host/snapshotHtml';
import { ChunkWriter, utf8Of } from '../../protocol/chunkWriter';
import { EndCause, Reason, TaskEnd, TaskFlags, TaskKind } from '../../protocol/format';
import { LANES_TOP, LAYOUT } from '../../webview/layout';
import type { FromWebviewMessage, RenderedState, StepInfo } from '../../webview/protocol';
import { Timeline } from '../../model/timeline';
import { TraceReader } from '../../protocol/reader';
import { formatDuration } from '../../model/duration';
import {
  FIXTURES,
  KITCHEN,
  ROOT,
  Recording,
  get,
  handWrittenTrace,
  recordKitchen,
  run,
  sleep,
  tempDir,
  tracedEnv,
} from '../helpers';
import { ViewerPage, closeBrowser, viewerAssets } from './viewerPage';
import type { Locator } from 'playwright-core';

const BUSY_LINE =
  fs
    .readFileSync(KITCHEN, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes('the chef stands here')) + 1;
const WIDTH = 1200;
/** The default (dark) theme's colours outside VS Code, from theme.ts. */
const BLOCK_RGB = [0xf1, 0x4c, 0x4c];
const READY_RGB = [0xcc, 0xa7, 0x00];

function near(rgb: number[], expected: number[], slack = 12): boolean {
  return expected.every((v, i) => Math.abs(rgb[i] - v) <= slack);
}

/**
 * A trace written by hand: the script, a request, two tasks made by library code and untracked
 * code, each with a stint.
 */
function traceWithInternalTasks(
  requestName = 'GET /orders',
  end = { cause: EndCause.Exit, code: 0 },
): Uint8Array {
  const w = new ChunkWriter(64);
  const strings = [
    'app.js',
    requestName,
    'pg connect',
    'socket read',
    '/srv/app.js',
    '/srv/node_modules/pg/lib/client.js',
  ];
  strings.forEach((text, i) => w.string(i + 1, utf8Of(text)));
  w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 5, 1, 1);
  w.run(0, 1, Reason.Start);
  w.task(1, 2, TaskKind.Other, 1, 3, TaskFlags.Internal, 6, 40, 3);
  w.idle(2);
  w.task(5, 3, TaskKind.Request, 0, 2, TaskFlags.None, 5, 9, 3);
  w.run(5, 3, Reason.Request);
  w.task(6, 4, TaskKind.Other, 3, 4, TaskFlags.Internal, 6, 80, 5);
  w.idle(7);
  w.run(10, 2, Reason.Io);
  w.run(11, 0, Reason.Io);
  w.run(12, 4, Reason.Io);
  w.run(13, 3, Reason.Io);
  w.taskEnd(14, 3, TaskEnd.Finished);
  w.idle(14);
  w.end(20, end.cause, end.code);
  return handWrittenTrace(w);
}

/** Where things are on the canvas, from the state the view reported. */
class Geometry {
  readonly gutter: number;
  constructor(readonly state: RenderedState) {
    this.gutter = state.gutter;
  }
  x(time: number): number {
    const [v0, v1] = this.state.view;
    return this.gutter + ((time - v0) / (v1 - v0)) * (this.state.width - this.gutter);
  }
  laneY(index: number): number {
    return LANES_TOP + index * (LAYOUT.laneHeight + LAYOUT.laneGap) + LAYOUT.laneHeight / 2;
  }
  chefY(): number {
    return LAYOUT.axisHeight + LAYOUT.chefHeight / 2;
  }
}

/** The element's text once it includes `part` (it changes with a frame); fails with what it said. */
async function textUntil(element: Locator, part: string, ms = 10_000): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = await element.innerText();
    if (text.includes(part)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${part}"; it said: ${text}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function pixel(viewer: ViewerPage, x: number, y: number): Promise<number[]> {
  return viewer.page.evaluate(`(() => {
    const c = document.querySelector('canvas.canvas');
    const r = window.devicePixelRatio || 1;
    return Array.from(c.getContext('2d').getImageData(Math.round(${x} * r), Math.round(${y} * r), 1, 1).data);
  })()`);
}

/** WCAG's contrast ratio of two CSS colours `rgb(r, g, b)`. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0']).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** VS Code's Dark High Contrast theme as its webviews get it: variables on <html>, a class on <body>. */
const HIGH_CONTRAST = `(() => {
  const theme = {
    '--vscode-editor-background': '#000000',
    '--vscode-editor-foreground': '#ffffff',
    '--vscode-descriptionForeground': '#d6d6d6',
    '--vscode-focusBorder': '#f38518',
    '--vscode-contrastBorder': '#6fc3df',
    '--vscode-contrastActiveBorder': '#f38518',
    '--vscode-charts-red': '#f14c4c',
    '--vscode-button-border': '#6fc3df',
    '--vscode-button-secondaryForeground': '#ffffff',
  };
  for (const [name, value] of Object.entries(theme)) document.documentElement.style.setProperty(name, value);
  document.body.className = 'vscode-high-contrast';
})()`;

/**
 * The overview strip's time labels as the screen shows them: each label's text colour (the
 * theme's muted text, as the strip draws it) and, of the colours round its letters in the box it
 * takes, the one it reads worst against (colours of a few pixels only — the letters' anti-aliased
 * edges — left out).
 */
async function overviewLabels(
  viewer: ViewerPage,
  left: number,
): Promise<Array<{ x: number; text: string; under: string; contrast: number }>> {
  const png = (await viewer.page.locator('.overview').screenshot()).toString('base64');
  const found = await viewer.page.evaluate<
    Array<{ x: number; text: number[]; colours: number[][] }>
  >(`(async () => {
    const probe = document.createElement('span');
    probe.style.color = getComputedStyle(document.body).getPropertyValue('--vscode-descriptionForeground').trim() || '#999999';
    document.body.appendChild(probe);
    const text = getComputedStyle(probe).color.match(/\\d+/g).slice(0, 3).map(Number);
    probe.remove();
    const bitmap = await createImageBitmap(await (await fetch('data:image/png;base64,${png}')).blob());
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const { data, width } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    const at = (x, y) => Array.from(data.slice((y * width + x) * 4, (y * width + x) * 4 + 3));
    const isText = (p) => p.every((v, i) => Math.abs(v - text[i]) <= 24);
    // The labels' band (their letters are 10 px high from 2 px down): columns with text in them,
    // runs of them less than 6 px apart one label. The "whole trace" label, left of the lanes, is not one.
    const left = ${left};
    const columns = [];
    for (let x = left; x < width; x++) {
      let has = false;
      for (let y = 2; y < 13 && !has; y++) has = isText(at(x, y));
      if (has) columns.push(x);
    }
    const labels = [];
    for (const x of columns) {
      const last = labels[labels.length - 1];
      if (last !== undefined && x - last.to < 6) last.to = x;
      else labels.push({ from: x, to: x });
    }
    return labels.map(({ from, to }) => {
      const counts = new Map();
      let total = 0;
      for (let x = from - 1; x <= to + 1; x++)
        for (let y = 1; y <= 13; y++) {
          const p = at(x, y);
          if (isText(p)) continue;
          const key = p.join();
          counts.set(key, (counts.get(key) ?? 0) + 1);
          total++;
        }
      const colours = [...counts].filter(([, n]) => n >= total * 0.08).map(([k]) => k.split(',').map(Number));
      return { x: from, text, colours };
    });
  })()`);
  return found.map(({ x, text, colours }) => {
    const css = (rgb: number[]) => `rgb(${rgb.join(', ')})`;
    const worst = colours
      .map((rgb) => ({ under: css(rgb), contrast: contrast(css(text), css(rgb)) }))
      .sort((a, b) => a.contrast - b.contrast)[0] ?? { under: 'nothing', contrast: Infinity };
    return { x, text: css(text), ...worst };
  });
}

/**
 * What is wrong with the panel's layout as the screen shows it, in words (nothing: []): a part
 * out of the panel, a part whose text is cut (more to scroll than it shows), two parts of the
 * header or of the legend on top of each other.
 */
async function layoutProblems(viewer: ViewerPage): Promise<string[]> {
  return viewer.page.evaluate<string[]>(`(() => {
    const W = innerWidth, H = innerHeight, out = [];
    const shown = (el) => getComputedStyle(el).display !== 'none' && el.getClientRects().length > 0;
    const name = (el) => el.className + ' "' + (el.textContent || '').slice(0, 24) + '"';
    const parts = '.title, .status, .blocked-now, .tools > *, .stepbar, .overview, .chart, .legend-item, .legend-hidden, .keys-help, .tooltip, .follow-again, .problem';
    for (const el of [...document.querySelectorAll(parts)].filter(shown)) {
      const r = el.getBoundingClientRect();
      if (r.left < -0.5 || r.right > W + 0.5 || r.top < -0.5 || r.bottom > H + 0.5)
        out.push('out of the panel: ' + name(el) + ' ' + [r.left, r.top, r.right, r.bottom].map(Math.round).join(' '));
      // The title may give way (the panel's tab names it too); anything else says all it has.
      if (!el.matches('.title, .chart') && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1))
        out.push('cut: ' + name(el) + ' ' + el.scrollWidth + '×' + el.scrollHeight + ' in ' + el.clientWidth + '×' + el.clientHeight);
    }
    for (const group of ['.title, .status, .blocked-now, .tools > *', '.legend-item, .legend-hidden']) {
      const els = [...document.querySelectorAll(group)].filter(shown);
      for (let i = 0; i < els.length; i++)
        for (let j = i + 1; j < els.length; j++) {
          const a = els[i].getBoundingClientRect(), b = els[j].getBoundingClientRect();
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
            out.push('on top of each other: ' + name(els[i]) + ' and ' + name(els[j]));
        }
    }
    return out;
  })()`);
}

/** Canvas coordinates → page coordinates. */
async function onPage(viewer: ViewerPage, x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await viewer.page.locator('canvas.canvas').boundingBox())!;
  return { x: box.x + x, y: box.y + y };
}

function steps(messages: FromWebviewMessage[]): Array<StepInfo | null> {
  return messages.filter((m) => m.type === 'stepped').map((m) => (m as { step: StepInfo | null }).step);
}

/** A hand-written trace begun: the script's first stint (1 ms), and a request task `GET /report`. */
function reportTrace(): ChunkWriter {
  const w = new ChunkWriter(64);
  ['app.js', 'GET /report', '/srv/app.js'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
  w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 3, 1, 1);
  w.run(0, 1, Reason.Start);
  w.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 3, 9, 3);
  w.idle(1);
  return w;
}

describe('the timeline webview in Chromium', function () {
  this.timeout(60_000);
  const dir = tempDir();
  let recording: Recording;
  let trace: Uint8Array;
  let viewer: ViewerPage;

  before(async function () {
    this.timeout(120_000);
    recording = await recordKitchen(dir, 'webview', async (port) => {
      await sleep(100);
      const waiting = [get(port, '/async'), get(port, '/async'), get(port, '/async')];
      await sleep(30);
      await Promise.all([get(port, '/blocking'), ...waiting]);
      await get(port, '/parallel');
      await get(port, '/background');
      await sleep(100);
    });
    trace = fs.readFileSync(recording.file);
  });

  beforeEach(async () => {
    viewer = await ViewerPage.open({ width: WIDTH, height: 700 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed')
      await viewer.page.screenshot({
        path: path.join(dir, '..', `looplens-webview-failed-${Date.now()}.png`),
      });
    assert.deepEqual(viewer.errors, [], 'the page had no errors');
    await viewer.close();
  });

  after(closeBrowser);

  function blockingBlock() {
    const t = recording.timeline;
    const task = t.tasks.find((x) => x.name === 'GET /blocking')!;
    const block = t.blocks.find((b) => b.task === task.index)!;
    assert.ok(block, 'the recording has the block');
    return block;
  }

  it("draws a block still going on as it grows, on the chef lane and in its task's lane, and names it", async () => {
    const t = recording.timeline;
    const task = t.tasks.find((x) => x.name === 'GET /parallel')!;
    const since = t.endTime + 20;
    const liveBlock = { task: task.wireId, taskName: task.name, since, now: since + 600, durationMs: 600 };
    await viewer.load(trace, { id: 'live', state: 'running', liveBlock });
    const state = await viewer.rendered(
      'the live block',
      (s) => s.liveBlock !== null && s.view[1] >= since + 600 - 1e-6,
    );
    assert.deepEqual(state.liveBlock, { taskName: 'GET /parallel', durationMs: 600 });
    assert.match(
      await viewer.page.locator('.blocked-now').innerText(),
      /Loop blocked now: 600 ms in GET \/parallel/,
    );
    const g = new Geometry(state);
    const mid = since + 300;
    assert.ok(g.x(mid) > g.gutter && g.x(mid) < WIDTH, 'following live keeps the block in view');
    // Hatched: somewhere across a few pixels of the chef lane (above its label), the block's red.
    const chef: number[][] = [];
    for (let dx = 0; dx < 10; dx++) chef.push(await pixel(viewer, g.x(mid) + dx, LAYOUT.axisHeight + 6));
    assert.ok(
      chef.some((p) => near(p, BLOCK_RGB, 40)),
      `the chef lane shows the block: ${JSON.stringify(chef)}`,
    );
    const lane = state.lanes.findIndex((l) => l.name === 'GET /parallel');
    const inLane: number[][] = [];
    for (let dx = 0; dx < 10; dx++) inLane.push(await pixel(viewer, g.x(mid) + dx, g.laneY(lane)));
    assert.ok(
      inLane.some((p) => near(p, BLOCK_RGB, 40)),
      `so does its task's lane: ${JSON.stringify(inLane)}`,
    );
    await viewer.page.screenshot({ path: path.join(dir, '..', 'looplens-webview-live-block.png') });

    // The block ends: the host says so, and the drawing goes.
    await viewer.post({
      type: 'session',
      session: {
        ...state,
        id: 'live',
        name: 'test trace',
        state: 'running',
        problem: null,
        events: 0,
        dropped: 0,
        bytes: trace.length,
        blockMs: 50,
        liveBlock: null,
      },
    });
    await viewer.rendered('the block to go', (s) => s.liveBlock === null);
    assert.equal(await viewer.page.locator('.blocked-now').isVisible(), false);
  });

  it('draws the kitchen: request lanes, a block where the blocking handler ran, and the others ready but waiting', async () => {
    const state = await viewer.load(trace, { name: 'kitchen' });
    const names = state.lanes.map((l) => l.name);
    for (const name of [
      'GET /blocking',
      'GET /parallel',
      'fetchMenu',
      'fetchStock',
      'fetchPrices',
      'GET /background',
    ])
      assert.ok(names.includes(name), `a lane for ${name} (lanes: ${names.join(', ')})`);
    assert.equal(names.filter((n) => n === 'GET /async').length, 3, 'three GET /async lanes');
    assert.ok(
      names.indexOf('fetchMenu') > names.indexOf('GET /parallel'),
      'the Promise.all members sit under their request',
    );
    assert.ok(state.blocks >= 1);

    const g = new Geometry(state);
    const block = blockingBlock();
    const mid = block.start + block.durationMs / 2;
    const lane = names.indexOf('GET /blocking');
    assert.ok(
      near(await pixel(viewer, g.x(mid), g.laneY(lane)), BLOCK_RGB),
      'the blocking lane is red at the block',
    );
    const background = await pixel(viewer, g.x(mid), g.laneY(state.lanes.length + 2));
    const chef = await pixel(viewer, g.x(mid), g.chefY());
    assert.notDeepEqual(chef.slice(0, 3), background.slice(0, 3), 'the chef lane is busy during the block');
    // Each GET /async the recording has ready but not run at the block's middle (its 100 ms timer
    // fired, the chef busy) is drawn so, and no other. (Not always all three: on a loaded machine
    // the test's connections reach the kitchen late — one began after the block, or was done before
    // it, at load 35 — but the block is between requests sent together, so at least one.)
    const t = recording.timeline;
    const asyncs = t.tasks.filter((x) => x.name === 'GET /async');
    const readyAtMid = (task: (typeof asyncs)[number]) =>
      task.stints.some((i) => t.stints.readySince[i] <= mid && mid < t.stints.start[i]);
    const ready = asyncs.filter(readyAtMid);
    assert.ok(
      ready.length >= 1,
      `a GET /async is ready while the chef is blocked (block ${block.start}+${block.durationMs} ms; ${JSON.stringify(asyncs.map((a) => a.stints.map((i) => [t.stints.readySince[i], t.stints.start[i]])))})`,
    );
    for (let k = 0; k < names.length; k++) {
      if (names[k] !== 'GET /async') continue;
      const task = asyncs.find((x) => x.id === state.lanes[k].id);
      assert.ok(task, `lane ${k} is a recorded GET /async`);
      assert.equal(
        near(await pixel(viewer, g.x(mid), g.laneY(k)), READY_RGB),
        readyAtMid(task),
        `GET /async (lane ${k}) is drawn ready but not run while the chef is blocked, as recorded`,
      );
    }
  });

  it('steps through every task switch in order and back, saying why each task resumed', async () => {
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.clearMessages();
    const total = recording.timeline.stepCount();
    assert.ok(total >= 10, `the kitchen switches tasks (${total})`);
    for (let i = 0; i <= total; i++) await viewer.page.keyboard.press('n');
    const forward = await viewer.waitFor('every step', (m) =>
      steps(m).length === total + 1 ? steps(m) : undefined,
    );
    assert.equal(forward[total], null, 'past the last switch there is none');
    const taken = forward.slice(0, total) as StepInfo[];
    assert.deepEqual(
      taken.map((s) => s.index),
      taken.map((_, i) => i + 1),
      'steps are numbered one by one',
    );
    for (let i = 1; i < taken.length; i++) assert.ok(taken[i].time >= taken[i - 1].time, 'in time order');
    // A step is a switch, or a task resuming after the loop sat idle with no other task between.
    assert.ok(taken.every((s) => s.count === total && (s.from.id !== s.to.id || s.idleMs > 0)));
    const t = recording.timeline;
    const expected: Array<NonNullable<ReturnType<Timeline['stepAfter']>>> = [];
    for (let s = t.stepAfter(-1); s !== null; s = t.stepAfter(s.toStint)) expected.push(s);
    assert.deepEqual(
      taken.map((s) => [s.to.name, s.reason]),
      expected.map((s) => [t.tasks[s.to].name, s.reason]),
      'the steps are the switches of the model and the resumes after idle time',
    );
    assert.ok(
      t.switches().every((sw) => expected.some((s) => s.toStint === sw.toStint)),
      'every switch is a step',
    );
    // After the block, the requests that were kept waiting resume: each says how long it was ready.
    const block = blockingBlock();
    const afterBlock = taken.find(
      (s) => s.to.name === 'GET /async' && s.time >= block.start + block.durationMs - 1,
    );
    assert.ok(afterBlock, 'a GET /async resumes after the block');
    assert.ok(
      afterBlock.readyMs > 100,
      `it was ready but not run for most of the block (${afterBlock.readyMs} ms)`,
    );
    assert.match(afterBlock.text, /ready but not run for the last/);
    assert.equal(afterBlock.location?.file, KITCHEN);

    // The view moved to the last switch; stepping back returns the one before it.
    const last = await viewer.rendered('the last step drawn', (s) => s.step?.index === total);
    assert.ok(
      last.view[0] <= taken[total - 1].time && taken[total - 1].time <= last.view[1],
      'the switch is in view',
    );
    await viewer.clearMessages();
    await viewer.page.keyboard.press('p');
    const [back] = await viewer.waitFor('a step back', (m) => (steps(m).length === 1 ? steps(m) : undefined));
    assert.deepEqual(back, taken[total - 2]);
    // Escape clears the cursor; Enter on a step asks to open its line.
    await viewer.clearMessages();
    await viewer.page.keyboard.press('Enter');
    const open = await viewer.waitFor('openSource', (m) => m.find((x) => x.type === 'openSource'));
    assert.deepEqual((open as { location: unknown }).location, back!.location);
    await viewer.page.keyboard.press('Escape');
    await viewer.rendered('the cursor cleared', (s) => s.step === null);
  });

  it("the keys work as soon as the panel has the focus, before any part of it was tabbed to (VS Code focuses the webview's body)", async () => {
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.page.evaluate('document.activeElement && document.activeElement.blur()');
    assert.equal(await viewer.page.evaluate('document.activeElement === document.body'), true);
    await viewer.clearMessages();
    await viewer.page.keyboard.press('n');
    const [first] = await viewer.waitFor('a step from the body', (m) =>
      steps(m).length > 0 ? steps(m) : undefined,
    );
    assert.equal(first?.index, 1, 'N stepped to the first switch');
    assert.match(await viewer.page.locator('.stepbar').innerText(), /^Step 1 of /);
    // Typing in the filter is typing, not stepping.
    await viewer.page.keyboard.press('/');
    await viewer.page.keyboard.type('np');
    assert.equal(await viewer.page.locator('.search').inputValue(), 'np');
    assert.equal(steps(await viewer.messages()).length, 1, 'no more steps');
  });

  it('an empty timeline says what it waits for — a program not started yet — and goes once the program runs', async () => {
    const header = handWrittenTrace(new ChunkWriter(16));
    await viewer.startLive(header, { id: 'empty', name: 'empty', state: 'starting' });
    const note = viewer.page.locator('.empty-state');
    await note.waitFor({ state: 'visible' });
    assert.match(await note.innerText(), /^Waiting for the program to start/);
    await viewer.post({
      type: 'session',
      session: {
        id: 'empty',
        name: 'empty',
        state: 'running',
        problem: null,
        events: 0,
        dropped: 0,
        bytes: 0,
        blockMs: 50,
        liveBlock: null,
      },
    });
    await viewer.page.waitForFunction(
      `document.querySelector('.empty-state').textContent.startsWith('Waiting for the program’s first events')`,
    );
    await viewer.startLive(trace, { id: 'full', name: 'full' });
    await viewer.rendered('the trace', (s) => s.sessionId === 'full' && s.stints > 0);
    assert.equal(await note.isVisible(), false, 'nothing to say once it draws');
  });

  it('? lists every key of the timeline, and so does the Keys button; Esc closes the list before it clears the step', async () => {
    await viewer.load(trace, { name: 'kitchen' });
    const help = viewer.page.getByRole('note', { name: "The timeline's keys" });
    assert.equal(await help.isVisible(), false, 'not in the way until asked for');
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('n');
    await viewer.rendered('a step', (s) => s.step?.index === 1);
    await viewer.page.keyboard.press('?');
    assert.ok(await help.isVisible(), '? shows the keys');
    const text = await help.innerText();
    for (const key of ['N P', 'Enter', 'Esc', 'F', 'L', 'I', '/', '?'])
      assert.ok(
        text.split('\n').some((line) => line.startsWith(key)),
        `${key} is listed: ${text}`,
      );
    await viewer.page.keyboard.press('Escape');
    assert.equal(await help.isVisible(), false, 'Esc closes the list');
    assert.ok(await viewer.page.locator('.stepbar').isVisible(), 'and leaves the step where it was');
    const button = viewer.page.getByRole('button', { name: 'Keys' });
    await button.click();
    assert.ok(await help.isVisible(), 'the Keys button shows them too');
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    await button.click();
    assert.equal(await help.isVisible(), false);
  });

  it("the README's keys table lists the keys the list (?) shows, no more, no fewer", async () => {
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('?');
    const keys = await viewer.page.locator('.keys-help th').allTextContents();
    const listed = new Set(keys.flatMap((k) => k.split(' ')).map((k) => (k === '−' ? '-' : k)));
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const from = readme.indexOf('| key ');
    const table = readme.slice(from, readme.indexOf('\n\n', from));
    const inReadme = new Set(
      [...table.matchAll(/<kbd>([^<]+)<\/kbd>|\b(PgUp|PgDn)\b/g)].map((m) => m[1] ?? m[2]),
    );
    assert.deepEqual([...inReadme].sort(), [...listed].sort());
  });

  it('a step onto a request that arrived after seconds of quiet shows the switch and its stints, not the quiet', async () => {
    // The script's start-up (5 ms), ten seconds of nothing, then a request (2 ms) and the script again.
    const w = new ChunkWriter(64);
    ['app.js', 'GET /late'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 1, 1, 1);
    w.run(0, 1, Reason.Start);
    w.idle(5);
    w.task(10_000, 2, TaskKind.Request, 0, 2, TaskFlags.None, 1, 2, 1);
    w.run(10_000, 2, Reason.Request);
    w.run(10_002, 1, Reason.Io);
    w.idle(10_003);
    w.end(10_010, 1, 0);
    await viewer.load(handWrittenTrace(w), { name: 'quiet' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('n');
    const stepped = await viewer.rendered('the first step drawn', (s) => s.step?.index === 1);
    assert.equal(stepped.step!.to.name, 'GET /late');
    const span = stepped.view[1] - stepped.view[0];
    assert.ok(span < 100, `the view is ${span.toFixed(1)} ms wide around the switch, not the whole quiet`);
    assert.ok(stepped.view[0] <= 10_000 && 10_002 <= stepped.view[1], "the request's stint is in view");
  });

  it('the first step from a fitted view stays inside the trace', async () => {
    // A short trace whose first switch is near its start: centring on it would reach before 0.
    const w = new ChunkWriter(64);
    ['app.js', 'GET /a', 'GET /b'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 1, 1, 1);
    w.task(0, 2, TaskKind.Request, 0, 2, TaskFlags.None, 1, 2, 1);
    w.task(0, 3, TaskKind.Request, 0, 3, TaskFlags.None, 1, 3, 1);
    for (let i = 0; i < 10; i++) w.run(i * 2 + 0.5, i % 2 === 0 ? 2 : 3, Reason.Io);
    w.idle(20);
    w.end(20, 1, 0);
    const fitted = await viewer.load(handWrittenTrace(w), { name: 'short' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('n');
    const stepped = await viewer.rendered('the first step drawn', (s) => s.step?.index === 1);
    assert.ok(
      stepped.view[0] >= fitted.view[0] - 1e-6 && stepped.view[1] <= fitted.view[1] + 1e-6,
      `the view ${JSON.stringify(stepped.view)} stays inside the trace ${JSON.stringify(fitted.view)}`,
    );
    assert.ok(
      stepped.view[0] <= stepped.step!.time && stepped.step!.time <= stepped.view[1],
      'the switch is in view',
    );
  });

  it('stepping from a view starts at the first step in it (a switch or a task resumed after idle), also with the buttons', async () => {
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.clearMessages();
    await viewer.page.getByRole('button', { name: 'Switch ▶' }).click();
    const [first] = await viewer.waitFor('a step', (m) => (steps(m).length === 1 ? steps(m) : undefined));
    assert.equal(first?.index, 1);
    // (Whether the kitchen's first step is a switch or a resume after idle is the recording's.)
    assert.equal(first?.time, recording.timeline.stepAfter(-1)?.time);
    await viewer.page.getByRole('button', { name: '◀ Switch' }).click();
    const [, none] = await viewer.waitFor('a second step', (m) =>
      steps(m).length === 2 ? steps(m) : undefined,
    );
    assert.equal(none, null, 'nothing before the first switch');
    assert.match(await viewer.page.locator('.stepbar').innerText(), /No earlier step/);
  });

  it('hovering the block names it and its line; clicking it asks the editor to open the line', async () => {
    const state = await viewer.load(trace, { name: 'kitchen' });
    const g = new Geometry(state);
    const block = blockingBlock();
    const lane = state.lanes.findIndex((l) => l.name === 'GET /blocking');
    const at = await onPage(viewer, g.x(block.start + block.durationMs / 2), g.laneY(lane));
    await viewer.page.mouse.move(at.x, at.y);
    const tooltip = viewer.page.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    assert.match(text, /GET \/blocking/);
    // The block as recorded: the route computes for 300 ms, which a loaded machine only lengthens
    // (411 ms at load 25, 358 of it waiting for a CPU).
    assert.ok(block.durationMs >= 300, `the recorded block lasts the 300 ms (${block.durationMs})`);
    assert.ok(text.includes(`BLOCK: running for ${formatDuration(block.durationMs)}`), text);
    assert.match(text, new RegExp(`server\\.js:${BUSY_LINE}`));
    await viewer.clearMessages();
    await viewer.page.mouse.click(at.x, at.y);
    const open = await viewer.waitFor('openSource', (m) => m.find((x) => x.type === 'openSource'));
    assert.deepEqual((open as { location: { file: string; line: number } }).location.line, BUSY_LINE);
  });

  it("a tooltip near the view's right edge opens to the left of the pointer, whole", async () => {
    await viewer.load(trace, { name: 'kitchen' });
    const block = blockingBlock();
    // The middle of the block, 40 ms or so across: the block fills the view, edge to edge.
    const middle = block.start + block.durationMs / 2;
    await viewer.post({ type: 'reveal', time: middle, durationMs: 1 });
    const state = await viewer.rendered(
      'the middle of the block in view',
      (s) => s.view[1] - s.view[0] < block.durationMs / 4 && s.view[0] < middle && middle < s.view[1],
    );
    const g = new Geometry(state);
    const lane = state.lanes.findIndex((l) => l.name === 'GET /blocking');
    // Near the view's right edge, on the block: a tooltip right of the pointer would not fit.
    const x = state.width - 40;
    assert.ok(g.x(block.start + block.durationMs) > x, 'the block reaches past the right edge');
    const at = await onPage(viewer, x, g.laneY(lane));
    await viewer.page.mouse.move(at.x, at.y);
    const tooltip = viewer.page.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    assert.match(await tooltip.innerText(), /BLOCK: running/);
    const box = (await tooltip.boundingBox())!;
    const canvas = (await viewer.page.locator('canvas.canvas').boundingBox())!;
    const seen = JSON.stringify([box, canvas, at]);
    assert.ok(
      at.x + 14 + box.width > canvas.x + canvas.width,
      `it would not fit right of the pointer: ${seen}`,
    );
    assert.ok(box.x + box.width <= canvas.x + canvas.width + 1, `inside the view: ${seen}`);
    assert.ok(box.x + box.width <= at.x, 'left of the pointer');
  });

  it('the overview brush shows what is in view, and brushing it zooms there', async () => {
    const state = await viewer.load(trace, { name: 'kitchen' });
    assert.equal(state.brush, null, 'the whole trace is in view: no brush');
    const box = (await viewer.page.locator('.overview').boundingBox())!;
    const gutter = state.gutter;
    const x0 = box.x + gutter + (box.width - gutter) * 0.4;
    const x1 = box.x + gutter + (box.width - gutter) * 0.6;
    await viewer.page.mouse.move(x0, box.y + box.height / 2);
    await viewer.page.mouse.down();
    await viewer.page.mouse.move(x1, box.y + box.height / 2, { steps: 5 });
    await viewer.page.mouse.up();
    const zoomed = await viewer.rendered('the brushed view', (s) => s.brush !== null);
    const [t0, t1] = state.view;
    const expected = [t0 + (t1 - t0) * 0.4, t0 + (t1 - t0) * 0.6];
    const slack = (t1 - t0) * 0.01;
    assert.ok(
      Math.abs(zoomed.view[0] - expected[0]) < slack && Math.abs(zoomed.view[1] - expected[1]) < slack,
      `view ${zoomed.view} ≈ ${expected}`,
    );
    // Zooming with the keyboard moves the brush with the view.
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('+');
    const closer = await viewer.rendered(
      'a closer view',
      (s) => s.view[1] - s.view[0] < (zoomed.view[1] - zoomed.view[0]) * 0.9,
    );
    assert.ok(closer.brush !== null && Math.abs(closer.brush[0] - closer.view[0]) < slack);
    await viewer.page.keyboard.press('f');
    await viewer.rendered('the whole trace again', (s) => s.brush === null);
  });

  it("the overview strip's time labels read against what is under them — a block's red too — in dark, light and high-contrast themes", async () => {
    // One request holds the loop for almost the whole trace: every label of the strip is over its block.
    const w = reportTrace();
    w.run(2, 2, Reason.Request);
    w.idle(2400);
    w.end(2401, EndCause.Exit, 0);
    const longBlock = handWrittenTrace(w);
    for (const theme of ['dark', 'light', 'high contrast'] as const) {
      const page = await ViewerPage.open({ width: 1400, colorScheme: theme === 'light' ? 'light' : 'dark' });
      try {
        if (theme === 'high contrast') await page.page.evaluate(HIGH_CONTRAST);
        const drawn = await page.load(longBlock, { name: 'one long block' });
        const labels = await overviewLabels(page, drawn.gutter);
        assert.ok(labels.length >= 4, `${theme}: the strip has its time labels (${labels.length})`);
        for (const label of labels)
          assert.ok(
            label.contrast >= 4.5,
            `${theme}: the label at x ${label.x} is ${label.text} on ${label.under} (contrast ${label.contrast.toFixed(2)})`,
          );
      } finally {
        await page.close();
      }
    }
  });

  it('the overview strip works from the keyboard: it takes the focus, says what part it shows, and ← → + − Home End F move it', async () => {
    const state = await viewer.load(trace, { name: 'kitchen' });
    const [first, last] = state.view;
    const slack = (last - first) * 0.01;
    const strip = viewer.page.getByRole('slider', { name: /Overview of the whole trace/ });
    await strip.focus();
    const said = async () => (await strip.getAttribute('aria-valuetext')) ?? '';
    assert.match(await said(), /^Showing the whole trace, \d/);
    await viewer.page.keyboard.press('+');
    const closer = await viewer.rendered('a closer view', (s) => s.brush !== null);
    assert.ok(closer.view[1] - closer.view[0] < (last - first) * 0.9);
    assert.match(await said(), /^Showing [\d.]+ m?s to [\d.]+ m?s of [\d.]+ m?s$/);
    await viewer.page.keyboard.press('End');
    const end = await viewer.rendered('the end', (s) => Math.abs(s.view[1] - last) < slack);
    await viewer.page.keyboard.press('Home');
    const start = await viewer.rendered('the start', (s) => Math.abs(s.view[0] - first) < slack);
    assert.ok(
      Math.abs(end.view[1] - end.view[0] - (start.view[1] - start.view[0])) < slack,
      'at the span in view',
    );
    await viewer.page.keyboard.press('ArrowRight');
    await viewer.rendered('later', (s) => s.view[0] > start.view[0] + slack);
    await viewer.page.keyboard.press('f');
    await viewer.rendered('the whole trace again', (s) => s.brush === null);
    assert.match(await said(), /^Showing the whole trace/);
  });

  it('stepping from the keyboard tells what a hover would: the stint that ran, beside it and read out; Esc takes it away', async () => {
    await viewer.load(trace, { name: 'kitchen' });
    const block = blockingBlock();
    await viewer.page.locator('canvas.canvas').focus();
    let state: RenderedState | null = null;
    for (let i = 1; i < 400 && state === null; i++) {
      await viewer.page.keyboard.press('n');
      const s = await viewer.rendered(`step ${i}`, (r) => r.step?.index === i);
      if (s.step!.to.name === 'GET /blocking') state = s;
    }
    assert.ok(state !== null, 'a step onto the blocking request');
    const tooltip = viewer.page.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    assert.match(text, /GET \/blocking/);
    assert.ok(text.includes(`BLOCK: running for ${formatDuration(block.durationMs)}`), text);
    assert.match(text, new RegExp(`server\\.js:${BUSY_LINE}`));
    // What a hover on the lag track then says, too: the loop's lag at that moment.
    assert.match(text, /event-loop lag: p50 .+, p99 .+, max .+/);
    // Read out, in a live region of its own (the step bar says the switch).
    const details = viewer.page.getByRole('status', { name: 'The switched-to stint' });
    assert.equal(await details.getAttribute('aria-live'), 'polite');
    assert.equal((await details.textContent())?.replace(/\s+/g, ' '), text.replace(/\s+/g, ' '));
    // Beside the stint: below its lane, near the cursor.
    const g = new Geometry(state);
    const lane = state.lanes.findIndex((l) => l.name === 'GET /blocking');
    const canvas = (await viewer.page.locator('canvas.canvas').boundingBox())!;
    const box = (await tooltip.boundingBox())!;
    assert.ok(box.y > canvas.y + g.laneY(lane), `below the lane: ${JSON.stringify([box, canvas])}`);
    const x = canvas.x + g.x(state.step!.time);
    assert.ok(
      box.x <= x + 20 && box.x + box.width >= x - 20,
      `near the cursor at ${x}: ${JSON.stringify(box)}`,
    );
    await viewer.page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden' });
    assert.equal(await details.textContent(), '');
  });

  it('a task that resumes after the loop sat idle, with no other task between, is a step of N and P, and a click on it opens the line it resumes at', async () => {
    // A request awaits its database; nothing else runs until the answer comes 40 ms later. No task
    // switch leads into its second stint (its own was the last before it), so N never stood on it.
    const w = new ChunkWriter(64);
    ['app.js', 'GET /orders', '/srv/app.js', 'listOrders'].forEach((text, i) =>
      w.string(i + 1, utf8Of(text)),
    );
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 3, 1, 1);
    w.run(0, 1, Reason.Start);
    w.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 3, 9, 3);
    w.idle(1);
    w.run(2, 2, Reason.Request);
    w.awaitAt(4, 2, [{ name: 4, file: 3, line: 17, column: 5 }]);
    w.idle(4);
    w.run(44, 2, Reason.Io);
    w.taskEnd(49, 2, TaskEnd.Finished);
    w.idle(49);
    w.end(60, EndCause.Exit, 0);
    await viewer.load(handWrittenTrace(w), { name: 'a wait alone' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.clearMessages();
    await viewer.page.keyboard.press('n');
    await viewer.page.keyboard.press('n');
    const [first, second] = await viewer.waitFor('two steps', (m) =>
      steps(m).length === 2 ? steps(m) : undefined,
    );
    assert.equal(first?.to.name, 'GET /orders');
    assert.ok(second !== null, 'N went on to the request resuming after the idle time');
    assert.deepEqual(
      [second.index, second.count, second.time, second.from.name, second.to.name, second.reason],
      [2, 2, 44, 'GET /orders', 'GET /orders', 'io'],
    );
    assert.equal(second.idleMs, 40);
    const bar = viewer.page.locator('.stepbar');
    assert.match(
      await bar.innerText(),
      /^Step 2 of 2 at 44(\.0)? ms: GET \/orders resumes after the loop sat idle 40(\.0+)? ms: I\/O completed\. Runs app\.js:17\.$/,
    );
    // The tooltip beside it says what a hover would, and Enter opens the line it resumes at.
    const tooltip = viewer.page.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    await viewer.page.waitForFunction(
      `/resumes after the await at app\\.js:17/.test(document.querySelector('.tooltip')?.textContent ?? '')`,
      undefined,
      { timeout: 10_000 },
    );
    await viewer.clearMessages();
    await viewer.page.keyboard.press('Enter');
    const opened = await viewer.waitFor('the line to be asked for', (m) =>
      m.find((x) => x.type === 'openSource'),
    );
    assert.deepEqual(opened.type === 'openSource' && [opened.location.file, opened.location.line], [
      '/srv/app.js',
      17,
    ]);
    await viewer.page.keyboard.press('p');
    assert.match(await bar.innerText(), /^Step 1 of 2 /);
    // The mouse: a click on the stint opens the same line.
    await viewer.page.keyboard.press('Escape');
    const state = await viewer.rendered('the trace drawn');
    const g = new Geometry(state);
    const lane = state.lanes.findIndex((l) => l.name === 'GET /orders');
    const canvas = (await viewer.page.locator('canvas.canvas').boundingBox())!;
    await viewer.clearMessages();
    await viewer.page.mouse.click(canvas.x + g.x(46), canvas.y + g.laneY(lane));
    const clicked = await viewer.waitFor('a click to open a line', (m) =>
      m.find((x) => x.type === 'openSource'),
    );
    assert.deepEqual(clicked.type === 'openSource' && [clicked.location.file, clicked.location.line], [
      '/srv/app.js',
      17,
    ]);
  });

  it('B and Shift+B take the keyboard to each block and tell what a hover on it would — also a block no task switch leads into — and Enter opens its hot line', async () => {
    // A request that blocks where it resumes after a wait of its own: the loop was idle between,
    // so no switch leads into its block (the step cursor stands on its resume after idle time).
    const w = new ChunkWriter(64);
    ['app.js', 'GET /report', '/srv/app.js', 'renderReport'].forEach((text, i) =>
      w.string(i + 1, utf8Of(text)),
    );
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 3, 1, 1);
    w.run(0, 1, Reason.Start);
    w.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 3, 9, 3);
    w.idle(1);
    w.run(2, 2, Reason.Request);
    w.idle(3);
    w.run(10, 2, Reason.Timer);
    w.blockSample(150, 2, 140, 14, [{ name: 4, file: 3, line: 42, column: 7, weightUs: 140_000 }]);
    w.idle(200);
    w.end(260, EndCause.Exit, 0);
    await viewer.load(handWrittenTrace(w), { name: 'a block after a wait' });
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('b');
    const bar = viewer.page.locator('.stepbar');
    await bar.waitFor({ state: 'visible' });
    assert.match(
      await bar.innerText(),
      /^Step 2 of 2 at 10(\.0)? ms: GET \/report resumes after the loop sat idle 7(\.0+)? ms: a timer fired\. Runs app\.js:42\.$/,
    );
    const tooltip = viewer.page.locator('.tooltip');
    await tooltip.waitFor({ state: 'visible' });
    const text = await tooltip.innerText();
    assert.match(text, /GET \/report/);
    assert.match(text, /BLOCK: running for 190 ms/);
    assert.match(text, /100% renderReport app\.js:42/);
    const details = viewer.page.getByRole('status', { name: 'The switched-to stint' });
    assert.equal((await details.textContent())?.replace(/\s+/g, ' '), text.replace(/\s+/g, ' '));
    await viewer.clearMessages();
    await viewer.page.keyboard.press('Enter');
    const opened = await viewer.waitFor("the block's line to be asked for", (m) =>
      m.find((x) => x.type === 'openSource'),
    );
    assert.deepEqual(opened.type === 'openSource' && [opened.location.file, opened.location.line], [
      '/srv/app.js',
      42,
    ]);
    await viewer.page.keyboard.press('b');
    assert.match(await bar.innerText(), /^No later block \(1 in all\)\.$/);
    await viewer.page.keyboard.press('Escape');
    await tooltip.waitFor({ state: 'hidden' });

    // The kitchen: B from the whole trace reaches the blocking request's block (at its switch,
    // which the step bar says), and Shift+B goes back to the block before it.
    await viewer.load(trace, { name: 'kitchen' });
    const block = blockingBlock();
    const blocks = [...recording.timeline.blocks].sort((a, b) => a.start - b.start);
    await viewer.page.locator('canvas.canvas').focus();
    for (let k = 0; k <= blocks.indexOf(block); k++) await viewer.page.keyboard.press('b');
    // The tooltip is drawn with the next frame: shown since the first B (on a loaded machine the
    // program's own start-up is a block before it), it says the block B went to only after that.
    const said = await textUntil(tooltip, `BLOCK: running for ${formatDuration(block.durationMs)}`);
    assert.match(said, new RegExp(`server\\.js:${BUSY_LINE}`));
    assert.match(await bar.innerText(), /→ GET \/blocking starts/);
    const state = await viewer.rendered(
      'the block in view',
      (s) => s.view[0] <= block.start && s.view[1] >= block.start + block.durationMs,
    );
    assert.equal(state.step?.to.name, 'GET /blocking');
    if (blocks.indexOf(block) > 0) {
      await viewer.page.keyboard.press('Shift+B');
      const before = blocks[blocks.indexOf(block) - 1];
      await textUntil(tooltip, `running for ${formatDuration(before.durationMs)}`);
    }
  });

  it("a block that begins in the pixel of a short stint of its task is drawn in the task's lane", async () => {
    // The request's timer callback (50 µs), then its block, 0.1 ms later: at 1200 px for 2 s, one
    // pixel holds both starts.
    const w = reportTrace();
    w.run(1000, 2, Reason.Timer);
    w.idle(1000.05);
    w.run(1000.15, 2, Reason.Timer);
    w.idle(1400);
    w.end(2000, EndCause.Exit, 0);
    const state = await viewer.load(handWrittenTrace(w), { name: 'a block after a short stint' });
    const g = new Geometry(state);
    const lane = state.lanes.findIndex((l) => l.name === 'GET /report');
    const inLane = await pixel(viewer, g.x(1200), g.laneY(lane));
    assert.ok(near(inLane, BLOCK_RGB), `the block's red in its lane: ${inLane.join(', ')}`);
  });

  it('the lane labels take the room their longest needs (up to 40% of the panel), so a route is not cut', async () => {
    const w = new ChunkWriter(64);
    const route = 'GET /api/orders/:orderId/items';
    const child = 'fetchInventoryForWarehouse';
    const huge = `GET /${'very-long-segment/'.repeat(20)}`;
    ['app.js', route, child, '/srv/app.js'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 4, 1, 1);
    w.run(0, 1, Reason.Start);
    w.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 4, 9, 3);
    w.task(1, 3, TaskKind.Other, 2, 3, TaskFlags.None, 4, 12, 3);
    w.idle(1);
    w.run(2, 2, Reason.Request);
    w.run(3, 3, Reason.Io);
    w.idle(4);
    w.end(10, EndCause.Exit, 0);
    const named = handWrittenTrace(w);
    const page = await ViewerPage.open({ width: 600 });
    try {
      const state = await page.load(named, { name: 'long routes' });
      // Measured as the chart draws them: 11 px of the theme's font, after the swatch and indentation.
      const needs = await page.page.evaluate<number[]>(`(() => {
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = '11px ' + getComputedStyle(document.body).getPropertyValue('--vscode-font-family');
        return [[${JSON.stringify(route)}, 0], [${JSON.stringify(child)}, 1]].map(
          ([name, depth]) => 8 + depth * 12 + 11 + ctx.measureText(name).width,
        );
      })()`);
      for (const need of needs)
        assert.ok(need <= state.gutter, `a label ${need} px wide in ${state.gutter} px`);
      // A label longer than any panel leaves the chart 60% of it.
      const withHuge = new ChunkWriter(64);
      ['app.js', huge].forEach((text, i) => withHuge.string(i + 1, utf8Of(text)));
      withHuge.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 0, 0, 0);
      withHuge.run(0, 1, Reason.Start);
      withHuge.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 0, 0, 0);
      withHuge.idle(1);
      withHuge.run(2, 2, Reason.Request);
      withHuge.idle(4);
      withHuge.end(10, EndCause.Exit, 0);
      const capped = await page.load(handWrittenTrace(withHuge), { id: 'huge', name: 'a huge route' });
      assert.equal(capped.gutter, 240, 'at most 40% of 600 px');
    } finally {
      await page.close();
    }
  });

  it('a held view keeps its time range when the panel narrows (the code opening beside it after a step)', async () => {
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.page.locator('canvas.canvas').focus();
    let state = await viewer.rendered('the trace');
    for (let i = 0; i < 60 && state.step?.to.name !== 'GET /blocking'; i++) {
      await viewer.page.keyboard.press('n');
      state = await viewer.rendered(`step ${i + 1}`, (s) => s.step?.index === i + 1);
    }
    const [v0, v1] = state.view;
    await viewer.page.setViewportSize({ width: 700, height: 700 });
    const narrow = await viewer.rendered('the narrow panel', (s) => s.width < WIDTH);
    const slack = (v1 - v0) * 0.01;
    assert.ok(
      Math.abs(narrow.view[0] - v0) < slack && Math.abs(narrow.view[1] - v1) < slack,
      `the same range: ${narrow.view.map((v) => v - v0)} against 0, ${v1 - v0} (ms from the view's start)`,
    );
  });

  it('folds internal tasks into one line that says how many, and I unfolds them', async () => {
    // Whether a kitchen run has library tasks or untracked code depends on the run (a loaded
    // machine may attribute every gap): the folding is shown on a trace written for it.
    const state = await viewer.load(traceWithInternalTasks(), { name: 'internal' });
    assert.deepEqual(
      state.lanes.map((l) => l.name),
      ['app.js', 'GET /orders', 'internal: 3 tasks folded'],
    );
    assert.equal(state.lanes[2].kind, 'folded');
    assert.equal(state.hiddenLanes, 3);
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('i');
    const unfolded = await viewer.rendered('unfolded', (s) => !s.lanes.some((l) => l.kind === 'folded'));
    assert.deepEqual(
      unfolded.lanes.map((l) => l.name).sort(),
      ['(untracked code)', 'GET /orders', 'app.js', 'pg connect', 'socket read'].sort(),
    );
    // The filter keeps what matches by name or kind.
    await viewer.load(trace, { name: 'kitchen' });
    await viewer.page.locator('input.search').fill('fetch');
    const filtered = await viewer.rendered('filtered', (s) => s.lanes.length === 3);
    assert.deepEqual(filtered.lanes.map((l) => l.name).sort(), ['fetchMenu', 'fetchPrices', 'fetchStock']);
  });

  it('exports the view as a PNG of its size and as SVG that draws the same lanes', async () => {
    await viewer.close();
    viewer = await ViewerPage.open({ width: 900, height: 500, deviceScaleFactor: 2 });
    const state = await viewer.load(trace, { name: 'kitchen' });
    await viewer.clearMessages();
    await viewer.post({ type: 'snapshot', requestId: 7, format: 'png' });
    const png = (await viewer.waitFor('the PNG', (m) => m.find((x) => x.type === 'snapshot'))) as {
      requestId: number;
      data: string;
    };
    assert.equal(png.requestId, 7);
    const bytes = Buffer.from(png.data.replace(/^data:image\/png;base64,/, ''), 'base64');
    fs.writeFileSync(path.join(dir, 'view.png'), bytes);
    assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
    assert.equal(bytes.readUInt32BE(16), state.width * 2, 'as wide as the view, in device pixels');
    // The whole panel: the header, the overview strip, the chart as drawn, the legend.
    const bands = { header: 28, overview: 30, legend: 24 };
    assert.equal(bytes.readUInt32BE(20), (bands.header + bands.overview + state.height + bands.legend) * 2);
    const top = bands.header + bands.overview;
    const legendTop = top + state.height;
    const seen = await viewer.page.evaluate<{
      chartSame: number;
      chartLooked: number;
      headerText: number;
      legendBlock: number;
      overviewBlock: number;
    }>(`(async () => {
      const img = new Image();
      img.src = ${JSON.stringify(png.data)};
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const chart = document.querySelector('canvas.canvas');
      const live = chart.getContext('2d').getImageData(0, 0, chart.width, chart.height).data;
      const pic = ctx.getImageData(0, ${top} * 2, c.width, ${state.height} * 2).data;
      let chartSame = 0;
      let chartLooked = 0;
      for (let i = 0; i < live.length; i += 4 * 997) {
        chartLooked++;
        const d = Math.abs(live[i] - pic[i]) + Math.abs(live[i + 1] - pic[i + 1]) + Math.abs(live[i + 2] - pic[i + 2]);
        if (d < 12) chartSame++;
      }
      const count = (y0, y1, match) => {
        const d = ctx.getImageData(0, y0 * 2, c.width, (y1 - y0) * 2).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (match(d[i], d[i + 1], d[i + 2])) n++;
        return n;
      };
      const bright = (r, g, b) => r > 150 && g > 150 && b > 150;
      const red = (r, g, b) => r > 200 && g < 110 && b < 110;
      return {
        chartSame,
        chartLooked,
        headerText: count(0, ${bands.header}, bright),
        legendBlock: count(${legendTop}, ${legendTop + bands.legend}, red),
        overviewBlock: count(${bands.header}, ${top}, red),
      };
    })()`);
    assert.ok(
      seen.chartSame >= seen.chartLooked * 0.98,
      `the chart as drawn (${seen.chartSame}/${seen.chartLooked} samples)`,
    );
    assert.ok(seen.headerText > 50, `the header's title is written (${seen.headerText} light pixels)`);
    assert.ok(
      seen.overviewBlock > 20,
      `the overview strip shows the block (${seen.overviewBlock} red pixels)`,
    );
    assert.ok(seen.legendBlock > 50, `the legend shows the block's colour (${seen.legendBlock} red pixels)`);

    await viewer.clearMessages();
    await viewer.post({ type: 'snapshot', requestId: 8, format: 'svg' });
    const svg = (await viewer.waitFor('the SVG', (m) => m.find((x) => x.type === 'snapshot'))) as {
      data: string;
    };
    fs.writeFileSync(path.join(dir, 'view.svg'), svg.data);
    const parsed = await viewer.page.evaluate<{
      error: string | null;
      texts: string[];
      width: string | null;
      blockFills: number;
    }>(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(svg.data)}, 'image/svg+xml');
      const error = doc.querySelector('parsererror');
      return {
        error: error ? error.textContent : null,
        texts: Array.from(doc.querySelectorAll('text')).map((t) => t.textContent),
        width: doc.documentElement.getAttribute('width'),
        blockFills: doc.querySelectorAll('[fill="#f14c4c"]').length,
      };
    })()`);
    assert.equal(parsed.error, null, 'the SVG parses');
    assert.equal(parsed.width, String(state.width));
    for (const lane of state.lanes)
      assert.ok(
        parsed.texts.some((t) => t === lane.name || t.startsWith(lane.name.slice(0, 10))),
        `the SVG labels ${lane.name}`,
      );
    // The route computes for 300 ms; a loaded machine can only make the block longer.
    assert.ok(
      parsed.texts.some((t) => Number(/^block (\d+) ms$/.exec(t)?.[1] ?? 0) >= 300),
      'the SVG labels the block',
    );
    assert.ok(parsed.blockFills >= 1, 'and draws it in the block colour');
  });

  it('the time axis reads in the units a person reads: seconds deep in a long trace, minutes over it, in the view and its SVG', async () => {
    // Two requests taking turns, a second apart, for two minutes and a half.
    const w = new ChunkWriter(4096);
    ['app.js', 'GET /a', 'GET /b'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 1, 1, 1);
    w.task(0, 2, TaskKind.Request, 0, 2, TaskFlags.None, 1, 2, 1);
    w.task(0, 3, TaskKind.Request, 0, 3, TaskFlags.None, 1, 3, 1);
    for (let t = 0; t < 150_000; t += 1000) {
      w.run(t, t % 2000 === 0 ? 2 : 3, Reason.Io);
      w.idle(t + 40);
    }
    w.end(150_000, EndCause.Exit, 0);
    await viewer.load(handWrittenTrace(w), { name: 'long' });
    const axis = async () => {
      await viewer.clearMessages();
      await viewer.post({ type: 'snapshot', requestId: 9, format: 'svg' });
      const svg = (await viewer.waitFor('the SVG', (m) => m.find((x) => x.type === 'snapshot'))) as {
        data: string;
      };
      // The axis's labels: the texts in its row.
      return viewer.page.evaluate<string[]>(`(() => {
        const doc = new DOMParser().parseFromString(${JSON.stringify(svg.data)}, 'image/svg+xml');
        return Array.from(doc.querySelectorAll('text'))
          .filter((t) => Number(t.getAttribute('y')) < ${LAYOUT.axisHeight})
          .map((t) => t.textContent);
      })()`);
    };
    const whole = await axis();
    assert.ok(whole.includes('1 min') && whole.includes('2 min'), `the whole trace in minutes: ${whole}`);
    // Zoomed in at 2 min 13 s, as a step there says "133.2 s".
    await viewer.post({ type: 'reveal', time: 133_200, durationMs: 100 });
    await viewer.rendered('133.2 s in view', (s) => s.view[1] - s.view[0] < 1000 && s.view[0] > 133_000);
    const deep = await axis();
    assert.ok(deep.length >= 3, `ticks: ${deep}`);
    assert.ok(
      deep.every((label) => /^133\.\d+ s$/.test(label)),
      `seconds with the decimals the step needs, not ${deep.join(', ')}`,
    );
  });

  it('exports SVG that parses whatever a task is named (control characters, lone surrogates)', async () => {
    const name = 'GET /\u001b]0;title\u0007 \u0001\u000b\ud800 & <x>';
    await viewer.load(traceWithInternalTasks(name), { name: 'odd names' });
    await viewer.clearMessages();
    await viewer.post({ type: 'snapshot', requestId: 9, format: 'svg' });
    const svg = (await viewer.waitFor('the SVG', (m) => m.find((x) => x.type === 'snapshot'))) as {
      data: string;
    };
    const parsed = await viewer.page.evaluate<{ error: string | null; texts: string[] }>(`(() => {
      const doc = new DOMParser().parseFromString(${JSON.stringify(svg.data)}, 'image/svg+xml');
      const error = doc.querySelector('parsererror');
      return {
        error: error ? error.textContent : null,
        texts: Array.from(doc.querySelectorAll('text')).map((t) => t.textContent),
      };
    })()`);
    assert.equal(parsed.error, null, 'the SVG parses');
    assert.ok(
      parsed.texts.some((t) => t.startsWith('GET /\ufffd]0;title')),
      `the odd name is drawn, its control characters as U+FFFD (${parsed.texts.join(' | ')})`,
    );
  });

  it('an HTML snapshot opens offline in a browser and draws the trace; a broken one says so', async () => {
    const file = path.join(dir, 'kitchen.html');
    fs.writeFileSync(file, snapshotHtml({ name: 'kitchen snapshot', trace, ...viewerAssets() }));
    // A large trace is carried in several parts (each part small here): it reads the same.
    const parted = path.join(dir, 'kitchen-parts.html');
    fs.writeFileSync(
      parted,
      snapshotHtml({ name: 'kitchen snapshot', trace, ...viewerAssets(), partBytes: 999 }),
    );
    const carriers = fs.readFileSync(parted, 'utf8').match(/<script type="application\/octet-stream"/g) ?? [];
    assert.equal(carriers.length, Math.ceil(trace.length / 999), 'the trace is in parts');
    assert.ok(carriers.length >= 3);
    const partedPage = await ViewerPage.openFile(parted);
    try {
      const state = await partedPage.rendered('the parted snapshot drawn', (s) =>
        s.lanes.some((l) => l.name === 'GET /blocking'),
      );
      assert.ok(state.blocks >= 1);
      assert.deepEqual(partedPage.errors, []);
    } finally {
      await partedPage.close();
    }
    const page = await ViewerPage.openFile(file);
    try {
      const state = await page.rendered('the snapshot drawn', (s) =>
        s.lanes.some((l) => l.name === 'GET /blocking'),
      );
      assert.ok(state.blocks >= 1);
      assert.equal(await page.page.title(), 'kitchen snapshot — Loop Lens');
      assert.match(await page.page.locator('.status').innerText(), /trace file · \d+ events/);
      // It stays interactive: stepping works without VS Code.
      await page.page.locator('canvas.canvas').focus();
      await page.page.keyboard.press('n');
      await page.rendered('a step', (s) => s.step?.index === 1);
      assert.deepEqual(page.errors, [], 'no errors and no Content Security Policy violations');
    } finally {
      await page.close();
    }

    const broken = path.join(dir, 'broken.html');
    const garbage = Buffer.from('LOOPLENS\u0001 this is not really a trace at all');
    fs.writeFileSync(broken, snapshotHtml({ name: 'broken', trace: garbage, ...viewerAssets() }));
    const bad = await ViewerPage.openFile(broken);
    try {
      const problem = bad.page.locator('.problem');
      await problem.waitFor({ state: 'visible' });
      assert.match(await problem.innerText(), /This snapshot's trace cannot be read: /);
      assert.deepEqual(bad.errors, []);
    } finally {
      await bad.close();
    }
  });

  it('says when the program ended with an uncaught exception or an error exit code, and nothing after a clean exit', async () => {
    const problem = viewer.page.locator('.problem');
    await viewer.load(traceWithInternalTasks('GET /orders', { cause: EndCause.UncaughtException, code: 1 }));
    assert.match(
      await problem.innerText(),
      /^The program ended with an uncaught exception \(exit code 1\) at 20\.0 ms\. Its error is in the program's output/,
    );
    await viewer.load(traceWithInternalTasks('GET /orders', { cause: EndCause.Exit, code: 3 }));
    assert.match(await problem.innerText(), /ended with exit code 3 at/);
    await viewer.load(traceWithInternalTasks());
    assert.equal(await problem.isVisible(), false, 'a clean exit says nothing');
    // Live: the end comes in with the last bytes.
    const trace = traceWithInternalTasks('GET /orders', { cause: EndCause.UnhandledRejection, code: 1 });
    await viewer.startLive(trace.subarray(0, trace.length - 40));
    await viewer.post({ type: 'append', bytes: trace.subarray(trace.length - 40) });
    await problem.waitFor({ state: 'visible' });
    assert.match(await problem.innerText(), /ended with an unhandled promise rejection \(exit code 1\)/);
  });

  it('a hostile trace is refused with a clear message, and the next trace draws as usual', async () => {
    const hostile = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff);
    await viewer.reset(hostile, { id: 'bad', name: 'bad' });
    const log = (await viewer.waitFor('an error', (m) =>
      m.find((x) => x.type === 'log' && x.level === 'error'),
    )) as { message: string };
    assert.match(log.message, /cannot read the trace: /);
    const state = await viewer.load(trace, { name: 'kitchen', id: 'good' });
    assert.ok(state.lanes.some((l) => l.name === 'GET /blocking'));
  });

  it('live: appended events are drawn in the next frame, and follow live keeps the newest in view', async () => {
    const half = Math.floor(trace.length / 2);
    await viewer.startLive(trace.subarray(0, half), { id: 'live', name: 'live' });
    const before = await viewer.rendered('the first half', (s) => s.sessionId === 'live');
    await viewer.post({ type: 'append', bytes: trace.subarray(half) });
    const after = await viewer.rendered('the second half', (s) => s.stints === recording.timeline.stintCount);
    assert.ok(after.stints > before.stints);
    assert.ok(
      Math.abs(after.view[1] - recording.timeline.endTime) < 1,
      'following live: the view ends at the newest event',
    );
    assert.ok(after.view[1] - after.view[0] <= 5000 + 1, 'and shows the last five seconds at most');
  });

  it('live past its memory budget: drops the oldest part, says so, and steps through what it kept', async function () {
    this.timeout(120_000);
    const out = path.join(dir, 'many.looplens');
    const result = await run(process.execPath, [path.join(FIXTURES, 'programs', 'manyTasks.js')], {
      env: { ...tracedEnv(out), ROUNDS: '4000' },
    });
    assert.equal(result.code, 0, result.stderr);
    const many = fs.readFileSync(out);
    // The same model with the same budget drops at the same records, however the bytes arrive.
    const capped = new Timeline();
    capped.memoryBudget = 1024 * 1024;
    new TraceReader(capped).push(many);
    assert.ok(capped.droppedBefore !== null, 'the trace is larger than the budget');
    const quarter = Math.floor(many.length / 4);
    await viewer.startLive(many.subarray(0, quarter), { id: 'big', name: 'big', timelineMiB: 1 });
    for (let at = quarter; at < many.length; at += quarter)
      await viewer.post({ type: 'append', bytes: many.subarray(at, Math.min(many.length, at + quarter)) });
    const drawn = await viewer.rendered(
      'the whole trace, as far as kept',
      (s) => s.stints === capped.stintCount,
    );
    assert.ok(drawn.stints < capped.stintCount + capped.droppedStints);
    const problem = viewer.page.locator('.problem');
    await problem.waitFor({ state: 'visible' });
    const text = await problem.innerText();
    assert.match(text, /Trace too large: oldest part dropped/);
    assert.ok(text.includes(formatDuration(capped.droppedBefore! - capped.startTime)), text);
    assert.match(text, /1 MiB \(the looplens\.maxTimelineMiB setting\)/);
    // Fitted, the view begins where the kept part does; stepping starts there too.
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('f');
    const fitted = await viewer.rendered('fitted', (s) => s.brush === null);
    assert.ok(Math.abs(fitted.view[0] - capped.droppedBefore!) < 1, `view ${JSON.stringify(fitted.view)}`);
    await viewer.page.keyboard.press('n');
    const stepped = await viewer.rendered('the first step', (s) => s.step?.index === 1);
    const first = capped.stepAfter(-1)!;
    assert.equal(stepped.step!.time, first.time);
    assert.equal(stepped.step!.count, capped.stepCount());
  });

  it('live, not following: a view set by a step or the overview stays on its time range while the trace grows for minutes', async () => {
    // Two requests taking turns every 10 ms for the first second, then more of the same for ten
    // minutes, sent as the program would: a chunk at a time.
    const turns = (w: ChunkWriter, from: number, to: number) => {
      for (let t = from; t < to; t += 10) {
        w.run(t, t % 20 === 0 ? 2 : 3, Reason.Io);
        w.idle(t + 4);
      }
    };
    const w = new ChunkWriter(1024);
    ['app.js', 'GET /a', 'GET /b'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 1, 1, 1);
    w.task(0, 2, TaskKind.Request, 0, 2, TaskFlags.None, 1, 2, 1);
    w.task(0, 3, TaskKind.Request, 0, 3, TaskFlags.None, 1, 3, 1);
    turns(w, 0, 1000);
    await viewer.startLive(handWrittenTrace(w), { id: 'grow', name: 'grow' });
    await viewer.rendered('the first second', (s) => s.sessionId === 'grow' && s.stints > 0);
    await viewer.page.locator('canvas.canvas').focus();
    for (let i = 0; i < 3; i++) await viewer.page.keyboard.press('n');
    const stepped = await viewer.rendered('the third step', (s) => s.step?.index === 3);
    const close = (a: [number, number], b: [number, number], what: string) =>
      assert.ok(
        Math.abs(a[0] - b[0]) < 1e-6 * Math.max(1, Math.abs(b[0])) &&
          Math.abs(a[1] - b[1]) < 1e-6 * Math.max(1, b[1]),
        `${what}: ${JSON.stringify(a)} is still ${JSON.stringify(b)}`,
      );
    let end = 1000;
    let seen = stepped.stints;
    for (const minutes of [0.5, 1, 2, 5, 10]) {
      const more = new ChunkWriter(8192);
      // A chunk a second apart: two turns each.
      for (let t = end; t < minutes * 60_000; t += 1000) turns(more, t, t + 20);
      end = minutes * 60_000;
      more.run(end, 2, Reason.Io);
      more.idle(end + 1);
      await viewer.post({ type: 'append', bytes: more.bytes() });
      const grown = await viewer.rendered(`${minutes} minutes in`, (s) => s.stints > seen);
      seen = grown.stints;
      close(grown.view, stepped.view, `${minutes} minutes in, the stepped view`);
    }
    // A drag on the overview strip, now over ten minutes, lands where it was let go.
    const last = await viewer.rendered('ten minutes in');
    const box = (await viewer.page.locator('.overview').boundingBox())!;
    const gutter = last.gutter;
    const at = (f: number) => box.x + gutter + (box.width - gutter) * f;
    await viewer.page.mouse.move(at(0.5), box.y + box.height / 2);
    await viewer.page.mouse.down();
    await viewer.page.mouse.move(at(0.6), box.y + box.height / 2, { steps: 5 });
    await viewer.page.mouse.up();
    const whole = end + 1;
    const brushed = await viewer.rendered('the brushed view', (s) => s.view[0] > 60_000);
    const slack = whole * 0.01;
    assert.ok(
      Math.abs(brushed.view[0] - whole * 0.5) < slack && Math.abs(brushed.view[1] - whole * 0.6) < slack,
      `the brushed view ${JSON.stringify(brushed.view)} is the middle tenth of ${whole} ms`,
    );
    // And stays there while the trace grows on.
    const more = new ChunkWriter(64);
    turns(more, end + 1000, end + 1100);
    await viewer.post({ type: 'append', bytes: more.bytes() });
    const after = await viewer.rendered('more', (s) => s.stints > last.stints);
    close(after.view, brushed.view, 'the brushed view after more events');
    // Fitted (F), the view takes in the whole trace, growing with it; L follows again.
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('f');
    const fitted = await viewer.rendered('fitted', (s) => s.brush === null);
    assert.ok(
      Math.abs(fitted.view[0] - 0) < 1 && Math.abs(fitted.view[1] - (end + 1094)) < 1,
      JSON.stringify(fitted.view),
    );
    await viewer.page.keyboard.press('l');
    const following = await viewer.rendered('following', (s) => s.brush !== null);
    assert.ok(
      Math.abs(following.view[1] - (end + 1094)) < 1 && following.view[1] - following.view[0] <= 5000 + 1,
    );
  });

  it("live, watching a lesson's requests below the lanes of the lessons before: the lanes scroll to them", async () => {
    const w = new ChunkWriter(4096);
    const names = ['app.js', '/srv/app.js', 'GET /parallel'];
    for (let k = 0; k < 30; k++) names.push(`GET /async ${k}`);
    names.forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 2, 1, 1);
    w.run(0, 1, Reason.Start);
    w.idle(1);
    // Thirty earlier requests: more lanes than a short panel shows.
    for (let k = 0; k < 30; k++) {
      w.task(10 + k, 10 + k, TaskKind.Request, 0, 4 + k, TaskFlags.None, 2, 5, 1);
      w.run(10 + k, 10 + k, Reason.Request);
      w.taskEnd(10.5 + k, 10 + k, TaskEnd.Finished);
      w.idle(10.5 + k);
    }
    const page = await ViewerPage.open({ width: 900, height: 400 });
    try {
      await page.startLive(handWrittenTrace(w), { id: 'lessons', name: 'lessons' });
      await page.rendered('the lessons before', (s) => s.laneCount >= 31);
      await page.post({ type: 'watch', since: 100 });
      const lesson = new ChunkWriter(256);
      lesson.task(200, 50, TaskKind.Request, 0, 3, TaskFlags.None, 2, 9, 1);
      lesson.run(200, 50, Reason.Request);
      lesson.taskEnd(201, 50, TaskEnd.Finished);
      lesson.idle(201);
      await page.post({ type: 'append', bytes: lesson.bytes() });
      const state = await page.rendered('the lesson', (s) => s.lanes.some((l) => l.name === 'GET /parallel'));
      const index = state.lanes.findIndex((l) => l.name === 'GET /parallel');
      const y = index * (LAYOUT.laneHeight + LAYOUT.laneGap);
      const scrollTop = await page.page.locator('.scroller').evaluate((el) => el.scrollTop);
      assert.ok(
        y >= scrollTop && y + LAYOUT.laneHeight <= scrollTop + state.height - LANES_TOP,
        `the lesson's lane (at ${y} px) in view: lanes scrolled ${scrollTop} px, ${state.height - LANES_TOP} px shown`,
      );
    } finally {
      await page.close();
    }
  });

  it("live, watching a lesson's requests: they stay in view while the trace runs on, until the user follows live again", async () => {
    // The program's script, then (at 1 s) two requests, one blocking the other for 300 ms; a
    // keep-alive socket made by library code lives on. Then a minute of the program's own ticks.
    const w = new ChunkWriter(1024);
    ['app.js', 'GET /blocking', 'GET /async', 'socket', '/srv/app.js'].forEach((text, i) =>
      w.string(i + 1, utf8Of(text)),
    );
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 5, 1, 1);
    w.run(0, 1, Reason.Start);
    w.idle(5);
    await viewer.startLive(handWrittenTrace(w), { id: 'lesson', name: 'lesson' });
    await viewer.rendered('the start', (s) => s.sessionId === 'lesson' && s.stints > 0);
    // The host asks to watch what comes after the newest time it has seen.
    await viewer.post({ type: 'watch', since: 5 });
    const lesson = new ChunkWriter(1024);
    lesson.task(1000, 2, TaskKind.Request, 0, 2, TaskFlags.None, 5, 10, 1);
    lesson.run(1000, 2, Reason.Request);
    lesson.task(1010, 3, TaskKind.Request, 0, 3, TaskFlags.None, 5, 20, 1);
    lesson.ready(1010, 3);
    lesson.task(1020, 4, TaskKind.Other, 2, 4, TaskFlags.Internal, 5, 30, 1);
    lesson.taskEnd(1300, 2, TaskEnd.Finished);
    lesson.run(1300, 3, Reason.Request);
    lesson.taskEnd(1310, 3, TaskEnd.Finished);
    lesson.idle(1310);
    await viewer.post({ type: 'append', bytes: lesson.bytes() });
    const ticks = new ChunkWriter(8192);
    for (let t = 2000; t <= 60_000; t += 1000) {
      ticks.run(t, 1, Reason.Timer);
      ticks.run(t + 1, 4, Reason.Io);
      ticks.idle(t + 2);
    }
    await viewer.post({ type: 'append', bytes: ticks.bytes() });
    const watched = await viewer.rendered('a minute on', (s) => s.stints > 100);
    assert.ok(
      watched.view[0] < 1000 && watched.view[0] > 900 && watched.view[1] > 1310 && watched.view[1] < 1500,
      `the two requests fill the view, not the newest seconds: ${JSON.stringify(watched.view)}`,
    );
    assert.equal(watched.mode, 'watch');
    const again = viewer.page.getByRole('button', { name: 'Follow live again' });
    assert.ok(await again.isVisible(), 'the way back to the newest events is in sight');
    // A step holds the view on its switch; the next lesson takes the step cursor away (its switch
    // is out of the lesson's view) and watches the new work.
    await viewer.page.locator('canvas.canvas').focus();
    await viewer.page.keyboard.press('n');
    await viewer.rendered('a step', (s) => s.step !== null && s.mode === 'fixed');
    await viewer.post({ type: 'watch', since: 60_500 });
    const next = await viewer.rendered('the next lesson', (s) => s.mode === 'watch');
    assert.equal(next.step, null, 'no step cursor left on the last lesson');
    assert.equal(await viewer.page.locator('.stepbar').isVisible(), false);
    // A request still at work stretches the view to the newest time.
    const open = new ChunkWriter(256);
    open.task(61_000, 5, TaskKind.Request, 0, 2, TaskFlags.None, 5, 10, 1);
    open.run(61_000, 5, Reason.Request);
    open.idle(61_005);
    open.run(62_000, 1, Reason.Timer);
    open.idle(62_001);
    await viewer.post({ type: 'append', bytes: open.bytes() });
    const stretched = await viewer.rendered('the open request', (s) => s.view[1] > 62_000);
    assert.ok(stretched.view[0] > 60_500 && stretched.view[0] < 61_000, JSON.stringify(stretched.view));
    await again.click();
    const following = await viewer.rendered('following again', (s) => s.mode === 'follow');
    assert.ok(
      Math.abs(following.view[1] - 62_001) < 1 && following.view[1] - following.view[0] <= 5000 + 1,
      JSON.stringify(following.view),
    );
    assert.equal(await again.isVisible(), false, 'following: no need for the way back');
    // Pointing at something in a live view holds it there.
    const box = (await viewer.page.locator('canvas.canvas').boundingBox())!;
    await viewer.page.mouse.click(box.x + box.width - 40, box.y + LANES_TOP + LAYOUT.laneHeight / 2);
    const held = await viewer.rendered('held by the click', (s) => s.mode === 'fixed');
    assert.ok(await again.isVisible());
    assert.ok(Math.abs(held.view[1] - 62_001) < 1);
    // L follows again too.
    await viewer.page.keyboard.press('l');
    await viewer.rendered('following by L', (s) => s.mode === 'follow');
    // Once the program ended there is nothing to follow: no button offers it.
    await viewer.post({
      type: 'session',
      session: {
        id: 'lesson',
        name: 'lesson',
        state: 'ended',
        problem: null,
        events: 0,
        dropped: 0,
        bytes: 0,
        blockMs: 50,
        liveBlock: null,
      },
    });
    await viewer.rendered('ended', (s) => s.mode === 'fixed');
    assert.equal(
      await viewer.page.getByRole('button', { name: 'Follow live', exact: true }).isVisible(),
      false,
    );
    assert.equal(await again.isVisible(), false);
  });

  it('beside an editor (narrow), keeps its tools on one row; a run seen only once it ended is shown whole', async () => {
    const narrow = await ViewerPage.open({ width: 520, height: 500 });
    try {
      const state = await narrow.load(trace, { name: 'Kitchen (traced by Loop Lens)', state: 'ended' });
      const t = recording.timeline;
      assert.ok(
        Math.abs(state.view[0] - t.startTime) < 1 && Math.abs(state.view[1] - t.endTime) < 1,
        `the whole run ${JSON.stringify(state.view)}, ${t.startTime}–${t.endTime}`,
      );
      const header = (await narrow.page.locator('.header').boundingBox())!;
      const next = (await narrow.page.getByRole('button', { name: 'Switch ▶' }).boundingBox())!;
      const title = (await narrow.page.locator('.title').boundingBox())!;
      assert.ok(header.height < 2 * next.height + 4, `one row: the header is ${header.height}px high`);
      assert.ok(Math.abs(next.y - title.y) < next.height, 'the tools sit on the title row');
      assert.ok(next.x + next.width <= 520, 'and inside the panel');
      assert.equal(await narrow.page.getByRole('button', { name: 'Switch ▶' }).innerText(), '▶');
      // The state is said whole; the name (which the panel's tab shows too) gives way first.
      const status = narrow.page.locator('.status');
      assert.match(await status.innerText(), /^ended · [\d,]+ events$/);
      const cut = await narrow.page.evaluate(
        `(() => { const el = document.querySelector('.status'); return [el.scrollWidth, el.clientWidth]; })()`,
      );
      assert.ok((cut as number[])[0] <= (cut as number[])[1], `the state is not cut: ${JSON.stringify(cut)}`);
      // The filter's placeholder is one its narrow box shows whole (not cut mid-word).
      const search = narrow.page.locator('.search');
      assert.equal(await search.getAttribute('placeholder'), 'Filter');
      // Nothing to follow in a run that is over, and no debugger pauses in this one.
      assert.equal(await narrow.page.getByRole('button', { name: 'Follow live' }).isVisible(), false);
      assert.equal(await narrow.page.getByText('paused in debugger').isVisible(), false);
    } finally {
      await narrow.close();
    }
    // A third of a laptop's screen (the walkthrough, the timeline and the code side by side, in VS
    // Code, with its Export… button): the tools wrap rather than run out of the panel, and the
    // state stays whole.
    const third = await ViewerPage.open({ width: 345, height: 500, inVsCode: true });
    try {
      await third.load(trace, { name: 'Kitchen (traced by Loop Lens)', state: 'running' });
      for (const name of ['Hide internal', 'Switch ▶', 'Fit', 'Follow live', 'Keys', 'Export…']) {
        const box = (await third.page.getByRole('button', { name }).boundingBox())!;
        assert.ok(
          box.x >= 0 && box.x + box.width <= 345,
          `"${name}" inside the panel: ${JSON.stringify(box)}`,
        );
      }
      const cut = await third.page.evaluate(
        `(() => { const el = document.querySelector('.status'); return [el.scrollWidth, el.clientWidth]; })()`,
      );
      assert.ok((cut as number[])[0] <= (cut as number[])[1], `the state is not cut: ${JSON.stringify(cut)}`);
    } finally {
      await third.close();
    }
  });

  it('at 600, 900, 1400 and 1920 px, nothing in the panel is cut off, runs out of it or lies over another part: the header, the step bar, the legend, the keys and the tooltip', async () => {
    const t = recording.timeline;
    const task = t.tasks.find((x) => x.name === 'GET /parallel')!;
    const since = t.endTime + 20;
    const liveBlock = { task: task.wireId, taskName: task.name, since, now: since + 600, durationMs: 600 };
    for (const width of [600, 900, 1400, 1920]) {
      const page = await ViewerPage.open({ width, height: 600, inVsCode: true });
      try {
        // Everything the header and the legend can hold at once: a live block, drops, a pause.
        await page.load(trace, {
          name: 'Kitchen (traced by Loop Lens)',
          state: 'running',
          events: 123_456,
          dropped: 12,
          liveBlock,
        });
        await page.post({
          type: 'pauses',
          pauses: [{ start: t.startTime + 100, end: t.startTime + 200, reason: 'breakpoint' }],
        });
        await page.page.locator('canvas.canvas').focus();
        let state = await page.rendered('the trace');
        for (let i = 0; i < 60 && state.step?.to.name !== 'GET /blocking'; i++) {
          await page.page.keyboard.press('n');
          state = await page.rendered(`step ${i + 1}`, (s) => s.step?.index === i + 1);
        }
        assert.equal(state.step?.to.name, 'GET /blocking', 'a step onto the blocking request');
        await page.page.locator('.tooltip').waitFor({ state: 'visible' });
        assert.deepEqual(await layoutProblems(page), [], `${width} px, a step shown`);
        await page.page.keyboard.press('?');
        await page.page.locator('.keys-help').waitFor({ state: 'visible' });
        assert.deepEqual(await layoutProblems(page), [], `${width} px, the keys shown`);
      } finally {
        await page.close();
      }
    }
  });

  it("a tooltip with long lines (a long route, a deep path) wraps inside the panel, whole, even at the panel's bottom", async () => {
    const w = new ChunkWriter(64);
    const route = 'GET /api/v1/organisations/:organisationId/projects/:projectId/environments/:environmentId';
    const file =
      '/home/someone/work/a-monorepo/packages/the-service-with-a-long-name/src/handlers/environments.js';
    ['app.js', route, file].forEach((text, i) => w.string(i + 1, utf8Of(text)));
    w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 3, 1, 1);
    w.run(0, 1, Reason.Start);
    w.task(1, 2, TaskKind.Request, 0, 2, TaskFlags.None, 3, 120, 17);
    w.idle(1);
    w.run(10, 2, Reason.Request);
    w.idle(20);
    w.end(30, EndCause.Exit, 0);
    const bytes = handWrittenTrace(w);
    for (const width of [600, 1400]) {
      const page = await ViewerPage.open({ width, height: 230 });
      try {
        const state = await page.load(bytes, { name: 'long names' });
        const g = new Geometry(state);
        const lane = state.lanes.findIndex((l) => l.name === route);
        // The request's lane is the chart's last row: the tooltip has no room below it.
        const at = await onPage(page, g.x(15), g.laneY(lane));
        await page.page.mouse.move(at.x, at.y);
        const tooltip = page.page.locator('.tooltip');
        await tooltip.waitFor({ state: 'visible' });
        assert.match((await tooltip.textContent()) ?? '', /environments\.js:120/);
        assert.deepEqual(await layoutProblems(page), [], `${width} px`);
      } finally {
        await page.close();
      }
    }
  });

  it("in a high-contrast theme with no secondary button colours, the tools' labels stay readable, whatever the system's scheme", async () => {
    // VS Code's Dark High Contrast theme, as its webviews get it: variables on <html>, a class on
    // <body>, and no button.secondaryBackground (nor button.background) at all.
    const hc = {
      '--vscode-editor-background': '#000000',
      '--vscode-editor-foreground': '#ffffff',
      '--vscode-button-foreground': '#ffffff',
      '--vscode-button-secondaryForeground': '#ffffff',
      '--vscode-button-border': '#6fc3df',
      '--vscode-contrastBorder': '#6fc3df',
      '--vscode-contrastActiveBorder': '#f38518',
    };
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await ViewerPage.open({ colorScheme });
      try {
        await page.page.evaluate(`(() => {
          for (const [name, value] of Object.entries(${JSON.stringify(hc)}))
            document.documentElement.style.setProperty(name, value);
          document.body.className = 'vscode-high-contrast';
        })()`);
        await page.load(trace, { name: 'kitchen' });
        for (const name of ['Fit', 'Switch ▶', 'Hide internal']) {
          // The text's colour against what is behind it: the button's own background, else the
          // first ancestor's that is not transparent.
          const [fg, bg] = await page.page.evaluate<[string, string]>(`(() => {
            const el = document.querySelector('button[aria-label=${JSON.stringify(name)}]');
            let at = el;
            while (at !== null && /rgba\\(.*, 0\\)|transparent/.test(getComputedStyle(at).backgroundColor))
              at = at.parentElement;
            return [getComputedStyle(el).color, at === null ? 'rgb(255, 255, 255)' : getComputedStyle(at).backgroundColor];
          })()`);
          const ratio = contrast(fg, bg);
          assert.ok(
            ratio >= 4.5,
            `${colorScheme} system scheme: "${name}" is ${fg} on ${bg} (contrast ${ratio.toFixed(2)})`,
          );
        }
      } finally {
        await page.close();
      }
    }
  });

  it('takes its colours from the theme and redraws when the theme changes', async () => {
    const state = await viewer.load(trace, { name: 'kitchen' });
    const g = new Geometry(state);
    // A point in no lane: below the last one, or in the gap under the first when lanes fill the view.
    const lanesEnd = g.laneY(state.lanes.length - 1) + LAYOUT.laneHeight / 2;
    const emptyY =
      lanesEnd + 4 < state.height - 10
        ? state.height - 10
        : Math.floor(g.laneY(0) + LAYOUT.laneHeight / 2) + 1;
    // The grid's lines cross that row wherever the axis has a tick (which depends on the trace's
    // length): the background is the colour most of a few points 13 px apart have.
    const background = async (): Promise<number[]> => {
      const seen = new Map<string, { rgb: number[]; count: number }>();
      for (let k = 0; k < 5; k++) {
        const rgb = await pixel(viewer, g.x(state.view[0]) + 5 + 13 * k, emptyY);
        const entry = seen.get(rgb.join()) ?? { rgb, count: 0 };
        entry.count++;
        seen.set(rgb.join(), entry);
      }
      return [...seen.values()].sort((a, b) => b.count - a.count)[0].rgb;
    };
    const dark = await background();
    assert.ok(near(dark, [0x1e, 0x1e, 0x1e], 2), `default dark background (${dark})`);
    await viewer.clearMessages();
    await viewer.page.evaluate(`(() => {
      document.documentElement.style.setProperty('--vscode-editor-background', '#000000');
      document.documentElement.style.setProperty('--vscode-charts-red', '#ff0000');
      document.body.classList.add('vscode-high-contrast');
    })()`);
    await viewer.rendered('a redraw');
    assert.ok(near(await background(), [0, 0, 0], 2), 'the high contrast background');
    const block = blockingBlock();
    const lane = state.lanes.findIndex((l) => l.name === 'GET /blocking');
    assert.ok(
      near(await pixel(viewer, g.x(block.start + block.durationMs / 2), g.laneY(lane)), [255, 0, 0], 2),
      "the theme's red for the block",
    );
  });
});
