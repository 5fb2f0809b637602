"""The human-genes study's Transformer decoder (post-LN, learned positions), native in transformers."""

from .configuration_genes_transformer import GenesTransformerConfig
from .modeling_genes_transformer import GenesTransformerForCausalLM, GenesTransformerModel

__all__ = ["GenesTransformerConfig", "GenesTransformerForCausalLM", "GenesTransformerModel"]
