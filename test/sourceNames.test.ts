/**
 * What the program's source says of a dotted function name (tracer/sourceNames.ts), read at the
 * positions V8 gives as the function's start: a method at its key (after `static`), any other
 * function at `async`, `function` or its parameters.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Verdict, keepCompiled, nameInSource, positionInSource } from '../tracer/sourceNames';
import { tempDir } from './helpers';

const SOURCE = [
  'const events = {',
  "  async 'order.placed'(ctx) {},",
  "  async ['user' + '.created'](ctx) {},",
  "  'cart.emptied': async (ctx) => {},",
  "  get 'price.now'() { return 1; },",
  '};',
  "class Audit { static async 'audit.write'() {} ['a.b'] = () => {}; }",
  'exports.onExport = async (ctx) => {};',
  "handlers['stock.low'] = async function (ctx) {};",
  'Mailer.prototype.send = async function (ctx) {};',
  'pMap(items, async (item) => {}, { concurrency: 2 });',
  "new Worker('mail', async (job) => {}, { connection });",
  'exports.other = async (ctx) => {};',
  'x == async () => {};',
  '',
].join('\n');

describe('dotted names read from the source', () => {
  const file = path.join(tempDir(), 'names.js');
  fs.writeFileSync(file, SOURCE);
  const lines = SOURCE.split('\n');
  /**
   * The verdict on V8's name `name` for the function that begins at `at` (its first occurrence) on
   * the first line holding `marker`.
   */
  function verdict(marker: string, at: string, name: string): Verdict {
    const line = lines.findIndex((l) => l.includes(marker));
    assert.ok(line >= 0, marker);
    const column = lines[line].indexOf(at);
    assert.ok(column >= 0, at);
    return nameInSource(file, line + 1, column + 1, name);
  }

  const cases: Array<[string, string, string, string, Verdict]> = [
    ['a method keyed by a string is its own', "'order.placed'", 'async', 'order.placed', Verdict.Own],
    ['a method keyed by a computed key is its own', "['user'", 'async', 'user.created', Verdict.Own],
    [
      "a property's arrow keyed by a string is its own",
      "'cart.emptied'",
      'async',
      'cart.emptied',
      Verdict.Own,
    ],
    ["a getter's name keeps V8's `get `", "'price.now'", 'get', 'get price.now', Verdict.Own],
    [
      'a static method, begun at `static` (a source map may say so)',
      'Audit',
      'static',
      'audit.write',
      Verdict.Own,
    ],
    ["a class field's function keyed by a string is its own", 'Audit', '() =>', 'a.b', Verdict.Own],
    ['an export assigned is named so', 'exports.onExport', 'async', 'exports.onExport', Verdict.Own],
    ["a bracket key's assignment is named so", 'stock.low', 'async', 'handlers.stock.low', Verdict.Own],
    [
      "a prototype's method is named so (V8 drops `prototype`)",
      'Mailer',
      'async',
      'Mailer.send',
      Verdict.Own,
    ],
    ['an argument followed by options: made up', 'pMap', 'async', 'pMap.concurrency', Verdict.MadeUp],
    [
      "a worker's processor followed by options: made up",
      'Worker',
      'async',
      'Worker.connection.connection',
      Verdict.MadeUp,
    ],
    ['an anonymous argument (no name asked)', 'Worker', 'async', '', Verdict.MadeUp],
    [
      'another name than the one assigned: not said',
      'exports.other',
      'async',
      'exports.onExport',
      Verdict.Unknown,
    ],
    ['a comparison is no assignment', 'x ==', 'async', 'x.y', Verdict.Unknown],
    [
      "a string key that is not the name: another text than V8's",
      "'order.placed'",
      'async',
      'order.taken',
      Verdict.Unknown,
    ],
  ];
  for (const [title, marker, at, name, expected] of cases)
    it(title, () => assert.equal(verdict(marker, at, name), expected));

  it('says nothing of a file it cannot read, or a position past its line', () => {
    assert.equal(nameInSource(path.join(path.dirname(file), 'missing.js'), 1, 1, 'a.b'), Verdict.Unknown);
    assert.equal(nameInSource(file, 1, 500, 'a.b'), Verdict.Unknown);
    assert.equal(nameInSource('[eval]', 1, 1, 'a.b'), Verdict.Unknown);
  });
});

describe("the code Node compiles for the program's TypeScript files (keepCompiled)", () => {
  type Compile = (this: unknown, content: string, filename: string) => unknown;
  /** Node's Module, as far as keepCompiled reads it: `filename` set before `_compile` is read. */
  class FakeModule {
    declare _compile: Compile;
    constructor(public filename: string) {}
  }
  const compiledBy: string[] = [];
  const nodeCompile: Compile = function (content, filename) {
    compiledBy.push(`node ${path.basename(filename)}`);
    return content.length;
  };
  Object.defineProperty(FakeModule.prototype, '_compile', {
    value: nodeCompile,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  keepCompiled(FakeModule.prototype as unknown as Record<string, unknown>);
  const dir = tempDir();

  it("hands every module but the program's TypeScript ones Node's own function (no frame of the tracer's under them)", () => {
    for (const file of ['a.js', 'a.cjs', 'a.mjs', 'node_modules/lib/index.ts', 'a.d.json'])
      assert.equal(new FakeModule(path.join(dir, file))._compile, nodeCompile, file);
    assert.equal(FakeModule.prototype._compile, nodeCompile);
    for (const file of ['b.ts', 'b.tsx', 'b.mts', 'b.cts']) {
      const module = new FakeModule(path.join(dir, file));
      assert.notEqual(module._compile, nodeCompile, file);
      assert.equal(module._compile('x', module.filename), 1, file);
    }
  });

  it("searches a TypeScript file's compiled code, not the file on disk, and says the place is in that code", () => {
    const file = path.join(dir, 'routes.ts');
    fs.writeFileSync(file, 'app.get("/", (): Answer => ({ ok: true }));\n');
    assert.equal(positionInSource(file, null, '() => ({ ok: true })'), null, 'not on disk');
    const module = new FakeModule(file);
    module._compile('"use strict";\n\napp.get("/", () => ({ ok: true }));\n', file);
    assert.deepEqual(positionInSource(file, null, '() => ({ ok: true })'), {
      line: 3,
      column: 14,
      compiled: true,
    });
  });

  it("keeps an assignment on a module as the module's own, and one on the prototype as the function called", () => {
    compiledBy.length = 0;
    const js = new FakeModule(path.join(dir, 'c.js'));
    const mine: Compile = function (content, filename) {
      compiledBy.push(`mine ${path.basename(filename)}`);
      return nodeCompile.call(this, content, filename);
    };
    js._compile = mine;
    assert.deepEqual(Object.getOwnPropertyDescriptor(js, '_compile'), {
      value: mine,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    FakeModule.prototype._compile = mine;
    try {
      assert.equal(FakeModule.prototype._compile, mine);
      assert.equal(new FakeModule(path.join(dir, 'd.js'))._compile, mine);
      const ts = new FakeModule(path.join(dir, 'd.ts'));
      ts._compile('const d = 4;\n', ts.filename);
      assert.deepEqual(compiledBy, ['mine d.ts', 'node d.ts']);
    } finally {
      FakeModule.prototype._compile = nodeCompile;
    }
    assert.equal(FakeModule.prototype._compile, nodeCompile);
  });
});
