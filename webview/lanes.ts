/**
 * The lanes the view shows now, kept up to date as the trace grows: laid out again (layout.ts) only
 * when tasks are added, merged or re-parented or the filter changes; the stints of the internal
 * tasks folded into one lane are gathered as they come, each stint looked at once.
 */
import { Timeline } from '../model/timeline';
import { FOLDED_LANE, LANES_TOP, LAYOUT, Lane, LaneFilter, layoutView } from './layout';
import { RenderedState } from './protocol';

export class Lanes {
  lanes: Lane[] = [];
  filter: LaneFilter = { text: '', hideInternal: true };
  /** Tasks not drawn in a lane of their own (folded or filtered out). */
  hidden = 0;
  /** What the legend says of them ("" when none). */
  legend = '';
  /** Height of everything the lanes need, CSS px (the scroller's content). */
  contentHeight = 0;
  /** Internal tasks folded into one lane: which, how many, and their stints in time order. */
  private foldedTasks = new Uint8Array(0);
  foldedCount = 0;
  foldedStints: number[] = [];
  private foldedScanned = 0;
  private version = -1;
  private structure = -1;

  /** Lay the lanes out again at the next refresh (a new timeline, a new filter). */
  invalidate(): void {
    this.version = -1;
  }

  setFilter(filter: LaneFilter): void {
    this.filter = filter;
    this.invalidate();
  }

  /** Brings the lanes up to date with `timeline`; returns whether they were laid out again. */
  refresh(timeline: Timeline): boolean {
    const tasks = timeline.tasks;
    // Tasks are only ever added, except when one merges into another or changes parent.
    const structure = timeline.structureVersion;
    const relaid = this.version !== tasks.length || this.structure !== structure;
    if (relaid) {
      const restructured = this.structure !== structure;
      const layout = layoutView(timeline, this.filter);
      this.lanes = layout.lanes;
      this.version = tasks.length;
      this.structure = structure;
      this.hidden = layout.folded.length + layout.filteredOut;
      // Folded stints: start over only if a task left the fold; new tasks only add stints ahead.
      const folded = new Uint8Array(tasks.length);
      for (const k of layout.folded) folded[k] = 1;
      let shrank = false;
      for (let k = 0; k < this.foldedTasks.length && !shrank; k++)
        shrank = this.foldedTasks[k] === 1 && folded[k] === 0;
      if (shrank || restructured || layout.folded.length < this.foldedCount) {
        this.foldedStints = [];
        this.foldedScanned = 0;
      }
      this.foldedTasks = folded;
      this.foldedCount = layout.folded.length;
      const last = this.lanes[this.lanes.length - 1];
      this.contentHeight = LANES_TOP + (last !== undefined ? last.y + LAYOUT.laneHeight : 0) + 8;
      this.legend = legendText(layout.folded.length, layout.filteredOut);
    }
    // A stint is scanned once whatever the filter, until the set of folded tasks changes.
    const s = timeline.stints;
    if (this.foldedCount > 0) {
      for (let i = this.foldedScanned; i < s.length; i++)
        if (this.foldedTasks[s.task[i]] === 1) this.foldedStints.push(i);
    }
    this.foldedScanned = s.length;
    return relaid;
  }

  /** The first `max` lanes, as the `rendered` report lists them. */
  report(timeline: Timeline, max: number): RenderedState['lanes'] {
    return this.lanes.slice(0, max).map((l) => {
      if (l.task === FOLDED_LANE)
        return {
          id: 'folded',
          name: `internal: ${this.foldedCount} tasks folded`,
          kind: 'folded',
          stints: this.foldedStints.length,
        };
      const t = timeline.tasks[l.task];
      return { id: t.id, name: t.name, kind: t.kind, stints: t.stints.length };
    });
  }
}

function legendText(folded: number, filteredOut: number): string {
  const parts: string[] = [];
  if (folded > 0) parts.push(`${folded.toLocaleString()} internal task${folded === 1 ? '' : 's'} folded`);
  if (filteredOut > 0) parts.push(`${filteredOut.toLocaleString()} filtered out`);
  return parts.join(', ');
}
