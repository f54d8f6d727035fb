"""The full list of jurisdictions: every ISO 3166-1 country, the US states, DC and
inhabited territories, the international level, plus any subdivision or locality
that has a record.

Names come from ISO 3166 (via pycountry) so nobody hand-types 249 countries; the few
deviations below are deliberate and each says why. Imported at build time only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kratom_regs.vocab import Level

#: The international level has no ISO code; XX is the ISO user-assigned range.
INTERNATIONAL_ID = "XX-UN"
#: Kosovo has no ISO 3166-1 code; XK is the code the EU and most registries use.
EXTRA_COUNTRIES = {"XK": ("Kosovo", ["Republic of Kosovo"])}
#: These ISO 3166-1 codes are US territories. They are coded once, as US-PR etc. under
#: the US, and their ISO 3166-1 codes resolve to those rows (one place, one status).
US_TERRITORY_CODES = ("PR", "GU", "VI", "AS", "MP")
#: US Minor Outlying Islands: no population, no law of their own to code.
SKIPPED_SUBDIVISIONS = {"US-UM"}

#: Short names readers type that ISO does not list.
COMMON_ALIASES: dict[str, list[str]] = {
    "US": ["United States of America", "USA", "U.S.", "America", "US federal", "Federal"],
    "GB": ["UK", "U.K.", "Great Britain", "Britain", "England"],
    "RU": ["Russia"],
    "KR": ["Korea"],
    "KP": ["North Korea"],
    "IR": ["Iran"],
    "SY": ["Syria"],
    "VN": ["Vietnam"],
    "LA": ["Laos"],
    "MM": ["Burma"],
    "TR": ["Turkey", "Türkiye"],
    "CZ": ["Czech Republic"],
    "NL": ["Holland", "The Netherlands"],
    "CI": ["Ivory Coast"],
    "CD": ["DR Congo", "DRC"],
    "TZ": ["Tanzania"],
    "MD": ["Moldova"],
    "VE": ["Venezuela"],
    "BO": ["Bolivia"],
    "US-DC": ["Washington DC", "Washington, D.C.", "D.C."],
    "US-WA": ["Washington State"],
    "US-PR": ["Puerto Rico"],
    "US-VI": ["US Virgin Islands", "U.S. Virgin Islands"],
    "US-MP": ["Northern Mariana Islands", "CNMI"],
    "US-AS": ["American Samoa"],
    "US-GU": ["Guam"],
    INTERNATIONAL_ID: ["International", "UN", "United Nations"],
}

#: The name a newspaper prints where ISO's reference name is inverted or formal ("Congo, The Democratic
#: Republic of the"). The ISO name stays an alias, so it still resolves and is still searchable.
CUSTOMARY_NAMES: dict[str, str] = {
    "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo",
    "RU": "Russia",
    "BN": "Brunei",
    "FM": "Micronesia",
    "PS": "Palestine",
    "VA": "Vatican City",
    "VG": "British Virgin Islands",
    "FK": "Falkland Islands",
    "SX": "Sint Maarten",
    "BQ": "Caribbean Netherlands",
}

_SUBDIVISION_TYPE = {"State": "state", "District": "district", "Outlying area": "territory"}


@dataclass(frozen=True)
class JurisdictionInfo:
    jurisdiction_id: str
    name: str
    level: Level
    parent_id: str | None
    subdivision_type: str | None
    aliases: list[str] = field(default_factory=list)


def _country_rows() -> dict[str, JurisdictionInfo]:
    import pycountry

    rows: dict[str, JurisdictionInfo] = {}
    for c in pycountry.countries:
        if c.alpha_2 in US_TERRITORY_CODES:
            continue
        name = CUSTOMARY_NAMES.get(c.alpha_2) or getattr(c, "common_name", None) or c.name
        aliases = sorted({a for a in (c.name, getattr(c, "official_name", None), c.alpha_3) if a and a != name})
        rows[c.alpha_2] = JurisdictionInfo(c.alpha_2, name, Level.COUNTRY, None, None, aliases)
    for code, (name, aliases) in EXTRA_COUNTRIES.items():
        rows[code] = JurisdictionInfo(code, name, Level.COUNTRY, None, None, list(aliases))
    return rows


def _us_rows() -> dict[str, JurisdictionInfo]:
    import pycountry

    rows: dict[str, JurisdictionInfo] = {}
    for s in pycountry.subdivisions.get(country_code="US"):  # type: ignore[no-untyped-call]  # pycountry is untyped
        if s.code in SKIPPED_SUBDIVISIONS:
            continue
        usps = s.code.split("-")[1]
        aliases = [usps]
        if usps in US_TERRITORY_CODES:
            aliases.append(usps)  # the ISO 3166-1 code of the territory resolves here too
        rows[s.code] = JurisdictionInfo(
            s.code, s.name, Level.STATE, "US", _SUBDIVISION_TYPE.get(s.type, s.type.lower()), sorted(set(aliases))
        )
    return rows


def iso_subdivision(code: str) -> JurisdictionInfo | None:
    """An ISO 3166-2 subdivision outside the US (AU-QLD), created when a record exists."""
    import pycountry

    sub = pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]  # pycountry is untyped
    if sub is None:
        return None
    parent = sub.parent_code or sub.country_code
    return JurisdictionInfo(sub.code, sub.name, Level.STATE, parent, sub.type.lower(), [])


def base_jurisdictions() -> dict[str, JurisdictionInfo]:
    """Every jurisdiction that exists whether or not anyone has researched it."""
    rows = {INTERNATIONAL_ID: JurisdictionInfo(INTERNATIONAL_ID, "International (UN drug control conventions)",
                                               Level.INTERNATIONAL, None, None, [])}
    rows.update(_country_rows())
    rows.update(_us_rows())
    out: dict[str, JurisdictionInfo] = {}
    for jid, info in rows.items():
        extra = COMMON_ALIASES.get(jid, [])
        out[jid] = JurisdictionInfo(
            info.jurisdiction_id, info.name, info.level, info.parent_id, info.subdivision_type,
            sorted((set(info.aliases) | set(extra)) - {info.name}),
        )
    return out
