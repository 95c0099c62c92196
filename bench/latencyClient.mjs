// Open-loop HTTP load at a fixed rate, with latencies in microseconds (autocannon reports whole
// milliseconds, too coarse for a server that answers in a fraction of one). Each request is timed
// from when it was due, not from when it could be sent, so a stalled server is not hidden
// (no coordinated omission).
//
//   node latencyClient.mjs <port> <path> <rate per second> <seconds> [connections]
// prints {"sent","done","p50Us","p99Us","maxUs"} as JSON.
import net from 'node:net';

const [port, route, rateText, secondsText, connectionsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const connectionCount = Number(connectionsText ?? 20);
const request = Buffer.from(`GET ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`);
const HEADER_END = Buffer.from('\r\n\r\n');

const latencies = [];
const start = performance.now();
const end = start + seconds * 1000;
let scheduled = 0;
let done = 0;

function connect() {
  const socket = net.connect(Number(port), '127.0.0.1');
  socket.setNoDelay(true);
  const conn = { socket, queue: [], busy: false, buffer: Buffer.alloc(0) };
  socket.on('data', (data) => {
    conn.buffer = conn.buffer.length === 0 ? data : Buffer.concat([conn.buffer, data]);
    for (;;) {
      const headerEnd = conn.buffer.indexOf(HEADER_END);
      if (headerEnd < 0) return;
      const head = conn.buffer.subarray(0, headerEnd).toString('latin1');
      const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      const total = headerEnd + 4 + length;
      if (conn.buffer.length < total) return;
      conn.buffer = conn.buffer.subarray(total);
      const due = conn.queue.shift();
      latencies.push((performance.now() - due) * 1000);
      done++;
      conn.busy = false;
      send(conn);
    }
  });
  socket.on('error', () => {});
  return conn;
}

function send(conn) {
  if (conn.busy || conn.queue.length === 0) return;
  conn.busy = true;
  conn.socket.write(request);
}

const connections = Array.from({ length: connectionCount }, connect);
let next = 0;
// Sends from a setImmediate loop rather than a 1 ms timer, so requests leave within microseconds of
// when they are due instead of in bursts once a millisecond.
const tick = () => {
  const t = performance.now();
  const due = Math.min(t, end);
  // Every request that is due by now goes to the next connection in turn.
  while (start + (scheduled * 1000) / rate <= due) {
    const conn = connections[next];
    next = (next + 1) % connections.length;
    conn.queue.push(start + (scheduled * 1000) / rate);
    scheduled++;
    send(conn);
  }
  if (t >= end) {
    setTimeout(finish, 500);
    return;
  }
  setImmediate(tick);
};
setImmediate(tick);

function finish() {
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  process.stdout.write(
    `${JSON.stringify({ sent: scheduled, done, p50Us: at(0.5), p99Us: at(0.99), maxUs: Math.round(latencies.at(-1) ?? 0) })}\n`,
  );
  for (const c of connections) c.socket.destroy();
}
