/**
 * Runs one generated program under the real tracer and compares the timeline with the program's
 * own truth; shrinks a failing program to a small one that still fails.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadTrace } from '../../model/load';
import { Comparison, compare } from './compare';
import { AWAITING, FnDef, LIBRARIES, Program, Stmt, Truth, render } from './program';

const ROOT = path.resolve(__dirname, '..', '..');
/** The tracer under test; TRUTH_TRACER points a run at another build (a test shown failing on an older one). */
const TRACER = process.env.TRUTH_TRACER ?? path.join(ROOT, 'dist', 'tracer.js');

export type Mode = 'fast' | 'full';

export interface TruthRun {
  comparison: Comparison;
  /** The program's source, for a failure message. */
  source: string;
  exitCode: number | null;
  stderr: string;
  /** The program's run, from its spawn to its exit, ms (not the reading of its trace). */
  wallMs: number;
}

/**
 * A program's run past this is taken to hang and killed, ms, on a machine loaded up to 10 runnable
 * processes a core (the slowest took 13 s at load 20 on 2 cores). Past that load the limit grows
 * with it (`runLimitMs`): a run's wall time is its CPU time times about the load a core (an empty
 * script, 0.1 s of CPU, took 2.6-3.2 s at load 34 on 2 cores; seed 178023, 1.5-2.6 s at load 3 in
 * every mode, was killed at 60 s at load 45-62).
 */
export const RUN_LIMIT_MS = 60_000;
/** The most the limit grows to with the load, ms. */
const RUN_LIMIT_MAX_MS = 600_000;
/** Runnable processes a core up to which a run has RUN_LIMIT_MS. */
const LIMIT_LOAD_PER_CORE = 10;

/** How long a run may take before it is taken to hang, at the machine's load now, ms. */
export function runLimitMs(): number {
  const perCore = os.loadavg()[0] / Math.max(1, os.cpus().length);
  return Math.min(RUN_LIMIT_MAX_MS, RUN_LIMIT_MS * Math.max(1, perCore / LIMIT_LOAD_PER_CORE));
}

function runNode(
  file: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[],
): Promise<{ code: number | null; stderr: string; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const child = spawn(process.execPath, [...nodeArgs, file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // The limit is read again as the run goes on: the load may rise or fall meanwhile.
    const timer = setInterval(() => {
      const elapsed = Date.now() - start;
      if (elapsed < runLimitMs()) return;
      stderr += `\n(killed: still running after ${elapsed} ms at load ${os.loadavg()[0].toFixed(0)})`;
      child.kill('SIGKILL');
      clearInterval(timer);
    }, 1000);
    child.on('error', (error) => {
      clearInterval(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearInterval(timer);
      resolve({ code, stderr, wallMs: Date.now() - start });
    });
  });
}

/** The tracer's `locations` option: where stints await, read from sampled stacks, or not at all. */
export type Locations = 'sampled' | 'off';

/**
 * More of the tracer's options for a run: `locationsTotal` (each kind of stack capture that many
 * times in the whole run, with no clock) makes which looks a run gets independent of its speed;
 * and the flags of the Node that runs the program.
 */
export interface TracerOverrides {
  locationsTotal?: number;
  /** How often the tracer flushes, ms: each flush reads the clock, which bounds how late a stint's end can be read. */
  flushMs?: number;
  /** Node's own flags for the program's process (`--no-async-context-frame`), not the tracer's. */
  nodeArgs?: string[];
}

/**
 * Runs `program` traced in `mode` (in folder `dir`) and compares. With `keep`, a program that does
 * not come out true leaves its source, trace and truth in that folder (`p<seed>-<mode>-<n>.js`,
 * `.looplens`, `.truth.json`, with the library it may use beside it), to be read or run again.
 * `locations` is the tracer's option of that name: the lanes must not depend on it.
 */
export async function runTruth(
  program: Program,
  mode: Mode,
  dir: string,
  keep?: string,
  locations: Locations = 'sampled',
  tracerOptions: TracerOverrides = {},
): Promise<TruthRun> {
  const base = path.join(dir, `p${program.seed}-${mode}${locations === 'off' ? '-off' : ''}`);
  const file = `${base}.js`;
  const source = render(program);
  fs.writeFileSync(file, source);
  for (const [name, code] of Object.entries(LIBRARIES)) {
    const index = path.join(dir, 'node_modules', name, 'index.js');
    if (fs.existsSync(index)) continue;
    fs.mkdirSync(path.dirname(index), { recursive: true });
    fs.writeFileSync(index, code);
  }
  const { nodeArgs = [], ...options } = tracerOptions;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_OPTIONS: `--require ${TRACER}`,
    LOOPLENS_OPTIONS: JSON.stringify({ ...options, out: `${base}.looplens`, mode, locations }),
    TRUTH_OUT: `${base}.truth.json`,
  };
  const { code, stderr, wallMs } = await runNode(file, env, nodeArgs);
  if (code !== 0)
    throw new Error(`program ${program.seed} (${mode}) exited with ${code}: ${stderr}\n${source}`);
  const truth = JSON.parse(fs.readFileSync(`${base}.truth.json`, 'utf8')) as Truth;
  const { timeline } = loadTrace(fs.readFileSync(`${base}.looplens`), { partial: true });
  const comparison = compare(truth, timeline);
  if (keep !== undefined && !isTrue(comparison)) keepFailure(dir, base, keep);
  for (const suffix of ['.js', '.looplens', '.truth.json']) fs.rmSync(base + suffix, { force: true });
  return { comparison, source, exitCode: code, stderr, wallMs };
}

function keepFailure(dir: string, base: string, keep: string): void {
  fs.mkdirSync(keep, { recursive: true });
  fs.cpSync(path.join(dir, 'node_modules'), path.join(keep, 'node_modules'), { recursive: true });
  let n = 1;
  while (fs.existsSync(path.join(keep, `${path.basename(base)}-${n}.js`))) n++;
  for (const suffix of ['.js', '.looplens', '.truth.json'])
    fs.copyFileSync(base + suffix, path.join(keep, `${path.basename(base)}-${n}${suffix}`));
}

export function isTrue(c: Comparison): boolean {
  return c.trueDishes === c.judged && c.extraTasks.length === 0 && c.idleStints.length === 0;
}

/** What went wrong, one line per problem. */
export function describeFailure(c: Comparison): string {
  const lines: string[] = [];
  for (const d of c.dishes) for (const p of d.problems) lines.push(`  dish "${d.name}": ${p}`);
  for (const e of c.extraTasks) lines.push(`  extra lane ${e}`);
  for (const e of c.idleStints) lines.push(`  ran on while the loop sat idle: ${e}`);
  return lines.join('\n');
}

/** Every way to make `program` one step smaller. */
function* smaller(program: Program): Generator<Program> {
  const clone = (): Program => JSON.parse(JSON.stringify(program)) as Program;
  const bodies = (p: Program): Stmt[][] => {
    const out: Stmt[][] = [p.main, ...p.fns.map((f: FnDef) => f.body)];
    if (p.server !== null) for (const r of p.server.routes) out.push(r.before, r.after);
    const walk = (list: Stmt[]): void => {
      for (const s of list) {
        if (s.k === 'scope' || s.k === 'iife') {
          out.push(s.body);
          walk(s.body);
        } else if (s.k === 'startLater') {
          // Its statements in between await: the call is awaited in a later stint. They stay.
          walk(s.between);
        }
      }
    };
    for (const b of [...out]) walk(b);
    return out;
  };
  if (program.server !== null) {
    const p = clone();
    p.server = null;
    yield p;
  }
  const count = bodies(program).length;
  const fnBodies = new Set(program.fns.map((f) => f.body));
  // A function a queue runs keeps its first await (the generator queues only those whose first
  // statement awaits): work before it runs in whichever lane started the job, which the truth's
  // `__running` cannot know (the lane of the request whose job ended before, not that job's dish).
  const queued = new Set<string>();
  for (const b of bodies(program))
    for (const s of b) {
      if (s.k === 'queued') queued.add(s.fn);
      if (s.k === 'thenQueue' || s.k === 'syncAdd') for (const fn of s.fns) queued.add(fn);
    }
  const queuedBodies = new Set(program.fns.filter((f) => queued.has(f.name)).map((f) => f.body));
  for (let b = 0; b < count; b++) {
    const body = bodies(program)[b];
    const length = body.length;
    for (let i = 0; i < length; i++) {
      // A function keeps an await (the generator gives every function one): without any, its
      // dish has no continuation to be named from, which is another program.
      if (fnBodies.has(body) && AWAITING.has(body[i].k) && body.filter((s) => AWAITING.has(s.k)).length === 1)
        continue;
      if (queuedBodies.has(body) && i === body.findIndex((s) => AWAITING.has(s.k))) continue;
      const p = clone();
      bodies(p)[b].splice(i, 1);
      yield p;
      const q = clone();
      const s = bodies(q)[b][i];
      if (s.k === 'combinator' && s.fns.length > 1) {
        s.fns.pop();
        yield q;
      }
    }
  }
  for (let f = 0; f < program.fns.length; f++) {
    if (program.fns[f].returnHeld !== undefined) {
      const p = clone();
      delete p.fns[f].returnHeld;
      yield p;
    }
    if (program.fns[f].returns !== null) {
      const p = clone();
      p.fns[f].returns = null;
      delete p.fns[f].returnLinks;
      delete p.fns[f].returnHeld;
      yield p;
    }
  }
}

/**
 * The smallest program (by removing statements one at a time) that still fails in `mode`. Runs at
 * most `budget` programs. A failure that comes and goes with timing needs `tries` > 1: a candidate
 * then fails if any of that many runs fails.
 */
export async function shrink(
  program: Program,
  mode: Mode,
  dir: string,
  budget = 150,
  tries = 1,
  locations: Locations = 'sampled',
): Promise<Program> {
  let best = program;
  let runs = 0;
  let progress = true;
  while (progress && runs < budget) {
    progress = false;
    for (const candidate of smaller(best)) {
      if (runs++ >= budget) break;
      let fails = false;
      try {
        for (let t = 0; t < tries && !fails; t++)
          fails = !isTrue((await runTruth(candidate, mode, dir, undefined, locations)).comparison);
      } catch {
        continue; // a program that no longer runs is not a smaller failure
      }
      if (fails) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
