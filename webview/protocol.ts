/**
 * The one contract between the extension host and the timeline webview, imported by both sides.
 * The host owns the data; the webview is a projection of it that can be rebuilt at any time from a
 * `reset` followed by `append` batches. Trace bytes travel as they are (the webview decodes them
 * with the same model as the host), host-only facts (session state, debugger pauses) travel apart.
 * Messages are discriminated unions; a side that receives a type it does not know logs and ignores it.
 */
import type { SourceLocation } from '../protocol/format';
import type { StepInfo, StepTask } from '../model/steps';

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
  /**
   * Memory the timeline may use, MiB; past it the oldest part is dropped (the looplens.maxTimelineMiB
   * setting; absent: no cap). The panel's own model keeps the same budget as the host's.
   */
  timelineMiB?: number;
  /** The loop is blocked right now (the tracer's watchdog says so while the program cannot), or null. */
  liveBlock: LiveBlock | null;
}

/** A block still going on: what the watchdog last reported (trace clock, ms). */
export interface LiveBlock {
  /** Wire id of the task whose stint it is (0: code outside any task the tracer knows). */
  task: number;
  /** The task's name as the host knows it. */
  taskName: string;
  since: number;
  now: number;
  /** How long it has held the loop, without time paused in the debugger. */
  durationMs: number;
}

/** A stretch of time the program was stopped in the debugger (trace clock, ms). */
export interface Pause {
  start: number;
  end: number | null;
  /** Why the debugger stopped: "breakpoint", "step", "pause", "exception"... */
  reason: string;
}

export type { SourceLocation } from '../protocol/format';

/** Image formats the webview draws itself (the host writes the data the webview returns). */
export type ImageFormat = 'png' | 'svg';

export type ToWebviewMessage =
  | { type: 'reset'; session: SessionInfo; bytes: Uint8Array; pauses: Pause[] }
  | { type: 'append'; bytes: Uint8Array }
  | { type: 'session'; session: SessionInfo }
  | { type: 'pauses'; pauses: Pause[] }
  /**
   * Put the step cursor on the task switch at `time` (trace clock, ms): the host stepped (a
   * command, a key in the editor) on its own model of the same trace. The panel shows it and
   * reports nothing back.
   */
  | { type: 'cursor'; time: number }
  /** Show the stretch [time, time + durationMs] (trace clock, ms) with some room around it. */
  | { type: 'reveal'; time: number; durationMs: number }
  /**
   * Show the work the program begins at or after `since` (trace clock, ms; the requests a lesson
   * of the walkthrough just sent) and keep it in view while it goes on, instead of following live
   * (which moved it out of view while the user read it): the view's `watch` mode, until the user
   * moves the view or follows live again.
   */
  | { type: 'watch'; since: number }
  /** Draw the current view as an image and send it back (`snapshot` reply with the same id). */
  | { type: 'snapshot'; requestId: number; format: ImageFormat };

/**
 * What decides the view's time range (webview/viewport.ts): the newest seconds of a live trace
 * (`follow`), the whole trace (`fit`), the work a lesson sent (`watch`), or where the user put it
 * (`fixed`).
 */
export type ViewMode = 'follow' | 'fit' | 'watch' | 'fixed';

/** A step: where the step cursor stands (model/steps.ts). */
export type { StepInfo, StepTask };

/** What the panel draws, reported after each frame that changed it (for tests and diagnostics). */
export interface RenderedState {
  sessionId: string;
  /** The lanes from the top (the first 1000 at most), and how many there are in all. */
  lanes: Array<{ id: string; name: string; kind: string; stints: number }>;
  laneCount: number;
  stints: number;
  blocks: number;
  pauses: number;
  /** Visible time range, trace clock ms. */
  view: [number, number];
  width: number;
  height: number;
  /** Where the drawing area begins, CSS px from the left: the lane labels' width (layout.ts gutterFor). */
  gutter: number;
  /** Time the last frame took to draw, ms. */
  drawMs: number;
  /** The overview's brush (trace clock ms), or null when the whole trace is in view. */
  brush: [number, number] | null;
  /** The step cursor's switch, or null. */
  step: StepInfo | null;
  /** Tasks hidden by the filter or by "hide internal". */
  hiddenLanes: number;
  /** The block going on right now, as drawn. */
  liveBlock: { taskName: string; durationMs: number } | null;
  /** What decides the time range in view. */
  mode: ViewMode;
}

export type FromWebviewMessage =
  | { type: 'ready' }
  | { type: 'openSource'; location: SourceLocation }
  /** The step cursor moved (null: there is no switch that way). */
  | { type: 'stepped'; step: StepInfo | null }
  /** The user pressed the panel's Export button. */
  | { type: 'export' }
  /** The image asked for: a data: URL for png, SVG text for svg; or why it could not be made. */
  | { type: 'snapshot'; requestId: number; data?: string; error?: string }
  | { type: 'rendered'; state: RenderedState }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  /**
   * A button of the page a timeline restored after a window reload shows when its trace is gone
   * (the host writes that page; timelinePanel.ts).
   */
  | { type: 'restoredAction'; action: RestoredAction }
  /** That page's script ran: its webview started (the host makes a page whose start stalls again). */
  | { type: 'restoredStarted' };

/** What the page of a restored timeline whose trace is gone offers. */
export type RestoredAction = 'openTrace' | 'startAgain' | 'startTracing' | 'startKitchen';

/**
 * State the webview keeps across being hidden and a window reload (vscode.setState). After a reload
 * the host's sessions are gone; what the panel showed (its name, a live run or a file, which file)
 * lets it open the file again or say what happened (extension/timelinePanel.ts).
 */
export interface WebviewState {
  sessionId: string;
  /** The session's name (its tab says "Loop Lens: name"). Absent in panels of older versions. */
  name?: string;
  /** A traced run (it ends with the window) or a trace file (it can be read again). */
  kind?: 'live' | 'file';
  /** The trace file's URI (a string), when it was opened from one. */
  file?: string;
}
