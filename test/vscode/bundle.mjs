// Bundles the integration suite (test/vscode/suite/*.vscode.ts) to out/vscode/*.vscode.js, for the
// extension host to load: `vscode` stays external, everything else is inlined.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const outDir = path.join(root, 'out', 'vscode');

export async function bundleSuite() {
  fs.rmSync(outDir, { recursive: true, force: true });
  const suiteDir = path.join(root, 'test', 'vscode', 'suite');
  const suites = fs.readdirSync(suiteDir).filter((f) => f.endsWith('.vscode.ts'));
  await build({
    entryPoints: suites.map((f) => path.join(suiteDir, f)),
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return path.join(outDir, '*.vscode.js');
}
