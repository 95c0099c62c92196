// `npm test`'s step for the other Node versions users run (scripts/installNodes.mjs installs them):
// the tracer's safety and lanes suites — the tracer in real Node processes of that version, the
// tasks it finds in real programs, its generated programs whose truth is known, the real servers
// on a real PostgreSQL and redis — under each version the install put in .cache/node. The rest of the suite (the model, the webview, the
// extension) does not depend on the traced program's Node and runs once, on the development one.
//
//   node scripts/testOtherNodes.mjs [--grep TEXT]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OTHER_NODES, installedNodes } from './installNodes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** What each version runs: what a traced program's Node can change. */
const SUITES = [
  'test/tracerSafety.test.ts',
  'test/tracerTasks.test.ts',
  'test/truth.test.ts',
  'test/realServers.test.ts',
];

const nodes = installedNodes();
if (nodes.length === 0) {
  console.log(
    `No other Node version installed (${OTHER_NODES.join(', ')}): skipped. ` +
      '`node scripts/installNodes.mjs` installs them (`bash .ci/run` does).',
  );
  process.exit(0);
}
const grep = process.argv.indexOf('--grep');
let failed = false;
for (const { version, bin } of nodes) {
  const started = Date.now();
  console.log(`\n-- the tracer on Node ${version}`);
  const args = [
    path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'),
    // Not .mocharc.json, whose spec (every suite) would be added to these.
    '--no-config',
    ...['--require', 'tsx/cjs', '--timeout', '60000', '--slow', '5000', '--reporter', 'dot'],
    ...SUITES,
    ...(grep >= 0 ? ['--grep', process.argv[grep + 1]] : []),
  ];
  // The tests start traced programs with their own Node (process.execPath) and tools through PATH.
  const env = { ...process.env, PATH: `${path.dirname(bin)}${path.delimiter}${process.env.PATH}` };
  const result = spawnSync(bin, args, { cwd: root, stdio: 'inherit', env });
  console.log(
    `-- Node ${version}: ${result.status === 0 ? 'passed' : `failed (exit ${result.status ?? result.signal})`} ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (result.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
