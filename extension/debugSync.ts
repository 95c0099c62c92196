/**
 * Keeps traced sessions in step with the debugger: when the program stops at a breakpoint or a
 * step the timeline marks a pause (a paused program is not a blocked loop), and the mark closes
 * when it runs again. js-debug runs the program in a child debug session of the one that was
 * launched; the pause events arrive there, so sessions are matched through their parents.
 */
import * as vscode from 'vscode';
import { SESSION_MARKER } from './ids';
import { TraceSessions } from './traceSessions';

/** Requests that set a stopped program running again. */
const RESUMING = new Set([
  'continue',
  'next',
  'stepIn',
  'stepOut',
  'stepBack',
  'reverseContinue',
  'restartFrame',
  'goto',
]);

interface DapMessage {
  type?: string;
  event?: string;
  command?: string;
  body?: { reason?: string; allThreadsStopped?: boolean };
}

export class DebugSync implements vscode.DebugAdapterTrackerFactory, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly sessions: TraceSessions) {
    this.disposables.push(
      vscode.debug.onDidStartDebugSession((debugSession) => {
        const id = debugSession.configuration[SESSION_MARKER] as string | undefined;
        const session = id !== undefined ? sessions.get(id) : undefined;
        if (session !== undefined && session.debugSession === undefined) session.debugSession = debugSession;
      }),
      vscode.debug.onDidTerminateDebugSession((debugSession) => {
        const session = sessions.forDebugSession(debugSession);
        // Only the launched session's end is the end: child sessions come and go with processes.
        if (session !== undefined && session.debugSession?.id === debugSession.id) session.end();
      }),
    );
  }

  createDebugAdapterTracker(debugSession: vscode.DebugSession): vscode.DebugAdapterTracker {
    // Only the traced process's own session (the launched one, or its direct child where js-debug
    // runs the process) speaks for the main thread: worker threads are child sessions of it, and
    // their stops and resumes are not the event loop's.
    const traced = () => {
      const session = this.sessions.forDebugSession(debugSession);
      if (session?.debugSession === undefined) return undefined;
      const launched = session.debugSession.id;
      return debugSession.id === launched || debugSession.parentSession?.id === launched
        ? session
        : undefined;
    };
    return {
      onDidSendMessage: (message: DapMessage) => {
        if (message.type !== 'event') return;
        // The program ended by itself (or crashed): a disconnect after this is VS Code tidying up.
        if (message.event === 'terminated' || message.event === 'exited') {
          const session = traced();
          if (session !== undefined) session.adapterEnded = true;
        }
        if (message.event === 'stopped') traced()?.paused(message.body?.reason ?? 'pause');
        else if (message.event === 'continued') traced()?.resumed();
      },
      onWillReceiveMessage: (message: DapMessage) => {
        if (message.type !== 'request' || message.command === undefined) return;
        if (RESUMING.has(message.command)) traced()?.resumed();
        // The user stopping a running session ends the program from outside: no trace end record
        // is to be expected, and that is no crash.
        if (message.command === 'disconnect' || message.command === 'terminate') {
          const session = this.sessions.forDebugSession(debugSession);
          if (session !== undefined && !session.adapterEnded) session.stopRequested = true;
        }
      },
    };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
