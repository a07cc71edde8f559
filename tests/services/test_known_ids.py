"""Names resolved to ids a column at a time: the new ones found, the known ones looked up."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from revbridge.services.known_ids import KnownIds

names = st.text(alphabet="abc@.", max_size=4)


def test_unknown_lists_each_new_non_empty_name_once() -> None:
    known = KnownIds()
    known.update({"a@x.com": 1})
    assert sorted(known.unknown(pa.array(["a@x.com", "b@x.com", None, "", "b@x.com"]))) == ["b@x.com"]


@given(st.dictionaries(names, st.integers(1, 10**9)), st.lists(st.one_of(st.none(), names)))
def test_lookup_agrees_with_a_dict(mapping: dict[str, int], values: list[str | None]) -> None:
    known = KnownIds()
    known.update(mapping)
    column = pa.chunked_array([pa.array(values, pa.string())])
    assert known.lookup(column).to_pylist() == [mapping.get(v) if v is not None else None for v in values]
    expected_new = {v for v in values if v and v not in mapping}
    assert sorted(known.unknown(column)) == sorted(expected_new)


def test_lookup_sees_names_added_after_the_first_lookup() -> None:
    known = KnownIds()
    assert known.lookup(pa.array(["a"])).to_pylist() == [None]
    known.update({"a": 7})
    assert known.lookup(pa.array(["a"])).to_pylist() == [7]


def test_a_batch_much_smaller_than_what_is_known_gets_the_same_answers_from_the_dict() -> None:
    known = KnownIds()
    known.update({f"p{i}@x.com": i for i in range(100)})
    small = pa.chunked_array([pa.array(["p3@x.com", None, "new@x.com", "p99@x.com", ""], pa.string())])
    large = pa.chunked_array([pa.array([f"p{i}@x.com" for i in range(200)], pa.string())])
    assert known.lookup(small).to_pylist() == [3, None, None, 99, None]
    assert known.unknown(small) == ["new@x.com"]
    assert known.lookup(large).to_pylist() == [*range(100), *([None] * 100)]
    assert sorted(known.unknown(large)) == sorted(f"p{i}@x.com" for i in range(100, 200))
