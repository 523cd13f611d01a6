import type { AuditRepo } from '../store/repos.js';
import type { SecretStore } from '../ports.js';
import { clientSecretKeyFor } from './token-vault.js';

/**
 * The Garmin client secret for this run: the one given in the environment (then kept in the
 * keychain for later runs), else the one in the keychain, else none (token-broker mode).
 */
export async function resolveClientSecret(
  secrets: SecretStore,
  audit: AuditRepo,
  clientId: string,
  fromEnv: string | undefined,
  now: number,
): Promise<string | undefined> {
  const key = clientSecretKeyFor(clientId);
  const stored = await secrets.get(key);
  if (fromEnv === undefined) return stored ?? undefined;
  if (stored !== fromEnv) {
    await secrets.set(key, fromEnv);
    audit.append(null, now, 'client_secret.stored', { source: 'environment' });
  }
  return fromEnv;
}
