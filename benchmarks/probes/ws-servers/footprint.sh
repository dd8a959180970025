#!/bin/sh
# Install footprint of each candidate stack: packages pulled in and size on disk (pip --target, no cache reuse of bytecode).
# Usage: sh footprint.sh /tmp/wsbench/bin/pip
PIP=${1:-pip}
OUT=/tmp/ws-footprint
rm -rf $OUT; mkdir -p $OUT
for spec in "websockets" "h11 wsproto" "aiohttp" "uvicorn websockets" "uvicorn httptools websockets" "uvicorn[standard]" "fastapi uvicorn websockets"; do
  d=$OUT/$(echo "$spec" | sed 's/[^a-z]/_/g')
  $PIP install -q --no-compile --target "$d" $spec >/dev/null 2>&1
  n=$(ls -d "$d"/*.dist-info | wc -l)
  names=$(ls -d "$d"/*.dist-info | sed 's#.*/##; s/\.dist-info//' | tr '\n' ' ')
  size=$(du -sk --exclude='*.dist-info' "$d" | cut -f1)
  echo "$spec | $n packages | ${size} KiB | $names"
done
