// The benchmark's server: fastify hello world, and a route with two awaits of a simulated
// database call (each yields to the loop once, as an I/O round trip would).
import Fastify from 'fastify';
import { setImmediate as nextTurn } from 'node:timers/promises';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));

async function query(value) {
  await nextTurn();
  return value;
}
app.get('/async', async () => {
  const a = await query(1);
  const b = await query(2);
  return { a, b };
});

await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`${JSON.stringify({ port: app.server.address().port })}\n`);
// End cleanly on a signal, so --cpu-prof and the tracer can write what they hold.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => app.close().then(() => process.exit(0)));
