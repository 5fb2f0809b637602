"""The experiments that use everything below them (one module per study)."""
