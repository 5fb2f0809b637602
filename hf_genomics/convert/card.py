"""The model card of a converted checkpoint: where it came from, its licence, what was converted."""

from __future__ import annotations

from pathlib import Path

from hf_genomics.convert.base import ConvertedCheckpoint


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
    if converted.parity:
        body += ["", f"Parity with the original implementation: {converted.parity}."]
    if converted.license:
        body += ["", f"Licence: {converted.license}, as the original checkpoint."]
    path = out / "README.md"
    path.write_text("\n".join(front + [""] + body) + "\n")
    return path
