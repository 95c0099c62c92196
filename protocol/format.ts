/**
 * The Loop Lens trace format, version 1: the bytes a tracer streams to a reader and the bytes of a
 * trace file (the file is the stream, saved). One definition, imported by the tracer, the reader,
 * the command line and the extension.
 *
 * The format is runtime-neutral: it speaks of tasks, stints and the loop, never of Node.js
 * resources. A tracer for another single-threaded event loop (Python asyncio, say) writes the same
 * records: an asyncio Task is a task, a step of it is a run, `call_soon` is a tick.
 *
 * Layout (all integers little-endian; floats IEEE 754 little-endian):
 *
 *   Stream  := Header Chunk*
 *   Header  := MAGIC (8 bytes, ASCII "LOOPLENS")
 *              u32 formatVersion            — FORMAT_VERSION; readers refuse a newer one
 *              u32 metaBytes                — length of the JSON that follows, ≤ MAX_META_BYTES;
 *                                             header length (16 + metaBytes) is a multiple of 16
 *              metaBytes of UTF-8 JSON      — a TraceMeta object, padded with spaces
 *   Chunk   := u32 CHUNK_MAGIC
 *              u32 chunkBytes               — bytes of events that follow; a multiple of UNIT_BYTES,
 *                                             ≤ MAX_CHUNK_BYTES
 *              Event*                       — exactly chunkBytes bytes
 *   Event   := one or more 16-byte units. Unit 0 is:
 *              byte 0      u8  type         — an EventType
 *              byte 1      u8  units        — size of the whole event in units, ≥ 1; lets a reader skip
 *                                             a type it does not know
 *              byte 2      u8  arg          — small type-specific value (a reason, a kind, a cause)
 *              byte 3      u8  reserved     — 0
 *              bytes 4-7   u32 id           — type-specific, usually a task id
 *              bytes 8-15  f64 time         — milliseconds on the trace clock (see TraceMeta)
 *              Units 1.. are type-specific and described with each type below.
 *
 * Because the header is padded to 16 bytes and a chunk header is 8 bytes, the `time` field of every
 * event sits at an offset that is a multiple of 8 from the start of the stream: readers may view a
 * chunk as Float64Array/Uint32Array without copying.
 *
 * Ids: task ids are u32 ≥ 1 and unique within a trace (a tracer that wraps around 2^32 restarts a
 * task with a new TASK record, which replaces the old one). Task id 0 in a RUN record means "code
 * the tracer could not attribute to a task". String ids are u32 ≥ 1; 0 means "none". A STRING record
 * always precedes the first record that uses its id; an id may be defined again later with new text
 * (a tracer with a bounded string table reuses nothing but may start over).
 */

/**
 * A stint at least this long is a block, milliseconds, unless the user says otherwise: the one
 * default the tracer, the readers, the command line, the editor and the panel share.
 */
export const DEFAULT_BLOCK_MS = 50;
/**
 * A block sample's function name when the loop was held by native code that serves no interrupt
 * (JSON.parse of a large text, a synchronous call of an addon): the sample landed on the first line
 * after it, and its time is put there under this name.
 */
export const NATIVE_BEFORE = '(native code just before this line)';

export const MAGIC = 'LOOPLENS';
export const FORMAT_VERSION = 1;
/** Bytes before the JSON metadata: MAGIC, formatVersion, metaBytes. */
export const HEADER_FIXED_BYTES = 16;
/** Upper bound for the JSON metadata of the header. */
export const MAX_META_BYTES = 64 * 1024;
/** "LLCK" read as a little-endian u32. */
export const CHUNK_MAGIC = 0x4b434c4c;
export const CHUNK_HEADER_BYTES = 8;
/** Upper bound for one chunk's events; a reader rejects larger chunks as corrupt or hostile. */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
export const UNIT_BYTES = 16;
/** An event never spans more units than this (so a reader can bound its work per event). */
export const MAX_EVENT_UNITS = 255;

/** The kinds of records. Numbers are part of the format: never renumber, only add. */
export const enum EventType {
  /**
   * From `time`, the loop runs code on behalf of task `id` (0: code not attributed to a task) until
   * the next RUN or IDLE. `arg` is a Reason: why the task runs now. 1 unit.
   */
  Run = 1,
  /**
   * From `time`, the loop runs no tracked code (it is idle, or between callbacks). `id` = 0. 1 unit.
   * A writer may write it late — after records dated later (a LAG, a STINT_CPU), with the next RUN
   * — and more than once: the Python tracer writes a stint's IDLE with the next stint's RUN, and
   * where it flushes between stints. One dated before the running stint's start says nothing of
   * that stint.
   */
  Idle = 2,
  /**
   * A task is created at `time`. `id` = the new task's id, `arg` = its TaskKind. 3 units:
   *   unit 1: u32 parent task id (0: none), u32 name string id (0: unnamed),
   *           u32 flags (TaskFlags), u32 reserved
   *   unit 2: Location (u32 file string id, u32 line (1-based), u32 column (1-based), u32 reserved)
   *           where the task was created; file 0 = unknown
   * It comes before any record naming the task, but for a tracer that learns what a task is only in
   * its first stint: then it comes in that stint (the Python tracer names a server's task for a
   * request at that stint's start, after its RUN), and readers give the task it announces what
   * earlier records named by its id.
   */
  Task = 3,
  /**
   * Task `id` has finished its work at `time`: an incoming request's response has been sent (arg
   * TaskEnd.Finished) or its connection closed first (TaskEnd.Aborted). Code that still runs for
   * the task afterwards is background work. For another task (a combinator's member another task's
   * code settled, a call nobody awaited whose function returned): its work is over; what still runs
   * in its lane after its request's response is background work only once it lasts (see
   * model/timeline.ts). 1 unit.
   */
  TaskEnd = 4,
  /**
   * Defines string `id`. Bytes 8-11 hold u32 byteLength (≤ (MAX_EVENT_UNITS - 1) × 16), bytes 12-15
   * are 0; units 1.. hold the UTF-8 bytes, zero-padded. `time` is not used.
   */
  String = 5,
  /**
   * Event-loop delay measured over the interval that ends at `time` and began at the previous LAG
   * record (or at the start of the trace). 2 units:
   *   unit 1: u32 p50 µs, u32 p99 µs, u32 max µs, u32 samples (0: no sample in the interval)
   */
  Lag = 6,
  /**
   * The tracer lost `id` events (saturating at 2^32 - 1) because its reader fell behind; `time` is
   * when it started losing them. 2 units:
   *   unit 1: f64 time the loss ended (the next record is kept), 8 bytes reserved
   * A reader must not assume anything about what ran during the loss.
   */
  Dropped = 7,
  /**
   * The traced program ends at `time`. `arg` is an EndCause, `id` the exit code (EndCause.Exit,
   * UncaughtException, UnhandledRejection) or signal number (EndCause.Signal). 1 unit.
   */
  End = 8,
  /**
   * Task `id` learns its name, creation location or parent after it was created. 2 or 3 units:
   *   unit 1: u32 name string id (0: unchanged), u32 file string id (0: location unchanged),
   *           u32 line (1-based), u32 column (1-based)
   *   unit 2 (optional): u32 parent task id (0: unchanged), 12 bytes reserved — a task made inside
   *           a call that turned into a dish of its own belongs to that dish
   */
  TaskInfo = 9,
  /**
   * Where the loop spent the time of a block (or of a slow synchronous call within one): task `id`
   * ran the stint that contains `time`, watched from `time` for the milliseconds observed. Readers
   * place it there (a request's stint that ran on past its response is split, each part keeping what
   * was seen in it), so a writer that looks at a stint more than once dates each look by when its
   * span began. `arg` = number of frames F (≤ 8). Units:
   *   unit 1:      f64 milliseconds observed, u32 observations (stack samples, or 1 for a timed
   *                call), u32 microseconds of those the traced thread wanted the CPU (on it, or
   *                ready to run and waiting for it), plus one (0: not known; a writer that never
   *                measures it leaves the 0 it wrote before). Little of it: the thread slept.
   *   per frame, 2 units:
   *     unit a:    u32 function name string id (0: anonymous), u32 file string id, u32 line, u32 column
   *     unit b:    u32 weight: microseconds of the block attributed to this line, 12 bytes reserved
   * Frames are user code where there was any, heaviest first.
   */
  BlockSample = 10,
  /**
   * Task `id` became ready to run at `time` (its timer was due, say) but the loop was busy: it runs
   * at the RUN record that follows. Written only when the delay is noticeable. 1 unit.
   */
  Ready = 11,
  /**
   * Where task `id` awaited, in the stint that contains `time`: the user-code frames of the stack
   * when the stint made its first await (or `.then`), innermost first. `arg` = number of frames F
   * (1–4). Captures are rationed: a stint may have none. 1 + F units; per frame, 1 unit:
   *   u32 function name string id (0: anonymous), u32 file string id, u32 line, u32 column
   */
  Await = 12,
  /**
   * Task `id` turned out to be part of the work of task `into` (unit 1): a tracer that made a task
   * for a call on its evidence at the time (a call nobody seemed to await) learned later that the
   * call was its caller's (its promise was returned and so awaited after all). Everything recorded
   * for `id` — its stints, its children — belongs to `into` from the start; later records naming `id`
   * mean `into`. `into` is never `id` and never a task folded itself. 2 units:
   *   unit 1: u32 into task id, 12 bytes reserved
   */
  Fold = 13,
  /**
   * How much of a long stint the machine, not the program, took: task `id` ran the stint that began
   * at `time` (trace clock) and, from then until `until`, its thread waited `waitUs` on the OS's run
   * queue — ready to run, held off the CPU by other work (a loaded machine preempting the program) —
   * and ran `cpuUs` on a CPU. Written only for stints whose wall time is long enough to matter (see
   * CPU_CHECK_MS), by a tracer that can read per-thread scheduler statistics (Linux's
   * /proc/<pid>/task/<tid>/schedstat); a stint may have several (each covers the stint so far: the
   * last one counts). Both figures are lower bounds: the part of the stint before the tracer's first
   * reading of the counters counts as neither. A third unit, where the tracer knows it, bounds what
   * the stint did of its own from above: `ownUs`, its thread's CPU time since a reading made at or
   * before the stint's start (or since one made in it, plus the time before that reading), plus the
   * time in the blocking calls the tracer times (a synchronous fs or child_process call, which may
   * sleep). As loose as that reading is far from the start: the Node tracer reads the counters at
   * the end of each stint of a request that has responded that ran 1 ms or more (so a wrap-up's
   * bound counts from the one before it), not where a stint begins. 2 or 3 units:
   *   unit 1: f64 until (trace clock, ms), u32 waitUs, u32 cpuUs (0: not known)
   *   unit 2: u32 ownUs + 1 (0: not known), 12 bytes reserved
   * Readers judge a block by the stint's wall time less `waitUs`: a stint of 5 ms of code that a busy
   * machine stretched to 120 ms is no block. A request's wrap-up against background work is judged by
   * that, or by `ownUs` if less: a thread asleep waiting for the process's other threads (a
   * collector's helpers, a library's worker) that the machine held off is no work of the program's.
   */
  StintCpu = 14,
}

/**
 * A stint whose wall time reaches this is looked at for time the machine took from it (STINT_CPU),
 * ms — or the block threshold, if lower. The shortest length the readers judge by (WRAP_UP_MS in
 * model/timeline.ts); shorter stints are never read for it, so the hot path pays nothing.
 */
export const CPU_CHECK_MS = 10;

/** Frames an AWAIT record holds at most. */
export const MAX_AWAIT_FRAMES = 4;

/** Why a task runs now (the `arg` of a RUN record). Numbers are part of the format. */
export const enum Reason {
  Unknown = 0,
  /** The task's first run, or the program's start. */
  Start = 1,
  /** An incoming request arrived. */
  Request = 2,
  /** A timer it set fired. */
  Timer = 3,
  /** An immediate (a callback queued for the next loop turn) ran. */
  Immediate = 4,
  /** I/O it waited for completed (socket, file, DNS, a child process...). */
  Io = 5,
  /** A promise it awaited was resolved by other code. */
  Promise = 6,
  /** An event was emitted on one of its objects (request body data, response finished...). */
  Event = 7,
  /** A user-named scope was entered. */
  Scope = 8,
  /** A message arrived from a worker. */
  Message = 9,
  /** It continues after a nested task's stint ended. */
  Resume = 10,
}

/** What kind of work a task is (the `arg` of a TASK record). Numbers are part of the format. */
export const enum TaskKind {
  Request = 1,
  Background = 2,
  Timer = 3,
  Immediate = 4,
  Main = 5,
  User = 6,
  Worker = 7,
  Other = 8,
}

/** Bits of a TASK record's flags. */
export const enum TaskFlags {
  None = 0,
  /** The task was created by runtime or library code rather than by the user's own code. */
  Internal = 1,
  /** The task is a concurrent member of a combinator (Promise.all and friends). */
  Concurrent = 2,
  /** The task was started without anything waiting for it (fire-and-forget). */
  Detached = 4,
  /**
   * The tracer made the task on evidence it has not confirmed yet (a call nobody awaited, not yet
   * seen running the user's own code). Readers show it with the tasks of libraries and the runtime
   * until a TASK_INFO record names it; a FOLD record may also come.
   */
  Provisional = 8,
}

/** How a task ended (the `arg` of a TASK_END record). */
export const enum TaskEnd {
  Finished = 0,
  Aborted = 1,
}

/** How the program ended (the `arg` of an END record). */
export const enum EndCause {
  Exit = 1,
  UncaughtException = 2,
  UnhandledRejection = 3,
  Signal = 4,
  /** The tracer stopped (it was told to, or its reader went away); the program went on. */
  Detached = 5,
}

/** Units per event type, for writers; readers use the `units` byte instead. */
export const UNITS = {
  run: 1,
  idle: 1,
  task: 3,
  taskEnd: 1,
  lag: 2,
  dropped: 2,
  end: 1,
  taskInfo: 2,
  ready: 1,
  fold: 2,
  stintCpu: 2,
} as const;

export const KIND_NAMES = [
  'other',
  'request',
  'background',
  'timer',
  'immediate',
  'main',
  'user',
  'worker',
  'other',
] as const;
export type KindName = (typeof KIND_NAMES)[number];

export const REASON_NAMES = [
  'unknown',
  'start',
  'request',
  'timer',
  'immediate',
  'io',
  'promise',
  'event',
  'scope',
  'message',
  'resume',
] as const;
export type ReasonName = (typeof REASON_NAMES)[number];

/**
 * A place in source code, as every side reads it: a file path (or URL), 1-based line and column.
 * The one type for it (the tracer's CodeLocation adds what it learned at capture time).
 */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** The JSON object in a trace header. Readers ignore fields they do not know. */
export interface TraceMeta {
  /** Equal to the header's formatVersion. */
  formatVersion: number;
  /** Runtime name and version, e.g. "node v20.20.2". */
  runtime: string;
  /** The traced process. */
  pid: number;
  /** Path of the program's main script, if known. */
  script?: string;
  /** The process's working directory, if known. */
  cwd?: string;
  /** Trace-clock time at which recording began; the summary's time 0. Milliseconds. */
  startTime: number;
  /** Unix epoch milliseconds of trace-clock time 0 (for the wall-clock time of any event). */
  clockOriginEpochMs: number;
  /** The block threshold the tracer was given, milliseconds (DEFAULT_BLOCK_MS unless told). */
  blockMs: number;
  /** Tracer mode: "fast" (default) or "full". */
  mode?: string;
  /** Name and version of the tracer that wrote the trace. */
  tracer?: string;
  /** "linux x64", etc. */
  platform?: string;
}
