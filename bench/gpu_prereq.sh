#!/bin/sh
# bench/gpu_prereq.sh DIR -- gathers, on a Debian bookworm machine with the network, what a bare
# GPU machine that cannot fetch lacks for bench/gpu_check.sh's Vulkan steps and tests, into DIR
# (about 40 MB); `GPU_CHECK_PREREQ=DIR sh bench/gpu_check.sh` there installs them first:
#   bin/glslc, lib/libshaderc.so.1      the shader compiler (Debian's glslc) and its library
#   include/vulkan, include/vk_video    the Vulkan headers (libvulkan-dev's C headers)
#   debs/*.deb                          the Vulkan loader (libvulkan1), libglvnd (libglvnd0,
#                                       libgl1, libglx0, libegl1, libopengl0, libgles2: NVIDIA's
#                                       Vulkan driver loads through it), libcjson1/-dev, pkgconf
#   golden.tgz                          ../shared/golden, where it is beside this tree
# Needs glslc and libvulkan-dev installed here (`make deps-vulkan-ff` installs them).
set -eu
D=${1:?usage: sh bench/gpu_prereq.sh DIR}
command -v glslc >/dev/null || { echo "gpu_prereq: no glslc here (make deps-vulkan-ff)" >&2; exit 1; }
[ -f /usr/include/vulkan/vulkan_core.h ] || { echo "gpu_prereq: no Vulkan headers here (libvulkan-dev)" >&2; exit 1; }
rm -rf "$D" && mkdir -p "$D/bin" "$D/lib" "$D/include/vulkan" "$D/debs"
cp "$(command -v glslc)" "$D/bin/"
so=$(ldd "$(command -v glslc)" | awk '/libshaderc/ {print $3}')
[ -n "$so" ] && cp "$so" "$D/lib/"
cp /usr/include/vulkan/*.h "$D/include/vulkan/"
[ -d /usr/include/vk_video ] && cp -r /usr/include/vk_video "$D/include/"
lists=$(mktemp -d)
mkdir -p "$lists/partial"
o="-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=$lists"
# shellcheck disable=SC2086
apt-get $o update >/dev/null
# shellcheck disable=SC2086
(cd "$D/debs" && apt-get $o download libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libopengl0 libgles2 \
  libcjson1 libcjson-dev libpkgconf3 pkgconf-bin pkgconf 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
rm -rf "$lists"
G=$(cd "$(dirname "$0")/.." && pwd)/../shared/golden
if [ -d "$G" ]; then tar czf "$D/golden.tgz" -C "$G/.." golden
else echo "gpu_prereq: no ../shared/golden beside the tree: the conformance tests will be disabled there"; fi
ls "$D/debs"
du -sh "$D"
