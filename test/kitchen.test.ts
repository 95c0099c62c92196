/**
 * The seed lessons of the chef picture, each recorded for real: the kitchen demo server runs under
 * `looplens record`, real HTTP requests hit it, and the test reads the trace and checks what the
 * timeline shows — the block and its line, overlaps, background work, parallel against sequential
 * waits, the worker pool without a block.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Summary, SummaryTask } from '../model/summary';
import { KITCHEN, get, heldLongest, recordKitchen, sleep, tempDir } from './helpers';

const SOURCE = fs.readFileSync(KITCHEN, 'utf8').split('\n');

/** The 1-based line of the kitchen's source that contains `marker`. */
function lineOf(marker: string): number {
  const index = SOURCE.findIndex((line) => line.includes(marker));
  assert.ok(index >= 0, `marker ${marker} in the kitchen source`);
  return index + 1;
}

function requests(summary: Summary, name: string): SummaryTask[] {
  return summary.tasks.filter((t) => t.kind === 'request' && t.name === name);
}

function overlaps(a: SummaryTask, b: SummaryTask): boolean {
  return a.startMs < (b.endMs ?? Infinity) && b.startMs < (a.endMs ?? Infinity);
}

describe('kitchen lessons, recorded for real', function () {
  this.timeout(60_000);
  const dir = tempDir();

  it('1. a blocking handler is one long block at its busy line, and the other dishes wait ready but not served', async () => {
    // The dishes simmer 400 ms and the chef blocks 1.2 s: each dish's timer falls inside the block
    // unless a loaded machine lets this process send the blocking request more than 400 ms after
    // the dishes started; a dish whose timer fired before the block began is excused, not all three.
    const { summary, timeline } = await recordKitchen(dir, 'blocking', async (port) => {
      const waiting = [get(port, '/async?ms=400'), get(port, '/async?ms=400'), get(port, '/async?ms=400')];
      await sleep(30);
      await Promise.all([get(port, '/blocking?ms=1200'), ...waiting]);
    });
    const [blocking] = requests(summary, 'GET /blocking');
    assert.ok(blocking, 'the blocking request is a task named GET /blocking');
    // (The 1.2 s spin, whole: the request's block that held the loop longest. A loaded machine may
    // stretch another stint of the request past the threshold, mostly waiting for a CPU.)
    const block = heldLongest(summary.blocks.filter((b) => b.task === blocking.id));
    assert.ok(block !== undefined, `a block (${JSON.stringify(summary.blocks)})`);
    assert.ok(block.durationMs >= 1190, `the block lasts the 1.2 s (${block.durationMs})`);
    assert.equal(block.location?.file, KITCHEN);
    // (A clock spin on a machine so busy that the thread waited for a CPU through much of it may
    // end before the starved sampler's first look, which then sees the next line.)
    const chef = lineOf('the chef stands here');
    const starved = block.cpuWaitMs > block.durationMs / 3;
    assert.ok(
      block.location?.line === chef || (starved && block.location?.line === chef + 1),
      `the block points at the busy-wait line (${JSON.stringify(block)})`,
    );

    const asyncTasks = requests(summary, 'GET /async');
    assert.equal(asyncTasks.length, 3);
    const blockEnd = block.startMs + block.durationMs;
    const held = asyncTasks.filter((task) => {
      const due = task.startMs + 400;
      return due > block.startMs && due < blockEnd - 100;
    });
    assert.ok(
      held.length > 0,
      `a dish simmered into the block (dishes from ${JSON.stringify(asyncTasks.map((t) => t.startMs))} ms, ` +
        `block ${block.startMs}-${blockEnd} ms)`,
    );
    for (const task of held) {
      const t = timeline.tasks.find((x) => x.id === task.id)!;
      const waits = t.stints
        .map((s) => timeline.stints.start[s] - timeline.stints.readySince[s])
        .filter((w) => Number.isFinite(w));
      assert.ok(
        waits.some((w) => w > 100),
        `${task.name} was ready but not running while the chef was blocked (waits ${JSON.stringify(waits)})`,
      );
      assert.ok((task.endMs ?? 0) >= blockEnd, 'and so it ended only after the block');
    }
  });

  it('2. async handlers awaiting I/O overlap while the chef is mostly idle', async () => {
    const { summary, timeline } = await recordKitchen(dir, 'async', async (port) => {
      await Promise.all(Array.from({ length: 5 }, () => get(port, '/async')));
    });
    const tasks = requests(summary, 'GET /async');
    assert.equal(tasks.length, 5);
    // Each simmers its 100 ms, so any two that arrived less than that apart overlap (a loaded
    // machine may run the test's five connections more than 100 ms apart).
    let pairs = 0;
    for (const a of tasks) {
      assert.ok(
        a.endMs! - a.startMs >= 95,
        `${a.id} lives through its 100 ms wait (${a.endMs! - a.startMs})`,
      );
      for (const b of tasks)
        if (a !== b && Math.abs(a.startMs - b.startMs) < 90) {
          assert.ok(
            overlaps(a, b),
            `requests that arrived ${Math.abs(a.startMs - b.startMs)} ms apart overlap`,
          );
          pairs++;
        }
    }
    assert.ok(pairs > 0, `some requests arrived together (${tasks.map((t) => t.startMs).join(', ')})`);
    const window = Math.max(...tasks.map((t) => t.endMs!)) - Math.min(...tasks.map((t) => t.startMs));
    assert.ok(window >= 95, `they take the 100 ms they wait (${window})`);
    // The time their stints held the loop: each stint's wall time less what its thread waited for a
    // CPU, where the tracer could tell (stints of 10 ms or more). A loaded machine that preempts the
    // server stretches the stints' wall time (10 ms quiet, 77 ms a dish at load 24: 384 ms of
    // their 904), while the 100 ms they wait stays 100 ms. Each dish spends most of its life
    // simmering, and the chef is idle for a part of the window however busy the machine.
    let run = 0;
    let wall = 0;
    for (const task of tasks)
      for (const i of timeline.tasks.find((t) => t.id === task.id)!.stints) {
        run += timeline.heldMs(i, timeline.stintEnd(i));
        wall += timeline.stintEnd(i) - timeline.stints.start[i];
      }
    const lives = tasks.reduce((sum, t) => sum + (t.endMs! - t.startMs), 0);
    const cooked = `${run.toFixed(1)} ms (${wall.toFixed(1)} ms of wall time)`;
    assert.ok(run < lives / 3, `the dishes cook ${cooked} of their ${lives.toFixed(0)} ms`);
    assert.ok(run < window * 0.75, `the chef works for them ${cooked} of ${window.toFixed(0)} ms`);
    // (Save a stint held a block's length only with its wait for a CPU: the machine's, not the code's.)
    assert.deepEqual(
      summary.blocks
        .filter((b) => tasks.some((t) => t.id === b.task) && b.durationMs - b.cpuWaitMs >= summary.blockMs)
        .map((b) => [b.durationMs, b.cpuWaitMs]),
      [],
      'no block',
    );
  });

  it('3. background work after the response runs in its own lane, tied to the request', async () => {
    const { summary, timeline } = await recordKitchen(dir, 'background', async (port) => {
      await get(port, '/background');
      await sleep(200);
    });
    const [request] = requests(summary, 'GET /background');
    assert.ok(request);
    const background = summary.tasks.filter((t) => t.kind === 'background' && t.parent === request.id);
    assert.deepEqual(
      background.map((t) => t.name),
      ['sendEmail'],
      `one background task tied to the request, named after the call nobody awaited (${JSON.stringify(summary.tasks.map((t) => [t.name, t.kind, t.parent]))})`,
    );
    // The call was made before the response went out; its work runs after it.
    const lane = timeline.tasks.find((t) => t.id === background[0].id)!;
    const firstStint = timeline.stints.start[lane.stints[0]] - timeline.startTime;
    assert.ok(
      firstStint >= request.endMs!,
      `it runs after the response was sent (${firstStint} ms, ${request.endMs} ms)`,
    );
    assert.ok(background[0].runMs >= 25, `and does the work (${background[0].runMs} ms)`);
  });

  it('4. Promise.all over three 200 ms waits takes about 200 ms; three sequential awaits take about 600 ms', async () => {
    const { summary } = await recordKitchen(dir, 'parallel', async (port) => {
      await get(port, '/parallel');
      await get(port, '/sequential');
    });
    const [parallel] = requests(summary, 'GET /parallel');
    const [sequential] = requests(summary, 'GET /sequential');
    const parallelMs = parallel.endMs! - parallel.startMs;
    const sequentialMs = sequential.endMs! - sequential.startMs;
    assert.ok(parallelMs >= 195 && parallelMs < 450, `parallel takes ${parallelMs} ms`);
    assert.ok(sequentialMs >= 595, `sequential takes ${sequentialMs} ms`);

    const dishes = summary.tasks.filter((t) => t.parent === parallel.id);
    assert.deepEqual(
      dishes.map((t) => t.name).sort(),
      ['fetchMenu', 'fetchPrices', 'fetchStock'],
      'the three parallel calls are dishes of their own, named after their functions',
    );
    for (const a of dishes)
      for (const b of dishes) if (a !== b) assert.ok(overlaps(a, b), `${a.name} and ${b.name} overlap`);
    assert.equal(
      summary.tasks.filter((t) => t.parent === sequential.id && t.kind !== 'background').length,
      0,
      'sequential awaits stay in the request: one dish, three waits in a row',
    );
    // (Each wait counts from the end of the stint that set its timer: a machine loaded 15 times over
    // its cores stretched those stints, leaving 587 ms of waiting.)
    assert.ok(sequential.waitMs >= 570, `the sequential request waits ${sequential.waitMs} ms`);
  });

  it('5. CPU work on the loop is a block inside the work; in a worker pool it is a wait', async () => {
    const { summary } = await recordKitchen(
      dir,
      'cpu',
      async (port) => {
        await get(port, '/cpu');
        await get(port, '/cpu-worker');
      },
      { KITCHEN_FIB: '36' },
    );
    const [onLoop] = requests(summary, 'GET /cpu');
    const [inWorker] = requests(summary, 'GET /cpu-worker');
    // (The request's block that held the loop longest: a loaded machine may stretch another stint of
    // it past the threshold, mostly waiting for a CPU.)
    const loopBlock = heldLongest(summary.blocks.filter((b) => b.task === onLoop.id));
    assert.ok(loopBlock !== undefined, 'the CPU work on the loop is a block');
    // Stack samples land where V8 checks for interrupts: function entries and loop back edges. In a
    // recursive function that is its first line or its body.
    const fibLines = [lineOf('function fib(n) {'), lineOf('return n < 2 ? n : fib(n - 1) + fib(n - 2);')];
    assert.ok(
      fibLines.includes(loopBlock.location!.line),
      `the block points into fib (${JSON.stringify(loopBlock.location)})`,
    );
    // (Save a block that held the loop a block's length only with its wait for a CPU, and the
    // request's first stretch, where the kitchen starts its two workers: 139 ms at load 21, no wait
    // known, where its task began — or at `new Worker`, when the watchdog sampled it: 83 ms at load
    // 12, no wait known (starting a thread is no CPU work of the program's). Work that stayed on the
    // loop would show in its run time, below.)
    const poolStart = lineOf('new Worker(path.join(__dirname');
    assert.deepEqual(
      summary.blocks
        .filter(
          (b) =>
            b.task === inWorker.id &&
            b.located !== 'began' &&
            b.location?.line !== poolStart &&
            b.durationMs - b.cpuWaitMs >= summary.blockMs,
        )
        .map((b) => [b.durationMs, b.cpuWaitMs, b.location?.line]),
      [],
      'the worker version has no block',
    );
    // (The work's own time on the loop: a loaded machine stretches the block by its wait for a CPU,
    // 1.4 s against 0.7 s of waiting for the worker.)
    const work = loopBlock.durationMs - loopBlock.cpuWaitMs;
    assert.ok(
      inWorker.waitMs > work / 2,
      `it waits for the worker instead (${inWorker.waitMs} ms, ${work} ms of work)`,
    );
    // Handing the work over takes the loop a little (more on a busy machine); the work does not.
    assert.ok(
      inWorker.runMs < loopBlock.durationMs / 4,
      `and the chef hardly works on it (${inWorker.runMs} ms, against ${loopBlock.durationMs} ms on the loop)`,
    );
  });

  it('6. a blocking call inside an async function is still a block, at the call', async () => {
    const { summary } = await recordKitchen(dir, 'async-blocking', async (port) => {
      await get(port, '/async-blocking');
    });
    const [request] = requests(summary, 'GET /async-blocking');
    // (Save the handler's first stretch, before its await: on a loaded machine the process's first
    // request, Node compiling its HTTP code, held the loop 128 ms, 58 of it known waiting for a CPU.)
    // (Of the rest, the one that held the loop longest: a loaded machine may stretch another stint.)
    const block = heldLongest(summary.blocks.filter((b) => b.task === request.id && b.located !== 'began'));
    assert.ok(block !== undefined, `a block in the async handler (${JSON.stringify(summary.blocks)})`);
    assert.equal(block.location?.line, lineOf('crypto.pbkdf2Sync'), 'at the line of the synchronous call');
  });
});
