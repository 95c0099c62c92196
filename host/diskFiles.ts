/** Source files and their maps, read from disk, for model/sourceMaps.ts (command line and extension host). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SourceFiles } from '../model/sourceMaps';

/** Source files and maps larger than this are not read for mapping. */
const MAX_SOURCE_BYTES = 32 * 1024 * 1024;

export const diskFiles: SourceFiles = {
  read(file: string): string | null {
    try {
      if (!path.isAbsolute(file)) return null;
      const stat = fs.statSync(file);
      // Only a regular file: a FIFO would wait for a writer, /dev/zero never ends.
      if (!stat.isFile() || stat.size > MAX_SOURCE_BYTES) return null;
      return fs.readFileSync(file, 'utf8');
    } catch {
      return null;
    }
  },
  resolve(from: string, relative: string): string {
    return path.resolve(path.dirname(from), relative);
  },
};
