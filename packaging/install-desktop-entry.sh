#!/usr/bin/env bash
# Register SalesOS in the desktop's application menu for the current user.
# Usage: packaging/install-desktop-entry.sh [PATH_TO_SALESOS]   (default: the salesos on PATH)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exe=${1:-$(command -v salesos || true)}
[[ -n "$exe" && -x "$exe" ]] || { echo "salesos not found; pass its path (e.g. .venv/bin/salesos)" >&2; exit 2; }
apps=${XDG_DATA_HOME:-$HOME/.local/share}/applications
icons=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/scalable/apps
mkdir -p "$apps" "$icons"
sed "s|^Exec=.*|Exec=$exe|" "$here/salesos.desktop" > "$apps/salesos.desktop"
cp "$here/salesos.svg" "$icons/salesos.svg"
command -v desktop-file-validate >/dev/null && desktop-file-validate "$apps/salesos.desktop" || true
echo "installed $apps/salesos.desktop (Exec=$exe)"
