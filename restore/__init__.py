"""destem: turn Porter-stemmed, stopword-stripped text back into words.

>>> from restore import restore_text
>>> restore_text("trotski expel communist parti")
'Trotsky expelled Communist Party'
"""

from .api import Restorer, restore_text
from .errors import ModelError
from .model import default_model_dir
from .results import RestoredToken
from .settings import Settings
from .terms import Term, restore_terms

__all__ = [
           "ModelError",
           "RestoredToken",
           "Restorer",
           "Settings",
           "Term",
           "default_model_dir",
           "restore_terms",
           "restore_text",
]
