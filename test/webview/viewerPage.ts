/**
 * The real timeline webview in real headless Chromium (Debian's chromium with playwright-core),
 * outside VS Code: the built bundle in a plain page. Tests talk to it as VS Code would: messages go
 * in through window.postMessage, and what the webview sends to its host comes back as the
 * `looplens-host` events of a plain page (see webview/vscodeApi.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { FromWebviewMessage, RenderedState, SessionInfo } from '../../webview/protocol';
import { ROOT } from '../helpers';

/** How every test and benchmark starts Debian's Chromium (test/chromium.json). */
const chromiumConfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'chromium.json'), 'utf8')) as {
  path: string;
  args: string[];
};
export const CHROMIUM = process.env.LOOPLENS_CHROMIUM || chromiumConfig.path;
export const CHROMIUM_ARGS: readonly string[] = chromiumConfig.args;

let browser: Browser | null = null;

/** One browser for the whole run (closed by closeBrowser). */
export async function launchBrowser(): Promise<Browser> {
  if (browser !== null) return browser;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close();
  browser = null;
}

export function viewerAssets(): { script: string; style: string } {
  const dir = path.join(ROOT, 'dist', 'webview');
  return {
    script: fs.readFileSync(path.join(dir, 'main.js'), 'utf8'),
    style: fs.readFileSync(path.join(dir, 'main.css'), 'utf8'),
  };
}

export interface PageOptions {
  width?: number;
  height?: number;
  deviceScaleFactor?: number;
  colorScheme?: 'dark' | 'light';
  /**
   * Host the webview as VS Code does (its `acquireVsCodeApi`, whose messages come back as the
   * same events): the panel then has its VS Code-only tools (Export…).
   */
  inVsCode?: boolean;
}

type Outbox = FromWebviewMessage[];

/** Collects what the webview sends to its host. */
const OUTBOX = `window.__outbox = [];
window.addEventListener('looplens-host', (e) => window.__outbox.push(e.detail));`;

/** VS Code's webview API, as far as the webview uses it: its messages reach the outbox too. */
const VSCODE_API = `window.acquireVsCodeApi = () => ({
  postMessage: (m) => window.dispatchEvent(new CustomEvent('looplens-host', { detail: m })),
  getState: () => undefined,
  setState: () => undefined,
});`;

export class ViewerPage {
  /** Uncaught errors and console errors of the page: a test checks that there are none. */
  readonly errors: string[] = [];

  private constructor(readonly page: Page) {
    page.on('pageerror', (e) => this.errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') this.errors.push(`console: ${m.text()}`);
    });
  }

  private static async newPage(options: PageOptions): Promise<Page> {
    const b = await launchBrowser();
    const context = await b.newContext({
      viewport: { width: options.width ?? 1200, height: options.height ?? 700 },
      deviceScaleFactor: options.deviceScaleFactor ?? 1,
      colorScheme: options.colorScheme ?? 'dark',
    });
    // Nothing may come from the network: a snapshot is offline by promise.
    await context.route(/^(https?|wss?):/, (route) => route.abort());
    const page = await context.newPage();
    await page.addInitScript({ content: OUTBOX });
    return page;
  }

  /** A page that runs the webview as VS Code would host it, waiting for messages. */
  static async open(options: PageOptions = {}): Promise<ViewerPage> {
    const page = await ViewerPage.newPage(options);
    const { script, style } = viewerAssets();
    const viewer = new ViewerPage(page);
    await page.setContent(
      `<!DOCTYPE html><html><head><meta charset="utf-8"><style>${style}</style><script>${OUTBOX}${options.inVsCode === true ? VSCODE_API : ''}</script></head><body></body></html>`,
    );
    await page.addScriptTag({ content: script });
    await viewer.waitFor('the webview to say it is ready', (m) => m.some((x) => x.type === 'ready'));
    return viewer;
  }

  /** A page that opens an HTML file (a snapshot) from disk. */
  static async openFile(file: string, options: PageOptions = {}): Promise<ViewerPage> {
    const page = await ViewerPage.newPage(options);
    const viewer = new ViewerPage(page);
    await page.goto(`file://${file}`);
    return viewer;
  }

  /** Everything the webview sent to its host so far. */
  async messages(): Promise<Outbox> {
    return this.page.evaluate<Outbox>('window.__outbox.slice()');
  }

  async clearMessages(): Promise<void> {
    await this.page.evaluate('window.__outbox.length = 0');
  }

  /** Waits until `test` accepts the messages so far, and returns what it returned. */
  async waitFor<T>(what: string, test: (messages: Outbox) => T | undefined | false, ms = 10_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const result = test(await this.messages());
      if (result !== undefined && result !== false) return result;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; page errors: ${this.errors.join('; ')}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** The last rendered state that `test` accepts (waiting for it). */
  async rendered(what: string, test: (state: RenderedState) => boolean = () => true): Promise<RenderedState> {
    return this.waitFor(what, (messages) => {
      const states = messages
        .filter((m) => m.type === 'rendered')
        .map((m) => (m as { state: RenderedState }).state);
      const last = states[states.length - 1];
      return last !== undefined && test(last) ? last : undefined;
    });
  }

  /** Sends a host message (Uint8Array fields travel as base64 and are rebuilt in the page). */
  async post(message: Record<string, unknown>): Promise<void> {
    const bytes = message.bytes instanceof Uint8Array ? Buffer.from(message.bytes).toString('base64') : null;
    const json = JSON.stringify({ ...message, bytes: undefined });
    await this.page.evaluate(`(() => {
      const m = ${json};
      const b = ${JSON.stringify(bytes)};
      if (b !== null) m.bytes = Uint8Array.from(atob(b), (c) => c.charCodeAt(0));
      window.postMessage(m, '*');
    })()`);
  }

  /** Loads a trace as the host does for a finished session. */
  async load(bytes: Uint8Array, session: Partial<SessionInfo> = {}): Promise<RenderedState> {
    const info = await this.reset(bytes, session);
    return this.rendered('the trace to be drawn', (s) => s.sessionId === info.id && s.stints > 0);
  }

  /** Starts a live session with the bytes so far, as the host does while the program runs. */
  async startLive(bytes: Uint8Array, session: Partial<SessionInfo> = {}): Promise<void> {
    await this.reset(bytes, { state: 'running', bytes: 0, ...session });
  }

  /** Posts a reset (a file, unless told otherwise) without waiting for it to be drawn. */
  async reset(bytes: Uint8Array, session: Partial<SessionInfo> = {}): Promise<SessionInfo> {
    const info: SessionInfo = {
      id: 'test',
      name: 'test trace',
      state: 'file',
      problem: null,
      events: 0,
      dropped: 0,
      liveBlock: null,
      bytes: bytes.length,
      blockMs: 50,
      ...session,
    };
    await this.clearMessages();
    await this.post({ type: 'reset', session: info, bytes, pauses: [] });
    return info;
  }

  async close(): Promise<void> {
    await this.page.context().close();
  }
}
