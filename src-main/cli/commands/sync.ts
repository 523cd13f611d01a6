import { CompanionError } from '../../core/errors.js';
import { positiveInt } from '../args.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const sync: Command = {
  name: 'sync',
  group: 'data',
  synopsis: 'sync [--days N]',
  summary: 'Bring the local training data up to date (the first sync loads N days, default 90).',
  flags: [{ name: 'days', value: 'N', description: 'how many days of history to load (1–3660; default R42_BACKFILL_DAYS, 90)' }],
  examples: ['r42-companion sync', 'r42-companion sync --days 365'],
  async run(ctx, args) {
    const { io } = ctx;
    const days = positiveInt(ctx.parse(args).string('days'), '--days', 'days');
    return withCompanion(ctx, async (companion) => {
      const abort = new AbortController();
      const unhook = io.onInterrupt(() => abort.abort(new CompanionError('sign_in_cancelled', 'Sync stopped; it resumes from here next time.')));
      let lastShown = -1;
      const relay = companion.status().sync.delivery === 'relay';
      try {
        const result = await companion.sync({
          days,
          signal: abort.signal,
          onProgress: (p) => {
            // A bar redrawn with \r is noise in a log or a pipe: only on a terminal.
            if (!io.stderrIsTTY) return;
            const percent = p.total ? Math.floor((p.done / p.total) * 100) : 100;
            if (percent === lastShown) return;
            lastShown = percent;
            const width = 30;
            const filled = Math.round((percent / 100) * width);
            const unit = relay ? 'history ranges asked of Garmin' : 'windows';
            io.stderr(`\rSyncing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}% ${p.done}/${p.total} ${unit}`);
          },
        });
        if (lastShown >= 0) io.stderr('\n');
        if (result.outcome === 'offline') {
          io.stderr('Garmin could not be reached; what was synced is kept, and the next sync resumes from there.\n');
          return 5;
        }
        const notes = [result.skipped ? `${result.skipped} unreadable records skipped` : '', result.permissionMissing.length ? `not shared on Garmin: ${result.permissionMissing.join(', ')}` : '']
          .filter(Boolean)
          .join('; ');
        if (relay) {
          const history = companion.status().sync.relay;
          const preparing = history && history.historyRequested === history.historyTotal && history.summariesReceived === 0 ? ' Garmin is preparing your history; it arrives by itself while the app or `serve` runs, or with the next `sync`.' : '';
          io.stderr(`Stored ${result.stored} records from ${result.windows} notifications${notes ? ` (${notes})` : ''}.${preparing}\n`);
        } else io.stderr(`Synced ${result.stored} records in ${result.windows} windows${notes ? ` (${notes})` : ''}.\n`);
        return 0;
      } finally {
        unhook();
      }
    });
  },
};

export default sync;
