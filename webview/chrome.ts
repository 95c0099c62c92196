/**
 * The panel around the canvas: the header with its title, state and tools, the problem and step
 * bars, the chart (canvas and lane scroller), the tooltip and the legend. Built once; the view
 * fills in the text. Buttons carry their keys in their titles (see keys.ts).
 */
import { formatDuration } from '../model/duration';
import type { EndInfo } from '../model/timeline';
import { KEY_HELP } from './keys';
import { SessionInfo } from './protocol';

export interface ChromeActions {
  /** The lane filter's text changed. */
  filter(text: string): void;
  /** The filter is done with (Enter or Escape): back to the canvas. */
  filterDone(): void;
  toggleInternal(): void;
  step(direction: 'next' | 'previous'): void;
  fit(): void;
  toggleFollow(): void;
  /** The "Follow live again" button over a held live view. */
  followAgain(): void;
  /** The Keys button: show or hide the keys help. */
  toggleKeys(): void;
  /** Inside VS Code: the Export… button. */
  exportRequested?: () => void;
}

export interface Chrome {
  root: HTMLElement;
  title: HTMLElement;
  status: HTMLElement;
  blocked: HTMLElement;
  search: HTMLInputElement;
  internalButton: HTMLButtonElement;
  followButton: HTMLButtonElement;
  /** Over the chart while a live trace's view is held: back to the newest events. */
  followAgain: HTMLButtonElement;
  /** Over the empty chart: what the timeline waits for (a program not started yet), or that it is empty. */
  empty: HTMLElement;
  /** The list of the timeline's keys (shown by `?` or the Keys button). */
  keysHelp: HTMLElement;
  keysButton: HTMLButtonElement;
  problem: HTMLElement;
  stepBar: HTMLElement;
  canvas: HTMLCanvasElement;
  scroller: HTMLElement;
  spacer: HTMLElement;
  tooltip: HTMLElement;
  /** Visually hidden, read out: the details of the stint the step cursor stands on. */
  details: HTMLElement;
  legendHidden: HTMLElement;
  /** The legend, its items each a swatch and a label. */
  legend: HTMLElement;
  /** The legend's "paused in debugger" item (shown only when the trace has pauses). */
  legendPaused: HTMLElement;
}

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent?: HTMLElement,
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  el.className = className;
  parent?.appendChild(el);
  return el;
}

/**
 * A tool button: its label, and a short one shown when the panel is narrow (beside an editor), so
 * the tools stay on one row; its name for assistive technology is always the full label.
 */
function button(
  parent: HTMLElement,
  label: string,
  short: string,
  title: string,
  action: () => void,
): HTMLButtonElement {
  const b = element('button', 'tool', parent);
  b.type = 'button';
  element('span', 'long', b).textContent = label;
  const brief = element('span', 'short', b);
  brief.textContent = short;
  brief.setAttribute('aria-hidden', 'true');
  b.setAttribute('aria-label', label);
  b.title = title;
  b.addEventListener('click', action);
  return b;
}

const STATE_WORDS: Record<SessionInfo['state'], string> = {
  starting: 'waiting for the program',
  running: 'running',
  paused: 'paused in the debugger',
  ended: 'ended',
  file: 'trace file',
};

/** The header says what the session is: its name, its state and counts, a block going on now. */
export function showSession(
  header: Pick<Chrome, 'title' | 'status' | 'blocked'>,
  session: SessionInfo,
): void {
  const { title, status, blocked } = header;
  title.textContent = session.name;
  title.title = session.name;
  document.title = `${session.name} — Loop Lens`;
  status.textContent = `${STATE_WORDS[session.state]} · ${session.events.toLocaleString()} events${session.dropped > 0 ? ` · ${session.dropped.toLocaleString()} dropped` : ''}`;
  status.dataset.state = session.state;
  // Said in words too, beside the state: the loop is held now.
  const live = session.liveBlock ?? null;
  blocked.textContent =
    live === null ? '' : `Loop blocked now: ${formatDuration(live.durationMs)} in ${live.taskName}`;
  blocked.style.display = live === null ? 'none' : 'inline-block';
}

/**
 * What the panel says about how the program ended, when it ended badly: an uncaught exception, an
 * unhandled rejection or a non-zero exit code (null for a clean exit, a signal — stopping a debug
 * session sends one — or a trace that is not over). `at` is when, from the trace's start (ms).
 */
export function endNote(end: EndInfo | null, at: number): string | null {
  if (end === null) return null;
  const code = end.code !== 0 ? ` (exit code ${end.code})` : '';
  const what =
    end.cause === 'uncaught-exception'
      ? `an uncaught exception${code}`
      : end.cause === 'unhandled-rejection'
        ? `an unhandled promise rejection${code}`
        : end.cause === 'exit' && end.code !== 0
          ? `exit code ${end.code}`
          : null;
  if (what === null) return null;
  return `The program ended with ${what} at ${formatDuration(at)}. Its error is in the program's output (the Debug Console when it ran under the debugger); the timeline shows what ran until then.`;
}

/**
 * What the chart says while it has nothing to draw: a program that has not started or sent
 * anything yet (seconds, on a busy machine or before the debugger lets it run), or a trace with
 * no work in it; null when there is something to draw. A program that never connects is the
 * problem bar's to say.
 */
export function emptyNote(state: SessionInfo['state'], stints: number): string | null {
  if (stints > 0) return null;
  switch (state) {
    case 'starting':
      return 'Waiting for the program to start… Its timeline fills in here as it runs.';
    case 'running':
    case 'paused':
      return 'Waiting for the program’s first events…';
    case 'ended':
    case 'file':
      return 'This trace holds no work of the program.';
  }
}

/** Below this width (px) the panel is narrow: short labels, a smaller filter box. */
export const NARROW_PX = 760;

/** Builds the panel in `parent`; `overview` adds the overview strip where it belongs (above the chart). */
export function buildChrome(
  parent: HTMLElement,
  actions: ChromeActions,
  overview: (root: HTMLElement) => void,
): Chrome {
  const root = element('div', 'looplens', parent);
  const header = element('div', 'header', root);
  const title = element('span', 'title', header);
  const status = element('span', 'status', header);
  const blocked = element('span', 'blocked-now', header);
  blocked.style.display = 'none';
  const tools = element('span', 'tools', header);
  const search = element('input', 'search', tools);
  search.type = 'search';
  search.placeholder = 'Filter lanes';
  search.title = 'Show only tasks whose name or kind contains this (/)';
  search.setAttribute('aria-label', 'Filter lanes by name or kind');
  search.addEventListener('input', () => actions.filter(search.value));
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' || e.key === 'Enter') {
      actions.filterDone();
      e.preventDefault();
    }
  });
  const internalButton = button(
    tools,
    'Hide internal',
    'Internal',
    'Fold tasks made by libraries and Node itself into one lane (I)',
    () => actions.toggleInternal(),
  );
  internalButton.setAttribute('aria-pressed', 'true');
  // (A step is a task switch, or a task resuming after the loop sat idle: model/switches.ts.)
  button(
    tools,
    '◀ Switch',
    '◀',
    'Previous step: a task switch, or a task resuming after idle time (P, or Alt+[ in VS Code)',
    () => actions.step('previous'),
  );
  button(
    tools,
    'Switch ▶',
    '▶',
    'Next step: a task switch, or a task resuming after idle time (N, or Alt+] in VS Code)',
    () => actions.step('next'),
  );
  button(tools, 'Fit', 'Fit', 'Show the whole trace (F)', () => actions.fit());
  const followButton = button(tools, 'Follow live', 'Live', 'Keep the newest events in view (L)', () =>
    actions.toggleFollow(),
  );
  const keysButton = button(tools, 'Keys', '?', "The timeline's keys (?)", () => actions.toggleKeys());
  keysButton.setAttribute('aria-expanded', 'false');
  if (actions.exportRequested !== undefined)
    button(
      tools,
      'Export…',
      'Export…',
      'Export a snapshot: PNG, SVG, HTML, trace file or Chrome trace',
      actions.exportRequested,
    );
  const problem = element('div', 'problem', root);
  problem.setAttribute('role', 'alert');
  const stepBar = element('div', 'stepbar', root);
  stepBar.setAttribute('role', 'status');
  stepBar.setAttribute('aria-live', 'polite');
  overview(root);

  const chart = element('div', 'chart', root);
  const canvas = element('canvas', 'canvas', chart);
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute(
    'aria-label',
    'Event-loop timeline. N and P step through task switches and tell about the task that ran, B and Shift+B go to the next and previous block, Enter opens the line, arrow keys pan, Home and End go to the start and the end, + and - zoom, F fits, L follows live, I folds internal tasks, / filters, ? lists the keys.',
  );
  const scroller = element('div', 'scroller', chart);
  const spacer = element('div', 'spacer', scroller);
  const followAgain = element('button', 'tool follow-again', chart);
  followAgain.type = 'button';
  followAgain.textContent = 'Follow live again ▸';
  followAgain.title = 'The view holds still while the program runs on: show the newest events again (L)';
  followAgain.style.display = 'none';
  followAgain.addEventListener('click', () => actions.followAgain());
  const empty = element('div', 'empty-state', chart);
  empty.setAttribute('role', 'status');
  empty.style.display = 'none';
  const keysHelp = element('div', 'keys-help', chart);
  keysHelp.id = 'looplens-keys';
  keysHelp.setAttribute('role', 'note');
  keysHelp.setAttribute('aria-label', "The timeline's keys");
  keysHelp.style.display = 'none';
  element('div', 'keys-help-title', keysHelp).textContent = 'Keys, when the timeline has the focus';
  const table = element('table', '', keysHelp);
  for (const [keys, action] of KEY_HELP) {
    const row = element('tr', '', table);
    element('th', '', row).textContent = keys;
    element('td', '', row).textContent = action;
  }
  keysButton.setAttribute('aria-controls', keysHelp.id);
  const tooltip = element('div', 'tooltip', root);
  tooltip.setAttribute('role', 'tooltip');
  const details = element('div', 'step-details visually-hidden', root);
  details.setAttribute('role', 'status');
  details.setAttribute('aria-live', 'polite');
  details.setAttribute('aria-label', 'The switched-to stint');
  const legend = element('div', 'legend', root);
  let legendPaused: HTMLElement | null = null;
  for (const [cls, label] of [
    ['running', 'running'],
    ['waiting', 'waiting'],
    ['ready', 'ready, not run'],
    ['block', 'block'],
    ['paused', 'paused in debugger'],
    ['responded', 'response sent'],
  ]) {
    const item = element('span', 'legend-item', legend);
    element('span', `swatch swatch-${cls}`, item);
    item.append(label);
    if (cls === 'paused') legendPaused = item;
  }
  const legendHidden = element('span', 'legend-hidden', legend);
  return {
    root,
    title,
    status,
    blocked,
    search,
    internalButton,
    followButton,
    followAgain,
    empty,
    keysHelp,
    keysButton,
    problem,
    stepBar,
    canvas,
    scroller,
    spacer,
    tooltip,
    details,
    legendHidden,
    legend,
    legendPaused: legendPaused!,
  };
}

/**
 * Shows `lines` in the tooltip beside the point `px` (CSS px across the view, `width` px wide), its
 * top at `top` (px in the panel) — or, where it would run out of the panel's bottom, its bottom
 * at `above` (the top of what it tells about), so that it is whole on screen.
 */
export function placeTooltip(
  tooltip: HTMLElement,
  lines: string[],
  px: number,
  width: number,
  top: number,
  above: number,
): void {
  if (lines.length === 0) {
    tooltip.style.display = 'none';
    return;
  }
  tooltip.textContent = lines.join('\n');
  tooltip.style.display = 'block';
  // Right of the pointer where it fits, else left of it: measured, as a block's lines run long.
  const w = tooltip.offsetWidth;
  const left = px + 14 + w <= width ? px + 14 : px - 14 - w;
  tooltip.style.left = `${Math.max(0, Math.min(left, width - w))}px`;
  const h = tooltip.offsetHeight;
  const room = tooltip.parentElement?.clientHeight ?? Infinity;
  tooltip.style.top = `${top + h <= room ? top : Math.max(0, Math.min(above - h, room - h))}px`;
}
