"""The build side: registry sources -> training text -> lexicon, gap table and
KenLM models, written into a model directory (see ``restore.model``).

Only the command line's ``build-model`` (and a first restore with no model
yet) imports this package; restoring with a built model never does.
"""

from .builder import build_model

__all__ = ["build_model"]
