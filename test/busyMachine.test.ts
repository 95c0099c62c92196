/**
 * A busy machine's share of a block is told (STINT_CPU): how long of it the loop thread waited for a
 * CPU while the OS ran other work. The preemption is made, not hoped for: the traced program and a
 * busy loop share one core, the program's loop thread at a low priority.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FIXTURES, readTrace, run, tempDir, tracedEnv } from './helpers';

const FIXTURE = path.join(FIXTURES, 'busyMachine.js');
/** The tracer under test (LOOPLENS_TEST_DIST: another build's dist folder, to compare). */
const DIST = process.env.LOOPLENS_TEST_DIST;
/** The block threshold, ms: the fixture's last stint (80 ms of its own CPU time) is the block looked at. */
const BLOCK_MS = 30;

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
});
