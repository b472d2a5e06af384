#!/usr/bin/env bash
# Makes the private sysroot the Arm cross builds find their target libraries and headers in
# (toolchains/*.cmake): Debian's arm64 or armhf packages of XNNPACK, pthreadpool, cpuinfo,
# GoogleTest, OpenSSL (libcrypto, for the converter core's SHA-256), flatbuffers, nlohmann-json,
# CLI11, stb, minizip (.npz) with zlib, PCRE2 and utf8proc (the tokenizer), unpacked with dpkg-deb -x. Installing them through multiarch instead would remove
# the amd64 ones the host build needs.
#
# Needs `dpkg --add-architecture arm64 armhf` and `apt-get update` (scripts/install_deps.sh does
# both). Does nothing when OUT_DIR already holds this package list.
# usage: make_arm_sysroot.sh arm64|armhf OUT_DIR
set -euo pipefail
deb_arch=${1:?usage: make_arm_sysroot.sh arm64|armhf OUT_DIR}
out=${2:?usage: make_arm_sysroot.sh arm64|armhf OUT_DIR}
case "$deb_arch" in
  arm64 | armhf) ;;
  *) echo "make_arm_sysroot.sh: unknown Debian architecture '$deb_arch'" >&2; exit 2 ;;
esac

# Runtime libraries with their -dev packages; the header-only ones are Architecture: all.
packages=(
  libxnnpack-dev libxnnpack0
  libpthreadpool-dev libpthreadpool0
  libcpuinfo-dev libcpuinfo0
  libgtest-dev
  libssl-dev libssl3
  libflatbuffers-dev
  libstb-dev libstb0
  libminizip-dev libminizip1 zlib1g-dev zlib1g
  libpcre2-dev libpcre2-8-0 libutf8proc-dev libutf8proc2
)
arch_all_packages=(nlohmann-json3-dev libcli11-dev)
stamp="$deb_arch ${packages[*]} ${arch_all_packages[*]}"
if [ -f "$out/.sprig-sysroot" ] && [ "$(cat "$out/.sprig-sysroot")" = "$stamp" ]; then
  exit 0
fi

foreign=$(dpkg --print-foreign-architectures)  # whole, so no SIGPIPE under pipefail
if ! grep -qx "$deb_arch" <<< "$foreign"; then
  echo "make_arm_sysroot.sh: dpkg does not know $deb_arch; run scripts/install_deps.sh" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
apt_options=()
# apt's sandbox user cannot write into a root-owned temporary directory.
[ "$(id -u)" -ne 0 ] || apt_options=(-o APT::Sandbox::User=root)
to_download=()
for package in "${packages[@]}"; do to_download+=("$package:$deb_arch"); done
to_download+=("${arch_all_packages[@]}")
echo "sysroot $deb_arch: downloading ${#to_download[@]} packages"
download() { (cd "$work" && apt-get download -qq "${apt_options[@]}" "${to_download[@]}"); }
if ! download; then
  # Package lists older than the archive name versions it no longer has: refresh them once.
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq || echo "make_arm_sysroot: apt-get update could not fetch every index" >&2
  download
fi

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
for deb in "$work"/*.deb; do
  dpkg-deb -x "$deb" "$out.tmp"
done
# Absolute symbolic links would point into the host's /usr: make them point into the sysroot.
while IFS= read -r -d '' link; do
  target=$(readlink "$link")
  case "$target" in /*) ln -sfn "$out$target" "$link" ;; esac
done < <(find "$out.tmp" -type l -print0)
echo "$stamp" > "$out.tmp/.sprig-sysroot"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "sysroot $deb_arch: $out"
