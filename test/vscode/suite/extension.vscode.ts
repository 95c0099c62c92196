/**
 * Loop Lens in a real VS Code: this suite runs inside the extension host (offline through
 * code-server, or on a desktop through @vscode/test-electron) with the real `vscode` API, the real
 * JavaScript debugger and real Node.js programs, and checks what the timeline holds.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

const ROOT = process.env.LOOPLENS_ROOT ?? path.resolve(__dirname, '..', '..', '..');
const KITCHEN = path.join(ROOT, 'examples', 'kitchen', 'server.js');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'vscode');

interface Inspected {
  session: {
    id: string;
    name: string;
    state: string;
    problem: string | null;
    events: number;
    liveBlock: { taskName: string; durationMs: number } | null;
  };
  pauses: Array<{ start: number; end: number | null; reason: string }>;
  rendered: {
    lanes: Array<{ name: string; kind: string; stints: number }>;
    stints: number;
    blocks: number;
    pauses: number;
    liveBlock: { taskName: string; durationMs: number } | null;
  } | null;
  panelVisible: boolean;
  panelColumn: number | null;
  statusBar: string;
  /** The step cursor's switch, as the panel last showed it. */
  step?: unknown;
  /** What the Output channel said about the session. */
  logged: string[];
  summary: {
    tasks: Array<{ id: string; name: string; kind: string; stints: number }>;
    blocks: Array<{
      task: string;
      startMs: number;
      durationMs: number;
      location: { file: string; line: number } | null;
      located: 'sampled' | 'resumed' | 'began';
      cpuWaitMs: number;
    }>;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long a test waits for a timeline's webview to start and draw: the extension opens a webview
 * whose start stalls again after 5 s, then 10 s, then 20 s (timelinePanel.ts, 40 s in all with its
 * last attempt's start), and at load 20 most timelines in a run stall once or twice (a run at load
 * 20: 8 stalls in 21 tests; the kitchen's timeline moved beside the walkthrough stalled at 5 s and
 * 10 s, and the 20 s its lessons test waited ran out).
 */
const TIMELINE_START_MS = 45_000;

async function waitFor<T>(
  what: string | (() => string),
  read: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(100);
  }
}

/**
 * Has the runner press `keys` in the workbench (Playwright key names), where the focus is; false
 * when the runner cannot (the desktop runner). See test/vscode/codeServer.mjs.
 */
async function pressKeys(keys: string[]): Promise<boolean> {
  const results = process.env.LOOPLENS_TEST_RESULTS;
  if (process.env.LOOPLENS_TEST_KEYS !== '1' || results === undefined) return false;
  const id = `${Date.now()}-${Math.random()}`;
  fs.rmSync(`${results}.keys.done`, { force: true });
  fs.writeFileSync(`${results}.keys`, JSON.stringify({ id, keys }));
  await waitFor('the runner to press the keys', async () => {
    try {
      return (JSON.parse(fs.readFileSync(`${results}.keys.done`, 'utf8')) as { id: string }).id === id
        ? true
        : undefined;
    } catch {
      return undefined;
    }
  });
  return true;
}

/**
 * What the Command Palette lists for `query` (the text of its rows), as the workbench shows it;
 * undefined when the runner cannot read the workbench (the desktop runner). See codeServer.mjs.
 * Read again until the rows are the query's (the best match, first, a Loop Lens command; or none):
 * the runner takes two equal reads 200 ms apart for the list's last, which a loaded browser may
 * not have filtered yet. (At load 27-32 the rows once lacked Export with a trace open, its `when`
 * the steps' own, which were there: 1 of 3 whole runs.)
 */
async function paletteRows(query: string): Promise<string[] | undefined> {
  const results = process.env.LOOPLENS_TEST_RESULTS;
  if (process.env.LOOPLENS_TEST_KEYS !== '1' || results === undefined) return undefined;
  let seen: string[] = [];
  return waitFor(
    () => `the Command Palette's rows for ${query} (seen: ${JSON.stringify(seen)})`,
    async () => {
      await vscode.commands.executeCommand('workbench.action.showCommands');
      const id = `${Date.now()}-${Math.random()}`;
      fs.rmSync(`${results}.keys.done`, { force: true });
      fs.writeFileSync(
        `${results}.keys`,
        JSON.stringify({
          id,
          keys: [],
          text: query,
          into: '.quick-input-widget .quick-input-box input',
          read: '.quick-input-widget .monaco-list-row',
        }),
      );
      try {
        seen = await waitFor('the runner to read the Command Palette', async () => runnerReply(results, id));
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      }
      return seen.length === 0 || seen[0].includes('Loop Lens') ? seen : undefined;
    },
    60_000,
  );
}

/** The texts the runner read for request `id` (its `.keys.done` file), or undefined if not yet. */
function runnerReply(results: string, id: string): string[] | undefined {
  try {
    const done = JSON.parse(fs.readFileSync(`${results}.keys.done`, 'utf8')) as {
      id: string;
      texts?: string[];
    };
    return done.id === id ? (done.texts ?? []) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Asks the runner to act in the workbench (codeServer.mjs): press `keys`, click what `click` selects
 * in any frame (a webview's content), then read the text of what `read` selects (with `frames`, in
 * every frame). Undefined when the runner cannot (the desktop runner).
 */
async function workbench(request: {
  keys?: string[];
  click?: string;
  read?: string;
  frames?: boolean;
  /** A screenshot of the page to this path. */
  shot?: string;
}): Promise<string[] | undefined> {
  const results = process.env.LOOPLENS_TEST_RESULTS;
  if (process.env.LOOPLENS_TEST_KEYS !== '1' || results === undefined) return undefined;
  const id = `${Date.now()}-${Math.random()}`;
  fs.rmSync(`${results}.keys.done`, { force: true });
  fs.writeFileSync(`${results}.keys`, JSON.stringify({ id, keys: [], ...request }));
  return waitFor('the runner to act in the workbench', async () => runnerReply(results, id));
}

async function inspect(): Promise<Inspected[]> {
  return (await vscode.commands.executeCommand('looplens.inspectState')) as Inspected[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function get(port: number, route: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: route, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** Output the debug adapters send (the program's console), by debug session. */
const output = new Map<vscode.DebugSession, string>();
let tracker: vscode.Disposable | undefined;

/** The output of a session and of its child sessions (js-debug runs the program in a child). */
function outputOf(session: vscode.DebugSession): string {
  let text = '';
  for (const [s, value] of output) {
    for (let p: vscode.DebugSession | undefined = s; p !== undefined; p = p.parentSession) {
      if (p.id === session.id) {
        text += value;
        break;
      }
    }
  }
  return text;
}

/** Debug sessions that loaded the tracer's watchdog script: js-debug runs each worker in a child session. */
const watchdogSessions = new Set<vscode.DebugSession>();

/**
 * Waits (20 s at most, then goes on) until the tracer's watchdog thread of a traced program runs:
 * js-debug holds every new worker until it has set it up, and the worker's session reports the
 * watchdog's script as loaded once the thread runs it.
 */
async function watchdogRunning(program: vscode.DebugSession): Promise<void> {
  const within = (s: vscode.DebugSession): boolean => {
    for (let p: vscode.DebugSession | undefined = s.parentSession; p !== undefined; p = p.parentSession)
      if (p.id === program.id) return true;
    return false;
  };
  const deadline = Date.now() + 20_000;
  while (![...watchdogSessions].some(within) && Date.now() < deadline) await sleep(100);
  // Its first look at the heartbeat comes a poll later.
  await sleep(500);
}

/** Starts a debug session and returns it once VS Code reports it started. */
async function start(config: vscode.DebugConfiguration): Promise<vscode.DebugSession> {
  const started = new Promise<vscode.DebugSession>((resolve) => {
    const listener = vscode.debug.onDidStartDebugSession((session) => {
      if (session.name === config.name) {
        listener.dispose();
        resolve(session);
      }
    });
  });
  const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], config);
  assert.ok(ok, `debugging ${config.name} started`);
  return started;
}

async function stop(session: vscode.DebugSession): Promise<void> {
  const ended = new Promise<void>((resolve) => {
    const listener = vscode.debug.onDidTerminateDebugSession((s) => {
      if (s.id === session.id) {
        listener.dispose();
        resolve();
      }
    });
  });
  await vscode.debug.stopDebugging(session);
  await ended;
}

async function latest(name: string): Promise<Inspected> {
  return waitFor(`a Loop Lens session for ${name}`, async () =>
    (await inspect()).filter((s) => s.session.name === name).pop(),
  );
}

describe('Loop Lens in VS Code', function () {
  this.timeout(120_000);

  before(async () => {
    tracker = vscode.debug.registerDebugAdapterTrackerFactory('*', {
      createDebugAdapterTracker: (session) => ({
        onDidSendMessage: (m: {
          type?: string;
          event?: string;
          body?: { output?: string; source?: { path?: string } };
        }) => {
          if (m.type === 'event' && m.event === 'output' && m.body?.output !== undefined) {
            output.set(session, (output.get(session) ?? '') + m.body.output);
          }
          if (
            m.type === 'event' &&
            m.event === 'loadedSource' &&
            /tracerWatchdog\.js$/.test(m.body?.source?.path ?? '')
          )
            watchdogSessions.add(session);
        },
      }),
    });
    const extension = vscode.extensions.getExtension('looplens.looplens');
    assert.ok(extension, 'the Loop Lens extension is installed');
    await extension.activate();
  });

  after(() => tracker?.dispose());

  it('the Command Palette offers Close Trace, Export and the steps only while a trace is open; run with arguments they work either way', async function () {
    // The commands that act on a trace, as the palette names them.
    const acting = [
      'Loop Lens: Close Trace',
      'Loop Lens: Export Timeline Snapshot…',
      'Loop Lens: Next Task Switch',
      'Loop Lens: Previous Task Switch',
    ];
    // (The rows each query listed, for a failure's message.)
    let listed: Record<string, string[]> = {};
    const offered = async () => {
      const seen: Record<string, boolean> = {};
      listed = {};
      for (const title of acting) {
        const rows = await paletteRows(title);
        if (rows === undefined) return undefined;
        seen[title] = rows.some((row) => row.includes(title));
        listed[title] = rows;
      }
      return seen;
    };
    for (const s of await inspect())
      await vscode.commands.executeCommand('looplens.closeTrace', s.session.id);
    const none = await offered();
    if (none === undefined) this.skip();
    // (The palette is there and reads: Open Trace File… is always offered.)
    const open = (await paletteRows('Loop Lens: Open Trace File'))!;
    assert.ok(
      open.some((row) => row.includes('Loop Lens: Open Trace File…')),
      `the palette lists commands: ${JSON.stringify(open)}`,
    );
    assert.deepEqual(
      none,
      Object.fromEntries(acting.map((t) => [t, false])),
      `with no trace open, none of them is offered (rows: ${JSON.stringify(listed)})`,
    );
    // Hidden from the palette, they still run when asked by a test or another command.
    assert.equal(await vscode.commands.executeCommand('looplens.stepNext', {}), null);
    assert.equal(await vscode.commands.executeCommand('looplens.closeTrace', 'no-such-session'), false);
    const id = (await vscode.commands.executeCommand(
      'looplens.openTrace',
      path.join(ROOT, 'test', 'fixtures', 'golden', 'server.looplens'),
    )) as string;
    assert.ok(id, 'the trace opened');
    try {
      await waitFor(
        'its timeline drawn',
        async () =>
          (await inspect()).find((s) => s.session.id === id)?.rendered?.lanes.length ? true : undefined,
        TIMELINE_START_MS,
      );
      assert.deepEqual(
        await offered(),
        Object.fromEntries(acting.map((t) => [t, true])),
        `with a trace open, all of them are offered (rows: ${JSON.stringify(listed)})`,
      );
    } finally {
      await vscode.commands.executeCommand('looplens.closeTrace', id);
    }
    assert.deepEqual(
      await offered(),
      Object.fromEntries(acting.map((t) => [t, false])),
      `once it is closed, none of them again (rows: ${JSON.stringify(listed)})`,
    );
  });

  it('a launch without "looplens" runs untraced and untouched', async () => {
    const session = await start({
      type: 'node',
      request: 'launch',
      name: 'untraced env',
      program: path.join(FIXTURES, 'env.js'),
    });
    const line = await waitFor(
      'the program to report',
      () => /LOOPLENS-ENV (.*)/.exec(outputOf(session))?.[1],
    );
    const report = JSON.parse(line) as {
      nodeOptions: string | null;
      looplensOptions: boolean;
      traced: boolean;
    };
    assert.equal(report.looplensOptions, false);
    assert.equal(report.traced, false);
    assert.ok(!(report.nodeOptions ?? '').includes('tracer.js'), `NODE_OPTIONS: ${report.nodeOptions}`);
    assert.equal(
      (await inspect()).filter((s) => s.session.name === 'untraced env').length,
      0,
      'no Loop Lens session',
    );
  });

  it("a traced launch keeps the user's own NODE_OPTIONS and adds the tracer after them", async () => {
    const session = await start({
      type: 'node',
      request: 'launch',
      name: 'traced env',
      program: path.join(FIXTURES, 'env.js'),
      looplens: true,
      env: { NODE_OPTIONS: '--max-old-space-size=123' },
    });
    const line = await waitFor(
      'the program to report',
      () => /LOOPLENS-ENV (.*)/.exec(outputOf(session))?.[1],
    );
    const report = JSON.parse(line) as {
      nodeOptions: string;
      looplensOptions: boolean;
      traced: boolean;
      heapLimitMiB: number;
    };
    assert.ok(report.traced, 'the tracer is loaded');
    assert.match(report.nodeOptions, /--max-old-space-size=123/);
    assert.ok(
      report.nodeOptions.indexOf('--max-old-space-size=123') < report.nodeOptions.indexOf('tracer.js'),
      "the user's flag first",
    );
    assert.ok(report.heapLimitMiB < 400, `the user's heap limit applies (${report.heapLimitMiB} MiB)`);
    const traced = await latest('traced env');
    await waitFor('the session to end', async () =>
      (await latest('traced env')).session.state === 'ended' ? true : undefined,
    );
    assert.ok(traced);
  });

  it('pausing at a breakpoint marks the pause on the timeline, and continuing closes it', async () => {
    const port = await freePort();
    const file = path.join(FIXTURES, 'pause.js');
    const line = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .findIndex((l) => l.includes('BREAK HERE'));
    const breakpoint = new vscode.SourceBreakpoint(
      new vscode.Location(vscode.Uri.file(file), new vscode.Position(line, 0)),
    );
    vscode.debug.addBreakpoints([breakpoint]);
    const session = await start({
      type: 'node',
      request: 'launch',
      name: 'pause',
      program: file,
      looplens: true,
      env: { PORT: String(port) },
    });
    try {
      await waitFor('the server to listen', () =>
        outputOf(session).includes('Kitchen open') ? true : undefined,
      );
      const answer = get(port, '/pause-me');
      const paused = await waitFor('the pause on the timeline', async () => {
        const s = await latest('pause');
        return s.session.state === 'paused' && s.pauses.length === 1 && s.pauses[0].end === null
          ? s
          : undefined;
      });
      assert.equal(paused.pauses[0].reason, 'breakpoint');
      await sleep(800);
      // Held by the debugger, the loop stands still: that is a pause, not a block.
      const held = await latest('pause');
      assert.equal(held.session.liveBlock, null, 'a paused program is not blocked now');
      assert.match(held.statusBar, /paused/);
      await vscode.commands.executeCommand('workbench.action.debug.continue');
      assert.equal(await answer, 'paused and resumed');
      const resumed = await waitFor('the pause to close', async () => {
        const s = await latest('pause');
        return s.session.state === 'running' && s.pauses[0].end !== null ? s : undefined;
      });
      assert.ok(
        resumed.pauses[0].end! - resumed.pauses[0].start >= 250,
        'the pause lasted while the program stood still',
      );
      const request = await waitFor('the request task', async () =>
        (await latest('pause')).summary.tasks.find((t) => t.name === 'GET /pause-me'),
      );
      const blocks = (await latest('pause')).summary.blocks.filter((b) => b.task === request.id);
      assert.equal(
        blocks.length,
        0,
        `a program paused in the debugger is not a blocked loop: ${JSON.stringify({ blocks, pauses: (await latest('pause')).pauses, request, clock: ((await latest('pause')) as unknown as { clock: unknown }).clock })}`,
      );
    } finally {
      vscode.debug.removeBreakpoints([breakpoint]);
      await stop(session);
    }
  });

  it('a debuggee that dies abruptly ends its timeline with a clear message, keeping what it recorded', async () => {
    await start({
      type: 'node',
      request: 'launch',
      name: 'crash',
      program: path.join(FIXTURES, 'crash.js'),
      looplens: true,
    });
    // (A minute: under a load of 24-36 the whole debug session, adapter and bootloader included,
    // took longer than 20 s once; what the session showed is in the message.)
    let seen = 'no session';
    const ended = await waitFor(
      () => `the session to end (last seen: ${seen})`,
      async () => {
        const s = await latest('crash');
        seen = `${s.session.state}, ${s.session.events} events, problem ${JSON.stringify(s.session.problem)}`;
        return s.session.state === 'ended' ? s : undefined;
      },
      60_000,
    );
    assert.match(ended.session.problem ?? '', /ended without finishing its trace/);
    assert.equal(
      ended.logged.filter((line) => /without finishing/.test(line)).length,
      1,
      `said once in the Output channel: ${JSON.stringify(ended.logged)}`,
    );
    const requests = ended.summary.tasks.filter((t) => t.kind === 'request').map((t) => t.name);
    assert.deepEqual(requests.sort(), ['GET /work/0', 'GET /work/1', 'GET /work/2']);
  });

  it('a script over within its first turn of the loop still gets its whole timeline', async () => {
    await start({
      type: 'node',
      request: 'launch',
      name: 'microtasks',
      program: path.join(ROOT, 'test', 'fixtures', 'programs', 'microtasks.js'),
      looplens: true,
    });
    const ended = await waitFor('the session to end with its trace', async () => {
      const s = await latest('microtasks');
      return s.session.state === 'ended' && s.summary.tasks.some((t) => t.kind === 'main') ? s : undefined;
    });
    assert.equal(ended.session.problem, null, 'no "ended without finishing" for a program that simply ended');
    assert.ok(ended.session.events > 0, 'events from the spilled trace');
    // Nor in the Output channel, where it was said when the connection closed, before the spill
    // file was read.
    assert.ok(
      !ended.logged.some((line) => /without finishing/.test(line)),
      `the Output channel: ${JSON.stringify(ended.logged)}`,
    );
    assert.ok(
      ended.logged.some((line) => /read from the file it left/.test(line)),
      `the Output channel says where the trace came from: ${JSON.stringify(ended.logged)}`,
    );
    // A timeline the user cannot see does not start (a hidden webview is let go): a user who finds
    // it hidden or closed opens it again, and so does the test, after 10 s of not seeing it (the CI
    // saw it hidden once, with nothing drawn, on a loaded machine; why is in the failure's tabs).
    let unseenSince = Date.now();
    let reopened = 0;
    const drawn = await waitFor(
      'the panel to draw it',
      async () => {
        const s = await latest('microtasks');
        if (s.rendered?.lanes.some((l) => l.name === 'microtasks.js')) return s;
        if (s.panelVisible) unseenSince = Date.now();
        else if (Date.now() - unseenSince > 10_000 && reopened < 2) {
          reopened++;
          unseenSince = Date.now();
          await vscode.commands.executeCommand('looplens.openTimeline', s.session.id);
        }
        return undefined;
      },
      60_000,
    ).catch(async (error: Error) => {
      const s = (await latest('microtasks')) as Inspected & { renders: number; panelsOpened: number };
      const tabs = vscode.window.tabGroups.all.map((g) => ({
        column: g.viewColumn,
        active: g.isActive,
        tabs: g.tabs.map((t) => `${t.label}${t.isActive ? ' (active)' : ''}`),
      }));
      throw new Error(
        `${error.message}: ${JSON.stringify({ visible: s.panelVisible, panelsOpened: s.panelsOpened, reopened, renders: s.renders, rendered: s.rendered, session: s.session, tabs })}`,
      );
    });
    assert.ok(drawn.rendered!.stints >= 1);
    // Its first panel was made to stall (the runner sets LOOPLENS_TEST_STALL_TIMELINE): the
    // timeline was opened again in a new panel, and the stalled one is gone.
    if (process.env.LOOPLENS_TEST_STALL_TIMELINE === 'microtasks') {
      // (At least one: on a loaded machine a new panel's start can stall too, and is replaced again.)
      const opened = (drawn as unknown as { panelsOpened: number }).panelsOpened;
      assert.ok(opened >= 2, `a new panel after the stall (${opened} panels)`);
      const tabs = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.label === 'Loop Lens: microtasks');
      assert.equal(tabs.length, 1, 'the stalled panel was closed');
    }
  });

  it('an invalid trace file is refused with a clear error, and nothing breaks', async () => {
    const file = path.join(os.tmpdir(), `looplens-hostile-${process.pid}.looplens`);
    fs.writeFileSync(file, Buffer.concat([Buffer.from('LOOPLENS'), Buffer.alloc(8, 0xff)]));
    const before = (await inspect()).length;
    const opened = await vscode.commands.executeCommand('looplens.openTrace', vscode.Uri.file(file));
    assert.equal(opened, undefined);
    assert.equal((await inspect()).length, before, 'no session was made of it');
    fs.rmSync(file, { force: true });
  });

  it('a .looplens file opened in the editor shows its timeline there; a broken one says why, and no session is made', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-files-'));
    const good = path.join(dir, 'server.looplens');
    const broken = path.join(dir, 'broken.looplens');
    fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'golden', 'server.looplens'), good);
    fs.writeFileSync(broken, 'this is not a trace\n');
    const tabOf = (file: string) =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.fsPath === file);
    try {
      // What a click in the Explorer runs.
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(broken));
      await waitFor('the broken file in its editor', () => tabOf(broken));
      await sleep(500);
      assert.equal(
        (await inspect()).filter((x) => x.session.name === 'broken.looplens').length,
        0,
        'no session was made of it',
      );
      // (Not in preview: opening the broken file again would replace it, closing its trace.)
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(good), { preview: false });
      const shown = await waitFor(
        'its timeline drawn in the editor',
        async () => {
          const s = (await inspect()).find((x) => x.session.name === 'server.looplens');
          return s !== undefined && (s.rendered?.lanes.length ?? 0) > 0 ? s : undefined;
        },
        TIMELINE_START_MS,
      );
      assert.equal(shown.session.state, 'file');
      assert.equal((tabOf(good)?.input as vscode.TabInputCustom).viewType, 'looplens.traceFile');
      // Back on the broken file's page, the timeline's tools act on nothing (its title bar has
      // none): stepping there stepped the other file's timeline.
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(broken), { preview: false });
      await waitFor('the broken file in view again', () => (tabOf(broken)?.isActive ? true : undefined));
      await sleep(500);
      assert.equal(await vscode.commands.executeCommand('looplens.stepNext'), null, 'no step on the page');
      const other = (await inspect()).find((x) => x.session.id === shown.session.id);
      assert.ok(other !== undefined, 'the other file is still open');
      assert.equal(other.step ?? null, null, 'the other timeline did not step');
      await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(good));
      // Closing the file's editor closes its trace.
      await vscode.window.tabGroups.close(tabOf(good)!);
      await waitFor('its trace closed', async () =>
        (await inspect()).some((x) => x.session.id === shown.session.id) ? undefined : true,
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the walkthrough's Open the Kitchen opens the code beside the walkthrough, which stays in view", async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // What a click in the walkthrough runs, with the walkthrough the active editor.
    await vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      'looplens.looplens#kitchen',
      false,
    );
    const isWalkthrough = (tab: vscode.Tab | undefined) =>
      tab !== undefined && tab.input === undefined && /walkthrough/i.test(tab.label);
    await waitFor('the walkthrough active', () =>
      isWalkthrough(vscode.window.tabGroups.activeTabGroup.activeTab) ? true : undefined,
    );
    const tabs = () =>
      JSON.stringify(vscode.window.tabGroups.all.map((g) => [g.viewColumn, g.activeTab?.label]));
    try {
      const file = await vscode.commands.executeCommand<string>('looplens.openKitchen');
      assert.equal(path.basename(file ?? ''), 'server.js');
      const code = await waitFor(
        () => `the kitchen's code in view: ${tabs()}`,
        () =>
          vscode.window.tabGroups.all.find(
            (g) => g.activeTab?.input instanceof vscode.TabInputText && g.activeTab.input.uri.fsPath === file,
          ),
      );
      // Opened over it, in its group, the walkthrough and its next step went out of sight.
      const walkthrough = vscode.window.tabGroups.all.find((g) => isWalkthrough(g.activeTab));
      assert.ok(walkthrough !== undefined, `the walkthrough still in view: ${tabs()}`);
      assert.notEqual(walkthrough.viewColumn, code.viewColumn);
      assert.ok(walkthrough.isActive, `the walkthrough keeps the focus: ${tabs()}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('a traced launch whose program never connects says so while it runs, not only once it ends', async function () {
    // A node-terminal launch whose command is not Node.js: it runs, and nothing can connect.
    const session = await start({
      type: 'node-terminal',
      request: 'launch',
      name: 'not node',
      command: 'sleep 40',
      looplens: true,
    });
    try {
      const waiting = await waitFor(
        'the timeline to say the program has not connected',
        async () => {
          const s = await latest('not node');
          return /has not connected to Loop Lens after/.test(s.session.problem ?? '') &&
            /not connected/.test(s.statusBar)
            ? s
            : undefined;
        },
        40_000,
      );
      assert.equal(waiting.session.state, 'starting');
      // After the wait the runner sets (3 s; the users' 15 s when it sets none): the suite, which
      // runs in CI, does not sit through the users' wait.
      const waitMs = Number(process.env.LOOPLENS_TEST_CONNECT_WAIT_MS) || 15_000;
      assert.match(waiting.session.problem ?? '', new RegExp(`after ${waitMs / 1000} s\\.`));
    } finally {
      await vscode.debug.stopDebugging(session);
      for (const t of vscode.window.terminals) if (/not node/.test(t.name)) t.dispose();
    }
  });

  it('"Start Debugging with Event Loop Tracing" traces the configuration it is given', async () => {
    const started = new Promise<vscode.DebugSession>((resolve) => {
      const listener = vscode.debug.onDidStartDebugSession((session) => {
        if (session.name === 'via command') {
          listener.dispose();
          resolve(session);
        }
      });
    });
    const ok = await vscode.commands.executeCommand('looplens.startTracing', {
      type: 'node',
      request: 'launch',
      name: 'via command',
      program: path.join(FIXTURES, 'env.js'),
    });
    assert.equal(ok, true);
    const session = await started;
    // Which of its debug sessions ended, for the message if the trace's end never comes.
    const ended = new Set<string>();
    const terminated = vscode.debug.onDidTerminateDebugSession((s) => {
      for (let p: vscode.DebugSession | undefined = s; p !== undefined; p = p.parentSession)
        if (p.id === session.id) ended.add(s === session ? 'the launched session' : `child "${s.name}"`);
    });
    try {
      const line = await waitFor(
        'the program to report',
        () => /LOOPLENS-ENV (.*)/.exec(outputOf(session))?.[1],
      );
      const report = JSON.parse(line) as { traced: boolean; pid: number };
      assert.equal(report.traced, true);
      await waitFor('its session', async () =>
        (await inspect()).find((s) => s.session.name === 'via command'),
      );
      let last: Inspected | undefined;
      await waitFor(
        () => {
          let alive = true;
          try {
            process.kill(report.pid, 0);
          } catch {
            alive = false;
          }
          return (
            `its end (trace session ${JSON.stringify(last?.session ?? null)}; ` +
            `program ${report.pid} ${alive ? 'still running' : 'gone'}; ` +
            `debug sessions ended: ${[...ended].join(', ') || 'none'})`
          );
        },
        async () => {
          last = (await inspect()).find((s) => s.session.name === 'via command');
          return last?.session.state === 'ended' ? last : undefined;
        },
      );
    } finally {
      terminated.dispose();
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('a setting with a value of the wrong kind is replaced by its default, and the program is still traced', async () => {
    // What a hand-edited settings.json can hold: the tracer is inert on a bad option, so these
    // passed on ran the program untraced, with a timeline waiting for it forever.
    const config = vscode.workspace.getConfiguration('looplens');
    await config.update('blockThresholdMs', 'fifty', vscode.ConfigurationTarget.Global);
    await config.update('tracerMode', 'turbo', vscode.ConfigurationTarget.Global);
    try {
      const session = await start({
        type: 'node',
        request: 'launch',
        name: 'bad settings',
        program: path.join(FIXTURES, 'env.js'),
        looplens: true,
      });
      const line = await waitFor(
        'the program to report',
        () => /LOOPLENS-ENV (.*)/.exec(outputOf(session))?.[1],
      );
      assert.equal((JSON.parse(line) as { traced: boolean }).traced, true, 'the tracer runs');
      const ended = await waitFor('its trace', async () => {
        const s = await latest('bad settings');
        return s.session.state === 'ended' && s.session.events > 0 ? s : undefined;
      });
      assert.equal((ended.session as unknown as { blockMs: number }).blockMs, 50, 'the default threshold');
    } finally {
      await config.update('blockThresholdMs', undefined, vscode.ConfigurationTarget.Global);
      await config.update('tracerMode', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  it('the kitchen, traced: the timeline opens beside the editor and fills live with the requests', async () => {
    const port = await freePort();
    await vscode.window.showTextDocument(vscode.Uri.file(KITCHEN));
    const session = await start({
      type: 'node',
      request: 'launch',
      name: 'Kitchen (traced by Loop Lens)',
      program: KITCHEN,
      looplens: true,
      env: { PORT: String(port) },
    });
    await waitFor('the kitchen to open', () =>
      outputOf(session).includes('Kitchen open') ? true : undefined,
    );
    // The debugger attaches to the tracer's watchdog thread as it does to any worker and holds it
    // until it has set it up (8.8 s at load 30, the extension host starved): a block before that has
    // no sampled line and no "blocked now". Users send requests later; the test waits for it to run.
    await watchdogRunning(session);
    const waiting = [get(port, '/async'), get(port, '/async'), get(port, '/async')];
    await sleep(30);
    await Promise.all([get(port, '/blocking'), ...waiting]);
    await get(port, '/parallel');
    await get(port, '/background');
    // Its email (a 50 ms simmer) is sent before the long block below: held up by the block, it would
    // be late background work of this trace, a lesson the lessons test counts as its own.
    await sleep(400);
    // What the panel showed last, for the message when it never shows the requests.
    let seen = 'no panel yet';
    const live = await waitFor(
      () => `the panel to draw the requests (it showed: ${seen})`,
      async () => {
        const s = await latest('Kitchen (traced by Loop Lens)');
        const names = s.rendered?.lanes.map((l) => l.name) ?? [];
        seen = `session ${s.session.state}, ${s.session.events} events, panel ${s.panelVisible ? 'visible' : 'hidden'}, lanes ${JSON.stringify(names)}`;
        return names.includes('GET /blocking') &&
          names.filter((n) => n === 'GET /async').length === 3 &&
          names.includes('fetchMenu')
          ? s
          : undefined;
      },
      // A panel whose start stalls is opened again after 5 s, then 10 s (timelinePanel.ts).
      TIMELINE_START_MS,
    );
    assert.equal(live.session.state, 'running');
    assert.ok(live.panelVisible, 'the timeline panel is visible');
    assert.ok(live.rendered!.blocks >= 1, 'the blocking request drew a block');
    const block = live.summary.blocks.find(
      (b) => live.summary.tasks.find((t) => t.id === b.task)?.name === 'GET /blocking',
    );
    assert.ok(block && block.durationMs >= 290, 'the block lasts the 300 ms');
    const chef =
      fs
        .readFileSync(KITCHEN, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('the chef stands here')) + 1;
    // (A clock spin on a machine so busy that its thread waited for a CPU through much of it may end
    // before the starved sampler's first look — which then sees the next line — or before any look:
    // at load 20, 350 ms of a 390 ms block waiting, no sample, where its task began. The 6 s block
    // below is sampled however busy the machine.)
    const starved = block.cpuWaitMs > block.durationMs / 3;
    assert.ok(
      block.location?.line === chef ||
        (starved && (block.location?.line === chef + 1 || block.located === 'began')),
      `the block points at the busy-wait line (${chef}): ${JSON.stringify(block)}`,
    );

    // While a 6 s block is still running, the status bar and the panel say so; the trace itself
    // cannot yet (the program's thread is the one that is blocked). (6 s, not less: on a loaded
    // machine the request, the watchdog's report and the panel's frame all take their time.)
    const slowLine =
      fs
        .readFileSync(KITCHEN, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('the chef stands here')) + 1;
    const longBlock = get(port, '/blocking?ms=6000');
    // (Named from the watchdog's first sample of the blocked thread, which a loaded machine may
    // answer after the first report: until then the block's task is "a task not received yet".)
    let lastSeen: Inspected | undefined;
    const during = await waitFor(
      () => `the live block indicator naming its request: ${JSON.stringify(lastSeen?.session.liveBlock)}`,
      async () => {
        const s = (lastSeen = await latest('Kitchen (traced by Loop Lens)'));
        return s.session.liveBlock?.taskName === 'GET /blocking' && s.rendered?.liveBlock != null
          ? s
          : undefined;
      },
      5800,
    );
    assert.equal(
      during.session.liveBlock!.taskName,
      'GET /blocking',
      'names the request that holds the loop',
    );
    assert.ok(during.session.liveBlock!.durationMs < 6000, 'seen before the block ended');
    assert.ok(
      !during.summary.blocks.some((b) => b.durationMs >= 5000),
      'the trace does not have the block yet: only the watchdog could tell',
    );
    // The status bar redraws up to 250 ms after the name comes (statusBar.ts): its own snapshot.
    const bar = await waitFor(
      'the status bar to name the request while it blocks',
      async () => {
        const text = (await latest('Kitchen (traced by Loop Lens)')).statusBar;
        return /blocked now .* in GET \/blocking/.test(text) ? text : undefined;
      },
      5000,
    );
    assert.match(bar, /blocked now .* in GET \/blocking/);
    await longBlock;
    // The first state that has the block has its line: the tracer sends a block together with the
    // samples its watchdog took of it (they came a flush later, and on a loaded machine this read
    // the block where its request began: line 175, the server's listen call).
    const after = await waitFor('the block to land in the trace with its line', async () => {
      const s = await latest('Kitchen (traced by Loop Lens)');
      // (The request's: under js-debug on a loaded machine the kitchen's start-up can hold the loop
      // as long — seen at load 29, at its listen call.)
      const b = s.summary.blocks.find(
        (x) => x.durationMs >= 5900 && s.summary.tasks.find((t) => t.id === x.task)?.name === 'GET /blocking',
      );
      return b !== undefined && s.session.liveBlock === null ? { s, b } : undefined;
    });
    assert.equal(after.b.location?.line, slowLine, 'the block, once over, gets its line');
    assert.doesNotMatch(after.s.statusBar, /blocked now/);

    await stop(session);
    const ended = await waitFor('the session to end', async () => {
      const s = await latest('Kitchen (traced by Loop Lens)');
      return s.session.state === 'ended' ? s : undefined;
    });
    assert.equal(ended.session.problem, null, 'a session the user stopped is not reported as a crash');
    assert.ok(
      ended.rendered!.lanes.some((l) => l.name === 'GET /blocking'),
      'the timeline is kept after the session ends',
    );

    const exported = path.join(os.tmpdir(), `looplens-export-${process.pid}.looplens`);
    const uri = await vscode.commands.executeCommand<vscode.Uri>('looplens.exportSnapshot', {
      format: 'json',
      uri: vscode.Uri.file(exported),
      sessionId: ended.session.id,
    });
    assert.ok(uri !== undefined && fs.statSync(exported).size > 100, 'the trace was exported');
    const reopened = await vscode.commands.executeCommand<string>(
      'looplens.openTrace',
      vscode.Uri.file(exported),
    );
    const again = (await inspect()).find((s) => s.session.id === reopened);
    assert.ok(
      again && again.summary.tasks.some((t) => t.name === 'GET /blocking'),
      'the export opens again into the same timeline',
    );
    fs.rmSync(exported, { force: true });

    // Hidden and shown again, the panel rebuilds itself from the host's data.
    await vscode.commands.executeCommand('looplens.openTimeline', ended.session.id);
    const before = await waitFor('the kitchen timeline in front', async () => {
      const s = (await inspect()).find((x) => x.session.id === ended.session.id)!;
      return s.panelVisible ? s : undefined;
    });
    const column = (before as unknown as { panelColumn: vscode.ViewColumn }).panelColumn;
    await vscode.window.showTextDocument(vscode.Uri.file(path.join(FIXTURES, 'env.js')), {
      viewColumn: column,
      preview: false,
    });
    await waitFor('the timeline to be hidden', async () =>
      (await inspect()).find((x) => x.session.id === ended.session.id)!.panelVisible ? undefined : true,
    );
    // Leave the kitchen's timeline in front for the screenshot.
    await vscode.commands.executeCommand('looplens.openTimeline', ended.session.id);
    const shown = await waitFor('the timeline to draw again', async () => {
      const s = (await inspect()).find((x) => x.session.id === ended.session.id)! as Inspected & {
        renders: number;
      };
      return s.panelVisible && s.renders > (before as Inspected & { renders: number }).renders
        ? s
        : undefined;
    });
    assert.ok(
      shown.rendered!.lanes.some((l) => l.name === 'GET /blocking'),
      'with the same lanes',
    );
    await sleep(1000);
  });
  it('lessons from the kitchen: diagnostics and CodeLenses at the lines, none in the well-behaved routes, gone with the trace', async () => {
    // What earlier tests' traces teach: closing this test's trace must leave exactly that.
    const everything = () =>
      vscode.languages
        .getDiagnostics()
        .flatMap(([u, list]) =>
          list
            .filter((d) => d.source === 'Loop Lens')
            .map((d) => `${u.fsPath}:${d.range.start.line + 1} ${String(d.code)}`),
        )
        .sort();
    await sleep(300);
    const before = everything();
    // The walkthrough's own commands: open the kitchen, start it traced, send it requests.
    const file = await vscode.commands.executeCommand<string>('looplens.openKitchen');
    assert.equal(file, KITCHEN, 'the workspace is the kitchen: it runs from there');
    const port = await vscode.commands.executeCommand<number>('looplens.startKitchen');
    assert.ok(typeof port === 'number' && port > 0, 'the kitchen started');
    const send = async (...routes: string[]) => {
      const replies = await vscode.commands.executeCommand<Array<{ status: number }>>(
        'looplens.kitchenRequest',
        routes,
      );
      assert.deepEqual(
        replies?.map((r) => r.status),
        routes.map(() => 200),
        `${routes.join(', ')} answered`,
      );
    };
    await sleep(1500);
    // The walkthrough opened over the kitchen's timeline (in its group) must not send its requests
    // out of view: the timeline moves beside it, and the walkthrough stays where it is.
    const kitchen = await waitFor('the kitchen timeline', async () =>
      (await inspect()).find(
        (x) =>
          x.session.name.startsWith('Kitchen') && x.session.state === 'running' && x.panelColumn !== null,
      ),
    );
    // The extension host learns which group is active a moment after the focus command returns
    // (later still on a busy machine): wait until it sees the timeline's group active, as it
    // would for someone who clicks the timeline and then opens the palette.
    const focusGroup = async (column: number | null) => {
      const target = Math.min(3, Math.max(1, column ?? 1));
      await vscode.commands.executeCommand(
        [
          'workbench.action.focusFirstEditorGroup',
          'workbench.action.focusSecondEditorGroup',
          'workbench.action.focusThirdEditorGroup',
        ][target - 1],
      );
      await waitFor(`group ${target} active in the extension host`, async () =>
        vscode.window.tabGroups.activeTabGroup.viewColumn === target ? true : undefined,
      );
    };
    await focusGroup(kitchen.panelColumn);
    await vscode.commands.executeCommand(
      'workbench.action.openWalkthrough',
      'looplens.looplens#kitchen',
      false,
    );
    await waitFor('the walkthrough over the timeline', async () =>
      (await inspect()).find((x) => x.session.id === kitchen.session.id && !x.panelVisible),
    );
    // (A short busy request of the route whose lesson is expected: opening and moving editors keeps
    // a 2-core machine busy, and a stall in a well-behaved route would read as CPU work there.)
    await send('/blocking?ms=20');
    const shown = await waitFor('the timeline in view beside the walkthrough', async () =>
      (await inspect()).find((x) => x.session.id === kitchen.session.id && x.panelVisible),
    );
    // And it holds the requests in view rather than following live past them while the user reads
    // (once its new panel's webview has started: it may stall).
    await waitFor(
      'the timeline to watch the requests sent',
      async () => {
        const s = (await inspect()).find((x) => x.session.id === kitchen.session.id);
        return (s?.rendered as { mode?: string } | null)?.mode === 'watch' ? true : undefined;
      },
      TIMELINE_START_MS,
    );
    const walkthrough = vscode.window.tabGroups.all.find(
      (g) =>
        g.activeTab !== undefined &&
        g.viewColumn !== shown.panelColumn &&
        !g.activeTab.label.startsWith('Loop Lens:'),
    );
    assert.ok(
      walkthrough?.activeTab?.label !== undefined,
      `the walkthrough still shows beside the timeline: ${JSON.stringify(vscode.window.tabGroups.all.map((g) => [g.viewColumn, g.activeTab?.label]))}`,
    );
    const closeWalkthrough = async () => {
      for (const group of vscode.window.tabGroups.all)
        for (const tab of group.tabs)
          if (tab.input === undefined && /welcome|walkthrough|kitchen/i.test(tab.label))
            await vscode.window.tabGroups.close(tab);
    };
    await closeWalkthrough();
    // From the palette with the timeline active, the walkthrough opens in another group.
    const moved = (await inspect()).find((x) => x.session.id === kitchen.session.id)!;
    await focusGroup(moved.panelColumn);
    await vscode.commands.executeCommand('looplens.openWalkthrough');
    const tabsNow = () =>
      JSON.stringify(vscode.window.tabGroups.all.map((g) => [g.viewColumn, g.isActive, g.activeTab?.label]));
    await waitFor(
      () => `the walkthrough beside the visible timeline: ${tabsNow()}`,
      async () => {
        const panel = (await inspect()).find((x) => x.session.id === kitchen.session.id);
        const opened = vscode.window.tabGroups.all.some(
          (g) => g.activeTab?.input === undefined && g.viewColumn !== panel?.panelColumn,
        );
        return panel?.panelVisible === true && opened ? true : undefined;
      },
    );
    await closeWalkthrough();
    await sleep(1500);
    await send('/async', '/async', '/parallel', '/cpu-worker');
    // 2 s, not the route's 300 ms: it spins on the wall clock, and at load 39 (2 cores) the thread
    // can be on a CPU for less than the 50 ms block threshold of those 300 ms — a block the lessons
    // rightly put down to the machine (its CPU wait), with no lesson at the line.
    await send('/blocking?ms=2000');
    await send('/async-blocking');
    await send('/sequential');
    await send('/background?ms=400');
    await sleep(600);

    const source = fs.readFileSync(KITCHEN, 'utf8').split('\n');
    const lineOf = (marker: string) => source.findIndex((l) => l.includes(marker)) + 1;
    const uri = vscode.Uri.file(KITCHEN);
    const expected = [
      ['cpuOnLoop', lineOf('the chef stands here')],
      ['blockingCall', lineOf('pbkdf2Sync(')],
      ['sequentialAwaits', lineOf('await fetchMenu()')],
      ['lateBackground', lineOf('talking to the mail server')],
    ];
    const ours = () => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Loop Lens');
    // (Worked out again as the trace comes in: on a loaded machine the first sight of the sequential
    // route may hold two of its three awaits — seen at load 29.)
    const shownNow = () =>
      JSON.stringify(
        ours().map((d) => [
          String(d.code),
          d.range.start.line + 1,
          d.relatedInformation?.map((r) => r.location.range.start.line + 1),
        ]),
      );
    const diagnostics = await waitFor(
      () => `the lessons in Problems: ${shownNow()}`,
      () => {
        const found = ours().map((d) => [String(d.code), d.range.start.line + 1]);
        const whole = ours().some(
          (d) => d.code === 'sequentialAwaits' && (d.relatedInformation?.length ?? 0) >= 2,
        );
        return whole && expected.every(([k, l]) => found.some(([fk, fl]) => fk === k && fl === l))
          ? ours()
          : undefined;
      },
    );
    const sequential = diagnostics.find((d) => d.code === 'sequentialAwaits')!;
    assert.deepEqual(
      sequential.relatedInformation?.map((r) => r.location.range.start.line + 1),
      [lineOf('await fetchStock()'), lineOf('await fetchPrices()')],
      'the other two awaits are related lines',
    );
    assert.equal(sequential.severity, vscode.DiagnosticSeverity.Information);
    const blockingCall = diagnostics.find((d) => d.code === 'blockingCall')!;
    assert.equal(blockingCall.severity, vscode.DiagnosticSeverity.Warning);
    assert.match(blockingCall.message, /crypto\.pbkdf2Sync blocked the event loop/);
    // Nothing in the routes that behave. (On a loaded machine the system can stall the program
    // for tens of milliseconds in any stint: a "CPU-heavy" block under 150 ms there is the
    // machine's, which Node 20 cannot tell from computing — it has no per-thread CPU clock.)
    const stall = (d: vscode.Diagnostic) =>
      d.code === 'cpuOnLoop' && Number(/for (\d+) ms/.exec(d.message)?.[1] ?? Infinity) < 150;
    for (const route of ['/async', '/parallel', '/cpu-worker']) {
      const from = lineOf(`'${route}':`);
      const to = source.findIndex((l, i) => i >= from && /^\s+'\/[\w-]+': /.test(l));
      const inside = diagnostics.filter(
        (d) => d.range.start.line + 1 >= from && d.range.start.line + 1 <= to && !stall(d),
      );
      assert.deepEqual(
        inside.map((d) => d.message),
        [],
        `no lesson in ${route}`,
      );
    }

    // A CodeLens on the busy line goes to the block on the timeline. Waited for: the diagnostics
    // above are every open trace's, and the earlier test's kitchen trace, still open, has a lesson
    // at the line too (its 6 s block) — at load 39 this trace's came after the wait above ended.
    // (Which lens comes first is not settled either: this trace's is found by its session.)
    let lenses: vscode.CodeLens[] = [];
    const lens = await waitFor(
      () =>
        `a CodeLens on the busy line: ${JSON.stringify(lenses.map((l) => [l.command?.title, l.command?.arguments?.[0]]))}`,
      async () => {
        lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>(
          'vscode.executeCodeLensProvider',
          uri,
        );
        return lenses.find(
          (l) =>
            l.command?.command === 'looplens.revealTime' &&
            l.range.start.line + 1 === lineOf('the chef stands here') &&
            (l.command.arguments?.[0] as { sessionId?: string } | undefined)?.sessionId ===
              kitchen.session.id,
        );
      },
    );
    // The route computes for 2 s; a loaded machine can only make the block longer (the stint
    // begins with the request's parsing, preempted too). The earlier trace's block is 6 s.
    const held = /CPU work held the loop (\d+ ms|\d+\.\d s) in GET \/blocking/.exec(lens.command!.title);
    const heldMs = held === null ? NaN : parseFloat(held[1]) * (held[1].endsWith(' s') ? 1000 : 1);
    assert.ok(heldMs >= 1950 && heldMs < 5900, lens.command!.title);
    const args = lens.command!.arguments![0] as { sessionId: string; time: number; durationMs: number };
    // The same from the light bulb (and Problems), for people who turn CodeLenses off.
    const busy = lineOf('the chef stands here') - 1;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(busy, 0, busy, 0),
    );
    const action = actions.find(
      (a) =>
        a.title === 'Loop Lens: Show on Timeline' &&
        (a.command?.arguments?.[0] as { sessionId?: string } | undefined)?.sessionId === kitchen.session.id,
    );
    assert.ok(action, `a code action on the busy line: ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.deepEqual(action.command?.arguments?.[0], args);
    assert.equal(await vscode.commands.executeCommand('looplens.revealTime', args), true);
    await waitFor('the timeline to show the block', async () => {
      const s = (await inspect()).find((x) => x.session.id === args.sessionId) as unknown as {
        rendered: { view: [number, number] } | null;
      };
      const view = s?.rendered?.view;
      return view !== undefined &&
        view[0] < args.time &&
        view[1] > args.time + args.durationMs &&
        view[1] - view[0] < args.durationMs * 4
        ? true
        : undefined;
    });

    // The session ends: its lessons stay while its trace is open, and go when it is closed.
    await vscode.commands.executeCommand('looplens.stopTracing', args.sessionId);
    await waitFor('the kitchen to end', async () => {
      const s = (await inspect()).find((x) => x.session.id === args.sessionId);
      return s?.session.state === 'ended' ? true : undefined;
    });
    assert.ok(ours().length >= 4, 'the lessons stay after the session ends');
    assert.equal(await vscode.commands.executeCommand('looplens.closeTrace', args.sessionId), true);
    await waitFor('the lessons to go with the trace', () =>
      JSON.stringify(everything()) === JSON.stringify(before) ? true : undefined,
    );
    // (Those the earlier tests' traces, still open, teach stay: on a loaded machine the kitchen's
    // first trace can hold a late background email too.)
    for (const kind of ['blockingCall', 'sequentialAwaits', 'lateBackground'])
      assert.equal(
        ours().filter((d) => d.code === kind).length,
        before.filter((b) => b.startsWith(`${KITCHEN}:`) && b.endsWith(` ${kind}`)).length,
        `no ${kind} lesson of this trace once it is closed`,
      );
    assert.ok(!(await inspect()).some((x) => x.session.id === args.sessionId), 'the trace is closed');
    const after = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      uri,
    );
    assert.ok(
      !after.some(
        (l) =>
          (l.command?.arguments?.[0] as { sessionId?: string } | undefined)?.sessionId === args.sessionId,
      ),
      'and so are its CodeLenses',
    );
  });

  it("the kitchen's lessons sent while it is still starting wait for it, rather than saying that it is not running", async () => {
    // The walkthrough's next lesson is one click after "Start": the debugger may not have said
    // that the program started yet (seconds on a busy machine, while it reads the sources).
    const started = vscode.commands.executeCommand<number>('looplens.startKitchen');
    const replies = await Promise.race([
      vscode.commands.executeCommand<Array<{ status: number }>>('looplens.kitchenRequest', ['/async']),
      // (Before, a notification asked to start the kitchen, and the request waited for a click.)
      sleep(60_000).then(() => 'no answer in 60 s'),
    ]);
    const port = await started;
    assert.ok(typeof port === 'number' && port > 0, 'the kitchen started');
    assert.deepEqual(
      typeof replies === 'string' ? replies : replies?.map((r) => r.status),
      [200],
      'the request was answered',
    );
    const kitchen = await latest('Kitchen (traced by Loop Lens)');
    await vscode.commands.executeCommand('looplens.stopTracing', kitchen.session.id);
    await waitFor('the kitchen to end', async () =>
      (await inspect()).find((x) => x.session.id === kitchen.session.id)?.session.state === 'ended'
        ? true
        : undefined,
    );
    assert.equal(await vscode.commands.executeCommand('looplens.closeTrace', kitchen.session.id), true);
  });

  it("steps through the kitchen's task switches, marking the line each task resumes on; exports pictures and a page", async () => {
    const kitchen = (await inspect())
      .filter((s) => s.session.name === 'Kitchen (traced by Loop Lens)' && s.session.state === 'ended')
      .pop();
    assert.ok(kitchen, 'the kitchen session recorded by the test before');
    const sessionId = kitchen.session.id;
    await vscode.commands.executeCommand('looplens.openTimeline', sessionId);
    type Step = {
      index: number;
      count: number;
      to: { id: string; name: string };
      from: { name: string };
      reason: string;
      location: { file: string; line: number } | null;
      text: string;
    };
    const next = () => vscode.commands.executeCommand<Step | null>('looplens.stepNext', { sessionId });
    // Stepping starts from the view. A kitchen that ran longer than the live window (a busy machine:
    // 9.4 s in one CI run) ended showing only its last seconds, so show it all first.
    const viewOf = async () =>
      (
        (await inspect()).find((x) => x.session.id === sessionId)?.rendered as {
          view?: [number, number];
        } | null
      )?.view;
    assert.equal(
      await vscode.commands.executeCommand('looplens.revealTime', {
        sessionId,
        time: 0,
        durationMs: 3_600_000,
      }),
      true,
    );
    await waitFor('the whole kitchen in view', async () => {
      const view = await viewOf();
      return view !== undefined && view[0] <= 0 && view[1] >= 3_600_000 ? true : undefined;
    });
    let step = await next();
    assert.ok(
      step !== null && step.index === 1,
      `the first switch (${JSON.stringify(step)}; view ${JSON.stringify((kitchen.rendered as { view?: unknown } | null)?.view)})`,
    );
    // (The first GET /blocking's 300 ms block is at where its task began when the machine starved
    // its thread through it and nobody sampled it (see the kitchen test): then step on to the 6 s
    // block's request, whose line that test checked.)
    const onto = kitchen.summary.blocks
      .filter((b) => kitchen.summary.tasks.find((t) => t.id === b.task)?.name === 'GET /blocking')
      .sort((a, b) => a.startMs - b.startMs)
      .find((b) => !(b.cpuWaitMs > b.durationMs / 3 && b.located === 'began'));
    for (
      let i = 0;
      i < 400 && step !== null && (step.to.name !== 'GET /blocking' || (onto && step.to.id !== onto.task));
      i++
    )
      step = await next();
    assert.ok(step !== null, 'stepping reaches the blocking request');
    assert.equal(step.reason, 'request');
    const busyLine =
      fs
        .readFileSync(KITCHEN, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('the chef stands here')) + 1;
    assert.deepEqual(
      [step.location?.file, step.location?.line],
      [KITCHEN, busyLine],
      'its line is where its block spent the time',
    );
    const marked = await waitFor('the editor to show the line', async () => {
      const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === KITCHEN);
      const state = (await inspect()) as unknown as Array<{ stepMark: { uri: string; line: number } | null }>;
      return editor !== undefined &&
        state[0].stepMark?.line === busyLine - 1 &&
        editor.selection.active.line === busyLine - 1
        ? editor
        : undefined;
    });
    assert.ok(
      marked.visibleRanges.some((r) => r.contains(new vscode.Position(busyLine - 1, 0))),
      'and it is in view',
    );
    // What the panel drew (its own report), not what the host asked of it.
    const drawnStep = async () =>
      (
        (await inspect()).find((x) => x.session.id === sessionId) as unknown as {
          rendered: { step: Step | null } | null;
        }
      ).rendered?.step ?? null;
    const panelStep = await waitFor('the panel to draw the step', async () => {
      const drawn = await drawnStep();
      return drawn?.index === step!.index ? drawn : undefined;
    });
    assert.equal(panelStep.to.name, 'GET /blocking');
    // Pictures show the view as it is: the step onto the block.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-exports-'));
    const exportAs = async (format: string): Promise<Buffer> => {
      const file = path.join(dir, `kitchen.${format}`);
      const uri = await vscode.commands.executeCommand<vscode.Uri | undefined>('looplens.exportSnapshot', {
        format,
        uri: file,
        sessionId,
      });
      assert.ok(uri !== undefined, `exported ${format}`);
      return fs.readFileSync(file);
    };
    try {
      const png = await exportAs('png');
      // The view as the picture was taken: drawing it reports the frame (the panel may have been
      // laid out again since the last report — an editor opening beside it, say).
      const rendered = (await inspect()).find((x) => x.session.id === sessionId)!.rendered as unknown as {
        width: number;
        height: number;
      };
      assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], 'a PNG');
      const [w, h] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      assert.ok(
        w >= rendered.width && w % rendered.width === 0,
        `as wide as the view (${w} for ${rendered.width})`,
      );
      // The whole panel: header (28 px), the step bar when a step is shown (22), the overview strip
      // (30), the chart as drawn, the legend (24).
      const around = h / (w / rendered.width) - rendered.height;
      assert.ok(
        around === 82 || around === 104,
        `the chart with the panel's bands around it (+${around} px)`,
      );
      const svg = (await exportAs('svg')).toString('utf8');
      assert.match(svg, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, />GET \/blocking</);
      // The route computes for 300 ms; a loaded machine can only make the block longer. (A block
      // narrower than its label is drawn without it: on a loaded machine the trace is longer and
      // the picture at this zoom may leave every label out; then the summary must hold the block.)
      const blocks = [...svg.matchAll(/>block (\d+) ms</g)].map((m) => Number(m[1]));
      assert.ok(
        blocks.some((ms) => ms >= 300) ||
          (blocks.length === 0 &&
            kitchen.summary.blocks.some(
              (b) =>
                b.durationMs >= 300 &&
                kitchen.summary.tasks.find((t) => t.id === b.task)?.name === 'GET /blocking',
            )),
        `the 300 ms block is drawn with its length (${blocks.join(', ')} ms)`,
      );
      const html = (await exportAs('html')).toString('utf8');
      const trace = await exportAs('json');
      assert.ok(html.includes(trace.toString('base64')), 'the page carries the whole trace');
      const chrome = JSON.parse((await exportAs('chrome')).toString('utf8')) as { traceEvents: unknown[] };
      assert.ok(chrome.traceEvents.length > 10);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const back = await vscode.commands.executeCommand<Step | null>('looplens.stepPrevious', { sessionId });
    assert.equal(back?.index, step.index - 1, 'and back one switch');

    // The host steps on its own: with the timeline hidden behind an editor (its webview gone), the
    // next switch is found at once and its line marked; the timeline shows it once it is back.
    const panelTab = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputWebview && t.label.includes('Kitchen (traced'));
    const hideIn = panelTab()?.group.viewColumn;
    assert.ok(hideIn !== undefined, 'the timeline has a tab');
    const kitchenDoc = await vscode.workspace.openTextDocument(KITCHEN);
    await vscode.window.showTextDocument(kitchenDoc, {
      viewColumn: hideIn,
      preview: false,
      preserveFocus: false,
    });
    await waitFor('the timeline to be hidden', async () =>
      panelTab()?.isActive === false ? true : undefined,
    );
    const hiddenStep = await next();
    assert.equal(hiddenStep?.index, step.index, 'stepped with the timeline hidden');
    assert.equal(hiddenStep?.location?.line, busyLine);
    await waitFor('the line marked', async () => {
      const state = (await inspect()) as unknown as Array<{ stepMark: { uri: string; line: number } | null }>;
      return state[0].stepMark?.line === busyLine - 1 ? true : undefined;
    });
    await waitFor('the timeline back, showing the step', async () =>
      (await drawnStep())?.index === step!.index ? true : undefined,
    );
    const again = await vscode.commands.executeCommand<Step | null>('looplens.stepPrevious', { sessionId });
    assert.equal(again?.index, step.index - 1);

    // Onto the block again, for the screenshot — with Alt+] pressed in the source editor the step
    // opened: the keys work there too, not only in the timeline.
    const source = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === KITCHEN)!;
    await vscode.window.showTextDocument(source.document, {
      viewColumn: source.viewColumn,
      preserveFocus: false,
    });
    if (await pressKeys(['Alt+BracketRight'])) {
      await waitFor('Alt+] in the source editor to step', async () => {
        const s = (await inspect()).find((x) => x.session.id === sessionId) as unknown as {
          step: Step | null;
        };
        return s.step?.index === step!.index ? true : undefined;
      });
    } else {
      await next();
    }
    await sleep(500);
  });

  it('the kitchen, traced, stepped beside the walkthrough: its lines open in a group of their own under the walkthrough, and the walkthrough and the timeline stay in view, the timeline as wide as before', async () => {
    const kitchen = (await inspect())
      .filter((s) => s.session.name === 'Kitchen (traced by Loop Lens)' && s.session.state === 'ended')
      .pop();
    assert.ok(kitchen, 'the kitchen session recorded by the test before');
    const file = path.join(os.tmpdir(), `looplens-walkthrough-${process.pid}.looplens`);
    await vscode.commands.executeCommand('looplens.exportSnapshot', {
      format: 'json',
      uri: vscode.Uri.file(file),
      sessionId: kitchen.session.id,
    });
    // (Opened again after it was closed, the walkthrough's tab is the Welcome page's.)
    const isWalkthrough = (tab: vscode.Tab | undefined) =>
      tab !== undefined && tab.input === undefined && /walkthrough|welcome/i.test(tab.label);
    const tabs = () =>
      JSON.stringify(vscode.window.tabGroups.all.map((g) => [g.viewColumn, g.activeTab?.label]));
    try {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // The walkthrough's layout: the walkthrough, and the timeline beside it.
      await vscode.commands.executeCommand(
        'workbench.action.openWalkthrough',
        'looplens.looplens#kitchen',
        false,
      );
      await waitFor(
        () => `the walkthrough active: ${tabs()}`,
        () => (isWalkthrough(vscode.window.tabGroups.activeTabGroup.activeTab) ? true : undefined),
      );
      const sessionId = await vscode.commands.executeCommand<string>(
        'looplens.openTrace',
        vscode.Uri.file(file),
      );
      assert.ok(sessionId !== undefined, 'the trace opened');
      const widthOf = async () =>
        ((await inspect()).find((x) => x.session.id === sessionId)?.rendered as { width?: number } | null)
          ?.width ?? 0;
      let shown = 'no panel yet';
      await waitFor(
        () => `the timeline beside the walkthrough (${shown}): ${tabs()}`,
        async () => {
          const s = (await inspect()).find((x) => x.session.id === sessionId);
          shown = `panel ${s?.panelVisible ? 'visible' : 'hidden'}, ${s?.rendered?.lanes.length ?? 'no'} lanes drawn`;
          return s?.panelVisible && (s.rendered?.lanes.length ?? 0) > 0 ? true : undefined;
        },
        // A webview whose start stalls is opened again after 5 s, then 10 s, then 20 s
        // (timelinePanel.ts): the 20 s this waited ran out at load 45-67.
        TIMELINE_START_MS,
      );
      const before = await widthOf();
      const step = await vscode.commands.executeCommand<{ location: { file: string; line: number } | null }>(
        'looplens.stepNext',
        { sessionId },
      );
      const line = step?.location?.file === KITCHEN ? step.location.line : null;
      assert.ok(line !== null, `a step onto the kitchen's code: ${JSON.stringify(step)}`);
      const code = await waitFor(
        () => `the step's line in view: ${tabs()}`,
        () =>
          vscode.window.visibleTextEditors.find(
            (e) => e.document.uri.fsPath === KITCHEN && e.selection.active.line === line - 1,
          ),
      );
      // Opened in the group beside the timeline, the line went over the walkthrough.
      const walkthrough = vscode.window.tabGroups.all.find((g) => isWalkthrough(g.activeTab));
      assert.ok(walkthrough !== undefined, `the walkthrough still in view: ${tabs()}`);
      const timeline = (await inspect()).find((x) => x.session.id === sessionId)!;
      assert.ok(timeline.panelVisible, `the timeline still in view: ${tabs()}`);
      assert.ok(
        code.viewColumn !== walkthrough.viewColumn && code.viewColumn !== timeline.panelColumn,
        `the code in a group of its own: ${tabs()}`,
      );
      // Under the walkthrough, not in a third column: the timeline keeps its width (a third column
      // beside the debugger's side bar left it and the code ~340 px of a 1400 px window). A panel
      // made narrower draws again: wait a while for that frame, which need not come.
      const renders = async () =>
        ((await inspect()).find((x) => x.session.id === sessionId) as { renders?: number } | undefined)
          ?.renders ?? 0;
      const drawn = await renders();
      await waitFor('a frame', async () => ((await renders()) > drawn ? true : undefined), 3000).catch(
        () => undefined,
      );
      await sleep(500);
      const after = await widthOf();
      assert.ok(
        after >= before * 0.9,
        `the timeline as wide as before the step (${before} px; now ${after} px): ${tabs()}`,
      );
      // A second step opens its line in the same group (no group more).
      const groups = vscode.window.tabGroups.all.length;
      await vscode.commands.executeCommand('looplens.stepNext', { sessionId });
      await sleep(1000);
      assert.equal(vscode.window.tabGroups.all.length, groups, `no new group: ${tabs()}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }
  });

  it('a timeline moved beside the walkthrough stays open when a file is previewed in its group', async () => {
    // The walkthrough covers the kitchen's timeline in its group; a request from the walkthrough
    // brings the timeline back beside it. Moved there, it must be a kept tab, not a preview (its
    // title in italics): the next preview opened in its group (a file single-clicked in the
    // Explorer, a step's line) would close it, and the live timeline with it.
    const timelineTab = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find(
          (t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('looplens.timeline'),
        );
    const tabs = () =>
      JSON.stringify(
        vscode.window.tabGroups.all.map((g) => [
          g.viewColumn,
          g.tabs.map((t) => `${t.label}${t.isPreview ? ' (preview)' : ''}${t.isActive ? ' *' : ''}`),
        ]),
      );
    // (What earlier tests left open stays: closing an ended trace's timeline closes the trace.)
    const port = await vscode.commands.executeCommand<number>('looplens.startKitchen');
    assert.ok(typeof port === 'number' && port > 0, 'the kitchen started');
    const kitchen = await waitFor('the kitchen timeline', async () =>
      (await inspect()).find(
        (x) =>
          x.session.name.startsWith('Kitchen') && x.session.state === 'running' && x.panelColumn !== null,
      ),
    );
    try {
      const column = Math.min(3, Math.max(1, kitchen.panelColumn ?? 1));
      await vscode.commands.executeCommand(
        [
          'workbench.action.focusFirstEditorGroup',
          'workbench.action.focusSecondEditorGroup',
          'workbench.action.focusThirdEditorGroup',
        ][column - 1],
      );
      await waitFor(`group ${column} active in the extension host`, async () =>
        vscode.window.tabGroups.activeTabGroup.viewColumn === column ? true : undefined,
      );
      await vscode.commands.executeCommand(
        'workbench.action.openWalkthrough',
        'looplens.looplens#kitchen',
        false,
      );
      await waitFor(
        () => `the walkthrough over the timeline: ${tabs()}`,
        async () => (await inspect()).find((x) => x.session.id === kitchen.session.id && !x.panelVisible),
      );
      const replies = await vscode.commands.executeCommand<Array<{ status: number }>>(
        'looplens.kitchenRequest',
        ['/async'],
      );
      assert.deepEqual(
        replies?.map((r) => r.status),
        [200],
        'the request was answered',
      );
      // (In a group of its own: a panel the extension host has just asked for says the column it was
      // asked for, ViewColumn.Beside, until VS Code says where it is.)
      const shown = await waitFor(
        () => `the timeline in view beside the walkthrough: ${tabs()}`,
        async () =>
          (await inspect()).find(
            (x) =>
              x.session.id === kitchen.session.id &&
              x.panelVisible &&
              (x.panelColumn ?? 0) > 0 &&
              x.panelColumn !== column,
          ),
        TIMELINE_START_MS,
      );
      const beside = shown.panelColumn!;
      // A file previewed in the timeline's group (as a single click in the Explorer opens one there).
      const other = path.join(path.dirname(KITCHEN), 'fibWorker.js');
      await vscode.window.showTextDocument(vscode.Uri.file(other), {
        viewColumn: beside,
        preview: true,
        preserveFocus: true,
      });
      await waitFor(
        () => `the file previewed in the timeline's group: ${tabs()}`,
        () =>
          vscode.window.tabGroups.all
            .find((g) => g.viewColumn === beside)
            ?.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === other)
            ? true
            : undefined,
      );
      await sleep(500);
      await workbench({
        shot: path.join(process.env.LOOPLENS_TRACER_LOG_DIR ?? os.tmpdir(), 'timeline-kept.png'),
      });
      const after = (await inspect()).find((x) => x.session.id === kitchen.session.id);
      assert.equal(after?.panelColumn, beside, `the timeline still open in its group: ${tabs()}`);
      const tab = timelineTab();
      assert.ok(tab !== undefined && !tab.isPreview, `the timeline a kept tab, not a preview: ${tabs()}`);
      // And the live timeline shows the request sent.
      await vscode.window.tabGroups.close(
        vscode.window.tabGroups.all
          .find((g) => g.viewColumn === beside)!
          .tabs.filter((t) => t.input instanceof vscode.TabInputText),
      );
      await waitFor(
        () => `the timeline to draw the request: ${tabs()}`,
        async () => {
          const s = (await inspect()).find((x) => x.session.id === kitchen.session.id);
          return s?.panelVisible && s.rendered?.lanes.some((l) => l.name === 'GET /async') ? true : undefined;
        },
        TIMELINE_START_MS,
      );
    } finally {
      await vscode.commands.executeCommand('looplens.stopTracing', kitchen.session.id);
      await waitFor('the kitchen to end', async () =>
        (await inspect()).find((x) => x.session.id === kitchen.session.id)?.session.state === 'ended'
          ? true
          : undefined,
      );
      await vscode.commands.executeCommand('looplens.closeTrace', kitchen.session.id);
      // (All at once: a tab closed alone can close its group, and the tabs of the groups after it
      // are then no longer found.)
      const opened = vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter(
          (tab) =>
            (tab.input === undefined && /welcome|walkthrough/i.test(tab.label)) ||
            (tab.input instanceof vscode.TabInputText && tab.input.uri.fsPath.endsWith('fibWorker.js')),
        );
      await vscode.window.tabGroups.close(opened).then(undefined, () => undefined);
    }
  });

  it('runs a Python file traced in a terminal: its asyncio tasks and blocks on a live timeline', async function () {
    // The path that needs no Python extension: a terminal running the file with the tracer.
    const { spawnSync } = await import('node:child_process');
    const python = ['/usr/bin/python3', 'python3'].find(
      (p) => spawnSync(p, ['-c', 'import sys; assert sys.version_info >= (3, 11)']).status === 0,
    );
    if (python === undefined) this.skip();
    const program = path.join(ROOT, 'test', 'fixtures', 'python', 'kitchen.py');
    const id = await vscode.commands.executeCommand<string | undefined>('looplens.runPythonFile', {
      program,
      python,
    });
    assert.ok(id !== undefined, 'a session started');
    try {
      const source = fs.readFileSync(program, 'utf8').split('\n');
      const lineOf = (marker: string) => source.findIndex((l) => l.includes(marker)) + 1;
      const wanted = [lineOf('computes here'), lineOf('sleeps here')];
      // Wait for both blocks by their lines, not for a count of blocks: on a loaded machine the
      // program's first step may itself pass the block threshold, before the other two come.
      let seen = 'no session yet';
      const s = await waitFor(
        () =>
          `the Python program on its timeline, with blocks at lines ${wanted.join(' and ')} (seen: ${seen})`,
        async () => {
          const found = (await inspect()).find((x) => x.session.id === id);
          if (found === undefined) return undefined;
          const lines = found.summary.blocks.map((b) => b.location?.line);
          seen = `blocks at ${lines.join(', ')}; tasks ${found.summary.tasks.map((t) => t.name).join(', ')}`;
          return wanted.every((l) => lines.includes(l)) &&
            found.summary.tasks.some((t) => t.name === 'fetch_stock')
            ? found
            : undefined;
        },
        60_000,
      );
      assert.match(s.session.name, /^Python: kitchen\.py$/);
      const names = s.summary.tasks.map((t) => t.name);
      for (const name of ['kitchen.py', 'main', 'fetch_menu', 'fetch_stock'])
        assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
      await waitFor(
        'its timeline drawn',
        async () => {
          const found = (await inspect()).find((x) => x.session.id === id);
          return found?.panelVisible === true && found.rendered?.lanes.some((l) => l.name === 'fetch_menu')
            ? true
            : undefined;
        },
        TIMELINE_START_MS,
      );
    } finally {
      for (const t of vscode.window.terminals) if (t.name === 'Loop Lens: kitchen.py') t.dispose();
    }
    await waitFor('the session over once its terminal is closed', async () =>
      (await inspect()).find((x) => x.session.id === id && x.session.state === 'ended'),
    );
  });

  it('"looplens": true on a debugpy launch traces the Python program it launches', async function () {
    // The Python extension (debugpy) cannot be installed offline: a stand-in adapter for its type
    // runs the launch as debugpy would — the program, with the launch's environment — and ends the
    // session when it exits. What is tested is Loop Lens's part: the configuration it resolves.
    const { spawnSync } = await import('node:child_process');
    const python = ['/usr/bin/python3', 'python3'].find(
      (p) => spawnSync(p, ['-c', 'import sys; assert sys.version_info >= (3, 11)']).status === 0,
    );
    if (python === undefined) this.skip();
    const program = path.join(ROOT, 'test', 'fixtures', 'python', 'kitchen.py');
    await vscode.commands.executeCommand('looplensTest.debugpyStandIn', python);
    try {
      const started = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
        type: 'debugpy',
        request: 'launch',
        name: 'Python kitchen (debugpy)',
        program,
        looplens: true,
      });
      assert.ok(started, 'the launch started');
      const s = await waitFor('the launched Python program on its timeline, ended', async () =>
        (await inspect()).find(
          (x) =>
            x.session.name === 'Python kitchen (debugpy)' &&
            x.session.state === 'ended' &&
            x.summary.tasks.some((t) => t.name === 'fetch_stock') &&
            x.summary.blocks.length >= 2,
        ),
      );
      assert.equal(s.session.problem, null);
      const launched = await vscode.commands.executeCommand<vscode.DebugConfiguration>(
        'looplensTest.debugpyLaunched',
      );
      const env = launched?.env as Record<string, string>;
      assert.ok(
        env.PYTHONPATH.split(path.delimiter)[0].endsWith(path.join('dist', 'python')),
        env.PYTHONPATH,
      );
      assert.ok('socket' in JSON.parse(env.LOOPLENS_OPTIONS), 'live: the session socket and token');
    } finally {
      await vscode.commands.executeCommand('looplensTest.debugpyStandIn', null);
    }
  });

  it("after a window reload, a trace file's timeline reads its file again; one whose file is gone, or whose traced run ended, says so in a marked tab, with a way on", async function () {
    type Left = { dir: string };
    // (Only the code-server runner reloads a window and goes on: the desktop runner has no such command.)
    if (!(await vscode.commands.getCommands(true)).includes('looplensTest.reloadWindow')) this.skip();
    const left = await vscode.commands.executeCommand<Left | undefined>('looplensTest.resumed');
    const timelineTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs.map((tab) => ({ tab, group: g })))
        .filter(
          ({ tab }) =>
            tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('looplens.timeline'),
        );
    if (left === undefined) {
      // Before the reload: two trace files open, and a traced program running.
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-reload-'));
      const kept = path.join(dir, 'kept.looplens');
      const gone = path.join(dir, 'gone.looplens');
      const ticker = path.join(dir, 'ticker.js');
      for (const file of [kept, gone])
        fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'golden', 'server.looplens'), file);
      // (It ends by itself: the reload may leave it running without its debugger.)
      fs.writeFileSync(ticker, 'setInterval(() => {}, 50);\nsetTimeout(() => process.exit(0), 60_000);\n');
      for (const file of [kept, gone])
        assert.ok(await vscode.commands.executeCommand('looplens.openTrace', vscode.Uri.file(file)));
      await start({ type: 'node', request: 'launch', name: 'ticker', program: ticker, looplens: true });
      await waitFor(
        'three timelines drawn',
        async () => {
          const drawn = (await inspect()).filter(
            (x) =>
              ['kept.looplens', 'gone.looplens', 'ticker'].includes(x.session.name) &&
              (x.rendered?.lanes.length ?? 0) > 0,
          );
          return drawn.length === 3 ? true : undefined;
        },
        // A webview whose start stalls is opened again after 5 s, then 10 s, then 20 s
        // (timelinePanel.ts): all three stalled twice at load 20, and the 20 s this waited ran out.
        TIMELINE_START_MS,
      );
      fs.rmSync(gone);
      await vscode.commands.executeCommand('looplensTest.reloadWindow', { dir } satisfies Left);
      return;
    }
    // After the reload. VS Code restores a hidden webview's tab only when it is shown: show each.
    try {
      await waitFor(
        "the three timelines' tabs back",
        () => (timelineTabs().length >= 3 ? true : undefined),
        60_000,
      );
      const focusGroup = [
        'workbench.action.focusFirstEditorGroup',
        'workbench.action.focusSecondEditorGroup',
        'workbench.action.focusThirdEditorGroup',
        'workbench.action.focusFourthEditorGroup',
      ];
      // The page each gone trace's tab shows (the file still there shows its timeline again).
      const expected: Array<[string, RegExp | null]> = [
        ['kept.looplens', null],
        ['gone.looplens', /gone\.looplens is no longer there/],
        ['Loop Lens: ticker', /"ticker" ended when the window reloaded/],
      ];
      const pages: string[] = [];
      for (const [name, words] of expected) {
        // (By its name: a panel whose start stalled is opened again, in a tab of its own.)
        const tabOf = () => timelineTabs().find(({ tab }) => tab.label.replace(/ \(.*\)$/, '') === name);
        const { tab, group } = await waitFor(`the tab of ${name}`, tabOf);
        await vscode.commands.executeCommand(focusGroup[group.viewColumn - 1]);
        await vscode.commands.executeCommand('workbench.action.openEditorAtIndex', group.tabs.indexOf(tab));
        await waitFor(`the tab of ${name} shown`, () => (tabOf()?.tab.isActive ? true : undefined));
        if (words === null) continue;
        // Its page shows once its webview has started, seconds after its tab at load (restored
        // webviews wait for a service worker): a start that stalls is made again after 5 s, then
        // 10 s, then 20 s. (The page of gone.looplens stalls at its first start on purpose: run.mjs.)
        let seen: string[] = [];
        const shown = await waitFor(
          () => `the page of ${name} (pages seen: ${JSON.stringify(seen)})`,
          async () => {
            const texts = await workbench({ read: 'body.looplens-gone', frames: true });
            if (texts === undefined) return null;
            seen = texts.map((p) => p.replace(/\s+/g, ' '));
            return seen.find((p) => words.test(p));
          },
          60_000,
        );
        if (shown === null) this.skip();
        pages.push(shown);
      }
      const labels = timelineTabs()
        .map(({ tab }) => tab.label)
        .sort();
      assert.deepEqual(
        labels,
        // (A file's name says Loop Lens already: timelineTitle.)
        ['Loop Lens: ticker (ended)', 'gone.looplens (missing)', 'kept.looplens'],
        'the tabs say which trace is gone',
      );
      // The file still there is read again and drawn.
      await waitFor(
        'kept.looplens drawn again',
        async () =>
          (await inspect()).find(
            (x) => x.session.name === 'kept.looplens' && (x.rendered?.lanes.length ?? 0) > 0,
          ),
        TIMELINE_START_MS,
      );
      const [missing, ended] = pages;
      assert.ok(missing.includes(path.join(left.dir, 'gone.looplens')), missing);
      assert.match(missing, /Open Trace File…/);
      assert.match(ended, /Start Debugging with Event Loop Tracing…/);
      // Its button starts tracing as the command does: here, by asking which launch configuration.
      const tickerTab = timelineTabs().find(({ tab }) => tab.label === 'Loop Lens: ticker (ended)')!;
      await vscode.commands.executeCommand(focusGroup[tickerTab.group.viewColumn - 1]);
      await vscode.commands.executeCommand(
        'workbench.action.openEditorAtIndex',
        tickerTab.group.tabs.indexOf(tickerTab.tab),
      );
      const rows = await workbench({
        click: 'button[data-action="startTracing"]',
        read: '.quick-input-widget .monaco-list-row',
      });
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      assert.ok(
        rows?.some((r) => r.includes('Kitchen (traced by Loop Lens)')),
        `the launch configurations offered: ${JSON.stringify(rows)}`,
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(left.dir, { recursive: true, force: true });
    }
  });
});
