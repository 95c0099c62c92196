/**
 * The stints of a timeline, in growable typed columns (a million of them cost a few tens of
 * megabytes and no garbage), in time order.
 */

const INITIAL_STINTS = 1024;

/** Growable columns of stints. */
export class StintColumns {
  start = new Float64Array(INITIAL_STINTS);
  end = new Float64Array(INITIAL_STINTS);
  task = new Int32Array(INITIAL_STINTS);
  reason = new Uint8Array(INITIAL_STINTS);
  /** Since when the task was ready before this stint (NaN: not known to have waited for the loop). */
  readySince = new Float64Array(INITIAL_STINTS);
  length = 0;

  push(start: number, task: number, reason: number, readySince: number): number {
    if (this.length === this.start.length) this.grow();
    const i = this.length++;
    this.start[i] = start;
    this.end[i] = start;
    this.task[i] = task;
    this.reason[i] = reason;
    this.readySince[i] = readySince;
    return i;
  }

  /** Drops the first `count` stints; `renumber` gives each task's new index. */
  dropFirst(count: number, renumber: Int32Array): void {
    const n = this.length - count;
    this.start.copyWithin(0, count, this.length);
    this.end.copyWithin(0, count, this.length);
    this.task.copyWithin(0, count, this.length);
    this.reason.copyWithin(0, count, this.length);
    this.readySince.copyWithin(0, count, this.length);
    for (let i = 0; i < n; i++) this.task[i] = renumber[this.task[i]];
    this.length = n;
  }

  /**
   * How many stints start before `time` (`orAt`: at or before it) — the index of the first that
   * does not. Binary search: stints are in time order.
   */
  countStartingBefore(time: number, orAt = false): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.start[mid] < time || (orAt && this.start[mid] === time)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Gives back the room of dropped stints (keeps twice what is in use). */
  shrink(): void {
    this.resize(Math.max(INITIAL_STINTS, this.length * 2));
  }

  private grow(): void {
    this.resize(this.start.length * 2);
  }

  private resize(size: number): void {
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a.subarray(0, Math.min(this.length, size)));
      return b;
    };
    this.start = grow(this.start, (n) => new Float64Array(n));
    this.end = grow(this.end, (n) => new Float64Array(n));
    this.task = grow(this.task, (n) => new Int32Array(n));
    this.reason = grow(this.reason, (n) => new Uint8Array(n));
    this.readySince = grow(this.readySince, (n) => new Float64Array(n));
  }
}

/** The index of the first value in the ascending `list` that is at least `value` (binary search). */
export function firstAtLeast(list: readonly number[], value: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
