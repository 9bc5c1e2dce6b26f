# Cross build for arm64 (Raspberry Pi 3/4/5 and other 64-bit boards), Debian's
# aarch64-linux-gnu toolchain. Needs -DIOTGW_SYSROOT=...; see debian-cross.cmake.
set(IOTGW_TRIPLET aarch64-linux-gnu)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(IOTGW_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
