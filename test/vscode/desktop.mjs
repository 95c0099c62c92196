// The integration suite in a desktop VS Code, through @vscode/test-electron — for machines that
// have one (VSCODE_EXECUTABLE_PATH=/path/to/code) or can download one (this needs the internet;
// on offline machines use `npm run test:vscode`, which runs the same suite in code-server).
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { bundleSuite, root } from './bundle.mjs';

await bundleSuite();
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'test', 'vscode', 'desktopIndex.js'),
    vscodeExecutablePath: process.env.VSCODE_EXECUTABLE_PATH || undefined,
    version: process.env.VSCODE_EXECUTABLE_PATH ? undefined : '1.100.3',
    launchArgs: [path.join(root, 'examples', 'kitchen'), '--disable-workspace-trust'],
    extensionTestsEnv: { LOOPLENS_ROOT: root, LOOPLENS_TEST_CONNECT_WAIT_MS: '3000' },
  });
} catch (error) {
  console.error(
    `The desktop VS Code suite failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
