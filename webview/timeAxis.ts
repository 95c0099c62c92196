/**
 * The time axis of the chart and of the overview strip: where its ticks go and what they say. Pure
 * code (no DOM), tested in plain Node.
 *
 * Ticks count from the trace's start and fall on round times in the units a person reads: tenths
 * of a millisecond to hundreds of milliseconds on a short view, whole seconds and then 15 s, 30 s,
 * 1 min, 5 min… on a long one (never 100 s or 200 s steps, which a clock does not tick in). Labels
 * share one unit across the axis — milliseconds while the view is under a second from the start,
 * seconds past it, minutes once the view spans minutes — with as many decimals as the step needs:
 * zoomed in at 2 min 13 s the axis reads `133.1 s`, `133.2 s` (as the step bar writes it), never
 * `133100 ms`.
 */
import { scaleLinear } from 'd3-scale';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Tick steps from a second up, ms: round on a clock. */
const CLOCK_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];
/** A view at least this long (ms) reads in minutes (and hours). */
const MINUTES_FROM_SPAN = 2 * MINUTE;

/**
 * Where the time axis has ticks between `v0` and `v1` (trace clock ms), about `count` of them: on
 * round times since `t0`, the start the labels count from (10 s, 20 s — not 49 s, 99 s where the
 * clock's round values fall).
 */
export function axisTicks(v0: number, v1: number, t0: number, count: number): number[] {
  const [a, b] = [v0 - t0, v1 - t0];
  const step = (b - a) / Math.max(1, count);
  if (!(step >= SECOND) || !Number.isFinite(step))
    return scaleLinear()
      .domain([a, b])
      .ticks(count)
      .map((since) => since + t0);
  const clock = CLOCK_STEPS.find((s) => s >= step) ?? Math.ceil(step / (24 * HOUR)) * 24 * HOUR;
  const ticks: number[] = [];
  for (let k = Math.ceil(a / clock); k * clock <= b; k++) ticks.push(k * clock + t0);
  return ticks;
}

/**
 * The labels of `ticks` (trace clock ms, as axisTicks gave them), counting from `t0`, in one unit
 * for the whole axis and precise enough for its step.
 */
export function axisLabels(ticks: readonly number[], t0: number): string[] {
  if (ticks.length === 0) return [];
  const raw = ticks.map((t) => t - t0);
  // The step: the ticks' spacing (one tick alone: its own size, so that it reads whole).
  const step = raw.length > 1 ? raw[1] - raw[0] : Math.abs(raw[0]) || 1;
  // Each a whole number of steps again: through the trace clock, 1000 came back as 999.9999999
  // (and read "1000 ms" where its neighbours read in seconds).
  const since = raw.length > 1 ? raw.map((ms) => Math.round(ms / step) * step) : raw;
  const span = since[since.length - 1] - since[0];
  const largest = Math.max(...since.map(Math.abs));
  if (span >= MINUTES_FROM_SPAN || (since.length === 1 && largest >= MINUTES_FROM_SPAN))
    return since.map(clockLabel);
  if (largest >= SECOND) {
    const decimals = decimalsFor(step / SECOND);
    return since.map((ms) => `${(ms / SECOND).toFixed(decimals)} s`);
  }
  const decimals = decimalsFor(step);
  return since.map((ms) => `${ms.toFixed(decimals)} ms`);
}

/** The decimals that tell apart ticks `step` apart (in the label's unit). */
function decimalsFor(step: number): number {
  if (!(step > 0)) return 0;
  // (A hair of slack: a step of 0.1 computed as 0.09999999 still wants one decimal.)
  return Math.max(0, Math.min(9, Math.ceil(-Math.log10(step) - 1e-9)));
}

/** `0`, `45 s`, `2 min`, `2 min 30 s`, `1 h`, `1 h 15 min`: a time on a clock-stepped axis. */
function clockLabel(ms: number): string {
  const sign = ms < 0 ? '−' : '';
  const seconds = Math.round(Math.abs(ms) / SECOND);
  if (seconds === 0) return '0';
  const h = Math.floor(seconds / 3600);
  const min = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h} h`);
  if (min > 0) parts.push(`${min} min`);
  if (s > 0) parts.push(`${s} s`);
  return sign + parts.join(' ');
}
