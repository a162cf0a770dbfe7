/** Number formatting shared by the dashboard's sections. Pure. */

/** "—" for unknown values, so a missing reading never reads as 0. */
export const UNKNOWN = "—";

export function percent(ratio: number | null, digits = 1): string {
  return ratio === null ? UNKNOWN : `${(ratio * 100).toFixed(digits)} %`;
}

/** Fixed decimals for small numbers, fewer as they grow (1.23, 12.3, 123). */
export function number(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return UNKNOWN;
  const abs = Math.abs(value);
  return value.toFixed(abs >= 100 ? 0 : abs >= 10 ? 1 : 2);
}

/** At most one decimal, none when it is zero (42, 41.5): readings and milliseconds. */
export function reading(value: number | null): string {
  return value === null || !Number.isFinite(value) ? UNKNOWN : String(Math.round(value * 10) / 10);
}

/** MiB as GiB with one decimal. */
export function gib(mib: number | null): string {
  return mib === null ? UNKNOWN : `${(mib / 1024).toFixed(1)} GiB`;
}

/** Milliseconds as "2 s", "1.5 s", "250 ms": settings in the footer. */
export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

/** Seconds as "4.2 s", "3 min", "2.5 h". */
export function age(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** HH:MM:SS of an ISO time, in UTC (the router has no idea of the viewer's zone). */
export function clock(iso: string): string {
  return iso.slice(11, 19);
}
