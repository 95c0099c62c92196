/**
 * The golden traces: small traces written record by record, byte for byte the same every time,
 * saved in test/fixtures/golden/ (`npm run golden:update` writes them again). They pin the trace
 * format: a change to the writer or the format shows as a changed file in review, and a second
 * writer (a tracer for another runtime) can be checked against them — same scenario, same model.
 *
 * Each golden trace comes with what a reader must make of it (`expect`), checked by
 * test/golden.test.ts on the saved file, not on the freshly written bytes.
 */
import { ChunkWriter, utf8Of } from '../../protocol/chunkWriter';
import {
  EndCause,
  FORMAT_VERSION,
  Reason,
  TaskEnd,
  TaskFlags,
  TaskKind,
  TraceMeta,
} from '../../protocol/format';
import { encodeHeader } from '../../protocol/header';

export interface Golden {
  name: string;
  /** What the trace is, in a sentence. */
  about: string;
  bytes(): Uint8Array;
}

const META: TraceMeta = {
  formatVersion: FORMAT_VERSION,
  runtime: 'golden v1',
  pid: 4242,
  script: 'server.js',
  cwd: '/srv',
  startTime: 1000,
  clockOriginEpochMs: 1_767_225_600_000,
  blockMs: 50,
  mode: 'fast',
  tracer: 'golden 1.0.0',
};

function trace(write: (w: ChunkWriter, s: (text: string) => number) => void): Uint8Array {
  const w = new ChunkWriter(256);
  const ids = new Map<string, number>();
  const s = (text: string): number => {
    let id = ids.get(text);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(text, id);
      w.string(id, utf8Of(text));
    }
    return id;
  };
  write(w, s);
  const header = encodeHeader(META);
  const chunk = w.bytes();
  const out = new Uint8Array(header.length + chunk.length);
  out.set(header, 0);
  out.set(chunk, header.length);
  return out;
}

export const GOLDEN: Golden[] = [
  {
    name: 'server',
    about:
      'a server script; two requests that overlap (one awaits a query, one blocks 120 ms at a line the sampler saw); lag; the end',
    bytes: () =>
      trace((w, s) => {
        const file = s('/srv/server.js');
        w.task(1000, 1, TaskKind.Main, 0, s('server.js'), TaskFlags.None, file, 1, 1);
        w.run(1000, 1, Reason.Start);
        w.idle(1010);
        w.task(1100, 2, TaskKind.Request, 0, s('GET /orders'), TaskFlags.None, file, 20, 3);
        w.run(1100, 2, Reason.Request);
        w.awaitAt(1102, 2, [{ name: s('listOrders'), file, line: 22, column: 5 }]);
        w.idle(1104);
        w.task(1105, 3, TaskKind.Request, 0, s('GET /report'), TaskFlags.None, file, 30, 3);
        w.run(1105, 3, Reason.Request);
        w.ready(1110, 2);
        w.idle(1225);
        w.blockSample(
          1105,
          3,
          110,
          11,
          [
            { name: s('buildReport'), file, line: 34, column: 7, weightUs: 100_000 },
            {
              name: s('render'),
              file: s('/srv/node_modules/tpl/index.js'),
              line: 9,
              column: 2,
              weightUs: 10_000,
            },
          ],
          104.5,
        );
        w.run(1225, 2, Reason.Io);
        w.taskEnd(1230, 2, TaskEnd.Finished);
        w.idle(1230);
        w.taskEnd(1225, 3, TaskEnd.Finished);
        w.lag(1250, 800, 118_000, 120_000, 3);
        w.end(1300, EndCause.Exit, 0);
      }),
  },
  {
    name: 'every-record',
    about:
      'one record of every type: a task renamed and moved (TASK_INFO), one folded into its parent (FOLD), a loss (DROPPED), untracked code, an end by signal',
    bytes: () =>
      trace((w, s) => {
        const file = s('/srv/jobs.js');
        w.task(1000, 1, TaskKind.Main, 0, s('jobs.js'), TaskFlags.None, file, 1, 1);
        w.run(1000, 1, Reason.Start);
        w.task(1001, 2, TaskKind.Other, 1, 0, TaskFlags.Detached | TaskFlags.Provisional, 0, 0, 0);
        w.task(1001, 3, TaskKind.Other, 1, s('helper'), TaskFlags.Detached, file, 12, 3);
        w.task(1002, 4, TaskKind.User, 1, s('nightly'), TaskFlags.None, file, 40, 1);
        w.idle(1003);
        w.taskInfo(1004, 2, s('sendEmail'), file, 8, 5);
        w.taskInfo(1004, 3, 0, 0, 0, 0, 4);
        w.fold(1005, 3, 4);
        w.run(1010, 2, Reason.Promise);
        w.idle(1012);
        w.run(1020, 0, Reason.Unknown);
        w.idle(1021);
        w.dropped(1030, 17, 1040);
        w.run(1040, 4, Reason.Scope);
        w.awaitAt(1041, 4, [{ name: s('nightly'), file, line: 44, column: 9 }]);
        w.idle(1042);
        w.task(1050, 5, TaskKind.Timer, 1, s('tick'), TaskFlags.None, file, 60, 1);
        w.run(1050, 5, Reason.Timer);
        w.idle(1051);
        w.task(
          1060,
          6,
          TaskKind.Immediate,
          1,
          s('soon'),
          TaskFlags.Internal,
          s('node:internal/timers'),
          1,
          1,
        );
        w.run(1060, 6, Reason.Immediate);
        w.idle(1061);
        w.task(1070, 7, TaskKind.Worker, 1, s('worker.js'), TaskFlags.None, file, 70, 1);
        w.run(1070, 7, Reason.Message);
        w.idle(1071);
        w.lag(1100, 100, 900, 1000, 10);
        w.end(1110, EndCause.Signal, 15);
      }),
  },
];
