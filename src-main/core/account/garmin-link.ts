/**
 * How this computer links to Garmin: the developer app's client id (config), its client secret
 * (the environment, the keychain, or none when R42's server adds it), the token route that
 * follows (tokenRoute in config.ts), and the OAuth client for that route, built on first use.
 */
import type { LinkView } from '../../../src-common/contract.js';
import { resolveClientSecret } from '../auth/client-secret.js';
import { clientSecretKeyFor } from '../auth/token-vault.js';
import { tokenRoute, type CompanionConfig } from '../config.js';
import { CompanionError } from '../errors.js';
import type { GarminClient } from '../garmin/garmin-client.js';
import type { Clock, Fetch, SecretStore } from '../ports.js';
import type { AuditRepo } from '../store/repos.js';

export interface GarminLinkDeps {
  readonly config: CompanionConfig;
  readonly secrets: SecretStore;
  readonly audit: AuditRepo;
  readonly clock: Clock;
  readonly fetch: Fetch;
}

export interface GarminLink {
  /** The client id, or `not_configured` in words that say where to set it. */
  requireClientId(): string;
  /** The OAuth client for the current route (built once; again after the client secret changes). */
  client(): Promise<GarminClient>;
  /** The route as far as it is known now (before the keychain was read: what the environment says). */
  view(): LinkView;
  /** The route, after checking the keychain for a client secret. */
  route(): Promise<LinkView>;
  /** Whether tokens are refreshed straight at Garmin with the runner's own client secret. */
  ownDeveloperApp(): Promise<boolean>;
  setClientSecret(secret: string): Promise<void>;
  clearClientSecret(): Promise<boolean>;
}

export function createGarminLink(deps: GarminLinkDeps): GarminLink {
  const { config, secrets, audit, clock } = deps;

  const requireClientId = (): string => {
    if (!config.garmin.clientId) {
      throw new CompanionError(
        'not_configured',
        'Garmin is not configured: set GARMIN_CLIENT_ID (your Garmin Connect developer app’s client id) in the environment or in config.json in the data folder.',
      );
    }
    return config.garmin.clientId;
  };

  // Whether a client secret is known (environment or keychain); undefined until the keychain was read.
  let hasClientSecret: boolean | undefined = config.garmin.clientSecretFromEnv !== undefined ? true : undefined;
  let garminClient: Promise<GarminClient> | null = null;
  const client = (): Promise<GarminClient> => {
    garminClient ??= (async () => {
      const clientId = requireClientId();
      const clientSecret = await resolveClientSecret(secrets, audit, clientId, config.garmin.clientSecretFromEnv, clock.now());
      hasClientSecret = clientSecret !== undefined;
      const route = tokenRoute(config, hasClientSecret);
      if (!route.tokenUrl) {
        throw new CompanionError(
          'not_configured',
          'Garmin needs a client secret at its token endpoint, and none is set: set R42_SERVER_URL (R42’s server adds it for you) or, with your own Garmin developer app, run `r42-companion secret set`.',
        );
      }
      // Loaded when Garmin is first called: `token` with a valid cached token never needs the OAuth library.
      const { GarminClient } = await import('../garmin/garmin-client.js');
      return new GarminClient({
        authorizeUrl: config.garmin.authorizeUrl,
        tokenUrl: route.tokenUrl,
        apiUrl: config.garmin.apiUrl,
        clientId,
        clientSecret,
        timeoutMs: config.httpTimeoutMs,
        fetch: deps.fetch,
      });
    })();
    garminClient.catch(() => (garminClient = null));
    return garminClient;
  };

  const view = (): LinkView => {
    if (!config.garmin.clientId) return { via: 'not_configured', tokenOrigin: null };
    // Before the keychain was read, assume what the environment says: R42's server when it is set.
    const route = tokenRoute(config, hasClientSecret ?? (config.serverUrl === undefined && config.garmin.tokenUrl === undefined));
    return { via: route.via, tokenOrigin: route.tokenUrl?.origin ?? null };
  };

  return {
    requireClientId,
    client,
    view,

    async route() {
      if (hasClientSecret === undefined && config.garmin.clientId) {
        try {
          hasClientSecret = (await secrets.get(clientSecretKeyFor(config.garmin.clientId))) !== null;
        } catch {
          // An unreachable keychain is reported where it matters (sign-in, token); here it means "unknown".
        }
      }
      return view();
    },

    async ownDeveloperApp() {
      await client();
      return tokenRoute(config, hasClientSecret === true).via === 'own_developer_app';
    },

    async setClientSecret(secret) {
      const clientId = requireClientId();
      await secrets.set(clientSecretKeyFor(clientId), secret);
      garminClient = null;
      hasClientSecret = true;
      audit.append(null, clock.now(), 'client_secret.stored', { source: 'cli' });
    },

    async clearClientSecret() {
      const clientId = requireClientId();
      const removed = await secrets.delete(clientSecretKeyFor(clientId));
      garminClient = null;
      hasClientSecret = config.garmin.clientSecretFromEnv !== undefined;
      if (removed) audit.append(null, clock.now(), 'client_secret.cleared', {});
      return removed;
    },
  };
}
