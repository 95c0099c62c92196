/**
 * The status bar item while a traced session runs: the event loop's lag as it was last measured,
 * an error look while the loop is blocked right now (the tracer's watchdog says so), a warning look
 * when it was blocked in the last interval, "paused" while the debugger holds the program. Clicking
 * it opens the timeline.
 */
import * as vscode from 'vscode';
import { COMMANDS, CONTEXT_KEYS } from './ids';
import { NOT_CONNECTED_YET, TraceSession, TraceSessions } from './traceSessions';
import { formatDuration } from '../model/duration';

/** The item refreshes at most this often, ms. */
const REFRESH_MS = 250;

export class LoopStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    'looplens.status',
    vscode.StatusBarAlignment.Left,
    50,
  );
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sessions: TraceSessions) {
    this.item.name = 'Loop Lens';
    this.item.command = COMMANDS.openTimeline;
    const watch = (session: TraceSession) => {
      let blocked = false;
      this.disposables.push(
        session.onDidChange(() => {
          // A block that has just begun shows at once; everything else can wait for the next refresh.
          const now = session.liveBlock !== null;
          if (now !== blocked) {
            blocked = now;
            this.refresh();
          } else this.schedule();
        }),
      );
    };
    for (const s of sessions.all()) watch(s);
    this.disposables.push(
      sessions.onDidAdd((s) => {
        watch(s);
        this.schedule();
      }),
    );
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh();
    }, REFRESH_MS);
  }

  /** The most recent session that is live. */
  private live(): TraceSession | undefined {
    const all = this.sessions.all();
    for (let i = all.length - 1; i >= 0; i--) {
      const s = all[i];
      if (s.state === 'running' || s.state === 'paused' || s.state === 'starting') return s;
    }
    return undefined;
  }

  /** What the item says (for inspectState and tests). */
  get text(): string {
    return this.item.text;
  }

  refresh(): void {
    const session = this.live();
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.tracing, session !== undefined);
    if (session === undefined) {
      this.item.hide();
      return;
    }
    const lag = session.timeline.lagPoints[session.timeline.lagPoints.length - 1];
    if (session.state === 'paused') {
      this.item.text = '$(debug-pause) Loop Lens: paused';
      this.item.tooltip = `${session.name}: stopped in the debugger (not a blocked loop). Click to open the timeline.`;
      this.item.backgroundColor = undefined;
    } else if (session.liveBlock !== null) {
      const block = session.liveBlock;
      this.item.text = `$(error) Loop Lens: blocked now ${formatDuration(block.durationMs)} in ${block.taskName}`;
      this.item.tooltip = `${session.name}: the event loop has been held by ${block.taskName} for ${formatDuration(block.durationMs)} and still is — every other task waits. Click to watch it on the timeline; its line shows when it ends.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    } else if (session.state === 'starting' && session.problem === NOT_CONNECTED_YET) {
      this.item.text = '$(warning) Loop Lens: not connected';
      this.item.tooltip = `${session.name}: ${NOT_CONNECTED_YET} Click to open the timeline.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else if (session.state === 'starting') {
      this.item.text = '$(loading~spin) Loop Lens';
      this.item.tooltip = `${session.name}: waiting for the program to connect.`;
      this.item.backgroundColor = undefined;
    } else if (lag !== undefined && lag.maxMs >= session.blockMs) {
      this.item.text = `$(warning) Loop Lens: blocked ${formatDuration(lag.maxMs)}`;
      this.item.tooltip = `${session.name}: the event loop was blocked for ${formatDuration(lag.maxMs)} — every other task waited. Click to see where.`;
      this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    } else {
      this.item.text = `$(pulse) Loop Lens: lag ${lag !== undefined ? formatDuration(lag.p99Ms) : '—'}`;
      this.item.tooltip = `${session.name}: event-loop lag (p99 of the last interval). Click to open the timeline.`;
      this.item.backgroundColor = undefined;
    }
    if (session.timeline.droppedBefore !== null)
      this.item.tooltip += ` Trace too large: its oldest part was dropped from the timeline (looplens.maxTimelineMiB); exports keep what was recorded.`;
    this.item.show();
  }

  dispose(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.item.dispose();
  }
}
