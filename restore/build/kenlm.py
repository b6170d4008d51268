"""The KenLM toolchain: compile ``lmplz`` and ``build_binary``, train, binarize.

``pip install kenlm`` only gives the query module, so the trainer is compiled
once from the same sdist (needs cmake, a C++ compiler and Boost) and cached.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ..errors import BuildError
from ..model import cache_dir
from .progress import last_line, log


def tools_dir() -> Path:
    return cache_dir() / "kenlm" / "bin"


def find_tools() -> Path | None:
    """The folder holding ``lmplz`` and ``build_binary``, if they exist."""
    candidates = [os.environ.get("DESTEM_KENLM_BIN"), str(tools_dir())]
    on_path = shutil.which("lmplz")
    if on_path:
        candidates.append(str(Path(on_path).parent))
    for folder in filter(None, candidates):
        if all((Path(folder) / tool).is_file() for tool in ("lmplz", "build_binary")):
            return Path(folder)
    return None


def build_tools() -> Path:
    """Compile ``lmplz`` and ``build_binary`` from the kenlm sdist, once."""
    found = find_tools()
    if found:
        return found
    for tool in ("cmake", "make", "c++"):
        if shutil.which(tool) is None:
            raise BuildError(
                f"building KenLM's trainer needs {tool}; on Debian: apt-get install cmake g++ "
                "libboost-program-options-dev libboost-system-dev libboost-thread-dev "
                "libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev"
            )
    log("compiling KenLM's lmplz and build_binary from the kenlm sdist (about a minute, once)")
    with tempfile.TemporaryDirectory() as tmp:
        fetched = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
             "--no-build-isolation", f"kenlm=={_kenlm_version()}", "-d", tmp],
            capture_output=True, text=True,
        )
        sdists = list(Path(tmp).glob("kenlm-*.tar.gz"))
        if not sdists:
            raise BuildError(f"could not download the kenlm sdist: {last_line(fetched.stderr)}")
        with tarfile.open(sdists[0]) as tar:
            tar.extractall(tmp, filter="data")
        source = next(p for p in Path(tmp).iterdir() if p.is_dir() and (p / "CMakeLists.txt").exists())
        build = source / "build"
        build.mkdir()
        jobs = str(os.cpu_count() or 1)
        for command in (
            ["cmake", "..", "-DCMAKE_BUILD_TYPE=Release"],
            ["make", f"-j{jobs}", "lmplz", "build_binary"],
        ):
            done = subprocess.run(command, cwd=build, capture_output=True, text=True)
            if done.returncode != 0:
                raise BuildError(f"{' '.join(command)} failed: {last_line(done.stderr)}")
        target = tools_dir()
        target.mkdir(parents=True, exist_ok=True)
        for tool in ("lmplz", "build_binary"):
            shutil.copy2(build / "bin" / tool, target / tool)
    return target


def _kenlm_version() -> str:
    from importlib.metadata import version

    return version("kenlm")


def train(text: Path, output: Path, order: int, prune: list[int], memory: str = "2G") -> None:
    """Train an ARPA model with lmplz and turn it into a KenLM binary."""
    tools = build_tools()
    arpa = output.with_suffix(".arpa")
    lmplz = [
        str(tools / "lmplz"), "-o", str(order), "-S", memory, "-T", str(output.parent),
        "--discount_fallback", "--text", str(text), "--arpa", str(arpa),
    ]
    if prune:
        lmplz += ["--prune", *map(str, prune)]
    _run(lmplz, f"training a {order}-gram model on {text.name}")
    binarize(arpa, output)
    arpa.unlink()


def binarize(arpa: Path, output: Path) -> None:
    """An ARPA model as a KenLM binary, in build_binary's default "probing"
    layout: the fastest to query."""
    _run([str(build_tools() / "build_binary"), "-s", str(arpa), str(output)], "binarizing")


def _run(command: list[str], what: str) -> None:
    log(what)
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"{what} failed: {last_line(done.stderr)}")
