import { z } from 'zod';

/** A Prometheus duration: units y, w, d, h, m, s, ms, largest first (3d, 1h30m). */
const PROMETHEUS_DURATION = /^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;

export const promDuration = () =>
  z.string().refine((s) => s !== '' && PROMETHEUS_DURATION.test(s), { error: (iss) => `${JSON.stringify(iss.input)} is not a Prometheus duration (units y, w, d, h, m, s, ms, largest first, as in 3d or 1h30m)` });

/** A Prometheus size (retentionSize): a whole number and a unit; Prometheus counts KB, MB, … in powers of 1024. */
export const PROMETHEUS_SIZE = /^(\d+)(B|KB|MB|GB|TB|PB)$/;
const SIZE_FACTOR: Readonly<Record<string, number>> = { B: 1, KB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40, PB: 2 ** 50 };

export const promSize = () =>
  z.string().refine((s) => PROMETHEUS_SIZE.test(s), { error: (iss) => `${JSON.stringify(iss.input)} is not a Prometheus size (a whole number and B, KB, MB, GB, TB or PB, as in 3GB)` });

/** Bytes of a Prometheus size; NaN when it is not one. */
export function sizeBytes(s: string): number {
  const m = PROMETHEUS_SIZE.exec(s);
  return m ? Number(m[1]) * SIZE_FACTOR[m[2]] : NaN;
}
