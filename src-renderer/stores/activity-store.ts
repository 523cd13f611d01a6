import { create } from 'zustand';
import type { AuditEntryView } from '../../src-common/ipc-contract';
import { bridge as defaultBridge, type Bridge } from '../bridge';
import { problemTitle } from '../messages';

export interface ActivityStore {
  readonly entries: readonly AuditEntryView[];
  load(): Promise<void>;
}

export function createActivityStore(bridge: Bridge = defaultBridge) {
  return create<ActivityStore>()((set) => ({
    entries: [],
    async load() {
      set({ entries: await bridge.audit(100).catch(() => []) });
    },
  }));
}

/** Every event the core writes to the audit log, in the runner's words (tests/renderer/activity-words.test.ts finds them in the core). */
export const EVENT_LABELS: Record<string, string> = {
  'sign_in.started': 'Sign-in started',
  'sign_in.succeeded': 'Garmin linked',
  'sign_in.failed': 'Sign-in failed',
  'sign_in.callback_rejected': 'Rejected a stray sign-in answer',
  'token.refreshed': 'Token refreshed',
  'token.refresh_failed': 'Token refresh failed',
  'account.reauth_required': 'Garmin needs you to reconnect',
  'account.disconnected': 'Garmin disconnected',
  'account.replaced': 'Linked a different Garmin account',
  'agent.token_issued': 'Token given to an agent',
  'agent.request_refused': 'Refused an agent request',
  'agent.grant_created': 'Agent allowed',
  'agent.grant_revoked': 'Agent revoked',
  'agent.endpoint_started': 'Agent endpoint started',
  'agent.endpoint_stopped': 'Agent endpoint stopped',
  'agent.paused': 'Agents paused',
  'agent.resumed': 'Agents resumed',
  'mcp.tool_called': 'Your data read over MCP',
  'client_secret.stored': 'Client secret stored in keychain',
  'client_secret.cleared': 'Client secret removed',
  'relay.deregistration_ignored': 'Ignored a removal notice Garmin did not confirm',
  'workout.proposed': 'Workout proposed',
  'workout.approved': 'You approved a workout',
  'workout.rejected': 'You rejected a workout',
  'workout.sent_to_garmin': 'Workout added to Garmin Connect',
  'workout.scheduled': 'Workout put on your Garmin calendar',
  'workout.delivery_failed': 'Sending a workout to Garmin failed',
  'workout.unscheduled': 'Workout taken off your Garmin calendar',
  'workout.removed_from_garmin': 'Workout removed from Garmin Connect',
  'workout.exported': 'Workout written as a FIT file',
};

/** What each MCP tool reads, in words. */
const TOOL_WORDS: Record<string, string> = {
  get_status: 'link status',
  list_activities: 'activities',
  get_weekly_summary: 'weekly volume',
  get_daily_summaries: 'daily summaries',
  get_sleep: 'sleep',
  get_hrv: 'HRV',
  get_activity_details: 'an activity in detail',
  get_training_load: 'training load',
  get_personal_records: 'personal records',
  get_trends: 'recovery trends',
  get_health_metrics: 'health measurements',
  get_intraday_activity: 'steps through the day',
  sync_now: 'sync now',
  propose_workout: 'proposed a workout',
  list_workouts: 'the proposed workouts',
  get_workout: 'a proposed workout',
  unknown_tool: 'a tool that does not exist',
};

/** Why the agent endpoint refused a request, in words. */
const REFUSAL_WORDS: Record<string, string> = {
  unauthorized: 'no or a wrong secret',
  forbidden_origin: 'sent from a web page',
  forbidden_host: 'wrong address (Host)',
  forbidden_forwarded: 'came through a proxy',
  agents_paused: 'agents were paused',
  method_not_allowed: 'not a GET',
  payload_too_large: 'too large',
  uri_too_long: 'address too long',
  headers_too_large: 'headers too large',
  bad_request: 'could not be read',
  not_found: 'no such address',
  state_mismatch: 'it was for another sign-in',
  missing_state: 'it carried no sign-in reference',
  more_rejected: 'more of the same',
  keychain_item_missing: 'its tokens were gone from the keychain',
  invalid_grant: 'Garmin refused the refresh token',
  deregistered: 'you removed R42 in Garmin Connect',
  garmin_still_accepts_the_token: 'Garmin still accepts the link',
  runner_only: 'only you may approve or reject a workout',
};

/** Where the runner decided, and where a FIT file went. */
const PLACE_WORDS: Record<string, string> = { cli: 'at the terminal', app: 'in this window', file: 'saved to a file', watch: 'copied to the watch' };

/** Words for a code the tables above do not know: never the code itself ("uri_too_long" → "uri too long"). */
const words = (code: string) => code.replaceAll(/[._]+/g, ' ').trim();
const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

/** A readable line for an audit entry: the event and what it was about, never a raw code. */
export function describeEntry(entry: AuditEntryView): { label: string; detail: string } {
  const known = EVENT_LABELS[entry.event];
  const label = known ?? `${words(entry.event).charAt(0).toUpperCase()}${words(entry.event).slice(1)}`;
  const d = entry.detail;
  const parts: string[] = [];
  if (typeof d.tool === 'string') parts.push(TOOL_WORDS[d.tool] ?? words(d.tool.replace(/^get_/, '')));
  if (typeof d.name === 'string' && entry.event.startsWith('workout.')) parts.push(`“${d.name}”`);
  if (typeof d.date === 'string' && entry.event.startsWith('workout.')) parts.push(`for ${d.date}`);
  if (typeof d.agent === 'string') parts.push(`proposed by ${d.agent}`);
  if (typeof d.client === 'string' && d.client !== 'unknown') parts.push(`by ${d.client}`);
  if (typeof d.grant === 'string') {
    parts.push(
      d.grant.startsWith('owner-') ? 'through agent.json' : d.grant === 'runner' && (d.transport === 'stdio' || entry.event.startsWith('workout.')) ? 'through the MCP server on this computer' : `agent ${d.grant}`,
    );
  }
  if (typeof d.via === 'string') parts.push(PLACE_WORDS[d.via] ?? words(d.via));
  if (typeof d.to === 'string') parts.push(PLACE_WORDS[d.to] ?? words(d.to));
  if (typeof d.code === 'string') parts.push(problemTitle(d.code).replace(/\.$/, ''));
  if (typeof d.reason === 'string') parts.push(REFUSAL_WORDS[d.reason] ?? words(d.reason));
  if (typeof d.path === 'string' && entry.event === 'agent.request_refused') parts.push(`asking ${d.path}`);
  if (typeof d.garminUserId === 'string') parts.push(`Garmin account ID ${d.garminUserId}`);
  if (d.deregisteredAtGarmin === false) parts.push('Garmin not told');
  if (typeof d.count === 'number' && d.count > 1) parts.push(times(d.count));
  if (typeof d.errors === 'number' && d.errors > 0) parts.push(`${d.errors} failed`);
  return { label, detail: parts.join(' · ') };
}
