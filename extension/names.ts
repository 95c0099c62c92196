/**
 * What traced sessions and their timelines are called. Pure (no `vscode`): tests hold it as it is.
 */
import * as path from 'node:path';

/** A launch configuration that runs one JavaScript or TypeScript file under the debugger. */
export interface FileLaunch {
  type: 'node';
  request: 'launch';
  name: string;
  program: string;
  cwd: string;
  runtimeArgs?: string[];
}

/** Whether a file is one Loop Lens can run and trace by itself (JavaScript or TypeScript). */
export function runnableFile(file: string): boolean {
  return /\.(c|m)?[jt]sx?$/.test(file);
}

/**
 * The launch that traces `file` (run in `cwd`): named after the file alone, as its timeline's
 * title says "Loop Lens" already ("Loop Lens: app.js", not "Loop Lens: Loop Lens: app.js").
 */
export function fileLaunch(file: string, cwd: string): FileLaunch {
  const launch: FileLaunch = {
    type: 'node',
    request: 'launch',
    name: path.basename(file),
    program: file,
    cwd,
  };
  // TypeScript runs through tsx (registered with --import), which also enables source maps.
  if (/\.(c|m)?tsx?$/.test(file)) launch.runtimeArgs = ['--import', 'tsx'];
  return launch;
}

/**
 * A timeline's tab title: "Loop Lens: " and the session's name, unless the name says Loop Lens
 * already (the kitchen's launch is "Kitchen (traced by Loop Lens)").
 */
export function timelineTitle(name: string): string {
  return /loop ?lens/i.test(name) ? name : `Loop Lens: ${name}`;
}
