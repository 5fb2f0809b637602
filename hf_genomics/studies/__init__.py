"""The experiments that use everything below them: the coding-schemes study (:mod:`.coding_schemes`),
the human-genes study (:mod:`.genes`) and the viral scaling ladder (:mod:`.viral_scaling`); one
report helper (:mod:`.report`). Names are imported lazily."""

from __future__ import annotations

from hf_genomics._lazy import lazy_exports

_LAZY_NAMES: dict[str, str] = {
    "StudyPreset": "hf_genomics.studies.coding_schemes",
}

__all__ = list(_LAZY_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _LAZY_NAMES)
