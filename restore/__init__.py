"""destem: turn Porter-stemmed, stopword-stripped text back into words.

>>> from restore import restore_text
>>> restore_text("trotski expel communist parti")
'Trotsky expelled Communist Party'
"""

from .api import ModelError, Restorer, RestoredToken, default_model_dir, restore_text
from .decode import Settings

__all__ = ["ModelError", "Restorer", "RestoredToken", "Settings", "default_model_dir", "restore_text"]
