// Test-only extension: runs a mocha suite inside the extension host of a real VS Code (code-server)
// and writes the results to a JSON file. code-server has no --extensionTestsPath, so this extension,
// placed beside the one under test in --extensions-dir, plays that part. It is driven by the
// environment of the code-server process, which the extension host inherits:
//   LOOPLENS_TEST_RESULTS  absolute path of the JSON results file to write (nothing runs without it)
//   LOOPLENS_TEST_SPEC     spec files: absolute paths or globs, comma-separated (.js, .cjs or .mjs)
//   LOOPLENS_TEST_MOCHA    mocha's folder (default: the repository's node_modules/mocha)
//   LOOPLENS_TEST_TIMEOUT  mocha's per-test timeout in ms (default 60000)
//   LOOPLENS_TEST_GREP     optional mocha grep
// A test can reload the window (looplensTest.reloadWindow): the run goes on in the new extension
// host, where that test runs again and reads what it left before the reload
// (looplensTest.resumed); tests already over are not run again. See "reloads" below.
// Results: { ok, stats, tests: [{ title, fullTitle, file, state, duration, error }], error }, written
// once, atomically, at the end; if the host crashes or shuts down first, what was collected is written
// with the error instead. A log of the run is written beside it (RESULTS.log).
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vscode = require('vscode');

const resultsPath = process.env.LOOPLENS_TEST_RESULTS;
let state = null; // the run in progress: { results, written, current }
/** Where a run that reloads the window leaves what it did so far, for the next extension host. */
const reloadPath = resultsPath ? `${resultsPath}.reload` : null;
/** What the test that reloaded the window left for itself: { test, payload } (one run after the reload). */
let resumed = null;

function log(line) {
  try {
    fs.appendFileSync(`${resultsPath}.log`, `${new Date().toISOString()} ${line}\n`);
  } catch {
    // the log is a convenience; never let it break a run
  }
}

function describeError(error) {
  if (error == null) return { message: String(error) };
  if (typeof error !== 'object') return { message: String(error) };
  const described = { message: String(error.message ?? error), stack: error.stack };
  // assert's diffs, as mocha reporters show them
  if ('expected' in error) described.expected = safeJson(error.expected);
  if ('actual' in error) described.actual = safeJson(error.actual);
  if (error.code != null) described.code = String(error.code);
  return described;
}

function safeJson(value) {
  try {
    return JSON.parse(JSON.stringify(value ?? null));
  } catch {
    return String(value);
  }
}

// Write once, via a temporary file and rename, so the waiting harness never reads half a file.
function writeResults(extra) {
  if (!state || state.written || state.reloading) return;
  state.written = true;
  const results = { ...state.results, ...extra, finishedAt: new Date().toISOString() };
  results.stats.tests = results.tests.length; // hook failures included
  results.ok = !results.error && results.stats.failures === 0 && results.stats.tests > 0;
  const temporary = `${resultsPath}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(resultsPath), { recursive: true });
  fs.writeFileSync(temporary, JSON.stringify(results, null, 2) + '\n');
  fs.renameSync(temporary, resultsPath);
  log(`results written: ${results.stats.passes} passed, ${results.stats.failures} failed, ok=${results.ok}`);
}

function mochaDir() {
  if (process.env.LOOPLENS_TEST_MOCHA) return path.resolve(process.env.LOOPLENS_TEST_MOCHA);
  // test/vscode/runnerExtension -> repository root; realpath because the harness may install this
  // extension as a symbolic link.
  return path.resolve(fs.realpathSync(__dirname), '..', '..', '..', 'node_modules', 'mocha');
}

// Comma-separated paths or globs; mocha's own lookup expands globs (with the glob it depends on).
function specFiles(mochaRoot) {
  const entries = (process.env.LOOPLENS_TEST_SPEC || '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error('LOOPLENS_TEST_SPEC is empty');
  const lookupFiles = require(path.join(mochaRoot, 'lib', 'cli', 'lookup-files.js'));
  const files = [];
  for (const entry of entries) {
    // A string for a plain file, an array for a glob or a folder.
    const found = [].concat(lookupFiles(entry, ['.js', '.cjs', '.mjs'], false));
    if (found.length === 0) throw new Error(`no spec file matches ${entry}`);
    files.push(...found.map((file) => path.resolve(file)));
  }
  return [...new Set(files)];
}

// A reporter that only collects; mocha calls it with (runner, options).
function collectingReporter(results) {
  return function CollectingReporter(runner) {
    const { constants } = runner.constructor;
    const record = (test, stateName, error) => {
      const entry = {
        title: test.title,
        fullTitle: test.fullTitle(),
        file: test.file ?? test.parent?.file,
        state: stateName,
        duration: test.duration ?? 0,
      };
      if (error) entry.error = describeError(error);
      results.tests.push(entry);
      log(`${stateName}: ${entry.fullTitle}${error ? ` -- ${entry.error.message}` : ''}`);
    };
    runner.on(constants.EVENT_TEST_BEGIN, (test) => {
      if (state) state.current = test.fullTitle();
    });
    runner.on(constants.EVENT_TEST_PASS, (test) => {
      results.stats.passes++;
      record(test, 'passed');
    });
    // Also hook failures ("before all" hook ...), which mocha reports as a failed "test".
    runner.on(constants.EVENT_TEST_FAIL, (test, error) => {
      results.stats.failures++;
      record(test, 'failed', error);
    });
    runner.on(constants.EVENT_TEST_PENDING, (test) => {
      results.stats.pending++;
      record(test, 'pending');
    });
  };
}

async function runSuite(before) {
  const results = before?.results ?? {
    ok: false,
    startedAt: new Date().toISOString(),
    vscodeVersion: vscode.version,
    appName: vscode.env.appName,
    specs: [],
    stats: { tests: 0, passes: 0, failures: 0, pending: 0, duration: 0 },
    tests: [],
  };
  state = { results, written: false, current: null, reloading: false };
  const started = Date.now() - (before?.results.stats.duration ?? 0);
  try {
    const mochaRoot = mochaDir();
    log(`mocha from ${mochaRoot}`);
    const Mocha = require(mochaRoot);
    results.specs = specFiles(mochaRoot);
    log(`specs: ${results.specs.join(', ')}`);
    const mocha = new Mocha({
      ui: 'bdd',
      color: false,
      timeout: Number(process.env.LOOPLENS_TEST_TIMEOUT || 60000),
      reporter: collectingReporter(results),
    });
    if (process.env.LOOPLENS_TEST_GREP) mocha.grep(process.env.LOOPLENS_TEST_GREP);
    for (const file of results.specs) mocha.addFile(file);
    // loadFilesAsync: `require` for CommonJS specs (so `require('vscode')` is served by the host),
    // `import()` for ES modules.
    await mocha.loadFilesAsync();
    // After a reload: the tests over before it are not run again (their results are kept).
    if (before) dropTests(mocha.suite, new Set(results.tests.map((t) => t.fullTitle)));
    await new Promise((resolve) => mocha.run(() => resolve()));
    results.stats.duration = Date.now() - started;
    writeResults({});
  } catch (error) {
    results.stats.duration = Date.now() - started;
    log(`crashed: ${error && error.stack}`);
    writeResults({ error: describeError(error) });
  }
}

// A stand-in for the Python extension's debugger (debugpy cannot be installed offline), registered on
// request by the suite: it runs a `debugpy` launch as debugpy would — the program, with the launch's
// environment — and ends the session when the program exits. Only a debugger's defining extension may
// register its adapter, so it lives here (package.json contributes the `debugpy` type), not in the suite.
// Returns what the launch was given, once it was launched.
function registerDebugpyStandIn(python) {
  let launched;
  const registration = vscode.debug.registerDebugAdapterDescriptorFactory('debugpy', {
    createDebugAdapterDescriptor(debugSession) {
      const emitter = new vscode.EventEmitter();
      let seq = 1;
      const send = (message) => emitter.fire({ seq: seq++, ...message });
      return new vscode.DebugAdapterInlineImplementation({
        onDidSendMessage: emitter.event,
        handleMessage(m) {
          if (m.type !== 'request') return;
          send({ type: 'response', request_seq: m.seq, success: true, command: m.command, body: {} });
          if (m.command === 'initialize') send({ type: 'event', event: 'initialized' });
          if (m.command === 'launch') {
            launched = debugSession.configuration;
            const env = { ...process.env, ...(launched.env || {}) };
            require('node:child_process')
              .spawn(python, [launched.program], { env, stdio: 'ignore' })
              .once('exit', () => send({ type: 'event', event: 'terminated' }));
          }
        },
        dispose() {},
      });
    },
  });
  return { launched: () => launched, dispose: () => registration.dispose() };
}

let standIn = null;

/** Takes the tests whose full titles are in `done` out of the suite and its suites. */
function dropTests(suite, done) {
  suite.tests = suite.tests.filter((test) => !done.has(test.fullTitle()));
  for (const child of suite.suites) dropTests(child, done);
}

// ---- reloads --------------------------------------------------------------------------------------
// A test that must see what VS Code does after a window reload (a panel restored by its serializer)
// asks for one: the results so far, the test's title and what it passes go to RESULTS.reload, and
// the window reloads. The extension host goes with it; the new one activates this extension again,
// which finds the file and runs the suite on from that test (looplensTest.resumed gives the test
// what it passed, once). The harness waits for the results file as before.
function requestReload(payload) {
  if (!state || !reloadPath) throw new Error('no run in progress to go on after a reload');
  state.reloading = true;
  // The test that asked runs again after the reload: it is not among the tests over.
  const results = { ...state.results, tests: state.results.tests.slice() };
  results.stats = { ...results.stats, duration: Date.now() - Date.parse(results.startedAt) };
  fs.writeFileSync(reloadPath, JSON.stringify({ results, test: state.current, payload: payload ?? null }));
  log(`reloading the window for: ${state.current}`);
  void vscode.commands.executeCommand('workbench.action.reloadWindow');
  // Never settles: the extension host goes away.
  return new Promise(() => {});
}

/** The run left before a reload, once (the file is removed), or null. */
function takeReload() {
  if (!reloadPath || !fs.existsSync(reloadPath)) return null;
  const before = JSON.parse(fs.readFileSync(reloadPath, 'utf8'));
  fs.rmSync(reloadPath, { force: true });
  return before;
}

exports.activate = function activate() {
  vscode.commands.registerCommand('looplensTest.debugpyStandIn', (python) => {
    if (standIn !== null) standIn.dispose();
    standIn = python ? registerDebugpyStandIn(python) : null;
    return true;
  });
  vscode.commands.registerCommand('looplensTest.debugpyLaunched', () =>
    standIn ? standIn.launched() : undefined,
  );
  vscode.commands.registerCommand('looplensTest.reloadWindow', (payload) => requestReload(payload));
  // What the running test left before it reloaded the window; undefined for any other test.
  vscode.commands.registerCommand('looplensTest.resumed', () =>
    resumed !== null && state?.current === resumed.test ? resumed.payload : undefined,
  );
  if (!resultsPath) return; // inert unless a harness asked for a run
  log(`activated in ${vscode.env.appName} ${vscode.version}, pid ${process.pid}`);
  const before = takeReload();
  if (before) {
    resumed = { test: before.test, payload: before.payload };
    log(`going on after a reload, from: ${before.test}`);
  }
  // Not awaited: activation must finish so that VS Code goes on starting the other extensions.
  setTimeout(() => void runSuite(before ?? undefined), 0);
};

// The host is going away (window closed, code-server stopped) before the suite ended.
exports.deactivate = function deactivate() {
  if (state && !state.written)
    writeResults({ error: { message: 'extension host shut down before the suite ended' } });
};
