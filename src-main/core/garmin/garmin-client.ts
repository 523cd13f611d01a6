import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { CompanionError, isCompanionError, type ErrorCode } from '../errors.js';
import type { Fetch } from '../ports.js';
import { withDeadline } from './deadline.js';
import { GarminHttp } from './garmin-http.js';

/** Where Garmin (or a token broker, or the simulator) lives, and who we are to it. */
export interface GarminEndpoints {
  readonly authorizeUrl: URL;
  readonly tokenUrl: URL;
  readonly apiUrl: URL;
  readonly clientId: string;
  /** Undefined in token-broker mode: the broker adds the secret server-side. */
  readonly clientSecret: string | undefined;
  readonly timeoutMs: number;
  readonly fetch: Fetch;
}

/** What a token endpoint answered, validated. */
export interface GarminTokens {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  readonly refreshToken: string;
  readonly refreshTokenExpiresInSeconds: number | null;
  readonly scope: string | null;
}

/** Garmin refused a request with an OAuth error (`invalid_grant`, `invalid_client`, …). */
export class GarminRefusal extends CompanionError {
  readonly oauthError: string;
  readonly httpStatus: number;

  constructor(code: ErrorCode, oauthError: string, httpStatus: number, message: string) {
    super(code, message);
    this.oauthError = oauthError;
    this.httpStatus = httpStatus;
  }
}

const GARMIN_TOKEN_RESPONSE = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  refresh_token: z.string().min(1),
  refresh_token_expires_in: z.number().int().positive().optional(),
  scope: z.string().optional(),
});

const USER_ID_RESPONSE = z.object({ userId: z.string().min(1) });
const PERMISSIONS_RESPONSE = z.union([z.array(z.string()), z.object({ permissions: z.array(z.string()) }).transform((v) => v.permissions)]);

const PATHS = {
  userId: 'wellness-api/rest/user/id',
  permissions: 'wellness-api/rest/user/permissions',
  registration: 'wellness-api/rest/user/registration',
} as const;

// Unreachable, unreadable and rate-limited answers are retryable: the same request may pass a moment later.
function unreachable(origin: string, detail: string, cause?: unknown): CompanionError {
  return new CompanionError(
    'garmin_unreachable',
    `Cannot reach Garmin at ${origin} (${detail}). Check the internet connection and try again; nothing was changed.`,
    { cause, retryable: true },
  );
}

function badResponse(origin: string, what: string, cause?: unknown): CompanionError {
  return new CompanionError(
    'garmin_bad_response',
    `Garmin at ${origin} sent ${what} that R42 Companion cannot read. Try again later; if it persists, check GARMIN_TOKEN_URL and GARMIN_API_URL.`,
    { cause, retryable: true },
  );
}

function rateLimited(): CompanionError {
  return new CompanionError('garmin_rate_limited', 'Garmin is rate limiting requests right now. Wait a minute and try again.', { retryable: true });
}

/** The Garmin Connect OAuth 2.0 (PKCE) endpoints and the user endpoints of the Wellness API. */
export class GarminClient {
  private readonly as: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private readonly clientAuth: oauth.ClientAuth;
  /** Garmin's API origin (the user endpoints), through the one Garmin client. */
  private readonly api: GarminHttp;

  constructor(private readonly endpoints: GarminEndpoints) {
    this.api = new GarminHttp({ apiUrl: endpoints.apiUrl, fetch: endpoints.fetch, timeoutMs: endpoints.timeoutMs });
    this.as = {
      issuer: endpoints.authorizeUrl.origin,
      authorization_endpoint: endpoints.authorizeUrl.href,
      token_endpoint: endpoints.tokenUrl.href,
    };
    this.client = { client_id: endpoints.clientId };
    // @see RFC 6749 §2.3.1: Garmin wants client_secret_post; a broker adds it for us.
    this.clientAuth = endpoints.clientSecret === undefined ? oauth.None() : oauth.ClientSecretPost(endpoints.clientSecret);
  }

  /** The authorization request. Garmin has no `scope` parameter. @see RFC 7636 §4.3 */
  authorizeUrl(input: { codeChallenge: string; state: string; redirectUri: string }): URL {
    const url = new URL(this.endpoints.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.endpoints.clientId);
    url.searchParams.set('code_challenge', input.codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    url.searchParams.set('redirect_uri', input.redirectUri);
    url.searchParams.set('state', input.state);
    return url;
  }

  /**
   * Validates the redirect's parameters against the expected state.
   * @see RFC 6749 §4.1.2, §10.12 (CSRF)
   */
  validateCallback(params: URLSearchParams, expectedState: string): URLSearchParams {
    return oauth.validateAuthResponse(this.as, this.client, params, expectedState);
  }

  /** Exchanges an authorization code. @see RFC 7636 §4.5, RFC 6749 §4.1.3 */
  async exchangeCode(callbackParams: URLSearchParams, redirectUri: string, codeVerifier: string, signal?: AbortSignal): Promise<GarminTokens> {
    return this.tokenCall(signal, async (options) => {
      const response = await oauth.authorizationCodeGrantRequest(this.as, this.client, this.clientAuth, callbackParams, redirectUri, codeVerifier, options);
      return this.checkStatus(response, (r) => oauth.processAuthorizationCodeResponse(this.as, this.client, r));
    });
  }

  /** Refreshes; Garmin rotates the refresh token, so the old one is spent. @see RFC 6749 §6, RFC 9700 §2.2.2 */
  async refresh(refreshToken: string, signal?: AbortSignal): Promise<GarminTokens> {
    return this.tokenCall(signal, async (options) => {
      const response = await oauth.refreshTokenGrantRequest(this.as, this.client, this.clientAuth, refreshToken, options);
      return this.checkStatus(response, (r) => oauth.processRefreshTokenResponse(this.as, this.client, r));
    });
  }

  /** The Garmin user id: stable across re-consent, the key of a linked account. */
  async userId(accessToken: string, signal?: AbortSignal): Promise<string> {
    const body = await this.apiCall('GET', PATHS.userId, accessToken, signal);
    const parsed = USER_ID_RESPONSE.safeParse(body);
    if (!parsed.success) throw badResponse(this.endpoints.apiUrl.origin, 'a user id');
    return parsed.data.userId;
  }

  /** The data types the runner shared on Garmin's consent screen. */
  async permissions(accessToken: string, signal?: AbortSignal): Promise<string[]> {
    const body = await this.apiCall('GET', PATHS.permissions, accessToken, signal);
    const parsed = PERMISSIONS_RESPONSE.safeParse(body);
    if (!parsed.success) throw badResponse(this.endpoints.apiUrl.origin, 'a permission list');
    return [...parsed.data].sort();
  }

  /** Deletes the user's registration for this app at Garmin (required for disconnect). */
  async deleteRegistration(accessToken: string, signal?: AbortSignal): Promise<void> {
    await this.apiCall('DELETE', PATHS.registration, accessToken, signal);
  }

  private withDeadline<T>(signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(this.endpoints.timeoutMs, signal, run);
  }

  private async tokenCall(signal: AbortSignal | undefined, call: (options: oauth.TokenEndpointRequestOptions) => Promise<oauth.TokenEndpointResponse>): Promise<GarminTokens> {
    const origin = this.endpoints.tokenUrl.origin;
    let result: oauth.TokenEndpointResponse;
    try {
      result = await this.withDeadline(signal, (deadline) =>
        call({
          signal: deadline,
          [oauth.customFetch]: this.endpoints.fetch,
          // The config accepts plain http only for loopback hosts (simulator, local broker).
          [oauth.allowInsecureRequests]: this.endpoints.tokenUrl.protocol === 'http:',
        }),
      );
    } catch (error) {
      throw this.mapTokenError(origin, error, signal);
    }
    const parsed = GARMIN_TOKEN_RESPONSE.safeParse(result);
    if (!parsed.success) throw badResponse(origin, 'a token response');
    return {
      accessToken: parsed.data.access_token,
      expiresInSeconds: parsed.data.expires_in,
      refreshToken: parsed.data.refresh_token,
      refreshTokenExpiresInSeconds: parsed.data.refresh_token_expires_in ?? null,
      scope: parsed.data.scope ?? null,
    };
  }

  private async checkStatus(response: Response, process: (r: Response) => Promise<oauth.TokenEndpointResponse>): Promise<oauth.TokenEndpointResponse> {
    if (response.status >= 500) {
      await response.body?.cancel();
      throw unreachable(this.endpoints.tokenUrl.origin, `server error ${response.status}`);
    }
    if (response.status === 429) {
      await response.body?.cancel();
      throw rateLimited();
    }
    return process(response);
  }

  private mapTokenError(origin: string, error: unknown, signal: AbortSignal | undefined): CompanionError {
    if (isCompanionError(error)) return error;
    if (signal?.aborted) return new CompanionError('sign_in_cancelled', 'Cancelled.', { cause: error });
    if (error instanceof oauth.ResponseBodyError) {
      if (error.error === 'invalid_client' || error.error === 'unauthorized_client') {
        return new GarminRefusal(
          'garmin_rejected',
          error.error,
          error.status,
          'Garmin refused the client credentials. Check GARMIN_CLIENT_ID and the client secret (`r42-companion secret set`), or the token broker.',
        );
      }
      return new GarminRefusal('garmin_rejected', error.error, error.status, `Garmin refused the request (${error.error}).`);
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      return new GarminRefusal(
        'garmin_rejected',
        'invalid_client',
        error.status,
        'Garmin refused the client credentials. Check GARMIN_CLIENT_ID and the client secret (`r42-companion secret set`), or the token broker.',
      );
    }
    if (error instanceof oauth.OperationProcessingError) return badResponse(origin, 'a token response', error);
    const name = (error as { name?: string }).name;
    if (name === 'TimeoutError' || name === 'AbortError') return unreachable(origin, 'no answer in time', error);
    return unreachable(origin, 'network error', error);
  }

  /** One call on Garmin's API with a token as it is (no refresh: the caller holds the account's token). */
  private async apiCall(method: 'GET' | 'DELETE', path: string, accessToken: string, signal?: AbortSignal): Promise<unknown> {
    let answer;
    try {
      answer = await this.api.request({ method, target: path, accessToken, signal });
    } catch (error) {
      throw this.mapTokenError(this.api.origin, error, signal);
    }
    if (answer.status === 204) return null;
    const failure = this.api.failure(answer, 'the account');
    // A refused token keeps its OAuth name beside the code (invalid_token), like the token endpoint's refusals.
    if (failure?.code === 'garmin_rejected') throw new GarminRefusal('garmin_rejected', 'invalid_token', answer.status, 'Garmin did not accept the access token.');
    if (failure) throw failure;
    try {
      return JSON.parse(answer.text()) as unknown;
    } catch (error) {
      throw badResponse(this.api.origin, 'a response', error);
    }
  }
}
