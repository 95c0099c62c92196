import { strict as assert } from 'node:assert';
import { FORMAT_VERSION, TaskFlags, TaskKind } from '../protocol/format';
import { Timeline } from '../model/timeline';
import {
  FOLDED_LANE,
  LAYOUT,
  axisTicks,
  firstAtOrAfter,
  laneAt,
  layoutLanes,
  layoutView,
} from '../webview/layout';

function timeline(): Timeline {
  const t = new Timeline();
  t.setMeta({
    formatVersion: FORMAT_VERSION,
    runtime: 'node',
    pid: 1,
    startTime: 0,
    clockOriginEpochMs: 0,
    blockMs: 50,
  });
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
});
