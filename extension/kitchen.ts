/**
 * The kitchen demo, for the walkthrough: open it, start it traced, send it requests — each a
 * command (with arguments, so that walkthrough links and tests can run them without a prompt).
 *
 * The kitchen ships inside the extension (dist/kitchen, copied by the build). It runs from the
 * workspace when the workspace is the kitchen (or holds examples/kitchen), else from a copy in the
 * extension's storage, which is refreshed when the shipped one changes.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS } from './ids';

const KITCHEN_FILES = ['server.js', 'fibWorker.js'];
export const KITCHEN_SESSION = 'Kitchen (traced by Loop Lens)';
/** Several requests sent together start this far apart, ms. */
const STAGGER_MS = 20;
/** A request to the kitchen that takes longer than this is given up, ms. */
const REQUEST_MS = 30_000;

export const KITCHEN_ROUTES: ReadonlyArray<{ route: string; what: string }> = [
  { route: '/blocking', what: 'a handler that burns 300 ms of CPU: every other dish waits' },
  { route: '/async', what: 'a handler that awaits 100 ms of I/O: dishes overlap' },
  { route: '/background', what: 'answers at once, then keeps cooking after the response' },
  { route: '/parallel', what: 'three 200 ms waits with Promise.all' },
  { route: '/sequential', what: 'the same three waits one after another' },
  { route: '/cpu', what: 'heavy CPU work on the loop' },
  { route: '/cpu-worker', what: 'the same work in a worker_threads pool' },
  { route: '/async-blocking', what: 'a blocking call inside an async function' },
  { route: '/blocking?ms=3000', what: 'a 3-second block: watch it while it happens' },
];

export interface KitchenReply {
  route: string;
  status: number;
  ms: number;
  body: string;
}

export class Kitchen implements vscode.Disposable {
  private port: number | null = null;
  private session: vscode.DebugSession | null = null;
  /**
   * A start under way: the debugger can take many seconds to say the program started (it reads the
   * program's sources first), while the program already runs and the walkthrough's next lesson is
   * one click away — whose requests then wait for it instead of saying the kitchen is not running.
   */
  private starting: Promise<number | undefined> | null = null;
  private readonly disposables: vscode.Disposable[];

  constructor(
    private readonly extensionPath: string,
    private readonly storage: vscode.Uri,
    /**
     * Brings the timeline of the kitchen's debug session into view without taking the focus, where
     * the walkthrough (or whatever is active) does not hide it, holding in view the requests sent
     * next (following live, a lesson's block left the view while the user read about it).
     */
    private readonly showTimeline: (session: vscode.DebugSession) => void = () => undefined,
  ) {
    this.disposables = [
      vscode.commands.registerCommand(COMMANDS.openKitchen, () => this.open()),
      vscode.commands.registerCommand(COMMANDS.startKitchen, () => this.start()),
      vscode.commands.registerCommand(COMMANDS.kitchenRequest, (routes?: string | string[]) =>
        this.request(routes),
      ),
      // A kitchen started some other way (the demo workspace's launch configuration) is used too.
      vscode.debug.onDidStartDebugSession((s) => {
        if (s.parentSession !== undefined || this.session !== null) return;
        const port = kitchenPort(s.configuration);
        if (port === null) return;
        this.session = s;
        this.port = port;
      }),
      vscode.debug.onDidTerminateDebugSession((s) => {
        if (s === this.session) {
          this.session = null;
          this.port = null;
        }
      }),
    ];
  }

  /** Where the kitchen's server.js is: in the workspace if it is there, else a copy of the shipped one. */
  private async locate(): Promise<string> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      for (const candidate of ['server.js', path.join('examples', 'kitchen', 'server.js')]) {
        const file = path.join(folder.uri.fsPath, candidate);
        if (fs.existsSync(file) && fs.existsSync(path.join(path.dirname(file), 'fibWorker.js'))) {
          const text = fs.readFileSync(file, 'utf8');
          if (text.includes('The Loop Lens kitchen')) return file;
        }
      }
    }
    const shipped = path.join(this.extensionPath, 'dist', 'kitchen');
    const target = path.join(this.storage.fsPath, 'kitchen');
    await fs.promises.mkdir(target, { recursive: true });
    for (const name of KITCHEN_FILES) {
      const from = path.join(shipped, name);
      const to = path.join(target, name);
      const text = await fs.promises.readFile(from, 'utf8');
      const old = await fs.promises.readFile(to, 'utf8').catch(() => null);
      if (old !== text) await fs.promises.writeFile(to, text);
    }
    return path.join(target, 'server.js');
  }

  /** Opens the kitchen's source in the editor; returns its path. */
  async open(): Promise<string | undefined> {
    try {
      const file = await this.locate();
      // Clicked in the walkthrough (or another workbench page, not a document): the code opens
      // beside it, which stays in view with its next step (opened over it, in its group, the
      // walkthrough went out of sight). A traced start then opens the timeline beside the
      // walkthrough too, in front of the code: walkthrough | timeline, two columns.
      const active = vscode.window.tabGroups.activeTabGroup.activeTab;
      const fromPage = active !== undefined && active.input === undefined;
      await vscode.window.showTextDocument(vscode.Uri.file(file), {
        preview: false,
        ...(fromPage ? { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } : {}),
      });
      return file;
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Loop Lens could not open the kitchen: ${(error as Error).message}`,
      );
      return undefined;
    }
  }

  /** Starts the kitchen under the debugger with tracing on; returns its port. */
  async start(): Promise<number | undefined> {
    if (this.session !== null && this.port !== null) {
      void vscode.window.showInformationMessage(
        `Loop Lens: the kitchen is already open on port ${this.port}.`,
      );
      return this.port;
    }
    this.starting ??= Promise.resolve(
      vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: 'Loop Lens: starting the kitchen with tracing…',
        },
        () => this.startNow(),
      ),
    ).finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async startNow(): Promise<number | undefined> {
    const file = await this.open();
    if (file === undefined) return undefined;
    const port = await freePort();
    let session: vscode.DebugSession | undefined;
    let heard: (() => void) | null = null;
    const listener = vscode.debug.onDidStartDebugSession((s) => {
      if (s.name === KITCHEN_SESSION || s.configuration.program === file) {
        session ??= s;
        heard?.();
      }
    });
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'node',
      request: 'launch',
      name: KITCHEN_SESSION,
      program: file,
      cwd: path.dirname(file),
      looplens: true,
      env: { PORT: String(port) },
      console: 'internalConsole',
      // The lessons are read in the walkthrough and on the timeline: the Debug Console, opened at
      // the start, took a third of a 900 px window's height to say "Kitchen open at …" (it is one
      // click away, and a kitchen that fails to start says so in a notification).
      internalConsoleOptions: 'neverOpen',
    });
    // The wait for the session counts from here: on a busy machine js-debug took over 20 s to
    // start the kitchen, and a wait counted from the call said it "could not start" a kitchen
    // that was running a moment later.
    if (ok && session === undefined)
      await new Promise<void>((resolve) => {
        heard = resolve;
        setTimeout(resolve, 20_000);
      });
    listener.dispose();
    if (!ok || session === undefined) {
      void vscode.window.showErrorMessage(
        'Loop Lens could not start the kitchen. Is the JavaScript debugger (ms-vscode.js-debug) enabled?',
      );
      return undefined;
    }
    this.session = session;
    this.port = port;
    await waitForPort(port, 15_000).catch(() => undefined);
    return port;
  }

  /**
   * Sends requests to the running kitchen: a route, or several together (20 ms apart, in order).
   * Without an argument, asks which. Says what came back.
   */
  async request(routes?: string | string[]): Promise<KitchenReply[] | undefined> {
    if (this.port === null && this.starting !== null) await this.starting;
    if (this.port === null) {
      const start = await vscode.window.showInformationMessage(
        'The kitchen is not running. Start it with tracing first.',
        'Start the Kitchen',
      );
      if (start === undefined) return undefined;
      if ((await this.start()) === undefined) return undefined;
    }
    let list = typeof routes === 'string' ? [routes] : Array.isArray(routes) ? routes : undefined;
    if (list === undefined) {
      const picked = await vscode.window.showQuickPick(
        KITCHEN_ROUTES.map((r) => ({ label: `GET ${r.route}`, detail: r.what, route: r.route })),
        { title: 'Send a request to the kitchen', placeHolder: 'Which lesson?' },
      );
      if (picked === undefined) return undefined;
      list = [picked.route];
    }
    const valid = list.filter(
      (r): r is string => typeof r === 'string' && r.startsWith('/') && r.length < 200,
    );
    if (valid.length === 0) return undefined;
    const port = this.port!;
    // The lesson is on the timeline: it must be in view when the requests arrive, not behind the
    // walkthrough whose button sent them, and stay there while the user reads about it.
    if (this.session !== null) this.showTimeline(this.session);
    // Together, but a moment apart so that they arrive in the order given (the dishes already
    // simmering when a blocking one comes in are the lesson).
    const replies = await Promise.all(
      valid.map((route, i) => sleep(i * STAGGER_MS).then(() => get(port, route))),
    );
    const text = replies
      .map((r) => (r.status > 0 ? `GET ${r.route} → ${r.status} in ${r.ms} ms` : `GET ${r.route}: ${r.body}`))
      .join(' · ');
    vscode.window.setStatusBarMessage(`Kitchen: ${text}`, 8000);
    return replies;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/** The port of a launch configuration that runs the kitchen, or null when it runs something else. */
function kitchenPort(config: vscode.DebugConfiguration): number | null {
  if (config.request !== 'launch' || typeof config.program !== 'string') return null;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  const program = config.program.replace('${workspaceFolder}', folder);
  try {
    if (
      path.basename(program) !== 'server.js' ||
      !fs.readFileSync(program, 'utf8').includes('The Loop Lens kitchen')
    )
      return null;
  } catch {
    return null;
  }
  const env = (config.env ?? {}) as Record<string, unknown>;
  const port = Number(env.PORT ?? 3000);
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

function get(port: number, route: string): Promise<KitchenReply> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: route, timeout: REQUEST_MS }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk.slice(0, 1000)));
      res.on('end', () => resolve({ route, status: res.statusCode ?? 0, ms: Date.now() - started, body }));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in time')));
    req.on('error', (error) => resolve({ route, status: 0, ms: Date.now() - started, body: error.message }));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error('the kitchen did not open');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
