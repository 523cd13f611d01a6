import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startLoopbackListener, type LoopbackListener } from '../../src-main/core/auth/loopback-listener.js';
import { exchange } from '../support/raw-http.js';

let listener: LoopbackListener | undefined;
afterEach(async () => {
  await listener?.closeNow();
  listener = undefined;
});

/** A real listener on an ephemeral port that counts the callbacks it was handed. */
async function start(limits: Parameters<typeof startLoopbackListener>[2] = {}) {
  const callbacks: URL[] = [];
  listener = await startLoopbackListener({ host: '127.0.0.1', port: 0, path: '/callback' }, async (url) => {
    callbacks.push(url);
    return { page: 'wrong_state' };
  }, limits);
  const port = Number(new URL(listener.redirectUri).port);
  return { port, callbacks, host: `Host: 127.0.0.1:${port}\r\n` };
}

describe('sign-in loopback listener: the same HTTP hygiene as the agent endpoint (issue 12)', () => {
  it('refuses bodies, a second Host, foreign absolute URLs, Expect, Upgrade and CONNECT, closes the connection, and never runs the callback for them', async () => {
    const { port, callbacks, host } = await start();
    const callback = 'GET /callback?code=c&state=s HTTP/1.1\r\n';
    const cases: Array<[string, string, number]> = [
      ['a body', `${callback}${host}Content-Length: 4\r\n\r\nabcd`, 413],
      ['a second Host after a valid one', `${callback}${host}Host: evil.example\r\n\r\n`, 400],
      ['a foreign absolute URL', `GET http://evil.example/callback?code=c&state=s HTTP/1.1\r\n${host}\r\n`, 400],
      ['a scheme-relative target', `GET //evil.example/callback?code=c&state=s HTTP/1.1\r\n${host}\r\n`, 400],
      ['Expect: 100-continue', `${callback}${host}Expect: 100-continue\r\nContent-Length: 4\r\n\r\n`, 417],
      ['Upgrade, with a callback pipelined behind it', `${callback}${host}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n${callback}${host}\r\n`, 400],
      ['CONNECT, with a callback pipelined behind it', `CONNECT evil.example:443 HTTP/1.1\r\n${host}\r\n${callback}${host}\r\n`, 405],
    ];
    for (const [name, request, status] of cases) {
      const got = await exchange(port, request);
      expect([name, got.statuses, got.closedByServer]).toEqual([name, [status], true]);
    }
    expect(callbacks).toEqual([]);
    // A well-formed callback still reaches it.
    const ok = await exchange(port, `${callback}${host}Connection: close\r\n\r\n`);
    expect(ok.statuses).toEqual([400]); // wrong_state, from the callback
    expect(callbacks).toHaveLength(1);
  });

  it('closes idle connections and caps them, and a real callback still gets through while another process holds sockets', async () => {
    const { port, callbacks, host } = await start({ idleTimeoutMs: 60_000, maxConnections: 8 });
    const closed = new Set<number>();
    const sockets = [];
    for (let i = 0; i < 20; i++) {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.on('error', () => undefined);
      socket.on('close', () => closed.add(i));
      sockets.push(socket);
    }
    await expect.poll(() => closed.size, { timeout: 5_000 }).toBeGreaterThanOrEqual(20 - 8);
    const ok = await exchange(port, `GET /callback?code=c&state=s HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    expect(ok.statuses).toEqual([400]);
    expect(callbacks).toHaveLength(1);
    for (const socket of sockets) socket.destroy();

    await listener!.closeNow();
    // Idle ones are closed from the first moment (today's listener keeps a silent socket 10 s).
    const idle = await start({ idleTimeoutMs: 200 });
    const silent = await Promise.all(Array.from({ length: 5 }, () => exchange(idle.port, '', 4_000)));
    expect(silent.map((r) => r.closedByServer)).toEqual(silent.map(() => true));
  });
});
