// The benchmark's NestJS server (Nest 11 on express 5, its default platform; the controller
// written without TypeScript's decorators, as test/fixtures/servers/nestPg.js): hello world, and a
// route with two awaits of a simulated database call, as fastifyServer.mjs.
'use strict';
require('reflect-metadata');
const { Module, Controller, Get } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { setImmediate: nextTurn } = require('node:timers/promises');

async function query(value) {
  await nextTurn();
  return value;
}

class HelloController {
  hello() {
    return { hello: 'world' };
  }
  async twoAwaits() {
    const a = await query(1);
    const b = await query(2);
    return { a, b };
  }
}
for (const [name, route] of [
  ['hello', Get()],
  ['twoAwaits', Get('async')],
])
  Reflect.decorate(
    [route],
    HelloController.prototype,
    name,
    Object.getOwnPropertyDescriptor(HelloController.prototype, name),
  );
Reflect.decorate([Controller()], HelloController);

class AppModule {}
Reflect.decorate([Module({ controllers: [HelloController] })], AppModule);

NestFactory.create(AppModule, { logger: false }).then(async (app) => {
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ port: app.getHttpServer().address().port })}\n`);
  // End cleanly on a signal, so the tracer can write what it holds.
  for (const signal of ['SIGINT', 'SIGTERM'])
    process.on(signal, () => app.close().then(() => process.exit(0)));
});
