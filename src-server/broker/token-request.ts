import { z } from 'zod';

/** An OAuth error answer: `{ error, error_description }`. @see RFC 6749 §5.2 */
export interface OAuthRefusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
}

/** @see RFC 7636 §4.1: 43–128 characters of the unreserved set. */
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
/** @see RFC 6749 Appendix A.11 and A.17: visible ASCII. Bounded so nothing huge is forwarded. */
const VSCHAR_TOKEN = /^[\x21-\x7e]{1,2048}$/;

const field = (name: string, pattern: RegExp, what: string) =>
  z.string({ error: `${name} is missing` }).regex(pattern, `${name} ${what}`);

const authorizationCode = z.object({
  grant_type: z.literal('authorization_code'),
  client_id: z.string(),
  code: field('code', VSCHAR_TOKEN, 'is malformed'),
  code_verifier: field('code_verifier', CODE_VERIFIER, 'must be 43–128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)'),
  redirect_uri: z.string({ error: 'redirect_uri is missing' }),
});

const refreshToken = z.object({
  grant_type: z.literal('refresh_token'),
  client_id: z.string(),
  refresh_token: field('refresh_token', VSCHAR_TOKEN, 'is malformed'),
});

export type TokenRequest = z.infer<typeof authorizationCode> | z.infer<typeof refreshToken>;

const ALLOWED_GRANTS = ['authorization_code', 'refresh_token'] as const;

/**
 * Parses the form a desktop sends (what it would send Garmin, minus the secret) and checks it
 * against what the broker will forward: anything else is refused here and never reaches Garmin.
 */
export function parseTokenRequest(body: string, config: { clientId: string; redirectUris: readonly string[] }): TokenRequest | OAuthRefusal {
  const params = new URLSearchParams(body);
  const seen = new Set<string>();
  for (const key of params.keys()) {
    // @see RFC 6749 §3.2: request parameters must not be included more than once.
    if (seen.has(key)) return { status: 400, error: 'invalid_request', description: `${key} appears more than once.` };
    seen.add(key);
  }
  if (params.has('client_secret') || params.has('client_assertion')) {
    return {
      status: 400,
      error: 'invalid_request',
      description: 'A client secret never travels from a desktop: the broker adds it. Remove client_secret from the request.',
    };
  }
  const grantType = params.get('grant_type');
  if (grantType === null) return { status: 400, error: 'invalid_request', description: 'grant_type is missing.' };
  if (!(ALLOWED_GRANTS as readonly string[]).includes(grantType)) {
    return { status: 400, error: 'unsupported_grant_type', description: 'Only authorization_code and refresh_token are brokered.' };
  }
  const clientId = params.get('client_id');
  if (clientId !== config.clientId) {
    return { status: 401, error: 'invalid_client', description: clientId === null ? 'client_id is missing.' : 'This broker does not serve that client_id.' };
  }
  const fields = Object.fromEntries(params);
  const parsed = (grantType === 'authorization_code' ? authorizationCode : refreshToken).safeParse(fields);
  if (!parsed.success) {
    return { status: 400, error: 'invalid_request', description: `${parsed.error.issues[0]?.message ?? 'the request is malformed'}.` };
  }
  const request = parsed.data;
  if (request.grant_type === 'authorization_code' && !config.redirectUris.includes(request.redirect_uri)) {
    return { status: 400, error: 'invalid_request', description: 'redirect_uri is not one registered for this client (exact match, port included).' };
  }
  return request;
}

/** The form Garmin gets: only the fields it needs, plus the secret. */
export function garminForm(request: TokenRequest, clientSecret: string): URLSearchParams {
  const form = new URLSearchParams({ grant_type: request.grant_type, client_id: request.client_id, client_secret: clientSecret });
  if (request.grant_type === 'authorization_code') {
    form.set('code', request.code);
    form.set('code_verifier', request.code_verifier);
    form.set('redirect_uri', request.redirect_uri);
  } else {
    form.set('refresh_token', request.refresh_token);
  }
  return form;
}

export function isRefusal(value: TokenRequest | OAuthRefusal): value is OAuthRefusal {
  return 'error' in value;
}
