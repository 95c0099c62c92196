/**
 * Every id the extension contributes, in one typed registry. package.json must agree with it; a
 * test checks that it does.
 */

export const COMMANDS = {
  startTracing: 'looplens.startTracing',
  openTimeline: 'looplens.openTimeline',
  openTrace: 'looplens.openTrace',
  exportSnapshot: 'looplens.exportSnapshot',
  stopTracing: 'looplens.stopTracing',
  stepNext: 'looplens.stepNext',
  stepPrevious: 'looplens.stepPrevious',
  /** For tests and scripts: the sessions and what their panels draw, as plain data. */
  inspectState: 'looplens.inspectState',
  /** Show a stretch of a session's timeline (what a lesson's CodeLens runs). */
  revealTime: 'looplens.revealTime',
  closeTrace: 'looplens.closeTrace',
  /** The kitchen walkthrough: open the demo, start it traced, send it a request. */
  openKitchen: 'looplens.openKitchen',
  startKitchen: 'looplens.startKitchen',
  kitchenRequest: 'looplens.kitchenRequest',
  /** The walkthrough itself, from the palette (it opens beside the timeline's group). */
  openWalkthrough: 'looplens.openWalkthrough',
  /** A Python file run in a terminal with the asyncio tracer, its timeline live (python.ts). */
  runPythonFile: 'looplens.runPythonFile',
} as const;

export const SETTINGS = {
  section: 'looplens',
  traceAllNodeSessions: 'traceAllNodeSessions',
  openTimelineOnStart: 'openTimelineOnStart',
  blockThresholdMs: 'blockThresholdMs',
  tracerMode: 'tracerMode',
  maxTraceMiB: 'maxTraceMiB',
  maxTimelineMiB: 'maxTimelineMiB',
  pythonPath: 'pythonPath',
  lessonsEnabled: 'lessons.enabled',
  lessonsCodeLens: 'lessons.codeLens',
  lessonsLateBackgroundMs: 'lessons.lateBackgroundMs',
  lessonsMinSavingMs: 'lessons.sequentialMinSavingMs',
  /** One switch per kind of lesson, `lessons.<kind>` (model/lessons.ts). */
  lessonsBlockingCall: 'lessons.blockingCall',
  lessonsCpuOnLoop: 'lessons.cpuOnLoop',
  lessonsSequentialAwaits: 'lessons.sequentialAwaits',
  lessonsLateBackground: 'lessons.lateBackground',
} as const;

/** The kitchen walkthrough, as `workbench.action.openWalkthrough` names it (publisher.name#id). */
export const WALKTHROUGH = 'looplens.looplens#kitchen';

/** Theme colours the extension contributes (package.json "colors"). */
export const COLORS = {
  stepLineBackground: 'looplens.stepLineBackground',
  stepLineForeground: 'looplens.stepLineForeground',
} as const;

/** Context keys the extension sets (for `when` clauses in package.json). */
export const CONTEXT_KEYS = {
  /** Some timeline panel is open: the step keys work from the source editor too. */
  timelineOpen: 'looplens.timelineOpen',
  /**
   * The active editor is a `.looplens` file that could not be read (its page says why): the
   * timeline's tools and keys, which would act on some other session, are not offered there.
   */
  refusedFileActive: 'looplens.refusedFileActive',
  /**
   * Some trace is open (a live session or a file): the commands that act on one (Close Trace,
   * Export, the steps) are offered in the Command Palette only then. Run with arguments (by tests,
   * by other commands) they work whatever it says.
   */
  traceOpen: 'looplens.traceOpen',
  /** A traced program is running (Stop Tracing is offered in the Command Palette only then). */
  tracing: 'looplens.tracing',
} as const;

export const VIEW_TYPES = {
  timeline: 'looplens.timeline',
  /** The editor of `.looplens` files (a custom editor): the file's timeline, where it was opened. */
  traceFile: 'looplens.traceFile',
} as const;

/** Debug types whose launches can be traced. */
export const NODE_DEBUG_TYPES = ['node', 'pwa-node', 'node-terminal'] as const;
/** The debug types of the Python extension's debugger, traced with `"looplens": true` (python.ts). */
export const PYTHON_DEBUG_TYPES = ['debugpy', 'python'] as const;

/** The launch attribute that turns tracing on for one configuration. */
export const LAUNCH_ATTRIBUTE = 'looplens';

/** Marks a configuration the provider has already prepared (the provider chain can run twice). */
export const SESSION_MARKER = '__looplensSession';
