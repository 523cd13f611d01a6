/**
 * Reading an HTTP body with a ceiling: the one bounded body reader of the project. The R42 server
 * reads webhook and token bodies with it, the desktop the relay's pages (web streams), and the
 * desktop's own doors, the agent endpoint's POST /mcp and the web transport (a Node request, read
 * by its events). No Node module: a Node request is seen only through the events it emits.
 */

/** A body's chunks up to `max` bytes: `add` says false once they pass it, and nothing more is kept. */
class BoundedBytes {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  add(chunk: Uint8Array): boolean {
    this.size += chunk.byteLength;
    if (this.size > this.max) return false;
    this.chunks.push(chunk);
    return true;
  }

  /** The bytes read, one chunk as it came (no copy), several joined. */
  bytes(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0]!;
    const bytes = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of this.chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  }
}

/**
 * The stream's bytes, or null as soon as they pass `max`: the rest is cancelled unread, so no more
 * than `max` bytes are ever held, whatever Content-Length claimed (or when there was none).
 */
export async function readStreamAtMost(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const body = new BoundedBytes(max);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return body.bytes();
    if (!body.add(value)) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
  }
}

/** What the reader needs of a Node request (an IncomingMessage): its data, end and error events, and pausing it. */
export interface BodyEvents {
  on(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  off(event: 'data', listener: (chunk: Uint8Array) => void): unknown;
  once(event: 'end', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  pause(): unknown;
}

/**
 * A Node request's body, or null as soon as it passes `max`: the request is paused and the rest
 * left unread (answer with `connection: close`). Events rather than an async iterator: one promise
 * per body instead of one per chunk, on the agent endpoint's hot path.
 */
export function readEventsAtMost(request: BodyEvents, max: number): Promise<Uint8Array | null> {
  return new Promise((resolve, reject) => readEventsThen(request, max, resolve, reject));
}

/**
 * readEventsAtMost without a promise: `done` is called with the body (or null past `max`) in the
 * request's own 'end' (or 'data') event, or `failed` with its error; exactly one of them, once.
 * The agent endpoint answers `POST /mcp` in that event, without a turn of the microtask queue.
 */
export function readEventsThen(request: BodyEvents, max: number, done: (bytes: Uint8Array | null) => void, failed: (error: Error) => void): void {
  const body = new BoundedBytes(max);
  let settled = false;
  const onData = (chunk: Uint8Array) => {
    if (settled || body.add(chunk)) return;
    settled = true;
    request.off('data', onData);
    request.pause();
    done(null);
  };
  request.on('data', onData);
  request.once('end', () => {
    if (settled) return;
    settled = true;
    done(body.bytes());
  });
  request.once('error', (error) => {
    if (settled) return;
    settled = true;
    failed(error);
  });
}
