"""Evo 1 (StripedHyena 1): configuration and model (the byte tokenizer is Evo 2's)."""
