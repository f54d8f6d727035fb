from __future__ import annotations

import pytest
from pydantic import ValidationError

from kratom_regs.records.models import Citation, Event, JurisdictionRecord
from kratom_regs.vocab import ALL_VOCABS, Status
from tests.conftest import CITATIONS, event


def test_valid_event_parses() -> None:
    e = Event.model_validate(event("us-al-x", "2016-05-10"))
    assert e.sets.status is Status.BANNED
    assert e.effective_date_precision == "day"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "Extra inputs"),
        ({"event_type": "ban"}, "Input should be"),
        ({"effective_date": "2016-02-30"}, "date"),
        ({"effective_date": "2016-05-10", "effective_date_precision": "month"}, "1st of the month"),
        ({"enacted_date": "2016-06-01"}, "before enacted_date"),
        ({"expires_date": "2016-05-10"}, "expires_date must be after"),
        ({"citation_ids": []}, "at least 1"),
        ({"is_binding": False}, "sets nothing"),
        ({"basis": "bill"}, "is_binding must be false"),
        ({"effective_date": None}, "needs an effective_date"),
        ({"event_id": "../etc/passwd"}, "pattern"),
        ({"clears": ["status"]}, "Input should be"),
        ({"clears": ["min_age"], "sets": {"status": "banned", "min_age": 18}}, "both set and clear"),
        ({"substances": [{"substance": "seven_oh", "rule": "limit", "threshold_value": 2}]}, "go together"),
    ],
)
def test_bad_event_is_rejected(change: dict, message: str) -> None:
    data = event("us-al-x", "2016-05-10")
    data.update(change)
    with pytest.raises(ValidationError, match=message):
        Event.model_validate(data)


def test_coarse_dates_compare_at_their_precision() -> None:
    data = event(
        "us-nv-x",
        "2019-01-01",
        effective_date_precision="year",
        enacted_date="2019-06-01",
        enacted_date_precision="month",
    )
    assert Event.model_validate(data).effective_date.year == 2019


def test_tracked_event_may_omit_dates_and_precision() -> None:
    e = Event.model_validate(
        event(
            "us-al-bill",
            None,
            is_binding=False,
            basis="bill",
            sets={},
            effective_date_precision="day",
            enacted_date_precision="day",
        )
    )
    assert e.effective_date_precision is None


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a", "https://a b.org"])
def test_citation_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError, match="http"):
        Citation.model_validate({**CITATIONS["test-law"], "url": url})


def test_two_addresses_run_together_are_refused_but_archive_urls_pass() -> None:
    with pytest.raises(ValidationError, match="two addresses"):
        Citation.model_validate({**CITATIONS["test-law"], "url": "https://a.org/p.html?lng=enhttps://b.org/x"})
    for ok in (
        "https://web.archive.org/web/20180527225047/https://en.wikipedia.org/wiki/Kratom",
        "https://example.org/redirect?to=https://b.org/x",
    ):
        assert Citation.model_validate({**CITATIONS["test-law"], "url": ok}).url == ok


def test_record_rejects_unknown_top_level_key() -> None:
    with pytest.raises(ValidationError, match="Extra inputs"):
        JurisdictionRecord.model_validate({"jurisdiction_id": "TH", "status": "legal"})


def test_vocabularies_have_definitions() -> None:
    for name, vocab in ALL_VOCABS.items():
        for value, definition in vocab.describe().items():
            assert definition, f"{name}.{value} has no definition"
