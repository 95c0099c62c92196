/**
 * The reader on hostile traces: real recordings mutated (flipped bits, extreme fields, repeated
 * and cut chunks, junk spliced in) must be read or refused with a clear TraceFormatError — never
 * another exception, a hang or a blow-up. A few seconds here; `npm run fuzz:reader` runs minutes.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fuzzReader } from './fuzz/mutate';
import { FIXTURES, run, tempDir, tracedEnv } from './helpers';

describe('the trace reader under fuzzing', function () {
  this.timeout(60_000);
  const dir = tempDir();

  it('reads or refuses every mutation of real traces, with nothing thrown but its own error', async () => {
    const bases: Uint8Array[] = [];
    for (const [program, mode] of [
      ['callbacks.js', 'fast'],
      ['scopes.js', 'full'],
    ]) {
      const out = path.join(dir, `${program}-${mode}.looplens`);
      const result = await run(process.execPath, [path.join(FIXTURES, 'programs', program)], {
        env: tracedEnv(out, { mode }),
      });
      assert.equal(result.code, 0, result.stderr);
      bases.push(fs.readFileSync(out));
    }
    const report = fuzzReader(bases, 1, 4000);
    assert.ok(report.inputs >= 50, `${report.inputs} inputs tried`);
    assert.deepEqual(
      report.failures.slice(0, 3).map((f) => `seed ${f.seed}: ${f.error}`),
      [],
      'only TraceFormatError is thrown',
    );
    assert.ok(
      report.read > 0 && report.refused > 0,
      `both read (${report.read}) and refused (${report.refused})`,
    );
  });
});
