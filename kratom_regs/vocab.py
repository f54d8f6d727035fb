"""Closed vocabularies, defined once.

The record models, the Frictionless table schemas, the CLI choices and the generated
docs all read these enums, so a value can never exist in one place and not the others.
Each member carries its definition, which is what the data dictionary prints.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class Vocab(StrEnum):
    """A string enum whose members carry a one-line definition."""

    def __new__(cls, value: str, definition: str = "") -> Vocab:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.definition = definition  # type: ignore[attr-defined]
        return obj

    @classmethod
    def values(cls) -> list[str]:
        return [m.value for m in cls]

    @classmethod
    def describe(cls) -> dict[str, str]:
        return {m.value: m.definition for m in cls}  # type: ignore[attr-defined]


class Status(Vocab):
    """Headline legal status of the kratom leaf and its products."""

    BANNED = "banned", "Controlled: kratom (or the leaf's main alkaloid) is scheduled and possession is an offence."
    RESTRICTED = (
        "restricted",
        "Sale, supply or import is prohibited, or it is prescription-only, but possession is not an offence.",
    )
    REGULATED = "regulated", "Legal under kratom-specific rules (age limits, labelling, registration, testing)."
    LEGAL = "legal", "Researched: no kratom-specific law was found."
    UNKNOWN = "unknown", "Not researched yet, or no source could be found. Never a guess."


#: The numeric status code of the panel and its Stata value labels, ordered from permissive to prohibitive so
#: a researcher can use it as an ordinal; `unknown` has no code (missing), because it is not a point on that scale.
STATUS_CODES: dict[str, int] = {"legal": 0, "regulated": 1, "restricted": 2, "banned": 3}


#: `unknown` in a few words, where a line or a legend has no room for the definition.
UNKNOWN_IN_SHORT = "not researched, or no reliable source yet"


class Activity(Vocab):
    """Whether one activity (possession, sale, manufacture, import) is allowed."""

    LEGAL = "legal", "Allowed without a kratom-specific licence."
    ILLEGAL = "illegal", "Prohibited."
    LICENSED = "licensed", "Allowed only with a licence, registration or prescription."
    UNKNOWN = "unknown", "Not established from the sources."


class EventType(Vocab):
    """What kind of legal action an event is."""

    SCHEDULING = "scheduling", "Kratom or one of its alkaloids is added to a controlled-substance schedule or list."
    DESCHEDULING = "descheduling", "Kratom or one of its alkaloids is removed from a schedule or list."
    CONSUMER_PROTECTION = (
        "consumer_protection",
        "A kratom-specific regulatory regime (e.g. a Kratom Consumer Protection Act) or its amendment.",
    )
    SALES_RESTRICTION = "sales_restriction", "An age limit or other restriction on sale outside a full regime."
    ALKALOID_RULE = "alkaloid_rule", "A rule about 7-OH, analogues or synthetic alkaloids that leaves the leaf alone."
    ADMINISTRATIVE_BAN = (
        "administrative_ban",
        "An agency bans sale through food, medicine or health powers rather than drug scheduling.",
    )
    IMPORT_CONTROL = "import_control", "A rule about importing kratom."
    COURT_RULING = "court_ruling", "A court decision that changes what the law is."
    REPEAL = "repeal", "A kratom-specific law is repealed or lapses."
    TRACKED_BILL = "tracked_bill", "A bill that has not become law (tracked only)."
    PROPOSED_RULE = "proposed_rule", "A proposed rule or notice of intent (tracked only)."
    REVIEW = "review", "An expert review or recommendation, such as a WHO ECDD review (tracked only)."
    OTHER = "other", "Anything else; explain in notes."


class Basis(Vocab):
    """The legal basis of an event: what kind of act it is."""

    STATUTE = "statute", "An act of a legislature."
    AGENCY_SCHEDULING = "agency_scheduling", "Scheduling by an agency or board under delegated power."
    EMERGENCY_RULE = "emergency_rule", "An emergency rule, usually time-limited."
    TEMPORARY_ORDER = "temporary_order", "A temporary scheduling order with an expiry date."
    ADMINISTRATIVE_ENFORCEMENT = (
        "administrative_enforcement",
        "Enforcement of food, medicine or consumer law (e.g. an unauthorised-medicine or adulterated-food ban).",
    )
    COURT_ORDER = "court_order", "A court judgment or order."
    ORDINANCE = "ordinance", "A county or city ordinance."
    REPEAL = "repeal", "An act that repeals an earlier one."
    BILL = "bill", "A bill that is not (yet) law."
    PROPOSED_RULE = "proposed_rule", "A proposed rule."
    NOTICE = "notice", "A notice, such as a notice of intent to schedule."
    INTERNATIONAL_REVIEW = "international_review", "A review by an international body."


#: Bases that can never change the law; events with them must be non-binding.
NON_BINDING_BASES = frozenset({Basis.BILL, Basis.PROPOSED_RULE, Basis.NOTICE, Basis.INTERNATIONAL_REVIEW})


class Instrument(Vocab):
    """The kind of instrument that carries an event."""

    STATUTE = "statute", "Legislation."
    REGULATION = "regulation", "A regulation or rule made by an agency."
    ADMINISTRATIVE = "administrative", "An administrative act, order or enforcement decision."
    COURT = "court", "A court decision."
    ORDINANCE = "ordinance", "A local ordinance."
    INTERNATIONAL = "international", "An international convention, body or review."


class Confidence(Vocab):
    """How sure the coding is."""

    HIGH = "high", "The law itself or an official page was read and is unambiguous."
    MEDIUM = "medium", "A reputable secondary source (news, paper, agency summary) supports it."
    LOW = "low", "Only weak or conflicting sources."


#: The freshness policy: the longest a coded answer may go unverified, by its confidence. A weakly
#: sourced answer is re-checked soonest because it is the likeliest to be wrong or overtaken.
REVIEW_INTERVAL_DAYS: dict[str, int] = {"low": 90, "medium": 180, "high": 365}


def review_due_date(last_verified: dt.date | None, confidence: str | None) -> dt.date | None:
    """When an answer verified on `last_verified` at `confidence` is next due for a look (the policy above);
    None for an uncoded answer, which has no verification to age."""
    if last_verified is None or confidence not in REVIEW_INTERVAL_DAYS:
        return None
    return last_verified + dt.timedelta(days=REVIEW_INTERVAL_DAYS[str(confidence)])


class DatePrecision(Vocab):
    """How precise a date is; month and year dates use the first day of the period."""

    DAY = "day", "The exact day is known."
    MONTH = "month", "Only the month is known; the date is the 1st of that month."
    YEAR = "year", "Only the year is known; the date is 1 January."
    BEFORE = (
        "before",
        "The exact date is unknown; sources show the act was in force by this date, so periods start here.",
    )


class Level(Vocab):
    """Tier of government a jurisdiction sits at."""

    INTERNATIONAL = "international", "International law (UN conventions)."
    COUNTRY = "country", "A country (ISO 3166-1); the US row holds US federal law."
    STATE = "state", "A first-level subdivision: US states, DC and territories, Australian states, provinces."
    COUNTY = "county", "A county or equivalent."
    CITY = "city", "A city, town or other municipality."


class Substance(Vocab):
    """Alkaloids coded apart from the leaf."""

    MITRAGYNINE = "mitragynine", "Mitragynine, the leaf's main alkaloid."
    SEVEN_OH = "seven_oh", "7-hydroxymitragynine (7-OH)."
    ANALOGUES = "analogues", "Mitragynine pseudoindoxyl, MGM-15, MGM-16 and similar analogues."
    SYNTHETIC = "synthetic", "Synthetic or semi-synthetic kratom alkaloids."


class SubstanceRule(Vocab):
    """What the law says about one substance."""

    NONE = "none", "No specific rule."
    LIMIT = "limit", "Allowed up to a numeric threshold."
    SCHEDULED = "scheduled", "Listed in a controlled-substance schedule."
    BANNED = "banned", "Sale or inclusion in products prohibited without scheduling."
    UNKNOWN = "unknown", "Not established."


class ThresholdUnit(Vocab):
    """Units of a numeric substance threshold."""

    PERCENT_OF_ALKALOID_FRACTION = "percent_of_alkaloid_fraction", "Percent of the product's total alkaloid content."
    PERCENT_BY_WEIGHT = "percent_by_weight", "Percent of the product's weight."
    MG_PER_SERVING = "mg_per_serving", "Milligrams per serving."
    MG_PER_PACKAGE = "mg_per_package", "Milligrams per package."


class CitationKind(Vocab):
    """What a cited document is."""

    STATUTE = "statute", "A statute or codified law."
    BILL = "bill", "A bill or session law as enacted or introduced."
    REGULATION = "regulation", "A regulation, rule or register entry."
    GAZETTE = "gazette", "An official gazette publication."
    COURT = "court", "A court decision."
    ORDINANCE = "ordinance", "A local ordinance or municipal code."
    TREATY = "treaty", "An international convention or schedule."
    OFFICIAL_PAGE = "official_page", "A government or intergovernmental web page or report."
    NEWS = "news", "A news report."
    PAPER = "paper", "A scholarly paper or report."
    REFERENCE = "reference", "A reference work (encyclopaedia, legal database)."
    TRACKER = (
        "tracker",
        "A bill tracker or legislative aggregator (LegiScan, BillTrack50, FastDemocracy, Plural): it finds "
        "documents but is not itself evidence of law; corroboration only.",
    )
    ADVOCACY = "advocacy", "An advocacy organisation's page: corroboration only."
    VENDOR = "vendor", "A vendor's page: corroboration only."


#: Kinds that are the law itself: a banned, restricted or regulated status must cite one.
LEGAL_INSTRUMENT_KINDS = frozenset(
    {
        CitationKind.STATUTE,
        CitationKind.BILL,
        CitationKind.REGULATION,
        CitationKind.GAZETTE,
        CitationKind.COURT,
        CitationKind.ORDINANCE,
        CitationKind.TREATY,
    }
)

#: Kinds in order of authority (the order CitationKind lists them): the law itself, then
#: official pages, news, papers, reference works, and advocacy and vendor pages last. Where
#: one source must stand for a status (current_status.citation_url, the CLI, the changelog)
#: it is the most authoritative one that was read.
AUTHORITY_RANK: dict[str, int] = {k.value: i for i, k in enumerate(CitationKind)}


def by_authority(kind: str | None) -> int:
    """Sort key: lower is more authoritative; an unknown kind sorts last."""
    return AUTHORITY_RANK.get(kind or "", len(AUTHORITY_RANK))


#: Kinds that may never alone support high confidence.
WEAK_KINDS = frozenset({CitationKind.TRACKER, CitationKind.ADVOCACY, CitationKind.VENDOR})


class WatchKind(Vocab):
    """What a watch item waits for; its due_date means a different deadline for each kind."""

    PENDING_BILL = "pending_bill", "A bill that is not law yet; due when its legislative session ends."
    TEMPORARY_MEASURE = (
        "temporary_measure",
        "A temporary order or emergency rule; due at its expiry, to record whether it lapsed, was extended or "
        "was replaced.",
    )
    PROPOSED_RULE = "proposed_rule", "A proposed rule or notice of intent; due when its comment period ends."
    COURT_CASE = "court_case", "A pending court case; due on its next expected ruling or hearing."
    ANNOUNCED_LAW = "announced_law", "A law enacted but not yet in force; due on its effective date."
    REPORTED_CHANGE = (
        "reported_change",
        "Credible reports say the law changed but the evidence does not reach the bar to code it; from "
        "reported_date the status is shown as unconfirmed.",
    )
    REVERIFY = "reverify", "A plain re-verify-by date."


class WatchCitationRole(Vocab):
    """Why a watch item cites a document."""

    START = "start", "Where the next look starts (the bill, the order, the report)."
    RESOLUTION = "resolution", "The source for what happened (the lapse, extension, passage or ruling)."


class ClaimDecision(Vocab):
    """What the record did with another source's competing claim."""

    ACCEPTED = "accepted", "The record follows this claim."
    REJECTED = "rejected", "The record does not follow this claim; the reason says why."
    UNRESOLVED = "unresolved", "Sources conflict and the record cannot yet decide."


#: Statuses that assert a law exists and so must cite the law itself.
STATUSES_NEEDING_LAW = frozenset({Status.BANNED, Status.RESTRICTED, Status.REGULATED})

ALL_VOCABS: dict[str, type[Vocab]] = {
    "status": Status,
    "activity": Activity,
    "event_type": EventType,
    "basis": Basis,
    "instrument": Instrument,
    "confidence": Confidence,
    "date_precision": DatePrecision,
    "level": Level,
    "substance": Substance,
    "substance_rule": SubstanceRule,
    "threshold_unit": ThresholdUnit,
    "citation_kind": CitationKind,
    "claim_decision": ClaimDecision,
    "watch_kind": WatchKind,
    "watch_citation_role": WatchCitationRole,
}


#: The coded variables, defined once: every period carries them, in this published column order; every
#: other column of a status period (ids, dates, confidence, precision, provenance) is not a variable.
ACTIVITIES = ("possession", "sale", "manufacture", "import")
FLAGS = ("labeling_required", "registration_required", "testing_required", "local_option")
SUBSTANCE_FIELDS = ("rule", "schedule", "threshold_value", "threshold_unit")
#: Every coded variable of a period, in published column order.
VARIABLES: tuple[str, ...] = (
    "status",
    *ACTIVITIES,
    "min_age",
    *FLAGS,
    *(f"{s.value}_{f}" for s in Substance for f in SUBSTANCE_FIELDS),
)

#: The one rule for the day a command answers about, stated in every --as-of help (api.day_for applies it).
AS_OF_HELP = (
    "The day to describe (YYYY-MM-DD); default: the data's as-of date, the last day the records were "
    "checked. A day after it, or before the earliest recorded law, is answered with a warning."
)
