#!/bin/sh
# no_link.sh LIB -- the shared library built with the Vulkan backend names no Vulkan library
# among its dynamic dependencies (the loader is opened at run time): readelf's NEEDED list.
lib=$1
command -v readelf >/dev/null 2>&1 || { echo "SKIP: no readelf"; exit 77; }
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
needed=$(readelf -d "$lib" | grep NEEDED) || { echo "FAIL: readelf -d $lib gave no NEEDED entries"; exit 1; }
echo "$needed"
if echo "$needed" | grep -qi vulkan; then
  echo "FAIL: $lib links a Vulkan library at link time"; exit 1
fi
echo "PASS: $lib needs no Vulkan library (the loader is opened with dlopen)"
