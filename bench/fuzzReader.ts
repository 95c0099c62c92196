/**
 * `npm run fuzz:reader`: the long fuzzing of the trace reader. Records real traces (the test
 * fixtures, in both modes), then reads mutations of them (test/fuzz/mutate.ts) as the editor and
 * the command line do, for the time given, and prints what happened; a failure prints the seed
 * that reproduces it. Exits 1 on any failure.
 *
 *   npm run fuzz:reader -- [--minutes M] [--from SEED]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fuzzReader } from '../test/fuzz/mutate';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const root = path.resolve(__dirname, '..');
const minutes = Number(arg('minutes', '2'));
let seed = Number(arg('from', '1'));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-fuzz-'));
const bases: Uint8Array[] = [];
for (const program of ['callbacks.js', 'scopes.js', 'microtasks.js', 'awaits.js', 'callbackDriver.js']) {
  for (const mode of ['fast', 'full']) {
    const out = path.join(dir, `${program}-${mode}.looplens`);
    spawnSync(process.execPath, [path.join(root, 'test', 'fixtures', 'programs', program)], {
      env: {
        ...process.env,
        NODE_OPTIONS: `--require ${path.join(root, 'dist', 'tracer.js')}`,
        LOOPLENS_OPTIONS: JSON.stringify({ out, mode }),
      },
      stdio: 'ignore',
    });
    if (fs.existsSync(out)) bases.push(fs.readFileSync(out));
  }
}
if (bases.length === 0) {
  console.error('no trace was recorded: run "npm run build" first');
  process.exit(2);
}
console.log(
  `${bases.length} recorded traces of ${bases.map((b) => b.length).join(', ')} bytes; fuzzing for ${minutes} min`,
);
const until = Date.now() + minutes * 60_000;
const total = { inputs: 0, read: 0, refused: 0, slowestMs: 0, slowestSeed: -1 };
let failures = 0;
while (Date.now() < until) {
  const report = fuzzReader(bases, seed, 10_000);
  seed += report.inputs;
  total.inputs += report.inputs;
  total.read += report.read;
  total.refused += report.refused;
  if (report.slowestMs > total.slowestMs) {
    total.slowestMs = report.slowestMs;
    total.slowestSeed = report.slowestSeed;
  }
  for (const f of report.failures.slice(0, 5)) console.log(`FAILURE seed ${f.seed}:\n${f.error}\n`);
  failures += report.failures.length;
  process.stderr.write(`${total.inputs} inputs, ${failures} failures\n`);
}
console.log(
  `${total.inputs} mutated traces: ${total.read} read, ${total.refused} refused with a clear error, ` +
    `${failures} failures; slowest ${total.slowestMs.toFixed(1)} ms (seed ${total.slowestSeed})`,
);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(failures > 0 ? 1 : 0);
