// The least a tracer of per-task stints does on this Node: promise hooks that tag each promise with
// the running task (one property) and read the clock when a continuation begins and ends. No
// records, no names, no places. `npm run bench:tracer -- --floor` preloads it (see bench/tracer.ts).
'use strict';
const { performance } = require('node:perf_hooks');
const kTask = Symbol('task');
const main = { id: 1 };
let current = main;
let busy = 0;
let began = 0;
require('node:v8').promiseHooks.createHook({
  init(promise) {
    promise[kTask] = current;
  },
  before(promise) {
    current = promise[kTask] ?? main;
    began = performance.now();
  },
  after() {
    busy += performance.now() - began;
  },
  settled() {},
});
process.on('exit', () => {
  if (busy < 0) process.stdout.write(''); // keeps `busy` observable
});
