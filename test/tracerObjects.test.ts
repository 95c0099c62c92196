/**
 * The tracer tags and watches objects of Node's and of the program's (timers, requests, sockets):
 * V8 must see them as it does untraced — fast properties, the hidden classes Node's own code was
 * optimized for — or Node's code runs slower on every such object of the process (a timer turned
 * into a dictionary made every socket timeout of a server cost twice the instructions). Real
 * processes, traced and untraced, print what V8 says of their objects; the two must agree.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { FIXTURES, plainEnv, readTrace, run, tempDir, tracedEnv } from './helpers';

const PROGRAMS = path.join(FIXTURES, 'programs');

describe("the tracer leaves the shape of the program's objects alone", function () {
  this.timeout(60_000);
  const dir = tempDir();

  it("keeps timers and immediates fast, in Node's own hidden class, firing with their arguments", async () => {
    const file = path.join(PROGRAMS, 'timerShapes.js');
    const out = path.join(dir, 'timerShapes.looplens');
    const untraced = await run(process.execPath, [file], { env: plainEnv() });
    const traced = await run(process.execPath, [file], { env: tracedEnv(out) });
    assert.equal(untraced.code, 0, untraced.stderr);
    assert.doesNotMatch(
      untraced.stdout,
      /false/,
      'untraced, every handle is fast and shaped as Node makes it',
    );
    assert.equal(traced.stdout, untraced.stdout);
    assert.equal(traced.stderr, untraced.stderr);
    assert.equal(traced.code, 0);
    // And the tracer still saw them fire: the main task's stints resumed by each.
    const { summary } = readTrace(out);
    const main = summary.tasks.find((t) => t.kind === 'main');
    assert.ok(main !== undefined && main.stints >= 5, JSON.stringify(summary.tasks));
  });
});
