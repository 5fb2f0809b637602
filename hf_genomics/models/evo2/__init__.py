"""Evo 2 (StripedHyena 2): configuration, model, byte tokenizer."""
