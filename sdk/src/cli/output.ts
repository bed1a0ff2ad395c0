import Table from 'cli-table3';

/** A plain table (no colours: output is often piped or logged). */
export function table(head: string[], rows: (string | number | null | undefined)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] }, wordWrap: true });
  for (const row of rows) t.push(row.map((cell) => (cell === null || cell === undefined ? '' : String(cell))));
  return t.toString();
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `2026-01-02T03:04:05.678Z` → `2026-01-02 03:04:05Z`. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The schedule in one short phrase for tables. */
export function describeSchedule(type: string, config: Record<string, unknown>): string {
  const zone = typeof config.timezone === 'string' && config.timezone !== 'UTC' ? ` (${config.timezone})` : '';
  if (type === 'ONEOFF') return `once at ${config.run_at}${zone}`;
  if (config.cron_expression) return `${config.cron_expression}${zone}`;
  const interval = config.interval as { value: number; unit: string } | undefined;
  if (interval) return `every ${interval.value}${interval.unit}${zone}`;
  const range = config.time_range as { start: string; end: string; frequency?: { value: number; unit: string } } | undefined;
  if (range) return `${range.start}-${range.end}${range.frequency ? ` every ${range.frequency.value}${range.frequency.unit}` : ''}${zone}`;
  return `${type}${zone}`;
}
