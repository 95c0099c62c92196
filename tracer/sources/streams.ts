/**
 * Streams piped by a task are its work.
 */
import { Reason } from '../../protocol/format';
import { asProbe, current, enabled, enter, leave, openerDone, taskOf } from '../engine';
import { Slot, regSlot } from '../dishes';
import { AnyFunction, callWith, copyProperties, replace } from './base';

// ---------------------------------------------------------------------------------------------
// Streams piped by a task (a file through gzip into a response) are its work: the data flows from
// callbacks the runtime makes (a read done, a chunk compressed), each pushing into the next stream.
// A push into a stream of the pipe, from code that runs for no task, runs as the task that piped.

export const kStream = Symbol('looplens.stream');
/** A connection the program opened: the task that opened it (see engine.ts, startProbe). */
export const kConn = Symbol('looplens.conn');
/** Of such a connection: the task that wrote to it last (asked for something: a query, a command). */
export const kAsker = Symbol('looplens.asker');
export type Piped = { [kStream]?: Slot; [kConn]?: Slot; [kAsker]?: Slot };

export function patchStreams(stream: typeof import('node:stream')): void {
  const proto = stream.Readable.prototype as unknown as Record<string, AnyFunction>;
  const pipe = proto.pipe;
  const push = proto.push;
  if (typeof pipe !== 'function' || typeof push !== 'function') return;
  const patchedPipe = {
    pipe(this: Piped, dest: unknown) {
      if (enabled && current !== null) {
        const slot = regSlot();
        if (slot !== null) {
          this[kStream] = slot;
          if (typeof dest === 'object' && dest !== null && (dest as Piped)[kStream] === undefined)
            (dest as Piped)[kStream] = slot;
        }
      }
      return Reflect.apply(pipe, this, arguments);
    },
  }.pipe;
  const patchedPush = {
    push(this: Piped, chunk: unknown, encoding: unknown) {
      const slot = this[kStream];
      if (slot === undefined || current !== null || !enabled) {
        const conn = slot === undefined && current === null ? this[kConn] : undefined;
        if (conn !== undefined && enabled) return probePush(this, conn, push, arguments);
        return arguments.length <= 2
          ? callWith(push, this, arguments.length, chunk, encoding)
          : Reflect.apply(push, this, arguments);
      }
      const task = taskOf(slot.r);
      const n = arguments.length;
      if (task === null || task.ended)
        return n <= 2 ? callWith(push, this, n, chunk, encoding) : Reflect.apply(push, this, arguments);
      enter(task, Reason.Io);
      try {
        return n <= 2 ? callWith(push, this, n, chunk, encoding) : Reflect.apply(push, this, arguments);
      } finally {
        leave();
      }
    },
  }.push;
  copyProperties(patchedPipe as AnyFunction, pipe);
  copyProperties(patchedPush as AnyFunction, push);
  replace(proto, 'pipe', patchedPipe as AnyFunction);
  replace(proto, 'push', patchedPush as AnyFunction);
}

/** A read of a connection the program opened, as a probe of its opener (engine.ts, startProbe). */
function probePush(stream: Piped, conn: Slot, push: AnyFunction, args: IArguments): unknown {
  // What comes back is for whoever asked last (a pool's connection serves one request, then
  // another), or for the opener who never wrote (a subscriber's connection, once subscribed).
  const asker = stream[kAsker];
  let opener = asker !== undefined ? taskOf(asker.r) : null;
  if (opener === null || openerDone(opener)) opener = taskOf(conn.r);
  return asProbe(opener, push, stream, args, true);
}
