// Installs code-server (a real VS Code for the web, from the npm registry) into .cache/code-server,
// offline apart from the npm registry. Idempotent: a finished install of the right version is kept.
//
//   node scripts/vscode/installCodeServer.mjs [--force]
//
// Environment: LOOPLENS_CODE_SERVER_DIR overrides the install folder; LOOPLENS_VERBOSE=1 streams npm.
// Needs the Debian packages of scripts/vscode/aptDeps.sh (chromium is only needed later, to run it).
//
// Why it is not a plain `npm install code-server`:
// - its post-install refuses root without npm_config_unsafe_perm=true;
// - a nested `npx node-gyp` asks for confirmation and is cancelled without npm_config_yes=true (this
//   machine's ~/.npmrc even says yes=false);
// - `kerberos` builds against libkrb5-dev's headers;
// - @vscode/ripgrep downloads rg from GitHub: we seed its download cache from Debian's /usr/bin/rg;
// - npm 11 skips dependencies' install scripts unless `allowScripts` approves them. code-server's
//   post-install runs two more `npm install`s (lib/vscode, lib/vscode/extensions) whose native
//   modules need their scripts too, and those nested installs read their own project's policy, not
//   ours. The `--allow-scripts` flag or an npm_config_allow_scripts env var cannot carry the policy
//   down: in a project-scoped install npm rejects it (EALLOWSCRIPTS), and an allow-scripts line in
//   a user .npmrc is exported to scripts as that env var, so the nested installs would fail the same
//   way. Hence three steps: extract with --ignore-scripts, write an explicit pinned policy at each
//   level (our package.json's allowScripts; a .npmrc in each nested project), then `npm rebuild`.
//   strict-allow-scripts turns any install script left unapproved into an error instead of a
//   silently half-built VS Code.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const installDir = path.resolve(
  process.env.LOOPLENS_CODE_SERVER_DIR || path.join(root, '.cache', 'code-server'),
);
export const codeServerBin = path.join(installDir, 'node_modules', '.bin', 'code-server');
const packageDir = path.join(installDir, 'node_modules', 'code-server');
const marker = path.join(installDir, '.looplens-installed');
const logFile = path.join(installDir, 'install.log');
const verbose = process.env.LOOPLENS_VERBOSE === '1';

// The range lib/vscode/package.json asks for, and every ripgrep release those versions download
// (1.15.11: v13.0.0-10; 1.15.13-14: v13.0.0-13; 1.17.0: v15.0.0; 1.17.1: v15.0.1; 1.18.0 ships rg in
// npm packages instead). Seeding every name in every cache folder is cheap and harmless.
const RIPGREP_RANGE = '^1.15.11';
const RIPGREP_FALLBACK_VERSIONS = ['1.15.11', '1.15.13', '1.15.14', '1.17.0', '1.17.1', '1.18.0'];
const RIPGREP_TAGS = ['v13.0.0-10', 'v13.0.0-13', 'v15.0.0', 'v15.0.1'];
const RIPGREP_TARGET = 'x86_64-unknown-linux-musl';

const started = Date.now();
const secs = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;
const say = (message) => process.stdout.write(`[code-server] ${message}\n`);

class InstallError extends Error {}

function fail(message) {
  throw new InstallError(message);
}

/** Returns `code-server --version`'s version line ("4.100.3 <commit> with Code 1.100.3"), or null. */
function installedVersion() {
  if (!fs.existsSync(codeServerBin)) return null;
  // The first run also logs "Wrote default config file" before the version: pick the version line.
  // XDG_* inside the cache: otherwise that first run writes ~/.config/code-server/config.yaml.
  const xdg = path.join(installDir, '.xdg');
  const env = {
    ...process.env,
    XDG_CONFIG_HOME: path.join(xdg, 'config'),
    XDG_DATA_HOME: path.join(xdg, 'data'),
  };
  const result = spawnSync(codeServerBin, ['--version'], { encoding: 'utf8', timeout: 60_000, env });
  if (result.status !== 0) return null;
  return result.stdout.split('\n').find((line) => /^\d+\.\d+\.\d+ /.test(line)) ?? null;
}

function isInstalled() {
  try {
    if (fs.readFileSync(marker, 'utf8').trim() !== CODE_SERVER_VERSION) return false;
  } catch {
    return false;
  }
  const version = installedVersion();
  return version != null && version.startsWith(CODE_SERVER_VERSION + ' ');
}

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

// Fail early with the fix, rather than minutes later inside node-gyp.
function checkPrerequisites() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20)
    fail(`code-server ${CODE_SERVER_VERSION} installs only under Node 20 (this is ${process.version})`);
  const missing = [];
  if (!fs.existsSync('/usr/bin/rg')) missing.push('ripgrep (/usr/bin/rg)');
  if (!which('krb5-config')) missing.push('libkrb5-dev (krb5-config)');
  for (const tool of ['make', 'g++', 'python3', 'tar']) if (!which(tool)) missing.push(tool);
  if (missing.length > 0) {
    fail(`missing ${missing.join(', ')}: run \`bash scripts/vscode/aptDeps.sh\` first`);
  }
}

// Asks the registry which @vscode/ripgrep versions the range resolves to (for the seed folders).
function ripgrepVersions() {
  const result = spawnSync('npm', ['view', `@vscode/ripgrep@${RIPGREP_RANGE}`, 'version', '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  try {
    const parsed = JSON.parse(result.stdout);
    const versions = Array.isArray(parsed) ? parsed : [parsed];
    if (versions.length > 0 && versions.every((v) => typeof v === 'string')) {
      return [...new Set([...versions, ...RIPGREP_FALLBACK_VERSIONS])];
    }
  } catch {
    // fall through: the known list is enough
  }
  say(
    `could not ask the registry for @vscode/ripgrep versions; using ${RIPGREP_FALLBACK_VERSIONS.join(', ')}`,
  );
  return RIPGREP_FALLBACK_VERSIONS;
}

// @vscode/ripgrep's post-install uses $TMPDIR/vscode-ripgrep-cache-<version>/<asset> when present
// instead of downloading it; the asset is a tar.gz with `rg` at its top.
function seedRipgrepCache(tmpDir) {
  const staging = fs.mkdtempSync(path.join(tmpDir, 'looplens-rg-'));
  try {
    fs.copyFileSync('/usr/bin/rg', path.join(staging, 'rg'));
    fs.chmodSync(path.join(staging, 'rg'), 0o755);
    const archive = path.join(staging, 'rg.tar.gz');
    const tar = spawnSync('tar', ['-czf', archive, '-C', staging, 'rg'], { encoding: 'utf8' });
    if (tar.status !== 0) fail(`tar failed while seeding the ripgrep cache: ${tar.stderr}`);
    const versions = ripgrepVersions();
    for (const version of versions) {
      const cacheDir = path.join(tmpDir, `vscode-ripgrep-cache-${version}`);
      fs.mkdirSync(cacheDir, { recursive: true });
      for (const tag of RIPGREP_TAGS) {
        fs.copyFileSync(archive, path.join(cacheDir, `ripgrep-${tag}-${RIPGREP_TARGET}.tar.gz`));
      }
    }
    say(`seeded the ripgrep download cache in ${tmpDir} for @vscode/ripgrep ${versions.join(', ')}`);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

// Runs npm, logging to install.log (streamed too with LOOPLENS_VERBOSE=1); throws with the log's
// tail when it fails.
function npm(args, cwd, env) {
  return new Promise((resolve, reject) => {
    const from = Date.now();
    say(`npm ${args.join(' ')}  (in ${path.relative(root, cwd) || '.'})`);
    fs.appendFileSync(logFile, `\n\n$ npm ${args.join(' ')}  (cwd ${cwd})\n`);
    const log = fs.openSync(logFile, 'a');
    const child = spawn('npm', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const heartbeat = setInterval(() => say(`  ... still running (${secs(from)})`), 30_000);
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (chunk) => {
        fs.writeSync(log, chunk);
        if (verbose) process.stdout.write(chunk);
      });
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(heartbeat);
      fs.closeSync(log);
      if (code === 0) {
        say(`  done in ${secs(from)}`);
        resolve();
        return;
      }
      const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-60).join('\n');
      reject(
        new InstallError(
          `npm ${args[0]} failed (exit ${code ?? signal}); last lines of ${logFile}:\n${tail}`,
        ),
      );
    });
  });
}

/** Names of a shrinkwrapped project's dependencies that have install scripts, pinned (name@version). */
function scriptedPackages(projectDir) {
  const lockPath = ['npm-shrinkwrap.json', 'package-lock.json']
    .map((name) => path.join(projectDir, name))
    .find((candidate) => fs.existsSync(candidate));
  if (!lockPath) fail(`no lockfile in ${projectDir}`);
  const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
  const pinned = new Set();
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    // Dev dependencies too: the nested `npm install --omit=dev` skips them, but the strict check
    // still asks for a decision on them.
    if (key === '' || !entry.hasInstallScript) continue;
    const name = entry.name ?? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    pinned.add(`${name}@${entry.version}`);
  }
  return [...pinned].sort();
}

// Files that exist only when the post-install and the native builds really ran.
function verifyTree() {
  const vscode = path.join(packageDir, 'lib', 'vscode');
  const expected = [
    path.join(vscode, 'node_modules.asar'),
    path.join(vscode, 'bin', 'remote-cli', 'code-server'),
    path.join(vscode, 'node_modules', '@vscode', 'ripgrep', 'bin', 'rg'),
    path.join(vscode, 'node_modules', 'node-pty', 'build', 'Release', 'pty.node'),
    path.join(vscode, 'node_modules', '@vscode', 'spdlog', 'build', 'Release', 'spdlog.node'),
    path.join(vscode, 'node_modules', 'kerberos', 'build', 'Release', 'kerberos.node'),
    path.join(vscode, 'node_modules', 'native-watchdog', 'build', 'Release', 'watchdog.node'),
    path.join(vscode, 'extensions', 'node_modules', 'typescript', 'package.json'),
  ];
  const missing = expected.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    fail(
      `the post-install did not finish; missing:\n  ${missing.join('\n  ')}\nsee ${logFile} ` +
        '(a "not yet covered by allowScripts" line there means npm skipped a script)',
    );
  }
}

async function install() {
  checkPrerequisites();
  // A half-finished tree is not worth repairing: start clean (only this cache folder is ours).
  fs.rmSync(installDir, { recursive: true, force: true });
  fs.mkdirSync(installDir, { recursive: true });
  fs.writeFileSync(logFile, `code-server ${CODE_SERVER_VERSION} install, ${new Date().toISOString()}\n`);

  const tmpDir = os.tmpdir();
  seedRipgrepCache(tmpDir);

  const packageJsonPath = path.join(installDir, 'package.json');
  const packageJson = {
    name: 'looplens-code-server-cache',
    private: true,
    description:
      'Holds code-server for the Loop Lens integration tests (scripts/vscode/installCodeServer.mjs)',
    dependencies: { 'code-server': CODE_SERVER_VERSION },
  };
  fs.writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2) + '\n');

  const env = {
    ...process.env,
    TMPDIR: tmpDir, // where the ripgrep seed is
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_strict_allow_scripts: 'true',
    // allowScripts pins (name@version) are checked against the lockfile's `resolved` URL; this
    // machine's ~/.npmrc sets omit-lockfile-registry-resolved=true, which leaves every pin unverifiable
    // and so refused.
    npm_config_omit_lockfile_registry_resolved: 'false',
  };
  // node-gyp downloads Node's headers unless nodedir points at local ones; Debian/NodeSource's node
  // ships them in /usr/include/node (this machine's ~/.npmrc says nodedir=/usr; a fresh one may not).
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/common.gypi'))
    env.npm_config_nodedir = '/usr';
  // Never inherit a blanket override or an env policy: the first hides mistakes, the second is
  // rejected by every project-scoped install below.
  for (const key of Object.keys(env)) {
    if (/^npm_config_(allow_scripts|dangerously_allow_all_scripts|ignore_scripts)$/i.test(key))
      delete env[key];
  }

  // 1. Extract the whole tree, running nothing.
  await npm(['install', '--ignore-scripts', '--no-audit', '--no-fund'], installDir, env);

  // 2. The policies: ours in package.json, the nested projects' in their own .npmrc.
  const vscodeDir = path.join(packageDir, 'lib', 'vscode');
  const levels = [
    { dir: installDir, lock: installDir },
    { dir: vscodeDir, lock: vscodeDir },
    { dir: path.join(vscodeDir, 'extensions'), lock: path.join(vscodeDir, 'extensions') },
  ];
  for (const level of levels) {
    const approved = scriptedPackages(level.lock);
    if (level.dir === installDir) {
      packageJson.allowScripts = Object.fromEntries(approved.map((spec) => [spec, true]));
      fs.writeFileSync(packageJsonPath, JSON.stringify(packageJson, null, 2) + '\n');
    } else if (approved.length > 0) {
      fs.writeFileSync(
        path.join(level.dir, '.npmrc'),
        `# written by looplens scripts/vscode/installCodeServer.mjs\nallow-scripts=${approved.join(',')}\n` +
          'strict-allow-scripts=true\n',
      );
    }
    say(
      `allowed install scripts in ${path.relative(installDir, level.dir) || '.'}: ${approved.join(', ') || 'none'}`,
    );
  }
  if (!packageJson.allowScripts?.[`code-server@${CODE_SERVER_VERSION}`]) {
    fail(`code-server@${CODE_SERVER_VERSION} has no install script in the lockfile: the package changed?`);
  }

  // 3. Run the approved scripts: argon2's build and code-server's post-install (the nested installs).
  // --foreground-scripts puts every script's output (also the nested installs') into install.log.
  await npm(['rebuild', '--foreground-scripts', '--no-audit', '--no-fund'], installDir, env);

  verifyTree();
  const version = installedVersion();
  if (version == null || !version.startsWith(CODE_SERVER_VERSION + ' ')) {
    fail(`\`${codeServerBin} --version\` printed ${JSON.stringify(version)}; see ${logFile}`);
  }
  fs.writeFileSync(marker, CODE_SERVER_VERSION + '\n');
  say(`code-server ${version} installed in ${installDir} in ${secs(started)}`);
}

async function main() {
  const force = process.argv.includes('--force');
  if (!force && isInstalled()) {
    say(
      `code-server ${CODE_SERVER_VERSION} already installed in ${installDir} (checked in ${secs(started)})`,
    );
    return;
  }
  await install();
}

// Run only as a program, so that the harness can import the paths above.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`[code-server] install FAILED after ${secs(started)}: ${error.message}\n`);
    if (!(error instanceof InstallError)) process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
}
