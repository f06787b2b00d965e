# Shared set-up for scripts/run and scripts/test (sourced): system packages, .venv, the project.
# Idempotent: a second call checks a stamp and returns in about a second.
# Usage: source scripts/_setup.sh [dev]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${ASSISTANT_VENV:-$ROOT/.venv}"
PROFILE="${1:-run}"

SYSTEM_PACKAGES=(libportaudio2 espeak-ng)
[ "$PROFILE" = dev ] && SYSTEM_PACKAGES+=(pulseaudio pulseaudio-utils sox)

say() { echo "[setup] $*" >&2; }

install_system_packages() {
    local missing=() pkg
    command -v dpkg-query >/dev/null || { say "not a Debian system: install ${SYSTEM_PACKAGES[*]} yourself"; return 0; }
    for pkg in "${SYSTEM_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo)
        else
            say "missing system packages: ${missing[*]}"
            say "ask an administrator to run: sudo apt-get install ${missing[*]}"
            say "(without them the app runs in text mode and the audio tests fail)"
            return 0
        fi
    fi
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || { "${sudo[@]}" apt-get update -q >/dev/null && \
             "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
}

find_python() {
    local py
    # 3.11 first: the CPU build of torch 2.13.0 that this machine keeps on disk is for 3.11
    for py in python3.11 python3.12 python3.13 python3; do
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "$py"; return 0
        fi
    done
    say "Python 3.11 or newer is required"; return 1
}

install_project() {
    local extras="" stamp want
    [ "$PROFILE" = dev ] && extras="[dev]"
    stamp="$VENV/.assistant-$PROFILE"
    want="$(cat "$ROOT/pyproject.toml" "$ROOT"/scripts/requirements-nodeps*.txt | sha256sum | cut -c1-16)"
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV"
        "$(find_python)" -m venv "$VENV"
    fi
    say "installing the project and its packages into $VENV (first time: a few minutes)"
    local log="$VENV/install.log" pip=("$VENV/bin/pip" install --disable-pip-version-check)
    {
        "${pip[@]}" -e "$ROOT$extras" &&
        "${pip[@]}" --no-deps -r "$ROOT/scripts/requirements-nodeps.txt" &&
        if [ "$PROFILE" = dev ]; then
            "${pip[@]}" --no-deps -r "$ROOT/scripts/requirements-nodeps-dev.txt"
        fi
    } >"$log" 2>&1 || { tail -40 "$log" >&2; say "installation failed; full log: $log"; return 1; }
    echo "$want" > "$stamp"
}

install_system_packages
install_project
