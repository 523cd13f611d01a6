/**
 * The renderer's Content-Security-Policy: its own files only, no inline script or style, no
 * remote anything. Sent by the Electron session and the web transport; src-renderer/index.html
 * carries the same text in a meta tag (a test keeps the three equal).
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
