"""Helpers for the infrastructure tests: parse Terraform with python-hcl2, run the terraform
binary offline, load YAML manifests.

python-hcl2 is not in the project lock yet: when it cannot be imported, the .tf files are
converted by one `uv run --no-project --with python-hcl2==8.1.4` process (the package from uv's
cache); when neither works the tests that need it skip, saying why. terraform runs with an empty
CLI configuration and the local plugin directory, never a registry.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TERRAFORM = ROOT / "infra" / "terraform"
AWS = TERRAFORM / "aws"
MODULES = TERRAFORM / "modules"
HCL2_REQUIREMENT = "python-hcl2==8.1.4"
PLUGIN_DIR = Path(os.environ.get("STREAMQOE_TF_PLUGIN_DIR", "/opt/tf-plugins"))
META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}

_CONVERT = """
import json, sys
import hcl2
out = {}
for path in sys.argv[1:]:
    with open(path) as f:
        out[path] = hcl2.load(f)
json.dump(out, sys.stdout)
"""


def tf_files() -> list[Path]:
    return sorted(p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts)


def _clean(value: Any) -> Any:
    """hcl2's output without its markers: quoted literals unquoted, block labels unquoted."""
    if isinstance(value, dict):
        return {
            _clean(k): _clean(v)
            for k, v in value.items()
            if k not in ("__is_block__", "__comments__")
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


@functools.cache
def _parsed_all() -> dict[str, dict[str, Any]]:
    paths = [str(p) for p in tf_files()]
    try:
        import hcl2  # optional: not in the lock yet

        raw = {}
        for path in paths:
            with open(path) as f:
                raw[path] = hcl2.load(f)
    except ImportError:
        uv = shutil.which("uv") or str(Path.home() / ".local/bin/uv")
        cmd = [uv, "run", "--no-project", "--with", HCL2_REQUIREMENT, "python", "-c", _CONVERT]
        try:
            done = subprocess.run(
                cmd + paths, capture_output=True, text=True, timeout=120, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            pytest.skip(f"SKIPPED LOUDLY: {HCL2_REQUIREMENT} unavailable ({error})")
        if done.returncode != 0:
            pytest.skip(f"SKIPPED LOUDLY: {HCL2_REQUIREMENT} unavailable: {done.stderr[-500:]}")
        raw = json.loads(done.stdout)
    return {path: _clean(doc) for path, doc in raw.items()}


def parsed(path: Path) -> dict[str, Any]:
    return _parsed_all()[str(path)]


def blocks(directory: Path, kind: str) -> dict[str, Any]:
    """Blocks of one kind (variable, output, module, locals) of the module in `directory`.

    Single-label blocks (variable, output, module) map name -> body; locals merge into one dict.
    """
    out: dict[str, Any] = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in parsed(path).get(kind, []):
            out.update(entry)
    return out


def resources(directory: Path, kind: str = "resource") -> dict[tuple[str, str], dict[str, Any]]:
    """(type, name) -> body of every resource (or data source) of the module in `directory`."""
    out = {}
    for path in sorted(directory.glob("*.tf")):
        for entry in parsed(path).get(kind, []):
            for rtype, named in entry.items():
                for name, body in named.items():
                    out[(rtype, name)] = body
    return out


def terraform() -> str:
    binary = shutil.which("terraform") or "/usr/local/bin/terraform"
    if not Path(binary).exists():
        pytest.skip("SKIPPED LOUDLY: no terraform binary on this machine")
    return binary


def run_terraform(
    args: list[str], cwd: Path, tmp: Path, timeout: int = 120
) -> subprocess.CompletedProcess:
    """terraform with an empty CLI configuration (no registry mirror, no credentials)."""
    config = tmp / "terraformrc"
    if not config.exists():
        config.write_text("")
    env = {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "TF_DATA_DIR": str(tmp / ".terraform"),
    }
    return subprocess.run(
        [terraform(), *args, "-no-color"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def collector_env() -> tuple[dict[str, str], set[str]]:
    """(plain env, names from Secret Manager) the root gives the Cloud Run collector."""
    call = blocks(TERRAFORM, "module")["collector"]
    local = blocks(TERRAFORM, "locals")
    assert call["secret_env"].startswith(
        "${{for name, secret in google_secret_manager_secret.collector"
    )
    secret_for_each = resources(TERRAFORM)[("google_secret_manager_secret", "collector")]
    assert secret_for_each["for_each"] == "${local.collector_secret_env}"
    plain = {"STREAMQOE_PROJECT": "${var.project}"}
    for name, value in call["env"].items():
        plain[name] = (
            local["eventbridge_header"] if value == "${local.eventbridge_header}" else value
        )
    return plain, set(local["collector_secret_env"])
