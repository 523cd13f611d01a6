import type { ConnectionStatus } from '../../core/companion.js';
import { withCompanion } from '../session.js';
import type { Command } from './command.js';

const when = (isoTime: string | null) => (isoTime ? new Date(isoTime).toLocaleString() : '—');

const LINK_VIA: Record<ConnectionStatus['link']['via'], string> = {
  own_developer_app: 'your own Garmin developer app (client secret in the OS keychain)',
  r42_server: 'R42 server',
  token_broker: 'token broker',
  not_configured: 'not configured: set R42_SERVER_URL, or a client secret with `r42-companion secret set`',
};

function describeLink(link: ConnectionStatus['link']): string {
  return `Links through:       ${LINK_VIA[link.via]}${link.tokenOrigin && link.via !== 'own_developer_app' ? ` at ${link.tokenOrigin}` : ''}`;
}

export function describeStatus(s: ConnectionStatus): string {
  if (s.state === 'not_connected') {
    if (!s.configured) return 'Garmin: not linked, and GARMIN_CLIENT_ID is not set (see README, Configuration).';
    return `Garmin: not linked. Run \`r42-companion login\` to link your account.\n${describeLink(s.link)}`;
  }
  const lines = [
    s.state === 'connected'
      ? `Garmin: linked (user ${s.garminUserId})`
      : s.lastError?.code === 'deregistered'
        ? `Garmin: RECONNECT NEEDED: you removed R42 in Garmin Connect (user ${s.garminUserId}); run \`r42-companion login\` to link again`
        : `Garmin: RECONNECT NEEDED for user ${s.garminUserId}: run \`r42-companion login\``,
    `Permissions:         ${s.permissions.length ? s.permissions.join(', ') : 'none granted'}`,
    `Linked since:        ${when(s.connectedAt)}`,
    `Access token until:  ${when(s.accessTokenExpiresAt)}`,
    `Refresh token until: ${when(s.refreshTokenExpiresAt)}${s.refreshTokenExpiresSoon ? '  (ends soon: run `r42-companion login` to renew)' : ''}`,
    `Last refresh:        ${when(s.lastRefreshAt)}`,
    describeLink(s.link),
  ];
  if (s.lastError) lines.push(`Last error:          ${s.lastError.code} at ${when(s.lastError.at)}`);
  const { done, total } = s.sync.backfill;
  lines.push(
    `Training data:       ${s.sync.lastSyncAt ? `synced ${when(s.sync.lastSyncAt)}${s.sync.stale ? ' (stale)' : ''}` : 'not synced yet'}${total && done < total ? `, history ${done}/${total} windows` : ''}${s.sync.running ? ', syncing now' : ''}`,
  );
  if (s.sync.relay) {
    const r = s.sync.relay;
    lines.push(
      `Data delivery:       Garmin → R42 server → here; ${r.summariesReceived} summaries received${r.lastDeliveryAt ? `, last ${when(r.lastDeliveryAt)}` : ''}` +
        (r.historyRequested < r.historyTotal ? `; Garmin is preparing your history (asked ${r.historyRequested} of ${r.historyTotal} ranges)` : ''),
    );
  }
  const missing = s.sync.streams.filter((st) => st.state === 'permission_missing').map((st) => st.stream);
  if (missing.length) lines.push(`Not shared on Garmin: ${missing.join(', ')}`);
  const unreadable = s.sync.streams.filter((st) => st.skippedRecords > 0);
  if (unreadable.length) lines.push(`Not readable:        ${unreadable.map((st) => `${st.stream} ${st.skippedRecords}`).join(', ')} (records Garmin sent that R42 could not read; the rest is stored)`);
  return lines.join('\n');
}

const status: Command = {
  name: 'status',
  group: 'core',
  synopsis: 'status [--json]',
  summary: 'Show whether Garmin is linked, the permissions and the token expiry times.',
  flags: [{ name: 'json', description: 'the status as JSON' }],
  examples: ['r42-companion status', "r42-companion status --json | jq -r .state"],
  async run(ctx, args) {
    const flags = ctx.parse(args);
    return withCompanion(ctx, async (companion) => {
      await companion.linkRoute();
      const current = companion.status();
      ctx.io.stdout(flags.boolean('json') ? `${JSON.stringify(current, null, 2)}\n` : `${describeStatus(current)}\n`);
      return 0;
    });
  },
};

export default status;
