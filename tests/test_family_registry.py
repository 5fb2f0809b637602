"""One family registry (issue 21 item 3): registration, lazy exports and every saved folder's
``auto_map`` come from ``hf_genomics.models.families``; each modeling file's ``AUTO_MAP`` (what
remote code needs without the package) is checked against it here, so they cannot drift."""

from __future__ import annotations

import importlib

import pytest

import hf_genomics
from hf_genomics import _registration, models
from hf_genomics.models.families import FAMILIES, public_model_names


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.model_type)
def test_modeling_auto_map_matches_the_registry(family):
    stem = next(iter(family.models.values())).partition(".")[0]
    modeling = importlib.import_module(f"{family.package}.{stem}")
    assert family.auto_map() == modeling.AUTO_MAP
    config_class = getattr(
        importlib.import_module(family.dotted(family.config).rpartition(".")[0]), family.config.split(".")[1]
    )
    assert config_class.model_type == family.model_type
    for auto_name, ref in family.models.items():
        model_class = getattr(modeling, ref.split(".")[1])
        assert model_class.config_class is config_class, (auto_name, ref)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.model_type)
def test_family_package_exports_what_the_registry_lists(family):
    package = importlib.import_module(family.package)
    assert set(package.__all__) == set(family.exports())
    for name in package.__all__:
        assert getattr(package, name) is getattr(importlib.import_module(family.exports()[name]), name)


def test_registration_and_public_names_are_derived():
    assert set(_registration.MODEL_FAMILIES) == {f.model_type for f in FAMILIES}
    for name, module in public_model_names().items():
        assert hf_genomics._LAZY_NAMES[name] == module and models._LAZY_NAMES[name] == module
