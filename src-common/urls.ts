/**
 * URL settings shared by the app and the R42 server. Plain zod, no Node module.
 */
import { z } from 'zod';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** True for the host names RFC 8252 §7.3 calls loopback. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/**
 * An https URL, or plain http to a loopback host (the Garmin simulator, a local token broker).
 * Anything else would send a client secret or a token in clear text over a network.
 */
export const serviceUrl = z.string().transform((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' });
    return z.NEVER;
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  ctx.addIssue({
    code: 'custom',
    message: 'must be an https:// URL (plain http:// is accepted only for 127.0.0.1, [::1] or localhost)',
  });
  return z.NEVER;
});
