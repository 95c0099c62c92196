// Runs VS Code extensions and a mocha suite inside a real VS Code, offline: code-server (installed by
// scripts/vscode/installCodeServer.mjs) opened in Debian's Chromium, driven by playwright-core.
// The suite runs in the extension host through ./runnerExtension (code-server has no
// --extensionTestsPath). Library and program:
//
//   node test/vscode/codeServer.mjs --workspace DIR --extension DIR [--extension DIR ...]
//        --spec 'ABS_GLOB[,ABS_PATH]' [--results FILE] [--screenshot FILE.png] [--timeout SECONDS]
//        [--env KEY=VALUE ...] [--copy] [--keep-temp] [--headed]
//
// Everything started here is stopped again, also on failure, timeout, Ctrl-C or an uncaught error:
// code-server runs in its own process group (its extension host, pty host and whatever the tests
// launch included), which is signalled as a whole; Playwright owns Chromium's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');

export const runnerExtensionDir = path.join(here, 'runnerExtension');
export const defaultMochaDir = path.join(root, 'node_modules', 'mocha');
export const defaultCodeServerBin = path.join(
  process.env.LOOPLENS_CODE_SERVER_DIR || path.join(root, '.cache', 'code-server'),
  'node_modules',
  '.bin',
  'code-server',
);
// One set of Chromium flags for every test and benchmark (test/chromium.json).
const chromium = JSON.parse(fs.readFileSync(new URL('../chromium.json', import.meta.url), 'utf8'));
export const chromiumPath = process.env.LOOPLENS_CHROMIUM || chromium.path;
export const chromiumArgs = chromium.args;
// User settings of the fresh profile: no welcome page, release notes, tips or gallery traffic, so
// that the editor area holds only what the tests open.
export const defaultSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'update.showReleaseNotes': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
};

const defaultLog = (line) => process.stderr.write(`[vscode] ${line}\n`);
const secs = (from) => `${((Date.now() - from) / 1000).toFixed(1)} s`;

// ---- cleanup that survives crashes ----------------------------------------------------------------

// Synchronous undo actions, run on process exit / signals if the normal stop did not run.
const emergency = new Set();
let hooksInstalled = false;
function onEmergency(action) {
  if (!hooksInstalled) {
    hooksInstalled = true;
    process.on('exit', runEmergency);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      process.once(signal, () => {
        runEmergency();
        process.exit(128 + os.constants.signals[signal]);
      });
    }
  }
  emergency.add(action);
  return () => emergency.delete(action);
}
function runEmergency() {
  for (const action of [...emergency].reverse()) {
    try {
      action();
    } catch {
      // best effort: go on with the others
    }
  }
  emergency.clear();
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function killGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function tail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---- small utilities ------------------------------------------------------------------------------

/** A free TCP port on 127.0.0.1 (the kernel picks it; code-server binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `file` exists and is not empty. Rejects after `timeoutMs`, or as soon as `check()`
 * returns an Error (for example: code-server died). Returns the file's text.
 */
export async function waitForFile(file, { timeoutMs = 120_000, pollMs = 200, check } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (text.length > 0) return text;
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    const problem = check?.();
    if (problem) throw problem;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${file}`);
    await sleep(pollMs);
  }
}

// ---- extensions -----------------------------------------------------------------------------------

/** `publisher.name-version`, lower case: the folder name VS Code itself gives an installed extension. */
export function extensionFolderName(manifest) {
  return `${manifest.publisher}.${manifest.name}-${manifest.version}`.toLowerCase();
}

/**
 * Puts the unpacked extension in `sourceDir` (a folder with a package.json) into `extensionsDir`, as
 * `publisher.name-version` (any folder name loads; this one is VS Code's own). code-server 4.100.3
 * scans the folder at startup when it has no extensions.json, loads every folder with a valid
 * package.json, and writes extensions.json itself: no registration needed. mode 'symlink' (default: instant, and the
 * extension's node_modules stay where they are) or 'copy' (skips .git, .cache and node_modules/.cache).
 * Returns { id, version, dir }.
 */
export function installExtension(extensionsDir, sourceDir, { mode = 'symlink' } = {}) {
  const source = path.resolve(sourceDir);
  const manifest = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'));
  for (const field of ['publisher', 'name', 'version']) {
    if (!manifest[field])
      throw new Error(`${source}/package.json has no "${field}": VS Code will not load it`);
  }
  if (!manifest.engines?.vscode) throw new Error(`${source}/package.json has no engines.vscode`);
  const dir = path.join(extensionsDir, extensionFolderName(manifest));
  fs.mkdirSync(extensionsDir, { recursive: true });
  // Once extensions.json exists it is the list of what loads: folders it does not name are ignored
  // (and `[]` loads nothing). Without it code-server scans the folder and writes it anew.
  fs.rmSync(path.join(extensionsDir, 'extensions.json'), { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
  if (mode === 'symlink') {
    fs.symlinkSync(source, dir, 'dir');
  } else if (mode === 'copy') {
    const skip = new Set(['.git', '.cache', path.join('node_modules', '.cache')]);
    fs.cpSync(source, dir, {
      recursive: true,
      dereference: true,
      filter: (from) => !skip.has(path.relative(source, from)),
    });
  } else {
    throw new Error(`unknown install mode ${mode}`);
  }
  return { id: `${manifest.publisher}.${manifest.name}`, version: manifest.version, dir };
}

// ---- code-server ----------------------------------------------------------------------------------

/**
 * Starts code-server on a free 127.0.0.1 port with fresh extensions and user-data folders.
 *   workspace    folder to open (required)
 *   extensions   unpacked extension folders to install first
 *   installMode  'symlink' | 'copy'
 *   env          extra environment of code-server, which its extension host inherits
 *   settings     user settings merged over defaultSettings
 *   codeServerBin, port, tempRoot (default: a new folder in os.tmpdir(), removed by stop()),
 *   startTimeoutMs, extraArgs, log (line => void)
 * Returns { port, url, workbenchUrl, tempRoot, extensionsDir, userDataDir, logFile, installed,
 *   child, exited(), stop() }.
 */
export async function startCodeServer(options) {
  const {
    workspace,
    extensions = [],
    installMode = 'symlink',
    env = {},
    settings = {},
    codeServerBin = defaultCodeServerBin,
    startTimeoutMs = 60_000,
    extraArgs = [],
    log = defaultLog,
  } = options;
  if (!workspace) throw new Error('startCodeServer: workspace is required');
  if (!fs.existsSync(codeServerBin)) {
    throw new Error(`no code-server at ${codeServerBin}: run \`node scripts/vscode/installCodeServer.mjs\``);
  }
  const started = Date.now();
  const ownTemp = !options.tempRoot;
  const tempRoot = options.tempRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-vscode-'));
  const removeTemp = () => {
    if (ownTemp && !options.keepTemp) fs.rmSync(tempRoot, { recursive: true, force: true });
  };
  const forgetTemp = onEmergency(removeTemp);

  const extensionsDir = path.join(tempRoot, 'extensions');
  const userDataDir = path.join(tempRoot, 'user-data');
  const logFile = path.join(tempRoot, 'code-server.log');
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...defaultSettings, ...settings }, null, 2),
  );
  const installed = extensions.map((dir) => installExtension(extensionsDir, dir, { mode: installMode }));

  const workspaceDir = path.resolve(workspace);
  const port = options.port ?? (await freePort());
  const args = [
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    // A config file of our own: without it code-server writes ~/.config/code-server/config.yaml.
    '--config',
    path.join(tempRoot, 'config.yaml'),
    '--extensions-dir',
    extensionsDir,
    '--user-data-dir',
    userDataDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...extraArgs,
    workspaceDir,
  ];
  const out = fs.openSync(logFile, 'a');
  const childEnv = { ...process.env, ...env };
  // Our own variables must not leak from the parent into an unrelated run.
  for (const key of Object.keys(childEnv))
    if (key.startsWith('LOOPLENS_TEST_') && !(key in env)) delete childEnv[key];
  const child = spawn(codeServerBin, args, {
    env: childEnv,
    stdio: ['ignore', out, out],
    detached: true, // its own process group: stop() signals the whole tree at once
  });
  fs.closeSync(out);
  const pgid = child.pid;
  let exitInfo = null;
  const exitedPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  child.on('error', (error) => {
    exitInfo = { error };
  });
  const forgetGroup = onEmergency(() => killGroup(pgid, 'SIGKILL'));

  let stopped = null;
  const stop = () => {
    stopped ??= (async () => {
      killGroup(pgid, 'SIGTERM');
      const termDeadline = Date.now() + 5000;
      while (groupAlive(pgid) && Date.now() < termDeadline) await sleep(100);
      if (groupAlive(pgid)) {
        log(`code-server group ${pgid} still alive after SIGTERM: SIGKILL`);
        killGroup(pgid, 'SIGKILL');
        const killDeadline = Date.now() + 5000;
        while (groupAlive(pgid) && Date.now() < killDeadline) await sleep(100);
      }
      if (groupAlive(pgid)) log(`WARNING: processes of group ${pgid} survived SIGKILL`);
      forgetGroup();
      removeTemp();
      forgetTemp();
    })();
    return stopped;
  };

  const url = `http://127.0.0.1:${port}/`;
  const server = {
    port,
    url,
    workbenchUrl: `${url}?folder=${encodeURIComponent(workspaceDir)}`,
    workspace: workspaceDir,
    tempRoot,
    extensionsDir,
    userDataDir,
    logFile,
    installed,
    child,
    exited: () => exitInfo,
    exitedPromise,
    stop,
  };

  // Ready when /healthz answers; give up early if the process dies.
  try {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (exitInfo) {
        throw new Error(`code-server exited during startup (${JSON.stringify(exitInfo)}):\n${tail(logFile)}`);
      }
      try {
        const response = await fetch(`${url}healthz`, { signal: AbortSignal.timeout(2000) });
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`code-server did not answer on ${url} in time:\n${tail(logFile)}`);
      await sleep(150);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  log(
    `code-server on ${url} (pid ${pgid}) ready in ${secs(started)}; extensions: ${installed.map((e) => e.id).join(', ') || 'none'}`,
  );
  return server;
}

// ---- the browser ----------------------------------------------------------------------------------

/**
 * Opens the server's workbench in Debian's Chromium (fresh profile in server.tempRoot) and waits until
 * the workbench is up: that is when code-server starts the extension host.
 *   headless (true), viewport ({ width: 1400, height: 900 }), timeoutMs (60 s), log
 * Returns { context, page, consoleLog, close() }. Browser console lines go to consoleLog.
 */
export async function openWorkbench(server, options = {}) {
  const {
    headless = true,
    viewport = { width: 1400, height: 900 },
    timeoutMs = 60_000,
    log = defaultLog,
  } = options;
  const { chromium } = await import('playwright-core');
  const started = Date.now();
  const profile = fs.mkdtempSync(path.join(server.tempRoot, 'chromium-profile-'));
  const consoleLog = path.join(server.tempRoot, 'browser-console.log');
  // launchPersistentContext: the only way to give Playwright our own --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless,
    viewport,
    args: chromiumArgs,
    timeout: timeoutMs,
  });
  let closed = null;
  const close = () => {
    closed ??= context.close().catch((error) => log(`closing Chromium: ${error.message}`));
    return closed;
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const record = (line) => fs.appendFileSync(consoleLog, `${line}\n`);
    page.on('console', (message) => record(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => record(`[pageerror] ${error.stack ?? error.message}`));
    await page.goto(server.workbenchUrl, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
    await page.waitForSelector('.monaco-workbench .part.statusbar', { state: 'visible', timeout: timeoutMs });
    log(`workbench up in ${secs(started)}`);
    return { context, page, consoleLog, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The text of each element matching `selector`, once two reads 200 ms apart agree (a list that
 * filters as it is typed into redraws for a while).
 */
async function settledTexts(page, selector, frames = false) {
  let last = null;
  const read = (where) =>
    where
      .locator(selector)
      .evaluateAll((elements) => elements.map((e) => e.getAttribute('aria-label') ?? e.textContent ?? ''))
      .catch(() => []);
  for (let i = 0; i < 25; i++) {
    await page.waitForTimeout(200);
    // With `frames`, in every frame of the page (a webview's content is in frames of its own).
    const texts = frames
      ? (await Promise.all(page.frames().map((frame) => read(frame)))).flat()
      : await read(page);
    if (last !== null && JSON.stringify(texts) === JSON.stringify(last)) return texts;
    last = texts;
  }
  return last ?? [];
}

/** Clicks the first element `selector` finds in any frame of the page (waiting up to 10 s for one). */
async function clickInFrames(page, selector) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    for (const frame of page.frames()) {
      const found = frame.locator(selector).first();
      if ((await found.count().catch(() => 0)) > 0) return found.click({ timeout: 5000 });
    }
    if (Date.now() > deadline) throw new Error(`nothing in the page's frames matches ${selector}`);
    await page.waitForTimeout(200);
  }
}

// ---- a whole suite --------------------------------------------------------------------------------

/**
 * Runs a mocha suite in a real VS Code: starts code-server with `extensions` + the test runner, opens
 * the workbench, waits for the results file, optionally screenshots, and stops everything.
 *   workspace, extensions, env, settings, installMode   as in startCodeServer
 *   spec          absolute spec paths or globs: an array or a comma-separated string
 *   results       where the results JSON goes (default: in the temp folder; read and returned anyway)
 *   screenshot    PNG path of a page screenshot taken when the suite has ended (also on timeout)
 *   beforeScreenshot  async (page) => {} to bring the page into the state to photograph
 *   timeoutMs     for the whole suite once the workbench is up (default 120 s)
 *   extensionLogs where the user-data folder's logs (the extension host's, each output channel's)
 *                 are copied when the run ends
 *   mochaDir, testTimeoutMs, grep, headless, viewport ({ width, height }), keepTemp, log
 * Returns { results, resultsFile, screenshot, timings }; throws (after cleaning up) when no results
 * file came. A failing suite is not an exception: look at results.ok.
 */
export async function runSuite(options) {
  const {
    spec,
    extensions = [],
    env = {},
    screenshot,
    beforeScreenshot,
    timeoutMs = 120_000,
    mochaDir = defaultMochaDir,
    log = defaultLog,
  } = options;
  const specList = Array.isArray(spec) ? spec : String(spec ?? '').split(',');
  const specs = specList.map((entry) => entry.trim()).filter(Boolean);
  if (specs.length === 0) throw new Error('runSuite: spec is required');
  for (const entry of specs) if (!path.isAbsolute(entry)) throw new Error(`spec must be absolute: ${entry}`);
  const timings = {};
  const started = Date.now();
  const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-vscode-'));
  const forgetTemp = onEmergency(() => {
    if (!options.keepTemp) fs.rmSync(tempRoot, { recursive: true, force: true });
  });
  const resultsFile = path.resolve(options.results ?? path.join(tempRoot, 'results.json'));
  fs.rmSync(resultsFile, { force: true }); // never read a previous run's results
  fs.rmSync(`${resultsFile}.log`, { force: true });
  // (What a run left to go on with after a window reload: never this run's.)
  fs.rmSync(`${resultsFile}.reload`, { force: true });

  let server = null;
  let browser = null;
  try {
    server = await startCodeServer({
      ...options,
      tempRoot,
      extensions: [...extensions, runnerExtensionDir],
      env: {
        ...env,
        LOOPLENS_TEST_SPEC: specs.join(','),
        LOOPLENS_TEST_RESULTS: resultsFile,
        // This runner presses keys in the workbench when the suite asks (see keysFile below).
        LOOPLENS_TEST_KEYS: '1',
        LOOPLENS_TEST_MOCHA: mochaDir,
        ...(options.testTimeoutMs ? { LOOPLENS_TEST_TIMEOUT: String(options.testTimeoutMs) } : {}),
        ...(options.grep ? { LOOPLENS_TEST_GREP: options.grep } : {}),
      },
      log,
    });
    timings.codeServerStart = Date.now() - started;
    browser = await openWorkbench(server, { headless: options.headless, viewport: options.viewport, log });
    timings.workbench = Date.now() - started;

    // Keys the suite asks the workbench to receive (it runs in the extension host, which has no
    // keyboard): it writes `<results>.keys` ({ id, keys, click?, text?, into?, read?, frames?, shot? }),
    // the runner presses the keys in the page, clicks what `click` selects (in any frame), types the
    // text (into the element `into` selects), and answers in `<results>.keys.done` with the same id
    // and, when asked to `read` (a CSS selector; with `frames`, in every frame: a webview's content),
    // the text of what matches it once it has settled (what the workbench shows, which the
    // extension API cannot see: the Command Palette's rows); with `shot` (a path), a screenshot.
    const keysFile = `${resultsFile}.keys`;
    let pressing = false;
    const pressRequested = () => {
      if (pressing || !fs.existsSync(keysFile)) return;
      pressing = true;
      void (async () => {
        try {
          const { id, keys, text, read, into, frames, click, shot } = JSON.parse(
            fs.readFileSync(keysFile, 'utf8'),
          );
          fs.rmSync(keysFile, { force: true });
          for (const key of keys) await browser.page.keyboard.press(key);
          // A click on what `click` selects, in whichever frame of the page has it (a webview's).
          if (typeof click === 'string') await clickInFrames(browser.page, click);
          // Typed into `into` (a selector) once it shows, rather than wherever the focus went.
          if (typeof into === 'string' && typeof text === 'string')
            await browser.page.locator(into).pressSequentially(text, { timeout: 10_000 });
          else if (typeof text === 'string') await browser.page.keyboard.type(text);
          let texts;
          if (typeof read === 'string') texts = await settledTexts(browser.page, read, frames === true);
          // A picture of the page (a test's evidence, or a look at a layout).
          if (typeof shot === 'string') await browser.page.screenshot({ path: shot });
          fs.writeFileSync(`${keysFile}.done`, JSON.stringify({ id, texts }));
        } catch (error) {
          log(`could not press the keys asked for: ${error.message}`);
        } finally {
          pressing = false;
        }
      })();
    };
    let text;
    try {
      text = await waitForFile(resultsFile, {
        timeoutMs,
        check: () => {
          pressRequested();
          return server.exited() ? new Error(`code-server exited: ${JSON.stringify(server.exited())}`) : null;
        },
      });
    } catch (error) {
      if (screenshot) await browser.page.screenshot({ path: screenshot }).catch(() => {});
      const runnerLog = tail(`${resultsFile}.log`, 30);
      throw new Error(
        `${error.message}\n--- runner log\n${runnerLog}\n--- code-server log\n${tail(server.logFile, 30)}` +
          `\n--- browser console\n${tail(browser.consoleLog, 20)}`,
      );
    }
    timings.suite = Date.now() - started;
    const results = JSON.parse(text);
    if (screenshot) {
      if (beforeScreenshot) await beforeScreenshot(browser.page);
      fs.mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
      await browser.page.screenshot({ path: screenshot });
      log(`screenshot: ${screenshot}`);
    }
    if (options.browserLog && fs.existsSync(browser.consoleLog))
      fs.copyFileSync(browser.consoleLog, options.browserLog);
    return { results, resultsFile, screenshot, timings };
  } finally {
    const stopping = Date.now();
    if (browser) await browser.close();
    if (server) await server.stop();
    // The extensions' own logs (the Loop Lens channel says when a panel's start stalled and was
    // loaded again), kept before the temp folder goes.
    if (options.extensionLogs && server) {
      try {
        fs.rmSync(options.extensionLogs, { recursive: true, force: true });
        fs.cpSync(path.join(server.userDataDir, 'logs'), options.extensionLogs, { recursive: true });
      } catch {
        // no logs written
      }
    }
    if (!options.keepTemp) fs.rmSync(tempRoot, { recursive: true, force: true });
    else log(`kept ${tempRoot}`);
    forgetTemp();
    timings.stop = Date.now() - stopping;
    timings.total = Date.now() - started;
    log(`timings (ms from start): ${JSON.stringify(timings)}`);
  }
}

// ---- program --------------------------------------------------------------------------------------

function parseArgs(argv) {
  const options = { extensions: [], env: {}, spec: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--workspace':
        options.workspace = path.resolve(value());
        break;
      case '--extension':
        options.extensions.push(path.resolve(value()));
        break;
      case '--spec':
        options.spec.push(...value().split(','));
        break;
      case '--results':
        options.results = path.resolve(value());
        break;
      case '--screenshot':
        options.screenshot = path.resolve(value());
        break;
      case '--timeout':
        options.timeoutMs = Number(value()) * 1000;
        break;
      case '--env': {
        const pair = value();
        const at = pair.indexOf('=');
        if (at < 1) throw new Error(`--env wants KEY=VALUE, got ${pair}`);
        options.env[pair.slice(0, at)] = pair.slice(at + 1);
        break;
      }
      case '--copy':
        options.installMode = 'copy';
        break;
      case '--keep-temp':
        options.keepTemp = true;
        break;
      case '--headed':
        options.headless = false;
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  if (!options.workspace) throw new Error('--workspace is required');
  options.spec = options.spec.map((entry) => path.resolve(entry.trim())).filter(Boolean);
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const { results } = await runSuite(options);
  printResults(results);
  process.exitCode = results.ok ? 0 : 1;
}

/** Prints each test's outcome, a failure with its stack, and the totals to stdout. */
export function printResults(results) {
  for (const test of results.tests ?? []) {
    const mark = { passed: 'ok  ', failed: 'FAIL', pending: 'skip' }[test.state] ?? test.state;
    process.stdout.write(`${mark} ${test.fullTitle}\n`);
    const error = test.error?.stack ?? test.error?.message;
    if (error) process.stdout.write(`       ${error.split('\n').join('\n       ')}\n`);
  }
  if (results.error) process.stdout.write(`suite error: ${results.error.stack ?? results.error.message}\n`);
  if (results.stats) {
    const { passes, failures, pending } = results.stats;
    process.stdout.write(`vscode: ${passes} passed, ${failures} failed, ${pending} skipped\n`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`[vscode] FAILED: ${error.message}\n`);
    process.exitCode = 2;
  });
}
