// The floor of the mechanism on this Node: V8 promise hooks installed and doing nothing.
// `npm run bench:tracer -- --floor` preloads it in place of the tracer (see bench/tracer.ts).
'use strict';
require('node:v8').promiseHooks.createHook({ init() {}, before() {}, after() {}, settled() {} });
