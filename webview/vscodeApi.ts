/**
 * The webview's link to the extension host, typed. In a plain browser page (an HTML snapshot, a
 * test) there is no VS Code: messages go nowhere and state lives only in memory.
 */
import { FromWebviewMessage, WebviewState } from './protocol';

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function hostApi(): VsCodeApi {
  if (typeof acquireVsCodeApi === 'function') return acquireVsCodeApi();
  let state: WebviewState | undefined;
  return {
    postMessage: () => {},
    getState: () => state,
    setState: (next) => {
      state = next;
    },
  };
}
