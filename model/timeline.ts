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
 *    script; a worker; a job: a function of the program's that a library runs and nobody waits
 *    for — through a call of the library's nobody awaited (also one the library's own callback
 *    makes: a microtask's, a timer's; also a queue's synchronous add() that calls and chains it),
 *    a loop of its own, or each firing of a scheduler's timer task (README, "Which work is which
 *    task"); but a router's layer (its next() runs the next) and a call the library makes inside a
 *    promise it hands back are the caller's work. A library is code in a node_modules folder.
 *  - Everything else is the work of the code that asked for it: what runs later on behalf of some
 *    code (a continuation, a callback, a stream's data it piped) belongs to the task whose code made
 *    it — an awaited helper, a `.then` chain, a library's own promises and callbacks, a pool's
 *    connection included. What a call runs before its first await runs in its caller's stint.
 *  - A connection outlives its opener: after a request's response its callbacks are nobody's.
 *  The tracer may learn late that a task it made was its parent's work after all (a call whose
 *  promise, or a `.then` chain on it, its caller returned): a FOLD record moves everything the task recorded to the parent
 *  (`fold`). A task made on evidence not yet confirmed (TaskFlags.Provisional) counts as internal
 *  until a TASK_INFO names it. A tracer may also learn what a task is only in its first stint (the
 *  Python tracer: the server's task for a request is that request) and write its TASK record there,
 *  after the RUN that opened the stint: the record completes the task its earlier records named.
 *
 * Choices the vocabulary leaves open, made here once:
 *  - A stint is a maximal interval in which the loop runs code for one task: RUN opens it, the next
 *    RUN or IDLE closes it. Time the tracer could not attribute is a stint of the pseudo-task
 *    "(untracked code)" (id "0"); it counts as busy time and can be a block, but never as a switch.
 *  - Background work: a stint of a request after its response that lasts more than WRAP_UP_MS
 *    (and is not a tick it queued) belongs to a task of kind `background`, child of the request,
 *    created on first need; shorter ones are its wrap-up. A sub-task of a request (a fire-and-forget
 *    call) that runs after the response becomes `background`; a combinator's member does once a
 *    stint of it after the response lasts more than WRAP_UP_MS (a race's loser still at work),
 *    not for a library's tail (fetch's socket, a file handle closed after the member finished), and
 *    so does a call nobody awaited that ended (its function returned: TASK_END) before the
 *    response (`const p = getJson(url); …; await p`). A timer or
 *    immediate the program's own code sets after ending a response comes as a task of kind
 *    `background` (tracer/sources/timers.ts): its work is the request's after-response part,
 *    however short.
 *  - A block is judged by its stint's wall time: the loop was held for all of it. Where the tracer
 *    could tell how long of it the thread waited for a CPU (STINT_CPU: a busy machine preempting
 *    the program), the block says so, and stays a block (a wait on the clock would have lasted as
 *    long on an idle machine). A request's wrap-up against background work is judged by the time
 *    the stint held the loop: its wall time less that wait, or what it did of its own where the
 *    tracer says and that is less (STINT_CPU's `ownMs`: its CPU and the program's blocking calls;
 *    a thread asleep for the process's other threads, which the machine held off, did nothing).
 *    Work after the response is work by what it computed; the machine's load does not make a
 *    wrap-up of the request's into work.
 *  - A task's wait is the part of its life it was not running: from its creation (a Promise.all
 *    member waits from the moment it was made) to the end of its life (the response for a request,
 *    its last stint otherwise).
 */
import {
  DEFAULT_BLOCK_MS,
  EndCause,
  Reason,
  TaskEnd,
  TaskFlags,
  TaskKind,
  TraceMeta,
} from '../protocol/format';
import { AwaitFrame, EventVisitor, SampledFrame, SourceLocation } from '../protocol/reader';
import { Blocks, Pauses } from './blocks';
import {
  BUDGET_CHECK_EVERY,
  FORGOTTEN_BYTES,
  LAG_BYTES,
  NOTE_BYTES,
  STINT_BYTES,
  TASK_BYTES,
} from './memoryBudget';
import { StintColumns } from './stints';
import { TaskTable } from './taskTable';
import { LagSummary, lagSummary, resumeLocation } from './queries';
import {
  allSwitches,
  countSteps,
  countSwitches,
  stepAfter,
  stepBefore,
  switchAfter,
  switchBefore,
} from './switches';
import { BlockInfo, DropInfo, EndInfo, LagPoint, SwitchInfo, TimelineTask } from './timelineTypes';

export type { BlockInfo, DropInfo, EndInfo, LagPoint, SwitchInfo, TimelineTask } from './timelineTypes';

const UNTRACKED = 0;
/**
 * A request's stint after its response that lasts at most WRAP_UP_MS is the request finishing up
 * (its framework's promises settling — late, on a busy loop; a library releasing what it used),
 * not background work; so is one that runs a tick it queued (Reason.Resume: the runtime writing the
 * response out, a driver flushing). Wall-clock stints stretch when the process is preempted or a
 * collection runs inside them (4 ms for a 0.1 ms clean-up beside a CPU hog): the bound leaves room,
 * and a stint is judged by what it held the loop of its own (heldMs), not by its wall time.
 */
const WRAP_UP_MS = 10;
/** A STINT_CPU record names its stint by the start the tracer knows, which may be later than the stint's (ms). */
const STINT_CPU_SLACK_MS = 1;

export class Timeline implements EventVisitor {
  meta: TraceMeta | null = null;
  /** The tasks and the wire ids that name them (taskTable.ts). */
  private readonly table = new TaskTable();
  readonly tasks: TimelineTask[] = this.table.list;
  readonly stints = new StintColumns();
  readonly lagPoints: LagPoint[] = [];
  readonly drops: DropInfo[] = [];
  /** Blocks and the debugger's pauses (blocks.ts). */
  private readonly judge: Blocks = new Blocks(this);
  readonly blocks: BlockInfo[] = this.judge.list;
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
  /** Where stints awaited (rationed by the tracer: not every stint has one), in stint order. */
  readonly awaits: Array<{ stint: number; task: number; frames: AwaitFrame[] }> = [];
  private readonly awaitOfStint = new Map<number, AwaitFrame[]>();
  /** How long a stint's thread waited for a CPU, ms, where the tracer said (STINT_CPU): long stints only. */
  private readonly cpuWaits = new Map<number, number>();
  /**
   * The most a stint did of its own up to a time (STINT_CPU's `ownMs`: its CPU and the program's
   * blocking calls), ms, where the tracer said: long stints only.
   */
  private readonly ownMost = new Map<number, { ms: number; until: number }>();

  /** Stint now open (-1: none). */
  private open = -1;

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

  constructor(
    /** A stint at least this long is a block, ms; the trace's own threshold when not given. */
    private blockMsOverride?: number,
  ) {
    this.table.add(0, TaskKind.Other, -1, '(untracked code)', TaskFlags.Internal, null, 0, '0');
  }

  /** The block threshold in force, ms. */
  get blockMs(): number {
    return this.blockMsOverride ?? this.meta?.blockMs ?? DEFAULT_BLOCK_MS;
  }

  set blockMs(value: number) {
    this.blockMsOverride = value;
    this.judge.rejudge(this.open);
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
    let index = task === UNTRACKED ? 0 : this.table.indexOf(task, time);
    index = this.table.workFor(index, start);
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
    // An IDLE dated before the running stint began says nothing of it: the Python tracer writes a
    // stint's IDLE with the next stint's RUN, and again where its watchdog flushes (format.ts, IDLE).
    if (this.open !== -1 && time < this.stints.start[this.open]) return;
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
    const parentIndex = parent !== 0 ? (this.table.known(parent) ?? -1) : -1;
    if (
      kind === TaskKind.Background &&
      parentIndex !== -1 &&
      this.tasks[parentIndex].kind === 'request' &&
      this.table.known(id) === undefined
    ) {
      // The program's own work after a request's response (a timer it set then): the request's
      // after-response part, however short.
      this.table.alias(id, this.table.backgroundOf(parentIndex, time, location));
      this.structureVersion++;
      this.version++;
      return;
    }
    const before = this.tasks.length;
    this.table.announce(id, kind, parentIndex, name ?? `task ${id}`, flags, location, time);
    // (A task its earlier records named, completed in place: its kind and parent may change.)
    if (this.tasks.length === before) this.structureVersion++;
    this.version++;
    if (++this.sinceBudgetCheck >= BUDGET_CHECK_EVERY) this.checkBudget();
  }

  taskEnd(time: number, id: number, how: number): void {
    this.see(time);
    const index = this.table.known(id);
    if (index === undefined) return;
    const t = this.tasks[index];
    if (t.endedAt !== null) {
      // A request whose client left before its response began ends then, aborted; its handler may
      // go on and end the response later (the tracer writes the end again): its lane runs to there.
      if (t.endHow === 'aborted' && time > t.endedAt) {
        t.endedAt = time;
        this.version++;
      }
      return;
    }
    t.endedAt = time;
    t.endHow = how === TaskEnd.Aborted ? 'aborted' : 'finished';
    this.version++;
  }

  ready(time: number, id: number): void {
    const index = this.table.known(id);
    if (index === undefined) return;
    this.tasks[index].readySince = time;
  }

  taskInfo(time: number, id: number, name: string | null, location: SourceLocation | null, parent = 0): void {
    this.see(time);
    const index = this.table.known(id);
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
      const p = this.table.known(parent);
      if (p !== undefined && p !== index && !this.table.isAncestor(index, p)) {
        t.parent = p;
        // A call nobody awaited taken for background work of the request it seemed part of (a
        // queue's job started from another request's wrap-up, re-parented once its waiter was
        // known): judged again as work of the one it is part of.
        if (
          t.kind === 'background' &&
          (t.flags & TaskFlags.Detached) !== 0 &&
          !t.stints.some((i) => this.table.afterResponse(index, this.stints.start[i]))
        )
          t.kind = 'other';
        this.structureVersion++;
      }
    }
    this.version++;
  }

  /**
   * Task `id` turned out to be part of `into`'s work (a call the tracer took for a dish of its own
   * was its caller's after all): its stints, blocks, awaits and children move to `into`, and later
   * records naming `id` mean `into`.
   */
  fold(time: number, id: number, into: number): void {
    this.see(time);
    const from = this.table.known(id);
    const to = this.table.known(into);
    if (from === undefined || to === undefined || from === to || from === 0) return;
    const a = this.tasks[from];
    let b = this.tasks[to];
    if (a.mergedInto !== -1 || this.table.isAncestor(from, to)) return;
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
    this.table.alias(id, b.index);
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
    cpuMs = -1,
  ): void {
    this.judge.sample(time, task, observedMs, observations, frames, cpuMs);
    this.version++;
  }

  stintCpu(time: number, task: number, until: number, waitMs: number, _cpuMs = -1, ownMs = -1): void {
    this.see(until);
    // Written while the stint is still open, or right after it closed. The record covers the stint
    // so far; a later one for the same stint replaces it. Untracked code's stints too: the Python
    // tracer opens one for each of the loop's reader callbacks (a protocol's data_received).
    const t = task === UNTRACKED ? this.tasks[0] : this.taskForWireId(task);
    if (t === undefined || !(waitMs > 0 || ownMs >= 0)) return;
    const s = this.stints;
    const i = this.open !== -1 ? this.open : s.length - 1;
    if (i < 0 || s.task[i] !== t.index || s.start[i] > time + STINT_CPU_SLACK_MS) return;
    if (ownMs >= 0) this.ownMost.set(i, { ms: ownMs, until });
    if (!(waitMs > 0)) return;
    const waited = Math.min(waitMs, until - time);
    this.cpuWaits.set(i, waited);
    if (i !== this.open) {
      // Written right after the stint closed: a block already judged learns its wait.
      const block = this.blocks.find((b) => b.stint === i);
      if (block !== undefined) block.cpuWaitMs = Math.min(waited, s.end[i] - s.start[i]);
    }
    this.version++;
  }

  /**
   * How long stint `i` (ending at `end`) held the loop, ms: its wall time less the time its thread
   * waited for a CPU while the machine ran other work, where the tracer could tell.
   */
  heldMs(i: number, end: number): number {
    const wall = end - this.stints.start[i];
    const waited = this.cpuWaits.get(i);
    return Math.min(waited === undefined ? wall : Math.max(0, wall - waited), this.ownMostMs(i, end));
  }

  /**
   * The most stint `i` (ending at `end`) can have done of its own, ms, where the tracer said
   * (STINT_CPU): its thread's CPU time and its time in the program's blocking calls, plus all of
   * the stint after the tracer's reading; Infinity if not known. A thread that slept in the stint
   * for no call of the program's — waiting for the process's other threads (a collector's helpers,
   * a library's worker) that a busy machine held off their CPU — did nothing of its own meanwhile.
   */
  ownMostMs(i: number, end: number): number {
    const own = this.ownMost.get(i);
    return own === undefined ? Infinity : own.ms + Math.max(0, end - own.until);
  }

  /**
   * The share of stint `i`'s wait for a CPU that fell in [from, end]: the stint says only how long it
   * waited in all, so the wait is spread over it evenly (a stint that ran on after its request's
   * response, all its wait taken off the part after, never came out as background on a busy machine).
   */
  private waitAfter(i: number, from: number, end: number): number {
    const length = end - this.stints.start[i];
    return length > 0 ? (this.cpuWaitMs(i) * (end - from)) / length : 0;
  }

  /** How long stint `i`'s thread waited for a CPU (the machine busy with other work), ms; 0 if not known. */
  cpuWaitMs(i: number): number {
    return this.cpuWaits.get(i) ?? 0;
  }

  awaitAt(time: number, task: number, frames: AwaitFrame[]): void {
    this.see(time);
    // The record is written inside the stint it describes: the last one that began by `time`
    // (found by halving: a crafted file whose records all point back to the start must not cost
    // a scan each).
    const stint = this.stints.countStartingBefore(time, true) - 1;
    if (stint < 0 || this.taskForWireId(task) === undefined) return;
    this.awaits.push({ stint, task: this.stints.task[stint], frames });
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
    if (t.kind === 'request' && t.endHow === 'aborted' && t.endedAt !== null) {
      // Its client left: no response went out, so nothing it runs is work after its response — a
      // handler going on after the client left (its last query, its 'close' listener) is the
      // request's work, and its lane ends with it.
      if (end > t.endedAt) t.endedAt = end;
      t.runMs += end - s.start[i];
      this.open = -1;
      this.judge.check(i);
      return end;
    }
    if (
      t.kind === 'request' &&
      t.endedAt !== null &&
      s.start[i] < t.endedAt &&
      Math.min(end - t.endedAt - this.waitAfter(i, t.endedAt, end), this.ownMostMs(i, end)) >=
        Math.max(WRAP_UP_MS, this.blockMs)
    ) {
      // The stint went on after the response was sent for as long as a block (work the framework
      // runs right after sending it, in the same step: FastAPI's BackgroundTasks): that part is
      // background work. (Less is the request's wrap-up, however a loaded machine stretched it.)
      const sent = t.endedAt;
      // Each part keeps its share of the stint's wait for a CPU (as judged above): a block of the
      // part after, which the wait made longer, says so.
      const waited = this.cpuWaits.get(i);
      const waitedAfter = this.waitAfter(i, sent, end);
      s.end[i] = sent;
      if (waited !== undefined) this.cpuWaits.set(i, waited - waitedAfter);
      // (What the whole did of its own at most bounds each part.)
      const own = this.ownMost.get(i);
      t.runMs += sent - s.start[i];
      this.judge.check(i);
      const bg = this.table.backgroundOf(t.index, sent);
      const rest = this.stints.push(sent, bg, s.reason[i], NaN);
      s.end[rest] = end;
      if (waited !== undefined) this.cpuWaits.set(rest, waitedAfter);
      if (own !== undefined) this.ownMost.set(rest, own);
      this.tasks[bg].stints.push(rest);
      this.tasks[bg].runMs += end - sent;
      this.open = -1;
      this.judge.check(rest);
      return end;
    }
    if (
      t.kind === 'request' &&
      t.endedAt !== null &&
      s.start[i] >= t.endedAt &&
      s.reason[i] !== Reason.Resume &&
      this.heldMs(i, end) > WRAP_UP_MS
    ) {
      // It looked like the request finishing up, but it went on: background work after all.
      t.stints.pop();
      const bg = this.table.backgroundOf(t.index, s.start[i]);
      s.task[i] = bg;
      t = this.tasks[bg];
      t.stints.push(i);
    }
    if (
      t.kind === 'other' &&
      ((t.flags & TaskFlags.Concurrent) !== 0 || this.table.returnedBeforeResponse(t.index)) &&
      s.reason[i] !== Reason.Resume &&
      this.heldMs(i, end) > WRAP_UP_MS &&
      this.table.afterResponse(t.index, s.start[i]) &&
      this.table.madeBeforeResponse(t.index)
    ) {
      // A member still at work after its request's response (a race's loser), or a call started
      // before it and awaited that holds the loop after it: background work. (Not a member made
      // after the response, by work that runs after it — an event socket.io hands on once the POST
      // that carried it answered, whose handler's `Promise.all` members are its own: one of them
      // whose query's reply a busy machine stretched past 10 ms was background, its sibling not.)
      t.kind = 'background';
      this.structureVersion++;
    }
    t.runMs += end - s.start[i];
    this.open = -1;
    this.judge.check(i);
    return end;
  }

  /** Sets the debugger pauses and judges the blocks again. */
  setPauses(pauses: Pauses): void {
    this.judge.setPauses(pauses);
    this.judge.rejudge(this.open);
    this.version++;
  }

  /** How much of [start, end] the program spent paused in the debugger (as the host saw it), ms. */
  pausedWithin(start: number, end: number): number {
    return this.judge.pausedWithin(start, end);
  }

  /** The frames of the await recorded in stint `stint` (where its code suspended), if one was. */
  awaitFramesOf(stint: number): readonly AwaitFrame[] | null {
    return this.awaitOfStint.get(stint) ?? null;
  }

  /** The task a wire id names, if its creation has been read. */
  taskForWireId(wireId: number): TimelineTask | undefined {
    return this.table.forWireId(wireId);
  }

  /**
   * Where stint `stint` resumes its task: the line of user code it awaited at before, or null
   * (queries.ts).
   */
  resumeLocation(stint: number): SourceLocation | null {
    return resumeLocation(this, stint);
  }

  // ------------------------------------------------------------------ the memory budget

  /** What the model holds now, estimated bytes (see the weights below). */
  estimatedBytes(): number {
    return (
      this.stints.start.length * STINT_BYTES +
      this.tasks.length * TASK_BYTES +
      (this.awaits.length + this.blocks.length) * NOTE_BYTES +
      this.lagPoints.length * LAG_BYTES +
      this.table.forgotten.size * FORGOTTEN_BYTES
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
    const renumber = this.table.dropBefore(keep, cut, this.memoryBudget);
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
    const waits = [...this.cpuWaits].filter(([stint]) => stint >= keep);
    this.cpuWaits.clear();
    for (const [stint, ms] of waits) this.cpuWaits.set(stint - keep, ms);
    const owns = [...this.ownMost].filter(([stint]) => stint >= keep);
    this.ownMost.clear();
    for (const [stint, own] of owns) this.ownMost.set(stint - keep, own);
    this.awaitOfStint.clear();
    for (const a of this.awaits)
      if (!this.awaitOfStint.has(a.stint)) this.awaitOfStint.set(a.stint, a.frames);
    const lagFrom = this.lagPoints.findIndex((p) => p.time >= cut);
    this.lagPoints.splice(0, lagFrom === -1 ? this.lagPoints.length : lagFrom);
    const dropFrom = this.drops.findIndex((d) => d.end >= cut);
    this.drops.splice(0, dropFrom === -1 ? this.drops.length : dropFrom);
    if (this.open !== -1) this.open -= keep;
    this.droppedBefore = cut;
    this.droppedStints += keep;
    this.structureVersion++;
    this.version++;
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
    // A dish that never ran but ended (its promise settled by others' code: a DataLoader load)
    // waited all its life.
    if (task.stints.length === 0)
      return task.endedAt !== null ? Math.max(0, task.endedAt - task.createdAt) : 0;
    const first = Math.min(task.createdAt, this.stints.start[task.stints[0]]);
    if (task.kind === 'request' && task.endedAt !== null) {
      // A request's life ends with its response: its wrap-up after it (short stints, however late
      // they come: after work the framework ran once the response was sent) is no waiting.
      let ran = 0;
      for (const i of task.stints) {
        const start = this.stints.start[i];
        if (start >= task.endedAt) break;
        ran += Math.min(this.stintEnd(i), task.endedAt) - start;
      }
      return Math.max(0, task.endedAt - first - ran);
    }
    const lastEnd = this.stintEnd(task.stints[task.stints.length - 1]);
    const lifeEnd = Math.max(lastEnd, task.endedAt ?? lastEnd);
    return Math.max(0, lifeEnd - first - task.runMs);
  }

  /**
   * When a task's life ends: a request's response, else its last stint (or, for one that never
   * ran, its recorded end: a dish settled by others' code); null if not known yet.
   */
  taskEndTime(task: TimelineTask): number | null {
    if (task.kind === 'request' || task.stints.length === 0) return task.endedAt;
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
    return this.stints.countStartingBefore(time);
  }

  switchCount(): number {
    return countSwitches(this);
  }

  /**
   * The first step into a stint after stint `stint`: a switch, or a task resuming after the loop
   * sat idle with no other task between (switches.ts), or null.
   */
  stepAfter(stint: number): SwitchInfo | null {
    return stepAfter(this, stint);
  }

  /** The last step into a stint before stint `stint` (stintCount: from the end), or null. */
  stepBefore(stint: number): SwitchInfo | null {
    return stepBefore(this, stint);
  }

  stepCount(): number {
    return countSteps(this);
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

  /** Lag over the whole trace: medians and worst cases of the reported intervals, ms (queries.ts). */
  lagSummary(): LagSummary | null {
    return lagSummary(this.lagPoints);
  }
}

const END_CAUSES: Record<number, EndInfo['cause']> = {
  [EndCause.Exit]: 'exit',
  [EndCause.UncaughtException]: 'uncaught-exception',
  [EndCause.UnhandledRejection]: 'unhandled-rejection',
  [EndCause.Signal]: 'signal',
  [EndCause.Detached]: 'detached',
};
