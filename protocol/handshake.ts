/**
 * The first bytes a tracer sends on a live connection, before the trace stream itself, and the one
 * byte the reader answers with. The token proves the connection comes from the process the reader
 * launched: it travels in the environment (never on the command line) and is compared in constant
 * time.
 *
 *   Hello  := HELLO_MAGIC (8 bytes, ASCII "LLHELLO1") | u32 tokenBytes (≤ MAX_TOKEN_BYTES) |
 *             u32 pid | token (UTF-8)
 *   Reply  := one byte: REPLY_ACCEPT (send the trace) or REPLY_REJECT (stop tracing and close)
 */
export const HELLO_MAGIC = 'LLHELLO1';
export const HELLO_FIXED_BYTES = 16;
export const MAX_TOKEN_BYTES = 256;
export const REPLY_ACCEPT = 0x01;
export const REPLY_REJECT = 0x00;

const encoder = new TextEncoder();

export function encodeHello(token: string, pid: number): Uint8Array {
  const tokenBytes = encoder.encode(token).subarray(0, MAX_TOKEN_BYTES);
  const out = new Uint8Array(HELLO_FIXED_BYTES + tokenBytes.length);
  for (let i = 0; i < HELLO_MAGIC.length; i++) out[i] = HELLO_MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, tokenBytes.length, true);
  view.setUint32(12, pid >>> 0, true);
  out.set(tokenBytes, HELLO_FIXED_BYTES);
  return out;
}

export type HelloResult =
  | { state: 'need-more' }
  | { state: 'bad'; reason: string }
  | { state: 'ok'; token: Uint8Array; pid: number; used: number };

/** Parses a hello from the first bytes of a connection. */
export function parseHello(buf: Uint8Array): HelloResult {
  const have = Math.min(buf.length, HELLO_MAGIC.length);
  for (let i = 0; i < have; i++) {
    if (buf[i] !== HELLO_MAGIC.charCodeAt(i)) return { state: 'bad', reason: 'not a Loop Lens tracer' };
  }
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
  };
}
