/**
 * The timeline model: raw trace events in, the chef picture out — tasks (with kind, name, parent
 * and creation location), stints, waits, blocks, switches and lag. Pure code: no DOM, no `vscode`,
 * no Node built-ins; the command line, the extension and the webview all use it.
 *
 * It takes events in batches (it is a TraceReader visitor) and can be queried at any moment, so a
 * live view can feed it while the program runs. Stints live in typed arrays so that a million of
 * them cost a few tens of megabytes and no garbage.
 *
 * Which work is which task (the rule the tracer follows, and the words this model uses):
 *  - A task is a unit of concurrent work a person would name: an incoming request; a member of
 *    Promise.all/allSettled/any/race; a call nobody awaited (not awaited, even through a then/catch
 *    chain, nor given to a combinator, in the synchronous run that made it); a scope named with
 *    AsyncResource('looplens:<name>'); a timer or immediate the script's top level set; the main
 *    script; a worker.
 *  - Everything else is the work of the code that asked for it: what runs later on behalf of some
 *    code (a continuation, a callback, a stream's data it piped) belongs to the task whose code made
 *    it — an awaited helper, a `.then` chain, a library's own promises and callbacks, a pool's
 *    connection included. What a call runs before its first await runs in its caller's stint.
 *  - A connection outlives its opener: after a request's response its callbacks are nobody's.
 *  The tracer may learn late that a task it made was its parent's work after all (a call whose
 *  promise its caller returned): a FOLD record moves everything the task recorded to the parent
 *  (`fold`). A task made on evidence not yet confirmed (TaskFlags.Provisional) counts as internal
 *  until a TASK_INFO names it.
 *
 * Choices the vocabulary leaves open, made here once:
 *  - A stint is a maximal interval in which the loop runs code for one task: RUN opens it, the next
 *    RUN or IDLE closes it. Time the tracer could not attribute is a stint of the pseudo-task
 *    "(untracked code)" (id "0"); it counts as busy time and can be a block, but never as a switch.
 *  - Background work: a stint of a request after its response that lasts more than WRAP_UP_MS
 *    (and is not a tick it queued) belongs to a task of kind `background`, child of the request,
 *    created on first need; shorter ones are its wrap-up. A sub-task of a request (a fire-and-forget
 *    call, a Promise.all member) that runs after the response becomes `background`.
 *  - A task's wait is the part of its life it was not running: from its creation (a Promise.all
 *    member waits from the moment it was made) to the end of its life (the response for a request,
 *    its last stint otherwise).
 */
import {
  DEFAULT_BLOCK_MS,
  EndCause,
  KIND_NAMES,
  Reason,
  TaskEnd,
  TaskFlags,
  TaskKind,
  TraceMeta,
} from '../protocol/format';
import { AwaitFrame, EventVisitor, SampledFrame, SourceLocation } from '../protocol/reader';
import {
  MAX_BLOCKS_LOOKED_AT,
  MAX_PENDING_SAMPLES,
  PendingSample,
  addSample,
  sampleFits,
} from './blockSamples';
import {
  BUDGET_CHECK_EVERY,
  FORGOTTEN_BYTES,
  ForgottenTasks,
  LAG_BYTES,
  NOTE_BYTES,
  STINT_BYTES,
  TASK_BYTES,
  tasksToKeep,
} from './memoryBudget';
import { StintColumns, firstAtLeast } from './stints';
import { allSwitches, countSwitches, switchAfter, switchBefore } from './switches';
import { BlockInfo, DropInfo, EndInfo, LagPoint, SwitchInfo, TimelineTask } from './timelineTypes';

export type { BlockInfo, DropInfo, EndInfo, LagPoint, SwitchInfo, TimelineTask } from './timelineTypes';

const UNTRACKED = 0;
/**
 * A request's stint after its response that lasts at most WRAP_UP_MS is the request finishing up
 * (its framework's promises settling — late, on a busy loop; a library releasing what it used),
 * not background work; so is one that runs a tick it queued (Reason.Resume: the runtime writing the
 * response out, a driver flushing). Wall-clock stints stretch when the process is preempted or a
 * collection runs inside them (4 ms for a 0.1 ms clean-up beside a CPU hog): the bound leaves room.
 */
const WRAP_UP_MS = 10;
/** How far up the parent chain a task looks for the request it works for. */
const MAX_PARENT_DEPTH = 32;

export class Timeline implements EventVisitor {
  meta: TraceMeta | null = null;
  readonly tasks: TimelineTask[] = [];
  readonly stints = new StintColumns();
  readonly lagPoints: LagPoint[] = [];
  readonly drops: DropInfo[] = [];
  readonly blocks: BlockInfo[] = [];
  endInfo: EndInfo | null = null;
  droppedEvents = 0;
  /** Latest time seen in any event (trace clock, ms). */
  lastTime = -Infinity;
  /** Bumped on every change, so views can tell when to redraw. */
  version = 0;
  /**
   * Bumped when the set of tasks or their parents change in a way other than a new task: a merge
   * (FOLD) or a new parent. Views that lay tasks out start over when it changes.
   */
  structureVersion = 0;
  /**
   * When the program stood still in a debugger (trace clock, ms; end null while paused). Known to
   * the host, not the tracer. Paused time never makes a block: the loop was not busy, it was held.
   */
  private pauses: ReadonlyArray<{ start: number; end: number | null }> = [];

  /** Where stints awaited (rationed by the tracer: not every stint has one), in stint order. */
  readonly awaits: Array<{ stint: number; task: number; frames: AwaitFrame[] }> = [];
  private readonly awaitOfStint = new Map<number, AwaitFrame[]>();

  private readonly byWireId = new Map<number, number>();
  /** Tasks made for ids whose creation the trace did not record, and the one they share past the cap. */
  private unrecorded = 0;
  private unrecordedShared = -1;
  /** Stint now open (-1: none). */
  private open = -1;
  /** Samples that arrived before their stint closed, by stint start time. */
  private readonly pendingSamples: PendingSample[] = [];

  /**
   * Memory the model may use, estimated bytes (Infinity: no cap). Past it the oldest half of the
   * stints, and what only they needed, is dropped (`dropOldest`): a live view of a program that
   * runs for hours stays within a budget, and says what it no longer holds.
   */
  memoryBudget = Infinity;
  /** Everything before this time was dropped to stay within the budget (null: nothing was). */
  droppedBefore: number | null = null;
  /** How many stints were dropped, in all. */
  droppedStints = 0;
  /** Records read since the budget was last looked at. */
  private sinceBudgetCheck = 0;
  /** What is remembered of tasks dropped with the oldest part, should their ids come back. */
  private readonly forgotten = new ForgottenTasks();

  constructor(
    /** A stint at least this long is a block, ms; the trace's own threshold when not given. */
    private blockMsOverride?: number,
  ) {
    this.addTask(0, TaskKind.Other, -1, '(untracked code)', TaskFlags.Internal, null, 0, '0');
  }

  /** The block threshold in force, ms. */
  get blockMs(): number {
    return this.blockMsOverride ?? this.meta?.blockMs ?? DEFAULT_BLOCK_MS;
  }

  set blockMs(value: number) {
    this.blockMsOverride = value;
    this.judgeBlocks();
  }

  /** Finds the blocks again (after the threshold or the pauses changed). */
  private judgeBlocks(): void {
    const samples = this.blocks.map((b) => ({
      stint: b.stint,
      frames: b.frames,
      observedMs: b.observedMs,
      observations: b.observations,
    }));
    this.blocks.length = 0;
    for (let i = 0; i < this.stints.length; i++) if (i !== this.open) this.checkBlock(i);
    // What the sampler saw of a block stays with it.
    for (const b of this.blocks) {
      const seen = samples.find((x) => x.stint === b.stint);
      if (seen !== undefined)
        Object.assign(b, {
          frames: seen.frames,
          observedMs: seen.observedMs,
          observations: seen.observations,
        });
    }
    this.version++;
  }

  /** Time 0 of summaries: when recording began. */
  get startTime(): number {
    return this.meta?.startTime ?? 0;
  }

  /** The earliest time the model still holds: the start, or where the oldest part was dropped. */
  get firstTime(): number {
    return this.droppedBefore ?? this.startTime;
  }

  /** When the trace ends: the END record, else the latest event. */
  get endTime(): number {
    if (this.endInfo !== null) return this.endInfo.time;
    return Number.isFinite(this.lastTime) ? this.lastTime : this.startTime;
  }

  setMeta(meta: TraceMeta): void {
    this.meta = meta;
    this.tasks[0].createdAt = meta.startTime;
    this.version++;
  }

  // ------------------------------------------------------------------ EventVisitor

  run(time: number, task: number, reason: number): void {
    this.see(time);
    const start = this.closeOpen(time);
    let index = task === UNTRACKED ? 0 : this.indexOf(task, time);
    index = this.workFor(index, start);
    const t = this.tasks[index];
    const ready = t.readySince !== null && t.readySince <= start ? t.readySince : NaN;
    t.readySince = null;
    const stint = this.stints.push(start, index, reason, ready);
    t.stints.push(stint);
    this.open = stint;
    this.version++;
    if (++this.sinceBudgetCheck >= BUDGET_CHECK_EVERY) this.checkBudget();
  }

  idle(time: number): void {
    this.see(time);
    this.closeOpen(time);
    this.version++;
  }

  task(
    time: number,
    id: number,
    kind: number,
    parent: number,
    name: string | null,
    flags: number,
    location: SourceLocation | null,
  ): void {
    this.see(time);
    const parentIndex = parent !== 0 ? (this.known(parent) ?? -1) : -1;
    this.forgotten.take(id);
    const index = this.addTask(id, kind, parentIndex, name ?? `task ${id}`, flags, location, time);
    this.byWireId.set(id, index);
    this.version++;
    if (++this.sinceBudgetCheck >= BUDGET_CHECK_EVERY) this.checkBudget();
  }

  taskEnd(time: number, id: number, how: number): void {
    this.see(time);
    const index = this.known(id);
    if (index === undefined) return;
    const t = this.tasks[index];
    if (t.endedAt !== null) return;
    t.endedAt = time;
    t.endHow = how === TaskEnd.Aborted ? 'aborted' : 'finished';
    this.version++;
  }

  ready(time: number, id: number): void {
    const index = this.known(id);
    if (index === undefined) return;
    this.tasks[index].readySince = time;
  }

  taskInfo(time: number, id: number, name: string | null, location: SourceLocation | null, parent = 0): void {
    this.see(time);
    const index = this.known(id);
    if (index === undefined) return;
    const t = this.tasks[index];
    if (name !== null && name !== '') {
      t.name = name;
      // A provisional task named is confirmed: it is the user's.
      if ((t.flags & TaskFlags.Provisional) !== 0) {
        t.flags &= ~TaskFlags.Provisional;
        t.internal = (t.flags & TaskFlags.Internal) !== 0;
        this.structureVersion++;
      }
    }
    if (location !== null) t.location = location;
    if (parent !== 0) {
      const p = this.known(parent);
      if (p !== undefined && p !== index && !this.isAncestor(index, p)) {
        t.parent = p;
        this.structureVersion++;
      }
    }
    this.version++;
  }

  /** Whether task `a` is `b` or one of `b`'s ancestors. */
  private isAncestor(a: number, b: number): boolean {
    for (let p = b, depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH * 4; p = this.tasks[p].parent, depth++)
      if (p === a) return true;
    return false;
  }

  /**
   * Task `id` turned out to be part of `into`'s work (a call the tracer took for a dish of its own
   * was its caller's after all): its stints, blocks, awaits and children move to `into`, and later
   * records naming `id` mean `into`.
   */
  fold(time: number, id: number, into: number): void {
    this.see(time);
    const from = this.known(id);
    const to = this.known(into);
    if (from === undefined || to === undefined || from === to || from === 0) return;
    const a = this.tasks[from];
    let b = this.tasks[to];
    if (a.mergedInto !== -1 || this.isAncestor(from, to)) return;
    while (b.mergedInto !== -1) b = this.tasks[b.mergedInto];
    const s = this.stints;
    for (const st of a.stints) s.task[st] = b.index;
    if (a.stints.length > 0) {
      b.stints.push(...a.stints);
      b.stints.sort((x, y) => x - y);
    }
    b.runMs += a.runMs;
    a.stints.length = 0;
    a.runMs = 0;
    a.mergedInto = b.index;
    for (const block of this.blocks) if (block.task === from) block.task = b.index;
    for (const aw of this.awaits) if (aw.task === from) aw.task = b.index;
    for (const t of this.tasks) if (t.parent === from) t.parent = b.index;
    this.byWireId.set(id, b.index);
    this.structureVersion++;
    this.version++;
  }

  lag(time: number, p50us: number, p99us: number, maxUs: number, samples: number): void {
    this.see(time);
    this.lagPoints.push({ time, p50Ms: p50us / 1000, p99Ms: p99us / 1000, maxMs: maxUs / 1000, samples });
    this.version++;
  }

  dropped(time: number, count: number, endTime: number): void {
    this.see(endTime);
    this.closeOpen(time);
    this.drops.push({ start: time, end: endTime, count });
    this.droppedEvents += count;
    this.version++;
  }

  end(time: number, cause: number, code: number): void {
    this.see(time);
    this.closeOpen(time);
    this.endInfo = { time, cause: END_CAUSES[cause] ?? 'unknown', code };
    this.version++;
  }

  blockSample(
    time: number,
    task: number,
    observedMs: number,
    observations: number,
    frames: SampledFrame[],
  ): void {
    const sample = { time, task, observedMs, observations, frames };
    if (!this.attachSample(sample)) {
      // A sample waits for its block's stint to close, which comes soon after it: only the latest
      // few wait (a file of samples that match nothing must not make every block rescan them all).
      if (this.pendingSamples.length >= MAX_PENDING_SAMPLES) this.pendingSamples.shift();
      this.pendingSamples.push(sample);
    }
    this.version++;
  }

  awaitAt(time: number, task: number, frames: AwaitFrame[]): void {
    this.see(time);
    // The record is written inside the stint it describes: the last one that began by `time`.
    const s = this.stints;
    // Stints are in time order: the last that began by `time`, found by halving (a crafted file
    // whose records all point back to the start must not cost a scan each).
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.start[mid] <= time) lo = mid + 1;
      else hi = mid;
    }
    const stint = lo - 1;
    if (stint < 0 || this.taskForWireId(task) === undefined) return;
    this.awaits.push({ stint, task: s.task[stint], frames });
    if (!this.awaitOfStint.has(stint)) this.awaitOfStint.set(stint, frames);
    this.version++;
  }

  // ------------------------------------------------------------------ building

  /** Closes the trace: a stint still open ends at the last time seen. */
  finish(): void {
    if (this.open !== -1) this.closeOpen(this.endTime);
  }

  private see(time: number): void {
    if (time > this.lastTime) this.lastTime = time;
  }

  /** Closes the open stint at `time` (never before it began); returns the time the next may start. */
  private closeOpen(time: number): number {
    const s = this.stints;
    if (this.open === -1) {
      const last = s.length - 1;
      return last >= 0 && time < s.end[last] ? s.end[last] : time;
    }
    const i = this.open;
    const end = Math.max(time, s.start[i]);
    s.end[i] = end;
    let t = this.tasks[s.task[i]];
    if (
      t.kind === 'request' &&
      t.endedAt !== null &&
      s.start[i] >= t.endedAt &&
      s.reason[i] !== Reason.Resume &&
      end - s.start[i] > WRAP_UP_MS
    ) {
      // It looked like the request finishing up, but it went on: background work after all.
      t.stints.pop();
      const bg = this.backgroundOf(t.index, s.start[i]);
      s.task[i] = bg;
      t = this.tasks[bg];
      t.stints.push(i);
    }
    t.runMs += end - s.start[i];
    this.open = -1;
    this.checkBlock(i);
    return end;
  }

  /** Sets the debugger pauses and judges the blocks again. */
  setPauses(pauses: ReadonlyArray<{ start: number; end: number | null }>): void {
    this.pauses = pauses.map((p) => ({ start: p.start, end: p.end }));
    this.judgeBlocks();
  }

  /** How much of [start, end] the program spent paused in the debugger (as the host saw it), ms. */
  /** How much of [start, end] the program spent paused in the debugger, ms. */
  pausedWithin(start: number, end: number): number {
    let paused = 0;
    for (const p of this.pauses) {
      const overlap = Math.min(end, p.end ?? Infinity) - Math.max(start, p.start);
      if (overlap > 0) paused += overlap;
    }
    return paused;
  }

  private checkBlock(stint: number): void {
    const s = this.stints;
    const duration = s.end[stint] - s.start[stint];
    if (duration < this.blockMs) return;
    // A stint the debugger held is paused, not blocked: when within it the program stopped is known
    // only up to the debugger's latency, so the whole stint is taken as paused.
    if (this.pauses.length > 0 && this.pausedWithin(s.start[stint], s.end[stint]) > 0) return;
    const block: BlockInfo = {
      stint,
      task: s.task[stint],
      start: s.start[stint],
      durationMs: duration,
      frames: [],
      observedMs: 0,
      observations: 0,
    };
    this.blocks.push(block);
    // Samples that found no block before can only belong to this new one.
    const pending = this.pendingSamples;
    let kept = 0;
    for (let k = 0; k < pending.length; k++) {
      const sample = pending[k];
      if (sampleFits(sample, block, this.tasks[block.task].wireId)) addSample(block, sample);
      else pending[kept++] = sample;
    }
    pending.length = kept;
  }

  /**
   * Gives a block what the sampler saw: the block whose stint starts at that time, else the one the
   * observation overlaps most. Several observations of one block (stack samples and a slow
   * synchronous call, say) add up, line by line.
   */
  private attachSample(sample: PendingSample): boolean {
    let best: BlockInfo | null = null;
    let bestOverlap = 0;
    const from = sample.time;
    const to = sample.time + Math.max(sample.observedMs, 0);
    // A sample comes right after its block: the latest few blocks are enough to look at.
    const stop = Math.max(0, this.blocks.length - MAX_BLOCKS_LOOKED_AT);
    for (let k = this.blocks.length - 1; k >= stop; k--) {
      const b = this.blocks[k];
      if (b.start === sample.time && this.tasks[b.task].wireId === sample.task) {
        best = b;
        break;
      }
      const overlap = Math.min(to, b.start + b.durationMs) - Math.max(from, b.start);
      if (overlap > bestOverlap || (overlap >= 0 && to === from && best === null)) {
        bestOverlap = overlap;
        best = b;
      }
      if (b.start + b.durationMs < from - 60_000) break;
    }
    if (best === null) return false;
    addSample(best, sample);
    return true;
  }

  private addTask(
    wireId: number,
    kind: number,
    parent: number,
    name: string,
    flags: number,
    location: SourceLocation | null,
    createdAt: number,
    id = String(wireId),
  ): number {
    const index = this.tasks.length;
    this.tasks.push({
      index,
      id,
      wireId,
      kind: KIND_NAMES[kind] ?? 'other',
      name,
      parent,
      createdAt,
      endedAt: null,
      endHow: null,
      location,
      internal: (flags & (TaskFlags.Internal | TaskFlags.Provisional)) !== 0,
      flags,
      stints: [],
      runMs: 0,
      background: -1,
      readySince: null,
      mergedInto: -1,
    });
    return index;
  }

  /** The frames of the await recorded in stint `stint` (where its code suspended), if one was. */
  awaitFramesOf(stint: number): readonly AwaitFrame[] | null {
    return this.awaitOfStint.get(stint) ?? null;
  }

  /** The task a wire id names, if its creation has been read. */
  taskForWireId(wireId: number): TimelineTask | undefined {
    const index = this.byWireId.get(wireId);
    return index === undefined ? undefined : this.tasks[index];
  }

  /**
   * Where stint `stint` resumes its task: the line of user code the task awaited at before it (the
   * innermost frame of the await recorded in its previous stint), or null when that is not known
   * (the task's first stint, or no stack was taken then).
   */
  resumeLocation(stint: number): SourceLocation | null {
    const task = this.tasks[this.stints.task[stint]];
    const list = task.stints;
    let lo = firstAtLeast(list, stint);
    // Stints of the task right after one another (another task's short stint may split one
    // wake-up) resume where the first of them did.
    while (
      lo > 0 &&
      !this.awaitOfStint.has(list[lo - 1]) &&
      this.stints.start[list[lo]] - this.stintEnd(list[lo - 1]) < 1
    )
      lo--;
    if (lo === 0) return null;
    const previous = list[lo - 1];
    const frames = this.awaitOfStint.get(previous);
    if (frames === undefined || frames.length === 0) return null;
    // The stack was taken at the stint's first await, which may be inside a call that became a
    // dish of its own (a member of Promise.all): then the task itself waits where those dishes were
    // made, further out on the same stack.
    const start = this.stints.start[previous];
    const end = this.stintEnd(previous);
    const tasks = this.tasks;
    let k = 0;
    let h = tasks.length;
    while (k < h) {
      const mid = (k + h) >>> 1;
      if (tasks[mid].createdAt < start) k = mid + 1;
      else h = mid;
    }
    for (; k < tasks.length && tasks[k].createdAt <= end; k++) {
      const child = tasks[k];
      if (child.parent !== task.index || child.location === null) continue;
      const at = frames.find(
        (f) => f.location.file === child.location!.file && f.location.line === child.location!.line,
      );
      if (at !== undefined) return at.location;
    }
    return frames[0].location;
  }

  /** The task index for a wire id, creating a placeholder for ids never announced (lost records). */
  private indexOf(wireId: number, time: number): number {
    const known = this.known(wireId);
    if (known !== undefined) return known;
    // A trace that lost events (or was made up) may name a new task in every record: past a
    // point they share one lane, so memory grows with the records, not with a task per record.
    if (this.unrecorded >= MAX_UNRECORDED_TASKS) {
      if (this.unrecordedShared === -1)
        this.unrecordedShared = this.addTask(
          -1,
          TaskKind.Other,
          -1,
          'more tasks whose creation was not recorded',
          TaskFlags.Internal,
          null,
          time,
          'unrecorded',
        );
      return this.unrecordedShared;
    }
    this.unrecorded++;
    const index = this.addTask(
      wireId,
      TaskKind.Other,
      -1,
      `task ${wireId} (its creation was not recorded)`,
      0,
      null,
      time,
    );
    this.byWireId.set(wireId, index);
    return index;
  }

  /** The task index for a wire id, bringing back a task dropped with the oldest part if need be. */
  private known(wireId: number): number | undefined {
    const index = this.byWireId.get(wireId);
    if (index !== undefined) return index;
    const old = this.forgotten.take(wireId);
    if (old === undefined) return undefined;
    const parent = old.parentWireId !== -1 ? (this.byWireId.get(old.parentWireId) ?? -1) : -1;
    const revived = this.addTask(
      wireId,
      TaskKind.Other,
      parent,
      old.name,
      old.flags,
      old.location,
      old.createdAt,
      old.id,
    );
    const t = this.tasks[revived];
    t.kind = old.kind;
    t.endedAt = old.endedAt;
    t.endHow = old.endHow;
    t.runMs = old.runMs;
    this.byWireId.set(wireId, revived);
    return revived;
  }

  // ------------------------------------------------------------------ the memory budget

  /** What the model holds now, estimated bytes (see the weights below). */
  estimatedBytes(): number {
    return (
      this.stints.start.length * STINT_BYTES +
      this.tasks.length * TASK_BYTES +
      (this.awaits.length + this.blocks.length) * NOTE_BYTES +
      this.lagPoints.length * LAG_BYTES +
      this.forgotten.size * FORGOTTEN_BYTES
    );
  }

  private checkBudget(): void {
    this.sinceBudgetCheck = 0;
    if (this.estimatedBytes() <= this.memoryBudget) return;
    this.dropOldest(this.stints.length >>> 1);
    // The arrays keep their size; what they may grow to is what counts.
    if (this.stints.start.length * STINT_BYTES > this.memoryBudget / 2) this.stints.shrink();
  }

  /**
   * Drops the stints before stint `keep` and everything only they needed: tasks with no later stint
   * that were made before it (unless a kept task descends from them; a dropped task whose id comes
   * back later is brought back by name), blocks, awaits, lag and drops before it. Indices change: views
   * start over when `structureVersion` does. Linear in what the model holds.
   */
  dropOldest(keep: number): void {
    const s = this.stints;
    if (this.open !== -1) keep = Math.min(keep, this.open);
    keep = Math.max(0, Math.min(keep, s.length));
    if (keep === 0) return;
    const cut = s.start[keep];
    const tasks = this.tasks;
    const kept = tasksToKeep(tasks, keep, cut, this.unrecordedShared);
    const renumber = new Int32Array(tasks.length).fill(-1);
    const survivors: TimelineTask[] = [];
    for (const t of tasks) {
      if (kept[t.index] === 1) {
        renumber[t.index] = survivors.length;
        survivors.push(t);
      } else if (t.mergedInto === -1 && t.wireId > 0 && t.index !== 0) {
        this.forgotten.remember(t, t.parent > 0 ? tasks[t.parent].wireId : -1, this.memoryBudget);
      }
    }
    // Ids of merged and dropped tasks point where their task now is, or nowhere.
    for (const [wireId, index] of this.byWireId) {
      const to = renumber[index];
      if (to === -1) this.byWireId.delete(wireId);
      else this.byWireId.set(wireId, to);
    }
    const at = (i: number): number => (i < 0 ? -1 : renumber[i]);
    tasks.length = 0;
    for (const t of survivors) {
      const stints = t.stints.filter((st) => st >= keep).map((st) => st - keep);
      tasks.push({
        ...t,
        index: tasks.length,
        parent: at(t.parent),
        background: at(t.background),
        stints,
      });
    }
    s.dropFirst(keep, renumber);
    const moved = <T extends { stint: number; task: number }>(list: T[]): void => {
      let n = 0;
      for (const item of list) {
        if (item.stint < keep) continue;
        item.stint -= keep;
        item.task = renumber[item.task];
        list[n++] = item;
      }
      list.length = n;
    };
    moved(this.blocks);
    moved(this.awaits);
    this.awaitOfStint.clear();
    for (const a of this.awaits)
      if (!this.awaitOfStint.has(a.stint)) this.awaitOfStint.set(a.stint, a.frames);
    const lagFrom = this.lagPoints.findIndex((p) => p.time >= cut);
    this.lagPoints.splice(0, lagFrom === -1 ? this.lagPoints.length : lagFrom);
    const dropFrom = this.drops.findIndex((d) => d.end >= cut);
    this.drops.splice(0, dropFrom === -1 ? this.drops.length : dropFrom);
    if (this.unrecordedShared !== -1) this.unrecordedShared = renumber[this.unrecordedShared];
    if (this.open !== -1) this.open -= keep;
    this.droppedBefore = cut;
    this.droppedStints += keep;
    this.structureVersion++;
    this.version++;
  }

  /** Applies the background rule: which task a stint of `index` starting at `start` is work for. */
  private workFor(index: number, start: number): number {
    const t = this.tasks[index];
    if (t.kind === 'request') {
      // After the response: the request's, until the stint turns out to last (closeOpen).
      return index;
    }
    if (t.kind === 'other' && index !== 0) {
      let p = t.parent;
      for (let depth = 0; p !== -1 && depth < MAX_PARENT_DEPTH; depth++) {
        const parent = this.tasks[p];
        if (parent.kind === 'request') {
          if (parent.endedAt !== null && start >= parent.endedAt) t.kind = 'background';
          break;
        }
        p = parent.parent;
      }
    }
    return index;
  }

  /** The task holding a request's after-response work, created on first need. */
  private backgroundOf(index: number, start: number): number {
    const t = this.tasks[index];
    if (t.background === -1) {
      t.background = this.addTask(
        t.wireId,
        TaskKind.Background,
        index,
        `${t.name} (after response)`,
        t.flags & TaskFlags.Internal,
        t.location,
        start,
        `${t.id}b`,
      );
    }
    return t.background;
  }

  // ------------------------------------------------------------------ queries

  get stintCount(): number {
    return this.stints.length;
  }

  /** Busy time: the sum of all stints, ms. */
  busyMs(): number {
    let sum = 0;
    const s = this.stints;
    for (let i = 0; i < s.length; i++) sum += s.end[i] - s.start[i];
    return sum;
  }

  stintEnd(stint: number): number {
    return stint === this.open ? Math.max(this.lastTime, this.stints.start[stint]) : this.stints.end[stint];
  }

  /**
   * A task's wait: the part of its life when it was not running, ms — from its creation (a member
   * of Promise.all waits from the moment it was made, not from its first stint) to the end of its
   * life (a request's response, else its last stint).
   */
  waitMs(task: TimelineTask): number {
    if (task.stints.length === 0) return 0;
    const first = Math.min(task.createdAt, this.stints.start[task.stints[0]]);
    const lastEnd = this.stintEnd(task.stints[task.stints.length - 1]);
    const lifeEnd = Math.max(lastEnd, task.endedAt ?? lastEnd);
    return Math.max(0, lifeEnd - first - task.runMs);
  }

  /** When a task's life ends: a request's response, else its last stint; null if not known yet. */
  taskEndTime(task: TimelineTask): number | null {
    if (task.kind === 'request') return task.endedAt;
    if (task.stints.length === 0) return null;
    return this.stintEnd(task.stints[task.stints.length - 1]);
  }

  /** Every boundary between consecutive stints of different tasks (untracked code is skipped). */
  switches(): SwitchInfo[] {
    return allSwitches(this);
  }

  /** The first switch into a stint after stint `stint` (-1: from the beginning), or null. */
  switchAfter(stint: number): SwitchInfo | null {
    return switchAfter(this, stint);
  }

  /** The last switch into a stint before stint `stint` (stintCount: from the end), or null. */
  switchBefore(stint: number): SwitchInfo | null {
    return switchBefore(this, stint);
  }

  /** Index of the first stint that starts at or after `time` (stintCount if none). */
  firstStintStartingAt(time: number): number {
    const s = this.stints;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (s.start[mid] < time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  switchCount(): number {
    return countSwitches(this);
  }

  /** Index of the first stint that ends after `time` (stints are in time order). */
  firstStintAfter(time: number): number {
    const s = this.stints;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.stintEnd(mid) <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Lag over the whole trace: medians and worst cases of the reported intervals, ms. */
  lagSummary(): { p50Ms: number; p99Ms: number; maxMs: number } | null {
    const points = this.lagPoints.filter((p) => p.samples > 0);
    if (points.length === 0) return null;
    const weighted = (pick: (p: LagPoint) => number, q: number): number => {
      const sorted = points.map((p) => ({ v: pick(p), w: p.samples })).sort((a, b) => a.v - b.v);
      const total = sorted.reduce((sum, e) => sum + e.w, 0);
      let seen = 0;
      for (const e of sorted) {
        seen += e.w;
        if (seen >= q * total) return e.v;
      }
      return sorted[sorted.length - 1].v;
    };
    return {
      p50Ms: weighted((p) => p.p50Ms, 0.5),
      p99Ms: weighted((p) => p.p99Ms, 0.99),
      // A loop, not Math.max(...): a long trace has more points than a call may take arguments.
      maxMs: points.reduce((max, p) => Math.max(max, p.maxMs), -Infinity),
    };
  }
}

/** Tasks made for ids whose creation was not recorded, before the rest share one. */
const MAX_UNRECORDED_TASKS = 10_000;

const END_CAUSES: Record<number, EndInfo['cause']> = {
  [EndCause.Exit]: 'exit',
  [EndCause.UncaughtException]: 'uncaught-exception',
  [EndCause.UnhandledRejection]: 'unhandled-rejection',
  [EndCause.Signal]: 'signal',
  [EndCause.Detached]: 'detached',
};
