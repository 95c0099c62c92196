/**
 * `npm run bench:truth`: the long truth run. Generates many random programs (seeded), runs each
 * under the real tracer in both modes, and reports how many dishes came out true. Writes JSON.
 *
 *   npm run bench:truth -- [--programs N] [--from SEED] [--mode fast|full|both] [--jobs J] [--out FILE]
 *                          [--shrink [--tries T]] [--keep DIR] [--locations sampled|off]
 *                          [--generator 1|2|3|4|5|6|7|8|9|10|11|12] [--node-args "FLAGS"]
 *
 * `--locations off` runs the programs with the tracer's await locations off (its `locations`
 * option), whose lanes must be the same.
 *
 * `--node-args` gives the Node that runs each program flags of its own, space-separated
 * (`--node-args --no-async-context-frame` on Node 24); not used while shrinking.
 *
 * `--generator 1` makes the programs the generator made before its second set of constructs (the
 * figures before 2026-12-05's evening); 2 adds them (test/truth/generate.ts, `version`); 3 adds the
 * third set (deferreds in a `Map` settled by another task, `for await` that breaks early: the
 * figures of 2026-12-06's evening); 4 adds the fourth (`pipeline` through an async
 * generator, `yield*`, ticks that start calls, `util.promisify.custom`, thenables given to
 * `Promise.all`, async arrows mapped in a `for await`, `events.once` given a signal, class fields
 * and private methods: the figures of 2026-12-06's night); 5 adds the fifth (a class
 * whose instances are async iterables, `AbortController` cancelling a race's loser, an emitter's
 * async listener, `queueMicrotask` of an async arrow, `Promise.all` nested in `map` callbacks,
 * ticks that start two or three calls: the figures of 2026-12-06, late); 6 adds the
 * sixth (`setInterval` with an async callback, `stream/promises`' `finished`, `util.promisify` of
 * `setTimeout`/`setImmediate`, a `try/finally` whose `finally` awaits, `Array.fromAsync`, `for await`
 * over `events.on` given an `AbortSignal`: the figures of 2026-12-07's early hours); 7 adds the
 * seventh (a class with a static async factory, a `timers/promises` sleep cancelled by an
 * `AbortSignal`, async recursion that fans out through `Promise.all`: the figures of 2026-12-07,
 * morning); 8 adds the eighth (`AsyncLocalStorage.run` of an async function,
 * `forEach` of an async function, `for await` over calls' promises, `Promise.all` of calls with
 * `.then` links, chains whose links return calls, `AbortSignal.any`, `BroadcastChannel`, Node's
 * file and gzip streams, `Promise.race` against a timeout, a `Worker`'s answer: the figures of
 * 2026-12-07, 09:00); 9 adds the ninth (HTTP requests out of the code — to a second
 * local server, or a route's to the program's own server — awaited, in `Promise.all` members or left
 * running; `child_process.spawn` awaited by its `'exit'` or `'close'` event, its stdout read in
 * `'data'` listeners; a `net` server with several connections, its clients' sockets read with
 * `events.once` or `for await`: the figures of 2026-12-07, 11:00); 10 puts the ninth set's child
 * processes only in bodies the program runs once or twice (at 9 a function called 42 times started
 * 84 Node processes: seed 178052: the figures of 2026-12-07, evening); 11 adds the
 * tenth (a child forked with an IPC channel whose messages come back, asked or on its own, and a
 * `Worker` that posts on its own, most often in a route after its response: the figures of
 * 2026-12-07, 21:00); 12, the default, adds the eleventh (a child forked while the code's work
 * goes on and sent a message later, most often forked before a route's response and asked after
 * it).
 *
 * `--keep DIR` keeps each program that does not come out true, with its trace and its truth, in DIR
 * (a failure that comes and goes with timing may not come again).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generate } from '../test/truth/generate';
import { IDLE_PROBLEM } from '../test/truth/compare';
import {
  Locations,
  Mode,
  RUN_LIMIT_MS,
  describeFailure,
  isTrue,
  runTruth,
  shrink,
} from '../test/truth/runTruth';
import { render } from '../test/truth/program';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

async function main(): Promise<void> {
  const programs = Number(arg('programs', '200'));
  const from = Number(arg('from', '1'));
  const jobs = Number(arg('jobs', '2'));
  const modeArg = arg('mode', 'both');
  const modes: Mode[] = modeArg === 'both' ? ['fast', 'full'] : [modeArg as Mode];
  const out = arg('out', '');
  const locations = arg('locations', 'sampled') as Locations;
  if (locations !== 'sampled' && locations !== 'off') throw new Error('--locations: give sampled or off');
  const keepArg = arg('keep', '');
  const keep = keepArg === '' ? undefined : path.resolve(keepArg);
  const showFailures = Number(arg('show', '3'));
  const versionArg = Number(arg('generator', '12'));
  if (
    versionArg !== 1 &&
    versionArg !== 2 &&
    versionArg !== 3 &&
    versionArg !== 4 &&
    versionArg !== 5 &&
    versionArg !== 6 &&
    versionArg !== 7 &&
    versionArg !== 8 &&
    versionArg !== 9 &&
    versionArg !== 10 &&
    versionArg !== 11 &&
    versionArg !== 12
  )
    throw new Error('--generator: give 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 or 12');
  const version: 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11 | 12 = versionArg;
  const nodeArgs = arg('node-args', '')
    .split(' ')
    .filter((a) => a !== '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-truth-'));
  const totals = Object.fromEntries(
    modes.map((m) => [
      m,
      {
        dishes: 0,
        trueDishes: 0,
        programs: 0,
        truePrograms: 0,
        extra: 0,
        untracked: 0,
        errors: 0,
        // Dishes true but for stints run on while the loop sat idle (true before that check), and
        // programs with such stints; the most any run's stints covered beyond its busy time, ms.
        trueButIdle: 0,
        idlePrograms: 0,
        idleExcessMs: -Infinity,
      },
    ]),
  );
  const failures: Array<{ seed: number; mode: Mode; text: string }> = [];
  const problemCounts = new Map<string, number>();
  /** Each run's idle excess (compare.ts, `idleRunOn`), clock bracket and most of a stretch outside its dish's task: [seed, mode, ms, ms, ms]. */
  const excesses: Array<[number, Mode, number, number, number]> = [];
  /** Runs that took longer than RUN_LIMIT_MS and finished (the limit grows with the load): [seed, mode, s, load]. */
  const slow: Array<[number, Mode, number, number]> = [];
  /** The machine's load (one minute), least and most as each run ended. */
  const loads = { least: Infinity, most: 0 };
  let next = from;
  async function worker(): Promise<void> {
    for (;;) {
      const seed = next++;
      if (seed >= from + programs) return;
      const program = generate(seed, { version });
      for (const mode of modes) {
        const t = totals[mode];
        let run;
        try {
          run = await runTruth(program, mode, dir, keep, locations, { nodeArgs });
        } catch (error) {
          // A program that did not finish (killed past its limit, a minute or more as the load
          // grows: runTruth's `runLimitMs`, or one that failed): counted apart, and the run goes on.
          t.errors++;
          const lines = String(error).split('\n');
          const killed = lines.find((l) => l.startsWith('(killed:')) ?? '';
          failures.push({ seed, mode, text: `  did not finish: ${lines[0]} ${killed}` });
          continue;
        }
        const load = os.loadavg()[0];
        loads.least = Math.min(loads.least, load);
        loads.most = Math.max(loads.most, load);
        if (run.wallMs > RUN_LIMIT_MS) slow.push([seed, mode, run.wallMs / 1000, load]);
        const c = run.comparison;
        t.dishes += c.judged;
        t.trueDishes += c.trueDishes;
        t.programs++;
        t.extra += c.extraTasks.length;
        t.untracked += c.untrackedShare;
        const idleOnly = c.dishes.filter(
          (d) => d.problems.length > 0 && d.problems.every((p) => p.startsWith(IDLE_PROBLEM)),
        ).length;
        t.trueButIdle += idleOnly;
        if (
          c.idleStints.length > 0 ||
          c.dishes.some((d) => d.problems.some((p) => p.startsWith(IDLE_PROBLEM)))
        )
          t.idlePrograms++;
        t.idleExcessMs = Math.max(t.idleExcessMs, c.idleExcessMs);
        excesses.push([seed, mode, c.idleExcessMs, c.clockMs, c.outsideMs]);
        if (isTrue(c)) t.truePrograms++;
        else {
          failures.push({ seed, mode, text: describeFailure(c) });
          for (const d of c.dishes)
            for (const p of d.problems) {
              const key = `${mode}: ${p
                .replace(/"[^"]*"/g, '"…"')
                .replace(/[\d.]+ ms/g, 'N ms')
                .replace(/task \d+b?/g, 'task N')
                .replace(/\d+ of/, 'N of')}`;
              problemCounts.set(key, (problemCounts.get(key) ?? 0) + 1);
            }
          if (c.idleStints.length > 0)
            problemCounts.set(
              `${mode}: stints of no dish ran on while the loop sat idle`,
              (problemCounts.get(`${mode}: stints of no dish ran on while the loop sat idle`) ?? 0) + 1,
            );
          if (c.extraTasks.length > 0)
            problemCounts.set(`${mode}: extra lanes`, (problemCounts.get(`${mode}: extra lanes`) ?? 0) + 1);
        }
      }
      if ((seed - from + 1) % 20 === 0) process.stderr.write(`${seed - from + 1}/${programs}\n`);
    }
  }
  await Promise.all(Array.from({ length: jobs }, () => worker()));
  for (const mode of modes) {
    const t = totals[mode];
    console.log(
      `${mode}: ${t.trueDishes}/${t.dishes} dishes true (${((100 * t.trueDishes) / Math.max(1, t.dishes)).toFixed(1)}%), ` +
        `${t.truePrograms}/${t.programs} programs wholly true, ${t.extra} extra lanes, ` +
        `untracked ${((100 * t.untracked) / Math.max(1, t.programs)).toFixed(2)}% of user work` +
        (t.errors > 0 ? `, ${t.errors} did not finish` : '') +
        `, ${slow.filter(([, m]) => m === mode).length} finished past ${RUN_LIMIT_MS / 1000} s` +
        `; ${t.idlePrograms} programs with stints run on while the loop sat idle ` +
        `(${t.trueDishes + t.trueButIdle} dishes true without that check; most run on ${t.idleExcessMs.toFixed(3)} ms)`,
    );
  }
  console.log(`load (one minute) ${loads.least.toFixed(0)}-${loads.most.toFixed(0)} as runs ended`);
  if (slow.length > 0)
    console.log(
      `past ${RUN_LIMIT_MS / 1000} s and finished: ${slow
        .sort((a, b) => a[0] - b[0])
        .map(([seed, mode, s, load]) => `${seed} ${mode} ${s.toFixed(0)} s (load ${load.toFixed(0)})`)
        .join(', ')}`,
    );
  const top = [...problemCounts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  if (top.length > 0) {
    console.log('\nMost common problems:');
    for (const [p, n] of top) console.log(`${String(n).padStart(6)}  ${p}`);
  }
  failures.sort((a, b) => a.seed - b.seed);
  for (const f of failures.slice(0, showFailures)) {
    console.log(`\n--- seed ${f.seed} (${f.mode}) fails:\n${f.text}`);
    if (process.argv.includes('--shrink') && !f.text.startsWith('  did not finish')) {
      // A failure that comes and goes with timing: a smaller program counts as failing if one of
      // `--tries` runs fails (default 1).
      const small = await shrink(
        generate(f.seed, { version }),
        f.mode,
        dir,
        150,
        Number(arg('tries', '1')),
        locations,
      );
      const again = await runTruth(small, f.mode, dir, undefined, locations);
      console.log(
        `shrunk to:\n${render(small)
          .split('\n')
          .filter((l) => !l.startsWith('const ') && !l.startsWith('function __') && l.trim() !== '')
          .slice(10)
          .join('\n')}\n${describeFailure(again.comparison)}`,
      );
    }
  }
  if (out !== '')
    fs.writeFileSync(
      out,
      JSON.stringify(
        { totals, failures, problems: Object.fromEntries(problemCounts), excesses, slow, loads },
        null,
        2,
      ),
    );
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
