/**
 * Reading an HTTP body with a ceiling, for both ends of the relay: the R42 server reads webhook and
 * token bodies with it, the desktop the relay's pages. Web streams only, no Node module.
 */

/**
 * The stream's bytes, or null as soon as they pass `max`: the rest is cancelled unread, so no more
 * than `max` bytes are ever held, whatever Content-Length claimed (or when there was none).
 */
export async function readStreamAtMost(stream: ReadableStream<Uint8Array> | null, max: number): Promise<Uint8Array | null> {
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}
