"""Cross-record rules: what no single model can check on its own.

Every rule reports into one ErrorSink so a run lists all problems, each with the file,
the record and the field.
"""

from __future__ import annotations

import datetime as dt
import re

from kratom_regs.errors import ErrorSink
from kratom_regs.records.models import Citation, JurisdictionRecord, same_day_conflicts
from kratom_regs.records.universe import JurisdictionInfo, base_jurisdictions, iso_subdivision
from kratom_regs.records.loading import Records
from kratom_regs.vocab import LEGAL_INSTRUMENT_KINDS, STATUSES_NEEDING_LAW, WEAK_KINDS, Confidence, Level

LOCALITY_RE = re.compile(r"^(?P<parent>[A-Z]{2}-[A-Z0-9]{1,3})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")


def resolve_universe(recs: Records, sink: ErrorSink) -> dict[str, JurisdictionInfo]:
    """Every jurisdiction: the ISO base plus subdivisions and localities that have records."""
    universe = base_jurisdictions()
    pending: list[JurisdictionRecord] = []
    for jid, rec in sorted(recs.jurisdictions.items()):
        rel = recs.jurisdiction_paths[jid]
        if jid in universe:
            info = universe[jid]
            for fld, expected in (("name", info.name), ("level", info.level), ("parent_id", info.parent_id)):
                given = getattr(rec, fld)
                if given is not None and given != expected:
                    sink.add(rel, jid, fld, f"comes from ISO 3166 ({expected!r}); put other names in aliases")
            continue
        sub = iso_subdivision(jid) if LOCALITY_RE.match(jid) is None else None
        if sub is not None:
            universe[jid] = sub
            continue
        pending.append(rec)
    for rec in pending:  # localities, after every subdivision is known
        jid = rec.jurisdiction_id
        rel = recs.jurisdiction_paths[jid]
        m = LOCALITY_RE.match(jid)
        if m is None:
            sink.add(rel, jid, "jurisdiction_id", "not an ISO 3166 code and not <subdivision>-<slug> for a locality")
            continue
        ok = True
        if rec.level not in (Level.COUNTY, Level.CITY):
            sink.add(rel, jid, "level", "a locality needs level 'county' or 'city'")
            ok = False
        if not rec.name:
            sink.add(rel, jid, "name", "a locality needs a name")
            ok = False
        if rec.parent_id != m["parent"]:
            sink.add(rel, jid, "parent_id", f"must be {m['parent']!r}, the subdivision its id starts with")
            ok = False
        elif m["parent"] not in universe and iso_subdivision(m["parent"]) is None:
            sink.add(rel, jid, "parent_id", f"unknown jurisdiction {m['parent']!r}")
            ok = False
        if ok:
            universe[jid] = JurisdictionInfo(jid, rec.name or jid, rec.level or Level.CITY, rec.parent_id, None, [])
    return universe


def _rests_on_independent_source(cites: list[Citation]) -> bool:
    """Vendor and advocacy pages only corroborate: something else must have been read."""
    return any(c.was_read and c.kind not in WEAK_KINDS for c in cites)


def validate_records(recs: Records, sink: ErrorSink, today: dt.date | None = None) -> dict[str, JurisdictionInfo]:
    today = today or dt.date.today()
    universe = resolve_universe(recs, sink)
    seen_ids: dict[str, str] = {}

    def unique(ident: str, rel: str, field_: str) -> None:
        if ident in seen_ids:
            sink.add(rel, ident, field_, f"duplicate id (also in {seen_ids[ident]})")
        else:
            seen_ids[ident] = rel

    def not_future(value: dt.date | None, rel: str, rec: str, field_: str) -> None:
        if value is not None and value > today:
            sink.add(rel, rec, field_, f"{value} is in the future")

    for cid, cit in recs.citations.items():
        rel = recs.citation_paths[cid]
        not_future(cit.accessed_date, rel, cid, "accessed_date")
        if cit.accessed_date is not None and cit.url is None:
            sink.add(rel, cid, "url", "a citation that was read needs the url it was read at")
        if cit.kind not in LEGAL_INSTRUMENT_KINDS and not cit.was_read:
            sink.add(rel, cid, "accessed_date", "only a legal instrument may be cited without having been read")

    def check_cites(ids: list[str], rel: str, rec: str, field_: str) -> list[Citation]:
        found: list[Citation] = []
        for i, c in enumerate(ids):
            if c in recs.unreadable:
                continue  # its own file's problem is already reported: no cascade hiding the cause
            if c not in recs.citations:
                sink.add(rel, rec, f"{field_}[{i}]", f"citation {c!r} does not exist in records/citations/")
            else:
                found.append(recs.citations[c])
        return found

    for jid, rec in sorted(recs.jurisdictions.items()):
        rel = recs.jurisdiction_paths[jid]
        prefix = jid.lower() + "-"
        for i, ev in enumerate(rec.events):
            where = f"events[{i}]"
            unique(ev.event_id, rel, f"{where}.event_id")
            if not ev.event_id.startswith(prefix):
                sink.add(rel, ev.event_id, f"{where}.event_id", f"must start with {prefix!r}")
            not_future(ev.last_verified_date, rel, ev.event_id, f"{where}.last_verified_date")
            cites = check_cites(ev.citation_ids, rel, ev.event_id, f"{where}.citation_ids")
            if len(cites) == len(ev.citation_ids):
                if not any(c.was_read for c in cites):
                    sink.add(rel, ev.event_id, f"{where}.citation_ids",
                             "needs at least one citation that was read (url and accessed_date)")
                if ev.is_binding and ev.sets.status in STATUSES_NEEDING_LAW and not any(
                    c.kind in LEGAL_INSTRUMENT_KINDS for c in cites
                ):
                    sink.add(rel, ev.event_id, f"{where}.citation_ids",
                             f"status '{ev.sets.status}' must cite the law itself (statute, bill, regulation, "
                             "gazette, court, ordinance or treaty)")
                independent = _rests_on_independent_source(cites)
                if ev.confidence is Confidence.HIGH and not independent:
                    sink.add(rel, ev.event_id, f"{where}.confidence",
                             "high confidence needs a read source that is not advocacy or a vendor")
                elif ev.is_binding and ev.sets.status is not None and not independent:
                    sink.add(rel, ev.event_id, f"{where}.citation_ids",
                             "a status cannot rest on advocacy or vendor pages alone (corroboration only): "
                             "cite a read source that is neither")
        for i, ver in enumerate(rec.verifications):
            where = f"verifications[{i}]"
            unique(ver.verification_id, rel, f"{where}.verification_id")
            not_future(ver.verified_date, rel, ver.verification_id, f"{where}.verified_date")
            cites = check_cites(ver.citation_ids, rel, ver.verification_id, f"{where}.citation_ids")
            if len(cites) == len(ver.citation_ids) and not any(c.was_read for c in cites):
                sink.add(rel, ver.verification_id, f"{where}.citation_ids",
                         "needs at least one citation that was read (url and accessed_date)")
            elif len(cites) == len(ver.citation_ids) and not _rests_on_independent_source(cites):
                sink.add(rel, ver.verification_id, f"{where}.citation_ids",
                         "a verification cannot rest on advocacy or vendor pages alone (corroboration only): "
                         "cite a read source that is neither")
        for i, claim in enumerate(rec.claims):
            where = f"claims[{i}]"
            unique(claim.claim_id, rel, f"{where}.claim_id")
            check_cites([claim.citation_id], rel, claim.claim_id, f"{where}.citation_id")
        event_ids = {ev.event_id for ev in rec.events}
        for i, w in enumerate(rec.watch):
            where = f"watch[{i}]"
            unique(w.watch_id, rel, f"{where}.watch_id")
            if not w.watch_id.startswith(prefix):
                sink.add(rel, w.watch_id, f"{where}.watch_id", f"must start with {prefix!r}")
            if w.event_id is not None and w.event_id not in event_ids:
                sink.add(rel, w.watch_id, f"{where}.event_id", f"no event {w.event_id!r} in this record")
            not_future(w.opened_date, rel, w.watch_id, f"{where}.opened_date")
            not_future(w.resolved_date, rel, w.watch_id, f"{where}.resolved_date")
            check_cites(w.citation_ids, rel, w.watch_id, f"{where}.citation_ids")
            res = check_cites(w.resolution_citation_ids, rel, w.watch_id, f"{where}.resolution_citation_ids")
            if w.resolution is not None and len(res) == len(w.resolution_citation_ids) and not any(
                c.was_read for c in res
            ):
                sink.add(rel, w.watch_id, f"{where}.resolution_citation_ids",
                         "a resolution needs at least one citation that was read (url and accessed_date)")
        for i, a in enumerate(rec.adopts):
            where = f"adopts[{i}]"
            unique(a.adoption_id, rel, f"{where}.adoption_id")
            if a.adopts_from == jid or a.adopts_from not in recs.jurisdictions:
                sink.add(rel, a.adoption_id, f"{where}.adopts_from",
                         f"{a.adopts_from!r} must be another jurisdiction with a record")
            cites = check_cites(a.citation_ids, rel, a.adoption_id, f"{where}.citation_ids")
            if len(cites) == len(a.citation_ids) and not any(c.kind in LEGAL_INSTRUMENT_KINDS for c in cites):
                sink.add(rel, a.adoption_id, f"{where}.citation_ids",
                         "an adoption of another jurisdiction's scheduling must cite the law that makes it")
        for first, second, var in same_day_conflicts(rec):
            sink.add(rel, first, "effective_date", f"takes effect the same day as {second!r} but sets {var} differently")
    return universe
