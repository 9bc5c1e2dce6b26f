# Shared part of the Debian cross toolchain files: the including file sets
# IOTGW_TRIPLET (GNU triplet, e.g. aarch64-linux-gnu), CMAKE_SYSTEM_PROCESSOR
# and IOTGW_QEMU (the qemu-user binary that runs the target's programs).
#
# Compilers come from Debian's cross toolchains (crossbuild-essential-ARCH).
# The target's libraries and headers come from IOTGW_SYSROOT, a folder where
# the target architecture's -dev packages and their dependencies are extracted
# (scripts/package makes it with mmdebstrap --variant=extract). A sysroot is
# used instead of multiarch packages in / because installing ARCH packages
# there needs the host's Multi-Arch: same libraries at the very same version,
# which makes apt upgrade or remove host packages other builds rely on.
set(IOTGW_SYSROOT "" CACHE PATH "the target's libraries and headers (see scripts/package)")
if(NOT IOTGW_SYSROOT OR NOT IS_DIRECTORY "${IOTGW_SYSROOT}/usr/lib/${IOTGW_TRIPLET}")
  message(FATAL_ERROR "IOTGW_SYSROOT must name a folder with ${IOTGW_TRIPLET} libraries; scripts/package makes one")
endif()
# try_compile() projects read this file again: hand them the sysroot too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES IOTGW_SYSROOT)

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${IOTGW_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${IOTGW_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${IOTGW_TRIPLET})

# Libraries, headers and CMake packages only from the sysroot; programs (the
# tools run during the build) only from the host.
set(CMAKE_FIND_ROOT_PATH ${IOTGW_SYSROOT})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# The compiler keeps its own C library (/usr/${IOTGW_TRIPLET}); the linker
# finds the libraries that the sysroot's libraries need in turn.
set(_iotgw_libdirs "${IOTGW_SYSROOT}/usr/lib/${IOTGW_TRIPLET}:${IOTGW_SYSROOT}/lib/${IOTGW_TRIPLET}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_iotgw_libdirs}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-Wl,-rpath-link,${_iotgw_libdirs}")

# pkg-config reads the sysroot's .pc files and prefixes their paths with it.
set(ENV{PKG_CONFIG_LIBDIR} "${IOTGW_SYSROOT}/usr/lib/${IOTGW_TRIPLET}/pkgconfig:${IOTGW_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} ${IOTGW_SYSROOT})

# Test programs (GoogleTest's discovery at build time, CTest) run under
# qemu-user with the sysroot as the target's root for the dynamic loader.
set(CMAKE_CROSSCOMPILING_EMULATOR ${IOTGW_QEMU} -L ${IOTGW_SYSROOT})
