// Draws media/icon.png (128×128): the chef lane over three dish lanes, one of them blocked.
// Plain zlib and CRC: no image library needed. Run it again only to change the icon.
import { deflateSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const size = 128;
const pixels = Buffer.alloc(size * size * 4);
const set = (x, y, [r, g, b, a]) => {
  const i = (y * size + x) * 4;
  pixels[i] = r;
  pixels[i + 1] = g;
  pixels[i + 2] = b;
  pixels[i + 3] = a;
};
const fillRect = (x0, y0, w, h, color) => {
  for (let y = y0; y < y0 + h; y++) for (let x = x0; x < x0 + w; x++) set(x, y, color);
};
// Rounded dark background.
for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const r = 22;
    const dx = Math.max(0, r - x, x - (size - 1 - r));
    const dy = Math.max(0, r - y, y - (size - 1 - r));
    if (dx * dx + dy * dy <= r * r) set(x, y, [30, 34, 44, 255]);
  }
}
const blue = [55, 148, 255, 255];
const green = [137, 209, 133, 255];
const purple = [177, 128, 215, 255];
const red = [241, 76, 76, 255];
// Chef lane: who the loop works for.
fillRect(16, 18, 18, 16, blue);
fillRect(36, 18, 12, 16, green);
fillRect(50, 18, 44, 16, red);
fillRect(96, 18, 16, 16, purple);
// Dish lanes: thin waits, thick runs.
fillRect(16, 52, 96, 2, blue);
fillRect(16, 47, 18, 12, blue);
fillRect(96, 47, 10, 12, blue);
fillRect(30, 74, 82, 2, green);
fillRect(36, 69, 12, 12, green);
fillRect(50, 91, 44, 12, red);
fillRect(20, 113, 92, 2, purple);
fillRect(96, 108, 16, 12, purple);

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, tail]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header[8] = 8; // bit depth
header[9] = 6; // RGBA
const rows = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(rows)),
  chunk('IEND', Buffer.alloc(0)),
]);
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
mkdirSync(path.join(root, 'media'), { recursive: true });
writeFileSync(path.join(root, 'media', 'icon.png'), png);
console.log('wrote media/icon.png');
