"""Deterministic SYNTHETIC records for benchmarks: a repository shaped like the real one, at any size.

Nothing here is research. Every jurisdiction below the ISO base is a made-up locality
("Synthetic County 123", under a real US state), every law, date and URL (example.org) is
invented, and every title says "(synthetic)". The point is to exercise build, validate,
load and query at the sizes the project will reach (every US county and incorporated place
is about x75 of today's ~300 jurisdictions), not to say anything about kratom law.

Scale k means about 300·k jurisdictions in the built package: every ISO base jurisdiction
(~306: countries, US states, DC, territories, the international level) gets a record, then
localities fill the rest. Each record's content depends only on (seed, jurisdiction id), so a
size is reproducible byte for byte and a smaller set's records are the same as a larger one's.

The text is written directly in canonical form (what `kratom-regs lint` expects) with a small
emitter instead of pydantic + PyYAML, which would take minutes at x100; the smoke test checks
the two agree.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

JURISDICTIONS_PER_SCALE = 300
DEFAULT_SEED = 20261125
#: The 50 states and DC: localities are spread over these round-robin.
US_STATES = (
    "AK",
    "AL",
    "AR",
    "AZ",
    "CA",
    "CO",
    "CT",
    "DC",
    "DE",
    "FL",
    "GA",
    "HI",
    "IA",
    "ID",
    "IL",
    "IN",
    "KS",
    "KY",
    "LA",
    "MA",
    "MD",
    "ME",
    "MI",
    "MN",
    "MO",
    "MS",
    "MT",
    "NC",
    "ND",
    "NE",
    "NH",
    "NJ",
    "NM",
    "NV",
    "NY",
    "OH",
    "OK",
    "OR",
    "PA",
    "RI",
    "SC",
    "SD",
    "TN",
    "TX",
    "UT",
    "VA",
    "VT",
    "WA",
    "WI",
    "WV",
    "WY",
)
_FIRST_DAY = dt.date(2005, 1, 1)
_LAST_DAY = dt.date(2025, 6, 30)
VERIFIED = dt.date(2025, 12, 1)  # never in the future, so validation passes on any later day
_RESOLVER = yaml.resolver.Resolver()
_STR = "tag:yaml.org,2002:str"


# -- a minimal emitter for kratom_regs.records.yamlio's canonical style ------------------------------------
def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    text = str(value)
    # Synthetic strings never hold ': ', '#' or quotes; the only ones PyYAML quotes are those that would
    # read back as something else (the country code NO is a YAML 1.1 boolean).
    return text if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR else f"'{text}'"


def _emit(node: dict[str, Any], indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(node.items()):
        lead = first_prefix if (n == 0 and first_prefix is not None) else pad
        if isinstance(value, dict):
            if not value:
                out.append(f"{lead}{key}: {{}}")
            else:
                out.append(f"{lead}{key}:")
                _emit(value, indent + 2, out)
        elif isinstance(value, list):
            if not value:
                out.append(f"{lead}{key}: []")
                continue
            out.append(f"{lead}{key}:")
            for item in value:
                if isinstance(item, dict):  # canonical lists are not indented under their key
                    _emit(item, indent + 2, out, first_prefix=f"{pad}- ")
                else:
                    out.append(f"{pad}- {_scalar(item)}")
        else:
            out.append(f"{lead}{key}: {_scalar(value)}")


def to_yaml(record: dict[str, Any]) -> str:
    """Canonical text of a plain record (keys already in model order, no None values)."""
    out: list[str] = []
    _emit(record, 0, out)
    return "\n".join(out) + "\n"


# -- which jurisdictions ---------------------------------------------------------------------------
def base_ids() -> list[str]:
    """The ISO base universe the build always publishes (from pycountry, via the registry)."""
    from kratom_regs.records.universe import base_jurisdictions

    return sorted(base_jurisdictions())


def locality(i: int) -> tuple[str, str, str, str]:
    """(jurisdiction_id, name, level, parent_id) of the i-th synthetic locality."""
    state = US_STATES[i % len(US_STATES)]
    level = "county" if i % 3 == 0 else "city"
    return f"US-{state}-{level}-{i:06d}", f"Synthetic {level.title()} {i:06d}", level, f"US-{state}"


def plan(scale: float) -> tuple[list[str], int]:
    """(base ids, number of localities) for about 300·scale jurisdictions."""
    base = base_ids()
    return base, max(0, round(JURISDICTIONS_PER_SCALE * scale) - len(base))


# -- one record ------------------------------------------------------------------------------------
def _days(rng: random.Random, n: int) -> list[dt.date]:
    """n days in n different months, so a month-precision date never lands on another event's day."""
    months = (_LAST_DAY.year - _FIRST_DAY.year) * 12 + _LAST_DAY.month - _FIRST_DAY.month
    picked = sorted(rng.sample(range(months), n))
    return [dt.date(_FIRST_DAY.year + m // 12, m % 12 + 1, rng.randrange(1, 29)) for m in picked]


def _event(
    eid: str,
    event_type: str,
    basis: str,
    instrument: str,
    day: dt.date | None,
    rng: random.Random,
    sets: dict[str, Any],
    cites: list[str],
    binding: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "event_id": eid,
        "event_type": event_type,
        "is_binding": binding,
        "basis": basis,
        "instrument": instrument,
        "official_citation": f"Synthetic {instrument} {eid}",
        "title": f"Synthetic {event_type} event {eid}",
        "summary": "Synthetic benchmark event; not a real law.",
    }
    if day is not None:
        if rng.random() < 0.2:  # some only known to the month
            day = day.replace(day=1)
            ev.update(effective_date=day, effective_date_precision="month")
        else:
            enacted = max(_FIRST_DAY, day - dt.timedelta(days=rng.randrange(0, 120)))
            ev.update(
                enacted_date=enacted, enacted_date_precision="day", effective_date=day, effective_date_precision="day"
            )
    if "expires_date" in extra:
        ev["expires_date"] = extra.pop("expires_date")
    ev["sets"] = sets
    ev["clears"] = extra.pop("clears", [])
    ev["substances"] = extra.pop("substances", [])
    ev["citation_ids"] = cites
    ev["confidence"] = rng.choice(("high", "high", "medium"))
    ev["confidence_reason"] = "Synthetic benchmark record."
    ev["last_verified_date"] = VERIFIED
    return ev


def make_record(
    jid: str, name: str | None, level: str | None, parent: str | None, seed: int = DEFAULT_SEED
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(jurisdiction record, its citations) for one jurisdiction, a pure function of (seed, jid)."""
    rng = random.Random(f"{seed}:{jid}")
    slug = jid.lower()
    local = level in ("county", "city")
    law_kind, basis, instrument = ("ordinance",) * 3 if local else ("statute",) * 3
    law, news = f"{slug}-law", f"{slug}-news"
    citations = [
        {
            "citation_id": law,
            "kind": law_kind,
            "title": f"Synthetic {law_kind} {slug}",
            "url": f"https://example.org/synthetic/{slug}/law",
            "accessed_date": VERIFIED,
            "language": "en",
        },
        {
            "citation_id": news,
            "kind": "news",
            "title": f"Synthetic news report {slug}",
            "publisher": "Synthetic Gazette",
            "url": f"https://example.org/synthetic/{slug}/news",
            "accessed_date": VERIFIED,
            "language": "en",
        },
    ]
    cites = [law, news]
    days = iter(_days(rng, 4))
    events = [
        _event(
            f"{slug}-regulated",
            "sales_restriction" if local else "consumer_protection",
            basis,
            instrument,
            next(days),
            rng,
            {"status": "regulated", "sale": "licensed", "min_age": rng.choice((18, 21)), "labeling_required": True},
            cites,
        )
    ]
    if rng.random() < 0.6:
        events.append(
            _event(
                f"{slug}-ban",
                "administrative_ban" if local else "scheduling",
                basis,
                instrument,
                next(days),
                rng,
                {"status": "banned", "possession": "illegal", "sale": "illegal"},
                cites,
            )
        )
    if rng.random() < 0.3:
        events.append(
            _event(
                f"{slug}-seven-oh",
                "alkaloid_rule",
                basis,
                instrument,
                next(days),
                rng,
                {},
                cites,
                substances=[
                    {
                        "substance": "seven_oh",
                        "rule": "limit",
                        "threshold_value": 2,
                        "threshold_unit": "percent_of_alkaloid_fraction",
                    }
                ],
            )
        )
    if rng.random() < 0.3:
        start = next(days)
        events.append(
            _event(
                f"{slug}-emergency",
                "sales_restriction",
                "emergency_rule",
                "regulation",
                start,
                rng,
                {"testing_required": True},
                cites,
                expires_date=start + dt.timedelta(days=365),
            )
        )
    events.append(_event(f"{slug}-bill", "tracked_bill", "bill", instrument, None, rng, {}, [news], binding=False))
    far = dt.date.max
    events.sort(key=lambda e: (e.get("effective_date") or e.get("enacted_date") or far, e["event_id"]))
    record: dict[str, Any] = {"jurisdiction_id": jid}
    if local:
        record.update(name=name, level=level, parent_id=parent)
    record["aliases"] = []
    record["events"] = events
    record["verifications"] = (
        []
        if rng.random() < 0.3
        else [
            {
                "verification_id": f"{slug}-verified",
                "verified_date": VERIFIED,
                "searched": "Synthetic search.",
                "finding": "Synthetic finding.",
                "citation_ids": [news],
                "confidence": "medium",
                "confidence_reason": "Synthetic benchmark record.",
            }
        ]
    )
    record["claims"] = (
        []
        if rng.random() < 0.9
        else [
            {
                "claim_id": f"{slug}-claim",
                "citation_id": news,
                "claim": "Synthetic competing claim.",
                "decision": "rejected",
                "reason": "Synthetic reason.",
            }
        ]
    )
    record["watch"] = []
    record["adopts"] = []
    return record, citations


def records(scale: float, seed: int = DEFAULT_SEED) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    base, n_local = plan(scale)
    for jid in base:
        yield make_record(jid, None, None, None, seed)
    for i in range(n_local):
        yield make_record(*locality(i), seed=seed)


def generate(root: Path, scale: float, seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write records/ for about 300·scale jurisdictions under root; returns counts."""
    jdir, cdir = root / "records" / "jurisdictions", root / "records" / "citations"
    jdir.mkdir(parents=True, exist_ok=True)
    cdir.mkdir(parents=True, exist_ok=True)
    counts = {"jurisdiction_records": 0, "citations": 0, "events": 0}
    for record, cits in records(scale, seed):
        (jdir / f"{record['jurisdiction_id']}.yaml").write_text(to_yaml(record), encoding="utf-8")
        for c in cits:
            (cdir / f"{c['citation_id']}.yaml").write_text(to_yaml(c), encoding="utf-8")
        counts["jurisdiction_records"] += 1
        counts["citations"] += len(cits)
        counts["events"] += len(record["events"])
    return counts


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Write SYNTHETIC benchmark records (not research) into ROOT/records.")
    ap.add_argument("root", type=Path)
    ap.add_argument("--scale", type=float, default=1.0, help="about 300 x SCALE jurisdictions (default 1)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args()
    print(generate(args.root, args.scale, args.seed))
