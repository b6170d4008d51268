"""``python -m restore`` is the ``destem`` command."""

from .cli import main

main()
