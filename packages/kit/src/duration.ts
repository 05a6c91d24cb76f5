import ms from 'ms';

const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i;

/**
 * Parses `30s`, `10m`, `2h`, `7d`, `1w` (and `ms`) into milliseconds with the `ms` library, accepting
 * only an explicit unit so that `10` is never silently read as ten milliseconds.
 */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text)) return undefined;
  const value = ms(text.trim().toLowerCase() as ms.StringValue);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Milliseconds as a short human duration: `1m 30s`, `2h 5m`, `450ms`. */
export function formatDuration(millis: number): string {
  if (millis < 1000) return `${Math.round(millis)}ms`;
  const total = Math.round(millis / 1000);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (d) parts.push(`${d}d`);
  if (h) parts.push(`${h}h`);
  if (m) parts.push(`${m}m`);
  if (s || parts.length === 0) parts.push(`${s}s`);
  return parts.slice(0, 2).join(' ');
}
