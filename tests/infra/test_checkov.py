"""Checkov static scan of the Terraform (both clouds), the Kubernetes manifests (as files and as
rendered Kustomize overlays) and the GitHub Actions workflows: no failed check, no parsing error,
and every skip justified where it is made (`#checkov:skip=ID:reason` in Terraform,
`checkov.io/skipN: ID=reason` annotations in manifests).

checkov is not in the project lock (its dependency tree is large: ~96 packages, boto3 and
networkx among them), so it runs in its own environment through `uvx --from checkov==3.3.30`;
when that cannot start (no uv, or the package neither cached nor reachable) the test skips
loudly. No result is fetched from a server: checkov's guideline download fails offline and only
costs a warning.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from iac import ROOT

CHECKOV = "checkov==3.3.30"
SCANS = ("infra/terraform", "infra/k8s", ".github")
FRAMEWORKS = ("terraform", "kubernetes", "kustomize", "github_actions")
REASON_MIN_CHARS = 20


def _reports(text: str) -> list[dict]:
    """checkov prints one JSON document per framework (an object or a list)."""
    decoder, reports, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        reports += doc if isinstance(doc, list) else [doc]
    return reports


@pytest.fixture(scope="module")
def reports() -> list[dict]:
    uvx = shutil.which("uvx") or str(Path.home() / ".local/bin/uvx")
    if not Path(uvx).exists():
        pytest.skip("SKIPPED LOUDLY: no uvx to run checkov")
    # One process for every folder: checkov's start-up is most of its time.
    cmd = [uvx, "--from", CHECKOV, "checkov", "--framework", *FRAMEWORKS]
    for directory in SCANS:
        cmd += ["-d", directory]
    cmd += ["-o", "json", "--compact", "--skip-download"]
    try:
        done = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        pytest.skip(f"SKIPPED LOUDLY: checkov did not run ({error})")
    if not done.stdout.strip():
        pytest.skip(f"SKIPPED LOUDLY: checkov unavailable: {done.stderr[-400:]}")
    return _reports(done.stdout)


def test_no_failed_check(reports) -> None:
    seen = {r.get("check_type") for r in reports}
    assert set(FRAMEWORKS) <= seen
    failed = [
        f"{c['check_id']} {c['resource']} {c.get('file_abs_path')}"
        for r in reports
        for c in r["results"]["failed_checks"]
    ]
    assert failed == []
    assert all(r["summary"]["parsing_errors"] == 0 for r in reports)
    assert sum(r["summary"]["passed"] for r in reports) > 300  # it really scanned


def test_every_skip_is_justified(reports) -> None:
    skipped = [c for r in reports for c in r["results"]["skipped_checks"]]
    assert skipped  # the inline skips below are seen by checkov
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason) >= REASON_MIN_CHARS, (check["check_id"], check["resource"])


def test_inline_skips_carry_a_reason() -> None:
    pattern = re.compile(r"#checkov:skip=(\w+)(?::(.*))?$|checkov\.io/skip\d+: (\w+)(?:=(.*))?$")
    files = [*(ROOT / "infra").rglob("*.tf"), *(ROOT / "infra" / "k8s").rglob("*.yaml")]
    found = 0
    for path in files:
        for line in path.read_text().splitlines():
            match = pattern.search(line.strip())
            if match:
                found += 1
                reason = match.group(2) or match.group(4) or ""
                assert len(reason.strip()) >= REASON_MIN_CHARS, f"{path}: {line.strip()}"
    assert found
