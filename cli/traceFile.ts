/** Reading trace files from disk for the command line: size cap, clear errors, source maps. */
import * as fs from 'node:fs';
import { TraceFormatError } from '../protocol/reader';
import { LoadResult, loadTrace } from '../model/load';
import { SourceMapper, mapTimelineLocations } from '../model/sourceMaps';
import { diskFiles } from '../host/diskFiles';

/** Trace files larger than this are refused before reading (about 60 M events). */
export const MAX_TRACE_BYTES = 1024 * 1024 * 1024;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

export interface ReadOptions {
  partial?: boolean;
  blockMs?: number;
}

export function readTraceFile(file: string, options: ReadOptions = {}): LoadResult {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new CliError(`cannot read ${file}: no such file`);
  }
  if (stat.isDirectory()) throw new CliError(`${file} is a folder, not a trace file`);
  // A FIFO would wait for a writer and /dev/zero never ends: only regular files are traces.
  if (!stat.isFile()) throw new CliError(`${file} is not a regular file, so not a trace file`);
  if (stat.size > MAX_TRACE_BYTES) {
    throw new CliError(
      `${file} is ${(stat.size / 2 ** 20).toFixed(0)} MiB; traces over ${MAX_TRACE_BYTES / 2 ** 20} MiB are not read`,
    );
  }
  const bytes = fs.readFileSync(file);
  let result: LoadResult;
  try {
    result = loadTrace(bytes, options);
  } catch (error) {
    if (error instanceof TraceFormatError) {
      const hint =
        error.code === 'truncated'
          ? ' — the recording did not finish writing; add --partial to read what is there'
          : error.code === 'corrupt'
            ? ' — the file is damaged there; add --partial to read what comes before it'
            : '';
      throw new CliError(`${file}: ${error.message}${hint}`);
    }
    throw error;
  }
  mapTimelineLocations(result.timeline, new SourceMapper(diskFiles));
  return result;
}
