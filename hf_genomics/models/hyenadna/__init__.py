"""HyenaDNA: configuration, models and the original character tokenizer's ids."""
