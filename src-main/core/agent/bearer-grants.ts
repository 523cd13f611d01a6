import type { Socket } from 'node:net';
import type { RequestHead } from '../http-hygiene.js';
import type { AuthenticatedGrant } from './grants.js';

/** A grant's secret as a bearer token may spell it (checked after `Bearer `, without building a match). */
const BEARER_SECRET = /^[A-Za-z0-9._~+/=-]{1,256}$/;

/** What finding a request's grant needs of the companion (agent-server.ts's AgentBackend has both). */
export interface GrantLookup {
  /** The grant of a secret: hashed and compared with every grant in constant time (grants.ts). */
  authenticate(secret: string): AuthenticatedGrant | null;
  /** Whether a grant found earlier is still active (not revoked, its process alive). */
  stillActive?(grant: AuthenticatedGrant): boolean;
}

/**
 * The grant of a request's bearer secret. A keep-alive connection sends the same header with
 * every request: the grant it authenticated last is kept with the connection and used again
 * while the header is the same string and the grant is still active (revoked elsewhere or its
 * process gone: looked up afresh). A new secret is always hashed and compared with every grant
 * in constant time; the string comparison here only ever meets what this connection itself sent.
 */
export function connectionGrants(lookup: GrantLookup): (head: RequestHead, socket: Socket) => AuthenticatedGrant | null {
  const kept = new WeakMap<Socket, { authorization: string; grant: AuthenticatedGrant }>();
  return (head, socket) => {
    const authorization = head.authorization;
    if (authorization === undefined) return null;
    const last = kept.get(socket);
    if (last !== undefined && last.authorization === authorization && lookup.stillActive?.(last.grant) === true) return last.grant;
    if (!authorization.startsWith('Bearer ')) return null;
    const secret = authorization.slice(7);
    const grant = BEARER_SECRET.test(secret) ? lookup.authenticate(secret) : null;
    if (grant) kept.set(socket, { authorization, grant });
    else kept.delete(socket);
    return grant;
  };
}
