import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEventsAtMost, readStreamAtMost } from '../../src-common/body-limit.js';

/**
 * The one bounded body reader (src-common/body-limit.ts), over real HTTP on 127.0.0.1: a Node
 * request read by its events (the agent endpoint, the web transport) and a web stream (the R42
 * server's requests, the relay's pages on the desktop).
 */
const MAX = 1024;

let server: Server;
let url = '';
/** What the server read of the last request: its length, or `too_large`. */
let lastRead: number | 'too_large' | null = null;

beforeAll(async () => {
  server = createServer((req, res) => {
    void readEventsAtMost(req, MAX).then((bytes) => {
      lastRead = bytes === null ? 'too_large' : bytes.byteLength;
      if (bytes === null) {
        res.writeHead(413, { connection: 'close', 'content-type': 'text/plain' }).end('too large');
        return;
      }
      // Echoed back, so the test sees the bytes were kept in order.
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `chunks` one write each (a chunked body unless `length` is declared); the answer's status and bytes. */
function send(chunks: Buffer[], length?: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request(url, { method: 'POST', headers: length === undefined ? {} : { 'content-length': length } }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
    });
    // Once refused, the server closes: writing the rest may then fail, which is no failure of the test.
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const write = (i: number) => {
      if (answered || i === chunks.length) return void req.end();
      req.write(chunks[i], () => setImmediate(() => write(i + 1)));
    };
    write(0);
  });
}

const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) % 256));

describe('the bounded body reader, on a Node request', () => {
  it('reads a body in one chunk and one in many, in order, up to exactly the limit', async () => {
    const one = bytes(300, 1);
    expect(await send([one], one.length)).toEqual({ status: 200, body: one });
    const many = [bytes(400, 2), bytes(400, 3), bytes(224, 4)];
    expect(await send(many)).toEqual({ status: 200, body: Buffer.concat(many) });
    expect(lastRead).toBe(MAX);
  });

  it('answers null past the limit, with or without a Content-Length, and the connection still gets its answer', async () => {
    expect((await send([bytes(MAX + 1, 5)], MAX + 1)).status).toBe(413);
    expect(lastRead).toBe('too_large');
    expect((await send([bytes(600, 6), bytes(600, 7), bytes(600, 8)])).status).toBe(413);
    expect(lastRead).toBe('too_large');
  });

  it('reads an empty body as no bytes', async () => {
    expect(await send([], 0)).toEqual({ status: 200, body: Buffer.alloc(0) });
    expect(lastRead).toBe(0);
  });
});

describe('the bounded body reader, on a web stream', () => {
  /** A stream of `chunks` that records whether the reader cancelled it and how many chunks it pulled. */
  function stream(chunks: Uint8Array[]) {
    const seen = { pulled: 0, cancelled: false };
    return {
      seen,
      body: new ReadableStream<Uint8Array>({
        pull(controller) {
          if (seen.pulled === chunks.length) return controller.close();
          controller.enqueue(chunks[seen.pulled++]!);
        },
        cancel() {
          seen.cancelled = true;
        },
      }),
    };
  }

  it('joins the chunks in order, up to exactly the limit', async () => {
    const chunks = [bytes(500, 9), bytes(524, 10)];
    expect(Buffer.from((await readStreamAtMost(stream(chunks).body, MAX))!)).toEqual(Buffer.concat(chunks));
    expect(await readStreamAtMost(null, MAX)).toEqual(new Uint8Array(0));
  });

  it('stops at the first chunk past the limit and cancels the rest unread', async () => {
    const s = stream([bytes(600, 11), bytes(600, 12), bytes(600, 13)]);
    expect(await readStreamAtMost(s.body, MAX)).toBeNull();
    expect(s.seen).toEqual({ pulled: 2, cancelled: true });
  });

  it('reads a fetch answer from a real server within its bound', async () => {
    const body = bytes(900, 14);
    const answer = await fetch(url, { method: 'POST', body });
    expect(Buffer.from((await readStreamAtMost(answer.body, MAX))!)).toEqual(body);
  });
});
