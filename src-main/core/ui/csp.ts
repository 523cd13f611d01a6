/**
 * The renderer's Content-Security-Policy: its own files only, no inline script or style, no
 * remote anything, and no framing by another page. Sent as an HTTP header by the web transport,
 * and by the Electron session for every response it sees (`withRendererCsp`). A browser ignores
 * `frame-ancestors` (and warns) in a `<meta>` tag, so src-renderer/index.html carries the rest of
 * the policy (`RENDERER_META_CSP`) for the file:// page Electron loads, where no header is sent;
 * tests/unit/csp.test.ts keeps the three in step.
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The policy as a `<meta http-equiv>` can carry it: the header's, without what only a header can say. */
export const RENDERER_META_CSP = RENDERER_CSP.split('; ')
  .filter((directive) => !directive.startsWith('frame-ancestors '))
  .join('; ');

/**
 * A response's headers with the renderer's policy in place of any the response brought, in
 * whatever letter case: what the desktop shell's session hands back to Electron, so the shell maps
 * and decides nothing.
 */
export function withRendererCsp(headers: Readonly<Record<string, string[] | string>> | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = Array.isArray(value) ? [...value] : [value];
  }
  out['Content-Security-Policy'] = [RENDERER_CSP];
  return out;
}
