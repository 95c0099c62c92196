/** BLOCK_SAMPLE records: what was seen of a block, from the watchdog or from a timed call. */
import { ChunkWriter } from '../protocol/chunkWriter';
import { recorder } from './engine';
import { mapLocation } from './locations';

/** Writes what was seen of a block: frames with their weight in microseconds. */
export function writeBlockSample(
  time: number,
  task: number,
  observedMs: number,
  observations: number,
  frames: ReadonlyArray<{ name: string; file: string; line: number; column: number; weightUs: number }>,
  /** How much of `observedMs` the thread was on the CPU, ms (negative: not known). */
  cpuMs = -1,
): void {
  const encoded = frames.map((frame) => {
    const where = mapLocation(frame.file, frame.line, frame.column);
    return {
      name: recorder.intern(frame.name),
      file: recorder.intern(where.file),
      line: where.line,
      column: where.column,
      weightUs: frame.weightUs,
    };
  });
  const w = recorder.room(ChunkWriter.blockSampleUnits(encoded.length));
  if (w === null) return;
  w.blockSample(time, task, observedMs, observations, encoded, cpuMs);
}
