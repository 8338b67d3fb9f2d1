#!/bin/sh
# Print the Debian packages of the given roles from deploy/debian-packages.txt, space separated.
#   sh deploy/packages.sh runtime test headers
set -eu
list="$(dirname "$0")/debian-packages.txt"
[ $# -gt 0 ] || { echo "usage: $0 ROLE..." >&2; exit 2; }
out=""
for role in "$@"; do
    line=$(grep -E "^$role:" "$list" || true)
    [ -n "$line" ] || { echo "$0: no role '$role' in $list" >&2; exit 2; }
    out="$out ${line#*:}"
done
echo $out
