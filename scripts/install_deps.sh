#!/usr/bin/env bash
# Installs the Debian 12 packages Sprig's build, example and tests need. Idempotent: does nothing
# when everything is already installed.
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config
  flatbuffers-compiler libflatbuffers-dev
  libonnx-dev protobuf-compiler libprotobuf-dev libssl-dev
  libstb-dev libminizip-dev libpcre2-dev libutf8proc-dev libcli11-dev libgtest-dev nlohmann-json3-dev
  python3-numpy python3-torch python3-torchvision python3-onnx python3-sklearn python3-sentencepiece python3-jinja2 python3-regex
  libopenblas0-pthread libonnx-testdata
  clang libclang-rt-14-dev
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev libbenchmark-dev
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user
)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

# A mirror caught mid-sync can fail one index (apt then keeps the old one and exits 100); go on with
# the indexes apt has: a package that is really missing fails the install below by name.
apt_update() {
  "${sudo_cmd[@]}" apt-get update -qq ||
    echo "install_deps: apt-get update could not fetch every index (above); going on with what it has" >&2
}

# The Arm cross builds unpack Debian's arm64 and armhf packages into a private sysroot
# (scripts/make_arm_sysroot.sh), so apt must list those architectures too.
updated=0
for arch in arm64 armhf; do
  # Read the whole list first: grep -q quitting early makes dpkg die of SIGPIPE, which pipefail
  # would report as "not found".
  foreign=$(dpkg --print-foreign-architectures)
  if ! grep -qx "$arch" <<< "$foreign"; then
    echo "adding the $arch architecture to dpkg"
    "${sudo_cmd[@]}" dpkg --add-architecture "$arch"
    updated=1
  fi
done
if [ $updated -eq 1 ]; then
  apt_update
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "installing: ${missing[*]}"
[ $updated -eq 1 ] || apt_update
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
