/**
 * The one contract between the extension host and the timeline webview, imported by both sides.
 * The host owns the data; the webview is a projection of it that can be rebuilt at any time from a
 * `reset` followed by `append` batches. Trace bytes travel as they are (the webview decodes them
 * with the same model as the host), host-only facts (session state, debugger pauses) travel apart.
 * Messages are discriminated unions; a side that receives a type it does not know logs and ignores it.
 */

export type SessionState = 'starting' | 'running' | 'paused' | 'ended' | 'file';

export interface SessionInfo {
  id: string;
  /** What the user sees as the title: the debug session's or the file's name. */
  name: string;
  state: SessionState;
  /** A problem worth showing in the panel (the debuggee crashed, sent garbage, never connected). */
  problem: string | null;
  events: number;
  dropped: number;
  /** Bytes received and how many of them the host still keeps (older ones are let go past a cap). */
  bytes: number;
  blockMs: number;
}

/** A stretch of time the program was stopped in the debugger (trace clock, ms). */
export interface Pause {
  start: number;
  end: number | null;
  /** Why the debugger stopped: "breakpoint", "step", "pause", "exception"... */
  reason: string;
}

export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export type ToWebviewMessage =
  | { type: 'reset'; session: SessionInfo; bytes: Uint8Array; pauses: Pause[] }
  | { type: 'append'; bytes: Uint8Array }
  | { type: 'session'; session: SessionInfo }
  | { type: 'pauses'; pauses: Pause[] };

/** What the panel draws, reported after each frame that changed it (for tests and diagnostics). */
export interface RenderedState {
  sessionId: string;
  lanes: Array<{ id: string; name: string; kind: string; stints: number }>;
  stints: number;
  blocks: number;
  pauses: number;
  /** Visible time range, trace clock ms. */
  view: [number, number];
  width: number;
  height: number;
}

export type FromWebviewMessage =
  | { type: 'ready' }
  | { type: 'openSource'; location: SourceLocation }
  | { type: 'rendered'; state: RenderedState }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

/** State the webview keeps across being hidden and a window reload (vscode.setState). */
export interface WebviewState {
  sessionId: string;
}
