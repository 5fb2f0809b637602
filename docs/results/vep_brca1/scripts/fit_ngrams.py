"""Fit n-gram LMs on the BRCA1 locus minus BRCA1 +- 50 kb (no labels), save them."""

import time

from hf_genomics.analysis.fasta import read_fasta
from hf_genomics.models.ngram import NGramLM
from hf_genomics.models.ngram_kneser_ney import KneserNeyLM

seqs = [s for _, s in read_fasta("locus_minus_brca1.fa")]
for name, model in [
    ("ngram-laplace-6", NGramLM(6, "laplace")),
    ("ngram-laplace-8", NGramLM(8, "laplace")),
    ("ngram-kn-8", KneserNeyLM(8)),
    ("ngram-kn-12", KneserNeyLM(12)),
]:
    t = time.time()
    model.fit(seqs)
    model.save_pretrained(f"models/{name}")
    print(name, round(time.time() - t, 1), "s")
