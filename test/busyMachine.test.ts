/**
 * A busy machine is not the program's block: stints are judged by the time they held the loop, not
 * the time the OS took from them (STINT_CPU). The preemption is made, not hoped for: the traced
 * program and a busy loop share one core, the program's loop thread at a low priority.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, readTrace, run, tempDir, tracedEnv } from './helpers';

const FIXTURE = path.join(FIXTURES, 'busyMachine.js');
/** The tracer under test (LOOPLENS_TEST_DIST: another build's dist folder, to compare). */
const DIST = process.env.LOOPLENS_TEST_DIST;
/**
 * The block threshold, ms. The fixture's loop thread gets about a tenth of the core (nice 10 beside
 * a busy loop at 0): its stints of 4 ms of code take 40 ms and more, where the first request's
 * (2 + 2 ms of the handler, the rest Node's HTTP code running for the first time) has 15-20 ms.
 */
const BLOCK_MS = 30;

/**
 * Opt-in (LOOPLENS_BUSY_TEST=1) for now: on this project's shared 2-core machines, with other work
 * beside the test's busy loop, 1 run in 3 still shows one or two stints of a few ms of code as
 * blocks of 45-115 ms (time the loop thread spent neither on a CPU nor on a run queue: asleep,
 * waiting on the runtime's or the tracer's own starved threads, it seems — not yet understood),
 * where the build before STINT_CPU shows 6-13 in every run, and an `(after response)` lane.
 */
const optedIn = process.env.LOOPLENS_BUSY_TEST === '1';

const canPin =
  process.platform === 'linux' &&
  fs.existsSync(`/proc/self/task/${process.pid}/schedstat`) &&
  spawnSync('taskset', ['-c', '0', 'true']).status === 0;

describe('a busy machine', function () {
  let hog: ChildProcess | null = null;
  before(function () {
    if (!optedIn || !canPin) this.skip();
    hog = spawn('taskset', ['-c', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  });
  after(() => {
    if (hog !== null && hog.pid !== undefined) hog.kill('SIGKILL');
  });

  it('makes no block of a short stint it preempted, nor background work of a request’s short wrap-up; a real block stays one', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'busy.looplens');
    const env = tracedEnv(out, { blockMs: BLOCK_MS });
    env.BUSY_NICE = '10';
    if (DIST !== undefined) env.NODE_OPTIONS = `--require ${path.join(DIST, 'tracer.js')}`;
    const result = await run('taskset', ['-c', '0', process.execPath, FIXTURE], { env });
    assert.equal(result.code, 0, result.stderr);
    const { timeline, summary } = readTrace(out);
    const request = timeline.tasks.find((t) => t.kind === 'request' && t.name === 'GET /short');
    assert.ok(request !== undefined, 'the request is a task');
    // The stints this is about: from the second request's arrival to the real block, the program's
    // last work. (Before it, the script's top level, the tracer's block sampler starting on the busy
    // core and a first request; after it, the server closing.)
    const from = timeline.stints.start[request.stints[0]];
    const real = timeline.blocks.filter((b) => b.durationMs - b.cpuWaitMs >= 80 - 1 && b.start > from).pop();
    const names = timeline.blocks.map((b) => `${timeline.tasks[b.task].name} ${b.durationMs.toFixed(0)} ms`);
    assert.ok(real !== undefined, `the real block is one: ${names.join(', ')}`);
    const own = timeline.blocks.filter((b) => b.start >= from && b.start <= real.start);
    assert.equal(own.length, 1, `one block, the real one: ${names.join(', ')}`);
    assert.ok(real.cpuWaitMs > 0, 'the block says how long it waited for a CPU');
    const afterResponse = timeline.tasks.filter((t) => t.kind === 'background');
    assert.deepEqual(
      afterResponse.map((t) => t.name),
      [],
      'the request’s wrap-up after its response is no background work',
    );
    assert.ok(summary.blocks.length >= 1);
  });
});
