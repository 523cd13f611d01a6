/**
 * How an agent endpoint proves over TCP that it is R42 Companion before an agent sends its secret.
 *
 * A port on 127.0.0.1 belongs to whoever binds it first: after `serve` stops, any local process
 * (another user's too) can bind the remembered port and wait for an agent's `Authorization`
 * header. So over TCP the client speaks first without a secret: it names its grant by a one-way
 * id and sends a fresh nonce; the endpoint answers an HMAC over the nonce and its own port, keyed
 * by the grant's SHA-256 (what the endpoint stores; the client computes it from its secret). Only a
 * process that can read this user's data folder has that key, and the port in the MAC defeats a
 * squatter that forwards the challenge to the real endpoint on its new port. The client then sends
 * the secret on the same connection, and only then. The Unix socket (a named pipe on Windows)
 * needs none of this: it lives in the owner-only data folder, where no one else can bind it.
 *
 * node:crypto only (SHA-256, HMAC-SHA256, a constant-time compare); the client imports this file.
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';

/** `GET /v1/proof?grant=<id>&nonce=<nonce>`: what the endpoint answers without any secret. */
export const PROOF_TARGET = /^\/v1\/proof\?grant=([A-Za-z0-9_-]{22})&nonce=([A-Za-z0-9_-]{22,86})$/;

const GRANT_ID_LABEL = 'r42-companion grant id v1';
const PROOF_LABEL = 'r42-companion endpoint proof v1';

/** A grant's key: the SHA-256 of its secret, exactly what the endpoint stores for it. */
export function grantKey(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/** The id a client names its grant by in the clear: one-way from the key, so it gives nothing away. */
export function grantKeyId(key: Buffer): string {
  return createHmac('sha256', key).update(GRANT_ID_LABEL).digest().subarray(0, 16).toString('base64url');
}

/** The endpoint's answer to a nonce: bound to the grant's key and to the TCP port the endpoint listens on. */
export function endpointProof(key: Buffer, nonce: string, port: number): string {
  return createHmac('sha256', key).update(`${PROOF_LABEL}\n${nonce}\n${port}`).digest('base64url');
}

/** Whether `given` is the proof of the grant `key` for `nonce` on `port`, compared in constant time. */
export function isEndpointProof(key: Buffer, nonce: string, port: number, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const expected = Buffer.from(endpointProof(key, nonce, port));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
