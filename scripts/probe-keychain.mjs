// Exits 0 when the OS keychain accepts a write, read and delete; used to decide whether tests
// need a private keyring.
import keytar from 'keytar';

const service = `r42-companion-probe-${process.pid}`;
try {
  await keytar.setPassword(service, 'probe', 'probe');
  const ok = (await keytar.getPassword(service, 'probe')) === 'probe';
  await keytar.deletePassword(service, 'probe');
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(String(error?.message ?? error));
  process.exit(1);
}
