import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
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
  it('uses a private keyring and says so, prints the sign-in address, and Connect links', async () => {
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

    // Connect, as the page does.
    const page = await (await fetch(url!)).text();
    const session = /<meta name="r42-session" content="([^"]+)">/.exec(page)![1]!;
    const connected = fetch(`${url}/api/invoke/companion:auth.connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-r42-session': session },
      body: JSON.stringify({}),
    }).then((r) => r.json());
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

    // Ctrl-C in the terminal: the whole foreground group gets SIGINT; the demo removes its throwaway folder.
    process.kill(-child.pid!, 'SIGINT');
    await expect.poll(() => existsSync(folder!), { timeout: 15_000 }).toBe(false);
  }, 120_000);
});
