/**
 * Lessons: what the timeline says about the code, as findings at source lines — the diagnostics
 * and CodeLenses of the extension. Pure code over a Timeline; reading source text (to tell whether
 * one await uses another's result) is left to the caller through `sourceLine`.
 *
 *  - blockingCall: a block whose time went into a synchronous call that has an asynchronous form
 *    (fs, crypto, zlib, child_process `…Sync`; in Python, `time.sleep`, `requests`, `subprocess`
 *    known by the line's text), in a task that is not the program's start-up;
 *  - cpuOnLoop: any other block outside start-up: JavaScript that computes on the loop (not one
 *    that held the loop less than the threshold but for the time its thread waited for a CPU);
 *  - sequentialAwaits: consecutive waits of one task, awaited at increasing lines of one function,
 *    none of which (as far as the source tells) uses an earlier one's result, awaits an event or
 *    awaits work already started — they could overlap;
 *  - lateBackground: work a request started that still ran long after its response was sent.
 *
 * Each finding is grouped by where it points: the same lines found in many requests make one
 * lesson with a count and the worst case.
 */
import { notComputing } from './blockSamples';
import { PYTHON_BLOCKING_CALLS, SYNC_CALL, isLibraryFile } from './runtime';
import type { AwaitFrame, SourceLocation } from '../protocol/reader';
import { NATIVE_BEFORE } from '../protocol/format';
import { blockLocation, blockPlace } from './summary';
import type { BlockInfo, Timeline, TimelineTask } from './timeline';
import { formatRoughDuration } from './duration';

export type LessonKind = 'blockingCall' | 'cpuOnLoop' | 'sequentialAwaits' | 'lateBackground';

export const LESSON_KINDS: readonly LessonKind[] = [
  'blockingCall',
  'cpuOnLoop',
  'sequentialAwaits',
  'lateBackground',
];

export interface Lesson {
  kind: LessonKind;
  /** The line the lesson is about. */
  location: SourceLocation;
  /** Other lines that belong to it (the later awaits of a sequence, where background work began). */
  related: Array<{ location: SourceLocation; message: string }>;
  /** One line, for the Problems panel. */
  message: string;
  /** The same in the chef picture, and what to do about it. */
  detail: string;
  /** How many times the trace shows it. */
  count: number;
  /** The worst case, ms (block length, time lost to sequential waits, time after the response). */
  worstMs: number;
  /** The task of the worst case, and when it happened (trace clock, ms). */
  taskName: string;
  time: number;
  durationMs: number;
}

export interface LessonOptions {
  /** Kinds to look for (default: all). */
  kinds?: readonly LessonKind[];
  /** Background work this long after its request's response is a lesson, ms (default 200). */
  lateBackgroundMs?: number;
  /** Sequential waits are a lesson when overlapping them would save at least this long, ms (default 20). */
  minSavingMs?: number;
  /** The text of a source line (1-based), if it can be read. */
  sourceLine?: (file: string, line: number) => string | undefined;
}

/** Synchronous calls with an asynchronous form, as the tracer names timed calls. */
/** A sampled frame must carry this share of a block to be what the block was spent on. */
const MIN_SHARE = 0.25;
/** Shorter waits are not worth overlapping. */
const MIN_WAIT_MS = 5;
/** Stints of one task closer than this are one wake-up (no wait between them). */
const GLUE_MS = 1;

const fmt = formatRoughDuration;

function isUserFile(file: string): boolean {
  return !isLibraryFile(file);
}

/** The async alternative to suggest for a synchronous call. */
function asyncForm(module: string, name: string): string {
  if (module === 'fs') return `fs.promises.${name}`;
  if (module === 'child_process')
    return `child_process.${name === 'spawn' ? 'spawn' : name} (with a callback, or util.promisify)`;
  return `${module}.${name} (with a callback, or util.promisify)`;
}

export function findLessons(timeline: Timeline, options: LessonOptions = {}): Lesson[] {
  const kinds = new Set(options.kinds ?? LESSON_KINDS);
  const found = new Map<string, Lesson>();
  const add = (key: string, lesson: Lesson): void => {
    const known = found.get(key);
    if (known === undefined) {
      found.set(key, lesson);
      return;
    }
    known.count++;
    // The fullest picture wins (more related lines), then the worst case.
    if (
      lesson.related.length > known.related.length ||
      (lesson.related.length === known.related.length && lesson.worstMs > known.worstMs)
    ) {
      found.set(key, { ...lesson, count: known.count });
    }
  };
  if (kinds.has('blockingCall') || kinds.has('cpuOnLoop')) blockLessons(timeline, kinds, add, options);
  if (kinds.has('sequentialAwaits')) sequentialLessons(timeline, options, add);
  if (kinds.has('lateBackground')) backgroundLessons(timeline, options.lateBackgroundMs ?? 200, add);
  return [...found.values()].sort(
    (a, b) => a.location.file.localeCompare(b.location.file) || a.location.line - b.location.line,
  );
}

type Add = (key: string, lesson: Lesson) => void;

function keyOf(kind: LessonKind, ...locations: SourceLocation[]): string {
  return `${kind}|${locations.map((l) => `${l.file}:${l.line}`).join('|')}`;
}

/** A blocking call's lesson: `call` held the loop for all of `block`, at `at`; `instead`, what to use. */
function blockingCallLesson(
  block: BlockInfo,
  task: TimelineTask,
  call: string,
  at: SourceLocation,
  instead: string,
  python: boolean,
): Lesson {
  const dur = fmt(block.durationMs);
  const around = task.kind === 'request' ? `request handler (${task.name})` : `task ${task.name}`;
  return {
    kind: 'blockingCall',
    location: at,
    related: [],
    message: `${call} blocked the event loop for ${dur} in ${task.name}: every other request waited.`,
    detail:
      `The chef (the event loop) stood at this synchronous call for ${dur} and could cook nothing else — ` +
      `even though the ${around} is ${python ? 'a coroutine' : 'asynchronous'} around it. Use ${instead} so ` +
      `that the call simmers while the chef serves other dishes` +
      (python ? ' (or make the endpoint a plain def: FastAPI then runs it in a thread).' : '.'),
    count: 1,
    worstMs: block.durationMs,
    taskName: task.name,
    time: block.start,
    durationMs: block.durationMs,
  };
}

/** Whether `task` is a request or the work of one (its descendant). */
function underRequest(t: Timeline, task: Timeline['tasks'][number]): boolean {
  for (let p: Timeline['tasks'][number] | undefined = task; p !== undefined; p = t.tasks[p.parent])
    if (p.kind === 'request') return true;
  return false;
}

function blockLessons(t: Timeline, kinds: Set<LessonKind>, add: Add, options: LessonOptions): void {
  const python = t.meta?.runtime.startsWith('python') === true;
  for (const block of t.blocks) {
    const task = t.tasks[block.task];
    // Start-up work (reading config with readFileSync, say) holds nobody up.
    if (task.kind === 'main') continue;
    const total = block.frames.reduce((sum, f) => sum + f.weightUs, 0);
    const call = block.frames.find(
      (f) => SYNC_CALL.test(f.name) && f.location !== null && total > 0 && f.weightUs / total >= MIN_SHARE,
    );
    if (call !== undefined && call.location !== null) {
      if (!kinds.has('blockingCall')) continue;
      const [, module, name] = SYNC_CALL.exec(call.name)!;
      add(
        keyOf('blockingCall', call.location),
        blockingCallLesson(block, task, call.name, call.location, asyncForm(module, name), false),
      );
      continue;
    }
    // Python: a blocking call is known by its line (a C function leaves no frame of its own).
    const hotLine = python ? blockLocation(t, block) : null;
    const text =
      hotLine !== null && isUserFile(hotLine.file)
        ? options.sourceLine?.(hotLine.file, hotLine.line)
        : undefined;
    const known = text !== undefined ? PYTHON_BLOCKING_CALLS.find((c) => c.pattern.test(text)) : undefined;
    if (known !== undefined && hotLine !== null) {
      if (!kinds.has('blockingCall')) continue;
      add(
        keyOf('blockingCall', hotLine),
        blockingCallLesson(block, task, known.call, hotLine, known.instead, true),
      );
      continue;
    }
    if (!kinds.has('cpuOnLoop')) continue;
    // The thread was on the CPU for little of it: not CPU work (a wait, or a busy machine).
    if (notComputing(block)) continue;
    // A block only because the machine kept the thread waiting for a CPU (what it held the loop,
    // less that wait, under the threshold): the machine's load, not code to move to a worker.
    if (block.durationMs - block.cpuWaitMs < t.blockMs) continue;
    const { location: where, located } = blockPlace(t, block);
    if (where === null || !isUserFile(where.file)) continue;
    const hot = block.frames.find((f) => f.location !== null && f.location.line === where.line);
    // Python runs a module's top level in the task that imports it (uvicorn loads the app inside its
    // server's task): outside any request, that is start-up, as the main script's is.
    if (python && hot?.name === '<module>' && !underRequest(t, task)) continue;
    // Held by native code the sampler cannot look into: the line after it is all it can name.
    const native = hot?.name === NATIVE_BEFORE;
    const fn = native
      ? ' (native code just before this line: a built-in such as JSON.parse of a large text, or a synchronous call)'
      : hot !== undefined && hot.name !== '' && hot.name !== '(anonymous)'
        ? ` (in ${hot.name})`
        : '';
    const dur = fmt(block.durationMs);
    // Not sampled (shorter than the sampler's first look, or a starved watchdog): the line is where
    // the task resumed (the await the block followed) or began, and nothing says it computed rather
    // than waited. Said so, not claimed.
    const sampled = located === 'sampled';
    add(keyOf('cpuOnLoop', where), {
      kind: 'cpuOnLoop',
      location: where,
      related: [],
      message: sampled
        ? `CPU-heavy work${fn} held the event loop for ${dur} in ${task.name}: every other request waited.`
        : `${task.name}, ${located === 'resumed' ? 'resumed here' : 'started here'}, held the event loop for ${dur}: every other request waited. The line it was busy at was not sampled.`,
      detail:
        (sampled
          ? `The chef spent ${dur} computing here and served no other dish meanwhile. `
          : `The chef spent ${dur} on this dish and served no other meanwhile; the block sampler did not see where (a block just over the threshold, or a machine too busy to look in time). Record it again to find the line. `) +
        (python
          ? 'Send this work to a process pool (await loop.run_in_executor(pool, …) with a ProcessPoolExecutor), '
          : "Move this work to a worker_threads pool (the loop then only waits for the answer, as in the kitchen's /cpu-worker), ") +
        `or split it into pieces that yield between them.`,
      count: 1,
      worstMs: block.durationMs,
      taskName: task.name,
      time: block.start,
      durationMs: block.durationMs,
    });
  }
}

/** Names a line declares from an await: `const x = await`, `const { a, b: c } = await`, `x = await`. */
function declaredNames(text: string): string[] {
  const m = /(?:\b(?:const|let|var)\s+)?(\{[^}]*\}|\[[^\]]*\]|[A-Za-z_$][\w$]*)\s*=\s*await\b/.exec(text);
  if (m === null) return [];
  const target = m[1];
  if (target.startsWith('{') || target.startsWith('[')) {
    return target
      .slice(1, -1)
      .split(',')
      .map((part) => part.split(':').pop()!.split('=')[0].replace('...', '').trim())
      .filter((name) => /^[A-Za-z_$][\w$]*$/.test(name));
  }
  return [target];
}

/** The object an awaited call is made on: `await db.query(...)` → "db", `await this.load()` → "this". */
/** An await of an event: `once(emitter, 'x')`, `emitter.once(…)` in a promise, Python's `event.wait()`. */
const EVENT_WAIT = /\bawait\b.*(\bonce\s*\(|\.wait\s*\(\s*\))/;
/** An await of a value, not a call: work started before (`await first`, `await self.task`). */
const STARTED_WAIT = /\bawait\s+[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\s*(;|\)|,|$|\s*(\/\/|#))/;

function awaitedReceiver(text: string): string | null {
  const m = /\bawait\s+([A-Za-z_$][\w$]*)\s*(?:\?\.|\.)\s*[A-Za-z_$][\w$]*\s*\(/.exec(text);
  return m === null ? null : m[1];
}

function mentions(text: string, names: readonly string[]): boolean {
  const at = text.indexOf('await');
  const used = at >= 0 ? text.slice(at) : text;
  return names.some((name) => new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}([^\\w$]|$)`).test(used));
}

interface Step {
  stint: number;
  /** The user frames of its await, innermost first. */
  frames: AwaitFrame[];
  waitMs: number;
  /** Once the chain knows it: the function the awaits share, and this await's line in it. */
  fn?: string;
  location?: SourceLocation;
}

const fnKey = (f: AwaitFrame): string => `${f.location.file}|${f.name}`;

function sequentialLessons(t: Timeline, options: LessonOptions, add: Add): void {
  const minSaving = options.minSavingMs ?? 20;
  const byStint = new Map<number, AwaitFrame[]>();
  for (const a of t.awaits) if (!byStint.has(a.stint)) byStint.set(a.stint, a.frames);
  const s = t.stints;
  for (const task of t.tasks) {
    if (task.index === 0 || task.internal || task.stints.length < 3) continue;
    let chain: Step[] = [];
    const flush = (): void => {
      if (chain.length >= 2) report(t, task, chain, minSaving, options, add);
      chain = [];
    };
    // A wake-up: the task's stints with no real wait between them (another task's short stint may
    // split one); its await is the first one recorded in it.
    const wakeups: Array<{ stint: number; last: number; frames: AwaitFrame[] }> = [];
    for (const stint of task.stints) {
      const frames = (byStint.get(stint) ?? []).filter((f) => isUserFile(f.location.file));
      const current = wakeups[wakeups.length - 1];
      if (current !== undefined && s.start[stint] - t.stintEnd(current.last) < GLUE_MS) {
        current.last = stint;
        if (current.frames.length === 0) current.frames = frames;
      } else wakeups.push({ stint, last: stint, frames });
    }
    // A wake-up with no await of the program's between two that have one is the task's other work
    // (an I/O callback of the script's task in Node's own start-up work after the script): it ends
    // no wait, the awaits around it are still one after the other, and only its running time comes
    // off the wait. After the last await, the first such wake-up is the one that resumed it.
    let lastAwait = -1;
    for (let k = 0; k < wakeups.length; k++) if (wakeups[k].frames.length > 0) lastAwait = k;
    const resumed = wakeups.filter((w, k) => k === 0 || w.frames.length > 0 || k === lastAwait + 1);
    const between = resumed.map(() => 0);
    for (let k = 1, r = 0; k < wakeups.length; k++)
      if (resumed[r + 1] === wakeups[k]) r++;
      else between[r] += t.stintEnd(wakeups[k].last) - s.start[wakeups[k].stint];
    for (let k = 0; k + 1 < resumed.length; k++) {
      const { stint, last, frames } = resumed[k];
      const waitMs = s.start[resumed[k + 1].stint] - t.stintEnd(last) - between[k];
      if (frames.length === 0 || waitMs < MIN_WAIT_MS) {
        flush();
        continue;
      }
      const step: Step = { stint, frames, waitMs };
      if (chain.length === 1) {
        // The first two awaits decide the function: the innermost one both stacks share, the
        // later one further down in it.
        const head = chain[0];
        let joined = false;
        for (const g of frames) {
          const f = head.frames.find((x) => fnKey(x) === fnKey(g) && x.location.line < g.location.line);
          if (f === undefined) continue;
          head.fn = step.fn = fnKey(g);
          head.location = f.location;
          step.location = g.location;
          chain.push(step);
          joined = true;
          break;
        }
        if (!joined) chain = [step];
        continue;
      }
      if (chain.length >= 2) {
        const last = chain[chain.length - 1];
        const g = frames.find((x) => fnKey(x) === last.fn && x.location.line > last.location!.line);
        if (g !== undefined) {
          step.fn = last.fn;
          step.location = g.location;
          chain.push(step);
          continue;
        }
        flush();
      }
      chain = [step];
    }
    flush();
  }
}

function report(
  t: Timeline,
  task: TimelineTask,
  chain: Step[],
  minSaving: number,
  options: LessonOptions,
  add: Add,
): void {
  // Cut the chain where an await uses what an earlier one returned, or calls on the same object
  // (`await tx.begin(); await tx.insert()`: the order may matter) — when the source says so.
  const read = options.sourceLine;
  if (read !== undefined) {
    // An await of an event (`await once(db, 'open')`: what follows may need it to have happened) or
    // of work already started (`await first`, a task made earlier: it runs beside the rest already)
    // is no step that could start together with the others: the chain breaks there.
    const at = chain.findIndex((step) => {
      const text = read(step.location!.file, step.location!.line);
      return text !== undefined && (EVENT_WAIT.test(text) || STARTED_WAIT.test(text));
    });
    if (at !== -1) {
      report(t, task, chain.slice(0, at), minSaving, options, add);
      report(t, task, chain.slice(at + 1), minSaving, options, add);
      return;
    }
  }
  let end = chain.length;
  if (read !== undefined) {
    const names: string[] = [];
    const receivers: string[] = [];
    for (let i = 0; i < chain.length; i++) {
      const text = read(chain[i].location!.file, chain[i].location!.line);
      if (text === undefined) continue;
      const receiver = awaitedReceiver(text);
      if (
        i > 0 &&
        ((names.length > 0 && mentions(text, names)) || (receiver !== null && receivers.includes(receiver)))
      ) {
        end = i;
        break;
      }
      names.push(...declaredNames(text));
      if (receiver !== null) receivers.push(receiver);
    }
  }
  const steps = chain.slice(0, end);
  if (steps.length < 2) return;
  const waits = steps.map((x) => x.waitMs);
  const total = waits.reduce((a, b) => a + b, 0);
  const longest = Math.max(...waits);
  const saving = total - longest;
  if (saving < minSaving) return;
  const fnName = steps[0].fn!.split('|').pop() || 'this function';
  const n = steps.length;
  const first = steps[0];
  // One lesson per first await: a request whose first or last stack was not taken shows fewer steps.
  add(keyOf('sequentialAwaits', first.location!), {
    kind: 'sequentialAwaits',
    location: first.location!,
    related: steps.slice(1).map((x, i) => ({
      location: x.location!,
      message: `await ${i + 2} of ${n}: waited ${fmt(x.waitMs)}, and began only when the one before had finished`,
    })),
    message: `${n} awaits in ${fnName} wait one after another (${waits.map(fmt).join(' + ')} = ${fmt(total)}) though none uses another's result: together they could take about ${fmt(longest)}.`,
    detail:
      `The dish simmers ${n} times in a row: each wait starts only when the one before has ended. ` +
      `Nothing here needs the result of an earlier wait, so the chef could put all the pots on at once: ` +
      `start the calls together and await Promise.all([...]) — ${fmt(saving)} less for ${task.name}.`,
    count: 1,
    worstMs: saving,
    taskName: task.name,
    time: t.stintEnd(first.stint),
    durationMs: total,
  });
}

function backgroundLessons(t: Timeline, lateMs: number, add: Add): void {
  // The awaits of each task, in stint order (built once: a long trace has many of both).
  type Await = (typeof t.awaits)[number];
  let byTask: Map<number, Await[]> | null = null;
  const awaitsOf = (task: number): Await[] => {
    if (byTask === null) {
      byTask = new Map();
      for (const a of t.awaits) {
        const list = byTask.get(a.task);
        if (list === undefined) byTask.set(a.task, [a]);
        else list.push(a);
      }
    }
    return byTask.get(task) ?? [];
  };
  for (const task of t.tasks) {
    if (task.kind !== 'background' || task.parent === -1) continue;
    const request = t.tasks[task.parent];
    if (request.endedAt === null || task.stints.length === 0) continue;
    const lastStint = task.stints[task.stints.length - 1];
    const after = t.stintEnd(lastStint) - request.endedAt;
    if (after < lateMs) continue;
    // Where the work began: the line that set it off when the trace says (a timer set after the
    // response), else the request's last await before its response (the call that started it is
    // on that stack), else the request's location.
    let frames: (typeof t.awaits)[number]['frames'] | null = null;
    // (The request's own after-response part has the request's location unless a timer set it off.)
    if (task.index !== request.background || task.location === request.location) {
      for (const a of awaitsOf(request.index)) {
        if (t.stints.start[a.stint] <= request.endedAt) frames = a.frames;
      }
    }
    const user = frames?.filter((f) => isUserFile(f.location.file)) ?? [];
    const location = user[0]?.location ?? task.location;
    if (location === null) continue;
    const run = task.stints.reduce((sum, x) => sum + (t.stintEnd(x) - t.stints.start[x]), 0);
    add(keyOf('lateBackground', location), {
      kind: 'lateBackground',
      location,
      related:
        user.length > 1
          ? [{ location: user[1].location, message: `started from here, in ${request.name}` }]
          : [],
      message: `Work started by ${request.name} still ran ${fmt(after)} after its response was sent (${fmt(run)} of it on the loop).`,
      detail:
        `The customer already has the dish, yet the chef keeps cooking for this order. If the work must finish ` +
        `(an email, an audit log), hand it to a queue or a worker; if the client needs its result, await it ` +
        `before responding. Nobody awaits it: make sure its errors are caught.`,
      count: 1,
      worstMs: after,
      taskName: request.name,
      time: request.endedAt,
      durationMs: after,
    });
  }
}
