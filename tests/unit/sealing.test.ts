import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { open, seal } from '../../src-server/sealing.js';

/**
 * The R42 server's one sealing (src-server/sealing.ts), used by the relay's pushed summaries and
 * the broker's rotation replays: AES-256-GCM, iv(12) ‖ tag(16) ‖ ciphertext, the row bound as AAD.
 */
const KEY = randomBytes(32);
const TEXT = '{"summaryId":"x-1","steps":12345,"note":"ünïcødé ✓"}';

describe('sealing at rest', () => {
  it('opens what it sealed, with a string or byte AAD, and seals the same text differently each time', () => {
    expect(open(KEY, 'row-1', seal(KEY, 'row-1', TEXT))).toBe(TEXT);
    const digest = Buffer.from('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex');
    expect(open(KEY, digest, seal(KEY, digest, TEXT))).toBe(TEXT);
    expect(open(KEY, 'row-1', seal(KEY, 'row-1', ''))).toBe('');
    expect(seal(KEY, 'row-1', TEXT).equals(seal(KEY, 'row-1', TEXT))).toBe(false);
  });

  it('refuses another key, another row, a changed byte and bytes too short to be sealed', () => {
    const sealed = seal(KEY, 'row-1', TEXT);
    expect(open(randomBytes(32), 'row-1', sealed)).toBeNull();
    expect(open(KEY, 'row-2', sealed)).toBeNull();
    expect(open(KEY, Buffer.from('row-1', 'utf16le'), sealed)).toBeNull();
    for (const at of [0, 11, 12, 27, 28, sealed.length - 1]) {
      const changed = Buffer.from(sealed);
      changed[at]! ^= 0x01;
      expect(open(KEY, 'row-1', changed), `byte ${at}`).toBeNull();
    }
    expect(open(KEY, 'row-1', sealed.subarray(0, 27))).toBeNull();
    expect(open(KEY, 'row-1', new Uint8Array(0))).toBeNull();
  });

  it('keeps the stored layout: iv(12) ‖ tag(16) ‖ ciphertext, so rows sealed before stay readable', () => {
    // Sealed the way the relay and the broker wrote their rows before there was one module.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', KEY, iv);
    cipher.setAAD(Buffer.from('dedupe-key', 'utf8'));
    const body = Buffer.concat([cipher.update(TEXT, 'utf8'), cipher.final()]);
    const stored = Buffer.concat([iv, cipher.getAuthTag(), body]);
    expect(open(KEY, 'dedupe-key', stored)).toBe(TEXT);

    // And what it seals now opens that way.
    const sealed = seal(KEY, 'dedupe-key', TEXT);
    expect(sealed.length).toBe(12 + 16 + Buffer.byteLength(TEXT));
    const decipher = createDecipheriv('aes-256-gcm', KEY, sealed.subarray(0, 12));
    decipher.setAAD(Buffer.from('dedupe-key', 'utf8'));
    decipher.setAuthTag(sealed.subarray(12, 28));
    expect(Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8')).toBe(TEXT);
  });
});
