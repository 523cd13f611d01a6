import { create } from 'zustand';
import type { AuditEntryView } from '../../src-preload/contract';
import { bridge as defaultBridge, type Bridge } from '../bridge';

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

const LABELS: Record<string, string> = {
  'sign_in.started': 'Sign-in started',
  'sign_in.succeeded': 'Garmin linked',
  'sign_in.failed': 'Sign-in failed',
  'sign_in.callback_rejected': 'Rejected a stray sign-in callback',
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
  'client_secret.stored': 'Client secret stored in keychain',
  'client_secret.cleared': 'Client secret removed',
};

/** A readable line for an audit entry. */
export function describeEntry(entry: AuditEntryView): { label: string; detail: string } {
  const label = LABELS[entry.event] ?? entry.event;
  const d = entry.detail;
  const parts: string[] = [];
  if (typeof d.grant === 'string') parts.push(d.grant.startsWith('owner-') ? 'through agent.json' : d.grant);
  if (typeof d.code === 'string') parts.push(d.code.replaceAll('_', ' '));
  if (typeof d.reason === 'string') parts.push(d.reason.replaceAll('_', ' '));
  if (typeof d.garminUserId === 'string') parts.push(`Garmin account ID ${d.garminUserId}`);
  if (typeof d.otherComputers === 'number' && d.otherComputers > 0) parts.push('kept at Garmin for another computer');
  else if (d.deregisteredAtGarmin === false) parts.push('Garmin not told');
  return { label, detail: parts.join(' · ') };
}
