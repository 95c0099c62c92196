// The extensionTestsPath for @vscode/test-electron: runs the same bundled suite as the code-server
// runner, with mocha, inside a desktop VS Code's extension host.
'use strict';
const path = require('node:path');
const Mocha = require('mocha');

exports.run = async function run() {
  const mocha = new Mocha({ ui: 'bdd', timeout: 120000, color: true });
  const out = path.resolve(__dirname, '..', '..', 'out', 'vscode');
  for (const file of require('node:fs').readdirSync(out)) {
    if (file.endsWith('.vscode.js')) mocha.addFile(path.join(out, file));
  }
  await new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
  });
};
