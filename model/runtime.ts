/**
 * What the model knows of the runtime a trace came from, in one place: which files are not the
 * program's own (libraries, the runtime's modules) and which synchronous calls block the loop and
 * have an asynchronous twin. The trace format is runtime-neutral; these rules are Node's, with
 * Python's library paths beside them (a trace of another runtime gets the same answers until it has a
 * table of its own).
 */

/**
 * Whether `file` is a library's or the runtime's code rather than the program's own: Node's
 * packages and built-in modules, and Python's installed packages and standard library (a path with a
 * `pythonX.Y` folder: `/usr/lib/python3.11/asyncio/…`, a virtualenv's `lib/python3.11/site-packages`).
 */
export function isLibraryFile(file: string): boolean {
  return (
    file.includes('/node_modules/') ||
    file.includes('\\node_modules\\') ||
    file.startsWith('node:') ||
    file.startsWith('internal/') ||
    file.includes('/site-packages/') ||
    file.includes('/dist-packages/') ||
    /[/\\]python3\.\d+[/\\]/.test(file) ||
    file.startsWith('<frozen ')
  );
}

/**
 * Python's blocking calls that have an asyncio form, known by the source line a block stands at (a
 * C function leaves no Python frame to name it): what blocks, and what to await instead.
 */
export const PYTHON_BLOCKING_CALLS: ReadonlyArray<{ pattern: RegExp; call: string; instead: string }> = [
  { pattern: /\btime\.sleep\(/, call: 'time.sleep', instead: 'await asyncio.sleep(…)' },
  {
    pattern: /\brequests\.(get|post|put|patch|delete|head|request)\(/,
    call: 'requests',
    instead: 'an async client (httpx.AsyncClient, aiohttp)',
  },
  {
    pattern: /\bsubprocess\.(run|call|check_call|check_output)\(/,
    call: 'subprocess',
    instead: 'await asyncio.create_subprocess_exec(…)',
  },
  {
    pattern: /\burllib\.request\.urlopen\(/,
    call: 'urllib.request.urlopen',
    instead: 'an async HTTP client',
  },
];

/** A blocking call the tracer times itself (`fs.readFileSync`): its module and name. */
export const SYNC_CALL = /^(fs|crypto|zlib|child_process)\.(\w+)Sync$/;
