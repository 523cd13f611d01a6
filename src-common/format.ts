/**
 * Words every surface writes the same way (the app, the CLI, the MCP tools' summaries). Plain
 * TypeScript, no Node module.
 */

/** Seconds as h:mm:ss, or m:ss under an hour (a negative duration keeps its sign); `—` when unknown. */
export function clockTime(seconds: number | null | undefined): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const s = Math.round(Math.abs(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return `${seconds < 0 ? '−' : ''}${h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`}`;
}

/** A trend's direction in words, the same on every surface: the app's pages, the CLI's tables, the API's value. */
export const TREND_WORDS = { rising: 'rising', falling: 'falling', stable: 'stable' } as const;

/** `rising`, `falling` or `stable`; `unknown` (say, `—` or "not known yet") when there is no direction yet. */
export function trendWord(direction: string | null | undefined, unknown: string): string {
  return direction ? ((TREND_WORDS as Record<string, string | undefined>)[direction] ?? direction) : unknown;
}
