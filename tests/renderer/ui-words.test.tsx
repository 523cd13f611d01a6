import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import type { Channel, GrantView, ViewState, WeekView } from '../../src-common/ipc-contract';
import { describeError, withoutCliHints } from '../../src-renderer/messages';
import { agentNameProblem } from '../../src-renderer/stores/agents-store';
import { formatDateTime, formatDay } from '../../src-renderer/format';
import { connectedState } from './fake-bridge';

let push: (state: ViewState) => void = () => undefined;
const calls: Array<{ channel: string; args: unknown }> = [];
/** What each channel answers in a test: a value, or an error envelope. */
let answers: Partial<Record<Channel, { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }>>;

const week = (i: number, km: number): WeekView => {
  const start = new Date(Date.UTC(2025, 11, 1 + i * 7)).toISOString().slice(0, 10);
  return { week: `W${i}`, week_start: start, runs: km ? 3 : 0, distance_km: km, duration_s: km * 330, long_run_km: km / 3, avg_pace_min_km: km ? 5.5 : null, avg_hr: km ? 148 : null };
};
/** Twelve weeks of running at the end of 52: what a 90-day first sync leaves in the chart. */
const weeks52 = Array.from({ length: 52 }, (_, i) => week(i, i >= 40 ? 30 + (i % 4) * 5 : 0));
const activity = {
  summary_id: 's1',
  activity_id: 'a1',
  type: 'RUNNING',
  name: 'Morning run',
  start_time: '2026-11-22T07:00:00.000Z',
  local_date: '2026-11-22',
  duration_s: 3000,
  distance_m: 10_000,
  avg_pace_min_km: 5,
  avg_speed_mps: 3.33,
  avg_hr: 150,
  max_hr: 170,
  avg_cadence_spm: 170,
  elevation_gain_m: 40,
  active_kcal: 600,
  device_name: null,
};

beforeEach(() => {
  vi.resetModules(); // fresh stores for every test
  calls.length = 0;
  answers = {};
  const transport: BridgeTransport = {
    async invoke(channel, args) {
      calls.push({ channel, args });
      const scripted = answers[channel];
      if (scripted) return scripted as never;
      switch (channel) {
        case 'companion:state.get':
          return { ok: true, value: connectedState } as never;
        case 'companion:agents.list':
        case 'companion:audit.list':
          return { ok: true, value: [] } as never;
        case 'companion:data.activities':
          return { ok: true, value: { data: [activity], last_sync_at: null, stale: true } } as never;
        case 'companion:data.weekly': {
          const n = (args as { weeks: number }).weeks;
          return { ok: true, value: { data: weeks52.slice(52 - n), last_sync_at: null, stale: true } } as never;
        }
        case 'companion:sync.now':
        case 'companion:sync.history':
          return { ok: true, value: { outcome: 'completed', windows: 10, stored: 120, skipped: 0, permissionMissing: [] } } as never;
        default:
          return { ok: true, value: null } as never;
      }
    },
    onState(listener) {
      push = listener;
      return () => undefined;
    },
  };
  Object.defineProperty(window, 'r42', { value: createBridgeApi(transport), configurable: true });
});

afterEach(cleanup);

async function renderApp() {
  const { App } = await import('../../src-renderer/App');
  render(<App />);
  await screen.findByRole('button', { name: 'Disconnect' });
}

const reauth: ViewState = { ...connectedState, connection: { ...connectedState.connection, state: 'reauth_required', connected: false, lastError: { code: 'reauth_required', at: '2026-11-23T10:00:00.000Z' } } };
const cliMessage = 'Garmin no longer accepts this link (the authorization was revoked or expired). Run `r42-companion login` to link Garmin again.';

describe('error words: the app names its own buttons, never a command', () => {
  it('maps the core codes to its own wording and strips command-line hints from any other message', () => {
    expect(describeError({ code: 'reauth_required', message: cliMessage })).toEqual({ title: 'Garmin no longer accepts the link.', action: 'Choose Reconnect Garmin above to link it again.' });
    expect(describeError({ code: 'not_connected', message: 'No Garmin account is linked. Run `r42-companion login` first.' }).action).toBe('Connect Garmin above, then try again.');
    expect(withoutCliHints(cliMessage)).toBe('Garmin no longer accepts this link (the authorization was revoked or expired).');
    const unknown = describeError({ code: 'some_new_code', message: 'It broke. Run `r42-companion status` to see why.' });
    expect(`${unknown.title} ${unknown.action}`).not.toMatch(/`|r42-companion/);
    expect(unknown.title).toBe('It broke.');
  });

  it('a failed Sync now says what to do in the app, and the message goes once Reconnect worked', async () => {
    answers['companion:sync.now'] = { ok: false, error: { code: 'reauth_required', message: cliMessage } };
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Sync now' }));
    const alert = await screen.findByText(/Garmin no longer accepts the link\./);
    expect(alert.textContent).toBe('Garmin no longer accepts the link. Choose Reconnect Garmin above to link it again.');
    expect(document.body.textContent).not.toMatch(/`|r42-companion login/);
    act(() => push(reauth));
    expect(screen.getByTestId('sync-freshness').textContent).toBe('Sync paused: reconnect Garmin'); // not "Not synced yet" with a chart full of runs
    expect(screen.getByText('Reconnect needed.').closest('[role=alert]')!.textContent).not.toContain('user-1'); // the reconnect banner: no bare account id
    act(() => push(connectedState)); // reconnected
    expect(screen.queryByText(/Garmin no longer accepts the link/)).toBeNull();
  });
});

describe('words and dates', () => {
  it('one date style on the screen, the account id labelled, no jargon', async () => {
    answers['companion:audit.list'] = { ok: true, value: [{ id: 1, at: '2026-11-22T08:00:00.000Z', event: 'sign_in.succeeded', detail: {} }] };
    answers['companion:agents.list'] = {
      ok: true,
      value: [
        { name: 'owner-1f2e', kind: 'owner', createdAt: '2026-11-20T10:00:00.000Z', lastUsedAt: null, useCount: 3 },
        { name: 'run-9', kind: 'run', createdAt: '2026-11-20T10:00:00.000Z', lastUsedAt: null, useCount: 1 },
      ] satisfies GrantView[],
    };
    await renderApp();
    act(() =>
      push({
        ...connectedState,
        connection: { ...connectedState.connection, garminUserId: '0123456789abcdef0123456789abcdef', sync: { ...connectedState.connection.sync, running: true, backfill: { done: 90, total: 450 } } },
      }),
    );
    // The account id says what it is.
    const facts = screen.getByText('Garmin account ID').closest('dl')!;
    expect(within(facts).getByText('0123456789abcdef0123456789abcdef')).toBeTruthy();
    expect(facts.textContent).toContain('Garmin’s number for your account');
    // Dates: the activity's day, the audit time and the connection time in one style.
    const table = await screen.findByRole('table', { name: 'Recent activities' });
    expect(within(table).getByText(formatDay('2026-11-22'))).toBeTruthy();
    expect(table.textContent).not.toContain('2026-11-22');
    const events = await screen.findByRole('list', { name: 'Security events, newest first' });
    expect(within(events).getByText(formatDateTime('2026-11-22T08:00:00.000Z'))).toBeTruthy();
    expect(facts.textContent).toContain(formatDateTime('2026-11-20T10:00:00.000Z'));
    // Progress in plain words.
    expect(screen.getByText('Loading your history: 20%')).toBeTruthy();
    await screen.findByTestId('running-agents');
    expect(document.body.textContent).not.toMatch(/day-windows|session grant|windows/);
    // The owner grant is no agent: only the program started with run is mentioned.
    expect(screen.getByTestId('running-agents').textContent).toBe('Also one program started through R42 Companion, allowed only while it runs.');
    expect(screen.queryByRole('table', { name: 'Allowed agents' })).toBeNull();
  });
});

describe('agents panel', () => {
  it('says what is wrong with a name, in words, before asking main', async () => {
    expect(agentNameProblem('coach gpt')).toBe('Use no spaces: for example coach-gpt.');
    expect(agentNameProblem('-coach')).toBe('Start the name with a letter or a digit.');
    expect(agentNameProblem('coach/gpt!')).toBe('Use only letters, digits, dots, dashes and underscores (not “/” “!”).');
    expect(agentNameProblem('x'.repeat(65))).toBe('That name has 65 characters; use at most 64.');
    expect(agentNameProblem('coach-gpt_2.0')).toBeNull();
    await renderApp();
    const input = screen.getByLabelText('Allow a new agent');
    fireEvent.change(input, { target: { value: 'my coach' } });
    fireEvent.click(screen.getByRole('button', { name: 'Allow' }));
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('alert').textContent).toBe('Use no spaces: for example coach-gpt.');
    expect(input.getAttribute('aria-describedby')).toBe('agent-name-help');
    expect(calls.some((c) => c.channel === 'companion:agents.add')).toBe(false);
    fireEvent.change(input, { target: { value: 'my-coach' } });
    expect(input.getAttribute('aria-invalid')).toBeNull();
  });

  it('copies the new secret, and asks before revoking', async () => {
    const writeText = vi.fn(async (_text: string) => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    let grants: GrantView[] = [];
    await renderApp();
    answers['companion:agents.add'] = { ok: true, value: { name: 'coach', secret: 'r42a_the_secret' } };
    grants = [{ name: 'coach', kind: 'named', createdAt: '2026-11-20T10:00:00.000Z', lastUsedAt: null, useCount: 0 }];
    answers['companion:agents.list'] = { ok: true, value: grants };
    fireEvent.change(screen.getByLabelText('Allow a new agent'), { target: { value: 'coach' } });
    fireEvent.click(screen.getByRole('button', { name: 'Allow' }));
    await screen.findByLabelText('Agent secret');
    fireEvent.click(screen.getByRole('button', { name: 'Copy secret' }));
    await screen.findByText('Copied to the clipboard.');
    expect(writeText).toHaveBeenCalledWith('r42a_the_secret');

    fireEvent.click(await screen.findByRole('button', { name: 'Revoke coach' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Revoke coach?' });
    expect(dialog.textContent).toContain('stops getting a Garmin token at once');
    expect(within(dialog).getByRole('button', { name: 'Keep it' })).toBe(document.activeElement);
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(calls.some((c) => c.channel === 'companion:agents.revoke')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke coach' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(calls.find((c) => c.channel === 'companion:agents.revoke')?.args).toEqual({ name: 'coach' }));
  });
});

describe('training history', () => {
  it('offers to load the weeks the 52-week chart shows empty, through its own channel', async () => {
    await renderApp();
    fireEvent.change(screen.getByLabelText('Weeks shown'), { target: { value: '52' } });
    const offer = await screen.findByTestId('more-history');
    expect(offer.textContent).toContain(`No runs on this computer before ${formatDay(weeks52[40]!.week_start)}.`);
    fireEvent.click(within(offer).getByRole('button', { name: 'Load 52 weeks of history' }));
    await waitFor(() => expect(calls.find((c) => c.channel === 'companion:sync.history')?.args).toEqual({ days: 364 }));
    await screen.findByText('History of 52 weeks loaded: 120 records.');
    expect(screen.queryByTestId('more-history')).toBeNull();
    // Twelve weeks with runs in every one: nothing to offer.
    fireEvent.change(screen.getByLabelText('Weeks shown'), { target: { value: '12' } });
    await waitFor(() => expect(screen.getAllByRole('img', { name: /12 weeks/ })).toHaveLength(1));
    expect(screen.queryByTestId('more-history')).toBeNull();
  });
});
