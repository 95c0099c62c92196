/**
 * Whether a function's dotted name is the program's, read from the program's source where the
 * function begins. V8 names an anonymous function after the code around it and puts dots in the
 * name (locations.ts ownName); but a name the program gave can have dots too: a method or a property
 * whose key is a string or a computed key (`async 'order.placed'(ctx) {…}`, moleculer's event
 * handlers; `{ 'user.created': async () => … }`; a class field `['a.b'] = () => …`). And a name V8
 * made up from what the function was assigned to (`exports.handler = async () => …`,
 * `Foo.prototype.bar = function …`, `o.deep.fn = …`) is the name the program calls it by, whoever
 * calls it — unlike one made up from the options after it among a call's arguments (`new
 * Worker('mail', async (job) => …, { connection })` reads `Worker.connection.connection`). The stack
 * cannot tell these apart (its frames give V8's name, not the function's own `name`, and no
 * function in strict code); the source can, at the function's start (the frame's enclosing
 * position): a method begins with its key, a function expression follows `=`, `:` or an
 * argument's `(` / `,`.
 *
 * The file is read once (synchronously; at most SOURCE_MAX_BYTES, and a few files, MAX_KEPT_BYTES in
 * all, kept) the first time one of its functions has a dotted name no method call explains, which is
 * rare: most names have no dot. What the source says of each function is kept. Where the source does not say so plainly —
 * no file (`node -e`), another text than the one running (compiled code whose source map is not in
 * force, a file changed since), a shape not listed — nothing is concluded, and the caller keeps its
 * own rule. (The caller maps compiled code's positions through its source map first: locations.ts.)
 *
 * Runs inside hooks: never throws.
 */
// Required, not imported as a namespace: a bundled `import * as` copies every export of fs into an
// object of getters as the tracer loads (0.65 M instructions of every traced program's start, each).
import fs = require('node:fs');

/** Files larger than this are not read (a large bundle's functions keep the caller's rule). */
const SOURCE_MAX_BYTES = 2 * 1024 * 1024;
/** Files whose lines are kept at once, and their bytes in all; past either the table starts over. */
const MAX_FILES = 8;
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
/** Bytes of the files whose lines are kept. */
let keptBytes = 0;
/** Functions whose verdict is kept; then the table starts over. */
const MAX_VERDICTS = 2048;

/** The tracer's own hold on `fs.readFileSync` and `fs.statSync`, taken before the program runs. */
const readFileSync = fs.readFileSync;
const statSync = fs.statSync;

/** Lines of the files read (null: not readable, or too large). */
const files = new Map<string, string[] | null>();

/** The program's files a loader compiles as they are required: TypeScript's extensions. */
const LOADED_FILE = /\.[cm]?tsx?$/;
const LIBRARY_FILE = /[\\/]node_modules[\\/]/;

/**
 * The code Node compiled for each of the program's files that a loader compiled as it was required
 * — a `.ts` file under tsx or ts-node, which hand Node's CommonJS loader their output
 * (`module._compile(code, file)`), by its path: the text that runs, whose functions'
 * `Function.prototype.toString` and positions (mapped through the loader's source map, as a
 * frame's are) are its, not the file's on disk. The string is the one V8 keeps as the module's
 * source anyway (a function's `toString` reads it): keeping it costs an entry. See keepCompiled.
 */
const compiled = new Map<string, string>();

/** One of the program's files that a loader compiles as it is required. */
function isProgramTypeScript(file: unknown): file is string {
  return typeof file === 'string' && LOADED_FILE.test(file) && !LIBRARY_FILE.test(file);
}

/**
 * Has Node's CommonJS loader keep the code it compiles for the program's TypeScript files (see
 * compiled), with no frame of the tracer's on the stack while any other module runs: a wrapper of
 * `Module.prototype._compile` is on the stack below the top-level code of every module, and a chain
 * of requires had one frame of it a module, which pushed the program's `require` line out of a
 * block's stack sample (watchdogWorker.ts DEEP_PROGRAM_FRAMES). `_compile` becomes an accessor whose
 * getter, read by a loader as `module._compile(code, file)` once the module's `filename` is set
 * (Module.prototype.load sets it before it runs the file's extension), hands a module of the
 * program's `.ts`/`.tsx`/`.mts`/`.cts` files a function that keeps the code and calls Node's, and
 * any other module Node's own. So one frame under a TypeScript module's top-level code, none under a
 * JavaScript module's; a getter's call and a test of the name per module loaded; none per request.
 * An assignment on a module (ts-node's and pirates' hooks set their own `module._compile`) makes that
 * module's own property, as it did; one on the prototype replaces the function called. An ES module
 * a loader compiles (tsx's hooks for a package of `"type": "module"`) is not seen: its text stays
 * the file's.
 */
export function keepCompiled(proto: Record<string, unknown> | undefined): void {
  if (proto === undefined) return;
  const own = Object.getOwnPropertyDescriptor(proto, '_compile');
  if (own === undefined || typeof own.value !== 'function' || own.configurable !== true) return;
  let compile = own.value as (...args: unknown[]) => unknown;
  const keeping = {
    _compile(this: unknown, content: unknown, filename: unknown) {
      if (typeof content === 'string' && isProgramTypeScript(filename)) compiled.set(filename, content);
      return Reflect.apply(compile, this, arguments);
    },
  }._compile;
  Object.defineProperties(keeping, Object.getOwnPropertyDescriptors(compile));
  Object.defineProperty(proto, '_compile', {
    configurable: true,
    enumerable: own.enumerable,
    get(this: unknown) {
      try {
        if (this !== proto && this !== null && typeof this === 'object')
          if (isProgramTypeScript((this as { filename?: unknown }).filename)) return keeping;
      } catch {
        // Node's own
      }
      return compile;
    },
    set(this: unknown, value: unknown) {
      if (this === proto) compile = value as (...args: unknown[]) => unknown;
      else if (this !== null && typeof this === 'object')
        Object.defineProperty(this, '_compile', {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
    },
  });
}

/** What the source said of each function (by file, start and name): see nameInSource. */
const verdicts = new Map<string, Verdict>();

/**
 * `Own`: the program gave the function this name (a string or computed key, or assigned it there);
 * `MadeUp`: V8 made it up from code after the function (a call's arguments); `Unknown`: the source
 * does not say.
 */
export const enum Verdict {
  Unknown = 0,
  Own = 1,
  MadeUp = 2,
}

function linesOf(file: string): string[] | null {
  let lines = files.get(file);
  if (lines !== undefined) return lines;
  lines = null;
  let size = 0;
  try {
    if (file.startsWith('/') || /^[A-Za-z]:[\\/]/.test(file)) {
      const stat = statSync(file, { throwIfNoEntry: false });
      if (stat !== undefined && stat.isFile() && stat.size <= SOURCE_MAX_BYTES) {
        size = stat.size;
        lines = readFileSync(file, 'utf8').split('\n');
      }
    }
  } catch {
    lines = null;
  }
  if (files.size >= MAX_FILES || keptBytes + size > MAX_KEPT_BYTES) {
    files.clear();
    keptBytes = 0;
  }
  files.set(file, lines);
  keptBytes += lines === null ? 0 : size;
  return lines;
}

/**
 * What the source of `file` says of the function that begins at `line`:`column` (1-based) and
 * that V8 names `name` (which has a dot) — or, for `name` '', whether it is an argument of a call
 * (`MadeUp`: a name the code calling it gives it is not the program's).
 */
export function nameInSource(file: string, line: number, column: number, name: string): Verdict {
  const key = `${file}:${line}:${column}:${name}`;
  let verdict = verdicts.get(key);
  if (verdict !== undefined) return verdict;
  verdict = Verdict.Unknown;
  try {
    const lines = linesOf(file);
    const text = lines?.[line - 1];
    if (text !== undefined && column >= 1 && column <= text.length)
      verdict = judge(text.slice(column - 1), before(lines!, line - 1, column - 1), name);
  } catch {
    verdict = Verdict.Unknown;
  }
  if (verdicts.size >= MAX_VERDICTS) verdicts.clear();
  verdicts.set(key, verdict);
  return verdict;
}

/** Lines read back from a function's start for what precedes it (`=`, `:`, `(`, `,`). */
const LOOK_BACK_LINES = 3;

/** The source before position `column` of line `line` (0-based), with a few lines before it. */
function before(lines: string[], line: number, column: number): string {
  let text = lines[line].slice(0, column);
  for (let i = line - 1; i >= 0 && i >= line - LOOK_BACK_LINES; i--) text = `${lines[i]}\n${text}`;
  return text;
}

/**
 * A method whose key is a string or computed (`async 'a.b'(…)`, `get 'a.b'()`, `*['a' + '.b']()`):
 * what the function's start shows, with the string's text when it is one. No function expression
 * begins with a quote or a bracket. (V8 begins a static method after `static`; a source map may
 * point at it.)
 */
const METHOD_KEY =
  /^(?:static\s+)?(?:async\s+)?(?:(?:get|set)\s+)?(?:\*\s*)?(?:(['"`])((?:(?!\1)[^\\])*)\1|\[)/;

/**
 * What precedes a function expression: an assignment or a class field (`… = `, not `==`, `=>`,
 * `<=`…), an object literal's property (`key: `), or an argument or element (`(`, `,`, `[`) — the
 * last non-blank character before the function, and the text before it.
 */
const PRECEDED = /([^\s])\s*$/;

/** How a function expression begins: `async`, `function`, an arrow's parameters. */
const FUNCTION_START = /^(?:async\b|function\b|\(|[A-Za-z_$][\w$]*\s*=>)/;

function judge(at: string, prior: string, name: string): Verdict {
  // (No name: whether the function is an argument, all that is asked.)
  if (name === '')
    return FUNCTION_START.test(at) && /[(,[]\s*$/.test(prior) ? Verdict.MadeUp : Verdict.Unknown;
  const bare = name.startsWith('get ') || name.startsWith('set ') ? name.slice(4) : name;
  const method = METHOD_KEY.exec(at);
  if (method !== null) {
    // A string key must be the name (else this is another text than the one running); a computed
    // one cannot be read, but only a method begins with a bracket.
    return method[1] === undefined || method[2] === bare ? Verdict.Own : Verdict.Unknown;
  }
  if (!FUNCTION_START.test(at)) return Verdict.Unknown;
  const last = PRECEDED.exec(prior);
  if (last === null) return Verdict.Unknown;
  const rest = prior.slice(0, last.index).trimEnd();
  switch (last[1]) {
    case '=': {
      if (/[=!<>+\-*/%&|^?]$/.test(rest)) return Verdict.Unknown;
      return endsWithPart(rest, bare) ? Verdict.Own : Verdict.Unknown;
    }
    case ':':
      return endsWithPart(rest, bare) ? Verdict.Own : Verdict.Unknown;
    case '(':
    case ',':
    case '[':
      return Verdict.MadeUp;
    default:
      return Verdict.Unknown;
  }
}

/**
 * Whether the code before `=` or `:` ends with the name's last part — plainly (`exports.handler`),
 * or as a key in quotes or brackets (`o['a.b']`, `'order.placed'`, `['user' + '.created']`): the
 * check that this is the text V8 read.
 */
function endsWithPart(code: string, name: string): boolean {
  const part = name.slice(name.lastIndexOf('.') + 1);
  if (part === '') return false;
  const trimmed = code.replace(/['"`]?\s*\]?$/, '').replace(/['"`]$/, '');
  if (!trimmed.endsWith(part)) return false;
  const c = trimmed.charCodeAt(trimmed.length - part.length - 1);
  // The part is a whole word of the code (not the end of a longer identifier).
  return Number.isNaN(c) || !/[\w$]/.test(String.fromCharCode(c));
}

/** Where `needle` is in `text`, when it is there once only; -1 when it is not, or more than once. */
function onlyIndex(text: string, needle: string): number {
  const at = text.indexOf(needle);
  return at >= 0 && text.indexOf(needle, at + 1) < 0 ? at : -1;
}

/**
 * Where (1-based line and column) the text `inner` — a function's own source, as
 * `Function.prototype.toString` gives it — is in the source of `file`, looked for inside `outer`
 * (the source of the class that holds it) when given: each must be there once only, else null (two
 * classes, or two methods, of the same text: which one ran cannot be told). V8's source of a
 * function begins where its frames say the function begins (a method at its name, or at `async`,
 * `*`, `get`), so this is that place, for a function whose frame cannot be read (routeHandlers.ts
 * placeWritten). Where a loader compiled the file as it was required (tsx, ts-node: see compiled)
 * the code it compiled is searched, not the file on disk, and `compiled` says so: the place is in
 * that code, which only its source map takes to the file's lines. Null where the text that runs is
 * neither (an ES module a loader compiled): `inner` is not found.
 */
export function positionInSource(
  file: string,
  outer: string | null,
  inner: string,
): { line: number; column: number; compiled: boolean } | null {
  try {
    const lines = linesOf(file);
    const kept = compiled.get(file);
    if ((lines === null && kept === undefined) || inner === '') return null;
    const disk = lines !== null ? lines.join('\n') : null;
    // (Node's own type stripping hands the loader the file's text: it is the file's, positions and all.)
    const loaded = kept !== undefined && kept !== disk;
    const text = loaded ? kept : (disk as string);
    let at = 0;
    let scope = text;
    if (outer !== null) {
      at = onlyIndex(text, outer);
      if (at < 0) return null;
      scope = outer;
    }
    const within = onlyIndex(scope, inner);
    if (within < 0) return null;
    const index = at + within;
    const lineStart = text.lastIndexOf('\n', index - 1) + 1;
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
    return { line, column: index - lineStart + 1, compiled: loaded };
  } catch {
    return null;
  }
}
