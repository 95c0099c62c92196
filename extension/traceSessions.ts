/**
 * Traced sessions: one per traced debug launch (or per opened trace file). A session owns its
 * trace server (a private socket and a token), the bytes received (kept for export, up to a cap)
 * and the host's own timeline model of them (for the status bar and the summary). Views subscribe
 * to changes; nothing here depends on a view being open.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { CloseReason, TraceConnection, TraceServer } from '../host/traceServer';
import { formatDuration } from '../model/duration';
import { Stepper } from '../model/steps';
import { Timeline } from '../model/timeline';
import { TraceFileResult, readTraceBytes } from '../host/traceFile';
import { LiveRecord } from '../protocol/live';
import { TraceFormatError, TraceReader } from '../protocol/reader';
import { LiveBlock, Pause, SessionInfo, SessionState } from '../webview/protocol';
import { CONTEXT_KEYS, SETTINGS } from './ids';
import { numberSetting } from './settings';

const MIB = 1024 * 1024;
/**
 * The watchdog repeats "still blocked" every 100 ms; with no word for this long the block is
 * taken as over (its RESUMED record was lost, or the program died).
 */
const LIVE_STALE_MS = 1000;
/** "Blocked" records closer together than this are let go, ms. */
const LIVE_MIN_GAP_MS = 20;
/** Task names from the watchdog kept at most. */
const LIVE_NAMES = 16;
/**
 * A live session whose program has not connected after this long says so while it waits, ms: a
 * launch that runs something other than Node.js (a node-terminal's `bun run dev`) would otherwise
 * show "waiting for the program" for as long as it runs. Generous: js-debug under load took up to
 * 9 s to start a program.
 */
const CONNECT_WAIT_MS = 15_000;
/**
 * The wait before NOT_CONNECTED_YET, ms: CONNECT_WAIT_MS, or what the VS Code test runner sets in
 * LOOPLENS_TEST_CONNECT_WAIT_MS (the suite, which runs in CI, then need not sit through 15 s).
 */
function connectWaitMs(): number {
  const test = Number(process.env.LOOPLENS_TEST_CONNECT_WAIT_MS);
  return Number.isInteger(test) && test > 0 ? test : CONNECT_WAIT_MS;
}
const connectWait = connectWaitMs();
/** What a live session says when its program has not connected after the wait (connectWaitMs). */
export const NOT_CONNECTED_YET = `The program has not connected to Loop Lens after ${connectWait / 1000} s. If it is running, it is not traced: is it a Node.js program, started with this launch's environment (NODE_OPTIONS)? A command that runs something else (bun, deno, python), or starts Node.js with a cleared environment, cannot be traced this way.`;

/** What a session says when its program's trace stops without its end record. */
export const UNFINISHED =
  'The program ended without finishing its trace (it may have been killed). What it recorded is kept.';

export class TraceSession implements vscode.Disposable {
  readonly id = randomUUID();
  state: SessionState = 'starting';
  problem: string | null = null;
  readonly timeline: Timeline;
  /**
   * The step cursor over the session's switches: the editor's commands step here, on the host's
   * own model, whether a panel is open or not; a panel shows where it stands.
   */
  readonly stepper: Stepper;
  readonly pauses: Pause[] = [];
  /** The debug session being traced, once VS Code has started it. */
  debugSession: vscode.DebugSession | undefined;
  /** The trace file it was read from (Open Trace File…, a file's editor), to read again after a reload. */
  source: vscode.Uri | undefined;
  private readonly chunks: Uint8Array[] = [];
  private storedBytes = 0;
  private receivedBytes = 0;
  private storeFull = false;
  /** The cap on the timeline's memory, MiB (undefined: none). */
  private timelineMiB: number | undefined;
  /** Events read from a trace file (a live session counts its connection's). */
  fileEvents = 0;
  /** The user stopped the debug session: the program is ended from outside, not crashing. */
  stopRequested = false;
  /** The debugger said the program terminated (before anyone asked it to stop). */
  adapterEnded = false;
  /**
   * The program's connection closed with no events and no end record: UNFINISHED, unless a spill
   * file holds its trace (decided in end()).
   */
  private unfinished = false;
  /** The trace was taken from the program's spill file (it ended before its connection was taken). */
  recovered = false;
  private connection: TraceConnection | null = null;
  /** The tracer's watchdog line (live "blocked now" records), once it has connected. */
  private watchdog: TraceConnection | null = null;
  /** The loop is blocked right now, as the watchdog last said; null when it is not. */
  liveBlock: LiveBlock | null = null;
  private liveTimer: ReturnType<typeof setTimeout> | null = null;
  /** Says NOT_CONNECTED_YET if the program has not connected in time (live sessions). */
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  /** When the last "blocked" record was taken (host clock). */
  private liveAt = -Infinity;
  /** Names of blocked tasks, from the watchdog (newest few). */
  private readonly liveNames = new Map<number, string>();
  private readonly changed = new vscode.EventEmitter<TraceSession>();
  private readonly appended = new vscode.EventEmitter<Uint8Array>();
  /** The session's state or counts changed. */
  readonly onDidChange = this.changed.event;
  /** New trace bytes arrived (after the ones `bytes()` returned before). */
  readonly onDidAppend = this.appended.event;
  private readonly reset = new vscode.EventEmitter<TraceSession>();
  /** The trace was replaced as a whole (views start again from `bytes()`). */
  readonly onDidReset = this.reset.event;

  constructor(
    public name: string,
    readonly blockMs: number,
    private readonly maxBytes: number,
    readonly server: TraceServer | null,
    timeline: Timeline = new Timeline(blockMs),
  ) {
    this.timeline = timeline;
    this.stepper = new Stepper(timeline, formatDuration);
    if (server !== null)
      this.connectTimer = setTimeout(() => {
        this.connectTimer = null;
        if (this.state !== 'starting' || this.problem !== null) return;
        this.problem = NOT_CONNECTED_YET;
        this.changed.fire(this);
      }, connectWait);
  }

  private stopConnectTimer(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
  }

  /**
   * Caps the memory of the session's timeline, and of the panels' (MiB; clamped to the setting's
   * range, anything else means the default): past it the oldest part is dropped.
   */
  limitTimeline(mib: number): void {
    if (mib === Infinity) return;
    const value = Number.isFinite(mib) ? Math.min(4096, Math.max(16, mib)) : 256;
    this.timelineMiB = value;
    this.timeline.memoryBudget = value * MIB;
  }

  /** Everything received so far (as one buffer), for a view that starts from scratch. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const all = new Uint8Array(this.storedBytes);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks.length = 0;
    this.chunks.push(all);
    return all;
  }

  get complete(): boolean {
    return !this.storeFull;
  }

  info(): SessionInfo {
    const stats = this.connection?.reader.stats;
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      problem: this.problem,
      events: (stats?.events ?? 0) + this.fileEvents,
      dropped: this.timeline.droppedEvents,
      bytes: this.receivedBytes,
      blockMs: this.blockMs,
      timelineMiB: this.timelineMiB,
      liveBlock: this.liveBlock,
    };
  }

  /** The process id of the traced program, once it has connected. */
  get pid(): number | null {
    return this.connection?.pid ?? null;
  }

  /**
   * Whether a watchdog's connection belongs to this session: one at a time, from the program that
   * is traced (or, before the program's own connection, from any: a program blocked from its
   * first line cannot connect, and its watchdog can).
   */
  acceptWatchdog(connection: TraceConnection): boolean {
    if (this.watchdog !== null && this.watchdog.closed === null) return false;
    if (this.state === 'ended' || this.state === 'file') return false;
    if (this.connection !== null && this.connection.pid !== connection.pid) return false;
    this.watchdog = connection;
    connection.on('live', (record: LiveRecord) => this.live(record));
    connection.once('close', () => {
      if (this.watchdog === connection) this.clearLiveBlock();
    });
    return true;
  }

  private live(record: LiveRecord): void {
    // The main connection is another process's: this watchdog is not the traced program's.
    if (this.connection !== null && this.watchdog !== null && this.connection.pid !== this.watchdog.pid)
      return;
    if (record.type === 'name') {
      this.liveNames.set(record.task, record.name ?? '');
      if (this.liveNames.size > LIVE_NAMES) this.liveNames.delete(this.liveNames.keys().next().value!);
      if (this.liveBlock !== null && this.liveBlock.task === record.task && record.name) {
        this.liveBlock = { ...this.liveBlock, taskName: record.name };
        this.changed.fire(this);
      }
      return;
    }
    if (record.type === 'resumed' || this.state === 'ended') {
      this.clearLiveBlock();
      return;
    }
    // The watchdog repeats itself every 25–100 ms; anything much faster is not worth redrawing for
    // (and a program that floods this line gets no more of the host's time than that).
    const arrived = performance.now();
    if (this.liveBlock !== null && arrived - this.liveAt < LIVE_MIN_GAP_MS) return;
    this.liveAt = arrived;
    // Held in the debugger is not blocked; and once the trace goes on well past the block's start,
    // the program has moved on (its RESUMED record was lost).
    const duration = record.now - record.since - this.timeline.pausedWithin(record.since, record.now);
    if (
      this.state === 'paused' ||
      duration < this.blockMs ||
      this.timeline.endTime >= record.since + this.blockMs
    ) {
      this.clearLiveBlock();
      return;
    }
    const task = this.timeline.taskForWireId(record.task);
    this.liveBlock = {
      task: record.task,
      taskName:
        task?.name ||
        this.liveNames.get(record.task) ||
        // Nothing received yet: the program is blocked before its loop ever turned.
        (this.timeline.meta === null
          ? "the program's start-up"
          : record.task === 0
            ? 'code outside any task'
            : 'a task not received yet'),
      since: record.since,
      now: record.now,
      durationMs: duration,
    };
    if (this.liveTimer !== null) clearTimeout(this.liveTimer);
    this.liveTimer = setTimeout(() => this.clearLiveBlock(), LIVE_STALE_MS);
    this.changed.fire(this);
  }

  private clearLiveBlock(): void {
    if (this.liveTimer !== null) clearTimeout(this.liveTimer);
    this.liveTimer = null;
    if (this.liveBlock === null) return;
    this.liveBlock = null;
    this.changed.fire(this);
  }

  /** Wires a live connection that the trace server accepted. */
  attach(connection: TraceConnection): void {
    this.connection = connection;
    this.stopConnectTimer();
    // Connected late (a slow start): the waiting is over.
    if (this.problem === NOT_CONNECTED_YET) this.problem = null;
    this.setState('running');
    connection.on('data', (data: Buffer) => this.received(data));
    connection.once('close', (reason: CloseReason) => {
      this.clearLiveBlock();
      if (reason.kind === 'error') {
        this.problem = `The program sent data Loop Lens cannot read (${reason.message}). What it recorded before is kept.`;
      } else if (
        (reason.kind === 'ended' || reason.kind === 'lost') &&
        this.timeline.endInfo === null &&
        this.state !== 'ended' &&
        // A program the user stopped ends without its end record; that is no crash.
        !this.stopRequested
      ) {
        // A connection that brought no events may have a spill file behind it (a quick program
        // that ended before its connection was taken): whether the trace was finished is known
        // only once the session ends and the spill is read (end()). Said now, the Output channel
        // called a clean quick exit a kill.
        if (this.server !== null && connection.reader.stats.events === 0) this.unfinished = true;
        else this.problem = UNFINISHED;
      }
      this.timeline.finish();
      this.changed.fire(this);
    });
  }

  /** Adds trace bytes that were read from a file (a session that shows a file). */
  received(data: Uint8Array): void {
    this.receivedBytes += data.length;
    if (!this.storeFull) {
      if (this.storedBytes + data.length > this.maxBytes) {
        this.storeFull = true;
        this.problem = `This trace passed ${Math.round(this.maxBytes / MIB)} MiB (the looplens.maxTraceMiB setting): the timeline keeps up, but exports stop at that point.`;
      } else {
        // Copy: the socket's buffer may be reused by the stream.
        const copy = new Uint8Array(data);
        this.chunks.push(copy);
        this.storedBytes += copy.length;
        this.appended.fire(copy);
      }
    }
    this.changed.fire(this);
  }

  setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    this.changed.fire(this);
  }

  /** The debugger stopped the program (trace-clock time derived from the wall clock). */
  paused(reason: string): void {
    const now = this.traceNow();
    if (now === null) return;
    const last = this.pauses[this.pauses.length - 1];
    if (last !== undefined && last.end === null) return;
    this.pauses.push({ start: now, end: null, reason });
    this.timeline.setPauses(this.pauses);
    this.clearLiveBlock();
    this.setState('paused');
    this.changed.fire(this);
  }

  resumed(): void {
    const last = this.pauses[this.pauses.length - 1];
    const now = this.traceNow();
    if (last !== undefined && last.end === null && now !== null) last.end = Math.max(now, last.start);
    this.timeline.setPauses(this.pauses);
    if (this.state === 'paused') this.setState('running');
    this.changed.fire(this);
  }

  /** The trace clock now, from the wall clock and the trace's clock origin. */
  traceNow(): number | null {
    const meta = this.timeline.meta;
    if (meta === null) return null;
    return Date.now() - meta.clockOriginEpochMs;
  }

  /**
   * A program that ended before its connection was taken wrote its trace to a spill file instead
   * (see the tracer's `spill` option): take it in place of what the connection brought (a header at
   * most). Returns whether there was one.
   */
  private recoverSpill(): boolean {
    if (this.server === null || this.timeline.endInfo !== null) return false;
    if ((this.connection?.reader.stats.events ?? 0) > 0) return false;
    const bytes = this.server.takeSpill(this.connection?.pid ?? null, this.maxBytes);
    if (bytes === null) return false;
    const reader = new TraceReader(this.timeline);
    try {
      reader.push(bytes);
      reader.finish();
    } catch (error) {
      if (!(error instanceof TraceFormatError) || error.code !== 'truncated') {
        this.problem = `The program's trace could not be read (${(error as Error).message}).`;
        return false;
      }
    }
    this.fileEvents = reader.stats.events;
    this.chunks.length = 0;
    this.chunks.push(bytes);
    this.storedBytes = bytes.length;
    this.receivedBytes = bytes.length;
    this.storeFull = false;
    if (this.problem === UNFINISHED) this.problem = null;
    this.unfinished = false;
    this.recovered = true;
    this.reset.fire(this);
    return true;
  }

  /** The debug session ended: no more data will come. */
  end(): void {
    this.recoverSpill();
    if (this.unfinished && this.timeline.endInfo === null && this.problem === null) this.problem = UNFINISHED;
    this.unfinished = false;
    const last = this.pauses[this.pauses.length - 1];
    if (last !== undefined && last.end === null) last.end = this.traceNow() ?? last.start;
    this.timeline.setPauses(this.pauses);
    this.stopConnectTimer();
    if (this.problem === NOT_CONNECTED_YET) this.problem = null;
    if (this.connection === null && this.receivedBytes === 0 && this.problem === null) {
      this.problem =
        'The program never connected to Loop Lens. Was it a Node.js program? (A program that clears NODE_OPTIONS for itself cannot be traced this way.)';
    }
    this.timeline.finish();
    this.clearLiveBlock();
    this.setState('ended');
    void this.server?.close();
  }

  dispose(): void {
    if (this.liveTimer !== null) clearTimeout(this.liveTimer);
    this.stopConnectTimer();
    void this.server?.close();
    this.changed.dispose();
    this.appended.dispose();
    this.reset.dispose();
  }
}

/** All sessions, newest last. */
export class TraceSessions implements vscode.Disposable {
  private readonly sessions: TraceSession[] = [];
  private readonly added = new vscode.EventEmitter<TraceSession>();
  readonly onDidAdd = this.added.event;
  private readonly removed = new vscode.EventEmitter<TraceSession>();
  /** A session was closed: its trace is gone (and what was worked out from it). */
  readonly onDidRemove = this.removed.event;

  all(): readonly TraceSession[] {
    return this.sessions;
  }

  get(id: string): TraceSession | undefined {
    return this.sessions.find((s) => s.id === id);
  }

  /** The session of a debug session, looking up its parents (js-debug runs the program in a child session). */
  forDebugSession(debugSession: vscode.DebugSession | undefined): TraceSession | undefined {
    for (let s = debugSession; s !== undefined; s = s.parentSession) {
      const found = this.sessions.find(
        (t) => t.debugSession?.id === s!.id || t.id === s!.configuration.__looplensSession,
      );
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /** A live session with its own trace server, waiting for the program to connect. */
  async startLive(
    name: string,
    blockMs: number,
    maxMiB: number,
    timelineMiB = Infinity,
  ): Promise<TraceSession> {
    // The server exists before its session (the session needs its address); connections only come
    // once the program runs, by which time the session is there.
    const holder: { session?: TraceSession } = {};
    const server = await TraceServer.start({
      // The first tracer to connect is the program; later ones (child processes) are declined.
      accept: (connection) => {
        const session = holder.session;
        if (session === undefined || session.state !== 'starting') return false;
        session.attach(connection);
        return true;
      },
      // The program's watchdog says "blocked now" while the program itself cannot.
      acceptWatchdog: (connection) => holder.session?.acceptWatchdog(connection) ?? false,
      visitor: () => holder.session!.timeline,
    });
    const session = new TraceSession(name, blockMs, maxMiB * MIB, server);
    session.limitTimeline(timelineMiB);
    holder.session = session;
    this.add(session);
    return session;
  }

  /**
   * A live session with the user's settings (the block threshold, the trace's and the timeline's
   * memory caps): what a traced launch or a traced terminal starts. Returns the threshold too, for
   * the tracer's options.
   */
  async startConfigured(name: string): Promise<{ session: TraceSession; blockMs: number }> {
    const blockMs = numberSetting(SETTINGS.blockThresholdMs);
    const session = await this.startLive(
      name,
      blockMs,
      numberSetting(SETTINGS.maxTraceMiB),
      numberSetting(SETTINGS.maxTimelineMiB),
    );
    return { session, blockMs };
  }

  /**
   * A session that shows a trace file (`read`: its bytes read already, else read here). Throws TraceFormatError (with a message for the user) when
   * the bytes are not a usable trace; a trace cut short is shown up to where it stops.
   */
  openFile(
    name: string,
    bytes: Uint8Array,
    blockMs: number,
    // As the command line reads it (host/traceFile.ts): up to a cut or damage, with a note.
    read: TraceFileResult = readTraceBytes(bytes, { partial: true, blockMs }),
  ): TraceSession {
    const session = new TraceSession(name, blockMs, Number.MAX_SAFE_INTEGER, null, read.timeline);
    if (read.note !== null) session.problem = `${read.note}.`;
    session.fileEvents = read.stats.events;
    session.received(bytes);
    session.setState('file');
    this.add(session);
    return session;
  }

  /** Closes a session that is no longer live: its data goes. */
  remove(session: TraceSession): void {
    const index = this.sessions.indexOf(session);
    if (index < 0) return;
    this.sessions.splice(index, 1);
    this.updateContext();
    this.removed.fire(session);
    session.dispose();
  }

  private add(session: TraceSession): void {
    this.sessions.push(session);
    this.updateContext();
    this.added.fire(session);
  }

  /** Whether a trace is open (the context key CONTEXT_KEYS.traceOpen, for the Command Palette). */
  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', CONTEXT_KEYS.traceOpen, this.sessions.length > 0);
  }

  dispose(): void {
    for (const s of this.sessions) s.dispose();
    this.added.dispose();
    this.removed.dispose();
  }
}
