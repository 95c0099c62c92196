// The floor with ticks: tagAndClock.js, and each `process.nextTick` callback queued while a task
// runs carried to its run in a closure that sets the task and reads the clock at its start and end.
// No records, no names, no places, no merging of a drain's ticks into one stint.
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
const nextTick = process.nextTick;
process.nextTick = function (callback, ...args) {
  const task = current;
  return nextTick(() => {
    const before = current;
    current = task;
    const t = performance.now();
    try {
      callback(...args);
    } finally {
      busy += performance.now() - t;
      current = before;
    }
  });
};
process.on('exit', () => {
  if (busy < 0) process.stdout.write(''); // keeps `busy` observable
});
