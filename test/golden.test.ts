/**
 * The golden traces (test/golden/traces.ts, saved in test/fixtures/golden/): the writer still
 * writes them byte for byte, and the reader and model make of the saved files what they say.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTraceBytes, readTraceSteps } from '../host/traceFile';
import { loadTrace } from '../model/load';
import { summarize } from '../model/summary';
import { FIXTURES } from './helpers';
import { GOLDEN } from './golden/traces';

const DIR = path.join(FIXTURES, 'golden');

function saved(name: string): Buffer {
  return fs.readFileSync(path.join(DIR, `${name}.looplens`));
}

describe('the golden traces', () => {
  for (const g of GOLDEN) {
    it(`writes ${g.name} byte for byte as saved (${g.about})`, () => {
      const now = Buffer.from(g.bytes());
      const before = saved(g.name);
      const first = now.findIndex((b, i) => b !== before[i]);
      assert.ok(
        now.equals(before),
        `${g.name}: ${now.length} bytes now, ${before.length} saved, first difference at byte ${first}. ` +
          'If the format or the writer changed on purpose, run `npm run golden:update`, say so in ' +
          'protocol/format.ts, and raise FORMAT_VERSION if an older reader would misread it.',
      );
    });
  }

  it('server: the requests overlap, the report blocks 120 ms at its line, the query is a wait', () => {
    const { timeline, unfinished } = loadTrace(saved('server'));
    assert.equal(unfinished, false);
    const s = summarize(timeline);
    assert.equal(timeline.meta?.runtime, 'golden v1');
    assert.deepEqual(
      s.tasks.map((t) => [t.name, t.kind, t.stints]),
      [
        ['server.js', 'main', 1],
        ['GET /orders', 'request', 2],
        ['GET /report', 'request', 1],
      ],
    );
    const orders = s.tasks[1];
    assert.equal(orders.runMs, 4 + 5);
    assert.equal(orders.waitMs, 130 - 9, 'created at 1100, answered at 1230, ran 9 ms');
    assert.deepEqual(
      s.blocks.map((b) => [b.taskName, b.durationMs, b.location?.line]),
      [['GET /report', 120, 34]],
    );
    // Watched for 110 ms, on the CPU for 104.5 of them: computing.
    assert.deepEqual(
      [timeline.blocks[0].cpuMs, timeline.blocks[0].cpuKnownMs, s.blocks[0].cpuShare],
      [104.5, 110, 0.95],
    );
    const sw = timeline
      .switches()
      .map((x) => [timeline.tasks[x.from].name, timeline.tasks[x.to].name, x.reason]);
    assert.deepEqual(sw, [
      ['server.js', 'GET /orders', 'request'],
      ['GET /orders', 'GET /report', 'request'],
      ['GET /report', 'GET /orders', 'io'],
    ]);
    assert.equal(timeline.switches()[2].readyMs, 115, 'ready from 1110, run at 1225');
    assert.equal(timeline.resumeLocation(timeline.tasks[2].stints[1])?.line, 22);
    assert.deepEqual(s.lag, { p50Ms: 0.8, p99Ms: 118, maxMs: 120 });
    assert.deepEqual(s.end, { cause: 'exit', code: 0 });
  });

  it('every-record: renamed, moved, folded, lost, untracked and a signal end are read as written', () => {
    const { timeline } = loadTrace(saved('every-record'));
    const s = summarize(timeline);
    const byName = (name: string) => s.tasks.find((t) => t.name === name);
    assert.equal(byName('sendEmail')?.internal, false, 'named later: the provisional task is confirmed');
    assert.equal(byName('sendEmail')?.location?.line, 8);
    assert.equal(byName('helper'), undefined, 'folded into nightly');
    assert.equal(byName('nightly')?.kind, 'user');
    assert.deepEqual(
      ['tick', 'soon', 'worker.js'].map((n) => byName(n)?.kind),
      ['timer', 'immediate', 'worker'],
    );
    assert.equal(s.untrackedMs, 1);
    assert.equal(timeline.droppedEvents, 17);
    assert.deepEqual(timeline.drops, [{ start: 1030, end: 1040, count: 17 }]);
    assert.deepEqual(s.end, { cause: 'signal', code: 15 });
  });
});

describe('reading a trace a slice at a time (opening a large file with progress)', () => {
  for (const name of ['server', 'every-record']) {
    it(`reads ${name} in 48-byte slices exactly as in one piece, saying how far it is`, () => {
      const bytes = saved(name);
      const whole = readTraceBytes(bytes, { partial: true });
      const steps = readTraceSteps(bytes, { partial: true }, 48);
      const shares: number[] = [];
      let result;
      for (;;) {
        const step = steps.next();
        if (step.done === true) {
          result = step.value;
          break;
        }
        shares.push(step.value);
      }
      assert.equal(shares.length, Math.ceil(bytes.length / 48) - 1);
      assert.ok(
        shares.every((s, i) => s > 0 && s < 1 && (i === 0 || s > shares[i - 1])),
        `rising shares below 1: ${shares.join(' ')}`,
      );
      assert.deepEqual(summarize(result.timeline), summarize(whole.timeline));
      assert.deepEqual(result.stats, whole.stats);
      assert.equal(result.note, whole.note);
    });
  }

  it('reads a trace cut in the middle up to the cut, with the same note, a slice at a time', () => {
    const bytes = saved('server').subarray(0, 700);
    const whole = readTraceBytes(bytes, { partial: true });
    const steps = readTraceSteps(bytes, { partial: true }, 64);
    let step = steps.next();
    while (step.done !== true) step = steps.next();
    assert.ok(whole.note !== null);
    assert.equal(step.value.note, whole.note);
    assert.deepEqual(summarize(step.value.timeline), summarize(whole.timeline));
  });
});
