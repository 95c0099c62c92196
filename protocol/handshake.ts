/**
 * The first bytes a tracer sends on a live connection, before the trace stream itself, and the one
 * byte the reader answers with. The token proves the connection comes from the process the reader
 * launched: it travels in the environment (never on the command line) and is compared in constant
 * time.
 *
 *   Hello  := magic (8 bytes) | u32 tokenBytes (≤ MAX_TOKEN_BYTES) | u32 pid | token (UTF-8)
 *   magic  := HELLO_MAGIC (ASCII "LLHELLO1"): the trace stream follows
 *           | WATCH_MAGIC (ASCII "LLWATCH1"): the watchdog's live records follow (see live.ts)
 *   Reply  := one byte: REPLY_ACCEPT (send the trace) or REPLY_REJECT (stop tracing and close)
 */
export const HELLO_MAGIC = 'LLHELLO1';
export const WATCH_MAGIC = 'LLWATCH1';
export const HELLO_FIXED_BYTES = 16;
export const MAX_TOKEN_BYTES = 256;
export const REPLY_ACCEPT = 0x01;
export const REPLY_REJECT = 0x00;

const encoder = new TextEncoder();

export type HelloRole = 'trace' | 'watchdog';

export function encodeHello(token: string, pid: number, role: HelloRole = 'trace'): Uint8Array {
  const tokenBytes = encoder.encode(token).subarray(0, MAX_TOKEN_BYTES);
  const out = new Uint8Array(HELLO_FIXED_BYTES + tokenBytes.length);
  const magic = role === 'trace' ? HELLO_MAGIC : WATCH_MAGIC;
  for (let i = 0; i < magic.length; i++) out[i] = magic.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, tokenBytes.length, true);
  view.setUint32(12, pid >>> 0, true);
  out.set(tokenBytes, HELLO_FIXED_BYTES);
  return out;
}

export type HelloResult =
  | { state: 'need-more' }
  | { state: 'bad'; reason: string }
  | { state: 'ok'; token: Uint8Array; pid: number; used: number; role: HelloRole };

function matches(buf: Uint8Array, magic: string): boolean {
  const have = Math.min(buf.length, magic.length);
  for (let i = 0; i < have; i++) if (buf[i] !== magic.charCodeAt(i)) return false;
  return true;
}

/** Parses a hello from the first bytes of a connection. */
export function parseHello(buf: Uint8Array): HelloResult {
  const trace = matches(buf, HELLO_MAGIC);
  if (!trace && !matches(buf, WATCH_MAGIC)) return { state: 'bad', reason: 'not a Loop Lens tracer' };
  if (buf.length < HELLO_FIXED_BYTES) return { state: 'need-more' };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.length);
  const tokenBytes = view.getUint32(8, true);
  if (tokenBytes > MAX_TOKEN_BYTES) return { state: 'bad', reason: 'token too long' };
  if (buf.length < HELLO_FIXED_BYTES + tokenBytes) return { state: 'need-more' };
  return {
    state: 'ok',
    pid: view.getUint32(12, true),
    token: buf.slice(HELLO_FIXED_BYTES, HELLO_FIXED_BYTES + tokenBytes),
    used: HELLO_FIXED_BYTES + tokenBytes,
    // With the whole magic read, `trace` is decided.
    role: trace ? 'trace' : 'watchdog',
  };
}
