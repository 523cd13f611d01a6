/**
 * Issue 23, finding 3: a port on 127.0.0.1 belongs to whoever binds it first. After `serve`
 * stops, any local process can bind the port agents remember and wait for their secrets. These
 * tests play that stranger, as mean as it can be: it records every byte it receives, forwards the
 * endpoint's challenge to the real endpoint (now on another port) and answers token requests
 * itself. The agent's secret must never reach it.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CompanionClientError, getGarminAccessToken } from '../../src-main/client/index.js';
import type { AgentService } from '../../src-main/core/companion.js';
import type { GarminSimulator } from '../simulator/garmin-simulator.js';
import { readJsonLines, ROOT, startSimulator } from '../support/harness.js';
import { approveAtGarmin, browse, makeCoreWorld, type CoreWorld } from '../support/core-world.js';

let sim: GarminSimulator | undefined;
let world: CoreWorld | undefined;
let service: AgentService | undefined;
let squatter: Squatter | undefined;

afterEach(async () => {
  await squatter?.close();
  squatter = undefined;
  await service?.stop();
  service = undefined;
  await world?.cleanup();
  world = undefined;
  await sim?.stop();
  sim = undefined;
});

async function linkedWorld(): Promise<CoreWorld> {
  sim = await startSimulator();
  world = makeCoreWorld(sim);
  const opened = world.browser.next();
  const outcome = world.companion.signIn({ timeoutMs: 15_000 });
  await browse(await approveAtGarmin(await opened));
  await outcome;
  return world;
}

interface Squatter {
  /** Every byte any client sent it. */
  received(): string;
  readonly forwarded: string[];
  close(): Promise<void>;
}

/**
 * Another program on the port R42 Companion used: it records everything, relays `/v1/proof` to
 * the real endpoint (wherever it runs now), and answers anything else with a made-up token.
 */
async function squat(port: number, realEndpoint: () => string | null): Promise<Squatter> {
  const chunks: Buffer[] = [];
  const forwarded: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const real = realEndpoint();
    if (real && req.url?.startsWith('/v1/proof')) {
      forwarded.push(req.url);
      const target = new URL(req.url, real);
      const relay = request(target, { headers: { host: target.host, accept: 'application/json' } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
        answer.pipe(res);
      });
      relay.end();
      return;
    }
    const body = JSON.stringify({ access_token: 'fake', token_type: 'Bearer', expires_in: 86_000, expires_at: new Date(Date.now() + 86_000_000).toISOString(), garmin_user_id: 'fake', scope: null });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    received: () => Buffer.concat(chunks).toString('latin1'),
    forwarded,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** The documented Python example, with only the given environment (and PATH). */
function runPython(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('python3', [path.join(ROOT, 'docs/agents/garmin_token.py')], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('a squatted agent port never gets an agent’s secret (issue 23, finding 3)', () => {
  it('serve stops, a stranger binds the remembered port and relays the challenge: the agent with R42_AGENT_URL/R42_AGENT_TOKEN refuses to send its secret', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const oldUrl = service.url;
    const oldPort = Number(new URL(oldUrl).port);
    const { secret } = w.companion.agents.add('coach');
    const agentEnv = { R42_AGENT_URL: oldUrl, R42_AGENT_TOKEN: secret };

    // Over TCP the endpoint proves itself first, then the token comes.
    const first = await getGarminAccessToken({ env: agentEnv });
    expect(sim!.isAccessTokenLive(first.accessToken)).toBe(true);

    // serve stops; a stranger takes the port; serve comes back on another one.
    await service.stop();
    service = undefined;
    let realUrl: string | null = null;
    squatter = await squat(oldPort, () => realUrl);
    service = await w.companion.serveAgents({ syncOnStart: false });
    realUrl = service.url;
    expect(service.url).not.toBe(oldUrl);
    expect(readJsonLines<{ event: string }>(w.companion.config.paths.logFile).map((l) => l.event)).toContain('agent.port_changed');

    // The agent still has the old URL: what answers there cannot prove it holds the grant's key,
    // even with the real endpoint's answer in hand (it proves for its own port).
    const refused = await getGarminAccessToken({ env: agentEnv, minValidSeconds: 900 }).catch((e: unknown) => e);
    const seen = squatter.received();
    expect(seen, 'the secret reached the program squatting the port').not.toContain(secret);
    expect(seen).not.toContain(secret.slice(5, 30));
    expect(seen.toLowerCase()).not.toContain('authorization');
    expect(seen).toContain('GET /v1/proof?grant=');
    expect(squatter.forwarded.length).toBe(1);
    expect(refused).toBeInstanceOf(CompanionClientError);
    expect(refused).toMatchObject({ code: 'endpoint_unverified' });

    // The documented Python agent (standard library only) does the same.
    const python = await runPython(agentEnv);
    expect(python.stderr).toContain('[endpoint_unverified]');
    expect(python.code).toBe(1);
    expect(squatter.received()).not.toContain(secret);

    // Through the socket in the data folder the same agent reaches the real endpoint, port squatted or not.
    const socket = service.socketPath!;
    expect(socket).toBe(path.join(w.home, 'agent.sock'));
    expect(lstatSync(socket).isSocket()).toBe(true);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    const viaSocket = await getGarminAccessToken({ env: { ...agentEnv, R42_AGENT_SOCKET: socket } });
    expect(sim!.isAccessTokenLive(viaSocket.accessToken)).toBe(true);
    const pythonViaSocket = await runPython({ ...agentEnv, R42_AGENT_SOCKET: socket });
    expect(pythonViaSocket).toMatchObject({ code: 0 });
    expect(JSON.parse(pythonViaSocket.stdout)).toMatchObject({ garmin_user_id: sim!.userId });
    // And over TCP to the real endpoint, once it proved itself.
    expect(await runPython({ R42_AGENT_URL: service.url, R42_AGENT_TOKEN: secret })).toMatchObject({ code: 0 });
    expect(squatter.received()).not.toContain(secret);

    // agent.json names the socket; an agent reading it (the owner's grant) goes through it.
    const file = JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { url: string; token: string; socket: string };
    expect(file.socket).toBe(socket);
    const owner = await getGarminAccessToken({ env: { R42_HOME: w.home } });
    expect(owner.accessToken).toBe(viaSocket.accessToken);
    expect(squatter.received()).not.toContain(file.token);

    // A revoked grant is told apart without sending the secret: the real endpoint knows no such key id.
    w.companion.agents.revoke('coach');
    await expect(getGarminAccessToken({ env: { R42_AGENT_URL: service.url, R42_AGENT_TOKEN: secret } })).rejects.toMatchObject({ code: 'unauthorized', status: 401 });

    // The socket goes with the endpoint.
    await service.stop();
    service = undefined;
    expect(existsSync(socket)).toBe(false);
  });

  it('the socket refuses what the TCP port refuses (browsers cannot reach it, but Origin and framing rules still hold)', async () => {
    const w = await linkedWorld();
    service = await w.companion.serveAgents({ syncOnStart: false });
    const { token } = JSON.parse(readFileSync(path.join(w.home, 'agent.json'), 'utf8')) as { token: string };
    const viaSocket = (headers: Record<string, string>, pathname = '/v1/token', method = 'GET') =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ socketPath: service!.socketPath!, path: pathname, method, headers }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await viaSocket({ host: 'localhost', authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await viaSocket({ host: 'localhost' })).status).toBe(401);
    expect((await viaSocket({ host: 'localhost', authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(403);
    expect((await viaSocket({ host: 'evil.example', authorization: `Bearer ${token}` })).status).toBe(403);
    expect((await viaSocket({ host: 'localhost', authorization: `Bearer ${token}` }, '/v1/token', 'DELETE')).status).toBe(405);
  });
});
