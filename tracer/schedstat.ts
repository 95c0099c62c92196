// The main thread's scheduler counters, where Linux gives them: /proc/self/task/<tid>/schedstat
// holds ns on a CPU, ns ready to run but waiting for one (the run queue), timeslices; the main
// thread's tid is the process id. Read by the main thread (engine.ts: how much of a long stint the
// machine took) and by the watchdog's thread (once for each stint it sees open); each bundle has its
// own reader and file. Where there is no such file (other systems) a reader says null from then on.
// Required, not imported as a namespace: a bundled `import * as` copies every export of fs into an
// object of getters as the tracer loads (0.65 M instructions of every traced program's start, each).
import fs = require('node:fs');

// Taken when the tracer loads, before the program can patch them.
const { openSync: fsOpen, readSync: fsRead } = fs;
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
const SPACE = 0x20;
const ZERO = 0x30;

export class Schedstat {
  /** The file kept open: -2 not opened yet, -1 none (stop asking). Cheap to test on a hot path. */
  fd = process.platform === 'linux' ? -2 : -1;
  private readonly buf = Buffer.alloc(96);

  /** The main thread's [ns on a CPU, ns waiting for one]; null if not known. Never throws. */
  read(): [number, number] | null {
    try {
      if (this.fd === -2) this.fd = fsOpen(SCHEDSTAT, 'r');
      if (this.fd < 0) return null;
      const buf = this.buf;
      const n = fsRead(this.fd, buf, 0, buf.length, 0);
      // "<ns on a CPU> <ns waiting> <timeslices>\n", read as digits (no strings made).
      let i = 0;
      let cpu = 0;
      for (; i < n && buf[i] !== SPACE; i++) cpu = cpu * 10 + (buf[i] - ZERO);
      let wait = 0;
      for (i++; i < n && buf[i] !== SPACE; i++) wait = wait * 10 + (buf[i] - ZERO);
      if (i < n && Number.isFinite(cpu) && Number.isFinite(wait)) return [cpu, wait];
    } catch {
      // no such file: stop asking
    }
    this.fd = -1;
    return null;
  }
}
