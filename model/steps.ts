/**
 * Stepping through task switches: where the step cursor stands, how it moves, and what a step says.
 * The cursor stops at every switch and also where a task resumes after the loop sat idle with no
 * other task between (switches.ts: otherwise such a stint is out of the keyboard's reach).
 * Pure code over the timeline model, so that whatever steps — the panel, the editor's commands, a
 * test — finds the same switches and tells them in the same words.
 */
import { isLibraryFile } from './runtime';
import { blockLocation } from './summary';
import { SwitchInfo, Timeline } from './timeline';
import { SourceLocation } from '../protocol/reader';

/** A task as a step reports it. */
export interface StepTask {
  id: string;
  name: string;
  kind: string;
}

/** Where the step cursor stands: one switch, what yielded and what resumed. */
export interface StepInfo {
  /** Which switch this is (1-based) out of how many recorded so far. */
  index: number;
  count: number;
  /** Trace clock ms. */
  time: number;
  from: StepTask;
  to: StepTask;
  /** The resumed task runs for the first time (it starts, rather than resumes). */
  starts: boolean;
  /** Why the resumed task ran: "timer", "io", "promise", "request"... */
  reason: string;
  /** The same in words ("a timer fired"). */
  because: string;
  /** How long the resumed task had been waiting, and how much of that it was ready but not run. */
  waitedMs: number;
  readyMs: number;
  /**
   * The step is the same task resuming after the loop sat idle this long, ms, with no other task
   * between (`from` and `to` are the same task); 0 for a switch.
   */
  idleMs: number;
  /** The line the resumed task runs: where a block spent its time, else where the task was made. */
  location: SourceLocation | null;
  /** The one-line summary the panel shows. */
  text: string;
}

/** Why a task ran, in words. */
export function reasonText(reason: string): string {
  return (
    (
      {
        start: 'its first run',
        request: 'a request arrived',
        timer: 'a timer fired',
        immediate: 'an immediate ran',
        io: 'I/O completed',
        promise: 'a promise it awaited was resolved',
        event: 'an event was emitted',
        scope: 'its scope was entered',
        message: 'a worker sent a message',
        resume: 'it went on after another task',
        unknown: 'resumed',
      } as Record<string, string>
    )[reason] ?? reason
  );
}

/** `file.js:12`: a location as a line of text shows it. */
export function where(location: SourceLocation | null): string {
  if (location === null) return '';
  const file = location.file.split(/[\\/]/).pop() ?? location.file;
  return `${file}:${location.line}`;
}

/**
 * Where the code of stint `stint` went before it awaited: the program's own frame of the await
 * it recorded. For a task's first stint (a request's handler, say) that is a line of the function
 * it ran — closer to the point than where the task was made (the server's `listen`).
 */
function ownAwait(t: Timeline, stint: number): SourceLocation | null {
  const frames = t.awaitFramesOf(stint);
  return frames?.find((f) => !isLibraryFile(f.location.file))?.location ?? null;
}

/** Formats a duration (model/duration.ts), passed in so that this file stays free of choices. */
type Format = (ms: number) => string;

/**
 * The step cursor of one view of a timeline. It moves from switch to switch, or starts from a time
 * range (the first switch in view, the last one before its end), and follows the model when the
 * model drops its oldest part.
 */
export class Stepper {
  /** The switch the cursor is on, and its number (1-based). */
  cursor: SwitchInfo | null = null;
  index = 0;
  private total = { stints: -1, dropped: -1, count: 0 };
  private droppedSeen: number;

  constructor(
    private readonly timeline: Timeline,
    private readonly format: Format,
  ) {
    this.droppedSeen = timeline.droppedStints;
  }

  /**
   * Moves to the next or previous switch: from the cursor, else from the time range `view` (the
   * first switch in it, or the last before its end; failing that, from the whole trace). Null when
   * there is none.
   */
  move(direction: 'next' | 'previous', view: [number, number]): SwitchInfo | null {
    this.follow();
    const t = this.timeline;
    let found: SwitchInfo | null;
    let index: number;
    if (this.cursor !== null && this.cursor.toStint < t.stintCount) {
      found = direction === 'next' ? t.stepAfter(this.cursor.toStint) : t.stepBefore(this.cursor.toStint);
      index = this.index + (direction === 'next' ? 1 : -1);
    } else {
      found =
        direction === 'next'
          ? t.stepAfter(t.firstStintStartingAt(view[0]) - 1)
          : t.stepBefore(t.firstStintStartingAt(view[1]));
      // None from there (a run followed live ends showing its last seconds, often one long block
      // with nothing after it): from the trace's start (or, stepping back, its end), as a search
      // wraps around, rather than "no switch" while the trace has some.
      if (found === null) found = direction === 'next' ? t.stepAfter(-1) : t.stepBefore(t.stintCount);
      index = found === null ? 0 : this.countBefore(found.toStint) + 1;
    }
    if (found === null) return null;
    this.cursor = found;
    this.index = index;
    return found;
  }

  /** Puts the cursor on the switch at `time` (another view stepped there); false if there is none. */
  moveTo(time: number): boolean {
    this.follow();
    const t = this.timeline;
    const found = t.stepAfter(t.firstStintStartingAt(time) - 1);
    if (found === null || found.time !== time) return false;
    this.cursor = found;
    this.index = this.countBefore(found.toStint) + 1;
    return true;
  }

  clear(): void {
    this.cursor = null;
    this.index = 0;
  }

  /** Steps (switches and resumes after idle) recorded so far (counted once per change of the model). */
  count(): number {
    const t = this.timeline;
    if (this.total.stints !== t.stintCount || this.total.dropped !== t.droppedStints)
      this.total = { stints: t.stintCount, dropped: t.droppedStints, count: t.stepCount() };
    return this.total.count;
  }

  /**
   * The model dropped stints since the cursor was set: the cursor moves with its switch, or goes
   * if its switch went. Returns whether anything moved.
   */
  follow(): boolean {
    const dropped = this.timeline.droppedStints;
    if (dropped === this.droppedSeen) return false;
    const count = dropped - this.droppedSeen;
    this.droppedSeen = dropped;
    const cursor = this.cursor;
    if (cursor === null) return true;
    const moved = cursor.fromStint - count >= 0 ? this.timeline.stepAfter(cursor.fromStint - count) : null;
    this.cursor = moved;
    this.index = moved === null ? 0 : this.countBefore(moved.toStint) + 1;
    return true;
  }

  /** What the cursor's switch says; `finished`: the trace will not grow (a file, an ended run). */
  describe(finished: boolean): StepInfo | null {
    const sw = this.cursor;
    if (sw === null) return null;
    const t = this.timeline;
    const fmt = this.format;
    const from = t.tasks[sw.from];
    const to = t.tasks[sw.to];
    const block = t.blocks.find((b) => b.stint === sw.toStint);
    const location =
      block !== undefined
        ? blockLocation(t, block)
        : (t.resumeLocation(sw.toStint) ?? ownAwait(t, sw.toStint) ?? to.location);
    const because = reasonText(sw.reason);
    const starts = to.stints[0] === sw.toStint;
    // Its last stint so far is its last for good once the trace is finished or the response went out.
    const fromEnds =
      (finished || from.endedAt !== null) && from.stints[from.stints.length - 1] === sw.fromStint;
    const waited =
      starts || sw.waitedMs <= 0
        ? ''
        : `, after waiting ${fmt(sw.waitedMs)}${sw.readyMs > 0 ? ` (ready but not run for the last ${fmt(sw.readyMs)} of it)` : ''}`;
    const runs = location !== null ? ` Runs ${where(location)}.` : '';
    const resumesAlone = sw.from === sw.to;
    const text = resumesAlone
      ? `${to.name} resumes after the loop sat idle ${fmt(sw.idleMs)}: ${because}.${runs}`
      : `${from.name} ${fromEnds ? 'ends' : 'yields'} → ${to.name} ${starts ? 'starts' : 'resumes'}: ${because}${waited}.${runs}`;
    return {
      index: this.index,
      count: Math.max(this.index, this.count()),
      time: sw.time,
      from: { id: from.id, name: from.name, kind: from.kind },
      to: { id: to.id, name: to.name, kind: to.kind },
      starts,
      reason: sw.reason,
      because,
      waitedMs: sw.waitedMs,
      readyMs: sw.readyMs,
      idleMs: resumesAlone ? sw.idleMs : 0,
      location,
      text,
    };
  }

  /** Why there is no switch that way, in words. */
  none(direction: 'next' | 'previous', growing: boolean): string {
    const total = this.count();
    if (total === 0)
      return 'Nothing to step to yet: the loop has not turned from one task to another, nor back to one after sitting idle.';
    return direction === 'next'
      ? `No later step${growing ? ' recorded yet' : ''} (${total.toLocaleString()} in all).`
      : `No earlier step (${total.toLocaleString()} in all).`;
  }

  private countBefore(stint: number): number {
    let count = 0;
    const t = this.timeline;
    for (let sw = t.stepAfter(-1); sw !== null && sw.toStint < stint; sw = t.stepAfter(sw.toStint)) count++;
    return count;
  }
}
