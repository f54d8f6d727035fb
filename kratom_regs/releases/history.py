"""Every stored release, opened and checked: what `kratom-regs releases` lists and what a new release is
compared with. Reading only; cutting a release is releases/cut.py."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path

from kratom_regs.errors import DataPackageError
from kratom_regs.loader import Package, open_release
from kratom_regs.releases.ledger import ReleaseError, ReleaseInfo, archive_bytes, read_ledger


def verify_release(info: ReleaseInfo, where: Traversable | Path | None = None) -> list[str]:
    """Problems with one stored release (empty when every byte is as recorded)."""
    try:
        archive_bytes(info, where)
        pkg = open_release(info.version, where)
        for res in pkg.descriptor["resources"]:
            pkg.raw(res["name"])
    except DataPackageError as exc:
        return [str(exc)]
    if pkg.version != info.version:
        return [f"release {info.version}: datapackage.json says version {pkg.version}"]
    return []


def history(where: Traversable | Path) -> list[tuple[ReleaseInfo, Package]]:
    """Every stored release opened and checked, oldest first; a damaged one stops everything."""
    out = []
    for info in read_ledger(where):
        problems = verify_release(info, where)
        if problems:
            raise ReleaseError("the stored releases are damaged:\n" + "\n".join(problems))
        out.append((info, open_release(info.version, where)))
    return out
