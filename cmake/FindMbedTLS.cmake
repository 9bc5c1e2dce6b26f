# mbedTLS 2.28 in Debian ships neither a CMake package nor a pkg-config file.
find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h REQUIRED)
find_library(MBEDTLS_LIBRARY mbedtls REQUIRED)
find_library(MBEDX509_LIBRARY mbedx509 REQUIRED)
find_library(MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
add_library(MbedTLS::mbedtls INTERFACE IMPORTED)
target_include_directories(MbedTLS::mbedtls INTERFACE ${MBEDTLS_INCLUDE_DIR})
target_link_libraries(MbedTLS::mbedtls INTERFACE ${MBEDTLS_LIBRARY} ${MBEDX509_LIBRARY} ${MBEDCRYPTO_LIBRARY})
