/**
 * Where the Secret Service is reached on Linux: the D-Bus session bus. An MCP client (Claude
 * Desktop, Cursor, the MCP Inspector) starts `r42-companion mcp` with a minimal environment
 * (PATH, HOME, USER …), without DBUS_SESSION_BUS_ADDRESS or XDG_RUNTIME_DIR, and libsecret then
 * fails with "Cannot autolaunch D-Bus without X11 $DISPLAY". Two remedies, both here: `mcp config`
 * writes a non-standard bus address into the client's snippet, and the keychain adapter finds the
 * standard per-user bus by itself, where systemd puts it (`$XDG_RUNTIME_DIR/bus`, else
 * `/run/user/<uid>/bus`), as sd-bus does.
 */
import { statSync } from 'node:fs';
import path from 'node:path';

export interface BusLookup {
  readonly platform: NodeJS.Platform;
  /** The user's numeric id (`process.getuid()`), or undefined where there is none (Windows). */
  readonly uid: number | undefined;
  /** Where per-user runtime folders live; `/run/user` on systemd. */
  readonly runtimeRoot?: string;
}

const isSocket = (file: string) => {
  try {
    return statSync(file).isSocket();
  } catch {
    return false;
  }
};

/** The standard session bus address of this user, when its socket exists. */
function standardBus(env: NodeJS.ProcessEnv, lookup: BusLookup): string | null {
  const candidates = [
    env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'bus') : null,
    lookup.uid === undefined ? null : path.join(lookup.runtimeRoot ?? '/run/user', String(lookup.uid), 'bus'),
  ];
  const found = candidates.find((file): file is string => file !== null && isSocket(file));
  return found ? `unix:path=${found}` : null;
}

/**
 * The session bus address to use when the environment names none: the standard per-user bus if
 * its socket exists, else null (libsecret then says what is missing). Null off Linux, and when
 * DBUS_SESSION_BUS_ADDRESS is already set.
 */
export function findSessionBus(env: NodeJS.ProcessEnv, lookup: BusLookup): string | null {
  if (lookup.platform !== 'linux' || env.DBUS_SESSION_BUS_ADDRESS) return null;
  return standardBus(env, lookup);
}

/** Sets DBUS_SESSION_BUS_ADDRESS from `findSessionBus` when it is missing; before the keychain is first used. */
export function adoptSessionBus(env: NodeJS.ProcessEnv, lookup: BusLookup): void {
  const found = findSessionBus(env, lookup);
  if (found) env.DBUS_SESSION_BUS_ADDRESS = found;
}

/**
 * What an MCP client's snippet must carry for the keychain: this shell's session bus address on
 * Linux, unless it is the standard one the server finds by itself (which a snippet would only
 * make stale). Null otherwise.
 */
export function sessionBusForSnippet(env: NodeJS.ProcessEnv, lookup: BusLookup): string | null {
  const address = env.DBUS_SESSION_BUS_ADDRESS;
  if (lookup.platform !== 'linux' || !address) return null;
  const standard = lookup.uid === undefined ? null : `unix:path=${path.join(lookup.runtimeRoot ?? '/run/user', String(lookup.uid), 'bus')}`;
  return address === standard ? null : address;
}
