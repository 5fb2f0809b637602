"""The model card of a converted checkpoint: where it came from, its licence, what was converted."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from hf_genomics.convert.base import ConvertedCheckpoint


def summarize_names(names: list[str], limit: int = 12) -> list[str]:
    """Tensor names with layer indices folded (``encoder.layer.*.x (x12)``), for a short listing."""
    folded = Counter(re.sub(r"\.\d+\.", ".*.", name) for name in names)
    lines = [f"{name} (x{count})" if count > 1 else name for name, count in sorted(folded.items())]
    return lines if len(lines) <= limit else lines[:limit] + [f"... and {len(lines) - limit} more"]


def write_conversion_card(out: Path, converted: ConvertedCheckpoint) -> Path:
    """Write ``README.md`` with ``base_model:`` the original id and the original licence."""
    front = ["---", "library_name: transformers", "tags:", "- hf-genomics", "- dna"]
    if converted.original_id:
        front.append(f"base_model: {converted.original_id}")
    if converted.license:
        front.append(f"license: {converted.license}")
    front.append("---")
    source = converted.original_id or "a local checkpoint"
    body = [
        f"# {converted.family} (native hf-genomics conversion)",
        "",
        f"Converted from {source} by `hf-genomics convert`: a native transformers model that loads "
        "with `import hf_genomics` and the Auto classes, on CPU or GPU, and with "
        "`trust_remote_code=True` where hf-genomics is not installed.",
        "",
        *(f"- {note}" for note in converted.notes),
    ]
    if converted.dropped:
        body += [
            "",
            f"Not carried over from the original checkpoint ({len(converted.dropped)} tensors): "
            + "; ".join(f"`{line}`" for line in summarize_names(converted.dropped, limit=40))
            + ".",
        ]
    if converted.parity:
        body += ["", f"Parity with the original implementation: {converted.parity}."]
    if converted.license:
        body += ["", f"Licence: {converted.license}, as the original checkpoint."]
    path = out / "README.md"
    path.write_text("\n".join(front + [""] + body) + "\n")
    return path
