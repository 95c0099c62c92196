/** The looplens command line, run as a user would run it. */
import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diskFiles } from '../host/diskFiles';
import { MAX_TRACE_BYTES, readTraceBytes, refusal } from '../host/traceFile';
import { ChunkWriter, utf8Of } from '../protocol/chunkWriter';
import { Reason, TaskFlags, TaskKind } from '../protocol/format';
import { SummaryBlock } from '../model/summary';
import { CLI, FIXTURES, RunResult, handWrittenTrace, plainEnv, run, tempDir, waitFor } from './helpers';

const PROGRAMS = path.join(FIXTURES, 'programs');
const cli = (args: string[], cwd?: string): Promise<RunResult> =>
  run(process.execPath, [CLI, ...args], { env: plainEnv(), cwd });

/**
 * A trace written by hand whose script, runtime and task names hold terminal escape sequences
 * (set the window title, clear the screen) and a C1 control character; its task blocks for 100 ms.
 */
function traceWithEscapes(): Buffer {
  const evil = '\u001b]0;pwned\u0007\u001b[2J\u009b31m';
  const w = new ChunkWriter(64);
  ['app.js', `task ${evil}`, `/srv/${evil}.js`].forEach((text, i) => w.string(i + 1, utf8Of(text)));
  w.task(0, 1, TaskKind.Main, 0, 2, TaskFlags.None, 3, 1, 1);
  w.run(0, 1, Reason.Start);
  w.idle(100);
  w.end(101, 1, 0);
  return Buffer.from(handWrittenTrace(w, { runtime: `node ${evil}` }));
}

describe('the looplens command line', function () {
  this.timeout(60_000);
  const dir = tempDir();
  let trace = '';

  before(async () => {
    trace = path.join(dir, 'callbacks.looplens');
    const result = await cli([
      'record',
      '--out',
      trace,
      '--',
      process.execPath,
      path.join(PROGRAMS, 'callbacks.js'),
    ]);
    assert.equal(result.code, 0, result.stderr);
  });

  describe('record', () => {
    it('runs the program, passes its output and exit code through, writes the trace and summarizes it', async () => {
      const result = await cli(['record', '--', process.execPath, path.join(PROGRAMS, 'exit.js')], dir);
      assert.equal(result.code, 3);
      assert.equal(result.stdout, 'exiting with 3\n');
      assert.match(result.stderr, /Loop Lens — exit\.js/);
      assert.match(result.stderr, /Trace written to (looplens-exit-\d{8}-\d{6}\.looplens)/);
      const name = /Trace written to (\S+)/.exec(result.stderr)![1];
      assert.ok(fs.existsSync(path.join(dir, name)), 'the trace is in the current folder');
    });

    it('takes -o as --out, as most tools do', async () => {
      const target = path.join(dir, 'short.looplens');
      const result = await cli([
        'record',
        '-o',
        target,
        '--',
        process.execPath,
        path.join(PROGRAMS, 'exit.js'),
      ]);
      assert.equal(result.code, 3, result.stderr);
      assert.ok(fs.existsSync(target), 'the trace is where -o says');
      assert.match(
        (await cli(['summary', '-o', target])).stderr,
        /unknown option -o/,
        'summary, which writes nothing, still refuses it',
      );
    });

    it('replaces {pid} in --out by the id of the process each trace is of', async () => {
      const target = path.join(dir, 'pid-{pid}.looplens');
      const result = await cli([
        'record',
        '-o',
        target,
        '--',
        process.execPath,
        path.join(PROGRAMS, 'exit.js'),
      ]);
      assert.equal(result.code, 3, result.stderr);
      const written = fs.readdirSync(dir).filter((f) => f.startsWith('pid-'));
      assert.equal(written.length, 1, written.join(', '));
      const pid = /^pid-(\d+)\.looplens$/.exec(written[0])?.[1];
      assert.ok(pid !== undefined, written[0]);
      const summary = await cli(['summary', path.join(dir, written[0]), '--json']);
      assert.equal((JSON.parse(summary.stdout) as { pid: number }).pid, Number(pid));
    });

    it('writes into a folder given as --out, and keeps the trace and the exit code when it cannot write', async () => {
      const folder = path.join(dir, 'traces');
      fs.mkdirSync(folder);
      const inFolder = await cli([
        'record',
        '--out',
        folder,
        '--',
        process.execPath,
        path.join(PROGRAMS, 'exit.js'),
      ]);
      assert.equal(inFolder.code, 3);
      const written = fs.readdirSync(folder);
      assert.equal(written.length, 1);
      assert.match(written[0], /^looplens-exit-\d{8}-\d{6}\.looplens$/);

      // A path under a file: the copy fails (as on a full disk) after the program ran.
      const blocked = path.join(dir, 'a-file');
      fs.writeFileSync(blocked, 'not a folder');
      const target = path.join(blocked, 'trace.looplens');
      const exit = path.join(PROGRAMS, 'exit.js');
      const failed = await cli(['record', '--out', target, '--', process.execPath, exit]);
      assert.equal(failed.code, 3, "the program's exit code all the same");
      assert.equal(failed.stdout, 'exiting with 3\n');
      const kept = /the trace is kept at (\S+)/.exec(failed.stderr);
      assert.ok(kept, `says where the trace went (${failed.stderr})`);
      assert.ok(failed.stderr.includes(`cannot write ${target}`));
      const summary = await cli(['summary', kept[1]]);
      assert.equal(summary.code, 0, summary.stderr);
      assert.match(summary.stdout, /Loop Lens — exit\.js/);
      fs.rmSync(kept[1]);

      // A device is never written over (nor, as a failed copy would, unlinked).
      const device = await cli(['record', '--out', '/dev/null', '--', process.execPath, exit]);
      assert.equal(device.code, 2);
      assert.match(device.stderr, /cannot write \/dev\/null: it is not a regular file/);
      assert.ok(fs.statSync('/dev/null').isCharacterDevice());
    });

    it('traces the process that runs the script behind npm run, not npm', async () => {
      const project = path.join(dir, 'npm-project');
      fs.mkdirSync(project);
      fs.writeFileSync(
        path.join(project, 'package.json'),
        JSON.stringify({ name: 'p', version: '1.0.0', private: true, scripts: { start: 'node app.js' } }),
      );
      fs.writeFileSync(
        path.join(project, 'app.js'),
        "setTimeout(() => { console.log('app ran'); process.exitCode = 4; }, 20);\n",
      );
      const out = path.join(dir, 'npm.looplens');
      const result = await cli(
        ['record', '--quiet', '--out', out, '--', 'npm', 'run', '--silent', 'start'],
        project,
      );
      assert.match(result.stdout, /app ran/);
      assert.equal(result.code, 4, result.stderr);
      assert.equal(result.stderr, '', '--quiet adds nothing to what the program writes');
      const summary = JSON.parse((await cli(['summary', out, '--json'])).stdout) as {
        script: string;
        tasks: Array<{ kind: string }>;
      };
      assert.equal(summary.script, path.join(project, 'app.js'));
      assert.equal(summary.tasks.filter((t) => t.kind === 'main').length, 1);
    });

    it('traces the process that runs the tests behind node --test, not the runner', async () => {
      const tests = path.join(dir, 'pid.test.js');
      fs.writeFileSync(
        tests,
        [
          "const test = require('node:test');",
          "const fs = require('node:fs');",
          "test('notes where it runs', async () => {",
          `  fs.writeFileSync(${JSON.stringify(path.join(dir, 'tests-pid'))}, String(process.pid));`,
          '  await new Promise((resolve) => setTimeout(resolve, 5));',
          '});',
        ].join('\n'),
      );
      const out = path.join(dir, 'node-test.looplens');
      const result = await cli(['record', '--quiet', '--out', out, '--', process.execPath, '--test', tests]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /pass 1/, "the runner's report passes through");
      const summary = JSON.parse((await cli(['summary', out, '--json'])).stdout) as { pid: number };
      const testsPid = Number(fs.readFileSync(path.join(dir, 'tests-pid'), 'utf8'));
      assert.equal(summary.pid, testsPid, 'the trace is of the process that ran the test');
    });

    it('ends by the signal that ended the program, and still writes how it ended', async () => {
      const out = path.join(dir, 'signal.looplens');
      const child = spawn(
        process.execPath,
        [CLI, 'record', '--quiet', '--out', out, '--', process.execPath, path.join(PROGRAMS, 'signal.js')],
        {
          env: plainEnv(),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      await waitFor(
        () => (stdout.includes('tick\ntick\n') ? true : undefined),
        10_000,
        'the program to tick',
      );
      const closed = new Promise<[number | null, string | null]>((resolve) =>
        child.on('close', (c, s) => resolve([c, s])),
      );
      child.kill('SIGTERM');
      const [code, signal] = await closed;
      assert.equal(signal, 'SIGTERM', `exit code ${code}`);
      const summary = JSON.parse((await cli(['summary', out, '--json'])).stdout) as {
        end: { cause: string; code: number };
      };
      assert.deepEqual(summary.end, { cause: 'signal', code: 15 });
    });

    it('says so when the command does not exist', async () => {
      const result = await cli(['record', '--', 'no-such-command-looplens']);
      assert.equal(result.code, 127);
      assert.match(result.stderr, /command not found: no-such-command-looplens/);
    });

    it('says so when nothing it ran was a Node.js program', async () => {
      const result = await cli(['record', '--', 'sh', '-c', 'echo not node; exit 5']);
      assert.equal(result.code, 5);
      assert.match(result.stderr, /no Node\.js process .* was traced/);
    });

    it('says why when a Python run left no trace (python3 -E ignores the PYTHONPATH the tracer starts from)', async () => {
      const result = await cli(['record', '--', 'python3', '-E', '-c', 'import sys; sys.exit(4)']);
      assert.equal(result.code, 4);
      assert.match(result.stderr, /no Python process .* was traced/);
      assert.match(result.stderr, /-E or -I/);
      assert.doesNotMatch(result.stderr, /Node\.js/);
    });

    it('asks for "--" before the command', async () => {
      const result = await cli(['record', 'node', 'app.js']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /put "--" before the command/);
    });
  });

  describe('summary', () => {
    it('prints one screen of what the loop did', async () => {
      const result = await cli(['summary', trace]);
      assert.equal(result.code, 0, result.stderr);
      // The 200 ms busy loop is the request's block; on a loaded machine the request's other
      // stints and the script's own (its start, its exit) may be blocks too, and nothing else (at
      // load 30: the request's first stints, 134 and 63 ms, nearly all waiting for a CPU).
      const count = Number(
        /Blocks \(stints of 50\.0 ms or more, longest first\): (\d+)/.exec(result.stdout)?.[1],
      );
      const listed = [...result.stdout.matchAll(/^ +\d[\d.]* [mµ]?s {2}(.+?) {2,}at /gm)].map((m) => m[1]);
      assert.equal(listed.length, count, result.stdout);
      assert.ok(listed.includes('GET /callbacks'), result.stdout);
      assert.ok(
        listed.every((name) => name === 'GET /callbacks' || name === 'callbacks.js'),
        result.stdout,
      );
      assert.match(result.stdout, /\d[\d.]* ms {2}GET \/callbacks .*callbacks\.js:13:/);
    });

    it('says which requests were aborted: their connection closed before the response was out', async () => {
      const out = path.join(dir, 'clientGone.looplens');
      const recorded = await cli([
        'record',
        '--quiet',
        '--out',
        out,
        '--',
        process.execPath,
        path.join(PROGRAMS, 'clientGone.js'),
      ]);
      assert.equal(recorded.code, 0, recorded.stderr);
      const result = await cli(['summary', out]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /Tasks: \d+ \(2 request, [^)]*; 1 request aborted\)/);
      assert.match(
        result.stdout,
        /GET \/gone .*\(aborted: its connection closed before the response was out\)/,
      );
      assert.doesNotMatch(result.stdout, /GET \/kept .*aborted/);
    });

    it('prints the documented JSON shape with --json', async () => {
      const result = await cli(['summary', trace, '--json']);
      assert.equal(result.code, 0, result.stderr);
      const s = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.equal(s.formatVersion, 1);
      assert.match(s.runtime as string, /^node v\d+/);
      for (const key of ['pid', 'durationMs', 'busyMs', 'switches', 'dropped'])
        assert.equal(typeof s[key], 'number', key);
      const tasks = s.tasks as Array<Record<string, unknown>>;
      assert.ok(tasks.length >= 2);
      for (const t of tasks) {
        for (const key of ['id', 'kind', 'name']) assert.equal(typeof t[key], 'string', key);
        for (const key of ['startMs', 'runMs', 'waitMs', 'stints'])
          assert.equal(typeof t[key], 'number', key);
        assert.ok(t.parent === null || typeof t.parent === 'string');
        assert.ok(t.endMs === null || typeof t.endMs === 'number');
        assert.ok(
          ['request', 'background', 'timer', 'immediate', 'main', 'user', 'worker', 'other'].includes(
            t.kind as string,
          ),
        );
      }
      // The busy loop's block (and the request's and the script's other stints, when a loaded
      // machine stretched them).
      const blocks = s.blocks as Array<Record<string, unknown>>;
      assert.ok(
        blocks.some(
          (b) => b.taskName === 'GET /callbacks' && (b.location as { line: number } | null)?.line === 13,
        ),
        JSON.stringify(blocks),
      );
      assert.ok(
        blocks.every((b) => b.taskName === 'GET /callbacks' || b.taskName === 'callbacks.js'),
        JSON.stringify(blocks),
      );
      for (const block of blocks)
        assert.deepEqual(Object.keys(block.location as object).sort(), ['column', 'file', 'line']);
      const lag = s.lag as Record<string, number>;
      for (const key of ['p50Ms', 'p99Ms', 'maxMs']) assert.equal(typeof lag[key], 'number');
    });

    it('applies another block threshold with --block-ms', async () => {
      // The blocks of 1 s or more: none on a quiet machine; a loaded one may stretch the script's
      // start past it (1.09 s at load 30).
      const blocksOf = async (args: string[]) =>
        (JSON.parse((await cli(['summary', trace, '--json', ...args])).stdout) as { blocks: SummaryBlock[] })
          .blocks;
      const long = (await blocksOf([])).filter((b) => b.durationMs >= 1000);
      const result = await blocksOf(['--block-ms', '1000']);
      assert.deepEqual(
        result.map((b) => b.startMs),
        long.map((b) => b.startMs),
      );
    });

    it('names the lessons, at their lines, in text and in JSON', async () => {
      const program = path.join(PROGRAMS, 'awaits.js');
      const out = path.join(dir, 'awaits.looplens');
      const recorded = await cli(['record', '--out', out, '--', process.execPath, program]);
      assert.equal(recorded.code, 0, recorded.stderr);
      assert.match(recorded.stderr, /Lessons \(what the timeline says about the code\): 1/);
      const line =
        fs
          .readFileSync(program, 'utf8')
          .split('\n')
          .findIndex((l) => l.includes('independent: 1')) + 1;
      const json = JSON.parse((await cli(['summary', out, '--json'])).stdout) as {
        lessons: Array<{
          kind: string;
          location: { file: string; line: number };
          related: unknown[];
          atMs: number;
        }>;
      };
      assert.deepEqual(
        json.lessons.map((l) => [l.kind, l.location.file, l.location.line, l.related.length]),
        [['sequentialAwaits', program, line, 1]],
      );
      assert.ok(json.lessons[0].atMs >= 0);
      assert.match(
        (await cli(['summary', out])).stdout,
        /awaits\.js:\d+:\d+\n\s+2 awaits in independent wait one after another/,
      );
    });

    it('refuses a file that is not a trace with a clear message', async () => {
      const file = path.join(dir, 'not-a-trace.json');
      fs.writeFileSync(file, '{"traceEvents": []}');
      const result = await cli(['summary', file]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /not a Loop Lens trace/);
    });

    it('refuses a truncated trace, and reads what is there with --partial', async () => {
      // A recording cut while it wrote a chunk: the chunk's header and 20 of its 160 bytes.
      const cut = Buffer.alloc(28);
      cut.writeUInt32LE(0x4b434c4c, 0);
      cut.writeUInt32LE(160, 4);
      const file = path.join(dir, 'truncated.looplens');
      fs.writeFileSync(file, Buffer.concat([fs.readFileSync(trace), cut]));
      const refused = await cli(['summary', file]);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /did not finish writing; add --partial/);
      const partial = await cli(['summary', file, '--partial', '--json']);
      assert.equal(partial.code, 0);
      assert.match(partial.stderr, /warning/);
      assert.ok((JSON.parse(partial.stdout) as { tasks: unknown[] }).tasks.length > 0);

      // Damaged in the middle (junk after the first chunks): refused, and read up to the damage.
      const damaged = path.join(dir, 'damaged.looplens');
      fs.writeFileSync(
        damaged,
        Buffer.concat([fs.readFileSync(trace), Buffer.from('not a chunk at all......')]),
      );
      const broken = await cli(['summary', damaged]);
      assert.equal(broken.code, 2);
      assert.match(broken.stderr, /damaged there; add --partial to read what comes before it/);
      const before = await cli(['summary', damaged, '--partial', '--json']);
      assert.equal(before.code, 0, before.stderr);
      assert.match(before.stderr, /warning: bad chunk marker/);
      assert.ok((JSON.parse(before.stdout) as { tasks: unknown[] }).tasks.length > 0);
    });

    it('refuses a FIFO and /dev/zero at once instead of waiting or reading forever', async () => {
      const fifo = path.join(dir, 'trace.fifo');
      execFileSync('mkfifo', [fifo]);
      for (const file of [fifo, '/dev/zero']) {
        const result = await cli(['summary', file]);
        assert.equal(result.code, 2);
        assert.match(result.stderr, /is not a regular file/);
      }
      // Nor is a source a trace points at read when it is not a regular file.
      assert.equal(diskFiles.read(fifo), null);
      assert.equal(diskFiles.read('/dev/zero'), null);
    });

    it('says a missing file is missing', async () => {
      const result = await cli(['summary', path.join(dir, 'nope.looplens')]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /no such file/);
    });

    it('rejects an unknown option and a bad value', async () => {
      const unknown = await cli(['summary', trace, '--jsno']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown option --jsno/);
      const bad = await cli(['summary', trace, '--block-ms', 'fast']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /--block-ms must be a number/);
    });
  });

  describe('check', () => {
    it('exits 1 and lists the blocks longer than the limit', async () => {
      const result = await cli(['check', trace, '--max-block-ms', '40']);
      assert.equal(result.code, 1);
      const count = Number(/^(\d+) blocks? longer than 40 ms/.exec(result.stdout)?.[1]);
      const listed = [...result.stdout.matchAll(/^ {2}([\d.]+) ms in (.*) at (\S+) /gm)];
      // The busy loop is listed; so is the script's start if a loaded machine stretched it.
      assert.equal(listed.length, count, result.stdout);
      assert.ok(
        listed.every((m) => Number(m[1]) > 40),
        result.stdout,
      );
      assert.ok(
        listed.some((m) => m[2] === 'GET /callbacks' && /callbacks\.js:13:/.test(m[3])),
        result.stdout,
      );
    });

    it('exits 0 when every block is within the limit', async () => {
      // (Above the longest block: on a quiet machine the 200 ms busy loop; a loaded one may stretch
      // the script's start past 1 s.)
      const { blocks } = JSON.parse((await cli(['summary', trace, '--json'])).stdout) as {
        blocks: SummaryBlock[];
      };
      const limit = Math.max(500, ...blocks.map((b) => Math.ceil(b.durationMs) + 1));
      const result = await cli(['check', trace, '--max-block-ms', String(limit)]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^ok/);
    });

    it('reports a warm-up block nobody can be blamed for without failing, unless --strict', async () => {
      // A request served in 20 ms, after 180 ms of code the tracer could not attribute and has no
      // line for (the runtime warming up before the first request).
      const w = new ChunkWriter(64);
      ['app.js', 'GET /a', '/srv/app.js'].forEach((text, i) => w.string(i + 1, utf8Of(text)));
      w.task(0, 1, TaskKind.Main, 0, 1, TaskFlags.None, 3, 1, 1);
      w.run(0, 1, Reason.Start);
      w.idle(5);
      w.run(100, 0, Reason.Unknown);
      w.idle(280);
      w.task(300, 2, TaskKind.Request, 0, 2, TaskFlags.None, 3, 9, 1);
      w.run(300, 2, Reason.Request);
      w.idle(320);
      w.end(330, 1, 0);
      const warm = path.join(dir, 'warm-up.looplens');
      fs.writeFileSync(warm, handWrittenTrace(w));
      const lenient = await cli(['check', warm, '--max-block-ms', '100']);
      assert.equal(lenient.code, 0, lenient.stdout);
      assert.match(lenient.stdout, /^ok: no block longer than 100 ms/);
      assert.match(
        lenient.stdout,
        /not counted: 1 block \(longest 180\.0 ms, 100\.0 ms into the trace\)[^\n]*--strict/,
      );
      const strict = await cli(['check', warm, '--max-block-ms', '100', '--strict']);
      assert.equal(strict.code, 1, strict.stdout);
      assert.match(strict.stdout, /^1 block longer than 100 ms/);
      assert.match(strict.stdout, /180\.0 ms in \(untracked code\) at location unknown/);
      // A block with a line counts whatever: the request's own 20 ms, over a 10 ms limit.
      const tight = await cli(['check', warm, '--max-block-ms', '10']);
      assert.equal(tight.code, 1);
      assert.match(tight.stdout, /20\.0 ms in GET \/a at \/srv\/app\.js:9:1/);
      assert.match(tight.stdout, /not counted: 1 block/);
    });

    it('needs a limit', async () => {
      const result = await cli(['check', trace]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /needs --max-block-ms/);
    });
  });

  describe('export', () => {
    it('knows the formats the editor knows: copies the trace as json, sends pictures to the editor', async () => {
      const copy = path.join(dir, 'copy.looplens');
      const copied = await cli(['export', trace, '--format', 'json', '--out', copy]);
      assert.equal(copied.code, 0, copied.stderr);
      assert.ok(fs.readFileSync(copy).equals(fs.readFileSync(trace)), 'the trace as it is');
      for (const picture of ['png', 'svg']) {
        const result = await cli([
          'export',
          trace,
          '--format',
          picture,
          '--out',
          path.join(dir, `x.${picture}`),
        ]);
        assert.equal(result.code, 2);
        assert.match(
          result.stderr,
          /a picture of the timeline panel: open the trace in VS Code and use "Loop Lens: Export Snapshot"/,
        );
        assert.match(result.stderr, /here: html, json, chrome/);
        assert.equal(fs.existsSync(path.join(dir, `x.${picture}`)), false);
      }
      const unknown = await cli(['export', trace, '--format', 'pdf', '--out', path.join(dir, 'x.pdf')]);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /unknown export format "pdf" \(known: html, json, chrome\)/);
      // Never renamed over what is not a regular file (a folder here; a device alike).
      const folder = path.join(dir, 'a-folder');
      fs.mkdirSync(folder, { recursive: true });
      const onFolder = await cli(['export', trace, '--format', 'json', '--out', folder]);
      assert.equal(onFolder.code, 2);
      assert.match(onFolder.stderr, /it is not a regular file/);
      assert.ok(fs.statSync(folder).isDirectory());
    });

    it('writes Chrome Trace Event Format that keeps its rules', async () => {
      const out = path.join(dir, 'chrome.json');
      const result = await cli(['export', trace, '--format', 'chrome', '--out', out]);
      assert.equal(result.code, 0, result.stderr);
      const json = JSON.parse(fs.readFileSync(out, 'utf8')) as {
        traceEvents: Array<Record<string, unknown>>;
      };
      const events = json.traceEvents;
      assert.ok(
        events.some((e) => e.ph === 'X' && e.name === 'GET /callbacks'),
        'stints of the request',
      );
      assert.ok(
        events.some((e) => e.cat === 'block'),
        'the block is marked',
      );
      assert.ok(
        events.some((e) => e.ph === 'C'),
        'lag counter',
      );
      const open = new Map<string, number>();
      for (const e of events) {
        if (e.ph === 'b') open.set(String(e.id), (open.get(String(e.id)) ?? 0) + 1);
        if (e.ph === 'e') open.set(String(e.id), (open.get(String(e.id)) ?? 0) - 1);
      }
      assert.ok(
        [...open.values()].every((n) => n === 0),
        'async begin and end events are balanced',
      );
    });

    it('writes an HTML snapshot: one page with the viewer and the very trace inside', async () => {
      const out = path.join(dir, 'snapshot.html');
      const result = await cli(['export', trace, '--format', 'html', '--out', out]);
      assert.equal(result.code, 0, result.stderr);
      const html = fs.readFileSync(out, 'utf8');
      const carried =
        /<script type="application\/octet-stream"[^>]* id="looplens-trace">([^<]*)<\/script>/.exec(html);
      assert.ok(carried, 'the trace is in the page');
      assert.deepEqual(Buffer.from(carried[1], 'base64'), fs.readFileSync(trace));
      assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
      assert.doesNotMatch(
        html,
        /<script[^>]+src=|<link[^>]+href=|sourceMappingURL/,
        'nothing is loaded from elsewhere',
      );
    });

    it('names the formats it knows', async () => {
      const result = await cli(['export', trace, '--format', 'webp', '--out', path.join(dir, 'x.webp')]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /unknown export format "webp" \(known: html, json, chrome\)/);
    });
  });

  it('never prints the control characters a trace holds in names, paths or runtime', async () => {
    const file = path.join(dir, 'escapes.looplens');
    fs.writeFileSync(file, traceWithEscapes());
    // eslint-disable-next-line no-control-regex -- finding control characters is the point
    const controls = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
    for (const args of [
      ['summary', file],
      ['summary', file, '--json'],
      ['check', file, '--max-block-ms', '10'],
    ]) {
      const result = await cli(args);
      assert.ok(result.code === 0 || (args[0] === 'check' && result.code === 1), result.stderr);
      assert.ok(
        !controls.test(result.stdout),
        `${args.join(' ')}: no control character in ${JSON.stringify(result.stdout)}`,
      );
      assert.match(result.stdout, /task \\u001b\]0;pwned\\u0007/, `${args.join(' ')}: the name, escaped`);
    }
    const json = await cli(['summary', file, '--json']);
    const parsed = JSON.parse(json.stdout) as { tasks: Array<{ name: string }> };
    assert.ok(
      parsed.tasks.some((t) => t.name.startsWith('task \u001b]0;pwned')),
      'the JSON still parses to the very name',
    );
  });

  it('applies the trace file rules the editor applies too (host/traceFile.ts)', () => {
    assert.equal(refusal({ isFile: true, isFolder: false, size: 10 }), null);
    assert.match(refusal({ isFile: false, isFolder: true, size: 0 })!, /is a folder/);
    assert.match(refusal({ isFile: false, isFolder: false, size: 0 })!, /not a regular file/);
    assert.match(refusal({ isFile: true, isFolder: false, size: MAX_TRACE_BYTES + 1 })!, /are not read/);
    const whole = fs.readFileSync(trace);
    assert.equal(readTraceBytes(whole, { partial: false }).note, null);
    const cut = readTraceBytes(whole.subarray(0, whole.length - 5), { partial: true });
    assert.match(cut.note!, /did not finish; showing what it holds/);
    assert.ok(cut.timeline.tasks.length > 1);
    const damaged = Buffer.concat([whole, Buffer.from('garbage garbage garbage!')]);
    assert.match(
      readTraceBytes(damaged, { partial: true }).note!,
      /damaged there; showing what comes before it/,
    );
  });

  it('prints help, and a clear error for an unknown command', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Usage: looplens <command>/);
    const unknown = await cli(['recrod']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "recrod"/);
  });
});

describe('the bench scripts', () => {
  it('say how to run them on --help and -h, and start no run', async () => {
    const tsx = path.join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const bench = path.join(__dirname, '..', 'bench');
    for (const [script, flag, says] of [
      ['truth.ts', '--help', '--programs N'],
      ['instructions.ts', '-h', 'callgrind'],
      ['tracer.ts', '--help', 'bench:tracer'],
    ]) {
      const result = await run(process.execPath, [tsx, path.join(bench, script), flag], { env: plainEnv() });
      assert.equal(result.code, 0, `${script} ${flag}: ${result.stderr}`);
      assert.ok(result.stdout.includes(says), `${script} ${flag} says how to run it: ${result.stdout}`);
      // Its head comment and nothing else: every line printed is a line of the script's text.
      const text = fs.readFileSync(path.join(bench, script), 'utf8');
      const strange = result.stdout.split('\n').filter((line) => line.trim() !== '' && !text.includes(line));
      assert.deepEqual(strange, [], `${script} ${flag} printed only its head comment`);
    }
  });
});
