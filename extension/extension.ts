/**
 * Loop Lens in VS Code: activate() only wires the parts together; each part is a small class that
 * lives in context.subscriptions.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { summarize } from '../model/summary';
import { Commands } from './commands';
import { DebugSync } from './debugSync';
import { Kitchen } from './kitchen';
import { EditorLessons } from './lessons';
import { TracingConfigurationProvider } from './debugProvider';
import { NODE_DEBUG_TYPES, PYTHON_DEBUG_TYPES, VIEW_TYPES } from './ids';
import { LoopStatusBar } from './statusBar';
import { StepDecoration } from './stepDecoration';
import { TimelinePanels } from './timelinePanel';
import { PythonLaunchProvider, PythonRunner } from './python';
import { SessionLog } from './sessionLog';
import { TraceSession, TraceSessions } from './traceSessions';

export interface LoopLensApi {
  /** The sessions and what their panels draw, as plain data (also the looplens.inspectState command). */
  inspect(): unknown;
}

export function activate(context: vscode.ExtensionContext): LoopLensApi {
  const log = vscode.window.createOutputChannel('Loop Lens', { log: true });
  const sessions = new TraceSessions();
  const panels = new TimelinePanels(sessions, context.extensionUri, log);
  const tracer = path.join(context.extensionPath, 'dist', 'tracer.js');
  const sessionLog = new SessionLog(log, sessions);
  const started = (session: TraceSession): void => {
    sessionLog.follow(session);
    if (vscode.workspace.getConfiguration('looplens').get<boolean>('openTimelineOnStart', true))
      panels.show(session);
  };
  const provider = new TracingConfigurationProvider(sessions, tracer, started);
  const debugSync = new DebugSync(sessions);
  const stepDecoration = new StepDecoration(panels);
  const statusBar = new LoopStatusBar(sessions);
  const lessons = new EditorLessons(sessions);

  const inspect = () =>
    sessions.all().map((session) => ({
      session: session.info(),
      pauses: session.pauses,
      rendered: panels.get(session.id)?.lastRendered ?? null,
      panelVisible: panels.get(session.id)?.panel.visible ?? false,
      renders: panels.get(session.id)?.renders ?? 0,
      panelsOpened: panels.get(session.id)?.opened ?? 0,
      step: panels.get(session.id)?.lastStep ?? null,
      stepMark: stepDecoration.current,
      panelColumn: panels.get(session.id)?.panel.viewColumn ?? null,
      summary: summarize(session.timeline),
      clock: { startTime: session.timeline.startTime, now: session.traceNow() },
      statusBar: statusBar.text,
      lessons: lessons.of(session.id),
      logged: sessionLog.of(session.id),
    }));

  context.subscriptions.push(
    log,
    sessions,
    sessionLog,
    panels,
    debugSync,
    statusBar,
    ...NODE_DEBUG_TYPES.map((type) => vscode.debug.registerDebugConfigurationProvider(type, provider)),
    ...['pwa-node', 'node', 'node-terminal', ...PYTHON_DEBUG_TYPES].map((type) =>
      vscode.debug.registerDebugAdapterTrackerFactory(type, debugSync),
    ),
    ...PYTHON_DEBUG_TYPES.map((type) =>
      vscode.debug.registerDebugConfigurationProvider(
        type,
        new PythonLaunchProvider(sessions, path.join(context.extensionPath, 'dist', 'python'), started),
      ),
    ),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPES.timeline, panels),
    new Commands(sessions, panels, log, inspect, context.extensionPath),
    stepDecoration,
    lessons,
    new PythonRunner(sessions, path.join(context.extensionPath, 'dist', 'python'), started),
    new Kitchen(context.extensionPath, context.globalStorageUri, (debugSession) => {
      const session = sessions.forDebugSession(debugSession);
      if (session !== undefined) panels.showUncovered(session).watchFromNow();
    }),
  );
  return { inspect };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
