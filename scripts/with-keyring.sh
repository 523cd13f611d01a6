#!/usr/bin/env bash
# Runs a command with a reachable, unlocked Secret Service. Where one is already reachable (a
# desktop session, macOS, Windows) the command runs as it is; tests use their own keychain
# service names, so a real user's entries are never touched. Otherwise (CI, a server) it starts a
# private gnome-keyring inside its own D-Bus session, unlocked with a throwaway password, and
# throws it away afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(uname -s)" != "Linux" ] || [ -n "${R42_TEST_SKIP_PRIVATE_KEYRING:-}" ]; then
  exec npx "$@"
fi

if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && timeout 10 node scripts/probe-keychain.mjs >/dev/null 2>&1; then
  exec npx "$@"
fi

for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' is missing. Install: sudo apt-get install gnome-keyring dbus-daemon dbus-bin libsecret-1-dev" >&2
    exit 1
  fi
done

KR=$(mktemp -d "${TMPDIR:-/tmp}/r42-keyring.XXXXXX")
trap 'rm -rf "$KR"' EXIT
mkdir -p "$KR/run" "$KR/data"
chmod 700 "$KR" "$KR/run"
# R42_PRIVATE_KEYRING tells the command (the demo) that its keychain is thrown away after the run.
export XDG_RUNTIME_DIR="$KR/run" XDG_DATA_HOME="$KR/data" R42_PRIVATE_KEYRING=1
echo "with-keyring: no Secret Service reachable; using a private gnome-keyring for this run" >&2
dbus-run-session -- bash -c '
  printf %s "r42-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec npx "$@"
' with-keyring "$@"
