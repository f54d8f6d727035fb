"""The release workflow publishes what .ci/release-build makes, and CI runs that same script.

The build itself is exercised end to end by .ci/run (about a minute on the real data); here we check
that the workflow, the script and CI cannot drift apart: the workflow runs the script, uploads the
folders the script writes, and CI runs the script with the same arguments."""

from __future__ import annotations

import re

import yaml

from tests.conftest import REPO

WORKFLOW = REPO / ".github" / "workflows" / "release.yml"
SCRIPT = REPO / ".ci" / "release-build"


def _steps() -> list[dict[str, object]]:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return [s for job in doc["jobs"].values() for s in job.get("steps", [])]


def test_workflow_runs_on_release_tags_and_builds_with_the_ci_script() -> None:
    doc = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    on = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads the key `on` as true
    assert on["push"]["tags"] == ["v*.*.*"]
    runs = [str(s.get("run", "")) for s in _steps()]
    assert any(r.strip() == 'bash .ci/release-build "$TAG" "$BASE_URL" _release' for r in runs)
    uses = [str(s.get("uses", "")) for s in _steps()]
    assert any(u.startswith("actions/upload-pages-artifact") for u in uses)
    assert any(u.startswith("actions/deploy-pages") for u in uses)
    pages = next(s for s in _steps() if str(s.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert pages["with"]["path"] == "_release/site"  # type: ignore[index]
    assert any('gh release upload "$TAG" _release/assets/* --clobber' in r for r in runs)


def test_ci_runs_the_same_build_and_checks_its_checksums() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r'bash \.ci/release-build "v\$latest" "https://[^"]+/" "\$rel/out"', ci)
    assert "sha256sum --quiet -c SHA256SUMS" in ci
    script = SCRIPT.read_text(encoding="utf-8")
    for step in ("kratom-regs archive", "kratom-regs kit", "sha256sum", "kratom-regs site", 'v/$v"'):
        assert step in script, step
    assert SCRIPT.stat().st_mode & 0o111  # executable
