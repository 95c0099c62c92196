/**
 * Compares what a program recorded about itself (its truth) with the timeline its trace makes. A
 * dish is true when exactly one task shows it: every stretch of its work inside that task's stints,
 * no other dish's work there, the task named after it, its parent the task of its parent dish, of
 * the right kind, and none of its stints running on while the loop sat idle (`idleRunOn`).
 */
import { Timeline, TimelineTask } from '../../model/timeline';
import { Truth } from './program';

export interface DishReport {
  dish: number;
  name: string;
  /** Problems found; empty when the dish is true. */
  problems: string[];
}

export interface Comparison {
  dishes: DishReport[];
  /** Dishes with work of their own (the ones judged). */
  judged: number;
  /** Of those, how many came out true. */
  trueDishes: number;
  /**
   * Tasks that stand for no dish but did noticeable work, in lanes a user sees (not folded with the
   * tasks of libraries and the runtime).
   */
  extraTasks: string[];
  /** Share of the stretches' time that the trace put in untracked code. */
  untrackedShare: number;
  /**
   * Stints that ran on while the loop sat idle, of tasks that stand for no dish (those of a dish
   * are its problems): see `idleRunOn`.
   */
  idleStints: string[];
  /**
   * The most that stints covered of any stretch of time between two of the program's readings
   * beyond the time the loop was not idle then, ms (≤ 0 when every stint ended before the loop
   * waited; `idleRunOn` says when it is too much).
   */
  idleExcessMs: number;
  /** The program's clock bracket (Truth's `clockMs`), ms; NaN if it did not measure one. */
  clockMs: number;
  /** The most of one stretch that lay outside its dish's task, ms. */
  outsideMs: number;
}

/** How a dish's problem of stints run on while the loop sat idle begins (see `idleRunOn`). */
export const IDLE_PROBLEM = 'its stints ran on while the loop sat idle';

/**
 * A stretch of nobody's work (a library's, after the dish that asked returned) is shown as a task's
 * when this much of it lies in that task's stints.
 */
const MIN_COVER = 0.9;
/** A task that stands for no dish is a problem when it ran this long, ms. */
const EXTRA_TASK_MS = 0.5;

const KINDS: Record<string, string[]> = {
  main: ['main'],
  request: ['request'],
  user: ['user', 'background'],
  timer: ['timer', 'background'],
  immediate: ['immediate', 'background'],
  other: ['other', 'background'],
};

/**
 * A stint is code running: it cannot go on while the loop waits for events. Between two readings
 * the program took (each stretch's start and end, and its exit), the loop was idle for a time
 * libuv measured (the difference of the idle times read there: libuv counts the time it waits in
 * epoll, never while code runs); the stints there must leave that time uncovered. A stint whose end
 * the tracer dated by what ran next (a function's last stint with no reaction to take it over, run
 * on to the next flush or timer: fixed in c6053f1) covers the wait — every stretch still inside its
 * dish's task, nothing else here sees it.
 *
 * The slack allowed, each window, is what the tracer does by design and the clocks:
 * - two stints of one task less than MERGE_MS apart are one (tracer/engine.ts): that one covers a
 *   wait as long at most;
 * - the idle time and the stretches read libuv's hrtime (performance.now() is it less the time
 *   origin); the trace reads hrtime less an offset the tracer took from the narrowest of 8
 *   brackets of performance.now() around a reading (engine.ts, "The clock"): off by at most half
 *   that width, which moves the stints against the window by as much at each end. The program
 *   measures the same brackets (`clockMs`); the tracer's, taken moments before, bounded by the
 *   widest the brackets measured at load (see CLOCK_FLOOR_MS).
 * Whatever the tracer spends in its hooks or flushes is code running too: in the time the loop was
 * not idle, never in the wait.
 */
function idleRunOn(
  truth: Truth,
  timeline: Timeline,
): { excess: number; over: Array<{ task: number; text: string }> } {
  const points: Array<[number, number]> = [];
  for (const [, start, end, idle] of truth.stretches) {
    if (idle === undefined) return { excess: -Infinity, over: [] }; // a truth from before the readings
    points.push([start, idle], [end, idle]);
  }
  if (truth.end !== undefined) points.push(truth.end);
  points.sort((a, b) => a[0] - b[0]);
  const margin = MERGE_MS + clockSlack(truth);
  let worst = -Infinity;
  const over: Array<{ task: number; text: string }> = [];
  for (let i = 1; i < points.length; i++) {
    const [from, idleFrom] = points[i - 1];
    const [to, idleTo] = points[i];
    const idle = idleTo - idleFrom;
    if (to <= from || idle <= 0) continue;
    const got = overlaps(timeline, from, to);
    let covered = 0;
    let task = -1;
    let most = 0;
    for (const [t, ms] of got) {
      covered += ms;
      if (ms > most) {
        task = t;
        most = ms;
      }
    }
    const excess = covered - (to - from - idle);
    if (excess > worst) worst = excess;
    if (excess > margin) {
      over.push({
        task,
        text: `stints cover ${covered.toFixed(3)} ms of the ${(to - from).toFixed(3)} ms from ${from.toFixed(3)}, ${excess.toFixed(3)} ms more than the loop was not idle (idle ${idle.toFixed(3)} ms)`,
      });
    }
  }
  return { excess: worst, over };
}

/** How far the trace's clock may be from the program's, at the two ends of a stretch of time together, ms. */
function clockSlack(truth: Truth): number {
  return Math.max(truth.clockMs ?? 0, CLOCK_FLOOR_MS);
}

/** Stints of one task less than this apart are one in the trace, ms (tracer/engine.ts, MERGE_MS). */
const MERGE_MS = 0.02;
/**
 * The least width taken for the tracer's bracket of the clock, ms (see `idleRunOn`): seven times the
 * widest measured. At load 20-25 (2026-12-06, Node 20): of 798 truth programs' brackets the widest
 * 0.71 µs (median 0.45); of 183 starts of a program taking two estimates as the tracer does, one
 * at start and one after loading Node's modules, the widest 0.55 µs, the estimates at most 0.06 µs
 * apart. Main's build, seeds 166200-166599 in both modes: stints covered at most 0.006 ms beyond the
 * loop's busy time (a merge); c6053f1^'s, 0.7-107 ms.
 */
const CLOCK_FLOOR_MS = 0.005;

/** A request's after-response part (`<id>b`) stands for the request itself. */
function canonical(timeline: Timeline, index: number): number {
  const t = timeline.tasks[index];
  if (t.id.endsWith('b') && t.parent !== -1 && timeline.tasks[t.parent].background === index) return t.parent;
  return index;
}

/** Time of each task's stints within [start, end], ms. */
function overlaps(timeline: Timeline, start: number, end: number): Map<number, number> {
  const out = new Map<number, number>();
  const s = timeline.stints;
  for (let i = timeline.firstStintAfter(start); i < s.length && s.start[i] < end; i++) {
    const overlap = Math.min(end, timeline.stintEnd(i)) - Math.max(start, s.start[i]);
    if (overlap <= 0) continue;
    const task = canonical(timeline, s.task[i]);
    out.set(task, (out.get(task) ?? 0) + overlap);
  }
  return out;
}

export function compare(truth: Truth, timeline: Timeline): Comparison {
  const reports: DishReport[] = truth.dishes.map((d) => ({ dish: d.id, name: d.name, problems: [] }));
  const work = new Map<number, Map<number, number>>();
  const badStretches = new Map<number, number>();
  /** Each stretch that lies in one task: its dish and that task. */
  const placed: Array<[number, number]> = [];
  /** Each stretch of a dish: its dish, length and time in each task. */
  const spans: Array<[number, number, Map<number, number>]> = [];
  let untracked = 0;
  let total = 0;
  /** Stretches of nobody's work (a library's, after the dish `-1 - dish` that asked returned). */
  const nobodys = new Map<number, string[]>();
  for (const [dish, start, end] of truth.stretches) {
    const got = overlaps(timeline, start, end);
    if (dish < 0) {
      for (const [task, overlap] of got) {
        const t = timeline.tasks[task];
        if (task === 0 || t.internal || overlap < (1 - MIN_COVER) * (end - start)) continue;
        const list = nobodys.get(-1 - dish) ?? [];
        nobodys.set(-1 - dish, list);
        list.push(`"${t.name}" (${t.kind}, task ${t.id}) ${overlap.toFixed(1)} ms`);
      }
      continue;
    }
    const length = end - start;
    total += length;
    untracked += got.get(0) ?? 0;
    const byTask = work.get(dish) ?? new Map<number, number>();
    work.set(dish, byTask);
    let best = -1;
    let bestMs = 0;
    for (const [task, overlap] of got) {
      byTask.set(task, (byTask.get(task) ?? 0) + overlap);
      if (overlap > bestMs) {
        best = task;
        bestMs = overlap;
      }
    }
    spans.push([dish, length, got]);
    // A stretch is synchronous code: it lies in one stint, whole, but for the clocks' slack (see
    // `idleRunOn`). Another task's stint over part of it ran on into this dish's work. (Before
    // 2026-12-06, 90% of it sufficed; on main's build, seeds 166400-166499 in both modes, none had
    // any part outside its dish's task.)
    if (best <= 0 || length - bestMs > clockSlack(truth))
      badStretches.set(dish, (badStretches.get(dish) ?? 0) + 1);
    else placed.push([dish, best]);
  }

  // Each dish with work stands for the task that holds most of it.
  const taskOf = new Map<number, number>();
  for (const [dish, byTask] of work) {
    let best = -1;
    let bestMs = 0;
    for (const [task, ms] of byTask) {
      if (task !== 0 && ms > bestMs) {
        best = task;
        bestMs = ms;
      }
    }
    if (best !== -1) taskOf.set(dish, best);
  }
  // A stretch in a task that is not its dish's: the dish's work shown as another's (the task holding
  // most of the dish's work would hide it otherwise, as long as that stretch was short).
  const strayStretches = new Map<number, Map<number, number>>();
  for (const [dish, task] of placed) {
    if (task === taskOf.get(dish)) continue;
    const stray = strayStretches.get(dish) ?? new Map<number, number>();
    strayStretches.set(dish, stray);
    stray.set(task, (stray.get(task) ?? 0) + 1);
  }
  const dishOfTask = new Map<number, number[]>();
  for (const [dish, task] of taskOf) dishOfTask.set(task, [...(dishOfTask.get(task) ?? []), dish]);

  const describe = (task: number): string => {
    const t = timeline.tasks[task];
    return `"${t.name}" (${t.kind}, task ${t.id})`;
  };

  // How much of a stretch lay outside its dish's task, the most of any (an idea for a check).
  let outsideMs = 0;
  for (const [dish, length, got] of spans) {
    const task = taskOf.get(dish);
    if (task === undefined) continue;
    outsideMs = Math.max(outsideMs, length - (got.get(task) ?? 0));
  }
  const ranOn = idleRunOn(truth, timeline);
  const idleStints: string[] = [];
  const idleOfDish = new Map<number, string[]>();
  for (const { task, text } of ranOn.over) {
    const owner = [...taskOf.entries()].find(([, t]) => t === task);
    const where = task <= 0 ? 'untracked code' : describe(task);
    if (owner === undefined) idleStints.push(`${where}: ${text}`);
    else idleOfDish.set(owner[0], [...(idleOfDish.get(owner[0]) ?? []), text]);
  }

  for (const dish of truth.dishes) {
    const report = reports[dish.id];
    const byTask = work.get(dish.id);
    if (byTask === undefined) continue; // no work of its own: nothing to judge
    const task = taskOf.get(dish.id);
    if (task === undefined) {
      report.problems.push('all of its work is untracked');
      continue;
    }
    const bad = badStretches.get(dish.id) ?? 0;
    if (bad > 0) {
      const where = [...byTask.entries()]
        .sort((a, b) => b[1] - a[1])
        .map(([t, ms]) => `${t === 0 ? 'untracked' : describe(t)} ${ms.toFixed(1)} ms`)
        .join(', ');
      report.problems.push(`${bad} of its stretches are not in one task (${where})`);
    }
    for (const text of idleOfDish.get(dish.id) ?? []) report.problems.push(`${IDLE_PROBLEM}: ${text}`);
    const late = nobodys.get(dish.id);
    if (late !== undefined)
      report.problems.push(`a library's work it asked for ran after it returned in ${late.join(', ')}`);
    const stray = strayStretches.get(dish.id);
    if (stray !== undefined) {
      const where = [...stray.entries()].map(([t, n]) => `${n} in ${describe(t)}`).join(', ');
      report.problems.push(`some of its stretches ran in another task than its own: ${where}`);
    }
    const sharing = (dishOfTask.get(task) ?? []).filter((d) => d !== dish.id);
    if (sharing.length > 0) {
      report.problems.push(
        `its task ${describe(task)} also holds the work of ${sharing.map((d) => `"${truth.dishes[d].name}"`).join(', ')}`,
      );
    }
    const t: TimelineTask = timeline.tasks[task];
    if (t.name !== dish.name && !(dish.kind === 'request' && t.name.startsWith(dish.name))) {
      report.problems.push(`named "${t.name}", not "${dish.name}"`);
    }
    if (!(KINDS[dish.kind] ?? [dish.kind]).includes(t.kind)) {
      report.problems.push(`of kind ${t.kind}, not ${dish.kind}`);
    }
    // The parent: the task of the parent dish if it has one, else a task of the parent's name.
    const parentTask = t.parent === -1 ? -1 : canonical(timeline, t.parent);
    if (dish.parent === -1) {
      if (parentTask !== -1) report.problems.push(`has parent ${describe(parentTask)}, expected none`);
    } else {
      const expected = taskOf.get(dish.parent);
      const parentDish = truth.dishes[dish.parent];
      const ok =
        expected !== undefined
          ? parentTask === expected
          : parentTask !== -1 && timeline.tasks[parentTask].name === parentDish.name;
      if (!ok) {
        report.problems.push(
          `has parent ${parentTask === -1 ? 'none' : describe(parentTask)}, expected the task of "${parentDish.name}"`,
        );
      }
    }
  }

  // Tasks that stand for no dish. Dishes without work may still have a task (a Promise.all member
  // that only waits): it is matched by name and parent.
  const claimed = new Set<number>(taskOf.values());
  const idle = truth.dishes.filter((d) => !work.has(d.id));
  const extraTasks: string[] = [];
  for (const t of timeline.tasks) {
    // Tasks of libraries and the runtime (and ones not confirmed as the user's) fold into one lane.
    if (t.index === 0 || t.internal || t.mergedInto !== -1 || claimed.has(canonical(timeline, t.index)))
      continue;
    const idleMatch = idle.findIndex((d) => d.name === t.name);
    if (idleMatch !== -1) {
      idle.splice(idleMatch, 1);
      continue;
    }
    if (t.runMs >= EXTRA_TASK_MS) extraTasks.push(`${describe(t.index)} ran ${t.runMs.toFixed(2)} ms`);
  }

  const judged = reports.filter((r) => work.has(r.dish));
  return {
    dishes: judged,
    judged: judged.length,
    trueDishes: judged.filter((r) => r.problems.length === 0).length,
    extraTasks,
    untrackedShare: total > 0 ? untracked / total : 0,
    idleStints,
    idleExcessMs: ranOn.excess,
    clockMs: truth.clockMs ?? NaN,
    outsideMs,
  };
}
