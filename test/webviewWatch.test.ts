/**
 * What the timeline's watch mode shows (webview/watch.ts): the work begun since a lesson sent its
 * requests, and nothing else.
 */
import { strict as assert } from 'node:assert';
import { Reason, TaskEnd, TaskFlags, TaskKind } from '../protocol/format';
import { Timeline } from '../model/timeline';
import { emptyTimeline } from './helpers';
import { watchedRange } from '../webview/watch';

/** The script from 0 ms, then (from 1000 ms) a request whose handler starts a job, and a socket of a library's. */
function timeline(): Timeline {
  const t = emptyTimeline();
  t.task(0, 1, TaskKind.Main, 0, 'app.js', 0, null);
  t.run(0, 1, Reason.Start);
  t.idle(10);
  t.task(1000, 2, TaskKind.Request, 0, 'GET /background', 0, null);
  t.run(1000, 2, Reason.Request);
  t.task(1002, 3, TaskKind.Other, 2, 'sendEmail', 0, null);
  t.task(1003, 4, TaskKind.Other, 2, 'socket', TaskFlags.Internal, null);
  t.taskEnd(1005, 2, TaskEnd.Finished);
  t.idle(1005);
  return t;
}

describe('the work a lesson sent (watch mode)', () => {
  it('is nothing while no task has been made since it was sent', () => {
    const t = timeline();
    assert.equal(watchedRange(t, 1500, 1600), null);
  });

  it('spans the tasks made since, with room around them, and not the ones made before', () => {
    const [from, to] = watchedRange(timeline(), 500, 1006)!;
    assert.ok(from < 1000 && from > 900, `from ${from}`);
    assert.ok(to > 1005 && to < 1100, `to ${to}`);
  });

  it('grows with a later stint of one of them (a job after the response), and not with idle time', () => {
    const t = timeline();
    t.run(2000, 3, Reason.Timer);
    t.idle(2010);
    t.run(9000, 1, Reason.Timer);
    t.idle(9001);
    const [from, to] = watchedRange(t, 500, 9001)!;
    assert.ok(from < 1000 && to > 2010 && to < 2200, `[${from}, ${to}]`);
  });

  it("reaches the newest time while a request has not answered, but not for a library's socket", () => {
    const t = timeline();
    t.task(3000, 5, TaskKind.Request, 0, 'GET /blocking', 0, null);
    t.run(3000, 5, Reason.Request);
    const [, to] = watchedRange(t, 2500, 6000)!;
    assert.ok(to >= 6000, `to ${to}`);
    const quiet = timeline();
    quiet.run(8000, 4, Reason.Io);
    quiet.idle(8001);
    assert.ok(watchedRange(quiet, 500, 8001)![1] < 1100, 'the socket is no part of the lesson');
  });
});
