// The main job: Loop Lens in a real VS Code (code-server), offline, on the kitchen demo. Builds the
// extension, starts code-server on 127.0.0.1 with the extension loaded from this repository and the
// kitchen open (its launch configuration "Kitchen (traced by Loop Lens)" ready), and prints the
// address to open in a browser. Stops with Ctrl-C.
//
//   node scripts/vscodeDemo.mjs [--port N]      (bash scripts/demo.sh also installs what it needs)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultCodeServerBin, startCodeServer } from '../test/vscode/codeServer.mjs';
import fs from 'node:fs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const portArg = process.argv.indexOf('--port');
const port =
  portArg >= 0 ? Number(process.argv[portArg + 1]) : Number(process.env.LOOPLENS_DEMO_PORT ?? 8080);

if (!fs.existsSync(defaultCodeServerBin)) {
  console.error(
    'code-server is not installed: run bash scripts/demo.sh (it installs it), or node scripts/vscode/installCodeServer.mjs',
  );
  process.exit(2);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0)
  process.exit(1);

const server = await startCodeServer({
  workspace: path.join(root, 'examples', 'kitchen'),
  extensions: [root],
  port,
  log: (line) => process.stderr.write(`[code-server] ${line}\n`),
});

process.stdout.write(`
Loop Lens is running in VS Code (code-server ${'4.100.3'}) with the kitchen demo open:

    ${server.workbenchUrl}

Open that address in a browser. Then:
  1. Run and Debug (Ctrl+Shift+D) ▸ "Kitchen (traced by Loop Lens)" ▸ Start (F5).
     The Loop Lens timeline opens beside the editor.
  2. Send requests to the kitchen (it listens on http://127.0.0.1:3000/), for example in the terminal:
       curl localhost:3000/async & curl localhost:3000/blocking
       curl localhost:3000/parallel; curl localhost:3000/sequential
  3. Watch the chef lane: the blocking handler holds the loop; the async ones wait ready but unserved.
     Problems (Ctrl+Shift+M) lists what the timeline says about the code, at its lines.
  Or follow the walkthrough, lesson by lesson: Help ▸ Welcome ▸ "See the event loop cook".

Press Ctrl-C here to stop.
`);

const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
