/**
 * Programs of the kinds users write that the other suites do not cover, each written from scratch
 * with a truth known by construction (test/fixtures/newPrograms/), recorded with `looplens record`
 * in both modes while real clients talk to them over real sockets:
 *
 * 1. an http server that sends CPU work to a worker_threads pool written by hand, and awaits a
 *    child process through `util.promisify(execFile)`: work off the loop is the request waiting;
 * 2. a route streaming a file through `stream/promises`' `pipeline` with an async Transform;
 * 3. a batch script dispatching each line `readline` reads through a bounded queue written by hand
 *    (a Set of promises in flight, `await Promise.race(set)` when full);
 * 4. a route calling a local upstream with `fetch`, reading the body with `for await`, under
 *    `AbortSignal.timeout` — one call timing out;
 * 5. servers whose arrivals the script takes with `for await` over `events.on(server, …)`, each
 *    handled by a call nobody awaits (and one whose loop awaits each handler);
 * 6. a `setInterval` poller that starts an async job each tick, stopped by SIGTERM gracefully;
 * 7. route handlers (express 4 and 5) that log, arm a deadline or read the body, then call their
 *    async function and chain it (`.catch(next)`) rather than await it: the request's own work.
 *
 * Each dish must be one task with the right name and parent, off-loop work its wait, a block at
 * its line, no false work after a response, little untracked time.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { Summary, SummaryBlock, SummaryTask } from '../model/summary';
import { Timeline } from '../model/timeline';
import {
  CLI,
  FIXTURES,
  RunResult,
  heldLongest,
  readTrace,
  tempDir,
  untrackedShare,
  waitFor,
} from './helpers';

const PROGRAMS = path.join(FIXTURES, 'newPrograms');
const MODES = ['fast', 'full'];
/** Most of the loop's busy time while serving is in tasks (see realServers.test.ts UNTRACKED_MAX). */
const UNTRACKED_MAX = 0.12;

interface Recorded {
  summary: Summary;
  timeline: Timeline;
  stdout: string;
}

/**
 * Records `program` with `looplens record` in `mode`: once its stdout matches `ready`, `scenario`
 * talks to it; then it is stopped with `signal` (null: it ends by itself) and must exit with 0.
 */
async function record(
  dir: string,
  program: string,
  mode: string,
  ready: RegExp | null,
  scenario: (match: RegExpExecArray | null, output: () => string) => Promise<void>,
  signal: NodeJS.Signals | null = 'SIGINT',
): Promise<Recorded> {
  const out = path.join(dir, `${program}-${mode}.looplens`);
  const args = [CLI, 'record', '--quiet', '--mode', mode, '--out', out, '--', process.execPath];
  const child = spawn(process.execPath, [...args, path.join(PROGRAMS, `${program}.js`)], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<RunResult>((resolve) =>
    child.on('close', (code, sig) => resolve({ stdout, stderr, code, signal: sig })),
  );
  let result: RunResult;
  try {
    const match =
      ready === null
        ? null
        : await waitFor(
            () => {
              const found = ready.exec(stdout);
              if (found !== null) return found;
              // (Ended before it said it listens: why, at once, not a minute later.)
              if (child.exitCode !== null || child.signalCode !== null)
                throw new Error(
                  `${program} ended (${child.exitCode ?? child.signalCode}) before it started: ${stderr}`,
                );
              return undefined;
            },
            60_000,
            `${program} to start`,
          );
    await scenario(match, () => stdout);
    if (signal !== null) child.kill(signal);
    result = await closed;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  assert.equal(result.code, 0, `${program} exits cleanly (stderr: ${result.stderr})`);
  return { ...readTrace(out), stdout: result.stdout };
}

function get(port: number, pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/** Sends `lines` on one connection, one at a time, each once the one before was answered. */
function talk(port: number, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const answers: string[] = [];
    let buffer = '';
    socket.on('connect', () => socket.write(`${lines[0]}\n`));
    socket.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        answers.push(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        if (answers.length < lines.length) socket.write(`${lines[answers.length]}\n`);
        else socket.end();
      }
    });
    socket.on('close', () => resolve(answers));
    socket.on('error', reject);
  });
}

/**
 * Sends GET requests for `paths` pipelined in one write on one connection (the server reads them
 * in one read: they arrive in one tick) and resolves with all it answered, once it closes.
 */
function pipelined(port: number, paths: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answered = '';
    socket.on('connect', () =>
      socket.write(
        paths
          .map(
            (p, i) =>
              `GET ${p} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`,
          )
          .join(''),
      ),
    );
    socket.on('data', (d: Buffer) => (answered += d.toString()));
    socket.on('close', () => resolve(answered));
    socket.on('error', reject);
  });
}

const named = (s: Summary, name: string): SummaryTask[] => s.tasks.filter((t) => t.name === name);
const childrenOf = (s: Summary, task: SummaryTask): SummaryTask[] =>
  s.tasks.filter((t) => t.parent === task.id && !t.internal);
const nameOf = (s: Summary, id: string | null): string => s.tasks.find((t) => t.id === id)?.name ?? '-';

/** The lanes a user sees: not folded with the library's and the runtime's tasks. */
function lanes(s: Summary): SummaryTask[] {
  return s.tasks.filter((t) => !t.internal && t.id !== '0');
}

function describeLanes(s: Summary, tasks = lanes(s)): string {
  return tasks.map((t) => `${t.name} (${t.kind}, parent ${nameOf(s, t.parent)})`).join('; ');
}

function lineOf(program: string, marker: string): number {
  const lines = fs.readFileSync(path.join(PROGRAMS, `${program}.js`), 'utf8').split('\n');
  return lines.findIndex((l) => l.includes(marker)) + 1;
}

/**
 * The block a task's synchronous step made is at the step's line, or at the line that calls the
 * function holding it (V8 inlines a small busy function into its caller, whose frame the sample
 * then shows) — or, where the sampler's thread got no CPU in time (a busy machine), where the task
 * resumed or began (README, Limits). The steps compute 150 ms: the longest block of the task is
 * taken for the step's, and a program's first `fs.promises` call (Node loading its module) held the
 * loop 70 ms at load 25, as long as the steps did when they computed 70.
 */
function assertStepBlock(s: Summary, task: SummaryTask, program: string, marker: string, call: string): void {
  const block: SummaryBlock | undefined = heldLongest(s.blocks.filter((b) => b.task === task.id));
  assert.ok(block, `${task.name}'s step is a block on it (blocks: ${JSON.stringify(s.blocks)})`);
  const file = path.join(PROGRAMS, `${program}.js`);
  const line = block.location?.line ?? 0;
  const text = fs.readFileSync(file, 'utf8').split('\n')[line - 1] ?? '';
  const atAwait = block.location?.file === file && /\bawait\b/.test(text);
  const starved = block.cpuWaitMs > block.durationMs / 3;
  // (A thread held off its CPU through much of the block is seen by the sampler's few looks only
  // where it stopped: the await it had just resumed from, the line after the busy call, the busy
  // function's own first line, held off as it entered it — 315 ms, 204 of them waiting for a CPU,
  // both looks there at load 20 — or, the step done, the line that called the function holding
  // it: 103 ms, 52 waiting, the one look at the listener's `handle(req, res)` in a CI run.)
  if (block.located === 'sampled' && !(starved && atAwait)) {
    const callLine = lineOf(program, call);
    const busyLine = lineOf(program, marker);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    let entry = busyLine;
    while (entry > 1 && !/\bfunction\b/.test(lines[entry - 1])) entry--;
    let holder = callLine;
    while (holder > 1 && !/\bfunction\s+\w/.test(lines[holder - 1])) holder--;
    const holderName = /\bfunction\s+(\w+)/.exec(lines[holder - 1] ?? '')?.[1];
    const callsHolder =
      holderName !== undefined && new RegExp(`\\b${holderName}\\(`).test(text) && line !== holder;
    assert.ok(
      line === busyLine ||
        line === callLine ||
        (starved && (line === callLine + 1 || line === entry || callsHolder)),
      `${task.name}'s block at its line (${JSON.stringify(block)})`,
    );
    return;
  }
  const began = block.located === 'began' && JSON.stringify(block.location) === JSON.stringify(task.location);
  assert.ok(
    (atAwait && block.located !== 'began') || began,
    `${task.name}'s block at its line, or not sampled where it resumed or began (${JSON.stringify(block)})`,
  );
}

/**
 * Blocks on `task` the sampler saw holding the loop at a line of `program` other than `except`'s
 * (not a loaded machine's stretch of a short stint: one no look saw, or one mostly waiting for a
 * CPU).
 */
function heldBlocks(s: Summary, task: SummaryTask, program: string, except: string): SummaryBlock[] {
  return s.blocks.filter(
    (b) =>
      b.task === task.id &&
      b.located === 'sampled' &&
      b.durationMs - b.cpuWaitMs >= 50 &&
      b.location?.line !== lineOf(program, except),
  );
}

describe('programs nobody here wrote, checked as a new user would', function () {
  this.timeout(300_000);
  const dir = process.env.LOOPLENS_TEST_KEEP ?? tempDir();

  for (const mode of MODES) {
    it(`CPU work sent to a worker pool and a child process awaited are each request waiting, not a block or a task (${mode})`, async () => {
      const { summary: s } = await record(dir, 'offLoop', mode, /http:\/\/[\d.]+:(\d+)\//, async (m) => {
        const port = Number(m![1]);
        const paths = ['/hash', '/child', '/hash', '/block', '/child', '/hash'];
        const answers = await Promise.all(paths.map((p) => get(port, p)));
        assert.deepEqual(
          answers.map((a) => a.status),
          paths.map(() => 200),
        );
      });
      const workMs = 80;
      for (const [route, count, offLoopMs] of [
        ['GET /hash', 3, workMs],
        ['GET /child', 2, 60],
      ] as const) {
        const tasks = named(s, route);
        assert.equal(tasks.length, count, `each request one task named ${route} (${describeLanes(s)})`);
        for (const t of tasks) {
          assert.deepEqual(describeLanes(s, childrenOf(s, t)), '', `${route} has no child`);
          // The pool's thread spins for workMs, the child waits 60 ms: the request waits about that
          // long — less the part of its first stint a loaded machine stretched after the job was
          // posted (19 ms seen at load 17: 71.8 ms of 80), and the reply's reading, which is its own.
          assert.ok(t.waitMs >= offLoopMs / 2, `${route} waited for the work off the loop (${t.waitMs} ms)`);
          // (Spawning the child is synchronous, on the loop: a loaded machine made it a block.)
          assert.deepEqual(heldBlocks(s, t, 'offLoop', 'CHILD AWAIT'), [], `${route} holds the loop nowhere`);
        }
      }
      const [blocking] = named(s, 'GET /block');
      assert.ok(blocking, 'the blocking request is one task');
      assertStepBlock(s, blocking, 'offLoop', 'BLOCK LINE', 'BLOCK CALL');
      // The pool's threads are the script's workers, nobody else's; nothing else has a lane (the
      // pool closing its threads at the end is a `Promise.all` of theirs, the script's).
      const others = lanes(s).filter(
        (t) => t.kind !== 'main' && t.kind !== 'request' && nameOf(s, t.parent) !== 'offLoop.js',
      );
      assert.deepEqual(describeLanes(s, others), '', 'no other lane');
      assert.equal(s.tasks.filter((t) => t.kind === 'worker').length, 2, 'two threads, one worker task each');
    });

    it(`a file streamed through pipeline() and an async Transform is its request's work (${mode})`, async () => {
      const { summary: s, timeline } = await record(
        dir,
        'streamPipeline',
        mode,
        /http:\/\/[\d.]+:(\d+)\//,
        async (m) => {
          const port = Number(m![1]);
          const answers = await Promise.all([
            get(port, '/report'),
            get(port, '/report'),
            get(port, '/report'),
          ]);
          for (const a of answers)
            assert.ok(a.status === 200 && a.body.length > 40_000, 'the report came whole');
        },
      );
      const tasks = named(s, 'GET /report');
      assert.equal(tasks.length, 3, `each request one task (${describeLanes(s)})`);
      for (const t of tasks) {
        assert.deepEqual(describeLanes(s, childrenOf(s, t)), '', 'no work after the response, no child');
        // 48 chunks, each a transform awaiting a timer: the request runs between its waits.
        assert.ok(t.stints >= 20, `the stream's chunks are its stints (${t.stints})`);
        assert.ok(t.waitMs > 0, 'it waits between them');
      }
      assert.deepEqual(
        describeLanes(
          s,
          lanes(s).filter((t) => t.kind !== 'main' && t.kind !== 'request'),
        ),
        '',
        'no other lane',
      );
      const share = untrackedShare(timeline);
      assert.ok(share < UNTRACKED_MAX, `untracked ${(share * 100).toFixed(1)}% of busy time`);
    });

    it(`each line's job a bounded queue written by hand runs is one task of the script (${mode})`, async () => {
      const { summary: s, stdout } = await record(dir, 'lineQueue', mode, null, async () => {}, null);
      assert.match(stdout, /processed 12/);
      const [main] = s.tasks.filter((t) => t.kind === 'main');
      const jobs = named(s, 'processLine');
      assert.equal(jobs.length, 12, `each line's job one task (${describeLanes(s)})`);
      for (const job of jobs) {
        assert.equal(job.parent, main.id, 'a task of the script');
        // Its function awaits a timer (its task is made when the stint that called it ends: a busy
        // machine's long stint shortens the lane, not the wait).
        assert.ok(job.endMs !== null && job.waitMs > 0, `it waits, and ends (${JSON.stringify(job)})`);
      }
      // The queue keeps at most three in flight, and does keep several: at most three lanes at
      // once, at some moment more than one.
      const edges = jobs.flatMap((j) => [
        [j.startMs, 1],
        [j.endMs ?? Infinity, -1],
      ]);
      edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      let now = 0;
      let most = 0;
      for (const [, d] of edges) most = Math.max(most, (now += d));
      assert.ok(most >= 2 && most <= 3, `up to three jobs side by side (${most})`);
      assert.deepEqual(
        describeLanes(
          s,
          lanes(s).filter((t) => t.kind !== 'main' && t.name !== 'processLine'),
        ),
        '',
        'no other lane',
      );
      const step = heldLongest(s.blocks.filter((b) => jobs.some((j) => j.id === b.task)));
      assert.ok(step, `the job that computes holds the loop (${JSON.stringify(s.blocks)})`);
      assertStepBlock(
        s,
        s.tasks.find((t) => t.id === step.task)!,
        'lineQueue',
        'JOB BLOCK',
        'JOB CALL',
      );
    });

    it(`a fetch to an upstream read with for await, one aborted by its timeout, is its request's wait; the upstream's request its client left ends (${mode})`, async () => {
      const { summary: s } = await record(
        dir,
        'fetchTimeout',
        mode,
        /http:\/\/[\d.]+:(\d+)\//,
        async (m, output) => {
          const port = Number(m![1]);
          const [fast, slow, again] = await Promise.all([
            get(port, '/quote/30'),
            get(port, '/quote/4500'),
            get(port, '/quote/60'),
          ]);
          assert.equal(slow.status, 504, 'the slow call timed out');
          for (const a of [fast, again])
            assert.ok(a.status === 200 || a.status === 504, 'the others answered');
          // (The upstream hears its client leave a moment after the 504 went out.)
          await waitFor(
            () => /client left \/price\/4500/.test(output()) || undefined,
            60_000,
            'the upstream to see its client leave',
          );
        },
      );
      for (const ms of [30, 4500, 60]) {
        const tasks = named(s, `GET /quote/${ms}`);
        assert.equal(tasks.length, 1, `one task GET /quote/${ms} (${describeLanes(s)})`);
        assert.deepEqual(
          describeLanes(s, childrenOf(s, tasks[0])),
          '',
          `GET /quote/${ms}: no work after its response`,
        );
        assert.equal(tasks[0].outcome, 'finished', `GET /quote/${ms} answered`);
      }
      const [slow] = named(s, 'GET /quote/4500');
      // It waited for its timeout (1 s) — less its own stints a loaded machine stretched (a stint
      // held off its CPU is still the task's run: 728 and 851 ms of wait at load 50, the rest
      // run), but waiting far more than it ran: a wait merged into a stint fails either way.
      assert.ok(
        slow.waitMs >= 900 || (slow.waitMs + slow.runMs >= 900 && slow.waitMs >= 2 * slow.runMs),
        `the request waited for its timeout (${JSON.stringify(slow)})`,
      );
      // The upstream's request the fetch left: it ended then, aborted (its handler stopped writing and
      // never ended the response: before, its lane ran on to the end of the trace).
      const [left] = named(s, 'GET /price/4500');
      assert.ok(left, `the upstream's request is one task (${describeLanes(s)})`);
      assert.equal(left.outcome, 'aborted', `its client left (${JSON.stringify(left)})`);
      // Its first part was due 1.5 s after it came: it ended before, when its client left.
      assert.ok(
        left.endMs !== null && left.endMs < left.startMs + 1500 && left.stints <= 2,
        `it ended when its client left (${JSON.stringify(left)})`,
      );
      assert.deepEqual(describeLanes(s, childrenOf(s, left)), '', 'no work after its response');
      const others = lanes(s).filter((t) => t.kind !== 'main' && t.kind !== 'request');
      assert.deepEqual(describeLanes(s, others), '', 'no other lane');
    });

    it(`connections and requests a script takes with for await over events.on are one task each (${mode})`, async () => {
      const { summary: s } = await record(
        dir,
        'netEvents',
        mode,
        /lines at port (\d+); http at http:\/\/[\d.]+:(\d+)\//,
        async (m) => {
          const lines = Number(m![1]);
          const port = Number(m![2]);
          const [a, b, x, blocked, y, both] = await Promise.all([
            talk(lines, ['a', 'b', 'block']),
            talk(lines, ['c', 'd']),
            get(port, '/x'),
            get(port, '/block'),
            get(port, '/y'),
            pipelined(port, ['/p1', '/p2']),
          ]);
          assert.match(both, /answered \/p1\n[^]*answered \/p2\n/, 'both pipelined requests answered');
          assert.deepEqual(
            [a, b],
            [
              ['ok a', 'ok b', 'ok block'],
              ['ok c', 'ok d'],
            ],
          );
          assert.deepEqual(
            [x.body, blocked.body, y.body],
            ['answered /x\n', 'answered /block\n', 'answered /y\n'],
          );
        },
      );
      const main = s.tasks.find((t) => t.kind === 'main')!;
      const connections = s.tasks.filter((t) => t.name.startsWith('connection :'));
      assert.equal(connections.length, 2, `each connection one task (${describeLanes(s)})`);
      for (const c of connections) {
        assert.deepEqual(describeLanes(s, childrenOf(s, c)), '', 'its handling is its own work');
        // Three or two lines, each answered after a 15 ms timer: the connection's own waits.
        assert.ok(c.waitMs >= 25, `the connection waits for its timers (${c.waitMs} ms)`);
      }
      // (GET /p1 and GET /p2 came in one read: `events.on` queued the second while the loop had
      // not taken the first yet. Before, the first handler ran in the second's lane, the second
      // was an `answer` task of the script, and GET /p1 held only its arrival.)
      for (const route of ['GET /x', 'GET /block', 'GET /y', 'GET /p1', 'GET /p2']) {
        const tasks = named(s, route);
        assert.equal(tasks.length, 1, `one task ${route} (${describeLanes(s)})`);
        assert.deepEqual(describeLanes(s, childrenOf(s, tasks[0])), '', `${route} has no child`);
        assert.ok(tasks[0].waitMs >= 15, `${route} waits for its timer (${tasks[0].waitMs} ms)`);
        // Its arrival, and its handler's work after the timer.
        assert.ok(tasks[0].stints >= 2, `${route} runs its own handler (${JSON.stringify(tasks[0])})`);
      }
      const busyConnection = connections.find((c) => s.blocks.some((b) => b.task === c.id));
      assert.ok(busyConnection, `the connection that computes holds the loop (${JSON.stringify(s.blocks)})`);
      assertStepBlock(s, busyConnection, 'netEvents', 'SERVE BLOCK', 'SERVE CALL BLOCK');
      assertStepBlock(s, named(s, 'GET /block')[0], 'netEvents', 'SERVE BLOCK', 'ANSWER BLOCK');
      const others = lanes(s).filter(
        (t) => t.kind !== 'main' && t.kind !== 'request' && !connections.includes(t) && t.parent !== main.id,
      );
      assert.deepEqual(describeLanes(s, others), '', 'no other lane');
      const calls = lanes(s).filter((t) => t.parent === main.id);
      assert.deepEqual(describeLanes(s, calls), '', 'no handler apart from what it handles');
    });

    it(`a loop over events.on that awaits each handler runs it in its own lane, and what the handler does not await is no request's (${mode})`, async () => {
      const { summary: s } = await record(
        dir,
        'awaitedHandler',
        mode,
        /http:\/\/[\d.]+:(\d+)\//,
        async (m) => {
          const port = Number(m![1]);
          for (const p of ['/a', '/b', '/c']) assert.equal((await get(port, p)).body, `handled ${p}\n`);
        },
      );
      const main = s.tasks.find((t) => t.kind === 'main')!;
      const audits = named(s, 'audit');
      // (Before an arrival handed over was given up at the next stint of another task that made
      // work, the audit a few stints later was taken for the request's own work, in fast mode.)
      assert.equal(audits.length, 3, `each audit one task (${describeLanes(s)})`);
      for (const a of audits) assert.equal(a.parent, main.id, 'a task of the loop');
      for (const p of ['/a', '/b', '/c']) {
        const [request] = named(s, `GET ${p}`);
        assert.ok(request, `GET ${p} is one task`);
        assert.deepEqual(describeLanes(s, childrenOf(s, request)), '', `GET ${p} has no child`);
      }
    });

    it(`an interval's async job each tick is the interval's work, and SIGTERM shuts it down gracefully (${mode})`, async () => {
      const { summary: s, stdout } = await record(
        dir,
        'poller',
        mode,
        /polled 6 times/,
        async () => {},
        'SIGTERM',
      );
      assert.match(stdout, /stopped after \d+ ticks/);
      const main = s.tasks.find((t) => t.kind === 'main')!;
      const timers = s.tasks.filter((t) => t.kind === 'timer');
      assert.equal(timers.length, 1, `the interval is one task (${describeLanes(s)})`);
      const [timer] = timers;
      assert.equal(timer.parent, main.id, 'set by the script');
      assert.equal(timer.location?.line, lineOf('poller', 'setInterval('), 'made where the script set it');
      assert.ok(timer.stints >= 12, `each tick and its job's steps are its stints (${timer.stints})`);
      assert.deepEqual(
        describeLanes(
          s,
          lanes(s).filter((t) => t.kind !== 'main' && t !== timer),
        ),
        '',
        'no other lane',
      );
      assertStepBlock(s, timer, 'poller', 'POLL BLOCK', 'POLL CALL BLOCK');
    });

    it(`a route handler that logs, arms a deadline or reads the body and then chains its async function is the request's own work, on express 4 and 5 (${mode})`, async () => {
      const ROUTES = ['logged', 'deadline', 'body'];
      const { summary: s } = await record(
        dir,
        'chainedHandlers',
        mode,
        /listening on (\d+) (\d+)/,
        async (match) => {
          for (const port of [Number(match![1]), Number(match![2])]) {
            for (const route of ROUTES) {
              assert.equal((await get(port, `/${route}/1`)).status, 200);
              const together = await Promise.all([2, 3, 4].map((id) => get(port, `/${route}/${id}`)));
              assert.deepEqual(
                together.map((r) => r.status),
                [200, 200, 200],
              );
            }
            assert.equal((await get(port, '/report/7')).status, 200);
          }
        },
      );
      for (const route of ROUTES) {
        const requests = named(s, `GET /${route}/:id`);
        assert.equal(
          requests.length,
          8,
          `each ${route} request one task named by its route (${describeLanes(s)})`,
        );
        assert.deepEqual(
          describeLanes(
            s,
            requests.flatMap((r) => childrenOf(s, r)),
          ),
          '',
          `the function each ${route} handler chained is the request's own work, no task of it`,
        );
      }
      const reports = named(s, 'GET /report/:id');
      assert.equal(reports.length, 2, `each report one task (${describeLanes(s)})`);
      for (const report of reports) {
        assert.deepEqual(describeLanes(s, childrenOf(s, report)), '', 'the report has no task of its own');
        assertStepBlock(s, report, 'chainedHandlers', 'CHAINED BUSY LINE', "busy(150); // the report's step");
      }
    });
  }
});
