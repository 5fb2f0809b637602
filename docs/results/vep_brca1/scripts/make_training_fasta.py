"""The training sequence of the BRCA1 zero-shot models: the locus FASTA minus BRCA1 +- 50 kb, no labels.

BRCA1 spans GRCh38 chr17:43,044,295-43,125,483; the assayed SNVs lie in 43,063,864-43,124,118. Cut
out chr17:42,994,295-43,175,483 and keep the two flanks (569,295 + 424,518 nt); also written in
5 kb records so the training scripts' record-level validation split takes 2 % of them.
"""

from pathlib import Path

from hf_genomics.analysis.fasta import read_fasta
from hf_genomics.paths import shared_data_dir

OFFSET, CUT = 42_425_000, (42_994_295, 43_175_483)
((_, locus),) = read_fasta(shared_data_dir() / "vep" / "brca1" / "brca1_locus_grch38.fa")
flanks = {  # the record names used for the reported runs
    "chr17_42425000_42994294": locus[: CUT[0] - OFFSET],
    "chr17_43175484_43600000": locus[CUT[1] - OFFSET :],
}
Path("locus_minus_brca1.fa").write_text("".join(f">{name}\n{seq}\n" for name, seq in flanks.items()))
Path("locus_minus_brca1_5kb.fa").write_text(
    "".join(
        f">{name}:{i}\n{seq[i : i + 5000]}\n"
        for name, seq in flanks.items()
        for i in range(0, len(seq), 5000)
    )
)
