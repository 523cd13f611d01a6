import { z } from 'zod';
import { DAY_S } from '../../../src-common/dates.js';
import { CompanionError } from '../errors.js';
import type { SecretStore } from '../ports.js';

/** The pair Garmin issued, as kept in one keychain item per linked account. */
const tokenRecordSchema = z.strictObject({
  v: z.literal(1),
  garminUserId: z.string().min(1),
  accessToken: z.string().min(1),
  accessTokenExpiresAt: z.number().int(),
  refreshToken: z.string().min(1),
  refreshTokenExpiresAt: z.number().int(),
  scope: z.string().nullable(),
});

/** Garmin's refresh tokens live about 90 days when a token answer does not say. */
export const DEFAULT_REFRESH_TOKEN_LIFETIME_S = 90 * DAY_S;

export type TokenRecord = z.infer<typeof tokenRecordSchema>;

/** The keychain account name of a linked account's tokens. */
export function tokenKeyFor(profileId: string, garminUserId: string): string {
  return `garmin-tokens:${profileId}:${garminUserId}`;
}

/** The keychain account name of the Garmin client secret for a client id. */
export function clientSecretKeyFor(clientId: string): string {
  return `garmin-client-secret:${clientId}`;
}

/**
 * Reads and writes token records. Both tokens sit in a single item so that a rotation replaces
 * the pair at once: a crash leaves the old pair or the new one, never a mix.
 */
export class TokenVault {
  constructor(private readonly secrets: SecretStore) {}

  async read(key: string): Promise<TokenRecord | null> {
    const raw = await this.secrets.get(key);
    if (raw === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      json = undefined;
    }
    const parsed = tokenRecordSchema.safeParse(json);
    if (!parsed.success) {
      throw new CompanionError(
        'keychain_corrupt',
        'The Garmin tokens in the OS keychain are unreadable (the item was changed outside R42 Companion). Run `r42-companion login` to link Garmin again.',
      );
    }
    return parsed.data;
  }

  async write(key: string, record: TokenRecord): Promise<void> {
    await this.secrets.set(key, JSON.stringify(tokenRecordSchema.parse(record)));
  }

  /**
   * Proves the keychain takes writes (it may answer reads while locked), so a sign-in fails before
   * the runner approves in the browser rather than after.
   */
  async checkWritable(): Promise<void> {
    const key = 'r42-companion-write-check';
    await this.secrets.set(key, 'ok');
    await this.secrets.delete(key);
  }

  async remove(key: string): Promise<boolean> {
    return this.secrets.delete(key);
  }
}
