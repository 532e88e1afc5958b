"""The docs cite only files that exist.

Every relative Markdown link, and every `code span` that names a path under one of the
repository's top-level folders (without glob characters), in README.md, CONTRIBUTING.md and
docs/*.md must point at a file or folder of the repository (a `#anchor` is dropped). A `path:function`
suffix (or a pytest `path::test` id) is checked too: the function or class must be defined in
that Python file.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])
TOP_LEVEL = tuple(f"{p.name}/" for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith("."))
CODE_SPAN = re.compile(r"`([^`\s]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
GLOB = re.compile(r"[*?\[\]{}<>]|\.\.\.")


def cited_paths(doc: Path) -> list[tuple[str, str | None]]:
    """(path relative to the repository, Python name or None) for each citation in `doc`."""
    text = doc.read_text()
    out = []
    for span in CODE_SPAN.findall(text):
        if span.startswith(TOP_LEVEL) and not GLOB.search(span):
            path, _, name = span.split("#", 1)[0].replace("::", ":").partition(":")
            out.append((path, name or None))
    for target in LINK.findall(text):
        if "://" in target or target.startswith(("#", "mailto:")):
            continue
        path = target.split("#", 1)[0]
        resolved = (doc.parent / path).resolve()
        out.append(
            (str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path, None)
        )
    return out


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_cites_existing_files(doc: Path) -> None:
    missing = []
    for path, name in cited_paths(doc):
        target = ROOT / path
        if not target.exists():
            missing.append(path)
        elif name and target.suffix == ".py":
            defined = re.search(
                rf"^\s*(?:async def|def|class) {re.escape(name)}\b", target.read_text(), re.M
            )
            if not defined:
                missing.append(f"{path}:{name}")
    assert missing == []


def test_citations_are_found() -> None:
    """The check sees both kinds of citation (a check that finds nothing proves nothing)."""
    cited = {path for doc in DOCS for path, _ in cited_paths(doc)}
    assert "docs/metrics.md" in cited
    assert any(path.startswith("schemas/") for path in cited)
