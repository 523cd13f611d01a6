import { z } from 'zod';
import { CompanionError } from '../../errors.js';
import { freshness, lastSync, tool } from './tool-kit.js';

export const syncNow = tool({
  name: 'sync_now',
  description:
    "Brings the local copy up to date from Garmin now: records stored, windows fetched, types not shared, history loaded, the new `last_sync_at`. Needs the network and a link (else an error saying why). Call it when an answer is `stale` or after a workout (progress when asked).",
  input: z.strictObject({}),
  output: z.object({
    outcome: z.literal('completed'),
    stored: z.number().describe('Records written (new or updated).'),
    windows: z.number().describe('Upload windows fetched.'),
    skipped: z.number().describe('Records Garmin sent that could not be read (logged, not stored).'),
    not_shared: z.array(z.string()),
    history: z.object({ done: z.number(), total: z.number() }),
    ...freshness,
  }),
  readOnly: false,
  async run(_args, deps, context) {
    let shown = -1;
    const result = await deps.sync({
      signal: context.signal,
      onProgress: (p) => {
        const percent = p.total ? Math.floor((p.done / p.total) * 100) : 100;
        if (percent === shown) return;
        shown = percent;
        context.progress?.(p.done, p.total, `${p.phase === 'backfill' ? 'loading history' : 'fetching new data'}: ${p.done}/${p.total} windows`);
      },
    });
    if (result.outcome === 'offline') {
      throw new CompanionError(
        'garmin_unreachable',
        'Garmin could not be reached (is this computer offline?). Nothing new was synced; what is already stored is still served, and the next sync resumes where this one stopped.',
      );
    }
    const s = deps.status();
    return {
      structured: {
        outcome: result.outcome,
        stored: result.stored,
        windows: result.windows,
        skipped: result.skipped,
        not_shared: [...result.permissionMissing],
        history: { done: s.sync.backfill.done, total: s.sync.backfill.total },
        last_sync_at: s.sync.lastSyncAt,
        stale: s.sync.stale,
      },
      summary: `Synced: ${result.stored} records in ${result.windows} windows${result.permissionMissing.length ? `; not shared on Garmin: ${result.permissionMissing.join(', ')}` : ''}; ${lastSync({ last_sync_at: s.sync.lastSyncAt, stale: s.sync.stale })}.`,
    };
  },
});
