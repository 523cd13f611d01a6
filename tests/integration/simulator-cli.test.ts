import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../support/harness.js';

describe('npm run simulator', () => {
  it('prints exports that include a separate R42_HOME and R42_KEYCHAIN_SERVICE, as the README says to set', async () => {
    const home = tempDir('r42-sim-cli-');
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/simulator/cli.ts', '--port', '0'], { cwd: ROOT, env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 30_000 }).toContain('Ctrl-C stops it');
    child.kill('SIGTERM');
    const exports = out.split('\n').filter((line) => line.startsWith('export '));
    // Pasted into a shell, they point the companion at the simulator, in a folder and keychain of their own.
    const shell = spawnSync('bash', ['-c', `${exports.join('\n')}\nprintf '%s\\n' "$R42_HOME" "$R42_KEYCHAIN_SERVICE" "$GARMIN_CLIENT_ID"`], { encoding: 'utf8' });
    const [r42Home, service, clientId] = shell.stdout.trim().split('\n');
    expect(r42Home).toBe(path.join(home, '.r42-companion-simulator'));
    expect(service).toBe('r42-companion-simulator');
    expect(clientId).toBe('r42-demo-client');
  });
});
