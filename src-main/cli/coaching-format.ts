import { dateRange, parseQuery } from '../../src-common/data-query.js';
import { localDate } from '../../src-common/dates.js';
import { usageError, type Flag, type ParsedFlags } from './args.js';

/** `--from` and `--to` of the coaching commands: the 28 days ending today by default. */
export const RANGE_FLAGS: readonly Flag[] = [
  { name: 'from', value: 'YYYY-MM-DD', description: 'the first day, a local date (default: the 28 days ending at --to)' },
  { name: 'to', value: 'YYYY-MM-DD', description: 'the last day, a local date (default: today)' },
];

/** The range of `--from`/`--to` by the agent endpoint's schema, or a usage error (exit 2); no positional arguments. */
export function rangeOf(command: string, flags: ParsedFlags): { from: string; to: string } {
  if (flags.positionals.length) throw usageError(`${command} takes no arguments, only flags: ${flags.positionals.join(' ')}`);
  const range = parseQuery(dateRange({ today: localDate(Date.now()), days: 28 }), { from: flags.string('from'), to: flags.string('to') }, (flag) => `--${flag}`);
  if (!range.ok) throw usageError(range.message);
  return range.value;
}

/**
 * Plain-text tables of the coaching figures for the CLI (`activities show`, `load`, `records`,
 * `trends`). Every number goes through one of these so a missing value prints `—`, never NaN.
 */

/** A number with `digits` decimals; `—` when unknown. */
export function num(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);
}

/** A signed percentage (`+2.1 %`); `—` when unknown. */
export function pct(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : `${value > 0 ? '+' : ''}${value.toFixed(1)} %`;
}

/** When the data was last synced (`never` before the first sync), with what to do when it is stale. */
export function lastSync(answer: { readonly last_sync_at: string | null; readonly stale: boolean }): string {
  return `${answer.last_sync_at ?? 'never'}${answer.stale ? ' (stale: run `r42-companion sync`)' : ''}`;
}

/** Rows under a header, columns padded to their widest cell; the first column left-aligned, the rest right. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
