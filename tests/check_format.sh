#!/usr/bin/env bash
# Fails if any C++ file in core/, wasm/, relay/ or tests/ differs from what .clang-format says.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard 'core/*.cpp' 'core/*.hpp' 'wasm/*.cpp' 'wasm/*.hpp' \
    'relay/*.cpp' 'relay/*.hpp' 'tests/*.cpp' 'tests/*.hpp')
clang-format-14 --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
