"""The sandbox driven by openid-client, the library of Hubstaff's reference Node.js client: discovery at the
issuer, a personal access token's refresh with the placeholder client "PAT" / "PAT", then users/me and
organizations with the access token (the script is hubstaff_sandbox/tests/node/pat_refresh.mjs).

Node.js 20 or later and the packages of hubstaff_sandbox/tests/node (``make node``, run by ``make test``) are
required: without them this test fails, it does not skip."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "pat_refresh.mjs"
MIN_NODE_MAJOR = 20


def node_executable() -> str:
    """The node binary, after checking its version and that the locked openid-client is installed."""
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"Node.js {MIN_NODE_MAJOR} or later is required for this test and is not on PATH")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        pytest.fail(f"Node.js {MIN_NODE_MAJOR} or later is required for this test, found {version}")
    locked = json.loads((NODE_DIR / "package-lock.json").read_text())["packages"][
        "node_modules/openid-client"
    ]
    installed = NODE_DIR / "node_modules" / "openid-client" / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != locked["version"]:
        pytest.fail(f"openid-client {locked['version']} is not installed in {NODE_DIR}: run `make node`")
    return node


def test_hubstaffs_reference_client_refreshes_a_personal_token_and_reads_the_api(hs):
    node = node_executable()
    pat = hs.create_pat("alice@acme.test")
    run = subprocess.run(
        [node, str(SCRIPT), hs.url, hs.api_url],
        env={**os.environ, "HUBSTAFF_PAT": pat},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["token_endpoint"] == f"{hs.url}/access_tokens"  # taken from discovery
    assert out["rotated"]
    assert out["me"]["email"] == "alice@acme.test"
    assert [o["name"] for o in out["organizations"]] == ["Acme Hubstaff"]
    # the client really refreshed the personal token: it is spent
    r = hs.session.post(f"{hs.url}/access_tokens", data={"grant_type": "refresh_token", "refresh_token": pat})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"
