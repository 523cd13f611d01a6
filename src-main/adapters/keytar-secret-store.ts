import { CompanionError } from '../core/errors.js';
import type { SecretStore } from '../core/ports.js';
import { adoptSessionBus } from '../core/session-bus.js';

import { createRequire } from 'node:module';
import type * as KeytarModule from 'keytar';

type Keytar = typeof KeytarModule;

/** Before libsecret first connects: the standard session bus when an MCP client's minimal environment names none. */
const findBus = () => adoptSessionBus(process.env, { platform: process.platform, uid: process.getuid?.() });

/**
 * Maps a Secret Service / Keychain / Credential Manager failure to words a runner can act on.
 * The native message is kept: it comes from the OS and names no secret.
 */
export function keychainError(error: unknown): CompanionError {
  const detail = error instanceof Error ? error.message : String(error);
  if (/autolaunch D-Bus|DBUS_SESSION_BUS_ADDRESS|org\.freedesktop\.DBus\.Error|Failed to connect to socket|secrets was not provided|no such (file|interface)|cannot open shared object|libsecret/i.test(detail)) {
    return new CompanionError(
      'keychain_unavailable',
      `No OS keychain is reachable, so R42 Companion cannot keep Garmin tokens safely (${detail}). ` +
        'On Linux, install and start a Secret Service such as gnome-keyring (and libsecret-1), inside a D-Bus session; see README, Troubleshooting.',
      { cause: error },
    );
  }
  if (/does not exist at path|is locked|locked collection|prompt|dismissed|cancel/i.test(detail)) {
    return new CompanionError(
      'keychain_locked',
      `The OS keychain is locked or has no default collection (${detail}). Unlock it (log in to the desktop, or run ` +
        '`gnome-keyring-daemon --unlock`) and try again.',
      { cause: error },
    );
  }
  return new CompanionError('keychain_error', `The OS keychain refused the request (${detail}).`, { cause: error });
}

/**
 * The OS keychain through keytar: macOS Keychain, Windows Credential Manager, libsecret on Linux.
 * Writes and deletes for one key are applied in call order. @see docs/architecture.md rule 8
 */
export function createKeytarSecretStore(service: string, load: () => Promise<Keytar> = () => import('keytar').then((m) => (m.default ?? m) as Keytar)): SecretStore {
  let keytar: Promise<Keytar> | null = null;
  const lib = () => {
    if (!keytar) findBus();
    keytar ??= load().catch((error: unknown) => {
      keytar = null;
      throw keychainError(error);
    });
    return keytar;
  };
  const queues = new Map<string, Promise<unknown>>();
  const ordered = <T>(key: string, op: () => Promise<T>): Promise<T> => {
    const previous = queues.get(key) ?? Promise.resolve();
    const next = previous.then(op, op);
    const tail = next.catch(() => undefined);
    queues.set(key, tail);
    void tail.then(() => {
      if (queues.get(key) === tail) queues.delete(key);
    });
    return next;
  };
  const call = async <T>(op: (k: Keytar) => Promise<T>): Promise<T> => {
    const k = await lib();
    try {
      return await op(k);
    } catch (error) {
      throw keychainError(error);
    }
  };
  return {
    get: (key) => ordered(key, () => call((k) => k.getPassword(service, key))),
    set: (key, value) => ordered(key, () => call((k) => k.setPassword(service, key, value))),
    delete: (key) => ordered(key, () => call((k) => k.deletePassword(service, key))),
  };
}

/**
 * Reads one item now: keytar is loaded synchronously and the keychain request is on its way (in a
 * native worker thread) when this returns, so the caller can do synchronous work, such as opening
 * SQLite, while the OS keychain answers. `r42-companion token` uses it; everything else uses the
 * ordered store above.
 */
export function readSecretNow(service: string, key: string): Promise<string | null> {
  let keytar: Keytar;
  findBus();
  try {
    keytar = createRequire(import.meta.url)('keytar') as Keytar;
  } catch (error) {
    return Promise.reject(keychainError(error));
  }
  return keytar.getPassword(service, key).catch((error: unknown) => {
    throw keychainError(error);
  });
}
