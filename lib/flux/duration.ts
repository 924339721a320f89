/** Go durations (as Flux reads them) as seconds, and back. */

const UNIT_SECONDS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration such as `1h30m` or `90s` (validated elsewhere: see lib/validators.ts `duration`). */
export function durationSeconds(duration: string): number {
  let seconds = 0;
  for (const [, value, unit] of duration.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) seconds += Number(value) * UNIT_SECONDS[unit];
  return seconds;
}

/** Whole seconds as a short Go duration: 2400 → `40m`, 5400 → `1h30m`, 90 → `1m30s`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  const parts: Array<[number, string]> = [[Math.floor(s / 3600), 'h'], [Math.floor((s % 3600) / 60), 'm'], [s % 60, 's']];
  return parts.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join('') || '0s';
}
