/**
 * Maps positions in generated JavaScript back to the sources it was compiled from (TypeScript, a
 * bundle), using the source map the file names in its `//# sourceMappingURL=` comment. The tracer
 * maps what Node's own source-map cache knows while the program runs; this covers the rest (a
 * program compiled by tsc and run without --enable-source-maps) when the trace is read.
 *
 * Pure: file access comes from the caller, so this runs in the command line, the extension host
 * and tests alike. Spec: https://tc39.es/ecma426/
 */
import { SourceLocation } from '../protocol/reader';

export interface SourceFiles {
  /** The text of a file, or null if it cannot be read (or is too large to be worth it). */
  read(path: string): string | null;
  /** `relative` resolved against the directory of `from` (a file path). */
  resolve(from: string, relative: string): string;
}

interface Segment {
  column: number;
  source: number;
  line: number;
  sourceColumn: number;
}

interface ParsedMap {
  sources: string[];
  lines: Segment[][];
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BASE64_VALUE = new Map([...BASE64].map((c, i) => [c, i]));
const URL_COMMENT = /\/\/[#@]\s*sourceMappingURL=(\S+)\s*$/;

/** Decodes the `mappings` field into segments per generated line. Exported for tests. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let line: Segment[] = [];
  let column = 0;
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let i = 0;
  const values: number[] = [];
  const readValue = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const digit = BASE64_VALUE.get(mappings[i++]);
      if (digit === undefined) throw new Error('bad VLQ digit');
      result += (digit & 31) << shift;
      if ((digit & 32) === 0) break;
      shift += 5;
      if (shift > 30) throw new Error('VLQ too long');
    }
    return result & 1 ? -(result >>> 1) : result >>> 1;
  };
  while (i <= mappings.length) {
    const c = mappings[i];
    if (c === ';' || c === undefined) {
      lines.push(line);
      line = [];
      column = 0;
      i++;
      if (c === undefined) break;
      continue;
    }
    if (c === ',') {
      i++;
      continue;
    }
    values.length = 0;
    while (i < mappings.length && mappings[i] !== ',' && mappings[i] !== ';') values.push(readValue());
    column += values[0] ?? 0;
    if (values.length >= 4) {
      source += values[1];
      sourceLine += values[2];
      sourceColumn += values[3];
      line.push({ column, source, line: sourceLine, sourceColumn });
    }
  }
  for (const l of lines) l.sort((a, b) => a.column - b.column);
  return lines;
}

function decodeDataUrl(url: string): string | null {
  const match = /^data:application\/json[^,]*?(;base64)?,(.*)$/.exec(url);
  if (match === null) return null;
  try {
    if (match[1] === undefined) return decodeURIComponent(match[2]);
    const binary = atob(match[2]);
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return new TextDecoder().decode(bytes);
  } catch {
    return null;
  }
}

export class SourceMapper {
  private readonly maps = new Map<string, ParsedMap | null>();

  constructor(private readonly files: SourceFiles) {}

  /** The source position of a generated position, or the position itself when there is no map. */
  map(location: SourceLocation): SourceLocation {
    if (location.line <= 0 || !/\.(c|m)?js$/.test(location.file)) return location;
    const parsed = this.load(location.file);
    if (parsed === null) return location;
    const segments = parsed.lines[location.line - 1];
    if (segments === undefined || segments.length === 0) return location;
    const column = Math.max(0, location.column - 1);
    let found: Segment | null = null;
    for (const segment of segments) {
      if (segment.column > column) break;
      found = segment;
    }
    if (found === null) found = segments[0];
    const source = parsed.sources[found.source];
    if (source === undefined) return location;
    return { file: source, line: found.line + 1, column: found.sourceColumn + 1 };
  }

  private load(file: string): ParsedMap | null {
    const known = this.maps.get(file);
    if (known !== undefined) return known;
    let parsed: ParsedMap | null = null;
    try {
      parsed = this.parse(file);
    } catch {
      parsed = null;
    }
    this.maps.set(file, parsed);
    return parsed;
  }

  private parse(file: string): ParsedMap | null {
    const code = this.files.read(file);
    if (code === null) return null;
    const tail = code.slice(-4096).trimEnd();
    const match = URL_COMMENT.exec(tail);
    if (match === null) return null;
    const url = match[1];
    let text: string | null;
    let mapFile = file;
    if (url.startsWith('data:')) {
      text = decodeDataUrl(url);
    } else {
      mapFile = this.files.resolve(file, decodeURIComponent(url));
      text = this.files.read(mapFile);
    }
    if (text === null) return null;
    const raw = JSON.parse(text) as { sources?: unknown; sourceRoot?: unknown; mappings?: unknown };
    if (!Array.isArray(raw.sources) || typeof raw.mappings !== 'string') return null;
    const root =
      typeof raw.sourceRoot === 'string' && raw.sourceRoot !== '' ? raw.sourceRoot.replace(/\/?$/, '/') : '';
    const sources = raw.sources.map((s) => {
      const name = typeof s === 'string' ? s : '';
      const withRoot = root + name;
      if (withRoot.startsWith('file://')) return decodeURIComponent(new URL(withRoot).pathname);
      return this.files.resolve(mapFile, withRoot);
    });
    return { sources, lines: decodeMappings(raw.mappings) };
  }
}

/** Maps every location in a timeline (task creation sites, sampled block frames, awaits) through `mapper`. */
export function mapTimelineLocations(
  timeline: {
    tasks: Array<{ location: SourceLocation | null }>;
    blocks: Array<{ frames: Array<{ location: SourceLocation | null }> }>;
    awaits?: Array<{ frames: Array<{ location: SourceLocation }> }>;
  },
  mapper: SourceMapper,
): void {
  for (const task of timeline.tasks) if (task.location !== null) task.location = mapper.map(task.location);
  for (const a of timeline.awaits ?? [])
    for (const frame of a.frames) frame.location = mapper.map(frame.location);
  for (const block of timeline.blocks) {
    for (const frame of block.frames)
      if (frame.location !== null) frame.location = mapper.map(frame.location);
  }
}
