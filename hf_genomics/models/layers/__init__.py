"""Building blocks shared by our model families: position encodings (sinusoidal, ALiBi, rotary)
and the eager attention kernel. Model files import from the submodules directly."""
