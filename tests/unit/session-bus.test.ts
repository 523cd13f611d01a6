import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serverEnvironment } from '../../src-main/core/mcp/client-config.js';
import { adoptSessionBus, findSessionBus, sessionBusForSnippet } from '../../src-main/core/session-bus.js';
import { tempDir } from '../support/harness.js';

const servers: Server[] = [];
const folders: string[] = [];
const folder = (prefix: string) => {
  const dir = tempDir(prefix);
  folders.push(dir);
  return dir;
};
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A real Unix socket at `file`, as a D-Bus daemon listens on. */
async function socketAt(file: string): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(file, resolve));
}

describe('the D-Bus session bus the keychain is reached through', () => {
  it('is found where systemd puts it when an MCP client started the server without DBUS_SESSION_BUS_ADDRESS', async () => {
    const root = folder('r42-run-user-');
    const lookup = { platform: 'linux' as const, uid: 1234, runtimeRoot: root };
    // Nothing there yet: nothing is made up (libsecret then says what is missing).
    expect(findSessionBus({ HOME: '/home/r' }, lookup)).toBeNull();
    // A plain file is no bus.
    mkdirSync(path.join(root, '1234'));
    writeFileSync(path.join(root, '1234', 'bus'), '');
    expect(findSessionBus({ HOME: '/home/r' }, lookup)).toBeNull();

    const other = folder('r42-run-user-');
    await socketAt(path.join(other, '1234', 'bus'));
    expect(findSessionBus({ HOME: '/home/r' }, { ...lookup, runtimeRoot: other })).toBe(`unix:path=${path.join(other, '1234', 'bus')}`);
    // XDG_RUNTIME_DIR first, when a client passed it on.
    const runtime = folder('r42-xdg-run-');
    await socketAt(path.join(runtime, 'bus'));
    expect(findSessionBus({ XDG_RUNTIME_DIR: runtime }, { ...lookup, runtimeRoot: other })).toBe(`unix:path=${path.join(runtime, 'bus')}`);

    // An address already given wins; off Linux there is no session bus to find.
    expect(findSessionBus({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x', XDG_RUNTIME_DIR: runtime }, lookup)).toBeNull();
    expect(findSessionBus({ XDG_RUNTIME_DIR: runtime }, { ...lookup, platform: 'darwin' })).toBeNull();

    const env: NodeJS.ProcessEnv = { XDG_RUNTIME_DIR: runtime };
    adoptSessionBus(env, lookup);
    expect(env.DBUS_SESSION_BUS_ADDRESS).toBe(`unix:path=${path.join(runtime, 'bus')}`);
  });

  it('goes into the mcp config snippet unless it is the standard one the server finds by itself', () => {
    const lookup = { platform: 'linux' as const, uid: 1000 };
    const privateBus = 'unix:path=/tmp/dbus-Ab12Cd34,guid=0123456789abcdef';
    expect(sessionBusForSnippet({ DBUS_SESSION_BUS_ADDRESS: privateBus }, lookup)).toBe(privateBus);
    expect(sessionBusForSnippet({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, lookup)).toBeNull();
    expect(sessionBusForSnippet({}, lookup)).toBeNull();
    expect(sessionBusForSnippet({ DBUS_SESSION_BUS_ADDRESS: privateBus }, { platform: 'darwin', uid: 501 })).toBeNull();

    expect(serverEnvironment({ DBUS_SESSION_BUS_ADDRESS: privateBus, R42_KEYCHAIN_SERVICE: 'svc' }, '/home/r/.r42', lookup)).toEqual({
      R42_HOME: '/home/r/.r42',
      R42_KEYCHAIN_SERVICE: 'svc',
      DBUS_SESSION_BUS_ADDRESS: privateBus,
    });
    expect(serverEnvironment({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus' }, '/home/r/.r42', lookup)).toEqual({ R42_HOME: '/home/r/.r42' });
  });
});
