/**
 * The webview's entry: decodes the trace bytes the host sends with the same reader and model as
 * the host, and hands the timeline to the view. Everything the view shows can be rebuilt from a
 * `reset`; unknown messages are logged and ignored. The same bundle runs in a plain browser page:
 * an HTML snapshot carries its trace inside (see host/snapshotHtml.ts), a test posts messages.
 */
import { DEFAULT_BLOCK_MS } from '../protocol/format';
import './main.css';
import { Timeline } from '../model/timeline';
import { TraceFormatError, TraceReader } from '../protocol/reader';
import { Pause, SessionInfo, ToWebviewMessage, WebviewState } from './protocol';
import { TimelineView } from './timelineView';
import { hostApi } from './vscodeApi';

const host = hostApi();
// Whatever goes wrong in the view reaches the extension's log, where a user (or a test) can see it.
window.addEventListener('error', (event) =>
  host.postMessage({
    type: 'log',
    level: 'error',
    message: `uncaught: ${event.message} at ${event.filename}:${event.lineno}:${event.colno}`,
  }),
);
window.addEventListener('unhandledrejection', (event) =>
  host.postMessage({ type: 'log', level: 'error', message: `unhandled rejection: ${String(event.reason)}` }),
);
const initial = document.body.dataset.session;
if (initial !== undefined) {
  try {
    host.setState(JSON.parse(decodeURIComponent(initial)) as WebviewState);
  } catch {
    // no state to keep
  }
}

const view = new TimelineView(
  document.body,
  {
    openSource: (location) => host.postMessage({ type: 'openSource', location }),
    rendered: (state) => host.postMessage({ type: 'rendered', state }),
    stepped: (step) => host.postMessage({ type: 'stepped', step }),
    exportRequested: () => host.postMessage({ type: 'export' }),
    log: (level, message) => host.postMessage({ type: 'log', level, message }),
  },
  { inVsCode: host.inVsCode },
);

let timeline = new Timeline();
let reader = new TraceReader(timeline);

/** Reads bytes into the timeline; returns the problem if they cannot be read. */
function feed(bytes: Uint8Array): string | null {
  let problem: string | null = null;
  try {
    reader.push(bytes);
  } catch (error) {
    problem = error instanceof TraceFormatError ? error.message : String(error);
    host.postMessage({ type: 'log', level: 'error', message: `cannot read the trace: ${problem}` });
  }
  view.changed();
  return problem;
}

function reset(session: SessionInfo, bytes: Uint8Array, pauses: Pause[], blockMs?: number): string | null {
  timeline = new Timeline(blockMs);
  const mib = session.timelineMiB;
  if (typeof mib === 'number' && mib > 0) timeline.memoryBudget = mib * 1024 * 1024;
  reader = new TraceReader(timeline);
  view.setTimeline(timeline);
  view.setSession(session);
  timeline.setPauses(pauses);
  view.setPauses(pauses);
  const problem = feed(bytes);
  if (session.state === 'ended' || session.state === 'file') timeline.finish();
  return problem;
}

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'reset':
      reset(message.session, message.bytes, message.pauses, message.session.blockMs);
      return;
    case 'append':
      feed(message.bytes);
      return;
    case 'session':
      view.setSession(message.session);
      if (message.session.state === 'ended') {
        timeline.finish();
        view.changed();
      }
      return;
    case 'pauses':
      timeline.setPauses(message.pauses);
      view.setPauses(message.pauses);
      return;
    case 'cursor':
      if (Number.isFinite(message.time)) view.showCursorAt(message.time);
      return;
    case 'reveal':
      if (Number.isFinite(message.time) && Number.isFinite(message.durationMs))
        view.reveal(message.time, message.durationMs);
      return;
    case 'watch':
      if (Number.isFinite(message.since)) view.watch(message.since);
      return;
    case 'snapshot':
      void view.snapshot(message.format).then(
        (data) => host.postMessage({ type: 'snapshot', requestId: message.requestId, data }),
        (error: unknown) =>
          host.postMessage({
            type: 'snapshot',
            requestId: message.requestId,
            error: error instanceof Error ? error.message : String(error),
          }),
      );
      return;
    default:
      host.postMessage({
        type: 'log',
        level: 'warn',
        message: `ignored an unknown message: ${String((message as { type?: unknown })?.type)}`,
      });
  }
});

/**
 * The trace of a snapshot: base64 in one carrier element or, for a large trace, in several of the
 * same class (each small enough to be one string), in order.
 */
function snapshotBytes(first: HTMLElement): Uint8Array {
  const carriers = Array.from(document.getElementsByClassName(first.id)) as HTMLElement[];
  const texts = (carriers.length > 0 ? carriers : [first]).map((c) => atob((c.textContent ?? '').trim()));
  const bytes = new Uint8Array(texts.reduce((n, t) => n + t.length, 0));
  let at = 0;
  for (const text of texts) for (let i = 0; i < text.length; i++) bytes[at++] = text.charCodeAt(i);
  return bytes;
}

/** An HTML snapshot: the trace is in the page. */
function openSnapshot(): boolean {
  const carrier = document.getElementById('looplens-trace');
  if (carrier === null) return false;
  let info: { name?: unknown; pauses?: unknown } = {};
  try {
    info = JSON.parse(document.body.dataset.snapshot ?? '{}') as typeof info;
  } catch {
    // keep the defaults
  }
  const name = typeof info.name === 'string' ? info.name : 'Loop Lens snapshot';
  const pauses = Array.isArray(info.pauses) ? (info.pauses as Pause[]) : [];
  let bytes: Uint8Array;
  try {
    bytes = snapshotBytes(carrier);
  } catch {
    bytes = new Uint8Array(0);
  }
  const session: SessionInfo = {
    id: 'snapshot',
    name,
    state: 'file',
    problem: null,
    events: 0,
    dropped: 0,
    bytes: bytes.length,
    blockMs: DEFAULT_BLOCK_MS,
    liveBlock: null,
  };
  const problem = reset(session, bytes, pauses);
  view.setSession({
    ...session,
    problem: problem !== null ? `This snapshot's trace cannot be read: ${problem}` : null,
    events: reader.stats.events,
    dropped: timeline.droppedEvents,
    blockMs: timeline.blockMs,
  });
  return true;
}

if (!openSnapshot()) host.postMessage({ type: 'ready' });
