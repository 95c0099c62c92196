/**
 * Real database servers for tests and benchmarks: a private PostgreSQL cluster, a private MariaDB
 * server and a private redis-server, each in a fresh temporary folder, listening on loopback on a free port, stopped and
 * removed afterwards. Nothing here touches a system-wide database.
 *
 * PostgreSQL refuses to run as root; as root (CI, these machines) the cluster is made and run as
 * the `postgres` user that Debian's package creates.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Service {
  /** Loopback port the server listens on. */
  port: number;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export interface Postgres extends Service {
  /** A connection string for the `looplens` database (user postgres, no password). */
  url: string;
}

/** Why a service cannot start here, in words that say what to install; null when it can. */
export function missingPostgres(): string | null {
  return findPostgresBin() === null
    ? 'PostgreSQL is not installed (Debian: apt-get install postgresql; `bash .ci/run` does it)'
    : null;
}

export function missingMariadb(): string | null {
  return findMariadbd() === null || which('mariadb-install-db') === null
    ? 'MariaDB is not installed (Debian: apt-get install mariadb-server; `bash .ci/run` does it)'
    : null;
}

export function missingRedis(): string | null {
  return which('redis-server') === null
    ? 'redis-server is not installed (Debian: apt-get install redis-server; `bash .ci/run` does it)'
    : null;
}

function which(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, command);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The folder with initdb and postgres: Debian keeps them out of PATH. */
function findPostgresBin(): string | null {
  const onPath = which('initdb');
  if (onPath !== null) return path.dirname(fs.realpathSync(onPath));
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    return null;
  }
  for (const v of versions) {
    const bin = path.join(root, v, 'bin');
    if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
  }
  return null;
}

/** The MariaDB server: Debian keeps it in /usr/sbin, out of a user's PATH. */
function findMariadbd(): string | null {
  const onPath = which('mariadbd');
  if (onPath !== null) return onPath;
  return fs.existsSync('/usr/sbin/mariadbd') ? '/usr/sbin/mariadbd' : null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(
  port: number,
  ms: number,
  what: string,
  exited: () => string | null,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const gone = exited();
    if (gone !== null) throw new Error(`${what} exited before it listened: ${gone}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
function pgCommand(bin: string, program: string, args: string[]): [string, string[]] {
  const exe = path.join(bin, program);
  return isRoot ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
}

/** Runs a command on one CPU when `cpu` is given and taskset exists (benchmarks pin processes). */
function onCpu(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || which('taskset') === null) return [command, args];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

/**
 * Starts a private PostgreSQL cluster with a `looplens` database, durability off (fsync off: the
 * data is thrown away afterwards), on CPU `cpu` if given.
 */
export async function startPostgres(cpu?: number): Promise<Postgres> {
  const bin = findPostgresBin();
  if (bin === null) throw new Error(missingPostgres()!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-pg-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  if (isRoot) {
    fs.chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  }
  const [initCmd, initArgs] = pgCommand(bin, 'initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout || init.error?.message}`);
  }
  const port = await freePort();
  const [pgCmd, pgArgs] = pgCommand(bin, 'postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    dir,
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=50',
  ]);
  const [cmd, args] = onCpu(cpu, pgCmd, pgArgs);
  // Its own process group: runuser does not pass signals on, so the group is signalled.
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  let exit: string | null = null;
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => (exit = `code ${code ?? signal}: ${stderr}`));
  try {
    await waitForPort(port, 30_000, 'PostgreSQL', () => exit);
    // The port answers before the server accepts queries; createdb retries until it does.
    const [createCmd, createArgs] = pgCommand(bin, 'createdb', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      'looplens',
    ]);
    for (let attempt = 0; ; attempt++) {
      const created = spawnSync(createCmd, createArgs, { encoding: 'utf8' });
      if (created.status === 0) break;
      if (attempt > 50) throw new Error(`createdb failed: ${created.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/looplens`,
    stop: () => stopChild(child, 'SIGINT', dir, true),
  };
}

export interface Mariadb extends Service {
  /** A connection string for the `looplens` database (user root, no password). */
  url: string;
}

/**
 * Starts a private MariaDB server with a `looplens` database, durability off (the data is thrown
 * away afterwards), on CPU `cpu` if given. As root it runs as the `mysql` user that Debian's package
 * creates (mariadbd refuses root).
 */
export async function startMariadb(cpu?: number): Promise<Mariadb> {
  const exe = findMariadbd();
  if (exe === null || which('mariadb-install-db') === null) throw new Error(missingMariadb()!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-mariadb-'));
  const data = path.join(dir, 'data');
  fs.mkdirSync(data, { mode: 0o700 });
  // A temporary folder of its own, for the install's bootstrap and for the server: in the shared
  // /tmp two installs at once collided on a temporary table's file (/tmp/#sql-temptable-…), and the
  // second failed.
  const tmp = path.join(dir, 'tmp');
  fs.mkdirSync(tmp, { mode: 0o700 });
  const asUser = isRoot ? ['--user=mysql'] : [];
  if (isRoot) {
    fs.chmodSync(dir, 0o755);
    spawnSync('chown', ['-R', 'mysql:mysql', dir]);
  }
  // Small redo log and buffer pool: the default redo log alone is 96 MiB of disk.
  const sizes = ['--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M'];
  const init = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...asUser,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      // (Passed on to the bootstrap server, as every option the script does not know.)
      `--tmpdir=${tmp}`,
      ...sizes,
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${init.stderr || init.stdout || init.error?.message}`);
  }
  const port = await freePort();
  const [cmd, args] = onCpu(cpu, exe, [
    '--no-defaults',
    `--datadir=${data}`,
    ...asUser,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${path.join(dir, 'mariadb.sock')}`,
    `--pid-file=${path.join(dir, 'mariadb.pid')}`,
    `--tmpdir=${tmp}`,
    '--skip-name-resolve',
    '--skip-log-bin',
    '--innodb-flush-log-at-trx-commit=0',
    '--innodb-doublewrite=0',
    '--max-connections=50',
    ...sizes,
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  let exit: string | null = null;
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => (exit = `code ${code ?? signal}: ${stderr}`));
  try {
    await waitForPort(port, 30_000, 'MariaDB', () => exit);
    // The server listens once it accepts connections; its own client makes the database.
    const created = spawnSync(
      'mariadb',
      [
        '--no-defaults',
        '-h',
        '127.0.0.1',
        '-P',
        String(port),
        '-u',
        'root',
        '-e',
        'create database looplens',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0)
      throw new Error(`create database failed: ${created.stderr || created.error?.message}`);
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: `mysql://root@127.0.0.1:${port}/looplens`,
    stop: () => stopChild(child, 'SIGTERM', dir, true),
  };
}

/**
 * Waits for services started together. If one fails to start, the others that did are stopped
 * before the first failure is thrown: left running, a failed `before all` hook's servers (a
 * PostgreSQL cluster and a redis-server beside a MariaDB whose install failed) kept the test
 * process alive through their pipes, and mocha never ended.
 */
export async function startTogether<T extends readonly Service[]>(starting: {
  readonly [K in keyof T]: Promise<T[K]>;
}): Promise<T> {
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined)
    return settled.map((r) => (r as PromiseFulfilledResult<Service>).value) as unknown as T;
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw failed.reason;
}

/** Starts a private redis-server (no persistence), on CPU `cpu` if given. */
export async function startRedis(cpu?: number): Promise<Service> {
  const exe = which('redis-server');
  if (exe === null) throw new Error(missingRedis()!);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-redis-'));
  const port = await freePort();
  const [cmd, args] = onCpu(cpu, exe, [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  let exit: string | null = null;
  child.stdout!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr!.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => (exit = `code ${code ?? signal}: ${output}`));
  try {
    await waitForPort(port, 15_000, 'redis-server', () => exit);
  } catch (error) {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return { port, stop: () => stopChild(child, 'SIGTERM', dir, true) };
}

/**
 * The integer stored at `key` on the redis-server at `port` (0 when unset), read over a connection of
 * its own with an inline command: the tests need no client library of their own for it.
 */
export function redisInteger(port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    socket.once('connect', () => socket.write(`GET ${key}\r\n`));
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      // A bulk string ($length, then the value on its own line) or $-1 for none.
      const m = /^\$(-?\d+)\r\n(?:([^\r]*)\r\n)?/.exec(reply);
      if (m === null || (m[1] !== '-1' && m[2] === undefined)) return;
      socket.destroy();
      resolve(m[1] === '-1' ? 0 : Number(m[2]));
    });
    socket.once('error', reject);
  });
}

/** Stops a server; `group`: it was started detached, so its whole process group is signalled. */
function stopChild(
  child: ReturnType<typeof spawn>,
  signal: NodeJS.Signals,
  dir: string,
  group = false,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      fs.rmSync(dir, { recursive: true, force: true });
      resolve();
    };
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(group ? -child.pid! : child.pid!, sig);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    kill(signal);
  });
}
