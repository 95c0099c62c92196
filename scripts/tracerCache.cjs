// Makes V8's code cache of the tracer (dist/tracerCore.js) for its loader (tracer/load.ts), run by
// the build as a program of its own: `node scripts/tracerCache.cjs <dist> <cache file name>`, with
// LOOPLENS_OPTIONS set. It compiles the tracer as the loader does, runs it (so that it starts, as a
// preload does before a program's first line), then writes the code V8 has compiled so far: the
// functions the start needs, not the hot paths, which compile later as they would anyway.
// `{tag}` in the name stands for this Node's `v8.cachedDataVersionTag()` in hexadecimal, the name
// the loader looks for (tracer/load.ts cacheFile); the name made is printed.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const [dist, asked] = process.argv.slice(2);
const cacheName = asked.replace('{tag}', require('node:v8').cachedDataVersionTag().toString(16));
const loader = path.join(dist, 'tracer.js');
const source = fs.readFileSync(path.join(dist, 'tracerCore.js'), 'utf8');
// The same text as the loader's (tracer/load.ts WRAPPER).
const WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';
const script = new vm.Script(`${WRAPPER}${source}\n})`, { filename: loader });
// A module object as Node makes one: the tracer finds Node's CommonJS loader as its constructor
// (tracer/nodeModule.ts), and the cache then holds the code a real start runs.
const mod = new (require('node:module'))(loader, null);
script.runInThisContext()(mod.exports, require, mod, loader, dist);
if (globalThis[Symbol.for('looplens.tracer')] === undefined) throw new Error('the tracer did not load');
fs.writeFileSync(path.join(dist, cacheName), script.createCachedData());
process.stdout.write(cacheName);
