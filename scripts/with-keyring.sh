#!/usr/bin/env bash
# Runs a command with a reachable, unlocked Secret Service. Where one is already reachable (a
# desktop session, macOS, Windows) the command runs as it is; tests use their own keychain
# service names, so a real user's entries are never touched. Otherwise (CI, a server, SSH, a
# container) it starts a private gnome-keyring inside its own D-Bus session, unlocked with a
# throwaway password, and throws it away when the command ends.
#
#   bash scripts/with-keyring.sh <npx command…>     one command (tests, the demo)
#   bash scripts/with-keyring.sh --shell [bash args…]   (npm run keyring-shell)
#       a shell, or `-c '…'` / a script for bash, inside ONE keyring session that lasts until it
#       exits: a Garmin link made by `login` in it is still there for `sync`, `activities`, `mcp`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--shell" ]; then
  shift
  RUN=(bash "$@")
  WHAT="this shell (until it exits)"
else
  RUN=(npx "$@")
  WHAT="this run"
fi

if [ "$(uname -s)" != "Linux" ] || [ -n "${R42_TEST_SKIP_PRIVATE_KEYRING:-}" ]; then
  exec "${RUN[@]}"
fi

if [ -n "${DBUS_SESSION_BUS_ADDRESS:-}" ] && timeout 10 node scripts/probe-keychain.mjs >/dev/null 2>&1; then
  [ "${RUN[0]}" = "bash" ] && echo "with-keyring: a Secret Service is reachable; $WHAT uses it" >&2
  exec "${RUN[@]}"
fi

for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "with-keyring: '$tool' is missing. Install: sudo apt-get install gnome-keyring dbus-daemon dbus-bin libsecret-1-dev" >&2
    exit 1
  fi
done

KR=$(mktemp -d "${TMPDIR:-/tmp}/r42-keyring.XXXXXX")
# Not `exec`: the trap must run once the command (or shell) is done, to throw the keyring away.
trap 'rm -rf "$KR"' EXIT
mkdir -p "$KR/run" "$KR/data"
chmod 700 "$KR" "$KR/run"
# R42_PRIVATE_KEYRING tells the command (the demo) that its keychain is thrown away after the run.
export XDG_RUNTIME_DIR="$KR/run" XDG_DATA_HOME="$KR/data" R42_PRIVATE_KEYRING=1
echo "with-keyring: no Secret Service reachable; using a private gnome-keyring for $WHAT" >&2
dbus-run-session -- bash -c '
  printf %s "r42-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  exec "$@"
' with-keyring "${RUN[@]}"
