/**
 * The timeline within a memory budget: a real traced program with twelve thousand dishes, read by a
 * model allowed a fraction of what the whole needs. What it keeps must be what the whole model has
 * for that time, and what it holds must stay within the budget all the way.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Reason, TaskKind } from '../protocol/format';
import { TraceReader } from '../protocol/reader';
import { Timeline } from '../model/timeline';
import { loadTrace } from '../model/load';
import { FIXTURES, run, tempDir, tracedEnv } from './helpers';

const BUDGET = 1024 * 1024;

describe('the timeline within a memory budget', function () {
  this.timeout(120_000);
  let bytes: Uint8Array;
  let whole: Timeline;

  before(async () => {
    const dir = tempDir();
    const out = path.join(dir, 'many.looplens');
    const result = await run(process.execPath, [path.join(FIXTURES, 'programs', 'manyTasks.js')], {
      env: { ...tracedEnv(out), ROUNDS: '4000' },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /sleeper woke\ndone\n$/);
    bytes = fs.readFileSync(out);
    whole = loadTrace(bytes, { partial: true }).timeline;
  });

  it('drops the oldest part, keeps the rest as the whole model has it, and stays within the budget', () => {
    // The whole needs several times the budget (checked, or the test proves nothing).
    assert.ok(whole.estimatedBytes() > 4 * BUDGET, `whole model ${whole.estimatedBytes()} bytes`);
    const capped = new Timeline();
    capped.memoryBudget = BUDGET;
    const reader = new TraceReader(capped);
    let most = 0;
    let drops = 0;
    let lastDrop: number | null = null;
    for (let at = 0; at < bytes.length; at += 16 * 1024) {
      reader.push(bytes.subarray(at, Math.min(bytes.length, at + 16 * 1024)));
      most = Math.max(most, capped.estimatedBytes());
      if (capped.droppedBefore !== lastDrop) drops++;
      lastDrop = capped.droppedBefore;
    }
    reader.finish();
    capped.finish();
    // The estimate may pass the budget by one check's worth of records before it drops.
    assert.ok(most <= BUDGET * 1.5, `held up to ${most} bytes for a budget of ${BUDGET}`);
    assert.ok(drops >= 3, `dropped the oldest part ${drops} times`);
    assert.ok(capped.droppedBefore !== null && capped.droppedBefore > whole.startTime);
    assert.ok(capped.firstTime === capped.droppedBefore);

    const d = capped.droppedStints;
    assert.equal(d + capped.stintCount, whole.stintCount, 'every stint is kept or counted as dropped');
    assert.ok(capped.stints.start[0] >= capped.droppedBefore!);
    for (let i = 0; i < capped.stintCount; i++) {
      const mine = capped.tasks[capped.stints.task[i]];
      const theirs = whole.tasks[whole.stints.task[i + d]];
      assert.equal(capped.stints.start[i], whole.stints.start[i + d]);
      assert.equal(capped.stintEnd(i), whole.stintEnd(i + d));
      assert.equal(mine.id, theirs.id, `stint ${i} is ${mine.name}'s, not ${theirs.name}'s`);
      assert.equal(mine.name, theirs.name);
      assert.equal(mine.kind, theirs.kind);
      const parentOf = (t: Timeline, task: { parent: number }) =>
        task.parent === -1 ? null : t.tasks[task.parent].id;
      assert.equal(parentOf(capped, mine), parentOf(whole, theirs), `${mine.name}'s parent`);
      assert.equal(mine.index, capped.stints.task[i]);
      assert.ok(mine.stints.includes(i));
    }
    // The dish that waited from the first line to the last came back with its name and its place.
    const sleeper = capped.tasks.find((t) => t.name === 'sleeper');
    const wholeSleeper = whole.tasks.find((t) => t.name === 'sleeper');
    assert.ok(wholeSleeper !== undefined, 'the whole model has the sleeper');
    assert.ok(sleeper !== undefined, 'the capped model brought the sleeper back');
    assert.equal(sleeper.createdAt, wholeSleeper.createdAt);
    assert.equal(sleeper.stints.length, whole.tasks[wholeSleeper.index].stints.filter((s) => s >= d).length);
    assert.ok(!capped.tasks.some((t) => /creation was not recorded/.test(t.name)));

    // Blocks and switches of the kept part are the whole model's.
    const keptBlocks = whole.blocks.filter((b) => b.stint >= d);
    assert.ok(keptBlocks.length >= 1);
    assert.deepEqual(
      capped.blocks.map((b) => [b.stint + d, b.start, b.durationMs, capped.tasks[b.task].id]),
      keptBlocks.map((b) => [b.stint, b.start, b.durationMs, whole.tasks[b.task].id]),
    );
    let count = 0;
    for (let s = capped.switchAfter(-1); s !== null; s = capped.switchAfter(s.toStint)) {
      const theirs = whole.switchAfter(s.fromStint + d);
      assert.equal(theirs?.toStint, s.toStint + d);
      count++;
    }
    assert.ok(count > 1000, `${count} switches kept`);
  });

  it('drops nothing within the budget, and a task dropped while it waits comes back when it runs', () => {
    const t = new Timeline();
    t.memoryBudget = Infinity;
    t.task(0, 1, TaskKind.Main, 0, 'main', 0, null);
    t.task(1, 2, TaskKind.Other, 1, 'poller', 0, { file: '/app.js', line: 4, column: 1 });
    t.run(1, 2, Reason.Start);
    for (let i = 0; i < 50_000; i++) t.run(2 + i, 1, Reason.Resume);
    assert.equal(t.droppedBefore, null);
    t.dropOldest(t.stintCount - 10);
    assert.equal(t.stintCount, 10);
    assert.ok(t.taskForWireId(2) === undefined, 'the poller, idle since, was dropped');
    t.run(60_000, 2, Reason.Timer);
    const poller = t.taskForWireId(2);
    assert.equal(poller?.name, 'poller');
    assert.equal(poller?.location?.line, 4);
    assert.equal(t.tasks[poller.parent].name, 'main');
    // Stint k (k ≥ 1) began at 1 + k: the first kept is stint 50_001 - 10.
    assert.equal(t.droppedBefore, 1 + 50_001 - 10);
  });
});
