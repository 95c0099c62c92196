/**
 * The webview's entry: decodes the trace bytes the host sends with the same reader and model as
 * the host, and hands the timeline to the view. Everything the view shows can be rebuilt from a
 * `reset`; unknown messages are logged and ignored.
 */
import './main.css';
import { Timeline } from '../model/timeline';
import { TraceFormatError, TraceReader } from '../protocol/reader';
import { ToWebviewMessage, WebviewState } from './protocol';
import { TimelineView } from './timelineView';
import { hostApi } from './vscodeApi';

const host = hostApi();
const initial = document.body.dataset.session;
if (initial !== undefined) {
  try {
    host.setState(JSON.parse(decodeURIComponent(initial)) as WebviewState);
  } catch {
    // no state to keep
  }
}

const view = new TimelineView(document.body, {
  openSource: (location) => host.postMessage({ type: 'openSource', location }),
  rendered: (state) => host.postMessage({ type: 'rendered', state }),
});

let timeline = new Timeline();
let reader = new TraceReader(timeline);

function feed(bytes: Uint8Array): void {
  try {
    reader.push(bytes);
  } catch (error) {
    const message = error instanceof TraceFormatError ? error.message : String(error);
    host.postMessage({ type: 'log', level: 'error', message: `cannot read the trace: ${message}` });
  }
  view.changed();
}

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const message = event.data;
  switch (message?.type) {
    case 'reset':
      timeline = new Timeline(message.session.blockMs);
      reader = new TraceReader(timeline);
      view.setTimeline(timeline);
      view.setSession(message.session);
      timeline.setPauses(message.pauses);
      view.setPauses(message.pauses);
      feed(message.bytes);
      if (message.session.state === 'ended' || message.session.state === 'file') timeline.finish();
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
    default:
      host.postMessage({
        type: 'log',
        level: 'warn',
        message: `ignored an unknown message: ${String((message as { type?: unknown })?.type)}`,
      });
  }
});

host.postMessage({ type: 'ready' });
