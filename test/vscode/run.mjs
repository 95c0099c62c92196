// `npm run test:vscode`: the integration suite in a real VS Code, offline. Bundles the suite
// (test/vscode/suite/*.vscode.ts) and runs it in code-server with the extension loaded from this
// repository (build it first), the kitchen demo as the workspace, and takes a screenshot of the end
// state to out/vscode/screenshot.png. Exits non-zero when a test fails.
//
// Needs the Debian packages and code-server: `bash scripts/vscode/aptDeps.sh` and
// `node scripts/vscode/installCodeServer.mjs` (.ci/run does both).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSuite } from './bundle.mjs';
import { defaultCodeServerBin, printResults, runSuite } from './codeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = path.join(root, 'out', 'vscode');

if (!fs.existsSync(defaultCodeServerBin)) {
  console.error(
    'The VS Code integration suite needs code-server, which is not installed.\n' +
      'Install it with:  bash scripts/vscode/aptDeps.sh && node scripts/vscode/installCodeServer.mjs\n' +
      '(bash .ci/run does everything.)',
  );
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) {
  console.error('Build the extension first: npm run build');
  process.exit(2);
}

const spec = await bundleSuite();

const grep = process.argv.includes('--grep') ? process.argv[process.argv.indexOf('--grep') + 1] : undefined;
const { results, screenshot } = await runSuite({
  workspace: path.join(root, 'examples', 'kitchen'),
  extensions: [root],
  spec,
  results: path.join(out, 'results.json'),
  screenshot: path.join(out, 'screenshot.png'),
  browserLog: path.join(out, 'browser-console.log'),
  extensionLogs: path.join(out, 'logs'),
  // The timeline of the "microtasks" session stalls at its first start (see that test), and so does
  // the page restored after a window reload for the deleted "gone.looplens" (the reload test); a
  // program that has not connected is said so after 3 s, not the users' 15 (the "never connects" test).
  env: {
    LOOPLENS_ROOT: root,
    LOOPLENS_TRACER_LOG_DIR: out,
    LOOPLENS_TEST_STALL_TIMELINE: 'microtasks',
    LOOPLENS_TEST_STALL_RESTORED: 'gone.looplens',
    LOOPLENS_TEST_CONNECT_WAIT_MS: '3000',
  },
  timeoutMs: 10 * 60 * 1000,
  testTimeoutMs: 120_000,
  grep,
  // The timeline's webview draws in an iframe of its own: wait until it shows the chef lane.
  beforeScreenshot: async (page) => {
    for (let i = 0; i < 50; i++) {
      for (const frame of page.frames()) {
        // (its label, not its text: beside an editor the button shows only its short label)
        const drawn = await frame
          // eslint-disable-next-line no-undef -- runs in the page
          .evaluate(() => document.querySelector('button[aria-label="Follow live"]') !== null)
          .catch(() => false);
        if (drawn) return;
      }
      await page.waitForTimeout(100);
    }
    console.error('the timeline webview did not show up for the screenshot; frames:');
    for (const frame of page.frames()) {
      const html = await frame
        // eslint-disable-next-line no-undef -- runs in the page
        .evaluate(() => document.documentElement?.outerHTML ?? '')
        .catch((e) => `(${e.message})`);
      console.error(
        `  ${frame.url().slice(0, 160)}: ${html.length} chars: ${html.slice(0, 300).replace(/\s+/g, ' ')}`,
      );
    }
  },
});
// Say what passed and what failed here too: CI keeps only this output, not out/vscode/.
printResults(results);
if (screenshot) console.log(`screenshot: ${path.relative(process.cwd(), screenshot)}`);
process.exit(results.ok ? 0 : 1);
