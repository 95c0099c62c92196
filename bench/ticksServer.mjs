// bench:instructions' tick cases: a plain http server whose routes queue N ticks through
// `process.nextTick`, each with one argument as Node's own code queues most of its ticks.
// `/ticks/N`: all N queued by the request's stint, the response ended by one more tick after them;
// `/chain/N`: each tick queues the next, the last one ends the response. The tracer's cost a tick
// is the difference of two N's, traced minus untraced, over the difference of the N's.
import * as http from 'node:http';

function noop(i) {
  return i;
}
function end(res) {
  res.end('ok');
}
function chain(res, left) {
  if (left > 0) process.nextTick(chain, res, left - 1);
  else res.end('ok');
}

const server = http.createServer((req, res) => {
  const [, kind, count] = req.url.split('/');
  const n = Number(count) || 0;
  if (kind === 'chain') {
    process.nextTick(chain, res, n);
    return;
  }
  for (let i = 0; i < n; i++) process.nextTick(noop, i);
  process.nextTick(end, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
