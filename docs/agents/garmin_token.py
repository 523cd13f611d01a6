"""Get a valid Garmin access token from R42 Companion, from Python (standard library only).

Run your agent under R42 Companion so it gets a grant that ends with it:

    r42-companion run -- python3 my_agent.py

or give it a named grant (`r42-companion agents add my-coach`) in R42_AGENT_URL / R42_AGENT_TOKEN,
or let it read agent.json from the data folder while the app or `r42-companion serve` runs.

The secret goes only where no one else can catch it: over the endpoint's Unix socket
(R42_AGENT_SOCKET, or "socket" in agent.json), which lives in the owner-only data folder; over TCP
only after the endpoint proved, on that same connection, that it holds the grant's key (an
HMAC-SHA256 keyed by the SHA-256 of the secret, over a fresh nonce and the port). A program that
took the port after R42 Companion stopped never sees the secret.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import secrets
import socket
import stat
import sys
import urllib.parse
from pathlib import Path


class CompanionError(Exception):
    """A refusal from R42 Companion with its stable code: not_connected, reauth_required, ..."""

    def __init__(self, code: str, message: str, status: int | None = None):
        super().__init__(f"{message} [{code}]")
        self.code = code
        self.status = status


def _data_folder() -> Path:
    if os.environ.get("R42_HOME"):
        return Path(os.environ["R42_HOME"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "R42 Companion"
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA", Path.home() / "AppData" / "Roaming")) / "R42 Companion"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "R42 Companion"


def find_endpoint() -> tuple[str, str, str | None]:
    """The endpoint's URL, the secret to use, and its socket when it has one."""
    url, token = os.environ.get("R42_AGENT_URL"), os.environ.get("R42_AGENT_TOKEN")
    if url and token:
        return url, token, os.environ.get("R42_AGENT_SOCKET") or None
    try:
        data = json.loads((_data_folder() / "agent.json").read_text())
        return data["url"], data["token"], data.get("socket")
    except (OSError, ValueError, KeyError):
        raise CompanionError("agent_not_running", "R42 Companion is not serving agents: start it, or use `r42-companion run --`.")


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over the endpoint's Unix socket."""

    def __init__(self, path: str, timeout: float):
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _read(response: http.client.HTTPResponse) -> dict:
    body = response.read()
    try:
        parsed = json.loads(body)
    except ValueError:
        raise CompanionError("bad_response", f"R42 Companion answered HTTP {response.status}", response.status) from None
    if response.status != 200:
        try:
            raise CompanionError(parsed["error"]["code"], parsed["error"]["message"], response.status)
        except (TypeError, KeyError):
            raise CompanionError("bad_response", f"R42 Companion answered HTTP {response.status}", response.status) from None
    return parsed


def _connect(url: str, token: str, sock_path: str | None) -> http.client.HTTPConnection:
    """A connection on which the secret may go: the socket, or a TCP connection whose endpoint proved itself."""
    if sock_path and hasattr(socket, "AF_UNIX") and not sock_path.startswith("\\\\.\\pipe\\"):
        try:
            st = os.lstat(sock_path)
        except OSError:
            raise CompanionError("agent_not_running", f"R42 Companion does not answer at {sock_path}.") from None
        if not stat.S_ISSOCK(st.st_mode) or st.st_uid != os.getuid():
            raise CompanionError("endpoint_unverified", f"{sock_path} is not R42 Companion's socket; the secret was not sent.")
        return _UnixConnection(sock_path, 60)
    parts = urllib.parse.urlsplit(url)
    port = parts.port or 80
    conn = http.client.HTTPConnection(parts.hostname, port, timeout=60)
    key = hashlib.sha256(token.encode()).digest()
    grant = _b64(hmac.new(key, b"r42-companion grant id v1", hashlib.sha256).digest()[:16])
    nonce = _b64(secrets.token_bytes(32))
    try:
        conn.request("GET", f"/v1/proof?grant={grant}&nonce={nonce}", headers={"Accept": "application/json"})
        response = conn.getresponse()
        body = response.read()
    except OSError:
        raise CompanionError("agent_not_running", f"R42 Companion does not answer at {url}.") from None
    if response.status == 401:
        raise CompanionError("unauthorized", f"R42 Companion at {url} has no grant for this secret (revoked?), or what answers there is not R42 Companion.", 401)
    expected = _b64(hmac.new(key, f"r42-companion endpoint proof v1\n{nonce}\n{port}".encode(), hashlib.sha256).digest())
    try:
        proof = json.loads(body)["proof"]
    except (ValueError, TypeError, KeyError):
        proof = None
    if response.status != 200 or not isinstance(proof, str) or not hmac.compare_digest(proof, expected):
        raise CompanionError("endpoint_unverified", f"What answers at {url} could not prove it is R42 Companion; the secret was not sent.")
    # The secret goes on this connection only: http.client must not quietly open another one.
    conn.auto_open = 0
    if conn.sock is None:
        raise CompanionError("endpoint_unverified", f"R42 Companion at {url} closed the proven connection; the secret was not sent.")
    return conn


def get_garmin_access_token(min_valid_seconds: int | None = None) -> dict:
    """Returns {"access_token", "token_type", "expires_in", "expires_at", "garmin_user_id", "scope"}."""
    url, token, sock_path = find_endpoint()
    target = "/v1/token" + (f"?min_valid={int(min_valid_seconds)}" if min_valid_seconds is not None else "")
    conn = _connect(url, token, sock_path)
    try:
        conn.request("GET", target, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
        return _read(conn.getresponse())
    except (OSError, http.client.HTTPException):
        raise CompanionError("agent_not_running", f"R42 Companion does not answer at {sock_path or url}.") from None
    finally:
        conn.close()


if __name__ == "__main__":
    try:
        token = get_garmin_access_token(min_valid_seconds=900)
    except CompanionError as error:
        print(f"garmin_token: {error}", file=sys.stderr)
        sys.exit(1)
    # Never print the token itself in a real agent; this example shows what it received.
    print(json.dumps({"garmin_user_id": token["garmin_user_id"], "expires_in": token["expires_in"], "token_type": token["token_type"]}))
