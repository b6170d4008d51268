#!/usr/bin/env bash
# Set up destem on a fresh Debian machine: system packages, a virtualenv with
# the `destem` command, and the default model (built once; its build time is in the
# README's Models table). `./setup.sh --accurate` adds the optional neural model of
# `destem restore --accurate` (llama.cpp compiles from source: a few minutes).
set -euo pipefail
cd "$(dirname "$0")"
exec 1>&2  # set-up chatter goes to stderr; stdout stays for what the user restores

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
PACKAGES=(python3-venv cmake g++ make npm libboost-program-options-dev libboost-system-dev
          libboost-thread-dev libboost-test-dev zlib1g-dev libbz2-dev liblzma-dev
          wordnet-base wamerican-insane)
missing=()
for p in "${PACKAGES[@]}"; do
    # npm may come with the machine's own Node.js rather than from Debian.
    if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
.venv/bin/pip install -q -e '.[test]' 2>&1 | grep -v "^WARNING: Location" || true
if [ "${1:-}" = "--accurate" ]; then
    # A portable build: GGML_NATIVE would enable every instruction the build
    # machine has (AMX among them), which other machines of the same kind
    # refuse at the first evaluation. Tools, examples and the multimodal
    # library are not needed.
    echo "setup: installing destem[accurate] (compiles llama.cpp once; pip caches the wheel)" >&2
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF \
-DLLAMA_BUILD_SERVER=OFF -DLLAMA_OPENSSL=OFF" \
        .venv/bin/pip install -q -e '.[test,accurate]' 2>&1 | grep -v "^WARNING: Location" || true
    .venv/bin/python -c "import llama_cpp" || { echo "setup: llama-cpp-python did not install" >&2; exit 1; }
fi
.venv/bin/destem --help >/dev/null
.venv/bin/destem build-model --if-missing
