// `npm run demo`: records the kitchen demo server under real requests, one per lesson, and prints
// what its event loop did. (Builds first.)
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
if (spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }).status !== 0)
  process.exit(1);

const out = path.join(root, 'kitchen-demo.looplens');
const recorder = spawn(
  process.execPath,
  [
    path.join(root, 'dist', 'cli.js'),
    'record',
    '--out',
    out,
    '--',
    process.execPath,
    path.join(root, 'examples', 'kitchen', 'server.js'),
  ],
  { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] },
);
let port = 0;
recorder.stdout.on('data', (data) => {
  process.stdout.write(data);
  const match = /http:\/\/[\d.]+:(\d+)\//.exec(String(data));
  if (match && port === 0) {
    port = Number(match[1]);
    void lessons();
  }
});

const get = (route) =>
  new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: route, agent: false }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body.trim()));
      })
      .on('error', reject);
  });

async function lessons() {
  const say = (text) => process.stdout.write(`\n» ${text}\n`);
  say('1. three async requests wait on I/O while a blocking handler holds the chef for 300 ms');
  const waiting = [get('/async'), get('/async'), get('/async')];
  await new Promise((r) => setTimeout(r, 20));
  console.log(await get('/blocking'), ...(await Promise.all(waiting)));
  say('2. five async requests overlap; the chef is mostly idle');
  console.log(...(await Promise.all(Array.from({ length: 5 }, () => get('/async')))));
  say('3. background work after the response');
  console.log(await get('/background'));
  await new Promise((r) => setTimeout(r, 150));
  say('4. Promise.all over three 200 ms waits, then the same three waits in sequence');
  console.log(await get('/parallel'));
  console.log(await get('/sequential'));
  say('5. CPU work on the loop, then in a worker pool');
  console.log(await get('/cpu'));
  console.log(await get('/cpu-worker'));
  say('6. a blocking call inside an async function');
  console.log(await get('/async-blocking'));
  process.stdout.write('\n');
  recorder.kill('SIGINT');
}

recorder.on('exit', (code) => {
  process.stdout.write(
    `\nOpen the timeline of this run in Perfetto:\n  node dist/cli.js export ${path.relative(process.cwd(), out)} --format chrome --out kitchen-demo.json\n`,
  );
  process.exitCode = code ?? 1;
});
