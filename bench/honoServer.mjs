// The benchmark's Hono server (Hono 4 on @hono/node-server, imported as ES modules): hello world,
// and a route with two awaits of a simulated database call, as fastifyServer.mjs.
import { Hono } from 'hono';
import { serve } from '@hono/node-server';
import { setImmediate as nextTurn } from 'node:timers/promises';

const app = new Hono();
app.get('/', (c) => c.json({ hello: 'world' }));

async function query(value) {
  await nextTurn();
  return value;
}
app.get('/async', async (c) => {
  const a = await query(1);
  const b = await query(2);
  return c.json({ a, b });
});

const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ port: info.port })}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
