/**
 * A busy machine's share of a block is told (STINT_CPU): how long of it the loop thread waited for a
 * CPU while the OS ran other work; and the time between stints it spent waiting for one is not taken
 * for code the tracer did not see. The preemption is made, not hoped for: the traced program and a
 * busy loop share one core (the first program's loop thread at a low priority, the second's against
 * its own thread pool).
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, assertUntrackedUnder, readTrace, run, tempDir, tracedEnv } from './helpers';

const FIXTURE = path.join(FIXTURES, 'busyMachine.js');
const POOL_FIXTURE = path.join(FIXTURES, 'poolBusy.js');
/** The tracer under test (LOOPLENS_TEST_DIST: another build's dist folder, to compare). */
const DIST = process.env.LOOPLENS_TEST_DIST;
/** The block threshold, ms: the fixture's last stint (80 ms of its own CPU time) is the block looked at. */
const BLOCK_MS = 30;
/** The most of the busy time while serving that may be untracked code (the thread-pool test). */
const UNTRACKED_MAX = 0.1;

const canPin =
  process.platform === 'linux' &&
  fs.existsSync(`/proc/self/task/${process.pid}/schedstat`) &&
  spawnSync('taskset', ['-c', '0', 'true']).status === 0;

describe('a busy machine', function () {
  let hog: ChildProcess | null = null;
  before(function () {
    if (!canPin) this.skip();
    hog = spawn('taskset', ['-c', '0', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
  });
  after(() => {
    if (hog !== null && hog.pid !== undefined) hog.kill('SIGKILL');
  });

  it('says how long of a block its thread waited for a CPU, and keeps it a block at its line', async () => {
    const dir = tempDir();
    const out = path.join(dir, 'busy.looplens');
    const env = tracedEnv(out, { blockMs: BLOCK_MS });
    env.BUSY_NICE = '10';
    if (DIST !== undefined) env.NODE_OPTIONS = `--require ${path.join(DIST, 'tracer.js')}`;
    const result = await run('taskset', ['-c', '0', process.execPath, FIXTURE], { env });
    assert.equal(result.code, 0, result.stderr);
    const { summary } = readTrace(out);
    const said = summary.blocks.map((b) => `${b.taskName} ${b.durationMs} ms (cpu wait ${b.cpuWaitMs} ms)`);
    // The longest block is the real one: 80 ms of the loop thread's own CPU, which the busy core
    // stretched to far more wall time.
    const real = [...summary.blocks].sort((a, b) => b.durationMs - a.durationMs)[0];
    assert.ok(real !== undefined, `the real block is one: ${said.join(', ')}`);
    assert.ok(real.durationMs >= 80, said.join(', '));
    assert.ok(
      real.cpuWaitMs > 0 && real.cpuWaitMs < real.durationMs,
      `it says it waited for a CPU: ${said.join(', ')}`,
    );
    // Blamed in the spin: its loop (line 15) or the reading of the thread's CPU time it calls (11).
    const line = real.location === null ? null : `${path.basename(real.location.file)}:${real.location.line}`;
    assert.ok(line === 'busyMachine.js:15' || line === 'busyMachine.js:11', `blamed in the spin: ${line}`);
  });

  it("takes no time the loop thread waited for a CPU between stints for untracked code while the thread pool's threads burn it, in both modes", async () => {
    // Each request awaits three crypto.pbkdf2 and a zlib.gzip on libuv's pool: four threads on the
    // busy loop's core, and the loop thread beside them waits for a turn each time a callback wakes
    // it. The gap estimate counted that wait as busy (the process's CPU time, which bounded it,
    // counts the pool's threads): 35-50% of the busy time while serving was untracked code.
    const dir = tempDir();
    for (const mode of ['fast', 'full']) {
      const out = path.join(dir, `pool-${mode}.looplens`);
      const env = tracedEnv(out, { mode });
      if (DIST !== undefined) env.NODE_OPTIONS = `--require ${path.join(DIST, 'tracer.js')}`;
      const result = await run('taskset', ['-c', '0', process.execPath, POOL_FIXTURE], { env });
      assert.equal(result.code, 0, result.stderr);
      const { summary, timeline } = readTrace(out);
      const requests = summary.tasks.filter((t) => t.kind === 'request');
      assert.equal(requests.length, 24, `${mode}: ${requests.map((t) => t.name).join(', ')}`);
      assert.ok(
        requests.every((t) => t.name === 'GET /hash' && t.outcome === 'finished'),
        `${mode}: every request served`,
      );
      // (What stays is the loop thread's own CPU in Node's code: a few ms at the first round.)
      assertUntrackedUnder(timeline, UNTRACKED_MAX);
    }
  });
});
