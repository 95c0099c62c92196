/**
 * What the Output channel says about traced sessions: that one started, each problem once (a
 * session's changes come many times a second while it runs; a problem said on every change filled
 * the channel), and where its trace came from when the program ended before its connection was
 * taken. The lines said are kept per session for the tests (inspect).
 */
import * as vscode from 'vscode';
import { TraceSession, TraceSessions } from './traceSessions';

export class SessionLog implements vscode.Disposable {
  private readonly said = new Map<string, string[]>();
  private readonly removed: vscode.Disposable;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    sessions: TraceSessions,
  ) {
    this.removed = sessions.onDidRemove((session) => this.said.delete(session.id));
  }

  /** Follows a session from its start. */
  follow(session: TraceSession): void {
    this.say(session, 'info', `tracing "${session.name}" (session ${session.id})`);
    let problem: string | null = null;
    let recovered = false;
    session.onDidChange(() => {
      if (session.recovered && !recovered) {
        recovered = true;
        this.say(
          session,
          'info',
          `"${session.name}" ended before its connection was taken; its trace was read from the file it left (${session.info().events} events)`,
        );
      }
      if (session.problem !== null && session.problem !== problem)
        this.say(session, 'warn', `${session.name}: ${session.problem}`);
      problem = session.problem;
    });
  }

  /** The lines said about a session. */
  of(sessionId: string): readonly string[] {
    return this.said.get(sessionId) ?? [];
  }

  private say(session: TraceSession, level: 'info' | 'warn', line: string): void {
    this.log[level](line);
    const lines = this.said.get(session.id) ?? [];
    lines.push(`${level}: ${line}`);
    this.said.set(session.id, lines);
  }

  dispose(): void {
    this.removed.dispose();
  }
}
