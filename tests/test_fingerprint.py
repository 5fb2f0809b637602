"""One settings fingerprint (issue 21 item 3) for seeds, study cells and pretraining runs; it hashes
what the two former functions hashed, so fingerprints recorded in committed results stay valid."""

from __future__ import annotations

import hashlib
import json

from hypothesis import given
from hypothesis import strategies as st

from hf_genomics.fingerprint import settings_fingerprint
from hf_genomics.studies.coding_schemes import settings_key

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=10,
)


@given(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
def test_equals_both_former_hashes_on_json_settings(settings):
    text_list = json.dumps(settings, sort_keys=True, default=list)
    text_str = json.dumps(settings, sort_keys=True, default=str)
    assert settings_fingerprint(settings) == hashlib.sha256(text_list.encode()).hexdigest()[:16]
    assert settings_fingerprint(settings) == hashlib.sha256(text_str.encode()).hexdigest()[:16]
    assert settings_key(settings) == settings_fingerprint(settings)


def test_key_order_and_set_order_do_not_matter():
    assert settings_fingerprint({"a": 1, "b": {3, 1, 2}}) == settings_fingerprint({"b": {2, 3, 1}, "a": 1})
    assert settings_fingerprint({"a": 1}) != settings_fingerprint({"a": 2})
