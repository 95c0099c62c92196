/**
 * Chrome Trace Event Format (the JSON that Perfetto and chrome://tracing open), written piece by
 * piece so a trace of millions of stints never becomes one giant string.
 *
 * Layout: one process (the traced program). Thread 1, "event loop (chef)", holds every stint as a
 * complete ("X") event named after its task, and every block as a complete event nested in it.
 * Each task is an async track ("b"/"e" nestable events with the task's id) spanning its life, with
 * its stints as nested "running" slices. Event-loop lag is a counter ("C"). Timestamps are
 * microseconds from the start of the trace.
 * Spec: https://docs.google.com/document/d/1CvAClvFfyA5R-PhYUmn5OOQtYMH4h6I0nSsKchNAySU
 */
import { blockLocation } from './summary';
import { Timeline } from './timeline';

const LOOP_TID = 1;

function us(ms: number): number {
  return Math.round(ms * 1000 * 1000) / 1000;
}

export function* chromeTraceChunks(timeline: Timeline): Generator<string> {
  const t0 = timeline.startTime;
  const pid = timeline.meta?.pid ?? 1;
  const script = timeline.meta?.script ?? 'program';
  let first = true;
  const event = (e: object): string => {
    const text = (first ? '' : ',\n') + JSON.stringify(e);
    first = false;
    return text;
  };

  yield (
    '{"displayTimeUnit":"ms","otherData":' +
    JSON.stringify({
      source: 'Loop Lens',
      runtime: timeline.meta?.runtime ?? 'unknown',
      blockMs: timeline.blockMs,
    }) +
    ',"traceEvents":[\n'
  );
  yield event({
    ph: 'M',
    pid,
    tid: LOOP_TID,
    name: 'process_name',
    args: { name: `${script} (pid ${pid})` },
  });
  yield event({ ph: 'M', pid, tid: LOOP_TID, name: 'thread_name', args: { name: 'event loop (chef)' } });

  const s = timeline.stints;
  const blockByStint = new Map(timeline.blocks.map((b) => [b.stint, b]));
  let batch = '';
  for (let i = 0; i < s.length; i++) {
    const task = timeline.tasks[s.task[i]];
    const start = s.start[i];
    const dur = us(timeline.stintEnd(i) - start);
    batch += event({
      ph: 'X',
      pid,
      tid: LOOP_TID,
      ts: us(start - t0),
      dur,
      name: task.name,
      cat: task.kind,
      args: { task: task.id },
    });
    const block = blockByStint.get(i);
    if (block !== undefined) {
      const where = blockLocation(timeline, block);
      batch += event({
        ph: 'X',
        pid,
        tid: LOOP_TID,
        ts: us(start - t0),
        dur,
        name: `BLOCK ${block.durationMs.toFixed(1)} ms`,
        cat: 'block',
        args: {
          task: task.id,
          location: where === null ? null : `${where.file}:${where.line}:${where.column}`,
        },
      });
    }
    if (batch.length > 64 * 1024) {
      yield batch;
      batch = '';
    }
  }
  if (batch !== '') yield batch;

  for (const task of timeline.tasks) {
    if (task.stints.length === 0) continue;
    const id = `task-${task.id}`;
    const begin = Math.min(task.createdAt, s.start[task.stints[0]]);
    const end = Math.max(
      timeline.taskEndTime(task) ?? begin,
      timeline.stintEnd(task.stints[task.stints.length - 1]),
    );
    const cat = `task,${task.kind}`;
    let text = event({
      ph: 'b',
      pid,
      tid: LOOP_TID,
      ts: us(begin - t0),
      id,
      cat,
      name: task.name,
      args: { kind: task.kind, location: task.location },
    });
    for (const stint of task.stints) {
      text += event({ ph: 'b', pid, tid: LOOP_TID, ts: us(s.start[stint] - t0), id, cat, name: 'running' });
      text += event({
        ph: 'e',
        pid,
        tid: LOOP_TID,
        ts: us(timeline.stintEnd(stint) - t0),
        id,
        cat,
        name: 'running',
      });
    }
    text += event({ ph: 'e', pid, tid: LOOP_TID, ts: us(end - t0), id, cat, name: task.name });
    yield text;
  }

  let lag = '';
  for (const point of timeline.lagPoints) {
    lag += event({
      ph: 'C',
      pid,
      tid: LOOP_TID,
      ts: us(point.time - t0),
      name: 'event-loop lag (ms)',
      args: { p99: point.p99Ms, max: point.maxMs },
    });
  }
  yield lag;
  yield '\n]}\n';
}
