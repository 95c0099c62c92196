// A kitchen hand: runs fib() on its own thread for the /cpu-worker lesson.
'use strict';
const { parentPort } = require('node:worker_threads');

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

parentPort.on('message', (n) => parentPort.postMessage(fib(n)));
