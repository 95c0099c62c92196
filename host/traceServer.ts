/**
 * The reading end of live tracing: a Unix domain socket in a private folder (mode 0700; a named
 * pipe on Windows) that traced processes connect to. Whatever arrives is untrusted — the program
 * runs workspace code — so a connection must present the session's token (compared in constant
 * time) within a deadline, the number of connections is bounded, every byte goes through the
 * format's checks, and a connection that breaks the rules is closed with a reason.
 *
 * Node.js only, no `vscode`: the extension host and the benchmarks use it alike.
 */
import type { TracerOptions } from '../tracer/options';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { HelloRole, REPLY_ACCEPT, REPLY_REJECT, parseHello } from '../protocol/handshake';
import { LiveReader } from '../protocol/live';
import { TraceFormatError, TraceReader, EventVisitor } from '../protocol/reader';

export interface TraceServerOptions {
  /** Called for each connection once its token has been checked; return false to decline it. */
  accept(connection: TraceConnection): boolean;
  /**
   * Called for a watchdog's connection (live "blocked now" records, see protocol/live.ts) once its
   * token has been checked; return false to decline it (the default).
   */
  acceptWatchdog?(connection: TraceConnection): boolean;
  /** At most this many connections at once (default 16). */
  maxConnections?: number;
  /** A connection must send its hello within this long, ms (default 5000). */
  helloTimeoutMs?: number;
  /** Builds the visitor that decoded events of a connection go to. */
  visitor(connection: TraceConnection): EventVisitor;
}

/** Why a connection ended. */
export type CloseReason =
  | { kind: 'ended' }
  /** The connection broke (the program went away mid-write, say): like 'ended', without a goodbye. */
  | { kind: 'lost'; message: string }
  | { kind: 'rejected'; message: string }
  /** What the program sent breaks the rules. */
  | { kind: 'error'; message: string }
  | { kind: 'server-closed' };

export class TraceConnection extends EventEmitter {
  /** Process id the tracer reported (untrusted; for display). */
  pid = 0;
  /** What the connection carries: the trace stream, or a watchdog's live records ('live' events). */
  role: HelloRole = 'trace';
  /** Reads the trace stream (fed only on a trace connection). */
  readonly reader: TraceReader;
  private live: LiveReader | null = null;
  closed: CloseReason | null = null;

  constructor(
    readonly socket: net.Socket,
    visitor: (self: TraceConnection) => EventVisitor,
  ) {
    super();
    this.reader = new TraceReader(visitor(this));
  }

  /** Reads a watchdog's bytes; emits 'live' for each record. Throws on a record that breaks the rules. */
  pushLive(data: Uint8Array): void {
    this.live ??= new LiveReader();
    for (const record of this.live.push(data)) this.emit('live', record);
  }

  close(reason: CloseReason): void {
    if (this.closed !== null) return;
    this.closed = reason;
    this.socket.destroy();
    this.emit('close', reason);
  }
}

const TOKEN_BYTES = 32;
/** Connections waiting for their hello at once; a new one past this drops the oldest. */
const MAX_WAITING = 8;

export class TraceServer {
  readonly token = randomBytes(TOKEN_BYTES).toString('hex');
  private readonly connections = new Set<TraceConnection>();
  /** Connections that have not sent their hello yet, oldest first. */
  private readonly waiting = new Set<TraceConnection>();
  private closing = false;

  private constructor(
    private readonly server: net.Server,
    readonly socketPath: string,
    private readonly dir: string | null,
    private readonly options: TraceServerOptions,
  ) {}

  /** Creates the private folder and starts listening. */
  static async start(options: TraceServerOptions): Promise<TraceServer> {
    // The private folder holds the socket (a named pipe on Windows) and any spilled trace.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'looplens-'));
    fs.chmodSync(dir, 0o700);
    const socketPath =
      process.platform === 'win32'
        ? `\\\\.\\pipe\\looplens-${randomBytes(12).toString('hex')}`
        : path.join(dir, 'trace.sock');
    const server = net.createServer();
    const self = new TraceServer(server, socketPath, dir, options);
    server.maxConnections = options.maxConnections ?? 64;
    server.on('connection', (socket) => self.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return self;
  }

  /** Tracer options that point a traced process at this server. */
  tracerOptions(extra: Partial<TracerOptions> = {}): Partial<TracerOptions> {
    return {
      ...extra,
      socket: this.socketPath,
      token: this.token,
      ...(this.dir !== null ? { spill: path.join(this.dir, 'spill-{pid}.looplens') } : {}),
    };
  }

  /**
   * The trace process `pid` (null: the only one there is) wrote to its spill file because it ended
   * before its connection was taken (see the tracer's `spill` option), read and removed; null when
   * there is none or it is larger than `maxBytes`. Its bytes are as untrusted as the socket's.
   */
  takeSpill(pid: number | null, maxBytes: number): Uint8Array | null {
    if (this.dir === null) return null;
    let name = pid !== null && Number.isInteger(pid) && pid > 0 ? `spill-${pid}.looplens` : null;
    if (name === null) {
      // The process never connected, so its pid is unknown: take the spill if there is just one.
      let spills: string[] = [];
      try {
        spills = fs.readdirSync(this.dir).filter((f) => /^spill-\d+\.looplens$/.test(f));
      } catch {
        return null;
      }
      if (spills.length !== 1) return null;
      name = spills[0];
    }
    const file = path.join(this.dir, name);
    try {
      const stat = fs.lstatSync(file);
      if (!stat.isFile() || stat.size > maxBytes) return null;
      // A plain Uint8Array, not a Buffer (which travels to a webview as JSON).
      return new Uint8Array(fs.readFileSync(file));
    } catch {
      return null;
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  get activeConnections(): number {
    return this.connections.size;
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const connection = new TraceConnection(socket, (c) => this.options.visitor(c));
    this.connections.add(connection);
    // Connections that have not said hello yet are the first to go: idle ones must never keep the
    // real tracer out (it says hello at once), so past a few the oldest is dropped.
    if (this.waiting.size >= MAX_WAITING) {
      const oldest = this.waiting.values().next().value as TraceConnection;
      this.waiting.delete(oldest);
      oldest.close({ kind: 'rejected', message: 'too many connections waiting for their hello' });
    }
    this.waiting.add(connection);
    connection.once('close', () => {
      this.connections.delete(connection);
      this.waiting.delete(connection);
    });
    let hello: Buffer | null = Buffer.alloc(0);
    const timer = setTimeout(() => {
      connection.close({ kind: 'rejected', message: 'no hello within the deadline' });
    }, this.options.helloTimeoutMs ?? 5000);
    timer.unref();
    socket.on('data', (data: Buffer) => {
      if (connection.closed !== null) return;
      try {
        if (hello !== null) {
          hello = Buffer.concat([hello, data]);
          const parsed = parseHello(hello);
          if (parsed.state === 'need-more') return;
          clearTimeout(timer);
          this.waiting.delete(connection);
          if (parsed.state === 'bad') {
            connection.close({ kind: 'rejected', message: parsed.reason });
            return;
          }
          if (!this.tokenMatches(parsed.token)) {
            connection.close({ kind: 'rejected', message: 'wrong token' });
            return;
          }
          connection.pid = parsed.pid;
          connection.role = parsed.role;
          const rest = hello.subarray(parsed.used);
          hello = null;
          const accepted =
            parsed.role === 'trace'
              ? this.options.accept(connection)
              : (this.options.acceptWatchdog?.(connection) ?? false);
          if (!accepted) {
            socket.end(Buffer.from([REPLY_REJECT]));
            connection.close({ kind: 'rejected', message: 'declined' });
            return;
          }
          socket.write(Buffer.from([REPLY_ACCEPT]));
          connection.emit('accepted');
          if (rest.length > 0) this.feed(connection, rest);
          return;
        }
        this.feed(connection, data);
      } catch (error) {
        connection.close({ kind: 'error', message: (error as Error).message });
      }
    });
    socket.on('error', (error) => connection.close({ kind: 'lost', message: error.message }));
    socket.on('close', () => {
      clearTimeout(timer);
      if (hello !== null) {
        connection.close({ kind: 'rejected', message: 'closed before its hello' });
        return;
      }
      try {
        if (connection.role === 'trace') connection.reader.finish();
        connection.close({ kind: 'ended' });
      } catch (error) {
        connection.close({ kind: 'error', message: (error as Error).message });
      }
    });
  }

  private feed(connection: TraceConnection, data: Buffer): void {
    try {
      if (connection.role === 'watchdog') {
        connection.pushLive(data);
        return;
      }
      connection.reader.push(data);
      connection.emit('data', data);
    } catch (error) {
      const message =
        error instanceof TraceFormatError ? `bad trace data: ${error.message}` : (error as Error).message;
      connection.close({ kind: 'error', message });
    }
  }

  private tokenMatches(given: Uint8Array): boolean {
    const expected = Buffer.from(this.token, 'utf8');
    const actual = Buffer.from(given);
    // timingSafeEqual needs equal lengths; compare against itself to spend the same time.
    if (actual.length !== expected.length) {
      timingSafeEqual(expected, expected);
      return false;
    }
    return timingSafeEqual(actual, expected);
  }

  /**
   * Stops listening, closes every connection and removes the private folder — at once, before
   * the returned promise waits for the sockets to go: an editor that is shutting down may not
   * run anything after this call.
   */
  async close(): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.close({ kind: 'server-closed' });
    if (this.dir !== null) fs.rmSync(this.dir, { recursive: true, force: true });
    await closed;
  }
}
