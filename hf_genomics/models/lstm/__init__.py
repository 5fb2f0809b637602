"""LSTM causal language model for DNA (the RNN of the human-genes study, arXiv 2307.10634)."""
