import { strict as assert } from 'node:assert';
import { TaskFlags, TaskKind } from '../protocol/format';
import { Timeline } from '../model/timeline';
import { emptyTimeline } from './helpers';
import { FOLDED_LANE, LAYOUT, firstAtOrAfter, laneAt, layoutLanes, layoutView } from '../webview/layout';
import { axisLabels, axisTicks } from '../webview/timeAxis';

function timeline(): Timeline {
  const t = emptyTimeline();
  t.task(1, 1, TaskKind.Main, 0, 'app.js', 0, null);
  t.task(5, 2, TaskKind.Request, 0, 'GET /b', 0, null);
  t.task(2, 3, TaskKind.Request, 0, 'GET /a', 0, null);
  t.task(3, 4, TaskKind.Other, 3, 'fetchA', 0, null);
  t.task(4, 5, TaskKind.Timer, 0, 'poll', TaskFlags.Internal, null);
  return t;
}

describe('timeline layout', () => {
  it('orders lanes by creation with each sub-task right under its parent', () => {
    const t = timeline();
    const lanes = layoutLanes(t);
    assert.deepEqual(
      lanes.map((l) => [t.tasks[l.task].name, l.depth]),
      [
        ['app.js', 0],
        ['GET /a', 0],
        ['fetchA', 1],
        ['poll', 0],
        ['GET /b', 0],
      ],
    );
    assert.deepEqual(
      lanes.map((l) => l.y),
      [0, 1, 2, 3, 4].map((i) => i * (LAYOUT.laneHeight + LAYOUT.laneGap)),
    );
  });

  it('filters lanes by text and hides internal tasks', () => {
    const t = timeline();
    assert.deepEqual(
      layoutLanes(t, { text: 'get', hideInternal: false }).map((l) => t.tasks[l.task].name),
      ['GET /a', 'GET /b'],
    );
    const hidden = layoutView(t, { text: '', hideInternal: true });
    assert.ok(!hidden.lanes.some((l) => l.task >= 0 && t.tasks[l.task].name === 'poll'));
    assert.deepEqual(
      hidden.folded.map((i) => t.tasks[i].name),
      ['poll'],
      'the internal task is folded into one lane',
    );
    assert.equal(hidden.lanes[hidden.lanes.length - 1].task, FOLDED_LANE, 'the folded lane comes last');
    assert.equal(layoutView(t, { text: 'get', hideInternal: false }).filteredOut, 3);
    assert.deepEqual(
      layoutLanes(t, { text: 'timer', hideInternal: false }).map((l) => t.tasks[l.task].name),
      ['poll'],
    );
  });

  it('finds the lane under a point and the first stint at a time by binary search', () => {
    const t = timeline();
    const lanes = layoutLanes(t);
    const step = LAYOUT.laneHeight + LAYOUT.laneGap;
    for (let k = 0; k < lanes.length; k++) assert.equal(laneAt(lanes, k * step + 1), k);
    assert.equal(laneAt(lanes, 1e9), lanes.length);
    const starts = new Float64Array([0, 10, 20, 30]);
    assert.equal(firstAtOrAfter(starts, [0, 1, 2, 3], 15), 2);
    assert.equal(firstAtOrAfter(starts, [0, 1, 2, 3], 40), 4);
    assert.equal(firstAtOrAfter(starts, [1, 3], 10), 0);
  });
});

describe('the time axis', () => {
  it('puts ticks on round times since the start, whatever the clock reads then', () => {
    const t0 = 12_345.678;
    const ticks = axisTicks(t0 + 49_000, t0 + 101_000, t0, 6);
    assert.deepEqual(
      ticks.map((x) => Math.round(x - t0)),
      [50_000, 60_000, 70_000, 80_000, 90_000, 100_000],
    );
    const fine = axisTicks(t0 + 59_510, t0 + 59_520, t0, 5);
    assert.ok(
      fine.every((x) => Math.abs((x - t0) * 10 - Math.round((x - t0) * 10)) < 1e-6),
      `round to the tenth of a millisecond: ${fine.map((x) => x - t0).join(', ')}`,
    );
  });

  it('steps a long view in clock steps (15 s, 1 min, 5 min), never 100 s or 200 s', () => {
    const t0 = 777.5;
    const since = (v0: number, v1: number, count: number) =>
      axisTicks(t0 + v0, t0 + v1, t0, count).map((x) => Math.round(x - t0));
    assert.deepEqual(since(0, 600_000, 6), [0, 120_000, 240_000, 360_000, 480_000, 600_000]);
    assert.deepEqual(since(0, 70_000, 5), [0, 15_000, 30_000, 45_000, 60_000]);
    assert.deepEqual(since(0, 3_000_000, 5), [0, 600_000, 1_200_000, 1_800_000, 2_400_000, 3_000_000]);
  });

  // [view from, view to (ms since the start), ticks wanted, the labels]
  const LABELS: Array<[number, number, number, string[]]> = [
    // Deep in a long trace: seconds, as the step bar says "133.2 s" (it said "133100 ms").
    [133_000, 133_500, 5, ['133.0 s', '133.1 s', '133.2 s', '133.3 s', '133.4 s', '133.5 s']],
    [133_000, 133_010, 5, ['133.000 s', '133.002 s', '133.004 s', '133.006 s', '133.008 s', '133.010 s']],
    // Under a second from the start: milliseconds, decimals as the step needs.
    [0, 800, 4, ['0 ms', '200 ms', '400 ms', '600 ms', '800 ms']],
    [10, 11, 2, ['10.0 ms', '10.5 ms', '11.0 ms']],
    // Past a second: seconds for the whole axis, not "800 ms" beside "1.0 s".
    [0, 1200, 6, ['0.0 s', '0.2 s', '0.4 s', '0.6 s', '0.8 s', '1.0 s', '1.2 s']],
    [0, 50_000, 5, ['0 s', '10 s', '20 s', '30 s', '40 s', '50 s']],
    // A view of minutes reads in minutes.
    [0, 600_000, 5, ['0', '2 min', '4 min', '6 min', '8 min', '10 min']],
    [60_000, 200_000, 5, ['1 min', '1 min 30 s', '2 min', '2 min 30 s', '3 min']],
    [0, 7_200_000, 4, ['0', '30 min', '1 h', '1 h 30 min', '2 h']],
  ];
  for (const [from, to, count, labels] of LABELS)
    it(`labels a view from ${from} to ${to} ms as ${labels.join(', ')}`, () => {
      const t0 = 5_000.25;
      assert.deepEqual(axisLabels(axisTicks(t0 + from, t0 + to, t0, count), t0), labels);
    });

  it('a tick a whole second from the start reads in seconds, whatever the clock read at the start', () => {
    // At this start, the tick at 1000 ms came back through the trace clock as 999.9999999 ms and
    // read "1000 ms" beside "900 ms".
    const t0 = 15_699.150086287971;
    assert.deepEqual(axisLabels(axisTicks(t0 + 250, t0 + 1000.5, t0, 8), t0), [
      '0.3 s',
      '0.4 s',
      '0.5 s',
      '0.6 s',
      '0.7 s',
      '0.8 s',
      '0.9 s',
      '1.0 s',
    ]);
  });

  it('no label is a raw count of milliseconds past a second, at any zoom over a ten-minute trace', () => {
    // (A start that is not a round number on the trace clock, as a real trace's never is.)
    const t0 = 81_234.567891;
    for (let span = 0.01; span <= 600_000; span *= 3)
      for (const at of [0, 999, 1000, 59_999, 133_200, 599_000]) {
        const labels = axisLabels(axisTicks(t0 + at, t0 + at + span, t0, 8), t0);
        for (const label of labels) {
          const ms = /^(-?[\d.]+) ms$/.exec(label);
          assert.ok(ms === null || Math.abs(Number(ms[1])) < 1000, `${label} (view ${at} + ${span})`);
        }
        assert.equal(new Set(labels).size, labels.length, `ticks tell apart: ${labels.join(', ')}`);
      }
  });
});
