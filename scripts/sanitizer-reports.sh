#!/bin/sh
# Prints the sanitizer reports a `make sanitize` run left in folder $1 (one
# file per process that found something) and fails if there is any.
set -eu
dir=$1
found=$(find "$dir" -type f 2>/dev/null | sort)
if [ -z "$found" ]; then
    echo "sanitize: no ASan/UBSan/LSan reports"
    exit 0
fi
for f in $found; do
    echo "=== $f"
    head -80 "$f"
done
echo "sanitize: $(echo "$found" | wc -l) report(s) in $dir"
exit 1
