/**
 * Trace files, as the command line and the editor both read them: which files are refused before
 * a byte is read (only regular files, up to MAX_TRACE_BYTES), and how a trace that stops in the
 * middle or is damaged there is read up to the break. Reading is linear in the file's size (about
 * 11 s and 2.4 GiB for the largest, see README "Limits").
 */
import { LoadResult, loadTrace, loadTraceSteps } from '../model/load';

/** Trace files larger than this are refused before reading (about 60 M events). */
export const MAX_TRACE_BYTES = 1024 * 1024 * 1024;

/** What the file system says about a file, from node:fs or from VS Code's workspace.fs. */
export interface FileFacts {
  isFile: boolean;
  isFolder: boolean;
  size: number;
}

/**
 * Why a file is not read as a trace ("is a folder, not a trace file"), to follow its name; null
 * when it may be read. A FIFO would wait for a writer and /dev/zero never ends.
 */
export function refusal(facts: FileFacts): string | null {
  if (facts.isFolder) return 'is a folder, not a trace file';
  if (!facts.isFile) return 'is not a regular file, so not a trace file';
  if (facts.size > MAX_TRACE_BYTES) {
    const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
    return `is ${mib(facts.size)} MiB; traces over ${mib(MAX_TRACE_BYTES)} MiB are not read`;
  }
  return null;
}

export interface TraceFileResult extends LoadResult {
  /** When only the part before a break was read: what happened, for the reader of the trace. */
  note: string | null;
}

/**
 * Reads the bytes of a trace file. Throws TraceFormatError for bytes that are not a usable trace;
 * with `partial`, a trace cut short or damaged after its header is read up to the break.
 */
export function readTraceBytes(
  bytes: Uint8Array,
  options: { partial: boolean; blockMs?: number },
): TraceFileResult {
  return withNote(loadTrace(bytes, options));
}

/**
 * readTraceBytes a slice at a time (see loadTraceSteps): yields the share read so far (0..1), for
 * a reader that shows progress and may stop.
 */
export function* readTraceSteps(
  bytes: Uint8Array,
  options: { partial: boolean; blockMs?: number },
  sliceBytes?: number,
): Generator<number, TraceFileResult, void> {
  return withNote(yield* loadTraceSteps(bytes, options, sliceBytes));
}

function withNote(result: LoadResult): TraceFileResult {
  const cut = result.truncated;
  const note =
    cut === null
      ? null
      : cut.code === 'truncated'
        ? `${cut.message}: the recording did not finish; showing what it holds`
        : `${cut.message}: the file is damaged there; showing what comes before it`;
  return { ...result, note };
}
