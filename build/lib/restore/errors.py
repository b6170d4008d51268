"""The kinds of failure destem reports, raised where they happen.

Each kind is one class; the command line maps each class to its exit code in
one table (``restore.cli.EXIT_CODES``), so no handler has to guess what an
``OSError`` or a bare ``Exception`` meant. Every message is one line that a
user can act on.
"""

from __future__ import annotations


class DestemError(Exception):
    """A failure with a message meant for the user, shown as it is."""


class InputError(DestemError):
    """The input cannot be read as stemmed text (missing, binary, not UTF-8...)."""


class UsageError(DestemError):
    """Options that contradict each other or cannot be parsed."""


class ModelError(DestemError):
    """The model directory is missing or unusable; the message says how to rebuild it."""


class BuildError(DestemError):
    """Building a model failed (a missing source, tool or package, or a failed step)."""


class OutputError(DestemError):
    """The output cannot be written (permissions, a full disk, a directory in the way)."""


class ClusterError(DestemError):
    """The Dask scheduler cannot be reached or the cluster cannot be started."""
