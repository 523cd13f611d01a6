"""Get a valid Garmin access token from R42 Companion, from Python (standard library only).

Run your agent under R42 Companion so it gets a grant that ends with it:

    r42-companion run -- python3 my_agent.py

or give it a named grant (`r42-companion agents add my-coach`) in R42_AGENT_URL / R42_AGENT_TOKEN,
or let it read agent.json from the data folder while the app or `r42-companion serve` runs.
"""
import json
import os
import sys
import urllib.error
import urllib.request
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


def find_endpoint() -> tuple[str, str]:
    url, token = os.environ.get("R42_AGENT_URL"), os.environ.get("R42_AGENT_TOKEN")
    if url and token:
        return url, token
    try:
        data = json.loads((_data_folder() / "agent.json").read_text())
        return data["url"], data["token"]
    except (OSError, ValueError, KeyError):
        raise CompanionError("agent_not_running", "R42 Companion is not serving agents: start it, or use `r42-companion run --`.")


def get_garmin_access_token(min_valid_seconds: int | None = None) -> dict:
    """Returns {"access_token", "token_type", "expires_in", "expires_at", "garmin_user_id", "scope"}."""
    url, token = find_endpoint()
    target = f"{url}/v1/token" + (f"?min_valid={int(min_valid_seconds)}" if min_valid_seconds is not None else "")
    request = urllib.request.Request(target, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        try:
            body = json.load(error)["error"]
            raise CompanionError(body["code"], body["message"], error.code) from None
        except (ValueError, KeyError):
            raise CompanionError("bad_response", f"R42 Companion answered HTTP {error.code}", error.code) from None
    except urllib.error.URLError:
        raise CompanionError("agent_not_running", f"R42 Companion does not answer at {url}.") from None


if __name__ == "__main__":
    try:
        token = get_garmin_access_token(min_valid_seconds=900)
    except CompanionError as error:
        print(f"garmin_token: {error}", file=sys.stderr)
        sys.exit(1)
    # Never print the token itself in a real agent; this example shows what it received.
    print(json.dumps({"garmin_user_id": token["garmin_user_id"], "expires_in": token["expires_in"], "token_type": token["token_type"]}))
