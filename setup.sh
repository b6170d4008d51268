#!/usr/bin/env bash
# Set up destem on a fresh Debian machine: system packages, a virtualenv with
# the `destem` command, and the default model (built once; its build time is in the
# README's Models table).
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
.venv/bin/destem --help >/dev/null
.venv/bin/destem build-model --if-missing
