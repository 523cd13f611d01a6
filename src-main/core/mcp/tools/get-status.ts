import { z } from 'zod';
import { statusSummary } from '../../../../src-common/contract.js';
import { lastSync, tool } from './tool-kit.js';

export const getStatus = tool({
  name: 'get_status',
  description:
    "Whether the runner's Garmin account is linked (`state`: connected, not_connected, or reauth_required: they must run `r42-companion login`), what they share, and how fresh the copy is. Call it when other tools return little. Never contacts Garmin.",
  input: z.strictObject({}),
  output: z.object(statusSummary.shape),
  readOnly: true,
  async run(_args, deps) {
    const s = deps.status();
    const notShared = s.sync.streams.filter((st) => st.state === 'permission_missing').map((st) => st.stream);
    const link =
      s.state === 'connected'
        ? `Garmin linked (user ${s.garminUserId})`
        : s.state === 'reauth_required'
          ? 'Garmin needs the runner to reconnect: they should run `r42-companion login`'
          : 'No Garmin account is linked: the runner should run `r42-companion login`';
    return {
      structured: {
        state: s.state,
        garmin_user_id: s.garminUserId,
        permissions: [...s.permissions],
        not_shared: notShared,
        refresh_token_expires_soon: s.refreshTokenExpiresSoon,
        last_error: s.lastError,
        sync: { running: s.sync.running, history: { done: s.sync.backfill.done, total: s.sync.backfill.total } },
        last_sync_at: s.sync.lastSyncAt,
        stale: s.sync.stale,
      },
      summary: `${link}; ${lastSync({ last_sync_at: s.sync.lastSyncAt, stale: s.sync.stale })}${notShared.length ? `; not shared on Garmin: ${notShared.join(', ')}` : ''}.`,
    };
  },
});
