/**
 * The address a request comes from: the TCP peer, or, behind `trustProxyHops` proxies, the
 * address the outermost of them saw (counted from the right of X-Forwarded-For, since everything
 * left of that was written by the client and can be forged).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | undefined, trustProxyHops: number): string {
  if (trustProxyHops > 0 && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const chosen = hops[hops.length - trustProxyHops] ?? hops[0];
    if (chosen) return chosen;
  }
  return peer ?? 'unknown';
}
