# 64-bit Raspberry Pi OS and other arm64 Linux (Pi 4: Cortex-A72, Pi 5: Cortex-A76). Generic
# Armv8-A code; the CPU backend picks NEON (and dotprod) kernels at run time.
# cmake -B build-cross/aarch64 --toolchain toolchains/aarch64-linux-gnu.cmake (or the aarch64
# preset); see toolchains/debian-cross.cmake for the sysroot and qemu.
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SPRIG_CROSS_TRIPLE aarch64-linux-gnu)
set(SPRIG_CROSS_DEB_ARCH arm64)
set(SPRIG_CROSS_QEMU qemu-aarch64)
set(SPRIG_CROSS_FLAGS "")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
