"""The field dictionary and table definitions of the published package.

One definition per column name, reused by every table that has the column; the
Frictionless descriptor, the loader's dtypes, the README data dictionary and the
codebook are all generated from here.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field

from kratom_regs.vocab import (
    FLAGS,
    VARIABLES,
    Activity,
    Basis,
    CitationKind,
    ClaimDecision,
    Confidence,
    DatePrecision,
    EventType,
    Instrument,
    Level,
    Status,
    Substance,
    SubstanceRule,
    ThresholdUnit,
    Vocab,
    WatchCitationRole,
    WatchKind,
)


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # frictionless type: string, integer, number, boolean, date
    description: str
    vocab: builtins.type[Vocab] | None = None  # `type` is a field name here

    def descriptor(self, required: bool = False, unique: bool = False) -> dict[str, object]:
        d: dict[str, object] = {"name": self.name, "type": self.type, "description": self.description}
        constraints: dict[str, object] = {}
        if self.vocab is not None:
            constraints["enum"] = self.vocab.values()
        if required:
            constraints["required"] = True
        if unique:
            constraints["unique"] = True
        if constraints:
            d["constraints"] = constraints
        return d


_F: list[Field] = [
    Field(
        "jurisdiction_id",
        "string",
        "ISO 3166-1 alpha-2 (TH), ISO 3166-2 (US-AL) or <subdivision>-<slug> for a "
        "county or city; XX-UN is the international level.",
    ),
    Field("name", "string", "The jurisdiction's English name (ISO 3166 for countries and subdivisions)."),
    Field("level", "string", "Tier of government.", Level),
    Field("parent_id", "string", "The jurisdiction one tier up (a state's country, a city's state)."),
    Field("subdivision_type", "string", "ISO 3166-2 category of a subdivision (state, district, territory, ...)."),
    Field(
        "region",
        "string",
        "UN M49 region (Africa, Americas, Asia, Europe, Oceania); a subdivision or city takes "
        "its country's, a US territory its own. Empty for the international level.",
    ),
    Field("subregion", "string", "UN M49 subregion (e.g. South-eastern Asia, Western Europe, Caribbean)."),
    Field("aliases", "string", "Other names and codes that resolve to this jurisdiction, separated by '|'."),
    Field("has_record", "boolean", "Whether anyone has researched this jurisdiction (a record file exists)."),
    Field("notes", "string", "Caveats and conflicts between sources, in plain words."),
    Field("event_id", "string", "Stable id of a legal event."),
    Field("event_type", "string", "What kind of legal action the event is.", EventType),
    Field(
        "is_binding",
        "boolean",
        "True for law in force when effective; false for bills, proposed rules, notices "
        "and reviews, which never set a status.",
    ),
    Field("basis", "string", "The legal basis of the event.", Basis),
    Field("instrument", "string", "The kind of instrument carrying the event.", Instrument),
    Field("official_citation", "string", "The law's own identifier: act, bill, code section, register or gazette."),
    Field("title", "string", "A short headline."),
    Field("summary", "string", "What the event does, in plain language."),
    Field("enacted_date", "date", "When the act was signed, made or published."),
    Field("enacted_date_precision", "string", "Precision of enacted_date.", DatePrecision),
    Field("effective_date", "date", "When the act took effect; this drives status periods."),
    Field("effective_date_precision", "string", "Precision of effective_date.", DatePrecision),
    Field("expires_date", "date", "When a temporary order or emergency rule lapses."),
    Field("confidence", "string", "How sure the coding is.", Confidence),
    Field("confidence_reason", "string", "Why the confidence is what it is."),
    Field("last_verified_date", "date", "The last day someone checked this against its sources."),
    Field("substance", "string", "An alkaloid coded apart from the leaf.", Substance),
    Field("rule", "string", "What the law says about the substance.", SubstanceRule),
    Field("schedule", "string", "The schedule or list the substance is placed in."),
    Field(
        "threshold_value",
        "number",
        "Numeric threshold: the most allowed under a 'limit' rule, or the level "
        "above which a 'scheduled' or 'banned' rule applies; empty when there is none or it is not known.",
    ),
    Field("threshold_unit", "string", "Unit of threshold_value.", ThresholdUnit),
    Field("citation_id", "string", "Stable id of a cited document."),
    Field("kind", "string", "What the cited document is.", CitationKind),
    Field("is_legal_instrument", "boolean", "Whether the document is the law itself."),
    Field("publisher", "string", "Who published the document."),
    Field("url", "string", "Where the document was read (http or https)."),
    Field("accessed_date", "date", "When the document was read; empty for a law identified through another source."),
    Field("published_date", "date", "When the document was published."),
    Field("language", "string", "ISO 639-1 language of the document."),
    Field("verification_id", "string", "Stable id of a verification."),
    Field("verified_date", "date", "When the search was made."),
    Field("searched", "string", "What was searched, and for which terms."),
    Field("finding", "string", "What the search found."),
    Field("claim_id", "string", "Stable id of a competing claim."),
    Field("claim", "string", "What another source says."),
    Field("decision", "string", "What the record did with the claim.", ClaimDecision),
    Field("reason", "string", "Why."),
    Field("period_id", "string", "<jurisdiction_id>:<valid_from>, or :start for the period before the first event."),
    Field("valid_from", "date", "First day of the period; empty means since before the first recorded event."),
    Field(
        "valid_from_precision",
        "string",
        "Precision of valid_from: that of the effective date of the event that "
        "starts the period (the least precise when several start it; an expiry is a day). Write the date no "
        "more precisely than this: a 'year' valid_from of 2012-01-01 means 'in 2012'.",
        DatePrecision,
    ),
    Field("valid_to", "date", "Day after the period's last day; empty means still in force."),
    Field("valid_to_precision", "string", "Precision of valid_to: that of the next period's start.", DatePrecision),
    Field("is_current", "boolean", "Whether the period contains the package's as-of date."),
    Field("start_event_id", "string", "The event whose taking effect (or expiry) started the period."),
    Field(
        "status_event_id",
        "string",
        "The binding event in force that set the headline status (the law to name for it); empty when the "
        "status is a verified baseline ('no control found') or unknown. May differ from start_event_id: a later "
        "alkaloid rule starts a period without changing the status.",
    ),
    Field(
        "status_since",
        "date",
        "Since when the status has stood under status_event_id: the start of the run of consecutive periods "
        "sharing both. Empty means since before the first recorded law. Write it as status_since_precision says.",
    ),
    Field(
        "status_since_precision",
        "string",
        "Precision of status_since (day, month, year, or before: in force by that date).",
        DatePrecision,
    ),
    Field("citation_url", "string", "URL of the first read source behind the current status."),
    Field(
        "is_unconfirmed",
        "boolean",
        "True when no source confirms the coded values from valid_from on: a "
        "temporary measure expired with nothing recorded about what followed, or a reported change is "
        "unresolved. The values shown are the last confirmed coding, not a finding.",
    ),
    Field("unconfirmed_reason", "string", "Why the period is unconfirmed (the event or watch item and its date)."),
    Field(
        "next_review_date",
        "date",
        "When the row is next due for a look: the earlier of the freshness policy "
        "(last_verified_date + 90 days at low, 180 at medium, 365 at high confidence) and the next deadline of "
        "an open watch item.",
    ),
    Field("watch_id", "string", "Stable id of a watch item."),
    Field("watch_kind", "string", "What the watch item waits for.", WatchKind),
    Field("subject", "string", "What is being watched, in plain words."),
    Field(
        "due_date",
        "date",
        "The deadline: session end, expiry, comment-period end, hearing, effective date or "
        "re-verify-by date, depending on watch_kind.",
    ),
    Field("opened_date", "date", "When the watch item was opened."),
    Field("reported_date", "date", "reported_change: the day from which credible reports say the law changed."),
    Field("can_be_extended", "boolean", "temporary_measure: whether the issuing body may extend it."),
    Field("resolved_date", "date", "When someone recorded what happened; empty while the item is open."),
    Field(
        "resolution",
        "string",
        "What happened (lapsed, extended, replaced, passed, died, ruled), with its source in watch_item_citations.",
    ),
    Field("is_open", "boolean", "Whether the watch item still waits for a look."),
    Field("role", "string", "Why the watch item cites the document.", WatchCitationRole),
    Field("status", "string", "Legal status of the kratom leaf and its products.", Status),
    Field("min_age", "integer", "Minimum age to buy, in years; empty where none is set."),
    Field("labeling_required", "boolean", "Whether kratom-specific labelling is required."),
    Field("registration_required", "boolean", "Whether products or sellers must register."),
    Field("testing_required", "boolean", "Whether products must be tested."),
    Field("local_option", "boolean", "Whether localities may restrict kratom further."),
]
for _a in ("possession", "sale", "manufacture", "import"):
    _F.append(Field(_a, "string", f"Whether {_a} of kratom is allowed.", Activity))
for _s in Substance:
    _F += [
        Field(f"{_s.value}_rule", "string", f"Rule for {_s.definition.rstrip('.')}.", SubstanceRule),  # type: ignore[attr-defined]
        Field(f"{_s.value}_schedule", "string", f"Schedule or list of {_s.value}, when scheduled."),
        Field(f"{_s.value}_threshold_value", "number", f"Numeric limit for {_s.value}."),
        Field(f"{_s.value}_threshold_unit", "string", f"Unit of {_s.value}_threshold_value.", ThresholdUnit),
    ]
for _v in ("status", "possession", "sale", "manufacture", "import", "min_age", *FLAGS):
    _base = next(f for f in _F if f.name == _v)
    _F.append(Field(f"sets_{_v}", _base.type, f"Value of {_v} this event sets (empty: unchanged).", _base.vocab))

_F.append(
    Field("clears", "string", "Variables the event makes empty again (e.g. a ban ends an age limit), separated by '|'.")
)
FIELDS: dict[str, Field] = {f.name: f for f in _F}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[str, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...] = ()
    required: tuple[str, ...] = field(default=())

    def descriptor(self) -> dict[str, object]:
        fields = [
            FIELDS[c].descriptor(
                required=c in self.required or c in self.primary_key, unique=(self.primary_key == (c,))
            )
            for c in self.columns
        ]
        schema: dict[str, object] = {"fields": fields, "primaryKey": list(self.primary_key)}
        if self.foreign_keys:
            schema["foreignKeys"] = [
                {"fields": list(src), "reference": {"resource": ref if ref != self.name else "", "fields": list(dst)}}
                for src, ref, dst in self.foreign_keys
            ]
        return schema


J = (("jurisdiction_id",), "jurisdictions", ("jurisdiction_id",))
E = (("event_id",), "events", ("event_id",))
C = (("citation_id",), "citations", ("citation_id",))
P = (("period_id",), "status_periods", ("period_id",))
V = (("verification_id",), "verifications", ("verification_id",))

EVENT_COLUMNS = (
    "event_id",
    "jurisdiction_id",
    "event_type",
    "is_binding",
    "basis",
    "instrument",
    "official_citation",
    "title",
    "summary",
    "enacted_date",
    "enacted_date_precision",
    "effective_date",
    "effective_date_precision",
    "expires_date",
    *(f"sets_{v}" for v in ("status", "possession", "sale", "manufacture", "import", "min_age", *FLAGS)),
    "clears",
    "confidence",
    "confidence_reason",
    "last_verified_date",
    "notes",
)
PERIOD_VARIABLES = VARIABLES

TABLES: tuple[Table, ...] = (
    Table(
        "jurisdictions",
        "Jurisdictions",
        "Every country, US state, DC and territory, the international level, and "
        "every researched subdivision, county and city.",
        (
            "jurisdiction_id",
            "name",
            "level",
            "parent_id",
            "subdivision_type",
            "region",
            "subregion",
            "aliases",
            "has_record",
            "notes",
        ),
        ("jurisdiction_id",),
        ((("parent_id",), "jurisdictions", ("jurisdiction_id",)),),
        ("name", "level", "has_record"),
    ),
    Table(
        "current_status",
        "Current status",
        "One row per jurisdiction: the status period that contains the package's as-of date. What most readers want.",
        (
            "jurisdiction_id",
            "name",
            "level",
            "parent_id",
            "period_id",
            "valid_from",
            "valid_from_precision",
            *PERIOD_VARIABLES,
            "confidence",
            "last_verified_date",
            "is_unconfirmed",
            "unconfirmed_reason",
            "next_review_date",
            "start_event_id",
            "status_event_id",
            "status_since",
            "status_since_precision",
            "official_citation",
            "citation_url",
        ),
        ("jurisdiction_id",),
        (J, P, (("start_event_id",), "events", ("event_id",)), (("status_event_id",), "events", ("event_id",))),
        ("name", "level", "period_id", "status", "is_unconfirmed"),
    ),
    Table(
        "status_periods",
        "Status periods",
        "Full history in long format: consecutive, non-overlapping periods "
        "[valid_from, valid_to) with the coded variables in force, derived from binding events.",
        (
            "period_id",
            "jurisdiction_id",
            "valid_from",
            "valid_from_precision",
            "valid_to",
            "valid_to_precision",
            "is_current",
            *PERIOD_VARIABLES,
            "confidence",
            "last_verified_date",
            "is_unconfirmed",
            "unconfirmed_reason",
            "start_event_id",
            "status_event_id",
            "status_since",
            "status_since_precision",
        ),
        ("period_id",),
        (J, (("start_event_id",), "events", ("event_id",)), (("status_event_id",), "events", ("event_id",))),
        ("jurisdiction_id", "is_current", "status", "is_unconfirmed"),
    ),
    Table(
        "events",
        "Legal events",
        "Every dated legal action: binding law, and tracked bills, proposed rules and reviews (is_binding false).",
        EVENT_COLUMNS,
        ("event_id",),
        (J,),
        (
            "jurisdiction_id",
            "event_type",
            "is_binding",
            "basis",
            "instrument",
            "official_citation",
            "title",
            "summary",
            "confidence",
            "last_verified_date",
        ),
    ),
    Table(
        "event_substances",
        "Alkaloid rules",
        "The rule each event sets for mitragynine, 7-OH, analogues and synthetic alkaloids.",
        ("event_id", "substance", "rule", "schedule", "threshold_value", "threshold_unit"),
        ("event_id", "substance"),
        (E,),
        ("rule",),
    ),
    Table(
        "citations",
        "Citations",
        "Every cited document: the law itself and the sources read.",
        (
            "citation_id",
            "kind",
            "is_legal_instrument",
            "title",
            "publisher",
            "url",
            "accessed_date",
            "published_date",
            "language",
            "notes",
        ),
        ("citation_id",),
        (),
        ("kind", "is_legal_instrument", "title"),
    ),
    Table(
        "event_citations",
        "Event citations",
        "Which documents each event cites.",
        ("event_id", "citation_id"),
        ("event_id", "citation_id"),
        (E, C),
    ),
    Table(
        "verifications",
        "Verifications",
        "Searches that found the listed events to be all the kratom law in a "
        "jurisdiction (what turns unknown into legal).",
        (
            "verification_id",
            "jurisdiction_id",
            "verified_date",
            "searched",
            "finding",
            "confidence",
            "confidence_reason",
        ),
        ("verification_id",),
        (J,),
        ("jurisdiction_id", "verified_date", "searched", "finding", "confidence"),
    ),
    Table(
        "verification_citations",
        "Verification citations",
        "Which documents each verification cites.",
        ("verification_id", "citation_id"),
        ("verification_id", "citation_id"),
        (V, C),
    ),
    Table(
        "claims",
        "Competing claims",
        "What other sources say that the record does not follow, and why.",
        ("claim_id", "jurisdiction_id", "citation_id", "claim", "decision", "reason"),
        ("claim_id",),
        (J, C),
        ("claim", "decision", "reason"),
    ),
    Table(
        "watch_items",
        "Watch items",
        "What will go stale, and by when: pending bills, temporary measures, "
        "proposed rules, court cases, announced laws, reported changes and re-verify dates, open or resolved. "
        "`kratom-regs due` lists the open ones that need a look.",
        (
            "watch_id",
            "jurisdiction_id",
            "watch_kind",
            "subject",
            "due_date",
            "opened_date",
            "event_id",
            "reported_date",
            "can_be_extended",
            "is_open",
            "resolved_date",
            "resolution",
            "notes",
        ),
        ("watch_id",),
        (J, E),
        ("jurisdiction_id", "watch_kind", "subject", "due_date", "opened_date", "is_open"),
    ),
    Table(
        "watch_item_citations",
        "Watch item citations",
        "The documents each watch item starts from (role start) and the source of its resolution (role resolution).",
        ("watch_id", "citation_id", "role"),
        ("watch_id", "citation_id", "role"),
        ((("watch_id",), "watch_items", ("watch_id",)), C),
    ),
    Table(
        "status_period_citations",
        "Status period citations",
        "The documents behind each status period.",
        ("period_id", "citation_id"),
        ("period_id", "citation_id"),
        (P, C),
    ),
    Table(
        "status_period_events",
        "Status period events",
        "The binding events in force during each period.",
        ("period_id", "event_id"),
        ("period_id", "event_id"),
        (P, E),
    ),
)
TABLES_BY_NAME = {t.name: t for t in TABLES}
