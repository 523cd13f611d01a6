/**
 * The small pages the runner's browser sees at the end of a sign-in. Static text only: no
 * script, no external resource, nothing from the request echoed back.
 */
export type PageKind =
  | 'connected'
  | 'declined'
  | 'expired'
  | 'failed'
  | 'cancelled'
  | 'wrong_state'
  | 'already_used'
  | 'wrong_host'
  | 'not_found';

const PAGES: Record<PageKind, { status: number; title: string; body: string; ok: boolean }> = {
  connected: { status: 200, ok: true, title: 'Garmin is linked', body: 'R42 Companion is now linked to your Garmin account. You can close this tab and go back to R42 Companion.' },
  declined: { status: 200, ok: false, title: 'You declined access on Garmin', body: 'Nothing was linked. If that was a mistake, start again from R42 Companion.' },
  expired: { status: 200, ok: false, title: 'This sign-in link expired', body: 'This sign-in link expired — start again from R42 Companion.' },
  failed: { status: 200, ok: false, title: 'Linking Garmin did not work', body: 'R42 Companion could not finish linking your Garmin account. It says why and what to do; then start again from R42 Companion.' },
  cancelled: { status: 200, ok: false, title: 'Sign-in cancelled', body: 'This sign-in was cancelled in R42 Companion. Start again from R42 Companion when you are ready.' },
  wrong_state: { status: 400, ok: false, title: 'This page does not belong to the sign-in in progress', body: 'Go back to R42 Companion and use the Garmin page it opened for you. The sign-in in progress is still waiting.' },
  already_used: { status: 400, ok: false, title: 'This sign-in link was already used', body: 'Each sign-in link works once. Go back to R42 Companion to see the result, or start again there.' },
  wrong_host: { status: 400, ok: false, title: 'Wrong address', body: 'This address is only for R42 Companion on this computer.' },
  not_found: { status: 404, ok: false, title: 'Not found', body: 'There is nothing here.' },
};

const FAILURE_DETAIL: Record<string, string> = {
  garmin_unreachable: 'Garmin could not be reached.',
  garmin_bad_response: 'Garmin sent an answer R42 Companion could not read.',
  garmin_rejected: 'Garmin refused the request.',
  garmin_rate_limited: 'Garmin is rate limiting requests; wait a minute.',
  keychain_unavailable: 'The OS keychain is not available.',
  keychain_locked: 'The OS keychain is locked; unlock it first.',
  keychain_error: 'The OS keychain refused to store the link.',
  storage_error: 'R42 Companion could not write its database.',
  sign_in_refused: 'Garmin did not grant access.',
  sign_in_timeout: 'The sign-in took too long.',
};

export const PAGE_SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
} as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The status code and HTML of a page. `failureCode` adds one known line of detail. */
export function renderPage(kind: PageKind, failureCode?: string): { status: number; html: string } {
  const page = PAGES[kind];
  const detail = failureCode && FAILURE_DETAIL[failureCode] ? `<p class="detail">${escapeHtml(FAILURE_DETAIL[failureCode])}</p>` : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · R42 Companion</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f4f6f8; color: #17202a; }
  main { max-width: 32rem; padding: 2rem 2.25rem; background: #fff; border-radius: 12px; box-shadow: 0 2px 12px rgb(0 0 0 / 8%); }
  h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
  .mark { font-size: 2rem; line-height: 1; margin-bottom: .75rem; color: ${page.ok ? '#1a7f37' : '#b42318'}; }
  .detail { color: #4b5563; }
  footer { margin-top: 1.5rem; font-size: .8rem; color: #6b7280; }
</style></head>
<body><main role="main">
<div class="mark" aria-hidden="true">${page.ok ? '&#10003;' : '&#9888;'}</div>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.body)}</p>${detail}
<footer>R42 Companion · your Garmin password never passes through R42.</footer>
</main></body></html>`;
  return { status: page.status, html };
}
