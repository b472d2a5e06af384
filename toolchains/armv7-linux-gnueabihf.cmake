# 32-bit Raspberry Pi OS (Pi 2 and later: Cortex-A7 / A53 / A72 / A76 in 32-bit mode), Armv7-A
# with NEON and VFPv4, hard-float ABI.
# cmake -B build-cross/armv7 --toolchain toolchains/armv7-linux-gnueabihf.cmake (or the armv7
# preset); see toolchains/debian-cross.cmake for the sysroot and qemu.
set(CMAKE_SYSTEM_PROCESSOR armv7)
set(SPRIG_CROSS_TRIPLE arm-linux-gnueabihf)
set(SPRIG_CROSS_DEB_ARCH armhf)
set(SPRIG_CROSS_QEMU qemu-arm)
# -D_FILE_OFFSET_BITS=64: 64-bit off_t and ino_t (under qemu-user on a 64-bit host, readdir of an
# ext4 directory fails with EOVERFLOW without it). -Wno-psabi: GCC notes that C++17 changed how
# some arguments pass since GCC 7.1; everything here is built by one compiler.
set(SPRIG_CROSS_FLAGS
    "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -D_FILE_OFFSET_BITS=64 -Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
