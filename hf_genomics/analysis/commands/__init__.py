"""The ``hf-genomics`` sub-commands of the analysis layer (thin wrappers over its functions)."""
