import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { activityDetailsAnswer, hrProfileAnswer, personalRecordsAnswer, trainingLoadAnswer, trendsAnswer } from '../../src-common/coaching-contract';
import { createBridgeApi, type BridgeTransport } from '../../src-preload/bridge-api';
import type { ActivityItemView, Channel, ViewState } from '../../src-common/ipc-contract';
import * as fixtures from './coaching-fixtures';
import { connectedState, fresh } from './fake-bridge';

type Answer = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

const calls: Array<{ channel: string; args: unknown }> = [];
/** What a coaching channel answers in a test; the rest answer as an empty, connected app. */
let answers: Partial<Record<Channel, Answer | ((args: unknown) => Answer)>>;

const activityRow = (summary_id: string, local_date: string, type = 'RUNNING'): ActivityItemView => ({
  summary_id,
  activity_id: null,
  type,
  name: null,
  start_time: `${local_date}T07:00:00.000Z`,
  local_date,
  duration_s: 3150,
  distance_m: 10_500,
  avg_pace_min_km: 5,
  avg_pace_s_per_km: 300,
  avg_speed_mps: 3.33,
  avg_hr: 152,
  max_hr: 174,
  avg_cadence_spm: 172,
  elevation_gain_m: 64,
  active_kcal: 700,
  device_name: null,
});

beforeEach(() => {
  vi.resetModules(); // fresh stores for every test
  calls.length = 0;
  answers = {
    'companion:data.activity': (args) => {
      const { id, unit } = args as { id: string; unit: 'km' | 'mi' };
      const byId: Record<string, typeof fixtures.run> = { 'run-2': fixtures.treadmill, 'run-3': fixtures.summaryOnly, 'run-4': fixtures.estimatedRun };
      return { ok: true, value: fresh(unit === 'mi' ? fixtures.runMiles : (byId[id] ?? { ...fixtures.run, summary_id: id })) };
    },
    'companion:data.hrProfile': { ok: true, value: fresh(fixtures.hrProfile) },
    'companion:data.trainingLoad': { ok: true, value: fresh(fixtures.trainingLoad) },
    'companion:data.trends': { ok: true, value: fresh(fixtures.trends) },
    'companion:data.records': { ok: true, value: fresh(fixtures.records) },
  };
  const transport: BridgeTransport = {
    async invoke(channel, args) {
      calls.push({ channel, args });
      const scripted = answers[channel];
      if (scripted) return (typeof scripted === 'function' ? scripted(args) : scripted) as never;
      switch (channel) {
        case 'companion:state.get':
          return { ok: true, value: connectedState } as never;
        case 'companion:agents.list':
        case 'companion:audit.list':
          return { ok: true, value: [] } as never;
        case 'companion:data.activities':
          return {
            ok: true,
            value: { data: [activityRow('run-1', '2026-11-24'), activityRow('run-2', '2026-11-20', 'TREADMILL_RUNNING'), activityRow('run-3', '2026-11-18'), activityRow('run-4', '2026-11-16')], last_sync_at: null, stale: true },
          } as never;
        case 'companion:data.weekly':
          return { ok: true, value: { data: [], last_sync_at: null, stale: true } } as never;
        case 'companion:settings.get':
          return { ok: true, value: { openAtLogin: false, openAtLoginAvailable: false } } as never;
        default:
          return { ok: true, value: null } as never;
      }
    },
    onState(_listener: (state: ViewState) => void) {
      return () => undefined;
    },
  };
  Object.defineProperty(window, 'r42', { value: createBridgeApi(transport), configurable: true });
});

afterEach(cleanup);

async function renderApp() {
  const { App } = await import('../../src-renderer/App');
  render(<App />);
  await screen.findByRole('table', { name: 'Recent activities' });
}

/** Nothing on the page, text or attribute, says NaN, undefined, Infinity or null. */
function expectNoBrokenNumbers() {
  const html = document.body.innerHTML;
  expect(html).not.toMatch(/NaN|undefined|Infinity|\bnull\b|\[object/);
}

const callsTo = (channel: string) => calls.filter((c) => c.channel === channel).map((c) => c.args);

describe('the fixtures', () => {
  it('are answers the strict schemas accept', () => {
    for (const a of [fixtures.run, fixtures.runMiles, fixtures.treadmill, fixtures.summaryOnly, fixtures.estimatedRun]) expect(() => activityDetailsAnswer.parse(a)).not.toThrow();
    expect(() => trainingLoadAnswer.parse(fixtures.trainingLoad)).not.toThrow();
    expect(() => trainingLoadAnswer.parse(fixtures.emptyLoad)).not.toThrow();
    expect(() => trendsAnswer.parse(fixtures.trends)).not.toThrow();
    expect(() => trendsAnswer.parse(fixtures.emptyTrends)).not.toThrow();
    expect(() => personalRecordsAnswer.parse(fixtures.records)).not.toThrow();
    expect(() => hrProfileAnswer.parse(fixtures.hrProfile)).not.toThrow();
    // Strict: a field that is not in the schema (a token, say) fails the parse.
    expect(() => personalRecordsAnswer.parse({ ...fixtures.records, token: 'x' })).toThrow();
  });
});

describe('the activity page', () => {
  it('opens from the activity list with the summary, chart, zones, splits, laps and best efforts; Esc goes back to the row', async () => {
    await renderApp();
    const opener = screen.getByRole('button', { name: /Nov 24, 2026, Running: open its details/ });
    opener.focus();
    fireEvent.click(opener);
    const heading = await screen.findByRole('heading', { level: 2, name: 'Tempo Tuesday, Nov 24, 2026' });
    expect(document.activeElement).toBe(heading); // a screen reader starts on the new page
    expect(callsTo('companion:data.activity')).toEqual([{ id: 'run-1', unit: 'km' }]);
    expect(screen.getByText('Training data').closest('.overview')!.hasAttribute('hidden')).toBe(true);

    const summary = within(screen.getByTestId('activity-summary'));
    expect(summary.getByText('10.50 km')).toBeTruthy();
    expect(summary.getByText('5:00 /km')).toBeTruthy();
    expect(summary.getByText('152 bpm')).toBeTruthy();
    expect(summary.getByText('113 TRIMP')).toBeTruthy();
    expect(summary.getByText('+3.2 %')).toBeTruthy();

    const chart = screen.getByRole('img', { name: /^Pace and heart rate over 10\.50 km/ });
    expect(chart.getAttribute('aria-label')).toContain('heart rate from 131 to 171 bpm');
    expect(chart.querySelectorAll('path.line').length).toBeGreaterThanOrEqual(2);

    const zones = screen.getByTestId('zone-bar');
    expect(zones.getAttribute('role')).toBe('img');
    expect(zones.getAttribute('aria-label')).toContain('Zone 3 20:00 (38 %)');
    expect(screen.getByText('147–162 bpm')).toBeTruthy(); // zone 3's range from the HR profile

    const splits = screen.getByRole('table', { name: 'Splits (kilometres)' });
    expect(within(splits).getAllByRole('row')).toHaveLength(12);
    expect(within(splits).getByRole('columnheader', { name: 'Avg HR' })).toBeTruthy();
    expect(screen.getByRole('table', { name: 'Laps' })).toBeTruthy();
    const efforts = screen.getByRole('table', { name: 'Best efforts in this run' });
    expect(within(efforts).getByRole('rowheader', { name: '5 km' })).toBeTruthy();
    expect(within(efforts).getByText('24:43')).toBeTruthy();
    expect(screen.queryByTestId('note-no-hr')).toBeNull();
    expectNoBrokenNumbers();

    fireEvent.keyDown(window, { key: 'Escape' });
    expect(screen.queryByTestId('page-activity')).toBeNull();
    expect(screen.getByText('Training data').closest('.overview')!.hasAttribute('hidden')).toBe(false);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: /Nov 24, 2026, Running: open its details/ }));
  });

  it('switches splits and paces to miles, asking the service again', async () => {
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 24, 2026, Running/ }));
    await screen.findByRole('table', { name: 'Splits (kilometres)' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Units' }), { target: { value: 'mi' } });
    expect(screen.getByTestId('page-activity').getAttribute('aria-busy')).toBe('true'); // the km figures stay until the miles arrive
    const splits = await screen.findByRole('table', { name: 'Splits (miles)' });
    expect(screen.getByTestId('page-activity').getAttribute('aria-busy')).toBe('false');
    expect(callsTo('companion:data.activity')).toEqual([
      { id: 'run-1', unit: 'km' },
      { id: 'run-1', unit: 'mi' },
    ]);
    expect(within(splits).getByRole('columnheader', { name: 'Mile' })).toBeTruthy();
    expect(within(splits).getByText('8:00 /mi')).toBeTruthy();
    expect(within(screen.getByRole('table', { name: 'Best efforts in this run' })).getByText('7:33 /mi')).toBeTruthy(); // 281.4 s/km
    expect(screen.getByRole('img', { name: /over 6\.52 mi/ })).toBeTruthy();
    expectNoBrokenNumbers();
  });

  it('says so when heart rate and GPS are missing, and leaves HR out instead of showing blanks', async () => {
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 20, 2026, Treadmill running/ }));
    await screen.findByRole('heading', { level: 2, name: 'Treadmill running, Nov 20, 2026' });
    expect(screen.getByTestId('note-no-hr').textContent).toContain('No heart rate was recorded');
    expect(screen.getByTestId('note-no-gps').textContent).toContain('No GPS was recorded');
    expect(screen.queryByTestId('zone-bar')).toBeNull();
    expect(screen.queryByRole('columnheader', { name: 'Avg HR' })).toBeNull();
    const chart = screen.getByRole('img', { name: /^Pace over 10\.50 km/ });
    expect(chart.getAttribute('aria-label')).toContain('no heart rate');
    expect(screen.getByText('Training load counted from its duration only (no heart rate).')).toBeTruthy();
    expectNoBrokenNumbers();
  });

  it('shows a summary-only activity with dashes and a note, never NaN', async () => {
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 18, 2026, Running/ }));
    await screen.findByTestId('note-no-details');
    expect(screen.getByRole('heading', { level: 2, name: 'Activity' })).toBeTruthy();
    expect(screen.getByTestId('note-no-hr')).toBeTruthy();
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.queryByRole('table', { name: /Splits/ })).toBeNull();
    expect(screen.getAllByText('—').length).toBeGreaterThan(3);
    expectNoBrokenNumbers();
  });

  it('says when the zones come from an estimated max and resting heart rate', async () => {
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 16, 2026, Running/ }));
    const note = await screen.findByTestId('note-estimated-zones');
    expect(note.textContent).toContain('max heart rate of 186 and a resting heart rate of 50 bpm');
  });

  it('never shows a channel name when main refuses the arguments', async () => {
    answers['companion:data.activity'] = { ok: false, error: { code: 'invalid_arguments', message: 'Invalid arguments for companion:data.activity.' } };
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 24, 2026, Running/ }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('R42 Companion could not ask for that.');
    expect(alert.textContent).not.toContain('companion:');
  });

  it('puts a failure in the app’s words, with a way to try again', async () => {
    let fail = true;
    answers['companion:data.activity'] = () => (fail ? { ok: false, error: { code: 'not_found', message: 'No activity "run-1" in the synced data. Run `r42-companion sync`.' } } : { ok: true, value: fresh(fixtures.run) });
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: /Nov 24, 2026, Running/ }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('That activity is not in your synced data. Sync, then look for it again in the activity list.');
    expect(alert.textContent).not.toContain('r42-companion');
    fail = false;
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await screen.findByRole('heading', { level: 2, name: 'Tempo Tuesday, Nov 24, 2026' });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('the training load page', () => {
  it('draws acute and chronic load with the 0.8–1.3 band, and gives today’s ratio, monotony and strain', async () => {
    await renderApp();
    fireEvent.click(within(screen.getByRole('navigation', { name: 'Training pictures' })).getByRole('button', { name: 'Training load' }));
    await screen.findByRole('heading', { level: 2, name: 'Training load' });
    const [args] = callsTo('companion:data.trainingLoad') as Array<{ from: string; to: string }>;
    expect((Date.parse(args!.to) - Date.parse(args!.from)) / 86_400_000).toBe(83); // 12 weeks, today included

    const chart = screen.getByRole('img', { name: /^Acute \(7-day\) and chronic \(28-day\) training load/ });
    expect(chart.getAttribute('aria-label')).toMatch(/On Nov 30, 2026: acute \d+, chronic \d+, ratio [\d.]+/);
    expect(chart.getAttribute('aria-label')).toMatch(/\d+ of \d+ days with a ratio were inside the 0\.8–1\.3 band/);
    expect(chart.querySelectorAll('path.band').length).toBe(1);
    expect(chart.querySelector('path.line.dashed')).toBeTruthy(); // chronic
    const facts = screen.getByTestId('load-now');
    expect(facts.getAttribute('aria-label')).toBe('Load on Nov 30, 2026');
    expect(within(facts).getByText('Monotony (7 days)')).toBeTruthy();
    expect(within(facts).getByText('Strain (7 days)')).toBeTruthy();
    expect(within(facts).getByText(/within the 0\.8–1\.3 band|below the 0\.8–1\.3 band|above the 0\.8–1\.3 band/)).toBeTruthy();
    expect(screen.getByTestId('load-methods').textContent).toContain('Of 36 activities in these weeks, 30 counted from heart-rate samples');
    const weeks = screen.getByRole('table', { name: 'Weekly load' });
    expect(within(weeks).getAllByRole('row')).toHaveLength(13);
    expectNoBrokenNumbers();

    fireEvent.change(screen.getByRole('combobox', { name: 'Shown' }), { target: { value: '26' } });
    await waitFor(() => expect(callsTo('companion:data.trainingLoad')).toHaveLength(2));
    const [, wider] = callsTo('companion:data.trainingLoad') as Array<{ from: string; to: string }>;
    expect((Date.parse(wider!.to) - Date.parse(wider!.from)) / 86_400_000).toBe(181);
  });

  it('without any history says so, and draws nothing broken', async () => {
    answers['companion:data.trainingLoad'] = { ok: true, value: fresh(fixtures.emptyLoad) };
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Training load' }));
    await screen.findByTestId('note-no-history');
    expect(screen.queryByRole('table', { name: 'Weekly load' })).toBeNull();
    expect(screen.getByRole('img').getAttribute('aria-label')).toContain('No day has both loads yet.');
    expectNoBrokenNumbers();
  });
});

describe('the HRV and resting HR page', () => {
  it('gives the HRV status against the baseline band, resting HR and sleep trends, and the last 7 days', async () => {
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'HRV and resting HR' }));
    await screen.findByRole('heading', { level: 2, name: 'HRV, resting heart rate and sleep' });
    expect(screen.getByTestId('hrv-status').textContent).toContain('HRV: Below your normal range');
    expect(screen.getByTestId('hrv-status').textContent).toContain('against 59–67 ms');
    const hrv = screen.getByRole('img', { name: /^Overnight HRV/ });
    expect(hrv.getAttribute('aria-label')).toContain('your normal range 59–67 ms: below your normal range.');
    expect(hrv.querySelectorAll('path.band').length).toBeGreaterThan(0);
    expect(hrv.querySelectorAll('circle.dot').length).toBeGreaterThan(60);
    expect(screen.getByRole('img', { name: /^Resting heart rate: 7-day average 51 bpm, against 50 bpm over 28 days, stable\./ })).toBeTruthy();
    expect(screen.getByTestId('sleep-trend').textContent).toMatch(/^Sleep: 7-day average 7 h \d+ min/);
    const week = screen.getByRole('table', { name: 'The last 7 days' });
    expect(within(week).getAllByRole('row')).toHaveLength(8);
    expect(within(week).getByRole('rowheader', { name: 'Nov 30, 2026' })).toBeTruthy();
    expectNoBrokenNumbers();
  });

  it('says when there is no HRV at all', async () => {
    answers['companion:data.trends'] = { ok: true, value: fresh(fixtures.emptyTrends) };
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'HRV and resting HR' }));
    await screen.findByTestId('note-no-hrv');
    expect(screen.queryByRole('img')).toBeNull();
    expect(screen.getByTestId('resting-hr-trend').textContent).toBe('Resting heart rate: not enough days yet for an average.');
    expectNoBrokenNumbers();
  });
});

describe('the personal records page', () => {
  it('lists each distance with time, pace and date, links to the run, and goes back a page at a time', async () => {
    await renderApp();
    const nav = screen.getByRole('button', { name: 'Personal records' });
    nav.focus();
    fireEvent.click(nav);
    const table = await screen.findByRole('table', { name: 'Personal records' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    const half = within(table).getByRole('rowheader', { name: 'Half marathon' }).closest('tr')!;
    expect(within(half).getByText('1:49:50')).toBeTruthy();
    expect(within(half).getByText('5:12 /km')).toBeTruthy();
    expect(within(half).getByText('Sep 20, 2026')).toBeTruthy();
    expect(screen.getByTestId('records-basis').textContent).toContain('23 runs with details');
    expect(screen.getByTestId('records-freshness').textContent).toMatch(/^From data synced Nov 30, 2026, \d+:00 (AM|PM) \(/);
    expectNoBrokenNumbers();

    const open = within(half).getByRole('button', { name: 'Open the run of Sep 20, 2026 (Half marathon record)' });
    open.focus();
    fireEvent.click(open);
    await screen.findByRole('heading', { level: 2, name: 'Tempo Tuesday, Nov 24, 2026' });
    expect(callsTo('companion:data.activity')).toEqual([{ id: 'run-9', unit: 'km' }]);
    expect(screen.getByRole('button', { name: 'Back to personal records' })).toBeTruthy();
    expect(screen.getByTestId('page-records').parentElement!.hasAttribute('hidden')).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Back to personal records' }));
    expect(screen.queryByTestId('page-activity')).toBeNull();
    expect(document.activeElement).toBe(open);
    act(() => {
      fireEvent.keyDown(window, { key: 'Escape' });
    });
    expect(screen.queryByTestId('page-records')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Personal records' }));
  });

  it('without records says where they come from, and that nothing is synced', async () => {
    answers['companion:data.records'] = { ok: true, value: fresh({ records: [], runs_with_details: 0 }, null, true) };
    await renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Personal records' }));
    await screen.findByText('No records yet: they come from runs whose details are synced.');
    expect(screen.getByTestId('records-basis').textContent).toBe('No run with details is on this computer yet.');
    expect(screen.getByTestId('records-freshness').textContent).toBe('Not synced yet');
    expect(screen.getByTestId('records-freshness').className).toContain('warn');
    expectNoBrokenNumbers();
  });
});
