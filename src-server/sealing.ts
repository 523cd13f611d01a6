import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The server's one sealing of what it keeps at rest: AES-256-GCM with a random 96-bit IV, the
 * row's identity bound as additional data, so a sealed value cannot be opened with another key or
 * moved to another row. Layout, as every row already stored was written: iv(12) ‖ tag(16) ‖ ciphertext.
 * The relay seals pushed summaries with the server's data key (their dedupe key as AAD); the broker
 * seals a rotation's answer with a key only the old refresh token's holder can derive (its digest
 * as AAD).
 */
const IV_BYTES = 12;
const TAG_BYTES = 16;

const aadBytes = (aad: string | Uint8Array) => (typeof aad === 'string' ? Buffer.from(aad, 'utf8') : aad);

/** Seals `plaintext` (UTF-8) under a 32-byte key, bound to `aad` (a string is bound as its UTF-8 bytes). */
export function seal(key: Uint8Array, aad: string | Uint8Array, plaintext: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aadBytes(aad));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Opens what `seal` made; null when the key, the additional data or the bytes do not match (or are too short to be sealed). */
export function open(key: Uint8Array, aad: string | Uint8Array, sealed: Uint8Array): string | null {
  const data = Buffer.from(sealed);
  if (data.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(aadBytes(aad));
    decipher.setAuthTag(data.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(data.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
