"""The hybrid logical clock and the wire forms both sides share."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sync.hlc import Hlc, HlcClock
from sync.protocol import ENTITIES, entity_id_of, format_time, key_of

nodes = st.from_regex(r"[0-9a-z-]{1,36}", fullmatch=True)
values = st.builds(Hlc, st.integers(0, 10**13 - 1), st.integers(0, 99_999), nodes)


@given(values, values)
def test_the_text_form_sorts_exactly_like_the_values(a, b):
    assert Hlc.parse(str(a)) == a
    assert (str(a) < str(b)) == (a < b)


def test_a_clock_never_goes_backwards_even_when_the_wall_clock_does():
    wall = [5_000]
    clock = HlcClock("dev", now_ms=lambda: wall[0])
    first = clock.now()
    wall[0] = 1_000  # the device's clock was set back
    second = clock.now()
    assert second > first and second.ms == first.ms


def test_a_slow_clock_that_has_seen_a_later_value_issues_values_after_it():
    clock = HlcClock("slow", now_ms=lambda: 1_000)
    seen = Hlc(9_000_000, 3, "server")
    clock.observe(seen)
    assert clock.now() > seen


def test_malformed_values_are_refused():
    for text in ("", "123", "1764641432546-0-dev", "1764641432546-00000-", "x" * 40):
        try:
            Hlc.parse(text)
        except ValueError:
            continue
        raise AssertionError(f"accepted {text!r}")


@given(st.sampled_from(ENTITIES), st.lists(st.from_regex(r"[0-9A-Za-z-]{1,20}", fullmatch=True), min_size=3,
                                           max_size=3))
def test_entity_ids_round_trip_through_their_keys(entity, parts):
    fields = {"id": parts[0], "inspection_id": parts[0], "item_id": parts[1], "sha256": parts[2],
              "owner_kind": "answer", "owner_id": f"{parts[0]}/{parts[1]}", "photo_sha256": parts[2]}
    entity_id = entity_id_of(entity, fields)
    assert entity_id_of(entity, {**fields, **key_of(entity, entity_id)}) == entity_id


def test_times_travel_as_utc_with_milliseconds():
    from datetime import datetime, timedelta, timezone

    moment = datetime(2026, 11, 29, 17, 46, 42, 123456, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(moment) == "2026-11-29T09:46:42.123Z"
