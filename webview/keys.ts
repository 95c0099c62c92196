/**
 * The timeline's keyboard (which key does what) and its wheel (zoom, or Shift to scroll). The view
 * is the target; the keys are listed in the canvas's accessible label too, and N/P/Enter mirror
 * VS Code's Alt+]/Alt+[ commands.
 */

/**
 * Every key of the timeline and what it does, as the keys help (`?`) lists them: the one place a
 * keyboard user learns them, beside the buttons' titles.
 */
export const KEY_HELP: ReadonlyArray<readonly [keys: string, action: string]> = [
  [
    'N P',
    'next / previous task switch (or a task resuming after the loop sat idle), and what the task that ran did (Alt+] / Alt+[ in the editor too)',
  ],
  ['B', 'next block (Shift+B: previous), and the lines that held the loop'],
  ['Enter', 'open the line of the switch (or the block) in the editor'],
  ['Esc', 'clear the step cursor (or close this list)'],
  ['← →', 'pan earlier / later (on the overview strip too)'],
  ['Home End', 'go to the start / the end of the trace'],
  ['+ −', 'zoom in / out'],
  ['↑ ↓ PgUp PgDn', 'scroll the lanes'],
  ['F', 'fit the whole trace'],
  ['L', 'follow live (a live trace), or hold the view'],
  ['I', 'fold or unfold internal tasks'],
  ['/', 'filter lanes by name or kind'],
  ['?', 'show or hide this list'],
];

/** What a key can ask of the view. */
export interface KeyTarget {
  /** Zoom about the middle of the drawing area by `factor` (> 1: closer). */
  zoom(factor: number): void;
  /** Pan by an eighth of the drawing area: earlier (-1) or later (1). */
  pan(direction: -1 | 1): void;
  /** Scroll the lanes by `lanes` lanes, or by `pages` screens of lanes. */
  scroll(lanes: number, pages: number): void;
  fit(): void;
  /** Show the start or the end of the trace, at the span in view. */
  toEdge(edge: 'start' | 'end'): void;
  toggleFollow(): void;
  step(direction: 'next' | 'previous'): void;
  /** Move the step cursor to the next or previous block (a mouse user hovers its red). */
  stepBlock(direction: 'next' | 'previous'): void;
  toggleInternal(): void;
  focusFilter(): void;
  /** Open the line the step cursor's task runs. */
  openStep(): void;
  /** Take the step cursor away; false when there was none. */
  clearStep(): boolean;
  /** Show or hide the keys help. */
  toggleKeys(): void;
  /** Hide the keys help; false when it was not shown. */
  hideKeys(): boolean;
}

/** Does what the key asks; returns whether the key was the timeline's (then its default is prevented). */
export function handleKey(event: KeyboardEvent, view: KeyTarget): boolean {
  // Alt+], Alt+[ and other modified keys belong to VS Code's keybindings.
  const modified = event.altKey || event.ctrlKey || event.metaKey;
  switch (event.key) {
    case '+':
    case '=':
      view.zoom(1.5);
      return true;
    case '-':
      view.zoom(1 / 1.5);
      return true;
    case 'ArrowLeft':
      view.pan(-1);
      return true;
    case 'ArrowRight':
      view.pan(1);
      return true;
    case 'ArrowUp':
      view.scroll(-3, 0);
      return true;
    case 'ArrowDown':
      view.scroll(3, 0);
      return true;
    case 'PageUp':
      view.scroll(0, -1);
      return true;
    case 'PageDown':
      view.scroll(0, 1);
      return true;
    case 'f':
    case 'F':
      view.fit();
      return true;
    case 'Home':
      view.toEdge('start');
      return true;
    case 'End':
      view.toEdge('end');
      return true;
    case 'l':
    case 'L':
      view.toggleFollow();
      return true;
    case 'n':
    case 'N':
    case '.':
      if (modified) return false;
      view.step('next');
      return true;
    case 'p':
    case 'P':
    case ',':
      if (modified) return false;
      view.step('previous');
      return true;
    case 'b':
    case 'B':
      if (modified) return false;
      view.stepBlock(event.shiftKey ? 'previous' : 'next');
      return true;
    case 'i':
    case 'I':
      view.toggleInternal();
      return true;
    case '/':
      view.focusFilter();
      return true;
    case 'Enter':
      view.openStep();
      return true;
    case '?':
      view.toggleKeys();
      return true;
    case 'Escape':
      return view.hideKeys() || view.clearStep();
    default:
      return false;
  }
}

/**
 * Which pointer and wheel events zoom and pan (d3-zoom's filter): the wheel and a left drag;
 * Shift+wheel scrolls the lanes (in `scroller`) instead.
 */
export function zoomsOrScrolls(scroller: HTMLElement): (event: Event) => boolean {
  return (event) => {
    if (event.type === 'wheel' && (event as WheelEvent).shiftKey) {
      const wheel = event as WheelEvent;
      scroller.scrollTop += wheel.deltaY || wheel.deltaX;
      return false;
    }
    return !(event as MouseEvent).button;
  };
}
