import { strict as assert } from 'node:assert';
import { ChunkWriter, utf8Of, MAX_STRING_BYTES } from '../protocol/chunkWriter';
import { CHUNK_HEADER_BYTES, FORMAT_VERSION, TraceMeta, UNIT_BYTES } from '../protocol/format';
import { encodeHello, parseHello } from '../protocol/handshake';
import { encodeHeader } from '../protocol/header';
import { LIVE_RECORD_BYTES, LiveReader, LiveType, encodeLive } from '../protocol/live';
import { EventVisitor, TraceFormatError, TraceReader } from '../protocol/reader';
import { handWrittenTrace } from './helpers';

const META: TraceMeta = {
  formatVersion: FORMAT_VERSION,
  runtime: 'node v20.0.0',
  pid: 42,
  startTime: 10,
  clockOriginEpochMs: 1_700_000_000_000,
  blockMs: 50,
};

type Logged = [string, ...unknown[]];

function recorder(): { visitor: EventVisitor; log: Logged[] } {
  const log: Logged[] = [];
  const visitor: EventVisitor = {
    run: (...a) => log.push(['run', ...a]),
    idle: (...a) => log.push(['idle', ...a]),
    task: (...a) => log.push(['task', ...a]),
    taskEnd: (...a) => log.push(['taskEnd', ...a]),
    ready: (...a) => log.push(['ready', ...a]),
    taskInfo: (...a) => log.push(['taskInfo', ...a]),
    lag: (...a) => log.push(['lag', ...a]),
    dropped: (...a) => log.push(['dropped', ...a]),
    end: (...a) => log.push(['end', ...a]),
    blockSample: (...a) => log.push(['blockSample', ...a]),
    stintCpu: (...a) => log.push(['stintCpu', ...a]),
    fold: (...a) => log.push(['fold', ...a]),
  };
  return { visitor, log };
}

function sampleTrace(): Uint8Array {
  const w = new ChunkWriter(64);
  w.string(1, utf8Of('GET /orders'));
  w.string(2, utf8Of('/srv/app.js'));
  w.task(11, 7, 1, 0, 1, 0, 2, 12, 3);
  w.run(11.5, 7, 2);
  w.ready(20, 7);
  w.idle(12.25);
  w.taskEnd(13, 7, 0);
  w.taskInfo(13.5, 7, 1, 2, 14, 5);
  w.task(14, 8, 8, 7, 1, 12, 0, 0, 0);
  w.taskInfo(14.5, 8, 0, 0, 0, 0, 7);
  w.fold(15, 8, 7);
  w.stintCpu(11.5, 7, 131.5, 110_000, 8_250);
  w.stintCpu(11.5, 7, 140, 110_000, 8_250, 9_500);
  w.lag(100, 250, 9000, 12000, 4);
  w.dropped(200, 17, 210);
  w.blockSample(11.5, 7, 80, 9, [{ name: 1, file: 2, line: 30, column: 4, weightUs: 75_000 }], 61.25);
  w.blockSample(11.5, 7, 5, 1, [{ name: 1, file: 2, line: 31, column: 1, weightUs: 5_000 }]);
  w.end(300, 1, 3);
  return handWrittenTrace(w, META);
}

describe('trace format', () => {
  it('pads the header to whole 16-byte units', () => {
    assert.equal(encodeHeader(META).length % UNIT_BYTES, 0);
  });

  it('reads back every event type with its fields', () => {
    const { visitor, log } = recorder();
    const reader = new TraceReader(visitor);
    reader.push(sampleTrace());
    reader.finish();
    assert.equal(reader.meta?.pid, 42);
    assert.equal(reader.meta?.blockMs, 50);
    assert.ok(reader.ended);
    const loc = { file: '/srv/app.js', line: 12, column: 3 };
    assert.deepEqual(log, [
      ['task', 11, 7, 1, 0, 'GET /orders', 0, loc],
      ['run', 11.5, 7, 2],
      ['ready', 20, 7],
      ['idle', 12.25],
      ['taskEnd', 13, 7, 0],
      ['taskInfo', 13.5, 7, 'GET /orders', { file: '/srv/app.js', line: 14, column: 5 }, 0],
      ['task', 14, 8, 8, 7, 'GET /orders', 12, null],
      ['taskInfo', 14.5, 8, null, null, 7],
      ['fold', 15, 8, 7],
      ['stintCpu', 11.5, 7, 131.5, 110, 8.25, -1],
      ['stintCpu', 11.5, 7, 140, 110, 8.25, 9.5],
      ['lag', 100, 250, 9000, 12000, 4],
      ['dropped', 200, 17, 210],
      [
        'blockSample',
        11.5,
        7,
        80,
        9,
        [{ name: 'GET /orders', location: { file: '/srv/app.js', line: 30, column: 4 }, weightUs: 75000 }],
        61.25,
      ],
      // Without the thread's CPU time (a timed call; an older writer): not known.
      [
        'blockSample',
        11.5,
        7,
        5,
        1,
        [{ name: 'GET /orders', location: { file: '/srv/app.js', line: 31, column: 1 }, weightUs: 5000 }],
        -1,
      ],
      ['end', 300, 1, 3],
    ]);
  });

  it('decodes the same events whatever the pieces the stream arrives in', () => {
    const bytes = sampleTrace();
    const whole = recorder();
    const r1 = new TraceReader(whole.visitor);
    r1.push(bytes);
    for (const size of [1, 3, 7, 16, 33]) {
      const pieces = recorder();
      const r2 = new TraceReader(pieces.visitor);
      for (let i = 0; i < bytes.length; i += size) r2.push(bytes.subarray(i, i + size));
      r2.finish();
      assert.deepEqual(pieces.log, whole.log, `pieces of ${size} bytes`);
    }
  });

  it('puts a large chunk that arrives in small writes together once (linear, not a copy per write)', () => {
    // 4 MiB of run/idle records in one chunk, pushed 64 bytes at a time: 65,536 pushes. Copying
    // what is pending at every push, as before, moved about 140 GB.
    const w = new ChunkWriter((4 * 1024 * 1024) / 16 - 1);
    for (let i = 0; w.bytes().length < 4 * 1024 * 1024 - 64; i++) {
      w.run(i, 1, 2);
      w.idle(i + 0.5);
    }
    const chunk = w.bytes();
    const header = encodeHeader(META);
    const { visitor, log } = recorder();
    const reader = new TraceReader(visitor);
    reader.push(header);
    for (let i = 0; i < chunk.length; i += 64) {
      reader.push(chunk.subarray(i, i + 64));
      if (i + 64 < chunk.length) assert.equal(log.length, 0, 'nothing is read before the chunk is whole');
    }
    reader.finish();
    assert.equal(reader.pendingBytes, 0);
    assert.ok(log.length > 200_000, `${log.length} records read`);
  });

  it('uses at most 16 bytes for a run or idle record', () => {
    const w = new ChunkWriter(4);
    w.run(1, 2, 3);
    w.idle(2);
    assert.equal(w.bytes().length - CHUNK_HEADER_BYTES, 2 * UNIT_BYTES);
  });

  it('writes an idle and the run after it in one call as the same bytes as two calls', () => {
    const apart = new ChunkWriter(8);
    const together = new ChunkWriter(8);
    // A chunk is reused: the pair must overwrite every byte of what was there before.
    new Uint8Array(together.buffer).fill(0xff);
    for (const w of [apart, together]) w.task(0.5, 7, 1, 0, 0, 0, 0, 0, 0);
    apart.idle(1.25);
    apart.run(2.5, 7, 4);
    together.idleRun(1.25, 2.5, 7, 4);
    assert.deepEqual(together.bytes(), apart.bytes());
  });

  it('cuts strings that are too long at a character boundary', () => {
    const text = 'é'.repeat(MAX_STRING_BYTES);
    const bytes = utf8Of(text);
    assert.ok(bytes.length <= MAX_STRING_BYTES);
    assert.equal(new TextDecoder('utf-8', { fatal: true }).decode(bytes), 'é'.repeat(bytes.length / 2));
  });

  describe('refuses bad input with a clear error', () => {
    const read = (bytes: Uint8Array): TraceFormatError => {
      const reader = new TraceReader(recorder().visitor);
      try {
        reader.push(bytes);
        reader.finish();
      } catch (error) {
        assert.ok(error instanceof TraceFormatError, `expected a TraceFormatError, got ${String(error)}`);
        return error;
      }
      assert.fail('no error');
    };

    it('says a file that is not a trace is not a trace', () => {
      const error = read(new TextEncoder().encode('{"traceEvents": []}'));
      assert.equal(error.code, 'not-a-trace');
    });

    it('says an empty file is empty', () => {
      assert.match(read(new Uint8Array(0)).message, /empty/);
    });

    it('asks for a newer Loop Lens for a newer format', () => {
      const bytes = sampleTrace();
      new DataView(bytes.buffer).setUint32(8, FORMAT_VERSION + 1, true);
      const error = read(bytes);
      assert.equal(error.code, 'newer-version');
      assert.match(error.message, /update Loop Lens/);
    });

    it('says where a truncated trace stops', () => {
      const bytes = sampleTrace();
      const error = read(bytes.subarray(0, bytes.length - 20));
      assert.equal(error.code, 'truncated');
      assert.match(error.message, /middle of a chunk/);
    });

    it('rejects a chunk that claims more than the cap before allocating for it', () => {
      const bytes = sampleTrace();
      const header = encodeHeader(META).length;
      new DataView(bytes.buffer).setUint32(header + 4, 0xfffffff0, true);
      assert.equal(read(bytes).code, 'corrupt');
    });

    it('rejects an event whose length runs past its chunk', () => {
      const bytes = sampleTrace();
      const header = encodeHeader(META).length;
      bytes[header + CHUNK_HEADER_BYTES + 1] = 200;
      assert.equal(read(bytes).code, 'corrupt');
    });

    it('rejects metadata that is not JSON', () => {
      const bytes = sampleTrace();
      bytes[16] = 0x7b;
      bytes[17] = 0x7b;
      assert.equal(read(bytes).code, 'corrupt');
    });
  });

  it('keeps the default block threshold when the header says 0 or less', () => {
    for (const blockMs of [0, -5, Number.NaN]) {
      const reader = new TraceReader(recorder().visitor);
      reader.push(encodeHeader({ ...META, blockMs }));
      reader.finish();
      assert.equal(reader.meta?.blockMs, 50, `blockMs ${blockMs}`);
    }
  });

  it('never throws anything but TraceFormatError on random bytes, nor hangs', () => {
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const good = sampleTrace();
    for (let round = 0; round < 2000; round++) {
      const bytes = good.slice();
      const flips = 1 + Math.floor(random() * 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? Math.floor(random() * bytes.length) : bytes.length;
      const reader = new TraceReader(recorder().visitor);
      try {
        reader.push(bytes.subarray(0, cut));
        reader.finish();
      } catch (error) {
        assert.ok(error instanceof TraceFormatError, `round ${round}: ${String(error)}`);
      }
    }
  });

  it('counts events of unknown types and skips them by their length', () => {
    const w = new ChunkWriter(8);
    w.run(1, 1, 0);
    w.idle(2);
    const chunk = w.bytes();
    // Turn the first record into an unknown type 200 that spans one unit.
    chunk[CHUNK_HEADER_BYTES] = 200;
    const header = encodeHeader(META);
    const { visitor, log } = recorder();
    const reader = new TraceReader(visitor);
    reader.push(header);
    reader.push(chunk);
    reader.finish();
    assert.equal(reader.stats.unknownEvents, 1);
    assert.deepEqual(log, [['idle', 2]]);
  });
});

describe('handshake', () => {
  it('carries the token and the process id', () => {
    const hello = encodeHello('secret-token', 1234);
    const parsed = parseHello(hello);
    assert.equal(parsed.state, 'ok');
    if (parsed.state !== 'ok') return;
    assert.equal(new TextDecoder().decode(parsed.token), 'secret-token');
    assert.equal(parsed.pid, 1234);
    assert.equal(parsed.used, hello.length);
  });

  it('waits for more bytes, and refuses strangers early', () => {
    const hello = encodeHello('t', 1);
    assert.equal(parseHello(hello.subarray(0, 5)).state, 'need-more');
    assert.equal(parseHello(new TextEncoder().encode('GET / HTTP/1.1')).state, 'bad');
  });

  it('tells a trace stream from a watchdog line', () => {
    const trace = parseHello(encodeHello('t', 1));
    const watchdog = parseHello(encodeHello('t', 2, 'watchdog'));
    assert.equal(trace.state === 'ok' && trace.role, 'trace');
    assert.equal(watchdog.state === 'ok' && watchdog.role, 'watchdog');
    assert.equal(parseHello(new TextEncoder().encode('LLWATCH2')).state, 'bad');
  });
});

describe('watchdog live records', () => {
  it('read back what was written, across any split', () => {
    const bytes = new Uint8Array(LIVE_RECORD_BYTES * 2);
    bytes.set(encodeLive(LiveType.Blocking, 7, 100.5, 180.25, 42), 0);
    bytes.set(encodeLive(LiveType.Resumed, 7, 100.5, 400, 42), LIVE_RECORD_BYTES);
    for (const cut of [1, 13, 32, 33, 63]) {
      const reader = new LiveReader();
      const records = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      assert.deepEqual(records, [
        { type: 'blocking', task: 7, since: 100.5, now: 180.25, seq: 42 },
        { type: 'resumed', task: 7, since: 100.5, now: 400, seq: 42 },
      ]);
    }
  });

  it('carry a task name after its record', () => {
    const name = encodeLive(LiveType.Name, 9, 0, 12, 3, 'GET /ünïcode');
    const reader = new LiveReader();
    assert.deepEqual(reader.push(name.subarray(0, LIVE_RECORD_BYTES + 2)), [], 'waits for the whole name');
    assert.deepEqual(reader.push(name.subarray(LIVE_RECORD_BYTES + 2)), [
      { type: 'name', task: 9, since: 0, now: 12, seq: 3, name: 'GET /ünïcode' },
    ]);
    const long = encodeLive(LiveType.Name, 9, 0, 12, 3, 'x');
    new DataView(long.buffer).setUint32(28, 100_000, true);
    assert.throws(() => new LiveReader().push(long), TraceFormatError, 'a name too long is refused');
  });

  it('refuse records that make no sense', () => {
    const badType = encodeLive(LiveType.Blocking, 1, 0, 1, 1);
    badType[0] = 9;
    const backwards = encodeLive(LiveType.Blocking, 1, 50, 10, 1);
    const notANumber = encodeLive(LiveType.Blocking, 1, NaN, 10, 1);
    const reserved = encodeLive(LiveType.Blocking, 1, 0, 10, 1);
    reserved[28] = 1;
    for (const record of [badType, backwards, notANumber, reserved])
      assert.throws(() => new LiveReader().push(record), TraceFormatError);
  });
});
