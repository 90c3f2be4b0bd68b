#!/usr/bin/env bash
# Shared by the setup scripts: `apt_install WHAT PKG...` installs Debian packages as root or
# through sudo. Without either it explains what to install (naming WHAT) and returns 1.
apt_install() {
    local what="$1"; shift
    local sudo=""
    if [ "$(id -u)" != "0" ]; then
        if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
            echo "$what: Debian's $* is missing and this user cannot install it (not root, no sudo)." >&2
            return 1
        fi
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
