#!/usr/bin/env bash
# System libraries the PDF renderer needs, on Debian/Ubuntu:
#   pango (WeasyPrint's text layout) and libharfbuzz-subset0 (font subsetting: without it
#   WeasyPrint falls back to a subsetter about 16x slower, ~5 s a page); poppler-utils
#   (pdftotext, pdffonts, pdftoppm) for the tests that check what a person would see.
# Installs what is missing when run as root with apt-get; otherwise says what to install.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "yiyu needs these system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
