# Cross build for armhf (ARMv7 with hardware floating point: Raspberry Pi 2 and
# later in 32-bit mode), Debian's arm-linux-gnueabihf toolchain. Needs
# -DIOTGW_SYSROOT=...; see debian-cross.cmake.
set(IOTGW_TRIPLET arm-linux-gnueabihf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(IOTGW_QEMU qemu-arm-static)
# GCC notes at every std::vector or std::map of 64-bit members that their
# argument passing changed in GCC 7.1: nothing here links code that old.
set(CMAKE_CXX_FLAGS_INIT -Wno-psabi)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
