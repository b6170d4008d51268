"""destem: turn Porter-stemmed, stopword-stripped text back into words.

>>> from restore import restore_text
>>> restore_text("bolshevik revolutionari marxist theorist")  # doctest: +SKIP
'Bolshevik revolutionary Marxist theorist'
"""

from .api import ModelError, Restorer, RestoredToken, default_model_dir, restore_text
from .decode import Settings

__all__ = ["ModelError", "Restorer", "RestoredToken", "Settings", "default_model_dir", "restore_text"]
