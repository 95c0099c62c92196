// The Loop Lens kitchen: one small node:http server with a route for each lesson of the chef
// picture. One chef (the event loop) cooks every dish (request); watch the timeline while you
// send requests:
//
//   GET /blocking          a handler that burns 300 ms of CPU: every other dish waits
//                          (/blocking?ms=2000: two seconds, long enough to watch it live)
//   GET /async             a handler that awaits 100 ms of "I/O": dishes overlap, the chef idles
//                          (/async?ms=400: 400 ms)
//   GET /background        answers at once, then keeps cooking after the response
//                          (/background?ms=1000: the email takes a second to send)
//   GET /parallel          three 200 ms waits with Promise.all: about 200 ms in all
//   GET /sequential        the same three waits one after another: about 600 ms
//   GET /cpu               heavy CPU work on the loop: a block
//   GET /cpu-worker        the same work in a worker_threads pool: a wait, no block
//   GET /async-blocking    a blocking call inside an async function: still a block
//
// Start it with `node examples/kitchen/server.js` (PORT=3000 by default).
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const PORT = Number(process.env.PORT ?? 3000);
const HOST = process.env.HOST ?? '127.0.0.1';

/** A stand-in for I/O: a database call, a fetch to another service. */
function simmer(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function fetchMenu() {
  await simmer(200);
  return 'menu';
}

async function fetchStock() {
  await simmer(200);
  return 'stock';
}

async function fetchPrices() {
  await simmer(200);
  return 'prices';
}

/** Naive Fibonacci: pure CPU, no I/O, the same work on the loop or in a worker. */
function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** A small pool of worker threads that run fib() off the loop. */
class KitchenHands {
  constructor(size) {
    this.idle = [];
    this.queue = [];
    this.workers = [];
    for (let i = 0; i < size; i++) {
      const worker = new Worker(path.join(__dirname, 'fibWorker.js'));
      worker.unref();
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  run(n) {
    return new Promise((resolve, reject) => {
      this.queue.push({ n, resolve, reject });
      this.next();
    });
  }

  next() {
    if (this.idle.length === 0 || this.queue.length === 0) return;
    const worker = this.idle.pop();
    const job = this.queue.shift();
    const done = (message) => {
      worker.off('error', failed);
      this.idle.push(worker);
      job.resolve(message);
      this.next();
    };
    const failed = (error) => {
      worker.off('message', done);
      job.reject(error);
    };
    worker.once('message', done);
    worker.once('error', failed);
    worker.postMessage(job.n);
  }
}

let hands = null;
const FIB_N = Number(process.env.KITCHEN_FIB ?? 35);

async function sendEmail(order, ms) {
  await simmer(ms); // talking to the mail server
  // Formatting the receipt takes a while, long after the customer was answered.
  const end = Date.now() + 30;
  while (Date.now() < end);
  return `receipt for ${order}`;
}

/** `?ms=N` asks for another length of work (at most 10 s), e.g. to watch a block while it happens. */
function cookingTime(req, fallback) {
  const ms = Number(new URL(req.url, 'http://kitchen').searchParams.get('ms') ?? fallback);
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 10_000) : fallback;
}

const routes = {
  '/blocking': (req, res) => {
    const ms = cookingTime(req, 300);
    const end = Date.now() + ms;
    while (Date.now() < end); // the chef stands here for 300 ms: nobody else is served
    res.end(`blocking: done in ${ms} ms\n`);
  },

  '/async': async (req, res) => {
    await simmer(cookingTime(req, 100)); // the dish simmers; the chef serves others meanwhile
    res.end('async: done\n');
  },

  '/background': (req, res) => {
    res.end('background: your order is in\n');
    sendEmail('order-1', cookingTime(req, 50)); // keeps cooking after the response, in its own lane
  },

  '/parallel': async (req, res) => {
    const parts = await Promise.all([fetchMenu(), fetchStock(), fetchPrices()]);
    res.end(`parallel: ${parts.join(', ')}\n`);
  },

  '/sequential': async (req, res) => {
    const menu = await fetchMenu();
    const stock = await fetchStock();
    const prices = await fetchPrices();
    res.end(`sequential: ${menu}, ${stock}, ${prices}\n`);
  },

  '/cpu': (req, res) => {
    const value = fib(FIB_N); // all of this runs on the loop
    res.end(`cpu: fib(${FIB_N}) = ${value}\n`);
  },

  '/cpu-worker': async (req, res) => {
    hands ??= new KitchenHands(2);
    const value = await hands.run(FIB_N); // the loop only waits for the answer
    res.end(`cpu-worker: fib(${FIB_N}) = ${value}\n`);
  },

  '/async-blocking': async (req, res) => {
    await simmer(20);
    const hash = crypto.pbkdf2Sync('secret', 'salt', 400000, 32, 'sha256'); // blocks the loop
    res.end(`async-blocking: ${hash.toString('hex').slice(0, 16)}\n`);
  },
};

const server = http.createServer((req, res) => {
  const route = routes[new URL(req.url, 'http://kitchen').pathname];
  if (route === undefined) {
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end(
      `The Loop Lens kitchen. Lessons:\n${Object.keys(routes)
        .map((r) => `  GET ${r}`)
        .join('\n')}\n`,
    );
    return;
  }
  Promise.resolve(route(req, res)).catch((error) => {
    res.statusCode = 500;
    res.end(`error: ${error.message}\n`);
  });
});

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  console.log(`Kitchen open at http://${HOST}:${port}/`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections?.();
    process.exit(0);
  });
}
