/**
 * The timeline panels: one webview panel per traced session, beside the editor. A panel is a view
 * of its session and nothing more: on `ready` it gets everything so far (`reset`), then new trace
 * bytes in batches (`append`) and session changes; it can be hidden, shown, reloaded or restored
 * after a window reload and rebuilds itself from the host's data each time.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import * as path from 'node:path';
import {
  FromWebviewMessage,
  ImageFormat,
  RenderedState,
  RestoredAction,
  SourceLocation,
  StepInfo,
  ToWebviewMessage,
  WebviewState,
} from '../webview/protocol';
import { diskFiles } from '../host/diskFiles';
import { SourceMapper } from '../model/sourceMaps';
import { COMMANDS, CONTEXT_KEYS, NODE_DEBUG_TYPES, VIEW_TYPES } from './ids';
import { KITCHEN_SESSION } from './kitchen';
import { timelineTitle } from './names';
import { TraceSession, TraceSessions } from './traceSessions';

/** Live data is sent in batches at most this often, ms (the webview draws once per frame). */
const BATCH_MS = 50;
/**
 * A shown webview that has not started after this long is opened again in a new panel, then after
 * twice and four times as long (START_ATTEMPTS in all): stalls seen in code-server under load
 * outlasted 20 s (the webview's service worker gives up on an unanswered resource request only
 * after 30 s, which may be what they wait for).
 */
const START_MS = 5000;
const START_ATTEMPTS = 3;
/** How long a command waits for the timeline to start (all its attempts), ms. */
const START_WAIT_MS = START_MS * (2 ** START_ATTEMPTS - 1) + 5000;
/** How long a request to the webview (a step, an image) may take before it is given up, ms. */
const REPLY_MS = 15_000;

export class TimelinePanel implements vscode.Disposable {
  lastRendered: RenderedState | null = null;
  /** How many frames the webview reported drawing (for tests: a reset draws again). */
  renders = 0;
  private ready = false;
  /** Where the webview's scripts and styles are (to load it again when its start stalls). */
  private readonly assets: vscode.Uri;
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;
  private readonly stepped = new vscode.EventEmitter<StepInfo | null>();
  /** The step cursor moved, by a command or in the panel itself. */
  readonly onDidStep = this.stepped.event;
  /** The step cursor's switch, as the webview last reported it. */
  lastStep: StepInfo | null = null;
  private readonly readyWaiters: Array<() => void> = [];
  /** Waiting for the webview to draw the trace's lanes (see drawn). */
  private readonly drawWaiters: Array<() => void> = [];
  private readonly snapshotWaiters = new Map<number, (reply: { data?: string; error?: string }) => void>();
  private nextRequest = 1;
  private startTimer: ReturnType<typeof setTimeout> | null = null;
  /** How many times the start was found stalled since the timeline last started (see watchStart). */
  private stalls = 0;
  private disposed = false;
  /** The listeners of the panel now shown (a stalled one is replaced, see watchStart). */
  private readonly panelListeners: vscode.Disposable[] = [];
  private readonly icon: vscode.Uri;
  /** How many webview panels have shown this timeline (more than one when a start stalled). */
  opened = 0;
  /**
   * The lesson's work the view watches (see watch), kept to ask for again when the webview is
   * rebuilt; `shown` once the webview reported watching it (a later report of another mode means
   * the user moved the view: the watch is over).
   */
  private watching: { since: number; shown: boolean } | null = null;

  constructor(
    /** The webview panel now showing the timeline (a new one replaces a panel whose start stalled). */
    public panel: vscode.WebviewPanel,
    readonly session: TraceSession,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.assets = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    this.icon = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    this.attach(panel);
    this.watchStart();
    this.disposables.push(
      session.onDidAppend((bytes) => this.queue(bytes)),
      session.onDidReset(() => {
        if (!this.ready) return;
        this.pending = [];
        this.post({
          type: 'reset',
          session: this.session.info(),
          bytes: this.session.bytes(),
          pauses: this.session.pauses,
        });
        // A panel built again (it was hidden) shows the cursor where the host left it.
        if (this.session.stepper.cursor !== null)
          this.post({ type: 'cursor', time: this.session.stepper.cursor.time });
        this.postWatch();
      }),
      session.onDidChange(() => this.schedule()),
    );
  }

  /** Shows the timeline in `panel` and listens to it. */
  private attach(panel: vscode.WebviewPanel): void {
    panel.webview.options = { enableScripts: true, localResourceRoots: [this.assets] };
    panel.iconPath = this.icon;
    this.opened++;
    // The VS Code tests stall the first panel of one session on purpose, to see it replaced.
    const stall = this.opened === 1 && process.env.LOOPLENS_TEST_STALL_TIMELINE === this.session.name;
    panel.webview.html = this.html(panel.webview, this.assets, stall);
    this.panelListeners.push(
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) => this.received(message)),
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => {
        // A hidden webview is let go (its state is rebuilt from the host's data when shown again).
        if (!panel.visible) this.ready = false;
        else this.watchStart();
      }),
    );
  }

  /**
   * A webview that is shown but has not said `ready` within a few seconds is opened again in a new
   * panel where the old one was: the browser can stall a webview's start for good (seen in
   * code-server under load: its frame waits for a service worker that never takes it over, and
   * setting its HTML again does not help), and the user would otherwise look at an empty panel.
   */
  private watchStart(): void {
    if (this.startTimer !== null) clearTimeout(this.startTimer);
    this.startTimer = setTimeout(
      () => {
        this.startTimer = null;
        if (this.ready || !this.panel.visible || this.disposed) return;
        const attempt = ++this.stalls;
        if (attempt > START_ATTEMPTS) {
          this.log.error(`the timeline of "${this.session.name}" did not start; close it and open it again`);
          void vscode.window.showErrorMessage(
            `Loop Lens: the timeline of "${this.session.name}" did not start. Close it and run Loop Lens: Open Timeline.`,
          );
          return;
        }
        this.log.warn(`the timeline of "${this.session.name}" did not start; opening it again (${attempt})`);
        this.replacePanel();
        this.watchStart();
      },
      START_MS * 2 ** Math.min(this.stalls, START_ATTEMPTS - 1),
    );
  }

  /**
   * Moves the hidden timeline beside the active editor, without taking the focus: in a new panel
   * there, not by revealing this one there. VS Code opens a webview panel revealed in another group
   * as a preview tab (its title in italics; createWebviewPanel pins the panels it makes, reveal
   * does not), and the next preview opened in that group — a file single-clicked in the Explorer, a
   * step's line — closed it, and the live timeline with it. A hidden panel's webview is let go
   * anyway: the new one is built from the host's data as the old one would have been.
   */
  moveBeside(): void {
    if (this.panel.visible) return;
    this.replacePanel(vscode.ViewColumn.Beside, true);
    this.watchStart();
  }

  /**
   * Opens the timeline in a new panel (pinned) in the old one's place, or in `column`, and closes
   * the old one.
   */
  private replacePanel(column?: vscode.ViewColumn, preserveFocus?: boolean): void {
    const old = this.panel;
    let fresh: vscode.WebviewPanel;
    try {
      fresh = vscode.window.createWebviewPanel(
        VIEW_TYPES.timeline,
        old.title,
        {
          viewColumn: column ?? old.viewColumn ?? vscode.ViewColumn.Beside,
          preserveFocus: preserveFocus ?? !old.active,
        },
        { enableScripts: true, retainContextWhenHidden: false },
      );
    } catch (error) {
      this.log.error(`could not open the timeline again: ${(error as Error).message}`);
      return;
    }
    // The old panel's listeners go first: its disposal is no closing of the timeline.
    for (const d of this.panelListeners.splice(0)) d.dispose();
    this.ready = false;
    this.panel = fresh;
    this.attach(fresh);
    old.dispose();
  }

  private html(webview: vscode.Webview, assets: vscode.Uri, stall = false): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    const session = this.session;
    const state: WebviewState = {
      sessionId: session.id,
      name: session.name,
      kind: session.state === 'file' ? 'file' : 'live',
      ...(session.source !== undefined ? { file: session.source.toString() } : {}),
    };
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Loop Lens</title>
</head>
<body data-session="${encodeURIComponent(JSON.stringify(state))}">
${stall ? '' : `<script nonce="${nonce}" src="${script.toString()}"></script>`}
</body>
</html>`;
  }

  private received(message: FromWebviewMessage): void {
    switch (message?.type) {
      case 'ready':
        this.ready = true;
        this.stalls = 0;
        this.pending = [];
        // A panel built again shows the trace afresh: what the old one showed is gone.
        this.lastRendered = null;
        this.post({
          type: 'reset',
          session: this.session.info(),
          bytes: this.session.bytes(),
          pauses: this.session.pauses,
        });
        // A panel built again (it was hidden) shows the cursor where the host left it.
        if (this.session.stepper.cursor !== null)
          this.post({ type: 'cursor', time: this.session.stepper.cursor.time });
        this.postWatch();
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        return;
      case 'stepped':
        // Stepped in the panel (a key, a button): the host's cursor goes there too.
        if (message.step !== null && !this.session.stepper.moveTo(message.step.time))
          this.session.stepper.clear();
        this.lastStep = message.step;
        this.stepped.fire(message.step);
        return;
      case 'snapshot': {
        const resolve = this.snapshotWaiters.get(message.requestId);
        this.snapshotWaiters.delete(message.requestId);
        resolve?.({ data: message.data, error: message.error });
        return;
      }
      case 'export':
        void vscode.commands.executeCommand(COMMANDS.exportSnapshot, { sessionId: this.session.id });
        return;
      case 'rendered':
        this.lastRendered = message.state;
        this.renders++;
        if (this.watching !== null) {
          if (message.state.mode === 'watch') this.watching.shown = true;
          else if (this.watching.shown) this.watching = null;
        }
        if (message.state.laneCount > 0) for (const resolve of this.drawWaiters.splice(0)) resolve();
        return;
      case 'openSource':
        void openSource(message.location, () => this.panel.viewColumn);
        return;
      case 'log':
        this.log[message.level === 'error' ? 'error' : message.level === 'warn' ? 'warn' : 'info'](
          `webview: ${message.message}`,
        );
        return;
      case 'restoredAction':
      case 'restoredStarted':
        // (A restored page's, sent just before this panel took the page over.)
        return;
      default:
        this.log.warn(
          `ignored an unknown message from the timeline: ${JSON.stringify(message).slice(0, 200)}`,
        );
    }
  }

  private queue(bytes: Uint8Array): void {
    if (!this.ready) return;
    this.pending.push(bytes);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, BATCH_MS);
  }

  private flush(): void {
    if (!this.ready) return;
    if (this.pending.length > 0) {
      const size = this.pending.reduce((n, b) => n + b.length, 0);
      const bytes = new Uint8Array(size);
      let at = 0;
      for (const b of this.pending) {
        bytes.set(b, at);
        at += b.length;
      }
      this.pending = [];
      this.post({ type: 'append', bytes });
    }
    this.post({ type: 'session', session: this.session.info() });
    this.post({ type: 'pauses', pauses: this.session.pauses });
  }

  private post(message: ToWebviewMessage): void {
    void this.panel.webview.postMessage(message);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  /** Resolves once the webview is up and has its data (it is rebuilt whenever it was hidden). */
  private async whenReady(): Promise<void> {
    if (!this.panel.visible) this.panel.reveal(undefined, true);
    if (this.ready && this.panel.visible) return;
    // Someone waits for it: a start that stalls is loaded again, as when the panel is first shown
    // (a panel left not ready without a change of view, never watched, kept a CodeLens's "show on
    // the timeline" waiting its whole deadline).
    if (this.startTimer === null) this.watchStart();
    await this.withDeadline(
      new Promise<void>((resolve) => this.readyWaiters.push(resolve)),
      'the timeline did not start',
      START_WAIT_MS,
    );
  }

  private async withDeadline<T>(promise: Promise<T>, what: string, ms = REPLY_MS): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
    });
    try {
      return await Promise.race([promise, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolves once the webview has drawn lanes (the whole trace, for a file: it comes in one
   * reset), or after `ms` (a trace with no lanes, a webview that does not start).
   */
  drawn(ms: number): Promise<void> {
    if (this.ready && (this.lastRendered?.laneCount ?? 0) > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.drawWaiters.push(done);
    });
  }

  /** Shows the host's step in the panel: its data first, then the cursor on that switch. */
  async showStep(step: StepInfo): Promise<void> {
    this.lastStep = step;
    this.stepped.fire(step);
    await this.whenReady();
    this.flush();
    this.post({ type: 'cursor', time: step.time });
  }

  /**
   * Shows the work the program begins from now on (the requests a lesson of the walkthrough is
   * about to send) and keeps it in view while it goes on, instead of following live, until the
   * user moves the view — also after the webview is rebuilt (it was hidden behind another tab).
   */
  watchFromNow(): void {
    // The newest time the host has seen is no later than the program's clock now: the requests
    // sent next begin after it.
    this.watching = { since: this.session.timeline.endTime, shown: false };
    // The step cursor (and its line marked in the editor) belongs to what was looked at before;
    // the webview takes its own away when it watches.
    if (this.session.stepper.cursor !== null) {
      this.session.stepper.clear();
      this.lastStep = null;
      this.stepped.fire(null);
    }
    if (this.ready) this.postWatch();
  }

  private postWatch(): void {
    if (this.watching === null) return;
    this.watching.shown = false;
    this.post({ type: 'watch', since: this.watching.since });
  }

  /** Shows the stretch [time, time + durationMs] (trace clock) in the middle of the view. */
  async revealTime(time: number, durationMs: number): Promise<void> {
    await this.whenReady();
    this.post({ type: 'reveal', time, durationMs });
  }

  /** The view as the user sees it, drawn by the webview: PNG bytes or SVG text (as UTF-8). */
  async image(format: ImageFormat): Promise<Uint8Array> {
    await this.whenReady();
    const requestId = this.nextRequest++;
    const reply = new Promise<{ data?: string; error?: string }>((resolve) =>
      this.snapshotWaiters.set(requestId, resolve),
    );
    this.post({ type: 'snapshot', requestId, format });
    const { data, error } = await this.withDeadline(reply, 'the timeline did not draw the image').finally(
      () => this.snapshotWaiters.delete(requestId),
    );
    if (data === undefined) throw new Error(error ?? 'the timeline sent no image');
    if (format === 'svg') return new TextEncoder().encode(data);
    const comma = data.indexOf(',');
    if (!data.startsWith('data:image/png;base64,') || comma < 0) throw new Error('the timeline sent no PNG');
    return Buffer.from(data.slice(comma + 1), 'base64');
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.startTimer !== null) clearTimeout(this.startTimer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    for (const d of this.panelListeners.splice(0)) d.dispose();
    for (const resolve of this.drawWaiters.splice(0)) resolve();
    this.closed.fire();
    this.closed.dispose();
    this.stepped.dispose();
  }
}

/**
 * A location as the editor should show it: compiled JavaScript with a source map on disk (tsc's
 * output, a bundle) maps to its source. Programs run with source maps enabled are mapped by the
 * tracer already.
 */
export function sourceLocation(location: SourceLocation): SourceLocation {
  return new SourceMapper(diskFiles).map(location);
}

export async function openSource(
  generated: { file: string; line: number; column: number },
  /** The column of the timeline it was asked from, read when the line's column is chosen. */
  panelColumn: () => vscode.ViewColumn | undefined = () => undefined,
): Promise<void> {
  const location = sourceLocation(generated);
  try {
    const uri = location.file.includes('://')
      ? vscode.Uri.parse(location.file)
      : vscode.Uri.file(location.file);
    const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
    await vscode.window.showTextDocument(uri, {
      viewColumn: await sourceColumn(panelColumn),
      selection: new vscode.Range(position, position),
      preserveFocus: false,
    });
  } catch (error) {
    // A trace recorded on another machine (or before the file moved) names files that are not
    // here: say so, rather than the editor's "unable to resolve nonexistent file".
    const missing =
      !location.file.includes('://') &&
      (await vscode.workspace.fs.stat(vscode.Uri.file(location.file)).then(
        () => false,
        () => true,
      ));
    void vscode.window.showWarningMessage(
      missing
        ? `Loop Lens could not open ${location.file}:${location.line}: there is no such file here. The trace may have been recorded on another machine or before the file moved; open it where its program's files are.`
        : `Loop Lens could not open ${location.file}:${location.line}: ${(error as Error).message}`,
    );
  }
}

/** The editor column beside a panel: the first one, unless the panel is in it. */
export function besideColumn(panelColumn: vscode.ViewColumn | undefined): vscode.ViewColumn {
  return panelColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Two : vscode.ViewColumn.One;
}

/**
 * Whether a group shows a workbench page rather than a document or a panel: the walkthrough (its
 * tab has no input the API can name), the welcome page, the settings editor.
 */
function showsPage(group: vscode.TabGroup): boolean {
  const tab = group.activeTab;
  return tab !== undefined && tab.input === undefined;
}

/** The commands that focus the first eight editor groups, by view column. */
const FOCUS_GROUP = [
  'workbench.action.focusFirstEditorGroup',
  'workbench.action.focusSecondEditorGroup',
  'workbench.action.focusThirdEditorGroup',
  'workbench.action.focusFourthEditorGroup',
  'workbench.action.focusFifthEditorGroup',
  'workbench.action.focusSixthEditorGroup',
  'workbench.action.focusSeventhEditorGroup',
  'workbench.action.focusEighthEditorGroup',
];

/**
 * Where a source line opens beside a timeline: the column beside it (besideColumn), unless that
 * column shows a page the user is reading — the walkthrough whose lesson sent the requests, laid
 * out walkthrough | timeline — which a step's line opened over, out of sight. Then another group
 * that is neither the timeline's nor a page's, else a new group below the page's. Not a new
 * column to the right: beside the side bar the debugger opens, a 1400 px window then showed four
 * columns of ~340 px (the walkthrough's buttons out of view, the timeline too narrow to read, the
 * code cut); under the walkthrough the line keeps the column's width, the timeline its own and
 * its full height. Creating that group takes the focus; the caller gives it back where it was.
 */
export function sourceColumn(panelColumn: () => vscode.ViewColumn | undefined): Promise<vscode.ViewColumn> {
  // One at a time, each with the timeline's column as it is then (a group made for the line
  // renumbers the columns after it): steps in quick succession (N held down) each made a group.
  const next = choosing.then(() => chooseSourceColumn(panelColumn()));
  choosing = next.catch(() => undefined);
  return next;
}

/** Resolves once there are not `count` editor groups any more, or after a second. */
function groupsChange(count: number): Promise<void> {
  if (vscode.window.tabGroups.all.length !== count) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      listener.dispose();
      resolve();
    };
    const timer = setTimeout(done, 1000);
    const listener = vscode.window.tabGroups.onDidChangeTabGroups(() => {
      if (vscode.window.tabGroups.all.length !== count) done();
    });
  });
}

/** The choice of a column for a source line in progress (see sourceColumn). */
let choosing: Promise<unknown> = Promise.resolve();

async function chooseSourceColumn(panelColumn: vscode.ViewColumn | undefined): Promise<vscode.ViewColumn> {
  const groups = vscode.window.tabGroups.all;
  const beside = besideColumn(panelColumn);
  const there = groups.find((g) => g.viewColumn === beside);
  if (there === undefined || !showsPage(there)) return beside;
  const free = groups.find((g) => g.viewColumn !== panelColumn && !showsPage(g));
  if (free !== undefined) return free.viewColumn;
  const focus = FOCUS_GROUP[there.viewColumn - 1];
  if (focus !== undefined) {
    try {
      await vscode.commands.executeCommand(focus);
      await vscode.commands.executeCommand('workbench.action.newGroupBelow');
      // (The extension host hears of the new group a moment later.)
      await groupsChange(groups.length);
      const made = vscode.window.tabGroups.activeTabGroup;
      if (made.tabs.length === 0) return made.viewColumn;
    } catch {
      // (A workbench without these commands: a column to the right, as before.)
    }
  }
  return Math.max(...vscode.window.tabGroups.all.map((g) => g.viewColumn)) + 1;
}

/** What a timeline restored after a window reload needs of the commands (Commands sets it). */
export interface RestoreActions {
  /** Reads the trace file into `panel` as its timeline; the reason when it cannot be read. */
  openInto(uri: vscode.Uri, panel: vscode.WebviewPanel): Promise<string | null>;
  /** Starts tracing (a launch configuration's name, else as the command does); whether it started. */
  startTracing(launchName?: string): Promise<boolean>;
}

/** The end of a restored timeline's tab title when its trace is gone, by what it showed. */
const GONE_MARKS = { live: 'ended', file: 'missing', unknown: 'closed' } as const;

export class TimelinePanels implements vscode.Disposable, vscode.WebviewPanelSerializer<WebviewState> {
  private readonly panels = new Map<string, TimelinePanel>();
  /** Set by Commands: how a restored panel opens its file again or starts tracing. */
  restoreActions: RestoreActions | null = null;
  /** Restored panels that show why their trace is gone (until they show a timeline again). */
  private readonly gone = new Map<vscode.WebviewPanel, GonePage>();
  private readonly stepped = new vscode.EventEmitter<{ panel: TimelinePanel; step: StepInfo | null }>();
  /** Some panel's step cursor moved. */
  readonly onDidStep = this.stepped.event;
  private disposing = false;

  constructor(
    private readonly sessions: TraceSessions,
    private readonly extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Shows the session's timeline beside the editor, opening it if needed. */
  show(session: TraceSession, preserveFocus = true): TimelinePanel {
    const open = this.panels.get(session.id);
    if (open !== undefined) {
      open.panel.reveal(undefined, preserveFocus);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(
      VIEW_TYPES.timeline,
      timelineTitle(session.name),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adopt(panel, session);
  }

  /** Shows the session's timeline in a panel VS Code made for it (a trace file's editor). */
  showIn(panel: vscode.WebviewPanel, session: TraceSession): TimelinePanel {
    return this.adopt(panel, session);
  }

  /**
   * Shows the session's timeline without taking the focus and without covering the active editor
   * (the walkthrough whose button sent the kitchen a request, say): a timeline hidden under it in
   * the same group moves beside it (a kept tab there, see TimelinePanel.moveBeside).
   */
  showUncovered(session: TraceSession): TimelinePanel {
    const open = this.panels.get(session.id);
    if (open === undefined) return this.show(session, true);
    if (!open.panel.visible) {
      const sameGroup = open.panel.viewColumn === vscode.window.tabGroups.activeTabGroup.viewColumn;
      if (sameGroup) open.moveBeside();
      else open.panel.reveal(undefined, true);
    }
    return open;
  }

  private adopt(panel: vscode.WebviewPanel, session: TraceSession): TimelinePanel {
    const view = new TimelinePanel(panel, session, this.extensionUri, this.log);
    this.panels.set(session.id, view);
    this.updateContext();
    const steps = view.onDidStep((step) => this.stepped.fire({ panel: view, step }));
    view.onDidClose(() => {
      steps.dispose();
      this.panels.delete(session.id);
      this.updateContext();
      this.stepped.fire({ panel: view, step: null });
      // Closing the timeline of a trace that is over closes the trace (and its lessons); a live
      // session keeps recording and its timeline can be opened again.
      if (!this.disposing && (session.state === 'ended' || session.state === 'file'))
        this.sessions.remove(session);
    });
    return view;
  }

  /**
   * After a window reload: the panel comes back with its session if the host still has it. A
   * reload ends the extension host, and the sessions with it: a trace file's timeline reads its
   * file again; one whose file is gone, or a traced run's (the reload ended its debug session),
   * says what happened and offers what to do, its tab title marked — not an empty panel under the
   * title it had, beside the new timeline of the same name.
   */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: WebviewState | undefined): Promise<void> {
    const session = state?.sessionId !== undefined ? this.sessions.get(state.sessionId) : undefined;
    if (session !== undefined) {
      this.adopt(panel, session);
      return;
    }
    let reason: string | null = null;
    if (state?.kind === 'file' && state.file !== undefined) {
      const uri = vscode.Uri.parse(state.file);
      const there = await vscode.workspace.fs.stat(uri).then(
        () => true,
        () => false,
      );
      if (!there) reason = null;
      else if (this.restoreActions === null) reason = 'Loop Lens was not ready to read it';
      else {
        reason = await this.restoreActions.openInto(uri, panel);
        if (reason === null) {
          panel.title = timelineTitle(state.name ?? path.basename(uri.path));
          return;
        }
      }
    }
    this.showGone(panel, state, reason);
  }

  /**
   * A restored panel whose trace is gone: what happened and what to do, its title marked. Its start
   * is watched as a timeline's is (TimelinePanel.watchStart): restored webviews start together and
   * the browser can stall one for good (it waits for a service worker that took another over), and
   * the user would look at an empty tab. A page not started within START_MS is made again in a new
   * panel in its place, then after twice and four times as long; `stalls` counts those so far.
   */
  private showGone(
    panel: vscode.WebviewPanel,
    state: WebviewState | undefined,
    reason: string | null,
    stalls = 0,
  ): void {
    const kind = state?.kind ?? 'unknown';
    const base =
      state?.name !== undefined
        ? timelineTitle(state.name)
        : panel.title.replace(/ \((?:ended|missing|closed)\)$/, '') || 'Loop Lens';
    panel.title = `${base} (${GONE_MARKS[kind]})`;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    const file = state?.file !== undefined ? vscode.Uri.parse(state.file) : undefined;
    // A run from a launch configuration of the workspace can be started again by its name.
    const launches = vscode.workspace
      .getConfiguration('launch', vscode.workspace.workspaceFolders?.[0])
      .get<vscode.DebugConfiguration[]>('configurations', []);
    const again =
      kind === 'live' &&
      launches.some(
        (c) => c.name === state?.name && (NODE_DEBUG_TYPES as readonly string[]).includes(c.type),
      );
    panel.webview.options = { enableScripts: true, localResourceRoots: [] };
    // The VS Code tests stall the first page built for one trace on purpose, to see it made again.
    const stall = stalls === 0 && process.env.LOOPLENS_TEST_STALL_RESTORED === state?.name;
    panel.webview.html = gonePage({
      state: state ?? { sessionId: '' },
      kind,
      file: file?.scheme === 'file' ? file.fsPath : file?.toString(),
      reason,
      // The walkthrough's kitchen starts again as the walkthrough starts it (on a free port).
      again: kind === 'live' && state?.name === KITCHEN_SESSION ? 'kitchen' : again ? 'launch' : null,
      stall,
    });
    this.forgetGone(panel);
    const page: GonePage = { listeners: [], timer: null, started: false, stalls };
    const watch = () => {
      if (page.timer !== null) clearTimeout(page.timer);
      page.timer = setTimeout(
        () => {
          page.timer = null;
          if (page.started || !panel.visible || this.gone.get(panel) !== page) return;
          this.goneStalled(panel, state, reason, page.stalls + 1);
        },
        START_MS * 2 ** Math.min(page.stalls, START_ATTEMPTS - 1),
      );
    };
    page.listeners.push(
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) => {
        if (message?.type === 'restoredStarted') {
          page.started = true;
          page.stalls = 0;
          if (page.timer !== null) clearTimeout(page.timer);
          page.timer = null;
        }
        if (message?.type === 'restoredAction') void this.restoredAction(panel, message.action, state, file);
      }),
      panel.onDidChangeViewState(() => {
        // A hidden webview is let go, and built again from its page when shown.
        if (!panel.visible) page.started = false;
        else if (!page.started) watch();
      }),
      panel.onDidDispose(() => this.forgetGone(panel)),
    );
    this.gone.set(panel, page);
    if (panel.visible) watch();
  }

  /** A restored page that did not start: made again in a new panel in its place (see showGone). */
  private goneStalled(
    panel: vscode.WebviewPanel,
    state: WebviewState | undefined,
    reason: string | null,
    attempt: number,
  ): void {
    const name = state?.name ?? panel.title;
    if (attempt > START_ATTEMPTS) {
      this.log.error(`the page of the restored timeline "${name}" did not start; close it`);
      return;
    }
    this.log.warn(`the page of the restored timeline "${name}" did not start; opening it again (${attempt})`);
    let fresh: vscode.WebviewPanel;
    try {
      fresh = vscode.window.createWebviewPanel(
        VIEW_TYPES.timeline,
        panel.title,
        { viewColumn: panel.viewColumn ?? vscode.ViewColumn.Beside, preserveFocus: !panel.active },
        { enableScripts: true, retainContextWhenHidden: false },
      );
    } catch (error) {
      this.log.error(`could not open the restored timeline's page again: ${(error as Error).message}`);
      return;
    }
    this.forgetGone(panel);
    panel.dispose();
    this.showGone(fresh, state, reason, attempt);
  }

  private forgetGone(panel: vscode.WebviewPanel): void {
    const page = this.gone.get(panel);
    if (page === undefined) return;
    for (const d of page.listeners) d.dispose();
    if (page.timer !== null) clearTimeout(page.timer);
    this.gone.delete(panel);
  }

  /** A button of a restored panel's page: a trace file read into the panel, or a run started. */
  private async restoredAction(
    panel: vscode.WebviewPanel,
    action: RestoredAction,
    state: WebviewState | undefined,
    file: vscode.Uri | undefined,
  ): Promise<void> {
    const actions = this.restoreActions;
    if (actions === null) return;
    if (action === 'openTrace') {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Loop Lens traces': ['looplens'], 'All files': ['*'] },
        title: 'Open a Loop Lens trace',
        ...(file !== undefined ? { defaultUri: vscode.Uri.joinPath(file, '..') } : {}),
      });
      if (picked?.[0] === undefined) return;
      this.forgetGone(panel);
      const reason = await actions.openInto(picked[0], panel);
      if (reason === null) panel.title = timelineTitle(path.basename(picked[0].path));
      else this.showGone(panel, state, reason);
      return;
    }
    // A new run opens a timeline of its own: this one has nothing more to say.
    const started =
      action === 'startKitchen'
        ? (await vscode.commands.executeCommand<number | undefined>(COMMANDS.startKitchen)) !== undefined
        : await actions.startTracing(action === 'startAgain' ? state?.name : undefined);
    if (started) panel.dispose();
  }

  get(sessionId: string): TimelinePanel | undefined {
    return this.panels.get(sessionId);
  }

  /**
   * Whether a timeline is open (the context key CONTEXT_KEYS.timelineOpen): the step keys work from
   * the source editor a step opened, not only from the timeline itself.
   */
  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.timelineOpen, this.panels.size > 0);
  }

  all(): TimelinePanel[] {
    return [...this.panels.values()];
  }

  /** The panel the user is looking at: the active one, else the newest visible one. */
  current(): TimelinePanel | undefined {
    const all = this.all();
    return all.find((p) => p.panel.active) ?? all.filter((p) => p.panel.visible).pop();
  }

  dispose(): void {
    this.disposing = true;
    for (const panel of [...this.gone.keys()]) this.forgetGone(panel);
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
    this.stepped.dispose();
  }
}

/** A restored panel's page of a trace that is gone, and its start watched (see showGone). */
interface GonePage {
  listeners: vscode.Disposable[];
  timer: ReturnType<typeof setTimeout> | null;
  /** The page's script ran: its webview started. */
  started: boolean;
  /** How many times this page was made again, its start stalled. */
  stalls: number;
}

/** The page of a restored timeline whose trace is gone: what happened, and buttons for what to do. */
function gonePage(page: {
  state: WebviewState;
  kind: 'live' | 'file' | 'unknown';
  /** The trace file it showed (a path, or a URI elsewhere). */
  file: string | undefined;
  /** Why the file, still there, could not be read again; null when it is not there. */
  reason: string | null;
  /** How the run starts again: the kitchen demo, a launch configuration of its name, or as the command does. */
  again: 'kitchen' | 'launch' | null;
  /** For the VS Code tests: a page that never starts (no body, no script), as a stalled webview. */
  stall?: boolean;
}): string {
  const text = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const nonce = randomBytes(16).toString('base64');
  const name = page.state.name ?? '';
  const button = (action: RestoredAction, label: string, primary = false) =>
    `<button type="button" data-action="${action}"${primary ? ' class="primary"' : ''}>${text(label)}</button>`;
  let heading: string;
  let body: string;
  let buttons: string[];
  if (page.kind === 'live') {
    heading = `"${name}" ended when the window reloaded`;
    body = `Reloading the window ended the debug session this timeline traced, and its trace lived in the window: there is nothing left to show. Start the program again to record a new timeline. (A trace kept with <b>Loop Lens: Export Timeline Snapshot…</b> as a Loop Lens trace opens again after a reload.)`;
    buttons = [
      page.again === 'kitchen'
        ? button('startKitchen', 'Start the Kitchen Demo with Tracing', true)
        : page.again === 'launch'
          ? button('startAgain', `Start "${name}" Again`, true)
          : button('startTracing', 'Start Debugging with Event Loop Tracing…', true),
      button('openTrace', 'Open Trace File…'),
    ];
  } else if (page.kind === 'file' && page.reason !== null) {
    heading = `Loop Lens cannot open ${path.basename(page.file ?? name)} again`;
    body = `${text(page.reason.charAt(0).toUpperCase() + page.reason.slice(1))}. This timeline showed <code>${text(page.file ?? name)}</code>.`;
    buttons = [button('openTrace', 'Open Trace File…', true)];
  } else if (page.kind === 'file') {
    heading = `${path.basename(page.file ?? name)} is no longer there`;
    body = `This timeline showed <code>${text(page.file ?? name)}</code>, which was deleted or moved before the window reloaded. Open it where it is now, or another trace.`;
    buttons = [button('openTrace', 'Open Trace File…', true)];
  } else {
    heading = 'This timeline’s trace is closed';
    body =
      'It belonged to a trace that closed when the window reloaded. Open a trace file, or start a program traced.';
    buttons = [
      button('openTrace', 'Open Trace File…', true),
      button('startTracing', 'Start Debugging with Event Loop Tracing…'),
    ];
  }
  const csp = `default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'`;
  if (page.stall === true)
    return `<!DOCTYPE html><html lang="en"><head><title>Loop Lens</title></head><body></body></html>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<title>Loop Lens</title>
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 1em 2em; max-width: 52em; }
code { font-family: var(--vscode-editor-font-family); }
button { font: inherit; margin: 0 0.5em 0.5em 0; padding: 4px 12px; border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; cursor: pointer; color: var(--vscode-button-secondaryForeground); background: var(--vscode-button-secondaryBackground); }
button.primary { color: var(--vscode-button-foreground); background: var(--vscode-button-background); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
</style>
</head><body class="looplens-gone" data-state="${text(encodeURIComponent(JSON.stringify(page.state)))}">
<h2>${text(heading)}</h2>
<p>${body}</p>
<p>${buttons.join('')}</p>
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
// Kept for the next reload: this page is made again from it.
vscode.setState(JSON.parse(decodeURIComponent(document.body.dataset.state)));
// Started: the host watches for this (a webview whose start stalls is made again).
vscode.postMessage({ type: 'restoredStarted' });
for (const b of document.querySelectorAll('button[data-action]'))
  b.addEventListener('click', () => vscode.postMessage({ type: 'restoredAction', action: b.dataset.action }));
</script>
</body></html>`;
}
