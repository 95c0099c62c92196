/** Reading trace files from disk for the command line: size cap, clear errors, source maps. */
import * as fs from 'node:fs';
import { TraceFormatError } from '../protocol/reader';
import { LoadResult } from '../model/load';
import { readTraceBytes, refusal } from '../host/traceFile';
import { SourceMapper, mapTimelineLocations } from '../model/sourceMaps';
import { diskFiles } from '../host/diskFiles';

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
  const refused = refusal({ isFile: stat.isFile(), isFolder: stat.isDirectory(), size: stat.size });
  if (refused !== null) throw new CliError(`${file} ${refused}`);
  const bytes = fs.readFileSync(file);
  let result: LoadResult;
  try {
    result = readTraceBytes(bytes, { partial: options.partial ?? false, blockMs: options.blockMs });
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
