# Shared by the Arm toolchain files: Debian's cross compilers (g++-aarch64-linux-gnu,
# g++-arm-linux-gnueabihf), target libraries and headers from a private sysroot of Debian's arm64 /
# armhf packages (scripts/make_arm_sysroot.sh), and qemu-user to run target programs on the build
# machine (ctest runs every test executable through CMAKE_CROSSCOMPILING_EMULATOR).
#
# The including file sets CMAKE_SYSTEM_PROCESSOR and:
#   SPRIG_CROSS_TRIPLE    the GNU triple, also the multiarch directory (aarch64-linux-gnu)
#   SPRIG_CROSS_DEB_ARCH  Debian's name for the architecture (arm64)
#   SPRIG_CROSS_QEMU      the qemu-user program (qemu-aarch64)
#   SPRIG_CROSS_FLAGS     code-generation flags for C and C++
#
# SPRIG_CROSS_SYSROOT (a -D cache entry, else the environment variable of that name) names the
# sysroot; by default build-cross/sysroot-<deb arch> beside this directory, where
# scripts/cross_test.sh makes it. qemu picks its CPU model from QEMU_CPU (default: "max").
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${SPRIG_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SPRIG_CROSS_TRIPLE}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${SPRIG_CROSS_TRIPLE})
set(CMAKE_C_FLAGS_INIT "${SPRIG_CROSS_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${SPRIG_CROSS_FLAGS}")

if(NOT SPRIG_CROSS_SYSROOT)
  if(DEFINED ENV{SPRIG_CROSS_SYSROOT})
    set(SPRIG_CROSS_SYSROOT $ENV{SPRIG_CROSS_SYSROOT})
  else()
    get_filename_component(SPRIG_CROSS_SYSROOT
      ${CMAKE_CURRENT_LIST_DIR}/../build-cross/sysroot-${SPRIG_CROSS_DEB_ARCH} ABSOLUTE)
  endif()
endif()
# try_compile projects read this file again: hand them the same sysroot.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES SPRIG_CROSS_SYSROOT)
if(NOT EXISTS ${SPRIG_CROSS_SYSROOT}/usr/include)
  message(FATAL_ERROR "no sysroot at ${SPRIG_CROSS_SYSROOT}: run "
                      "scripts/make_arm_sysroot.sh ${SPRIG_CROSS_DEB_ARCH} ${SPRIG_CROSS_SYSROOT}")
endif()
set(_sprig_cross_libdir ${SPRIG_CROSS_SYSROOT}/usr/lib/${SPRIG_CROSS_TRIPLE})
# Packages that install to /lib (zlib) keep that place in the sysroot.
set(_sprig_cross_base_libdir ${SPRIG_CROSS_SYSROOT}/lib/${SPRIG_CROSS_TRIPLE})

# find_* look in the sysroot and the cross compiler's own tree, programs (flatc, python) on the host.
set(CMAKE_FIND_ROOT_PATH ${SPRIG_CROSS_SYSROOT} /usr/${SPRIG_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${SPRIG_CROSS_SYSROOT})
set(ENV{PKG_CONFIG_LIBDIR} ${_sprig_cross_libdir}/pkgconfig:${SPRIG_CROSS_SYSROOT}/usr/share/pkgconfig)

# The sysroot's headers are system headers (header-only libraries such as nlohmann-json are used
# without a find_*; GCC also treats a -I of these directories as system).
foreach(lang C CXX)
  set(CMAKE_${lang}_STANDARD_INCLUDE_DIRECTORIES
      ${SPRIG_CROSS_SYSROOT}/usr/include ${SPRIG_CROSS_SYSROOT}/usr/include/${SPRIG_CROSS_TRIPLE})
endforeach()
# The sysroot's shared libraries name each other (libXNNPACK needs libpthreadpool.so.0).
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-Wl,-rpath-link,${_sprig_cross_libdir} -Wl,-rpath-link,${_sprig_cross_base_libdir}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT
    "-Wl,-rpath-link,${_sprig_cross_libdir} -Wl,-rpath-link,${_sprig_cross_base_libdir}")

find_program(SPRIG_CROSS_QEMU_PROGRAM ${SPRIG_CROSS_QEMU})
if(SPRIG_CROSS_QEMU_PROGRAM)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SPRIG_CROSS_QEMU_PROGRAM} -L /usr/${SPRIG_CROSS_TRIPLE}
      -E LD_LIBRARY_PATH=${_sprig_cross_libdir}:${_sprig_cross_base_libdir})
endif()
