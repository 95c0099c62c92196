/** How a launcher adds the tracer to a Node.js process it starts: NODE_OPTIONS, kept as it was. */

/** NODE_OPTIONS with a --require of the tracer added after what the user had. */
export function withPreload(existing: string | undefined, tracer: string): string {
  const quoted = /[\s"\\]/.test(tracer) ? `"${tracer.replace(/(["\\])/g, '\\$1')}"` : tracer;
  const flag = `--require ${quoted}`;
  if (existing === undefined || existing.trim() === '') return flag;
  if (existing.includes(flag)) return existing;
  return `${existing} ${flag}`;
}

/**
 * The value of one variable in a dotenv file (KEY=value lines, # comments, optional quotes, an
 * optional `export `), as debuggers read `envFile`. Undefined when the file does not set it.
 */
export function dotenvValue(text: string, key: string): string | undefined {
  let value: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([\w.-]+)\s*=\s*(.*)$/.exec(line);
    if (match === null || match[1] !== key) continue;
    let v = match[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    else v = v.replace(/\s+#.*$/, '');
    value = v;
  }
  return value;
}
