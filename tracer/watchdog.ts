/**
 * The main thread's side of the block sampler (see watchdogWorker.ts): starts the watchdog thread,
 * shares the heartbeat with it and turns its reports into BLOCK_SAMPLE records.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { ChunkWriter } from '../protocol/chunkWriter';
import { enabled, recentStint, recorder, setHeartbeat } from './engine';
import { mapLocation } from './locations';
import { original } from './sources';
import type { BlockReport, WatchdogData } from './watchdogWorker';

const WATCHDOG_FILE = 'tracerWatchdog.js';
/** The watchdog needs little memory: a profile of a few seconds at most. */
const WATCHDOG_HEAP_MB = 32;

let worker: Worker | null = null;

export function startWatchdog(blockMs: number, flushMs: number, onProblem: (message: string) => void): void {
  const shared = new SharedArrayBuffer(8);
  setHeartbeat(new Int32Array(shared));
  const tracerFile = path.join(__dirname, 'tracer.js');
  const data: WatchdogData = {
    heartbeat: shared,
    blockMs,
    flushMs,
    ownUrls: [tracerFile, pathToFileURL(tracerFile).href],
  };
  const w = new original.Worker(path.join(__dirname, WATCHDOG_FILE), {
    workerData: data,
    // The tracer's preload must not load again inside its own thread.
    execArgv: [],
    env: {},
    stdout: true,
    stderr: true,
    resourceLimits: { maxOldGenerationSizeMb: WATCHDOG_HEAP_MB },
  });
  w.on('message', (report: BlockReport) => {
    try {
      writeReport(report);
    } catch (error) {
      onProblem(`block report failed: ${(error as Error).message}`);
    }
  });
  w.on('error', (error) => onProblem(`watchdog failed: ${error.message}`));
  // Last: a 'message' listener refs the worker's port again, and the watchdog must never keep the
  // program alive.
  w.unref();
  worker = w;
}

export function stopWatchdog(): void {
  if (worker !== null) void worker.terminate();
  worker = null;
}

function writeReport(report: BlockReport): void {
  if (!enabled || report.frames.length === 0) return;
  const stint = recentStint(report.seq);
  if (stint === null) return;
  const frames = report.frames.map((frame) => {
    const where = mapLocation(frame.url, frame.line, frame.column + 1);
    return {
      name: recorder.intern(frame.name),
      file: recorder.intern(where.file),
      line: where.line,
      column: where.column,
      samples: frame.samples,
    };
  });
  const w = recorder.room(ChunkWriter.blockSampleUnits(frames.length));
  if (w === null) return;
  w.blockSample(stint.start, stint.task, report.sampledMs, report.samples, frames);
}
