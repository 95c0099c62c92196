/**
 * Stepping through task switches, in the editor: when a timeline's step cursor moves, the line the
 * resumed task runs is shown in the editor column beside the timeline, never over a walkthrough the
 * user is reading (focus stays in the panel, so the next step is one key away), and marked with a
 * decoration that says who resumed and why.
 */
import * as vscode from 'vscode';
import { StepInfo } from '../webview/protocol';
import { COLORS } from './ids';
import { TimelinePanel, TimelinePanels, sourceColumn, sourceLocation } from './timelinePanel';

export class StepDecoration implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor(COLORS.stepLineBackground),
    overviewRulerColor: new vscode.ThemeColor(COLORS.stepLineBackground),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
    // High contrast themes draw a border instead (the colour is transparent elsewhere).
    outlineColor: new vscode.ThemeColor('contrastActiveBorder'),
    outlineStyle: 'solid',
    outlineWidth: '1px',
    after: {
      color: new vscode.ThemeColor(COLORS.stepLineForeground),
      margin: '0 0 0 2em',
      fontStyle: 'italic',
    },
  });
  private marked: { uri: string; line: number } | null = null;
  private label = '';
  private readonly disposables: vscode.Disposable[] = [];

  constructor(panels: TimelinePanels) {
    this.disposables.push(
      panels.onDidStep(({ panel, step }) => void this.show(panel, step)),
      // A document opened later (or again) gets the mark too.
      vscode.window.onDidChangeVisibleTextEditors(() => this.paint()),
    );
  }

  /** Where the current mark is (for tests). */
  get current(): { uri: string; line: number } | null {
    return this.marked;
  }

  private async show(panel: TimelinePanel, step: StepInfo | null): Promise<void> {
    const location = step?.location != null ? sourceLocation(step.location) : null;
    if (step === null || location === null) {
      this.marked = null;
      this.paint();
      return;
    }
    const uri = location.file.includes('://')
      ? vscode.Uri.parse(location.file)
      : vscode.Uri.file(location.file);
    this.marked = { uri: uri.toString(), line: Math.max(0, location.line - 1) };
    this.label = `  ⟵ ${step.to.name} ${step.starts ? 'starts' : 'resumes'} here: ${step.because}`;
    try {
      const hadFocus = panel.panel.active;
      const groups = vscode.window.tabGroups.all.length;
      const column = await sourceColumn(() => panel.panel.viewColumn);
      const position = new vscode.Position(this.marked.line, Math.max(0, location.column - 1));
      const editor = await vscode.window.showTextDocument(uri, {
        viewColumn: column,
        preserveFocus: true,
        preview: true,
        selection: new vscode.Range(position, position),
      });
      // A group made for the line took the focus: the timeline gets it back (the next step is one
      // key away there).
      if (hadFocus && vscode.window.tabGroups.all.length > groups) panel.panel.reveal(undefined, false);
      editor.revealRange(
        new vscode.Range(position, position),
        vscode.TextEditorRevealType.InCenterIfOutsideViewport,
      );
    } catch {
      // A file that is not there (a trace from another machine): the step still shows in the panel.
    }
    this.paint();
  }

  private paint(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const here = this.marked !== null && editor.document.uri.toString() === this.marked.uri;
      if (!here || this.marked === null || this.marked.line >= editor.document.lineCount) {
        editor.setDecorations(this.type, []);
        continue;
      }
      const line = editor.document.lineAt(this.marked.line);
      editor.setDecorations(this.type, [
        { range: line.range, renderOptions: { after: { contentText: this.label } } },
      ]);
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.type.dispose();
  }
}
