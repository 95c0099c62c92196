/**
 * Keeps the tracer out of the program's crash reports. A patched function (an event emitter's emit,
 * a callback the tracer bound to a task, JSON.parse) is a frame on the stack of whatever it calls.
 * When an error is about to be printed as uncaught, the lines of the tracer's own file leave its
 * stack, so the program dies with exactly the report it would print untraced. (Errors are never
 * caught and rethrown by the tracer: a rethrow would move the source line Node prints above the
 * stack to the tracer.)
 *
 * Timer and immediate callbacks are not called through a tracer frame at all (see sources/timers.ts).
 */
let ownFile = __filename;

/**
 * The file the tracer's frames name (locations.ts ownScriptFile): code compiled from V8's code cache
 * keeps the name of the build's folder, wherever the tracer was loaded from.
 */
export function setOwnFile(file: string): void {
  ownFile = file;
}

export function scrub(error: unknown): void {
  if (typeof error !== 'object' || error === null) return;
  try {
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== 'string' || !stack.includes(ownFile)) return;
    (error as { stack: string }).stack = stack
      .split('\n')
      .filter((line) => !line.includes(ownFile))
      .join('\n');
  } catch {
    // a frozen error, or a stack that cannot be read: leave it as it is
  }
}
