/**
 * Slow synchronous calls, timed by the tracer itself: time inside one native call cannot be
 * sampled.
 */
import { blockingCall, current, enabled, now } from '../engine';
import { captureLocation } from '../locations';
import { AnyFunction, callWith, copyProperties, replace } from './base';
import { writeBlockSample } from '../blockSamples';

// ---------------------------------------------------------------------------------------------
// Slow synchronous calls: time spent inside one native call cannot be sampled (the main thread
// serves no interrupt until the call returns), so the calls that commonly block a server time
// themselves. A call that takes a noticeable part of the block threshold captures where it was
// called from — once it has returned, so a fast call costs two clock reads.

export let slowCallMs = 25;

export function setSlowCallThreshold(blockMs: number): void {
  slowCallMs = blockMs / 2;
}

export function patchSyncApi(
  target: object,
  key: string,
  label: string,
  worth?: (first: unknown) => boolean,
): void {
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== 'function') return;
  const originalFn = fn as AnyFunction;
  const patched = {
    [key](this: unknown, a: unknown, b: unknown) {
      if (!enabled || (worth !== undefined && !worth(a)))
        return arguments.length <= 2
          ? callWith(originalFn, this, arguments.length, a, b)
          : Reflect.apply(originalFn, this, arguments);
      const started = now();
      try {
        // Without Reflect.apply for the common arities: JSON.parse is on every request's path.
        if (arguments.length === 1) return originalFn.call(this, a);
        if (arguments.length === 2) return originalFn.call(this, a, b);
        return Reflect.apply(originalFn, this, arguments);
      } finally {
        const took = now() - started;
        // (Time the thread may have slept by the program's own doing: see stintCpu in engine.ts.)
        blockingCall(took);
        if (took >= slowCallMs && enabled) reportSlowCall(label, started, took, patched);
      }
    },
  }[key];
  copyProperties(patched, originalFn);
  replace(target, key, patched);
}

export function reportSlowCall(label: string, started: number, took: number, skip: AnyFunction): void {
  const where = captureLocation(skip, true);
  if (where === null) return;
  const frame = {
    name: label,
    file: where.file,
    line: where.line,
    column: where.column,
    weightUs: took * 1000,
  };
  writeBlockSample(started, current !== null ? current.id : 0, took, 1, [frame]);
}

/** By module (its name without `node:`, also the label): patched when it is loaded (builtins.ts). */
export const SYNC_APIS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [
    'fs',
    [
      'readFileSync',
      'writeFileSync',
      'appendFileSync',
      'readdirSync',
      'statSync',
      'lstatSync',
      'existsSync',
      'copyFileSync',
      'cpSync',
      'rmSync',
      'mkdirSync',
      'readSync',
      'writeSync',
      'fsyncSync',
      'openSync',
    ],
  ],
  [
    'crypto',
    ['pbkdf2Sync', 'scryptSync', 'randomFillSync', 'generateKeyPairSync', 'generatePrimeSync', 'hkdfSync'],
  ],
  [
    'zlib',
    [
      'deflateSync',
      'deflateRawSync',
      'gzipSync',
      'gunzipSync',
      'inflateSync',
      'inflateRawSync',
      'unzipSync',
      'brotliCompressSync',
      'brotliDecompressSync',
    ],
  ],
  ['child_process', ['execSync', 'execFileSync', 'spawnSync']],
];

/**
 * JSON.parse is on every request's path, so only a text big enough to take a noticeable time is
 * timed (parsing runs at a few hundred MB/s: 64 KiB is a fraction of a millisecond). JSON.stringify
 * is not timed: its input's size is unknown up front; the watchdog's samples point next to it.
 */
export const BIG_JSON = 64 * 1024;
export const bigText = (text: unknown): boolean => typeof text === 'string' && text.length >= BIG_JSON;
