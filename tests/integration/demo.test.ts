import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CHANNELS, type ArgsOf, type Channel, type ResultOf } from '../../src-common/ipc-contract.js';
import { browse } from '../support/core-world.js';
import { ROOT, tempDir } from '../support/harness.js';

let child: ChildProcess | undefined;

afterEach(() => {
  // Whatever of the demo's process group is still there (dbus-run-session, the keyring daemon).
  try {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  child = undefined;
});

/** Waits until the output so far matches `pattern`. */
function waitFor(output: () => string, pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      const match = output().match(pattern);
      if (match) return resolve(match);
      if (Date.now() - started > timeoutMs || child?.exitCode !== null) return reject(new Error(`no ${pattern} in:\n${output()}`));
      setTimeout(check, 100);
    };
    check();
  });
}

describe('npm run demo on a machine with no Secret Service and no display', () => {
  it('uses a private keyring and says so, Connect links, and within a minute the chart, the activities and every coaching page hold the simulator’s data', async () => {
    // The npm script as the runner runs it, after its build step (the tests run on a build).
    const script = (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts.demo!;
    const command = script.replace(/^npm run build && /, '');
    const home = tempDir('r42-demo-home-');
    // No D-Bus session and no display: what a server, a container or an SSH session has.
    const env = { PATH: process.env.PATH, HOME: home, TMPDIR: process.env.TMPDIR, CI: '1', BROWSER: 'true' } as NodeJS.ProcessEnv;
    let out = '';
    child = spawn('bash', ['-c', command], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));

    const [, url] = await waitFor(() => out, /R42 Companion demo at (http:\/\/127\.0\.0\.1:\d+)/);
    expect(out).toContain('the demo uses a private gnome-keyring for this run');
    const [, folder] = await waitFor(() => out, /Demo data folder: (\S+) \(removed when the demo stops\)/);

    // The page's own calls, with the session only the served page knows.
    const page = await (await fetch(url!)).text();
    const session = /<meta name="r42-session" content="([^"]+)">/.exec(page)![1]!;
    const invoke = async (channel: Channel, args?: unknown): Promise<unknown> =>
      fetch(`${url}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-r42-session': session },
        body: JSON.stringify(args === undefined ? {} : { args }),
      }).then((r) => r.json());
    /** A channel's value, parsed with the contract's own result schema. */
    const value = async <C extends Channel>(channel: C, ...args: ArgsOf<C> extends undefined ? [] : [ArgsOf<C>]): Promise<ResultOf<C>> => {
      const answer = (await invoke(channel, args[0])) as { ok: boolean; value?: unknown; error?: { code: string; message: string } };
      if (!answer.ok) throw new Error(`${channel}: ${answer.error?.code} ${answer.error?.message}`);
      return CHANNELS[channel].result.parse(answer.value) as ResultOf<C>;
    };

    // Connect, as the page does.
    const connected = invoke('companion:auth.connect');
    const [, authorizeUrl] = await waitFor(() => out, /open this address in a browser on this computer:\n {2}(\S+)\n/);
    // The runner approves on the simulator's consent page; Garmin sends the browser back to the app.
    const consent = await (await fetch(authorizeUrl!)).text();
    const id = /name="id" value="([^"]+)"/.exec(consent)![1]!;
    const decision = await fetch(new URL('/oauth2Confirm/decision', authorizeUrl), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ id, decision: 'approve' }),
    });
    expect((await browse(decision.headers.get('location')!)).title).toContain('Garmin is linked');
    expect(await connected).toMatchObject({ ok: true, value: { garminUserId: expect.any(String) } });

    // No button pressed: the open app asks Garmin for the history, Garmin pings R42's server, the
    // app picks the pings up from the relay and fetches them. Within a minute the chart and the
    // recent activities have runs.
    await expect
      .poll(async () => (await value('companion:data.weekly', { weeks: 12 })).data.filter((w) => w.runs > 0).length, { timeout: 60_000, interval: 500 })
      .toBeGreaterThan(4);
    const activities = (await value('companion:data.activities', { limit: 25 })).data;
    expect(activities.length).toBeGreaterThan(5);
    const state = await value('companion:state.get');
    expect(state.connection.sync.relay?.summariesReceived).toBeGreaterThan(0);

    // Every coaching page: an activity worked out from its samples, the load, the trends, the records.
    const run = activities.find((a) => a.type?.includes('RUNNING'))!;
    await expect.poll(async () => (await value('companion:data.activity', { id: run.summary_id, unit: 'km' })).data.has_details, { timeout: 60_000, interval: 500 }).toBe(true);
    const details = (await value('companion:data.activity', { id: run.summary_id, unit: 'km' })).data;
    expect(details.splits.length).toBeGreaterThan(0);
    expect(details.summary.avg_pace_s).toBeGreaterThan(0);
    const to = new Date().toISOString().slice(0, 10);
    const from = new Date(Date.now() - 27 * 86_400_000).toISOString().slice(0, 10);
    const load = (await value('companion:data.trainingLoad', { from, to })).data;
    expect(load.days.some((d) => d.load > 0)).toBe(true);
    await expect.poll(async () => (await value('companion:data.trends', { from, to })).data.days.filter((d) => d.resting_hr !== null).length, { timeout: 60_000, interval: 500 }).toBeGreaterThan(7);
    await expect.poll(async () => (await value('companion:data.records')).data.records.length, { timeout: 60_000, interval: 500 }).toBeGreaterThan(0);

    // Sync now says what it did.
    const synced = await value('companion:sync.now');
    expect(synced).toMatchObject({ outcome: 'completed' });

    // Ctrl-C in the terminal: the whole foreground group gets SIGINT; the demo removes its throwaway folder.
    process.kill(-child.pid!, 'SIGINT');
    await expect.poll(() => existsSync(folder!), { timeout: 15_000 }).toBe(false);
  }, 240_000);
});
