/**
 * Callback APIs of fs, dns, zlib, crypto and child_process: the callback (the last argument) runs
 * as the task that made the call.
 */
import { Reason } from '../../protocol/format';
import { current, enabled } from '../engine';
import { regSlot } from '../dishes';
import { AnyFunction, bindToSlot, copyProperties, replace } from './base';

// ---------------------------------------------------------------------------------------------
// Callback APIs: the callback (the last argument) runs as the task that made the call.

export function patchCallbackApi(target: object, key: string): void {
  const own = Reflect.getOwnPropertyDescriptor(target, key);
  if (own?.get !== undefined && own.configurable === true) {
    patchLazyApi(target, key, own);
    return;
  }
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== 'function') return;
  const patched = wrapCallbackApi(fn as AnyFunction, key);
  replace(target, key, patched);
}

/**
 * An API whose getter loads its module at the first read (fs.opendir's loads fs's `Dir`,
 * internal/fs/dir: 1.4 M instructions before the program's first line when the start read it):
 * its getter is wrapped instead, and hands out the function it returns wrapped, made when the
 * program first reads it (and again if the program set another). The setter stays the original's.
 * (Node 22 and later make fs's `Dir`, `opendir` and `opendirSync` V8's lazy data properties
 * instead: reading the descriptor loads internal/fs/dir, and there is no getter to wrap — the
 * function is patched at the start, as any other.)
 */
function patchLazyApi(target: object, key: string, own: PropertyDescriptor): void {
  const read = own.get!;
  let from: unknown;
  let made: unknown;
  const getter = Reflect.getOwnPropertyDescriptor(
    {
      get [key]() {
        const fn: unknown = Reflect.apply(read, this, []);
        if (fn !== from) {
          from = fn;
          made = typeof fn === 'function' ? wrapCallbackApi(fn as AnyFunction, key) : fn;
        }
        return made;
      },
    },
    key,
  )!.get!;
  try {
    Object.defineProperty(target, key, {
      get: getter,
      set: own.set,
      enumerable: own.enumerable,
      configurable: true,
    });
  } catch {
    // not replaceable: leave it alone
  }
}

function wrapCallbackApi(originalFn: AnyFunction, key: string): AnyFunction {
  const patched = {
    [key](this: unknown) {
      const last = arguments.length - 1;
      if (current === null || !enabled || last < 0 || typeof arguments[last] !== 'function') {
        return Reflect.apply(originalFn, this, arguments);
      }
      const args = Array.prototype.slice.call(arguments);
      args[last] = bindToSlot(regSlot()!, args[last] as AnyFunction, Reason.Io);
      return Reflect.apply(originalFn, this, args);
    },
  }[key];
  copyProperties(patched, originalFn);
  return patched;
}

/** By module (its name without `node:`): patched when it is loaded (builtins.ts). */
export const CALLBACK_APIS: ReadonlyArray<readonly [string, readonly string[]]> = [
  [
    'fs',
    [
      'access',
      'appendFile',
      'chmod',
      'chown',
      'close',
      'copyFile',
      'cp',
      'fchmod',
      'fchown',
      'fdatasync',
      'fstat',
      'fsync',
      'ftruncate',
      'futimes',
      'lchown',
      'link',
      'lstat',
      'lutimes',
      'mkdir',
      'mkdtemp',
      'open',
      'opendir',
      'read',
      'readdir',
      'readFile',
      'readlink',
      'readv',
      'realpath',
      'rename',
      'rm',
      'rmdir',
      'stat',
      'statfs',
      'symlink',
      'truncate',
      'unlink',
      'utimes',
      'write',
      'writeFile',
      'writev',
    ],
  ],
  [
    'dns',
    [
      'lookup',
      'lookupService',
      'resolve',
      'resolve4',
      'resolve6',
      'resolveAny',
      'resolveCname',
      'resolveMx',
      'resolveNs',
      'resolveSrv',
      'resolveTxt',
      'reverse',
    ],
  ],
  [
    'zlib',
    [
      'deflate',
      'deflateRaw',
      'gzip',
      'gunzip',
      'inflate',
      'inflateRaw',
      'unzip',
      'brotliCompress',
      'brotliDecompress',
    ],
  ],
  [
    'crypto',
    [
      'randomBytes',
      'randomFill',
      'pbkdf2',
      'scrypt',
      'generateKeyPair',
      'generatePrime',
      'hkdf',
      'randomInt',
    ],
  ],
  ['child_process', ['exec', 'execFile']],
];
