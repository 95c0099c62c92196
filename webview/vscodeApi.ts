/**
 * The webview's link to the extension host, typed. In a plain browser page (an HTML snapshot, a
 * test) there is no VS Code: messages are dispatched on the window as `looplens-host` events (a
 * test listens to them; a snapshot ignores them) and state lives only in memory.
 */
import { FromWebviewMessage, WebviewState } from './protocol';

export interface HostApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
  /** True inside VS Code; false in a plain browser page. */
  readonly inVsCode: boolean;
}

interface VsCodeApi {
  postMessage(message: FromWebviewMessage): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** The event a plain page receives for each message the webview would send to VS Code. */
export const HOST_EVENT = 'looplens-host';

export function hostApi(): HostApi {
  if (typeof acquireVsCodeApi === 'function') {
    const api = acquireVsCodeApi();
    return {
      postMessage: (m) => api.postMessage(m),
      getState: () => api.getState(),
      setState: (s) => api.setState(s),
      inVsCode: true,
    };
  }
  let state: WebviewState | undefined;
  return {
    postMessage: (message) => window.dispatchEvent(new CustomEvent(HOST_EVENT, { detail: message })),
    getState: () => state,
    setState: (next) => {
      state = next;
    },
    inVsCode: false,
  };
}
