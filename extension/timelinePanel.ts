/**
 * The timeline panels: one webview panel per traced session, beside the editor. A panel is a view
 * of its session and nothing more: on `ready` it gets everything so far (`reset`), then new trace
 * bytes in batches (`append`) and session changes; it can be hidden, shown, reloaded or restored
 * after a window reload and rebuilds itself from the host's data each time.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { FromWebviewMessage, RenderedState, ToWebviewMessage, WebviewState } from '../webview/protocol';
import { VIEW_TYPES } from './ids';
import { TraceSession, TraceSessions } from './traceSessions';

/** Live data is sent in batches at most this often, ms (the webview draws once per frame). */
const BATCH_MS = 50;

export class TimelinePanel implements vscode.Disposable {
  lastRendered: RenderedState | null = null;
  /** How many frames the webview reported drawing (for tests: a reset draws again). */
  renders = 0;
  private ready = false;
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly closed = new vscode.EventEmitter<void>();
  readonly onDidClose = this.closed.event;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly session: TraceSession,
    extensionUri: vscode.Uri,
    private readonly log: vscode.LogOutputChannel,
  ) {
    const assets = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [assets] };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    panel.webview.html = this.html(panel.webview, assets);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((message: FromWebviewMessage) => this.received(message)),
      panel.onDidDispose(() => this.dispose()),
      session.onDidAppend((bytes) => this.queue(bytes)),
      session.onDidChange(() => this.schedule()),
    );
  }

  private html(webview: vscode.Webview, assets: vscode.Uri): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(assets, 'main.css'));
    const csp = [
      "default-src 'none'",
      `img-src ${webview.cspSource} data:`,
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    const state: WebviewState = { sessionId: this.session.id };
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
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }

  private received(message: FromWebviewMessage): void {
    switch (message?.type) {
      case 'ready':
        this.ready = true;
        this.pending = [];
        this.post({
          type: 'reset',
          session: this.session.info(),
          bytes: this.session.bytes(),
          pauses: this.session.pauses,
        });
        return;
      case 'rendered':
        this.lastRendered = message.state;
        this.renders++;
        return;
      case 'openSource':
        void openSource(message.location);
        return;
      case 'log':
        this.log[message.level === 'error' ? 'error' : message.level === 'warn' ? 'warn' : 'info'](
          `webview: ${message.message}`,
        );
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

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.disposables.length = 0;
    this.closed.fire();
    this.closed.dispose();
  }
}

/** Opens a source location in the editor column beside the timeline. */
export async function openSource(location: { file: string; line: number; column: number }): Promise<void> {
  try {
    const uri = location.file.includes('://')
      ? vscode.Uri.parse(location.file)
      : vscode.Uri.file(location.file);
    const position = new vscode.Position(Math.max(0, location.line - 1), Math.max(0, location.column - 1));
    await vscode.window.showTextDocument(uri, {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(position, position),
      preserveFocus: false,
    });
  } catch (error) {
    void vscode.window.showWarningMessage(
      `Loop Lens could not open ${location.file}:${location.line}: ${(error as Error).message}`,
    );
  }
}

export class TimelinePanels implements vscode.Disposable, vscode.WebviewPanelSerializer<WebviewState> {
  private readonly panels = new Map<string, TimelinePanel>();

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
      `Loop Lens: ${session.name}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return this.adopt(panel, session);
  }

  private adopt(panel: vscode.WebviewPanel, session: TraceSession): TimelinePanel {
    const view = new TimelinePanel(panel, session, this.extensionUri, this.log);
    this.panels.set(session.id, view);
    view.onDidClose(() => this.panels.delete(session.id));
    return view;
  }

  /** After a window reload: the panel comes back with its session if the host still has it. */
  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: WebviewState | undefined): Promise<void> {
    const session = state !== undefined ? this.sessions.get(state.sessionId) : undefined;
    if (session === undefined) {
      panel.webview.html = `<!DOCTYPE html><html><body><p style="font-family: var(--vscode-font-family); padding: 1em">This Loop Lens timeline belonged to a session that ended before the window reloaded. Open a trace file with <b>Loop Lens: Open Trace File…</b> or start a traced debug session.</p></body></html>`;
      return;
    }
    this.adopt(panel, session);
  }

  get(sessionId: string): TimelinePanel | undefined {
    return this.panels.get(sessionId);
  }

  all(): TimelinePanel[] {
    return [...this.panels.values()];
  }

  dispose(): void {
    for (const p of this.panels.values()) p.panel.dispose();
    this.panels.clear();
  }
}
