import { strict as assert } from 'node:assert';
import { EndCause, Reason, TaskEnd, TaskFlags, TaskKind } from '../protocol/format';
import { chromeTraceChunks } from '../model/chromeExport';
import { decodeMappings, SourceMapper } from '../model/sourceMaps';
import { Stepper } from '../model/steps';
import { summarize } from '../model/summary';
import { Timeline } from '../model/timeline';
import { cpuWords } from '../model/blockSamples';
import { formatSummary } from '../cli/report';
import { emptyTimeline } from './helpers';

function timeline(blockMs = 50): Timeline {
  return emptyTimeline(blockMs);
}

const at = (file: string, line: number) => ({ file, line, column: 1 });

describe('timeline model', () => {
  it('sums up the lag of a four-hour trace (more points than a call takes arguments)', () => {
    const t = new Timeline();
    for (let i = 0; i < 300_000; i++) t.lag(i * 50, 200, 900, i === 123_456 ? 250_000 : 1_000, 10);
    const lag = t.lagSummary();
    assert.equal(lag?.maxMs, 250);
    assert.equal(lag?.p50Ms, 0.2);
  });

  it('reads crafted records in linear time: awaits that point back to the start, samples that fit nothing', () => {
    // Quadratic before: every AWAIT scanned back over all stints, every block rescanned every
    // waiting sample (a 6 MB file took over a minute).
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 3));
    const frames = [{ name: 'handler', location: at('/app.js', 9) }];
    for (let i = 0; i < 150_000; i++) {
      t.run(i * 100, 1, Reason.Timer);
      t.idle(i * 100 + (i % 2 === 0 ? 60 : 1));
      t.awaitAt(0.5, 1, frames);
      t.blockSample(-1e9 - i, 1, 1, 1, [{ name: 'nowhere', location: at('/app.js', 1), weightUs: 1 }]);
      if (i === 2)
        t.blockSample(200, 1, 60, 1, [{ name: 'handler', location: at('/app.js', 9), weightUs: 60_000 }]);
    }
    t.finish();
    assert.equal(t.blocks.length, 75_000, 'every other stint is a block');
    assert.equal(t.awaits.length, 150_000);
    assert.ok(
      t.awaits.every((a) => a.stint === 0),
      "each await is the first stint's",
    );
    assert.equal(t.blocks[1].frames[0]?.name, 'handler', 'a sample still finds its block');
  });

  it('keeps memory to the records when each names a task whose creation was not recorded', () => {
    const t = timeline();
    for (let i = 0; i < 200_000; i++) {
      t.run(i, 1000 + i, Reason.Io);
      t.idle(i + 0.5);
    }
    t.finish();
    assert.ok(t.tasks.length <= 10_002, `${t.tasks.length} tasks`);
    assert.equal(t.stints.length, 200_000, 'every stint is kept');
    const shared = t.tasks[t.tasks.length - 1];
    assert.equal(shared.name, 'more tasks whose creation was not recorded');
    assert.equal(shared.stints.length, 190_000);
  });

  it('turns RUN and IDLE into stints and adds up run and wait times', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 3));
    t.run(1, 1, Reason.Request);
    t.idle(3);
    t.run(10, 1, Reason.Timer);
    t.idle(11);
    t.finish();
    const [task] = summarize(t).tasks.filter((x) => x.id === '1');
    assert.equal(task.stints, 2);
    assert.equal(task.runMs, 3);
    // Its life runs from its creation (0) to its last stint's end (11): 8 of it not running.
    assert.equal(task.waitMs, 8);
    assert.equal(task.startMs, 0);
  });

  it('reads an IDLE written late, with the next RUN or twice, as the end of the stint before it', () => {
    // The Python tracer writes a stint's IDLE with the next stint's RUN (and again where its
    // watchdog flushes between stints): records dated later may come first, and an IDLE dated
    // before the running stint began says nothing of it.
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 3));
    t.run(1, 1, Reason.Request);
    t.stintCpu(1, 1, 3, 0, 2, 2); // the stint's machine share, written after it ended
    t.lag(5, 100, 100, 100, 1);
    t.idle(3); // flushed between stints
    t.idle(3); // and with the next RUN
    t.run(10, 1, Reason.Timer);
    t.idle(3); // the flush's IDLE, the next stint begun meanwhile
    t.idle(11);
    t.finish();
    const [task] = summarize(t).tasks.filter((x) => x.id === '1');
    assert.equal(task.stints, 2);
    assert.equal(task.runMs, 3, 'ran 1-3 and 10-11');
    assert.deepEqual(
      Array.from({ length: t.stints.length }, (_, i) => [t.stints.start[i], t.stints.end[i]]),
      [
        [1, 3],
        [10, 11],
      ],
    );
  });

  it('makes a stint at least the threshold long a block, with the location the sampler gave', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Request, 0, 'GET /slow', 0, at('/app.js', 3));
    t.run(10, 1, Reason.Request);
    t.idle(70);
    t.blockSample(10, 1, 60, 12, [{ name: 'handler', location: at('/app.js', 9), weightUs: 60_000 }]);
    t.run(80, 1, Reason.Timer);
    t.idle(81);
    const s = summarize(t);
    assert.equal(s.blocks.length, 1);
    assert.equal(s.blocks[0].durationMs, 60);
    assert.deepEqual(s.blocks[0].location, at('/app.js', 9));
    assert.equal(s.blocks[0].frames[0].share, 1);
  });

  it('tells how long of a block its thread waited for a CPU (STINT_CPU), judging it by its wall time', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Timer, 0, 'tick', 0, at('/app.js', 3));
    // 120 ms of wall time, 110 of them waiting for a CPU: still a block (the loop was held; a
    // wait on the clock would have lasted as long on an idle machine), which says so.
    t.run(10, 1, Reason.Timer);
    t.stintCpu(10, 1, 130, 110);
    t.idle(130);
    // A short stint stays no block, whatever it waited.
    t.run(200, 1, Reason.Timer);
    t.stintCpu(200, 1, 240, 30);
    t.idle(240);
    // No record (another system, an older trace): nothing said.
    t.run(400, 1, Reason.Timer);
    t.idle(460);
    // The record written right after its stint closed still reaches the block.
    t.run(500, 1, Reason.Timer);
    t.idle(600);
    t.stintCpu(500, 1, 600, 70);
    // Untracked code's (the Python tracer's stint for a reader callback of the loop): the same.
    t.run(700, 0, Reason.Io);
    t.stintCpu(700, 0, 790, 80);
    t.idle(790);
    const s = summarize(t);
    assert.deepEqual(
      s.blocks.map((b) => [b.startMs, b.durationMs, b.cpuWaitMs]),
      [
        [10, 120, 110],
        [400, 60, 0],
        [500, 100, 70],
        [700, 90, 80],
      ],
    );
    assert.match(formatSummary(s), /of it, 110 ms waiting for a CPU: the machine was busy/);
    assert.deepEqual(cpuWords(t.blocks[0]).slice(0, 2), [
      'of it, 110 ms waiting for a CPU',
      '(the machine was busy with other work)',
    ]);
  });

  it('keeps a request’s wrap-up that a busy machine stretched out of background work: judged by the time it held the loop', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Request, 0, 'GET /x', 0, at('/app.js', 3));
    t.run(10, 1, Reason.Request);
    t.idle(12);
    t.taskEnd(12, 1, TaskEnd.Finished);
    // After the response: 40 ms of wall time, 38 of them waiting for a CPU.
    t.run(20, 1, Reason.Promise);
    t.stintCpu(20, 1, 60, 38);
    t.idle(60);
    assert.deepEqual(
      t.tasks.filter((task) => task.kind === 'background').map((task) => task.name),
      [],
    );
    // 40 ms, 5 of them waiting: 35 ms of work after the response, background work.
    t.run(100, 1, Reason.Promise);
    t.stintCpu(100, 1, 140, 5);
    t.idle(140);
    assert.deepEqual(
      t.tasks.filter((task) => task.kind === 'background').map((task) => task.name),
      ['GET /x (after response)'],
    );
  });

  it('keeps a request’s wrap-up whose thread slept for others out of background work: judged by what it did of its own, where the tracer said', () => {
    const t = timeline(50);
    const background = () => t.tasks.filter((task) => task.kind === 'background').map((task) => task.name);
    t.task(0, 1, TaskKind.Request, 0, 'GET /x', 0, at('/app.js', 3));
    t.run(10, 1, Reason.Request);
    t.idle(12);
    t.taskEnd(12, 1, TaskEnd.Finished);
    // After the response: 40 ms of wall time, 3 of them waiting for a CPU, and at most 2 ms of its
    // own (its thread asleep the rest, for a worker or a collector's helpers the machine held off).
    t.run(20, 1, Reason.Promise);
    t.stintCpu(20, 1, 60, 3, 0, 2);
    t.idle(60);
    assert.deepEqual(background(), []);
    // Its own bound covers it up to the reading: the time after that counts whole (2 + 7 ms).
    t.run(70, 1, Reason.Promise);
    t.stintCpu(70, 1, 80, 0, 0, 2);
    t.idle(87);
    assert.deepEqual(background(), []);
    // A stint that ran on past its response with little of its own: no part of it is background.
    t.run(100, 1, Reason.Promise);
    t.idle(102);
    t.task(102, 2, TaskKind.Request, 0, 'GET /y', 0, at('/app.js', 3));
    t.run(110, 2, Reason.Request);
    t.taskEnd(111, 2, TaskEnd.Finished);
    t.stintCpu(110, 2, 200, 0, 0, 4);
    t.idle(200);
    assert.deepEqual(background(), []);
    // 30 ms of its own after the response: background work.
    t.run(300, 1, Reason.Promise);
    t.stintCpu(300, 1, 340, 3, 0, 30);
    t.idle(340);
    assert.deepEqual(background(), ['GET /x (after response)']);
  });

  it('splits a stint that ran on past its response by a block’s length, each part with its share of the wait for a CPU', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Request, 0, 'GET /x', 0, at('/app.js', 3));
    // 120 ms of wall time, the response sent 2 ms in; 60 ms of the stint waiting for a CPU, spread
    // over it: 59 ms of the 118 after the response, which still held the loop a block's length.
    t.run(10, 1, Reason.Request);
    t.taskEnd(12, 1, TaskEnd.Finished);
    t.stintCpu(10, 1, 130, 60);
    t.idle(130);
    const s = summarize(t);
    assert.deepEqual(
      s.tasks.filter((task) => task.kind === 'background').map((task) => [task.name, task.startMs]),
      [['GET /x (after response)', 12]],
    );
    assert.deepEqual(
      s.blocks.map((b) => [b.taskName, b.durationMs, b.cpuWaitMs]),
      [['GET /x (after response)', 118, 59]],
    );
    assert.deepEqual(
      [0, 1].map((i) => t.cpuWaitMs(i)),
      [1, 59],
    );
  });

  it('falls back to where the blocked task was created when nothing was sampled', () => {
    const t = timeline(10);
    t.task(0, 1, TaskKind.Timer, 0, 'tick', 0, at('/job.js', 4));
    t.run(0, 1, Reason.Timer);
    t.idle(20);
    assert.deepEqual(summarize(t).blocks[0].location, at('/job.js', 4));
  });

  it('prefers the user-code frame of a block over library frames', () => {
    const t = timeline(10);
    t.task(0, 1, TaskKind.Request, 0, 'POST /x', 0, null);
    t.run(0, 1, 0);
    t.idle(30);
    t.blockSample(0, 1, 30, 3, [
      { name: 'parse', location: at('/srv/node_modules/lib/index.js', 1), weightUs: 20_000 },
      { name: 'handler', location: at('/srv/app.js', 7), weightUs: 10_000 },
    ]);
    assert.deepEqual(summarize(t).blocks[0].location, at('/srv/app.js', 7));
  });

  it("moves a request's work after its response into a background task tied to it", () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'POST /order', 0, null);
    t.run(0, 1, Reason.Request);
    t.taskEnd(2, 1, TaskEnd.Finished);
    t.idle(2.5);
    t.run(20, 1, Reason.Timer);
    t.idle(45);
    const s = summarize(t);
    const bg = s.tasks.find((x) => x.kind === 'background');
    assert.ok(bg, 'a background task');
    assert.equal(bg.parent, '1');
    assert.equal(bg.name, 'POST /order (after response)');
    assert.equal(bg.runMs, 25);
    assert.equal(bg.startMs, 20);
    const request = s.tasks.find((x) => x.id === '1')!;
    assert.equal(request.endMs, 2);
    assert.equal(request.runMs, 2.5);
  });

  it('keeps a short stint right after the response in the request (finishing up)', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /', 0, null);
    t.run(0, 1, Reason.Request);
    t.taskEnd(1, 1, TaskEnd.Finished);
    t.idle(1);
    t.run(1.1, 1, Reason.Promise);
    t.idle(1.15);
    assert.equal(summarize(t).tasks.filter((x) => x.kind === 'background').length, 0);
  });

  it('makes a sub-task of a request that runs after the response a background task', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /', 0, null);
    t.task(0.5, 2, TaskKind.Other, 1, 'sendEmail', 0, null);
    t.run(0, 1, Reason.Request);
    t.taskEnd(1, 1, TaskEnd.Finished);
    t.idle(1);
    t.run(30, 2, Reason.Timer);
    t.idle(31);
    const s = summarize(t);
    const email = s.tasks.find((x) => x.name === 'sendEmail')!;
    assert.equal(email.kind, 'background');
    assert.equal(email.parent, '1');
  });

  it("keeps a sub-task that ended before the response out of the background for a library's short tail after it", () => {
    // A call started now and awaited later (`const p = getJson(url); …; await p`): the tracer ends
    // it when its function returns; fetch finishing its body a moment after the response is no work.
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'GET /', 0, null);
    t.task(0.5, 2, TaskKind.Other, 1, 'getJson', 0, null);
    t.task(0.5, 3, TaskKind.Other, 1, 'slowJson', 0, null);
    t.run(0, 1, Reason.Request);
    t.run(0.5, 2, Reason.Promise);
    t.taskEnd(0.8, 2, TaskEnd.Finished);
    t.run(0.9, 3, Reason.Promise);
    t.taskEnd(0.95, 3, TaskEnd.Finished);
    t.run(1, 1, Reason.Promise);
    t.taskEnd(1.2, 1, TaskEnd.Finished);
    t.run(1.3, 2, Reason.Promise);
    t.idle(1.35);
    // Its tail turns out to be work: background after all.
    t.run(2, 3, Reason.Io);
    t.idle(20);
    const s = summarize(t);
    assert.equal(s.tasks.find((x) => x.name === 'getJson')!.kind, 'other');
    assert.equal(s.tasks.find((x) => x.name === 'slowJson')!.kind, 'background');
  });

  it('keeps a member made after the response by work that runs after it a member, however long its stint (socket.io on long polling)', () => {
    // socket.io answers the POST that carried a packet, then runs the event's handler: a task of
    // the POST made after its response (its background work), whose `Promise.all` members are made
    // after the response too. A member's stint that a busy machine stretched past 10 ms (a query's
    // reply read, no resume) made it a background task of its own before — one summary member in
    // 15 recordings — while its sibling stayed a member: only a member made before the response
    // (a race's loser) is the request's work going on after it.
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'POST /socket.io/', 0, null);
    t.run(0, 1, Reason.Request);
    t.taskEnd(1, 1, TaskEnd.Finished);
    t.task(1.5, 2, TaskKind.Other, 1, 'summary', 0, null);
    t.task(1.6, 3, TaskKind.Other, 2, 'all[0]', TaskFlags.Concurrent, null);
    t.task(1.6, 4, TaskKind.Other, 2, 'all[1]', TaskFlags.Concurrent, null);
    t.run(1.2, 1, Reason.Promise);
    t.idle(1.7);
    t.run(5, 3, Reason.Io);
    t.idle(20);
    t.run(21, 4, Reason.Io);
    t.idle(21.5);
    t.run(22, 2, Reason.Resume);
    t.idle(22.5);
    const s = summarize(t);
    const kinds = s.tasks.filter((x) => x.name.startsWith('all[')).map((x) => [x.name, x.kind, x.parent]);
    assert.deepEqual(kinds, [
      ['all[0]', 'other', '2'],
      ['all[1]', 'other', '2'],
    ]);
  });

  it('counts switches between different tasks only, skipping untracked code', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'A', 0, null);
    t.task(0, 2, TaskKind.Request, 0, 'B', 0, null);
    t.run(0, 1, 0);
    t.run(1, 1, 0); // the same task again: no switch
    t.run(2, 0, 0); // untracked code in between: transparent
    t.run(3, 2, Reason.Promise);
    t.run(4, 1, Reason.Timer);
    t.idle(5);
    assert.equal(t.switchCount(), 2);
    const switches = t.switches();
    assert.deepEqual(
      switches.map((s) => [t.tasks[s.from].name, t.tasks[s.to].name, s.reason]),
      [
        ['A', 'B', 'promise'],
        ['B', 'A', 'timer'],
      ],
    );
    assert.equal(switches[1].waitedMs, 2);
  });

  it('steps from switch to switch both ways, and says how long the resumed task waited and was ready', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'A', 0, null);
    t.task(0, 2, TaskKind.Request, 0, 'B', 0, null);
    t.task(0, 3, TaskKind.Timer, 0, 'C', 0, null);
    t.run(0, 1, 0);
    t.run(2, 2, Reason.Request);
    t.ready(3, 3);
    t.run(4, 0, 0); // untracked code
    t.run(5, 2, 0); // B again after untracked code: no switch
    t.run(6, 3, Reason.Timer);
    t.run(8, 1, Reason.Promise);
    t.idle(9);
    const forward: string[] = [];
    for (let s = t.switchAfter(-1); s !== null; s = t.switchAfter(s.toStint))
      forward.push(`${t.tasks[s.from].name}>${t.tasks[s.to].name}@${s.time}`);
    assert.deepEqual(forward, ['A>B@2', 'B>C@6', 'C>A@8']);
    const backward: string[] = [];
    for (let s = t.switchBefore(t.stintCount); s !== null; s = t.switchBefore(s.toStint))
      backward.push(`${t.tasks[s.from].name}>${t.tasks[s.to].name}@${s.time}`);
    assert.deepEqual(backward, [...forward].reverse());
    assert.deepEqual(
      t.switches().map((s) => s.time),
      [2, 6, 8],
    );
    const c = t.switchAfter(t.firstStintStartingAt(5))!;
    assert.equal(t.tasks[c.to].name, 'C');
    assert.equal(c.reason, 'timer');
    assert.equal(c.readyMs, 3, 'C was ready from 3 to 6');
    const a = t.switchAfter(c.toStint)!;
    assert.equal(a.waitedMs, 6, 'A waited from its stint that ended at 2 until 8');
    assert.equal(t.switchAfter(a.toStint), null);
    assert.equal(t.switchBefore(t.firstStintStartingAt(2)), null);
  });

  it('marks the time a task was ready but the loop was busy', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Timer, 0, 'tick', 0, null);
    t.ready(10, 1);
    t.run(40, 1, Reason.Timer);
    t.idle(41);
    assert.equal(t.stints.readySince[t.tasks[1].stints[0]], 10);
  });

  it('creates a placeholder for a task whose creation record was lost', () => {
    const t = timeline();
    t.run(0, 99, 0);
    t.idle(1);
    const task = summarize(t).tasks.find((x) => x.id === '99');
    assert.ok(task);
    assert.match(task.name, /not recorded/);
  });

  it('completes a task that records named before its TASK record: the stint and children so far are the task it announces', () => {
    const t = timeline();
    // A server's task whose first stint turns out to run a request (the Python tracer's TASK record
    // comes in that stint, at its start), a library's task made in it before the record.
    t.run(10, 7, Reason.Promise);
    t.task(10, 7, TaskKind.Request, 0, 'GET /a', 0, null);
    t.task(11, 8, TaskKind.Other, 7, 'middleware', TaskFlags.Internal, null);
    t.idle(12);
    t.taskEnd(12, 7, TaskEnd.Finished);
    // One whose record came only after its stint, dated when it was made.
    t.run(20, 9, Reason.Promise);
    t.idle(21);
    t.task(
      15,
      9,
      TaskKind.Other,
      0,
      'RequestResponseCycle.run_asgi',
      TaskFlags.Internal,
      at('/h11_impl.py', 364),
    );
    t.finish();
    assert.ok(!t.tasks.some((x) => /not recorded/.test(x.name)), t.tasks.map((x) => x.name).join(', '));
    const [request] = t.tasks.filter((x) => x.wireId === 7);
    assert.equal(t.tasks.filter((x) => x.wireId === 7).length, 1);
    assert.equal(request.kind, 'request');
    assert.equal(request.name, 'GET /a');
    assert.equal(request.createdAt, 10);
    assert.equal(request.internal, false);
    assert.deepEqual(request.stints, [0]);
    assert.equal(request.runMs, 2);
    assert.equal(t.tasks.find((x) => x.wireId === 8)?.parent, request.index);
    const [late] = t.tasks.filter((x) => x.wireId === 9);
    assert.equal(late.internal, true);
    assert.equal(late.createdAt, 15);
    assert.equal(late.stints.length, 1);
    assert.equal(late.location?.line, 364);
  });

  it('closes the running stint where events were lost and counts them', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Main, 0, 'main', 0, null);
    t.run(0, 1, 0);
    t.dropped(5, 1000, 9);
    t.run(9, 1, Reason.Resume);
    t.idle(10);
    const s = summarize(t);
    assert.equal(s.dropped, 1000);
    assert.equal(s.tasks.find((x) => x.id === '1')!.runMs, 6);
  });

  it('reports how the program ended', () => {
    const t = timeline();
    t.end(100, EndCause.UncaughtException, 1);
    assert.deepEqual(summarize(t).end, { cause: 'uncaught-exception', code: 1 });
    assert.equal(summarize(t).durationMs, 100);
  });

  it('recomputes blocks when the threshold changes', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Request, 0, 'A', 0, null);
    t.run(0, 1, 0);
    t.idle(20);
    assert.equal(t.blocks.length, 0);
    t.blockMs = 10;
    assert.equal(t.blocks.length, 1);
  });

  it('handles a million stints without trouble', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Request, 0, 'A', 0, null);
    t.task(0, 2, TaskKind.Request, 0, 'B', 0, null);
    const started = performance.now();
    for (let i = 0; i < 1_000_000; i++) {
      t.run(i, 1 + (i & 1), 0);
      t.idle(i + 0.5);
    }
    assert.equal(t.stintCount, 1_000_000);
    assert.equal(t.switchCount(), 999_999);
    assert.ok(performance.now() - started < 20_000);
  });
});

describe('Chrome trace export', () => {
  it('writes valid Trace Event Format: complete events for stints, balanced async tracks, a lag counter', () => {
    const t = timeline(5);
    t.task(0, 1, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 1));
    t.run(1, 1, Reason.Request);
    t.idle(10);
    t.lag(10, 100, 9000, 9000, 2);
    t.finish();
    const json = JSON.parse([...chromeTraceChunks(t)].join('')) as {
      traceEvents: Array<Record<string, unknown>>;
    };
    const events = json.traceEvents;
    for (const e of events) {
      assert.equal(typeof e.ph, 'string');
      assert.equal(typeof e.pid, 'number');
      assert.equal(typeof e.tid, 'number');
      if (e.ph !== 'M') assert.equal(typeof e.ts, 'number');
      if (e.ph === 'X') assert.ok((e.dur as number) >= 0);
    }
    const stints = events.filter((e) => e.ph === 'X' && e.cat === 'request');
    assert.deepEqual(
      stints.map((e) => [e.name, e.ts, e.dur]),
      [['GET /a', 1000, 9000]],
    );
    assert.equal(events.filter((e) => e.cat === 'block').length, 1);
    const begins = events.filter((e) => e.ph === 'b').length;
    const ends = events.filter((e) => e.ph === 'e').length;
    assert.equal(begins, ends);
    assert.equal(events.filter((e) => e.ph === 'C').length, 1);
  });
});

describe('source maps', () => {
  it('decodes VLQ mappings', () => {
    // "AAAA;AACA" → line 0 col 0 → src 0:0:0; line 1 col 0 → src 0:1:0
    assert.deepEqual(decodeMappings('AAAA;AACA'), [
      [{ column: 0, source: 0, line: 0, sourceColumn: 0 }],
      [{ column: 0, source: 0, line: 1, sourceColumn: 0 }],
    ]);
  });

  it("maps a generated position to the TypeScript source named by the file's map", () => {
    const files: Record<string, string> = {
      '/out/app.js': 'line0\nline1\n//# sourceMappingURL=app.js.map\n',
      '/out/app.js.map': JSON.stringify({ version: 3, sources: ['../src/app.ts'], mappings: 'AAAA;AAEE' }),
    };
    const mapper = new SourceMapper({
      read: (f) => files[f] ?? null,
      resolve: (from, rel) => new URL(rel, `file://${from}`).pathname,
    });
    assert.deepEqual(mapper.map({ file: '/out/app.js', line: 2, column: 1 }), {
      file: '/src/app.ts',
      line: 3,
      column: 3,
    });
    assert.deepEqual(mapper.map({ file: '/out/other.js', line: 2, column: 1 }), {
      file: '/out/other.js',
      line: 2,
      column: 1,
    });
  });
});

describe('debugger pauses', () => {
  it('do not make a stint a block: the loop was held, not busy', () => {
    const t = timeline(50);
    t.task(0, 1, TaskKind.Request, 0, 'GET /a', 0, null);
    t.setPauses([{ start: 10, end: null }]);
    t.run(5, 1, Reason.Request);
    t.idle(2000);
    assert.equal(t.blocks.length, 0, 'paused from 10 ms on');
    t.setPauses([{ start: 10, end: 1990 }]);
    assert.equal(t.blocks.length, 0, 'a stint the debugger held is not a block');
    t.setPauses([{ start: 10, end: 1900 }]);
    assert.equal(t.blocks.length, 0, 'even with more than the threshold outside what the host saw as paused');
    t.setPauses([{ start: 2500, end: 2600 }]);
    assert.equal(t.blocks.length, 1, 'without a pause inside it, it is');
  });
});

describe('stepping through task switches (model/steps.ts)', () => {
  function kitchen(): Timeline {
    const t = timeline();
    t.task(0, 1, TaskKind.Main, 0, 'app.js', 0, at('/app.js', 1));
    t.task(1, 2, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 5));
    t.task(1, 3, TaskKind.Request, 0, 'GET /b', 0, at('/app.js', 9));
    t.run(0, 1, Reason.Start);
    t.run(2, 2, Reason.Request);
    t.run(4, 3, Reason.Request);
    // GET /b's handler awaits at line 20 (a library frame outside it does not count).
    t.awaitAt(4.5, 3, [
      { name: 'query', location: at('/srv/node_modules/pg/lib/client.js', 80) },
      { name: 'handler', location: at('/app.js', 20) },
    ]);
    t.run(6, 2, Reason.Timer);
    t.taskEnd(7, 2, TaskEnd.Finished);
    t.run(8, 3, Reason.Io);
    t.idle(9);
    return t;
  }

  it('moves from switch to switch, from a time range when it stands nowhere, and says why in words', () => {
    const t = kitchen();
    const stepper = new Stepper(t, (ms) => `${ms} ms`);
    assert.equal(stepper.count(), 4);
    const first = stepper.move('next', [3, 9]);
    assert.equal(first?.time, 4, 'the first switch in view');
    let step = stepper.describe(false)!;
    assert.equal(step.index, 2);
    assert.equal(step.starts, true);
    // Where its handler ran, not where the server was made (the task's own location, line 9).
    assert.equal(step.text, 'GET /a yields → GET /b starts: a request arrived. Runs app.js:20.');
    stepper.move('next', [0, 0]);
    step = stepper.describe(false)!;
    assert.deepEqual(
      [step.index, step.to.name, step.starts, step.because],
      [3, 'GET /a', false, 'a timer fired'],
    );
    assert.match(step.text, /GET \/b yields → GET \/a resumes: a timer fired, after waiting 2 ms\./);
    stepper.move('next', [0, 0]);
    // GET /a's response went out: its last stint was its last.
    assert.match(stepper.describe(false)!.text, /^GET \/a ends → GET \/b resumes: I\/O completed/);
    assert.equal(stepper.move('next', [0, 0]), null);
    assert.equal(stepper.none('next', true), 'No later step recorded yet (4 in all).');
    assert.equal(stepper.none('previous', false), 'No earlier step (4 in all).');
    assert.ok(stepper.moveTo(2));
    assert.equal(stepper.describe(true)!.index, 1);
    assert.equal(stepper.moveTo(3), false, 'no switch at 3 ms');
  });

  it('also stops where a task resumes after the loop sat idle with no other task between, and says so', () => {
    const t = timeline();
    t.task(0, 1, TaskKind.Main, 0, 'app.js', 0, at('/app.js', 1));
    t.task(1, 2, TaskKind.Request, 0, 'GET /a', 0, at('/app.js', 5));
    t.run(0, 1, Reason.Start);
    t.run(2, 2, Reason.Request);
    t.idle(3);
    t.run(10, 2, Reason.Io); // after 7 ms idle: a step
    t.run(11, 0, 0); // untracked code, no idle between
    t.run(12, 2, Reason.Io); // GET /a again with no idle: no step
    t.idle(13);
    assert.equal(t.switchCount(), 1, 'one switch');
    assert.equal(t.stepCount(), 2, 'and one resume after idle time');
    const stepper = new Stepper(t, (ms) => `${ms} ms`);
    assert.equal(stepper.move('next', [0, 13])?.time, 2);
    const resumed = stepper.move('next', [0, 0]);
    assert.deepEqual([resumed?.time, resumed?.from === resumed?.to, resumed?.idleMs], [10, true, 7]);
    const step = stepper.describe(true)!;
    assert.deepEqual([step.index, step.count, step.idleMs], [2, 2, 7]);
    assert.equal(step.text, 'GET /a resumes after the loop sat idle 7 ms: I/O completed. Runs app.js:5.');
    assert.equal(stepper.move('next', [0, 0]), null);
    stepper.clear();
    assert.equal(stepper.move('previous', [0, 13])?.time, 10, 'back from the end: the resume');
    assert.ok(stepper.moveTo(10), 'another view stepped there');
  });

  it('steps from the whole trace when the view holds no switch to step to (a run that ended in view of its last seconds)', () => {
    const t = kitchen();
    const ahead = new Stepper(t, (ms) => `${ms} ms`);
    assert.equal(ahead.move('next', [8.5, 9])?.time, 2, 'nothing after the view: the first switch');
    assert.equal(ahead.describe(false)!.index, 1);
    const back = new Stepper(t, (ms) => `${ms} ms`);
    assert.equal(back.move('previous', [0, 1])?.time, 8, 'nothing before the view: the last switch');
    assert.equal(back.describe(false)!.index, 4);
  });

  it('keeps its switch when the model drops its oldest part, and lets go when the switch went', () => {
    const t = kitchen();
    const stepper = new Stepper(t, String);
    stepper.move('next', [5, 9]);
    assert.equal(stepper.cursor?.time, 6);
    t.dropOldest(2);
    assert.ok(stepper.follow());
    assert.equal(stepper.cursor?.time, 6, 'the same switch, by its new stint numbers');
    assert.equal(stepper.describe(false)!.index, 1);
    t.dropOldest(2);
    stepper.follow();
    assert.equal(stepper.cursor, null, 'its switch was dropped');
  });
});
