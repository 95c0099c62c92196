/**
 * Lessons in the editor: what the timelines of open traces say about the code (model/lessons.ts),
 * as diagnostics in the Problems panel and CodeLenses at the lines. Each session's lessons are
 * worked out again when its timeline changes (at most every LIVE_EVERY_MS while it runs) and go
 * away with the session: when its trace is closed.
 */
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { diskFiles } from '../host/diskFiles';
import { LESSON_KINDS, Lesson, LessonKind, findLessons } from '../model/lessons';
import { SourceMapper } from '../model/sourceMaps';
import { COMMANDS, SETTINGS } from './ids';
import { numberSetting } from './settings';
import { TraceSession, TraceSessions } from './traceSessions';

/** While a session runs, its lessons are worked out again at most this often, ms. */
const LIVE_EVERY_MS = 1000;
/** Source files larger than this are not read (to tell dependent awaits apart). */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

const SEVERITY: Record<LessonKind, vscode.DiagnosticSeverity> = {
  blockingCall: vscode.DiagnosticSeverity.Warning,
  cpuOnLoop: vscode.DiagnosticSeverity.Warning,
  sequentialAwaits: vscode.DiagnosticSeverity.Information,
  lateBackground: vscode.DiagnosticSeverity.Information,
};

/** What a CodeLens says, short. */
function lensTitle(lesson: Lesson): string {
  const times = lesson.count > 1 ? ` (${lesson.count}×)` : '';
  const ms = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
  switch (lesson.kind) {
    case 'blockingCall':
      return `$(warning) Loop Lens: this call blocked the loop ${ms(lesson.durationMs)} in ${lesson.taskName}${times} — show on the timeline`;
    case 'cpuOnLoop':
      return `$(warning) Loop Lens: CPU work held the loop ${ms(lesson.durationMs)} in ${lesson.taskName}${times} — show on the timeline`;
    case 'sequentialAwaits':
      return `$(info) Loop Lens: ${lesson.related.length + 1} awaits in a row could overlap (Promise.all saves ${ms(lesson.worstMs)})${times} — show on the timeline`;
    case 'lateBackground':
      return `$(info) Loop Lens: still running ${ms(lesson.worstMs)} after ${lesson.taskName} answered${times} — show on the timeline`;
  }
}

export interface RevealArgs {
  sessionId: string;
  /** Trace clock, ms. */
  time: number;
  durationMs: number;
}

export class EditorLessons implements vscode.Disposable, vscode.CodeLensProvider, vscode.CodeActionProvider {
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('looplens');
  private readonly lessons = new Map<string, Lesson[]>();
  private readonly computed = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly disposables: vscode.Disposable[] = [];
  /**
   * What "Show on Timeline" shows for each diagnostic published, by file, line and kind (the
   * diagnostics a code action is given are copies).
   */
  private revealOf = new Map<string, RevealArgs>();
  private readonly warned = new Set<string>();
  /** How long working out the lessons took last time, ms. */
  private lastComputeMs = 0;

  constructor(private readonly sessions: TraceSessions) {
    const watch = (session: TraceSession) => {
      this.disposables.push(session.onDidChange(() => this.schedule(session)));
      this.schedule(session);
    };
    for (const s of sessions.all()) watch(s);
    this.disposables.push(
      sessions.onDidAdd(watch),
      sessions.onDidRemove((session) => this.forget(session.id)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`${SETTINGS.section}.lessons`)) {
          this.computed.clear();
          for (const s of sessions.all()) this.schedule(s, 0);
          this.lensesChanged.fire();
        }
      }),
      vscode.languages.registerCodeLensProvider(SOURCES, this),
      vscode.languages.registerCodeActionsProvider(SOURCES, this, {
        providedCodeActionKinds: [vscode.CodeActionKind.Empty],
      }),
    );
  }

  /** The lessons of a session, as last worked out (for inspectState and tests). */
  of(sessionId: string): readonly Lesson[] {
    return this.lessons.get(sessionId) ?? [];
  }

  private schedule(session: TraceSession, delay?: number): void {
    if (this.timers.has(session.id)) return;
    const live = session.state === 'running' || session.state === 'paused' || session.state === 'starting';
    this.timers.set(
      session.id,
      setTimeout(
        () => {
          this.timers.delete(session.id);
          if (this.sessions.get(session.id) === undefined) return;
          this.compute(session);
        },
        // A big trace takes a while to go through: never spend more than a tenth of the time on it.
        delay ?? (live ? Math.max(LIVE_EVERY_MS, 10 * this.lastComputeMs) : 0),
      ),
    );
  }

  private compute(session: TraceSession): void {
    const version = session.timeline.version;
    if (this.computed.get(session.id) === version) return;
    const started = performance.now();
    try {
      this.computeNow(session, version);
    } finally {
      this.lastComputeMs = performance.now() - started;
    }
  }

  private computeNow(session: TraceSession, version: number): void {
    this.computed.set(session.id, version);
    const config = vscode.workspace.getConfiguration(SETTINGS.section);
    const kinds = config.get<boolean>(SETTINGS.lessonsEnabled, true)
      ? LESSON_KINDS.filter((kind) => config.get<boolean>(`lessons.${kind}`, true))
      : [];
    let found: Lesson[] = [];
    if (kinds.length > 0) {
      const texts = new Map<string, string[] | null>();
      try {
        found = findLessons(session.timeline, {
          kinds,
          lateBackgroundMs: numberSetting(SETTINGS.lessonsLateBackgroundMs),
          minSavingMs: numberSetting(SETTINGS.lessonsMinSavingMs),
          sourceLine: (file, line) => sourceLines(texts, file)?.[line - 1],
        });
      } catch (error) {
        found = [];
        // Said once per trace: a live one is gone through again every second.
        if (!this.warned.has(session.id)) {
          this.warned.add(session.id);
          void vscode.window.showWarningMessage(
            `Loop Lens could not work out the lessons of "${session.name}": ${(error as Error).message}`,
          );
        }
      }
    }
    // Compiled JavaScript with a source map on disk points at its source; only lines of files that
    // are there to open.
    const mapper = new SourceMapper(diskFiles);
    found = found
      .map((l) => ({
        ...l,
        location: mapper.map(l.location),
        related: l.related.map((r) => ({ ...r, location: mapper.map(r.location) })),
      }))
      .filter((l) => fs.existsSync(l.location.file));
    const before = this.lessons.get(session.id) ?? [];
    if (before.length === 0 && found.length === 0) return;
    this.lessons.set(session.id, found);
    this.publish();
  }

  private forget(sessionId: string): void {
    const timer = this.timers.get(sessionId);
    if (timer !== undefined) clearTimeout(timer);
    this.timers.delete(sessionId);
    this.computed.delete(sessionId);
    if (this.lessons.delete(sessionId)) this.publish();
  }

  /**
   * The lessons to show: one per kind and line, whichever trace it came from (the newest trace's
   * wins: several traces of one program find the same lines).
   */
  private shown(): Array<{ sessionId: string; lesson: Lesson }> {
    const byKey = new Map<string, { sessionId: string; lesson: Lesson }>();
    for (const [sessionId, lessons] of this.lessons) {
      for (const lesson of lessons)
        byKey.set(`${lesson.kind}|${lesson.location.file}|${lesson.location.line}`, { sessionId, lesson });
    }
    return [...byKey.values()];
  }

  private publish(): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    this.revealOf = new Map();
    for (const { sessionId, lesson } of this.shown()) {
      const uri = vscode.Uri.file(lesson.location.file);
      const times = lesson.count > 1 ? ` Seen ${lesson.count} times; the worst is shown.` : '';
      const d = new vscode.Diagnostic(
        lineRange(lesson.location.line),
        `${lesson.message}${times}\n${lesson.detail}`,
        SEVERITY[lesson.kind],
      );
      d.source = 'Loop Lens';
      d.code = lesson.kind;
      this.revealOf.set(revealKey(uri, lesson.location.line - 1, lesson.kind), {
        sessionId,
        time: lesson.time,
        durationMs: lesson.durationMs,
      });
      d.relatedInformation = lesson.related.map(
        (r) =>
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(vscode.Uri.file(r.location.file), lineRange(r.location.line)),
            r.message,
          ),
      );
      const list = byFile.get(uri.toString()) ?? [];
      list.push(d);
      byFile.set(uri.toString(), list);
    }
    this.diagnostics.clear();
    for (const [uri, list] of byFile) this.diagnostics.set(vscode.Uri.parse(uri), list);
    this.lensesChanged.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration(SETTINGS.section).get<boolean>(SETTINGS.lessonsCodeLens, true))
      return [];
    const file = document.uri.fsPath;
    const lenses: vscode.CodeLens[] = [];
    for (const { sessionId, lesson } of this.shown()) {
      if (lesson.location.file !== file || lesson.location.line > document.lineCount) continue;
      const args: RevealArgs = { sessionId, time: lesson.time, durationMs: lesson.durationMs };
      lenses.push(
        new vscode.CodeLens(document.lineAt(lesson.location.line - 1).range, {
          title: lensTitle(lesson),
          tooltip: lesson.detail,
          command: COMMANDS.revealTime,
          arguments: [args],
        }),
      );
    }
    return lenses;
  }

  /** "Show on Timeline" in the light bulb of a lesson's line (and in Problems). */
  provideCodeActions(
    document: vscode.TextDocument,
    _range: vscode.Range,
    context: vscode.CodeActionContext,
  ): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const args =
        d.source === 'Loop Lens'
          ? this.revealOf.get(revealKey(document.uri, d.range.start.line, String(d.code)))
          : undefined;
      if (args === undefined) continue;
      const action = new vscode.CodeAction('Loop Lens: Show on Timeline', vscode.CodeActionKind.Empty);
      action.command = { title: 'Show on Timeline', command: COMMANDS.revealTime, arguments: [args] };
      action.diagnostics = [d];
      actions.push(action);
    }
    return actions;
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const d of this.disposables) d.dispose();
    this.diagnostics.dispose();
    this.lensesChanged.dispose();
  }
}

function revealKey(uri: vscode.Uri, line: number, kind: string): string {
  return `${uri.toString()}|${line}|${kind}`;
}

const SOURCES: vscode.DocumentSelector = [
  'javascript',
  'typescript',
  'javascriptreact',
  'typescriptreact',
].map((language) => ({ scheme: 'file', language }));

/** A line as a range (the editor widens it to the text; 0-based). */
function lineRange(line: number): vscode.Range {
  return new vscode.Range(line - 1, 0, line - 1, Number.MAX_SAFE_INTEGER);
}

/** The lines of a source file: from an open editor if there is one (unsaved edits too), else the disk. */
function sourceLines(cache: Map<string, string[] | null>, file: string): string[] | null {
  if (cache.has(file)) return cache.get(file)!;
  let lines: string[] | null = null;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === file);
  try {
    if (open !== undefined) lines = open.getText().split(/\r?\n/);
    else {
      // Only a regular file: a FIFO would wait for a writer, /dev/zero never ends.
      const stat = fs.statSync(file);
      if (stat.isFile() && stat.size <= MAX_SOURCE_BYTES)
        lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
    }
  } catch {
    lines = null;
  }
  cache.set(file, lines);
  return lines;
}
