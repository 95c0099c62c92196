/**
 * Colors from the VS Code theme (`--vscode-*` CSS variables), read once and again whenever the
 * theme changes (VS Code swaps the body's class), so high-contrast and light themes stay readable.
 */

export interface Theme {
  background: string;
  foreground: string;
  muted: string;
  grid: string;
  focus: string;
  block: string;
  ready: string;
  pause: string;
  lag: string;
  untracked: string;
  /** Colors that tasks take in turn. */
  palette: string[];
  highContrast: boolean;
  font: string;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value !== '' ? value : fallback;
}

export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const highContrast =
    document.body.classList.contains('vscode-high-contrast') ||
    document.body.classList.contains('vscode-high-contrast-light');
  const palette = [
    cssVar(style, '--vscode-charts-blue', '#3794ff'),
    cssVar(style, '--vscode-charts-green', '#89d185'),
    cssVar(style, '--vscode-charts-purple', '#b180d7'),
    cssVar(style, '--vscode-charts-orange', '#d18616'),
    cssVar(style, '--vscode-terminal-ansiCyan', '#29b8db'),
    cssVar(style, '--vscode-terminal-ansiMagenta', '#bc3fbc'),
    cssVar(style, '--vscode-terminal-ansiBrightGreen', '#23d18b'),
    cssVar(style, '--vscode-terminal-ansiBrightBlue', '#3b8eea'),
  ];
  return {
    background: cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    foreground: cssVar(style, '--vscode-editor-foreground', '#cccccc'),
    muted: cssVar(style, '--vscode-descriptionForeground', '#999999'),
    grid: cssVar(style, '--vscode-editorLineNumber-foreground', '#5a5a5a'),
    focus: cssVar(style, '--vscode-focusBorder', '#007fd4'),
    block: cssVar(style, '--vscode-charts-red', '#f14c4c'),
    ready: cssVar(style, '--vscode-charts-yellow', '#cca700'),
    pause: cssVar(style, '--vscode-debugIcon-pauseForeground', '#75beff'),
    lag: cssVar(style, '--vscode-charts-orange', '#d18616'),
    untracked: cssVar(style, '--vscode-disabledForeground', '#7f7f7f'),
    palette,
    highContrast,
    font: cssVar(style, '--vscode-font-family', 'sans-serif'),
  };
}

/** Calls `changed` whenever VS Code switches the theme. */
export function watchTheme(changed: () => void): void {
  new MutationObserver(changed).observe(document.body, { attributes: true, attributeFilter: ['class'] });
}

/** A task's color: stable for its id. */
export function taskColor(theme: Theme, id: string): string {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return theme.palette[Math.abs(h) % theme.palette.length];
}
