import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { CLI, ROOT, filesContaining, makeWorld, recordingCli, runCli, secretsIn, startSimulator, type World } from '../support/harness.js';

let sim: GarminSimulator;
let world: World;
const children: ChildProcess[] = [];
const { cli, outputs } = recordingCli(() => world);

beforeEach(async () => {
  sim = await startSimulator();
  world = makeWorld(sim, { R42_BACKFILL_DAYS: '3' });
  outputs.length = 0;
  const login = await runCli(['login', '--timeout', '20'], world.env);
  expect(login.code).toBe(0);
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await sim.stop();
  await world.cleanup();
});

const agentJson = () => path.join(world.home, 'agent.json');

/** Starts `serve` and resolves once agent.json names it. */
async function serve(): Promise<{ child: ChildProcess; url: string; token: string; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], { cwd: ROOT, env: world.env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; i < 100; i++) {
    if (existsSync(agentJson())) {
      const file = JSON.parse(readFileSync(agentJson(), 'utf8')) as { url: string; token: string; pid: number };
      if (file.pid === child.pid) return { child, url: file.url, token: file.token, stderr: () => stderr };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`serve did not start: ${stderr}`);
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (code) => resolve(code))));

describe('serve', () => {
  it('serves agents, refuses a second serve on the same data folder, and cleans up on Ctrl-C', async () => {
    const first = await serve();
    expect(statSync(agentJson()).mode & 0o777).toBe(0o600);
    const res = await fetch(`${first.url}/v1/token`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string };
    expect(sim.isAccessTokenLive(body.access_token)).toBe(true);

    const second = await cli(['serve']);
    expect(second.code).toBe(8);
    expect(second.stderr).toMatch(new RegExp(`already serving agents for this data folder \\(process ${first.child.pid}\\).*\\[agent_already_running\\]`));

    first.child.kill('SIGINT');
    expect(await exited(first.child)).toBe(0);
    expect(first.stderr()).toContain('Stopped serving agents');
    expect(existsSync(agentJson())).toBe(false);
    expect(existsSync(path.join(world.home, 'serve.lock'))).toBe(false);
    // The owner secret died with its process.
    const again = await serve();
    const stale = await fetch(`${again.url}/v1/token`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(stale.status).toBe(401);
  });

  it('after kill -9, a new serve takes over the data folder', async () => {
    const first = await serve();
    first.child.kill('SIGKILL');
    await exited(first.child);
    const second = await serve();
    const res = await fetch(`${second.url}/v1/token`, { headers: { authorization: `Bearer ${second.token}` } });
    expect(res.status).toBe(200);
    const oldOwner = await fetch(`${second.url}/v1/token`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(oldOwner.status).toBe(401);
    // The crashed serve's owner grant was ended when the new one started: only one owner is listed.
    const listed = JSON.parse((await cli(['agents', 'list', '--json'])).stdout) as Array<{ kind: string }>;
    expect(listed.filter((g) => g.kind === 'owner')).toHaveLength(1);
  });

  it('agents add / list / revoke from the CLI, seen by the running endpoint at once', async () => {
    const running = await serve();
    const add = await cli(['agents', 'add', 'coach-gpt']);
    expect(add.code).toBe(0);
    const secret = add.stdout.trim();
    expect(secret).toMatch(/^r42a_/);
    expect(add.stderr).toContain('shown only this once');
    expect((await fetch(`${running.url}/v1/token`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
    const list = JSON.parse((await cli(['agents', 'list', '--json'])).stdout) as Array<{ name: string; useCount: number; lastUsedAt: string | null }>;
    expect(list.find((g) => g.name === 'coach-gpt')).toMatchObject({ useCount: 1, lastUsedAt: expect.any(String) });
    expect((await cli(['agents', 'list'])).stdout).toMatch(/coach-gpt\s+named/);
    expect(JSON.stringify(list)).not.toContain(secret);
    expect((await cli(['agents', 'revoke', 'coach-gpt'])).code).toBe(0);
    expect((await fetch(`${running.url}/v1/token`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
    expect((await cli(['agents', 'revoke', 'coach-gpt'])).code).toBe(2);
    const audit = JSON.parse((await cli(['audit', '--json', '--limit', '200'])).stdout) as Array<{ event: string; detail: Record<string, unknown> }>;
    expect(audit.find((e) => e.event === 'agent.token_issued' && e.detail.grant === 'coach-gpt')).toBeDefined();
    expect(audit.find((e) => e.event === 'agent.request_refused' && e.detail.grant === null)).toBeDefined();
  });
});

describe('run --', () => {
  const childScript = (file: string) =>
    `const r = await fetch(process.env.R42_AGENT_URL + '/v1/token', { headers: { authorization: 'Bearer ' + process.env.R42_AGENT_TOKEN } });
     const j = await r.json();
     require('node:fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify({ url: process.env.R42_AGENT_URL, secret: process.env.R42_AGENT_TOKEN }));
     console.log(r.status, j.garmin_user_id);
     process.exit(7);`;

  it('hands a working grant to the child through the running endpoint, and revokes it when the child exits', async () => {
    const running = await serve();
    const file = path.join(world.home, '..', `run-${Date.now()}.json`);
    const result = await cli(['run', '--', process.execPath, '--input-type=commonjs', '-e', `(async () => { ${childScript(file)} })()`]);
    expect(result.stdout.trim()).toBe(`200 ${sim.userId}`);
    expect(result.code).toBe(7); // the child's exit code
    const seen = JSON.parse(readFileSync(file, 'utf8')) as { url: string; secret: string };
    expect(seen.url).toBe(running.url);
    const after = await fetch(`${running.url}/v1/token`, { headers: { authorization: `Bearer ${seen.secret}` } });
    expect(after.status).toBe(401);
  });

  it('without a running endpoint, serves the child from a private one that ends with it', async () => {
    const file = path.join(world.home, '..', `run-${Date.now()}.json`);
    const result = await cli(['run', '--', process.execPath, '--input-type=commonjs', '-e', `(async () => { ${childScript(file)} })()`]);
    expect(result.stdout.trim()).toBe(`200 ${sim.userId}`);
    const seen = JSON.parse(readFileSync(file, 'utf8')) as { url: string };
    await expect(fetch(`${seen.url}/v1/health`)).rejects.toThrow();
    expect(existsSync(agentJson())).toBe(false);
  });

  it('the README shell example over the socket: curl --unix-socket "$R42_AGENT_SOCKET", through the running endpoint and a private one', async () => {
    // Only the user id is printed: the token itself must not reach an output.
    const script = `curl -sf --unix-socket "$R42_AGENT_SOCKET" -H "Authorization: Bearer $R42_AGENT_TOKEN" http://localhost/v1/token | grep -o '"garmin_user_id":"[^"]*"'`;
    const privateRun = await cli(['run', '--', 'sh', '-c', script]);
    expect(privateRun).toMatchObject({ code: 0, stdout: `"garmin_user_id":"${sim.userId}"\n` });
    await serve();
    const throughServe = await cli(['run', '--', 'sh', '-c', `test "$R42_AGENT_SOCKET" = "${path.join(world.home, 'agent.sock')}" && ${script}`]);
    expect(throughServe).toMatchObject({ code: 0, stdout: `"garmin_user_id":"${sim.userId}"\n` });
  });

  it('the documented Python example gets a token', async () => {
    const result = await cli(['run', '--', 'python3', path.join(ROOT, 'docs/agents/garmin_token.py')]);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({ garmin_user_id: sim.userId, token_type: 'Bearer' });
    expect(printed.expires_in).toBeGreaterThan(900);
    // And it reports refusals with the stable code.
    const noEndpoint = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn('python3', [path.join(ROOT, 'docs/agents/garmin_token.py')], { env: { ...world.env, R42_AGENT_URL: '', R42_AGENT_TOKEN: '' } });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(noEndpoint.code).toBe(1);
    expect(noEndpoint.stderr).toContain('[agent_not_running]');
  });
});

afterEach(() => {
  expect(secretsIn(outputs.join('\n'), sim.issuedSecrets)).toEqual([]);
  expect(filesContaining(world.home, [...sim.issuedSecrets, ...sim.seenStates])).toEqual([]);
});
