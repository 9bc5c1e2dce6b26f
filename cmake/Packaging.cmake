# The Debian package: `cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr packs the install target (gateway/CMakeLists.txt
# and the man page below) with the maintainer scripts in packaging/.
# scripts/package drives it for amd64, arm64 and armhf.

include(GNUInstallDirs)

# The man page, with the version filled in and compressed as Debian wants it.
configure_file(${PROJECT_SOURCE_DIR}/packaging/iotgw.1.in ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1 @ONLY)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1.gz
  COMMAND gzip -9 -n -k -f ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1
  VERBATIM)
add_custom_target(iotgw_man ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1.gz)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/iotgw.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iotgw)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "iotgw maintainers <iotgw@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "edge gateway: Modbus and serial sensors to MQTT")
set(CPACK_PACKAGE_DESCRIPTION
    "iotgw polls Modbus RTU, Modbus TCP and plain-UART sensors, keeps every reading
in a durable SQLite store-and-forward queue while the uplink is down, and
publishes upstream over MQTT. One TOML file, /etc/iotgw/iotgw.toml,
configures it; it runs as the hardened systemd service iotgw.service, which
the package installs but does not enable.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_STRIP_FILES ON)

# Depends: what dpkg-shlibdeps finds for the binary's shared libraries, plus
# adduser for the maintainer scripts.
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/postinst
    ${PROJECT_SOURCE_DIR}/packaging/prerm
    ${PROJECT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

if(CMAKE_CROSSCOMPILING)
  # The Debian architecture of the target, and its libraries in the sysroot
  # (see cmake/toolchains/debian-cross.cmake): dpkg-shlibdeps finds them
  # there, and the symbols files that scripts/package gathered in
  # ${IOTGW_SYSROOT}/DEBIAN.
  execute_process(
    COMMAND dpkg-architecture --host-type ${CMAKE_LIBRARY_ARCHITECTURE} --query DEB_HOST_ARCH
    OUTPUT_VARIABLE IOTGW_DEB_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET COMMAND_ERROR_IS_FATAL ANY)
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${IOTGW_DEB_ARCH})
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
      ${IOTGW_SYSROOT}/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} ${IOTGW_SYSROOT}/lib/${CMAKE_LIBRARY_ARCHITECTURE})
  # cpack runs dpkg-shlibdeps: tell it the target architecture.
  configure_file(${CMAKE_CURRENT_LIST_DIR}/CPackCross.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/CPackCross.cmake @ONLY)
  set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_BINARY_DIR}/CPackCross.cmake)
endif()

include(CPack)
