/**
 * The commands. Every command that would ask for something (a file, a format) also takes it as an
 * argument, so tests, tasks and keybindings can run it without a dialog.
 */
import { EXPORT_FORMATS, ExportFormat } from '../host/exportFormats';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chromeTraceChunks } from '../model/chromeExport';
import { readViewer, snapshotHtmlParts } from '../host/snapshotHtml';
import { readTraceSteps, refusal } from '../host/traceFile';
import { TraceFormatError } from '../protocol/reader';
import {
  COMMANDS,
  CONTEXT_KEYS,
  LAUNCH_ATTRIBUTE,
  NODE_DEBUG_TYPES,
  SETTINGS,
  VIEW_TYPES,
  WALKTHROUGH,
} from './ids';
import { fileLaunch, runnableFile } from './names';
import { numberSetting } from './settings';
import { TimelinePanel, TimelinePanels } from './timelinePanel';
import { StepInfo } from '../webview/protocol';
import { TraceSession, TraceSessions } from './traceSessions';
import type { RevealArgs } from './lessons';

/**
 * Trace files this large or larger are read with a progress notification (about a second of
 * reading and drawing on this kind of machine; a smaller one would only flash it).
 */
const PROGRESS_BYTES = 8 * 2 ** 20;
/** How long the notification waits for the webview to draw a large trace, ms. */
const DRAW_WAIT_MS = 30_000;

export type { ExportFormat };

export interface StepArgs {
  sessionId?: string;
}

export interface ExportArgs {
  format?: ExportFormat;
  uri?: vscode.Uri | string;
  sessionId?: string;
}

export class Commands implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[];
  /** The page of a refused trace file, while it is the active editor. */
  private activeRefused: vscode.WebviewPanel | null = null;

  constructor(
    private readonly sessions: TraceSessions,
    private readonly panels: TimelinePanels,
    private readonly log: vscode.LogOutputChannel,
    inspect: () => unknown,
    private readonly extensionPath: string,
  ) {
    this.disposables = [
      vscode.commands.registerCommand(COMMANDS.startTracing, (arg?: unknown) => this.startTracing(arg)),
      vscode.commands.registerCommand(COMMANDS.openTimeline, (sessionId?: string) =>
        this.openTimeline(sessionId),
      ),
      vscode.commands.registerCommand(COMMANDS.openWalkthrough, () => openWalkthrough()),
      vscode.commands.registerCommand(COMMANDS.openTrace, (uri?: vscode.Uri | string) => this.openTrace(uri)),
      vscode.commands.registerCommand(COMMANDS.exportSnapshot, (args?: ExportArgs) =>
        this.exportSnapshot(args),
      ),
      vscode.commands.registerCommand(COMMANDS.stopTracing, (sessionId?: string) =>
        this.stopTracing(sessionId),
      ),
      vscode.commands.registerCommand(COMMANDS.inspectState, inspect),
      vscode.commands.registerCommand(COMMANDS.revealTime, (args?: RevealArgs) => this.revealTime(args)),
      vscode.commands.registerCommand(COMMANDS.closeTrace, (sessionId?: string) =>
        this.closeTrace(sessionId),
      ),
      vscode.commands.registerCommand(COMMANDS.stepNext, (args?: StepArgs) => this.step('next', args)),
      vscode.commands.registerCommand(COMMANDS.stepPrevious, (args?: StepArgs) =>
        this.step('previous', args),
      ),
      vscode.window.registerCustomEditorProvider(VIEW_TYPES.traceFile, this.traceFileEditor(), {
        supportsMultipleEditorsPerDocument: true,
      }),
    ];
    // A timeline restored after a window reload reads its file again, or offers to start tracing.
    panels.restoreActions = {
      openInto: async (uri, panel) => {
        let reason: string | null = null;
        const session = await this.readTrace(
          uri,
          (s) => this.panels.showIn(panel, s),
          (why) => (reason = why),
        );
        return session !== undefined ? null : (reason ?? 'its reading was cancelled');
      },
      startTracing: (launchName) => this.startTracing(launchName),
    };
  }

  /**
   * Starts debugging with tracing: the launch configuration given (an object, or the name of one in
   * launch.json), else the workspace's Node.js launch configuration (asking if there are several),
   * else the active JavaScript or TypeScript file.
   */
  async startTracing(arg?: unknown): Promise<boolean> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    let config: vscode.DebugConfiguration | undefined;
    if (typeof arg === 'object' && arg !== null && 'type' in arg) {
      config = arg as vscode.DebugConfiguration;
    } else {
      const launches = (
        vscode.workspace
          .getConfiguration('launch', folder)
          .get<vscode.DebugConfiguration[]>('configurations') ?? []
      ).filter((c) => (NODE_DEBUG_TYPES as readonly string[]).includes(c.type) && c.request === 'launch');
      if (typeof arg === 'string') {
        config = launches.find((c) => c.name === arg);
        if (config === undefined) {
          void vscode.window.showErrorMessage(
            `Loop Lens: there is no Node.js launch configuration named "${arg}" in launch.json.`,
          );
          return false;
        }
      } else if (launches.length === 1) {
        config = launches[0];
      } else if (launches.length > 1) {
        const picked = await vscode.window.showQuickPick(
          launches.map((c) => ({ label: c.name, config: c })),
          { title: 'Loop Lens: which launch configuration to trace?' },
        );
        if (picked === undefined) return false;
        config = picked.config;
      } else {
        config = this.configForActiveFile();
        if (config === undefined) return false;
      }
    }
    return vscode.debug.startDebugging(folder, { ...config, [LAUNCH_ATTRIBUTE]: true });
  }

  private configForActiveFile(): vscode.DebugConfiguration | undefined {
    const document = vscode.window.activeTextEditor?.document;
    const file = document?.uri.scheme === 'file' ? document.uri.fsPath : undefined;
    if (file === undefined || !runnableFile(file)) {
      void vscode.window.showErrorMessage(
        'Loop Lens: open the JavaScript or TypeScript file to run, or add a Node.js launch configuration to launch.json, then start tracing again.',
      );
      return undefined;
    }
    return fileLaunch(
      file,
      vscode.workspace.getWorkspaceFolder(document!.uri)?.uri.fsPath ?? path.dirname(file),
    );
  }

  private latest(): TraceSession | undefined {
    const all = this.sessions.all();
    return all[all.length - 1];
  }

  openTimeline(sessionId?: string): boolean {
    const session = sessionId !== undefined ? this.sessions.get(sessionId) : this.latest();
    if (session === undefined) {
      void vscode.window
        .showInformationMessage(
          'Loop Lens has no timeline yet. Start one with "Loop Lens: Start Debugging with Event Loop Tracing", or open a trace file.',
          'Try the Kitchen Walkthrough',
        )
        .then((choice) => {
          if (choice !== undefined) void openWalkthrough();
        });
      return false;
    }
    this.panels.show(session, false);
    return true;
  }

  /** Opens a trace file (a .looplens file, from `looplens record` or an export) into a timeline. */
  async openTrace(arg?: vscode.Uri | string): Promise<string | undefined> {
    let uri = typeof arg === 'string' ? vscode.Uri.file(arg) : arg;
    if (uri === undefined) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        filters: { 'Loop Lens traces': ['looplens'], 'All files': ['*'] },
        title: 'Open a Loop Lens trace',
      });
      uri = picked?.[0];
      if (uri === undefined) return undefined;
    }
    const session = await this.readTrace(uri, (s) => this.panels.show(s, false));
    return session?.id;
  }

  /**
   * A session of the trace file at `uri`, shown by `show`; undefined when it cannot be read (too
   * large, not a trace, a folder), after saying why, or when the user cancelled its reading.
   * `onRefused` also gets the reason (the file's editor shows it). A large file is read with a
   * notification saying how far it is (cancellable while the file is read), until its timeline is
   * drawn: tens of MB took seconds with no sign of life.
   */
  private async readTrace(
    uri: vscode.Uri,
    show: (session: TraceSession) => TimelinePanel,
    onRefused?: (reason: string) => void,
  ): Promise<TraceSession | undefined> {
    const name = path.basename(uri.path);
    try {
      const stat = await vscode.workspace.fs.stat(uri);
      const refused = refusal({
        isFile: (stat.type & vscode.FileType.File) !== 0,
        isFolder: (stat.type & vscode.FileType.Directory) !== 0,
        size: stat.size,
      });
      if (refused !== null) throw new Error(`it ${refused}`);
      const blockMs = numberSetting(SETTINGS.blockThresholdMs);
      if (stat.size < PROGRESS_BYTES) {
        const session = this.sessions.openFile(name, await vscode.workspace.fs.readFile(uri), blockMs);
        session.source = uri;
        show(session);
        return session;
      }
      const session = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Loop Lens: opening ${name} (${Math.round(stat.size / 2 ** 20)} MiB)`,
          cancellable: true,
        },
        (progress, cancel) => this.readLarge(uri, name, blockMs, show, progress, cancel),
      );
      if (session === undefined) {
        this.log.info(`open ${uri.toString()}: cancelled`);
        onRefused?.('its reading was cancelled; open it again to read it');
      }
      return session;
    } catch (error) {
      const reason = error instanceof TraceFormatError ? error.message : (error as Error).message;
      void vscode.window.showErrorMessage(`Loop Lens cannot open ${name}: ${reason}`);
      this.log.warn(`open ${uri.toString()}: ${reason}`);
      onRefused?.(reason);
      return undefined;
    }
  }

  /** readTrace's reading of a large file, a slice at a time, under a progress notification. */
  private async readLarge(
    uri: vscode.Uri,
    name: string,
    blockMs: number,
    show: (session: TraceSession) => TimelinePanel,
    progress: vscode.Progress<{ message?: string; increment?: number }>,
    cancel: vscode.CancellationToken,
  ): Promise<TraceSession | undefined> {
    // Shares of the bar: reading the file, modelling it here, drawing it in the webview.
    const READ = 10;
    const MODEL = 60;
    progress.report({ message: 'reading the file' });
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (cancel.isCancellationRequested) return undefined;
    progress.report({ increment: READ, message: 'reading the trace' });
    const steps = readTraceSteps(bytes, { partial: true, blockMs });
    let done = 0;
    for (;;) {
      const step = steps.next();
      if (step.done === true) {
        progress.report({ increment: (1 - done) * MODEL, message: 'drawing the timeline' });
        const session = this.sessions.openFile(name, bytes, blockMs, step.value);
        session.source = uri;
        // (Cancel now only stops the waiting: the trace is read.)
        await Promise.race([
          show(session).drawn(DRAW_WAIT_MS),
          new Promise<void>((resolve) => cancel.onCancellationRequested(() => resolve())),
        ]);
        return session;
      }
      // (The message again: a report without one clears it.)
      progress.report({ increment: (step.value - done) * MODEL, message: 'reading the trace' });
      done = step.value;
      // Let the notification draw and the Cancel button be heard.
      await new Promise((resolve) => setImmediate(resolve));
      if (cancel.isCancellationRequested) return undefined;
    }
  }

  /**
   * A `.looplens` file opened in the editor (from the Explorer, Quick Open, a link): its timeline,
   * in that editor. VS Code would otherwise show it as a binary file it cannot display.
   */
  private traceFileEditor(): vscode.CustomReadonlyEditorProvider {
    return {
      openCustomDocument: (uri) => ({ uri, dispose: () => undefined }),
      resolveCustomEditor: async (document, panel) => {
        await this.readTrace(
          document.uri,
          (session) => this.panels.showIn(panel, session),
          (reason) => {
            panel.webview.options = { enableScripts: false };
            panel.webview.html = refusedPage(path.basename(document.uri.path), reason);
            this.watchRefused(panel);
          },
        );
      },
    };
  }

  /**
   * A refused file's page has no timeline: while it is the active editor, the title bar and the
   * step keys offer no timeline tools (they acted on the latest other session), and the commands
   * run from the palette say there is nothing to act on (see refusedActive).
   */
  private watchRefused(panel: vscode.WebviewPanel): void {
    const update = (active: boolean) => {
      if (active) this.activeRefused = panel;
      else if (this.activeRefused === panel) this.activeRefused = null;
      else return;
      void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.refusedFileActive, active);
    };
    update(panel.active);
    panel.onDidChangeViewState((e) => update(e.webviewPanel.active));
    panel.onDidDispose(() => update(false));
  }

  /**
   * Whether the editor in view is a refused trace file's page, telling the user that there is
   * nothing there for `what`.
   */
  private refusedActive(what: string): boolean {
    if (this.activeRefused === null || !this.activeRefused.active) return false;
    void vscode.window.showInformationMessage(
      `Loop Lens: ${this.activeRefused.title} could not be opened, so there is no timeline here ${what}.`,
    );
    return true;
  }

  /** Writes the session's trace in a format; returns the file written. */
  async exportSnapshot(args: ExportArgs = {}): Promise<vscode.Uri | undefined> {
    if (args.sessionId === undefined && this.refusedActive('to export')) return undefined;
    const session = args.sessionId !== undefined ? this.sessions.get(args.sessionId) : this.latest();
    if (session === undefined) {
      void vscode.window.showInformationMessage('Loop Lens has no timeline to export yet.');
      return undefined;
    }
    let format = args.format;
    if (format === undefined) {
      const picked = await vscode.window.showQuickPick(
        (Object.keys(EXPORT_FORMATS) as ExportFormat[]).map((f) => ({ ...EXPORT_FORMATS[f], format: f })),
        { title: `Loop Lens: export "${session.name}" as` },
      );
      if (picked === undefined) return undefined;
      format = picked.format;
    }
    if (!(format in EXPORT_FORMATS)) {
      void vscode.window.showErrorMessage(
        `Loop Lens: unknown export format "${String(format)}" (known: ${Object.keys(EXPORT_FORMATS).join(', ')}).`,
      );
      return undefined;
    }
    let uri = typeof args.uri === 'string' ? vscode.Uri.file(args.uri) : args.uri;
    if (uri === undefined) {
      const base = session.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'trace';
      uri = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(
          path.join(
            vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '',
            `${base}.${EXPORT_FORMATS[format].extension}`,
          ),
        ),
        filters: { [EXPORT_FORMATS[format].label]: [EXPORT_FORMATS[format].extension] },
      });
      if (uri === undefined) return undefined;
    }
    const target = uri;
    const chosen = format;
    try {
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Window,
          title: `Loop Lens: exporting ${path.basename(target.path)}`,
        },
        async () => vscode.workspace.fs.writeFile(target, await this.render(session, chosen)),
      );
    } catch (error) {
      void vscode.window.showErrorMessage(
        `Loop Lens could not export ${path.basename(target.path)}: ${(error as Error).message}`,
      );
      this.log.warn(`export ${chosen} to ${target.toString()}: ${(error as Error).message}`);
      return undefined;
    }
    if (!session.complete) {
      void vscode.window.showWarningMessage(
        `Loop Lens: ${session.problem ?? 'the export holds only part of the trace.'}`,
      );
    } else {
      void this.exported(target, chosen);
    }
    return target;
  }

  /** Says where an export went, with a way to open it or its folder. */
  private async exported(target: vscode.Uri, format: ExportFormat): Promise<void> {
    const open = 'Open';
    const reveal = 'Reveal in Folder';
    const answer = await vscode.window.showInformationMessage(
      `Loop Lens: exported ${path.basename(target.path)}.`,
      open,
      reveal,
    );
    if (answer === open) {
      // A page opens in the browser (it is made for one); pictures and files open in the editor.
      if (format === 'html') await vscode.env.openExternal(target);
      else await vscode.commands.executeCommand('vscode.open', target);
    } else if (answer === reveal) {
      await vscode.commands.executeCommand('revealFileInOS', target);
    }
  }

  /** The bytes of an export. Pictures are drawn by the session's timeline panel (opened if need be). */
  private async render(session: TraceSession, format: ExportFormat): Promise<Uint8Array> {
    switch (format) {
      case 'json':
        return session.bytes();
      // In pieces: a large trace's export would pass the longest string V8 makes.
      case 'chrome':
        return Buffer.concat([...chromeTraceChunks(session.timeline)].map((chunk) => Buffer.from(chunk)));
      case 'html':
        return Buffer.concat(
          snapshotHtmlParts({
            name: session.name,
            trace: session.bytes(),
            pauses: session.pauses,
            ...readViewer(this.extensionPath),
          }),
        );
      case 'png':
      case 'svg': {
        const panel = this.panels.get(session.id) ?? this.panels.show(session, true);
        return panel.image(format);
      }
    }
  }

  /**
   * Moves the step cursor of the timeline in view (or of the session given) to the next or previous
   * switch. The host steps on its own model of the trace — no round trip through the panel, which
   * may be hidden, rebuilding or not open yet — then the panel shows the cursor and the editor the
   * line.
   */
  async step(direction: 'next' | 'previous', args: StepArgs = {}): Promise<StepInfo | null> {
    if (args.sessionId === undefined && this.refusedActive('to step through')) return null;
    const session =
      args.sessionId !== undefined
        ? this.sessions.get(args.sessionId)
        : (this.panels.current()?.session ?? this.latest());
    if (session === undefined) {
      void vscode.window.showInformationMessage(
        'Loop Lens has no timeline to step through. Start a traced debug session or open a trace file first.',
      );
      return null;
    }
    const panel = this.panels.get(session.id) ?? this.panels.show(session, true);
    const t = session.timeline;
    // With no cursor yet, stepping starts from what the panel shows (else the whole trace).
    const view = panel.lastRendered?.view ?? [t.firstTime, Math.max(t.endTime, t.firstTime + 1)];
    const found = session.stepper.move(direction, [view[0], view[1]]);
    if (found === null) {
      vscode.window.setStatusBarMessage(
        `Loop Lens: ${session.stepper.none(direction, session.state === 'running').replace(/^No/, 'no')}`,
        3000,
      );
      return null;
    }
    const step = session.stepper.describe(session.state === 'ended' || session.state === 'file')!;
    try {
      await panel.showStep(step);
    } catch (error) {
      // The editor has the step already; the panel could not show it.
      void vscode.window.showWarningMessage(
        `Loop Lens: the timeline did not show the step (${(error as Error).message}).`,
      );
    }
    return step;
  }

  /** Shows a stretch of a session's timeline (a lesson's CodeLens runs this). */
  async revealTime(args?: RevealArgs): Promise<boolean> {
    const session = args?.sessionId !== undefined ? this.sessions.get(args.sessionId) : undefined;
    if (session === undefined || typeof args?.time !== 'number' || !Number.isFinite(args.time)) {
      void vscode.window.showInformationMessage(
        'Loop Lens: the trace this came from is closed. Record or open it again to see it on the timeline.',
      );
      return false;
    }
    const panel = this.panels.show(session, false);
    try {
      await panel.revealTime(args.time, Number.isFinite(args.durationMs) ? Math.max(0, args.durationMs) : 0);
      return true;
    } catch (error) {
      void vscode.window.showWarningMessage(`Loop Lens: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * Closes a trace: its timeline, and the lessons worked out from it. A live session is stopped
   * first (after asking, unless it is named by argument).
   */
  async closeTrace(sessionId?: string): Promise<boolean> {
    const session =
      sessionId !== undefined
        ? this.sessions.get(sessionId)
        : (this.panels.current()?.session ?? this.latest());
    if (session === undefined) {
      // (From the palette, a command that did nothing and said nothing read as broken.)
      void vscode.window.showInformationMessage(
        sessionId !== undefined
          ? 'Loop Lens: that trace is closed already.'
          : 'Loop Lens has no trace open to close.',
      );
      return false;
    }
    const live = session.state === 'running' || session.state === 'paused' || session.state === 'starting';
    if (live) {
      if (sessionId === undefined) {
        const stop = await vscode.window.showWarningMessage(
          `"${session.name}" is still being traced. Stop its debug session and close its trace?`,
          { modal: true },
          'Stop and Close',
        );
        if (stop !== 'Stop and Close') return false;
      }
      session.stopRequested = true;
      if (session.debugSession !== undefined) await vscode.debug.stopDebugging(session.debugSession);
      session.end();
    }
    this.panels.get(session.id)?.panel.dispose();
    this.sessions.remove(session);
    return true;
  }

  async stopTracing(sessionId?: string): Promise<void> {
    const session =
      sessionId !== undefined
        ? this.sessions.get(sessionId)
        : this.sessions.all().find((s) => s.state === 'running' || s.state === 'paused');
    if (session?.debugSession !== undefined) await vscode.debug.stopDebugging(session.debugSession);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

/**
 * How long a walkthrough opened beside a timeline is watched for, ms: the workbench's command returns
 * before the walkthrough shows (1.1 s after it at load 35).
 */
const WALKTHROUGH_SHOWN_MS = 10_000;

/**
 * Opens the kitchen walkthrough where it does not cover a timeline: the walkthrough takes the
 * active group, so a timeline that is active moves the walkthrough to the group beside it.
 */
async function openWalkthrough(): Promise<void> {
  const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (!(active instanceof vscode.TabInputWebview && active.viewType.endsWith(VIEW_TYPES.timeline))) {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
    return;
  }
  // Kept: a timeline VS Code shows as a preview (its title in italics: a trace file single-clicked in
  // the Explorer opens its editor as one) is closed by the next preview opened in its group, the
  // walkthrough should it land there (see below).
  await vscode.commands.executeCommand('workbench.action.keepEditor');
  const alone = vscode.window.tabGroups.all.length === 1;
  // The timeline's column once the walkthrough's group is there (a new group left of it moves it).
  const column = vscode.window.tabGroups.activeTabGroup.viewColumn + (alone ? 1 : 0);
  await vscode.commands.executeCommand(
    alone ? 'workbench.action.newGroupLeft' : 'workbench.action.focusPreviousGroup',
  );
  const shown = pageShown(WALKTHROUGH_SHOWN_MS);
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
  // A webview given the focus (as the Command Palette gives it back when it closes) takes it a moment
  // later (its frame says so when it has it: 0.4 s later at load 35), and its group becomes the
  // active one again: a walkthrough opened after that went over the timeline (3 times in 100 at load
  // 35). Once it shows there, it moves to the group it was meant for.
  // (By column: the API's group objects are made anew when groups come and go.)
  const page = await shown;
  const now = vscode.window.tabGroups.activeTabGroup;
  if (page?.group.viewColumn === column && now.viewColumn === column && now.activeTab?.input === undefined)
    await vscode.commands.executeCommand('workbench.action.moveEditorToPreviousGroup');
}

/**
 * The first workbench page (a tab the API names no input for: the walkthrough) that becomes the
 * active tab of its group within `ms`; undefined if none does.
 */
function pageShown(ms: number): Promise<vscode.Tab | undefined> {
  return new Promise((resolve) => {
    const done = (tab: vscode.Tab | undefined) => {
      clearTimeout(timer);
      listener.dispose();
      resolve(tab);
    };
    const timer = setTimeout(() => done(undefined), ms);
    const listener = vscode.window.tabGroups.onDidChangeTabs((e) => {
      const page = [...e.opened, ...e.changed].find((t) => t.input === undefined && t.isActive);
      if (page !== undefined) done(page);
    });
  });
}

/** The page a trace file's editor shows when the file cannot be read: why, and what to do. */
function refusedPage(name: string, reason: string): string {
  const text = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const nonce = randomBytes(16).toString('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'">
<style nonce="${nonce}">body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 1em 2em; max-width: 52em; } code { font-family: var(--vscode-editor-font-family); }</style>
</head><body>
<h2>Loop Lens cannot open ${text(name)}</h2>
<p>${text(reason.charAt(0).toUpperCase() + reason.slice(1))}.</p>
<p>Loop Lens traces are written by <code>looplens record</code>, by <b>Loop Lens: Export Timeline Snapshot…</b> as a Loop Lens trace, and by a traced program that ended before Loop Lens could take its trace. To see this file's bytes, use <b>Reopen Editor With…</b> and choose the text editor.</p>
</body></html>`;
}
