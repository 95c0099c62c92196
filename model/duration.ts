/**
 * How durations are written, everywhere a person reads one (the panel, the status bar, the
 * command line's reports, the lessons): one rule, so a block reads the same in each.
 */

/** A duration to three significant figures or so: `12.3 s`, `1.25 s`, `340 ms`, `4.56 ms`, `90 µs`. */
export function formatDuration(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  return `${(ms * 1000).toFixed(0)} µs`;
}

/** A duration in round figures, for advice: `12 s`, `1.5 s`, `340 ms`. */
export function formatRoughDuration(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}
