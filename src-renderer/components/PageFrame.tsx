import { useEffect, useRef, type ReactNode } from 'react';
import type { ErrorView } from '../../src-common/ipc-contract';
import { formatWhen } from '../format';
import { errorText } from '../messages';
import type { Freshness } from '../../src-common/contract';

/**
 * A coaching page's frame: a Back button, the page's heading (which takes the focus when the page
 * opens, so a screen reader starts there), and its content. Esc goes back too (CoachingPages).
 */
export function PageFrame({
  id,
  title,
  backLabel,
  onBack,
  tools,
  freshness,
  busy = false,
  children,
}: {
  id: string;
  title: string;
  backLabel: string;
  onBack: () => void;
  tools?: ReactNode;
  /** How fresh the synced data under the figures is. */
  freshness?: Freshness | null;
  /** True while new figures are on their way (another unit, another range). */
  busy?: boolean;
  children: ReactNode;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <section className="card page" aria-labelledby={`${id}-title`} aria-busy={busy} data-testid={`page-${id}`}>
      <header className="card-header page-header">
        <div className="row-inline">
          <button type="button" className="small back" onClick={onBack} aria-keyshortcuts="Escape">
            <span aria-hidden="true">← </span>
            {backLabel}
          </button>
          <h2 id={`${id}-title`} tabIndex={-1} ref={headingRef}>
            {title}
          </h2>
        </div>
        {(tools || freshness) && (
          <div className="row-inline">
            {freshness && (
              <span className={`pill ${freshness.stale ? 'warn' : 'ok'}`} data-testid={`${id}-freshness`}>
                {freshness.last_sync_at ? `From data synced ${formatWhen(freshness.last_sync_at)}` : 'Not synced yet'}
              </span>
            )}
            {tools}
          </div>
        )}
      </header>
      {children}
    </section>
  );
}

/** What a page shows while it waits, or when its answer failed (in the app's words, with a retry). */
export function PageStatus({ loading, error, onRetry, hasData }: { loading: boolean; error: ErrorView | null; onRetry: () => void; hasData: boolean }) {
  if (error) {
    return (
      <div className="banner error" role="alert">
        <p>{errorText(error)}</p>
        <button type="button" className="small" onClick={onRetry}>
          Try again
        </button>
      </div>
    );
  }
  if (loading && !hasData) {
    return (
      <p className="waiting muted" role="status">
        <span className="spinner" aria-hidden="true" />
        Loading…
      </p>
    );
  }
  return null;
}

/** A plain-words note about the data (missing heart rate, no GPS, estimated zones). */
export function DataNote({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <p className="banner warning note" data-testid={testId}>
      <span className="sr-only">Note: </span>
      {children}
    </p>
  );
}

/** The "Shown" select of a page's range (12/26/52 weeks, 30/90/365 days…). */
export function RangeSelect({ value, choices, unit, onChange }: { value: number; choices: readonly number[]; unit: string; onChange: (value: number) => void }) {
  return (
    <label className="small">
      Shown{' '}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))}>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice} {unit}
          </option>
        ))}
      </select>
    </label>
  );
}
