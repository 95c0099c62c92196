/** The header that begins every trace stream and trace file (see format.ts). */
import { FORMAT_VERSION, HEADER_FIXED_BYTES, MAGIC, MAX_META_BYTES, TraceMeta, UNIT_BYTES } from './format';

const encoder = new TextEncoder();
const SPACE = 0x20;

/** Encodes the header; the JSON is padded with spaces so the header is a whole number of units. */
export function encodeHeader(meta: TraceMeta): Uint8Array {
  const json = encoder.encode(JSON.stringify(meta));
  const metaBytes =
    Math.ceil((HEADER_FIXED_BYTES + json.length) / UNIT_BYTES) * UNIT_BYTES - HEADER_FIXED_BYTES;
  if (metaBytes > MAX_META_BYTES) throw new RangeError('trace metadata is too large');
  const out = new Uint8Array(HEADER_FIXED_BYTES + metaBytes);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const view = new DataView(out.buffer);
  view.setUint32(8, FORMAT_VERSION, true);
  view.setUint32(12, metaBytes, true);
  out.set(json, HEADER_FIXED_BYTES);
  out.fill(SPACE, HEADER_FIXED_BYTES + json.length);
  return out;
}
