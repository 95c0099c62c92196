/**
 * The HTML snapshot: one self-contained file with the trace and the timeline viewer inside, which
 * any browser opens offline, without VS Code. It is the webview bundle and its stylesheet inlined
 * under a strict Content Security Policy (the inline script and style are allowed by their hashes,
 * nothing may be fetched), and the trace bytes as base64 that the viewer reads at start.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The element that carries the trace in a snapshot (read by webview/main.ts). */
export const SNAPSHOT_TRACE_ID = 'looplens-trace';

export interface SnapshotParts {
  /** Title shown in the viewer and the browser tab. */
  name: string;
  /** A native trace (the format `looplens record` writes). */
  trace: Uint8Array;
  /** Debugger pauses to mark, as the host knows them. */
  pauses?: ReadonlyArray<{ start: number; end: number | null; reason: string }>;
  /** The built webview: dist/webview/main.js and main.css. */
  script: string;
  style: string;
  /** Trace bytes per carrier element (a multiple of 3; tests make it small). */
  partBytes?: number;
}

/** Reads the built viewer from `dist/webview` under `root` (the extension's or package's folder). */
export function readViewer(root: string): { script: string; style: string } {
  const dir = path.join(root, 'dist', 'webview');
  try {
    return {
      script: fs.readFileSync(path.join(dir, 'main.js'), 'utf8'),
      style: fs.readFileSync(path.join(dir, 'main.css'), 'utf8'),
    };
  } catch (error) {
    throw new Error(
      `the timeline viewer is not built (${(error as Error).message}); run "npm run build" first`,
    );
  }
}

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Text put inside a <script> or <style> element cannot end it early. */
function inert(text: string, tag: 'script' | 'style'): string {
  // "</script" (any case) would close the element and "<!--" could start an escaped section. In the
  // bundle they only appear inside string literals, regular expressions or comments, where "\x3C"
  // means "<"; in a stylesheet "<\/" means "</".
  if (tag === 'style') return text.replace(/<\/(style)/gi, '<\\/$1');
  return text.replace(/<\/(script)/gi, '\\x3C/$1').replace(/<!--/g, '\\x3C!--');
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A source map comment would point at a file the snapshot does not have. */
const withoutSourceMap = (text: string): string =>
  text
    .replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n')
    .replace(/\n\/\*# sourceMappingURL=\S* \*\/\s*$/, '\n');

/**
 * Trace bytes per carrier element: its base64 text stays far below the longest string a browser
 * holds (about 512 M characters), however large the trace. A multiple of 3, so that each part's
 * base64 stands alone.
 */
const PART_BYTES = 48 * 1024 * 1024;

/**
 * The snapshot as pieces to write one after another: a large trace never becomes one string (a
 * 400 MiB trace's base64 would pass the longest string V8 makes).
 */
export function snapshotHtmlParts(parts: SnapshotParts): Uint8Array[] {
  const script = inert(withoutSourceMap(parts.script), 'script');
  const style = inert(withoutSourceMap(parts.style), 'style');
  const info = JSON.stringify({ name: parts.name, pauses: parts.pauses ?? [] });
  const csp = [
    "default-src 'none'",
    'img-src data:',
    `style-src ${hash(style)}`,
    `script-src ${hash(script)}`,
  ].join('; ');
  const out: Uint8Array[] = [
    Buffer.from(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta name="generator" content="Loop Lens">
<title>${escapeHtml(parts.name)} — Loop Lens</title>
<style>${style}</style>
</head>
<body class="looplens-standalone" data-snapshot="${escapeHtml(info)}">
`),
  ];
  const trace = Buffer.from(parts.trace.buffer, parts.trace.byteOffset, parts.trace.byteLength);
  const size = parts.partBytes ?? PART_BYTES;
  for (let at = 0, i = 0; at < trace.length || i === 0; at += size, i++) {
    const id = i === 0 ? ` id="${SNAPSHOT_TRACE_ID}"` : '';
    out.push(Buffer.from(`<script type="application/octet-stream" class="${SNAPSHOT_TRACE_ID}"${id}>`));
    out.push(Buffer.from(trace.subarray(at, at + size).toString('base64')));
    out.push(Buffer.from('</script>\n'));
  }
  out.push(
    Buffer.from(`<script>${script}</script>
</body>
</html>
`),
  );
  return out;
}

/** The snapshot as one string (for traces of ordinary size; write large ones by their parts). */
export function snapshotHtml(parts: SnapshotParts): string {
  return Buffer.concat(snapshotHtmlParts(parts)).toString('utf8');
}
