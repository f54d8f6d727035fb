"""JSON Schemas of the static API's documents, generated from the package's own table schemas.

A program reading api/v1 should be able to trust types without reading our code: every column keeps the
type its table schema declares (a boolean is a JSON boolean, a number a JSON number, a date ISO text), and
the tests validate every published document against these schemas.
"""

from __future__ import annotations

from typing import Any

from kratom_regs.loader import Package

DRAFT = "https://json-schema.org/draft/2020-12/schema"
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number", "boolean": "boolean", "date": "string"}


def _column(field: dict[str, Any]) -> dict[str, Any]:
    """A nullable JSON Schema for one table column (an empty CSV cell is null)."""
    out: dict[str, Any] = {"type": [_JSON_TYPES.get(str(field.get("type")), "string"), "null"]}
    if field.get("type") == "date":
        out["format"] = "date"
    enum = (field.get("constraints") or {}).get("enum")
    if enum:
        out["enum"] = [*enum, None]
    if field.get("description"):
        out["description"] = field["description"]
    return out


def _object(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(props) if required is None else required,
        "additionalProperties": False,
    }


def _columns(pkg: Package, table: str, skip: set[str] = frozenset()) -> dict[str, Any]:  # type: ignore[assignment]
    return {f["name"]: _column(f) for f in pkg.resource(table)["schema"]["fields"] if f["name"] not in skip}


def _nullable_string() -> dict[str, Any]:
    return {"type": ["string", "null"]}


def citation_schema() -> dict[str, Any]:
    return _object(
        {
            "citation_id": {"type": "string"},
            "kind": {"type": "string"},
            "title": {"type": "string"},
            "publisher": _nullable_string(),
            "url": _nullable_string(),
            "accessed_date": {"type": ["string", "null"], "format": "date"},
            "is_legal_instrument": {"type": "boolean"},
        }
    )


def period_schema(pkg: Package) -> dict[str, Any]:
    props = _columns(pkg, "status_periods", {"jurisdiction_id", "is_current"})
    # null in releases from before the columns (the API falls back to the period start for status_since)
    for key in (
        "valid_from_precision",
        "valid_to_precision",
        "status_event_id",
        "status_since",
        "status_since_precision",
    ):
        props.setdefault(key, _nullable_string())
    # null in releases from before the freshness columns (the API answers them for every release)
    props.setdefault("is_unconfirmed", {"type": ["boolean", "null"]})
    props.setdefault("unconfirmed_reason", _nullable_string())
    law = _object(
        {
            k: _nullable_string()
            for k in (
                "event_id",
                "title",
                "official_citation",
                "enacted_date",
                "enacted_date_precision",
                "effective_date",
                "effective_date_precision",
                "expires_date",
                "confidence",
            )
        }
    )
    props.update(
        {
            "law": {"anyOf": [law, {"type": "null"}], "description": "The event that set the status."},
            "period_started_by": {
                "anyOf": [law, {"type": "null"}],
                "description": "The event that started this period when it is not the status's law.",
            },
            "citations": {
                "type": "array",
                "items": {"$ref": "#/$defs/citation"},
                "description": "In the one source order: the first is the source shown for the status.",
            },
            "citation_url": {"type": ["string", "null"], "description": "URL of the first source, when it was read."},
        }
    )
    return _object(props)


def jurisdiction_schema(pkg: Package) -> dict[str, Any]:
    """api/v1/j/<id>.json"""
    status_props = {
        "jurisdiction_id": {"type": "string"},
        "name": {"type": "string"},
        "level": {"type": "string"},
        "parent_id": _nullable_string(),
        "as_of": {"type": "string", "format": "date"},
        "as_of_warning": {"type": ["string", "null"], "description": "Why the day is outside the data's range."},
        "notes": _nullable_string(),
    }
    period = period_schema(pkg)
    freshness = {
        "next_review_date": {
            "type": ["string", "null"],
            "format": "date",
            "description": "When this status is next due for review.",
        },
        "verified_days_before_as_of": {
            "type": ["integer", "null"],
            "description": "Days from the last verification to the data's as-of date.",
        },
    }
    current = _object({**status_props, **period["properties"], **freshness})
    event = _object(
        {
            **_columns(pkg, "events", {"jurisdiction_id"}),
            "citations": {"type": "array", "items": {"$ref": "#/$defs/citation"}},
        }
    )
    applicable = _object(
        {
            k: ({"type": "string"} if k != "valid_from" else _nullable_string())
            for k in ("jurisdiction_id", "name", "level", "status", "valid_from")
        }
        | {"valid_from_precision": _nullable_string(), "confidence": _nullable_string()}
    )
    return {
        "$schema": DRAFT,
        "$id": "jurisdiction.schema.json",
        "title": "kratom-regs API v1: one jurisdiction",
        **_meta_object(
            {
                "jurisdiction_id": {"type": "string"},
                "name": {"type": "string"},
                "level": {"type": "string"},
                "parent_id": _nullable_string(),
                "aliases": {"type": "array", "items": {"type": "string"}},
                "current": {"$ref": "#/$defs/current"},
                "applicable": {"type": "array", "items": applicable},
                "periods": {"type": "array", "items": {"$ref": "#/$defs/period"}},
                "events": {"type": "array", "items": event},
                "citations": {"type": "array", "items": {"$ref": "#/$defs/citation"}},
            }
        ),
        "$defs": {"citation": citation_schema(), "period": period, "current": current},
    }


def index_schema() -> dict[str, Any]:
    """api/v1/index.json"""
    row = _object(
        {
            "jurisdiction_id": {"type": "string"},
            "name": {"type": "string"},
            "level": {"type": "string"},
            "parent_id": _nullable_string(),
            "status": {"type": "string"},
            "valid_from": _nullable_string(),
            "valid_from_precision": _nullable_string(),
            "status_since": _nullable_string(),
            "status_since_precision": _nullable_string(),
            "confidence": _nullable_string(),
            "last_verified_date": _nullable_string(),
            "citation_url": _nullable_string(),
            "json": {"type": "string"},
            "html": {"type": "string"},
        }
    )
    return {
        "$schema": DRAFT,
        "$id": "index.schema.json",
        "title": "kratom-regs API v1: every jurisdiction",
        **_meta_object(
            {
                "count": {"type": "integer"},
                "jurisdictions": {"type": "array", "items": row},
                "schemas": {"type": "object"},
                "releases": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "description": "Other releases' API, version -> path of its index.",
                },
            }
        ),
    }


def _meta_object(props: dict[str, Any]) -> dict[str, Any]:
    meta = {
        "api_version": {"const": "v1"},
        "name": _nullable_string(),
        "version": {"type": "string"},
        "as_of": {"type": "string", "format": "date"},
        "licenses": {"type": ["array", "null"]},
        "citation": _nullable_string(),
        "note": {"type": "string"},
    }
    return _object({**meta, **props})
