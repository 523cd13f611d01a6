import { useCallback, useEffect } from 'react';
import { flushSync } from 'react-dom';
import { useCoaching } from '../stores';
import type { CoachingPage } from '../stores/coaching-store';
import { ActivityPage } from './ActivityPage';
import { RecordsPage } from './RecordsPage';
import { TrainingLoadPage } from './TrainingLoadPage';
import { TrendsPage } from './TrendsPage';

const PAGE_NAMES: Record<CoachingPage['kind'], string> = { activity: 'the activity', load: 'training load', trends: 'HRV and sleep', records: 'personal records' };

/**
 * The open coaching pages, the top one shown. Pages below stay mounted (hidden), so going back
 * finds them as they were; the overview itself is hidden by App while any page is open. Back (the
 * button or Esc) closes the top page and gives the focus back to what opened it.
 */
export function CoachingPages() {
  const stack = useCoaching((s) => s.stack);
  const back = useCoaching((s) => s.back);
  const goBack = useCallback(() => {
    let closed: ReturnType<typeof back> = null;
    // Render the page below (or the overview) first: a hidden element cannot take the focus.
    flushSync(() => {
      closed = back();
    });
    const opener = (closed as ReturnType<typeof back>)?.opener;
    if (opener?.isConnected) opener.focus();
  }, [back]);
  useEffect(() => {
    if (stack.length === 0) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      event.preventDefault();
      goBack();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [stack.length, goBack]);
  return (
    <>
      {stack.map(({ page }, i) => {
        const below = stack[i - 1]?.page;
        const backLabel = below ? `Back to ${PAGE_NAMES[below.kind]}` : 'Back to overview';
        const top = i === stack.length - 1;
        const key = page.kind === 'activity' ? `activity:${page.id}:${i}` : `${page.kind}:${i}`;
        return (
          <div key={key} hidden={!top} className="page-slot">
            {page.kind === 'activity' ? (
              <ActivityPage id={page.id} backLabel={backLabel} onBack={goBack} />
            ) : page.kind === 'load' ? (
              <TrainingLoadPage backLabel={backLabel} onBack={goBack} />
            ) : page.kind === 'trends' ? (
              <TrendsPage backLabel={backLabel} onBack={goBack} />
            ) : (
              <RecordsPage backLabel={backLabel} onBack={goBack} />
            )}
          </div>
        );
      })}
    </>
  );
}

/** The buttons that open the pictures over time (on the Training data card). */
export function CoachingNav() {
  const open = useCoaching((s) => s.open);
  return (
    <nav className="coaching-nav" aria-label="Training pictures">
      <button type="button" className="small" onClick={(e) => open({ kind: 'load' }, e.currentTarget)}>
        Training load
      </button>
      <button type="button" className="small" onClick={(e) => open({ kind: 'trends' }, e.currentTarget)}>
        HRV and resting HR
      </button>
      <button type="button" className="small" onClick={(e) => open({ kind: 'records' }, e.currentTarget)}>
        Personal records
      </button>
    </nav>
  );
}
