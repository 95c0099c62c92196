// `npm test`: everything that must pass before a change lands, in order, stopping at the first
// failure: type checks, lint and format, the build, the test suites (unit tests and tests that run
// the real tracer in real Node processes under real load), the tracer's suites again under the
// other Node versions users run (scripts/installNodes.mjs), then the integration suite in a real
// VS Code (code-server; `bash .ci/run` installs both).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const steps = [
  ['type checks', npm, ['run', '--silent', 'typecheck']],
  ['lint and format', npm, ['run', '--silent', 'lint']],
  ['build', npm, ['run', '--silent', 'build']],
  ['tests', process.execPath, [path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js')]],
  ['the tracer on Node 22 and 24', process.execPath, [path.join(root, 'scripts', 'testOtherNodes.mjs')]],
  ['VS Code integration (code-server)', process.execPath, [path.join(root, 'test', 'vscode', 'run.mjs')]],
];

for (const [title, command, args] of steps) {
  const started = Date.now();
  process.stdout.write(`\n== ${title}\n`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stdout.write(`\n== ${title} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
  process.stdout.write(`== ${title} passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
