/**
 * `npx tsx bench/jitNames.ts DUMP [DUMP2] [--map /tmp/perf-PID.map] [--top N] [--grep RE]
 * [--per N]`: the self cost of each function in a callgrind dump kept by `bench:instructions --keep
 * DIR --perf-map`, with V8's JIT code named from Node's perf map (callgrind names code it has no
 * symbols for by its address). Functions of one name (the same JavaScript function compiled by
 * several tiers, or its copies) are summed. With two dumps, both are listed side by side with their
 * difference (the first is the "before"). `--per N` divides every figure by N (the measured
 * requests, for instructions a request).
 *
 * The map is found from the dump's `pid:` line (`/tmp/perf-PID.map`, where Node writes it) unless
 * `--map` names it; with two dumps, `--map` may be given twice. A JIT address falls in the entry
 * whose range holds it; V8 may reuse an address for other code later in the run, so the last entry
 * written for a range wins (the map is read in order).
 */
import * as fs from 'node:fs';
import { helpIfAsked } from './usage';

helpIfAsked(__filename);

interface MapEntry {
  start: number;
  end: number;
  name: string;
}

function readMap(file: string): MapEntry[] {
  const entries: MapEntry[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1], 16);
    entries.push({ start, end: start + parseInt(m[2], 16), name: m[3] });
  }
  // Later entries first for equal starts, so that the search finds the latest code at an address.
  const order = entries.map((e, i) => ({ e, i }));
  order.sort((a, b) => a.e.start - b.e.start || b.i - a.i);
  return order.map((o) => o.e);
}

function lookup(map: MapEntry[], addr: number): string | null {
  let lo = 0;
  let hi = map.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (map[mid].start <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // The nearest start at or below the address; walk back over entries whose range may still hold it.
  for (let i = found; i >= 0 && i > found - 64; i--) {
    if (map[i].start <= addr && addr < map[i].end) return map[i].name;
  }
  return null;
}

/**
 * A function of a build of the tracer named without its folder and line (`JS:*enterQueued
 * tracer.js`), so that two builds' functions line up.
 */
function sameAcrossBuilds(name: string): string {
  return name.replace(/^(JS:\S+) \S*\/dist\/(tracer\w*\.js):\d+:\d+$/, '$1 $2');
}

/** Calls made to each function (by name), and with `--callers RE`, calls by caller and callee. */
const calls = new Map<string, number>();
const callers = new Map<string, number>();
let callersOf: RegExp | null = null;

/** Self cost (the first event, instructions) by function name. */
function selfCosts(file: string, mapFile: string | null): { costs: Map<string, number>; total: number } {
  const text = fs.readFileSync(file, 'utf8');
  const pid = /^pid: (\d+)/m.exec(text)?.[1];
  const mapPath = mapFile ?? (pid !== undefined ? `/tmp/perf-${pid}.map` : null);
  const map = mapPath !== null && fs.existsSync(mapPath) ? readMap(mapPath) : [];
  if (map.length === 0) console.error(`${file}: no perf map (${mapPath ?? 'no pid'}): JIT code unnamed`);
  const names = new Map<string, string>();
  const costs = new Map<string, number>();
  let fn = '';
  let cfn = '';
  let skipNext = false;
  let total = 0;
  const nameOf = (spec: string): string => {
    const m = /^\((\d+)\)(?: (.*))?$/.exec(spec);
    if (m === null) return spec;
    if (m[2] !== undefined) names.set(m[1], m[2]);
    return names.get(m[1]) ?? spec;
  };
  /** A function's name in the dump, a JIT address named through the perf map, the same across builds. */
  const functionOf = (spec: string): string => {
    const name = nameOf(spec);
    const addr = /^0x([0-9a-f]+)$/.exec(name);
    return sameAcrossBuilds(addr !== null ? (lookup(map, parseInt(addr[1], 16)) ?? name) : name);
  };
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) {
      fn = functionOf(line.slice(3));
      continue;
    }
    if (line.startsWith('cfn=')) {
      cfn = functionOf(line.slice(4));
      continue;
    }
    if (line.startsWith('calls=')) {
      skipNext = true;
      const count = Number(/^calls=(\d+)/.exec(line)?.[1] ?? 0);
      calls.set(cfn, (calls.get(cfn) ?? 0) + count);
      if (callersOf !== null && callersOf.test(cfn)) {
        const key = `${fn} -> ${cfn}`;
        callers.set(key, (callers.get(key) ?? 0) + count);
      }
      continue;
    }
    const c = /^(?:[+-]?\d+|\*) (\d+)/.exec(line);
    if (c === null) continue;
    if (skipNext) {
      skipNext = false;
      continue;
    }
    const v = Number(c[1]);
    total += v;
    costs.set(fn, (costs.get(fn) ?? 0) + v);
  }
  return { costs, total };
}

const args = process.argv.slice(2);
const dumps: string[] = [];
const maps: string[] = [];
let top = 40;
let grep: RegExp | null = null;
let per = 1;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--map') maps.push(args[++i]);
  else if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--grep') grep = new RegExp(args[++i]);
  else if (args[i] === '--per') per = Number(args[++i]);
  else if (args[i] === '--callers') callersOf = new RegExp(args[++i]);
  else dumps.push(args[i]);
}
if (dumps.length === 0) {
  console.error('usage: npx tsx bench/jitNames.ts DUMP [DUMP2] [--map FILE] [--top N] [--grep RE] [--per N]');
  process.exit(2);
}
const runs = dumps.map((d, i) => selfCosts(d, maps[i] ?? null));
const keys = new Set<string>();
for (const r of runs) for (const k of r.costs.keys()) keys.add(k);
const rows = [...keys]
  .filter((k) => grep === null || grep.test(k))
  .map((k) => ({ k, v: runs.map((r) => (r.costs.get(k) ?? 0) / per) }))
  .sort((a, b) => Math.max(...b.v.map(Math.abs)) - Math.max(...a.v.map(Math.abs)));
const fmt = (v: number): string => v.toFixed(1).padStart(10);
console.log(`total${runs.map((r) => fmt(r.total / per)).join('')}`);
let sums = runs.map(() => 0);
for (const row of rows) sums = sums.map((s, i) => s + row.v[i]);
if (grep !== null) console.log(`matching${sums.map(fmt).join('')}`);
// Calls are summed over all dumps given (per --per): with one dump, the calls of each function.
for (const row of rows.slice(0, top)) {
  const diff = row.v.length === 2 ? fmt(row.v[1] - row.v[0]) : '';
  const called = runs.length === 1 ? `${fmt((calls.get(row.k) ?? 0) / per)} calls` : '';
  console.log(`${row.v.map(fmt).join('')}${diff}${called}  ${row.k}`);
}
for (const [key, count] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${fmt(count / per)} calls  ${key}`);
