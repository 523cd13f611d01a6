import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isCompanionError } from '../../src-main/core/errors.js';
import { GarminAnswerTooLarge, garminFailure, GarminHttp, GarminUnreachable, retryAfterSeconds } from '../../src-main/core/garmin/garmin-http.js';
import { GarminPullSource } from '../../src-main/core/sync/data-source.js';

/**
 * The one Garmin client (core/garmin/garmin-http.ts), tested once over real HTTP on 127.0.0.1:
 * the runner's token and one refresh on 401, URL joins under GARMIN_API_URL, no redirect followed,
 * a deadline, bounded reads, and the one mapping of Garmin's statuses to error codes.
 */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

let garmin: Server;
let elsewhere: Server;
let base = '';
let elsewhereUrl = '';
let seen: Seen[] = [];
let elsewhereHits = 0;
/** How the next requests are answered, in order; the last one repeats. */
let script: Array<(req: IncomingMessage, res: ServerResponse) => void> = [];

const ok = (body: unknown) => (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const status = (code: number, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse) => res.writeHead(code, headers).end('{}');

beforeAll(async () => {
  garmin = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      const answer = script.length > 1 ? script.shift()! : script[0]!;
      answer(req, res);
    });
  });
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.end('{}');
  });
  await Promise.all([new Promise<void>((r) => garmin.listen(0, '127.0.0.1', r)), new Promise<void>((r) => elsewhere.listen(0, '127.0.0.1', r))]);
  base = `http://127.0.0.1:${(garmin.address() as AddressInfo).port}`;
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});

afterAll(async () => {
  garmin.closeAllConnections();
  await Promise.all([new Promise((r) => garmin.close(r)), new Promise((r) => elsewhere.close(r))]);
});

beforeEach(() => {
  seen = [];
  elsewhereHits = 0;
  script = [ok({ fine: true })];
});

/** A client under `${base}/api` whose token is `t0` and `t1`, `t2`… after each forced refresh. */
function client(options: { timeoutMs?: number; apiUrl?: string } = {}) {
  const asked: boolean[] = [];
  let refreshes = 0;
  const http = new GarminHttp({
    apiUrl: new URL(options.apiUrl ?? `${base}/api`),
    fetch,
    timeoutMs: options.timeoutMs ?? 5_000,
    token: async (force) => {
      asked.push(force);
      if (force) refreshes++;
      return `t${refreshes}`;
    },
    clock: { now: () => Date.parse('2026-03-01T12:00:00Z') },
  });
  return { http, asked };
}

describe('the Garmin client: requests', () => {
  it('joins paths under GARMIN_API_URL (a leading slash too), sets the query, sends the token and the JSON body', async () => {
    const { http } = client();
    const answer = await http.request({ target: '/wellness-api/rest/dailies', query: { uploadStartTimeInSeconds: '10', uploadEndTimeInSeconds: '20' } });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text())).toEqual({ fine: true });
    await http.request({ method: 'POST', target: 'training-api/schedule/', body: '{"a":1}' });
    expect(seen).toEqual([
      { method: 'GET', url: '/api/wellness-api/rest/dailies?uploadStartTimeInSeconds=10&uploadEndTimeInSeconds=20', authorization: 'Bearer t0', body: '' },
      { method: 'POST', url: '/api/training-api/schedule/', authorization: 'Bearer t0', body: '{"a":1}' },
    ]);
  });

  it('refreshes the token once on a 401 and asks again; a second 401 is the answer', async () => {
    const { http, asked } = client();
    script = [status(401), ok({ after: 'refresh' })];
    expect(JSON.parse((await http.request({ target: 'x' })).text())).toEqual({ after: 'refresh' });
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer t0', 'Bearer t1']);
    expect(asked).toEqual([false, true]);

    seen = [];
    script = [status(401)];
    expect((await http.request({ target: 'x' })).status).toBe(401);
    expect(seen).toHaveLength(2);
  });

  it('uses a token given with the call as it is: no refresh', async () => {
    const { http, asked } = client();
    script = [status(401)];
    expect((await http.request({ target: 'wellness-api/rest/user/id', accessToken: 'given' })).status).toBe(401);
    expect(seen.map((s) => s.authorization)).toEqual(['Bearer given']);
    expect(asked).toEqual([]);
  });

  it('takes a URL Garmin gave (a callback) on its origin, and never sends the token anywhere else', async () => {
    const { http } = client();
    expect((await http.request({ target: new URL(`${base}/wellness-api/rest/dailies?token=pull`) })).status).toBe(200);
    expect(seen.map((s) => s.url)).toEqual(['/wellness-api/rest/dailies?token=pull']);
    await expect(http.request({ target: new URL(`${elsewhereUrl}/wellness-api/rest/dailies`) })).rejects.toMatchObject({ code: 'garmin_bad_response' });
    expect(elsewhereHits).toBe(0);
    expect(http.isGarmin(new URL(`${base}/wellness-api/rest/x`), '/wellness-api/rest/')).toBe(true);
    expect(http.isGarmin(new URL(`${base}/other`), '/wellness-api/rest/')).toBe(false);
  });

  it('does not follow a redirect: the 3xx is the answer, and where it points hears nothing', async () => {
    const { http } = client();
    script = [status(302, { location: `${elsewhereUrl}/steal` })];
    expect((await http.request({ target: 'x' })).status).toBe(302);
    expect(elsewhereHits).toBe(0);
  });

  it('reads at most maxBytes of an answer, with or without a Content-Length, and refuses the rest unread', async () => {
    const { http } = client();
    const big = 'x'.repeat(5_000);
    script = [(_req, res) => res.writeHead(200, { 'content-length': String(big.length) }).end(big)];
    await expect(http.request({ target: 'x', maxBytes: 4_096 })).rejects.toMatchObject({ code: 'garmin_bad_response', retryable: false, limit: 4_096 });
    script = [
      (_req, res) => {
        res.writeHead(200);
        res.write(big.slice(0, 2_500));
        setTimeout(() => res.end(big.slice(2_500)), 20);
      },
    ];
    await expect(http.request({ target: 'x', maxBytes: 4_096 })).rejects.toMatchObject({ code: 'garmin_bad_response', retryable: false, limit: 4_096 });
    await expect(http.request({ target: 'x', maxBytes: 4_096 })).rejects.toBeInstanceOf(GarminAnswerTooLarge);
    script = [ok({ small: true })];
    expect((await http.request({ target: 'x', maxBytes: 4_096 })).status).toBe(200);
  });

  it('gives up after its deadline, and tells a connection never made from one that may have reached Garmin', async () => {
    const { http } = client({ timeoutMs: 300 });
    script = [() => undefined];
    const late = await http.request({ target: 'x' }).catch((error: unknown) => error);
    expect(late).toBeInstanceOf(GarminUnreachable);
    expect(late).toMatchObject({ code: 'garmin_unreachable', retryable: true, timedOut: true, sent: true });

    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await client({ apiUrl: `http://127.0.0.1:${port}/` })
      .http.request({ target: 'x' })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'garmin_unreachable', timedOut: false, sent: false });
  });
});

describe('the Garmin client: one mapping of statuses to error codes', () => {
  const NOW = Date.parse('2026-03-01T12:00:00Z');

  it('reads Retry-After as seconds and as an HTTP date; absent or unreadable, a minute', () => {
    expect(retryAfterSeconds('7', NOW)).toBe(7);
    expect(retryAfterSeconds(' 0 ', NOW)).toBe(0);
    expect(retryAfterSeconds('Sun, 01 Mar 2026 12:00:42 GMT', NOW)).toBe(42);
    expect(retryAfterSeconds('Sun, 01 Mar 2026 11:00:00 GMT', NOW)).toBe(0);
    expect(retryAfterSeconds(null, NOW)).toBe(60);
    expect(retryAfterSeconds('soon', NOW)).toBe(60);
    expect(retryAfterSeconds('-5', NOW)).toBe(60);
  });

  it('maps each status class the same way for every caller', async () => {
    const { http } = client();
    const cases: Array<[number, Record<string, string>, Record<string, unknown> | null]> = [
      [200, {}, null],
      [202, {}, null],
      [429, { 'retry-after': '9' }, { code: 'garmin_rate_limited', retryable: true, retryAfterSeconds: 9 }],
      [429, { 'retry-after': 'Sun, 01 Mar 2026 12:01:00 GMT' }, { code: 'garmin_rate_limited', retryable: true, retryAfterSeconds: 60 }],
      [500, {}, { code: 'garmin_unreachable', retryable: true }],
      [503, {}, { code: 'garmin_unreachable', retryable: true }],
      [401, {}, { code: 'garmin_rejected', retryable: false }],
      [403, {}, { code: 'garmin_rejected', retryable: false }],
      [400, {}, { code: 'garmin_bad_response', retryable: false }],
      [404, {}, { code: 'garmin_bad_response', retryable: false }],
      [412, {}, { code: 'garmin_bad_response', retryable: false }],
    ];
    for (const [code, headers, expected] of cases) {
      script = [status(code, headers)];
      const answer = await http.request({ target: 'x', accessToken: 'given' });
      const failure = http.failure(answer, 'the data');
      if (expected === null) expect(failure, String(code)).toBeNull();
      else expect(failure, String(code)).toMatchObject(expected);
      // The same function callers without a client use (a fixed clock here).
      expect(garminFailure(answer, 'the data', NOW)?.code ?? null).toBe(failure?.code ?? null);
    }
  });

  it('a pull window gets the mapping too: a 429 is garmin_rate_limited with its wait, a 412 a data type not shared', async () => {
    const source = new GarminPullSource(new URL(`${base}/api`), fetch, 5_000, async () => 'tok');
    script = [status(429, { 'retry-after': '11' })];
    const limited = await source.fetchWindow('dailies', 0, 86_400).catch((error: unknown) => error);
    expect(isCompanionError(limited, 'garmin_rate_limited')).toBe(true);
    expect(limited).toMatchObject({ retryable: true, retryAfterSeconds: 11 });
    script = [status(412)];
    await expect(source.fetchWindow('dailies', 0, 86_400)).rejects.toMatchObject({ name: 'PermissionMissing' });
    script = [ok([{ summaryId: 'd1', calendarDate: '2026-03-01' }])];
    expect(await source.fetchWindow('dailies', 0, 86_400)).toEqual([{ summaryId: 'd1', calendarDate: '2026-03-01' }]);
    expect(seen.at(-1)!.url).toBe('/api/wellness-api/rest/dailies?uploadStartTimeInSeconds=0&uploadEndTimeInSeconds=86400');
  });
});
