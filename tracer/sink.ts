/**
 * Where finished chunks go: a trace file, or a live reader on a Unix domain socket (a named pipe on
 * Windows). Writes are synchronous and non-blocking on the socket: a reader that falls behind makes
 * writes come up short, the chunks stay queued, the buffer pool fills and the recorder drops and
 * counts. Nothing here ever waits for the reader, except briefly at exit.
 */
import fs = require('node:fs');
import type * as net from 'node:net';
import { encodeHello, REPLY_ACCEPT } from '../protocol/handshake';
import { now } from './traceClock';
import { loadBuiltin } from './sources/builtins';

export type SinkState = 'connecting' | 'open' | 'closed';

export interface Sink {
  readonly state: SinkState;
  /** Writes as much of `bytes` as it can now; returns how many bytes it wrote. */
  write(bytes: Uint8Array): number;
  /** Like write, but may wait up to `deadline` (trace clock, engine.ts now) for a slow reader. */
  writeFinal(bytes: Uint8Array, deadline: number): number;
  close(): void;
}

/** How long the hello may take to write before the reader is given up on. */
const CONNECT_WRITE_MS = 1000;
// The tracer's own file calls go to the originals: the program's copies are timed (sources/syncCalls.ts).
const { writeSync, openSync, closeSync } = fs;

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

function writeFd(fd: number, bytes: Uint8Array): number {
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') return done;
      throw error;
    }
  }
  return done;
}

function writeFdUntil(fd: number, bytes: Uint8Array, deadline: number): number {
  let done = writeFd(fd, bytes);
  while (done < bytes.length && now() < deadline) {
    pause(1);
    done += writeFd(fd, bytes.subarray(done));
  }
  return done;
}

export class FileSink implements Sink {
  state: SinkState = 'open';
  private fd: number;

  constructor(path: string, header: Uint8Array) {
    // Non-blocking: a FIFO nobody reads fails here instead of holding the program at its start.
    const { O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK } = fs.constants;
    this.fd = openSync(path, O_WRONLY | O_CREAT | O_TRUNC | (O_NONBLOCK ?? 0), 0o600);
    try {
      const stat = fs.fstatSync(this.fd);
      if (stat.isFIFO() || stat.isSocket()) throw new Error(`${path} is not a file`);
      writeSync(this.fd, header);
    } catch (error) {
      closeSync(this.fd);
      throw error;
    }
  }

  write(bytes: Uint8Array): number {
    if (this.state !== 'open') return 0;
    return writeFd(this.fd, bytes);
  }

  writeFinal(bytes: Uint8Array): number {
    return this.write(bytes);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * Connects, sends the hello (token) and the header, and waits for the reader's one-byte answer.
 * Until the reader accepts, writes return 0 and chunks wait in the pool.
 */
export class SocketSink implements Sink {
  state: SinkState = 'connecting';
  private socket: net.Socket;
  private fd = -1;
  private accepted = false;

  constructor(
    path: string,
    token: string,
    header: Uint8Array,
    private readonly onClosed: (reason: string) => void,
  ) {
    const hello = encodeHello(token, process.pid);
    // node:net only for a live session: a program that never loads it does not load it for a file.
    this.socket = (loadBuiltin('net') as typeof net).createConnection(path);
    this.socket.unref();
    this.socket.on('connect', () => {
      const handle = (this.socket as unknown as { _handle?: { fd?: number } })._handle;
      this.fd = typeof handle?.fd === 'number' && handle.fd >= 0 ? handle.fd : -1;
      const first = new Uint8Array(hello.length + header.length);
      first.set(hello, 0);
      first.set(header, hello.length);
      if (this.fd < 0) {
        this.socket.write(first);
        return;
      }
      // Written the same way as the chunks that follow, so nothing can overtake it.
      try {
        if (writeFdUntil(this.fd, first, now() + CONNECT_WRITE_MS) < first.length) {
          this.fail('the reader does not read');
        }
      } catch (error) {
        this.fail(`write failed: ${(error as Error).message}`);
      }
    });
    this.socket.on('data', (data: Buffer) => {
      if (this.accepted || data.length === 0) return;
      if (data[0] === REPLY_ACCEPT) {
        this.accepted = true;
        this.state = 'open';
      } else {
        this.fail('the reader declined this process');
      }
    });
    this.socket.on('error', (error) => this.fail(`connection error: ${error.message}`));
    this.socket.on('close', () => this.fail('the reader closed the connection'));
  }

  private fail(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.destroy();
    this.onClosed(reason);
  }

  write(bytes: Uint8Array): number {
    if (this.state !== 'open') return 0;
    try {
      if (this.fd >= 0) return writeFd(this.fd, bytes);
      // No file descriptor (a Windows pipe): let the stream buffer, within a bound.
      if (this.socket.writableLength > 8 * 1024 * 1024) return 0;
      this.socket.write(Buffer.from(bytes));
      return bytes.length;
    } catch (error) {
      this.fail(`write failed: ${(error as Error).message}`);
      return 0;
    }
  }

  writeFinal(bytes: Uint8Array, deadline: number): number {
    if (this.state !== 'open') return 0;
    try {
      if (this.fd >= 0) return writeFdUntil(this.fd, bytes, deadline);
      return this.write(bytes);
    } catch {
      return 0;
    }
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.destroy();
  }
}
