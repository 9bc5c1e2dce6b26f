// Fixed test material for the TLS unit tests, made once with the openssl command
// line for this project: a self-signed EC P-256 certificate valid until 2126 with
// its key, a second key that does not belong to it, and a server certificate for
// broker.example signed by the first, with its key. The integration test 08-tls
// makes its certificates afresh at run time instead.
#pragma once

namespace iotgw::bridge::tls::test {

inline constexpr const char* certificate_pem = R"(
-----BEGIN CERTIFICATE-----
MIIBoDCCAUegAwIBAgIUJcs5b/Y6V5YHubKGlqustbmPpH8wCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSaW90Z3cgdW5pdCB0ZXN0IENBMCAXDTI2MTEyNTIwMzgwM1oY
DzIxMjYxMTAxMjAzODAzWjAdMRswGQYDVQQDDBJpb3RndyB1bml0IHRlc3QgQ0Ew
WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATxjc6M+nuGjSp9tY5Ft+9HxcewX0yi
LE4a93eS/DROO8klGFOiFcrFgJt+fcug34Czc7iov6ZxxgyqAdzvH+Qho2MwYTAd
BgNVHQ4EFgQUT1ChhxvGyqHHUGdJJtrIYhJytC0wHwYDVR0jBBgwFoAUT1ChhxvG
yqHHUGdJJtrIYhJytC0wDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8EBAMCAgQw
CgYIKoZIzj0EAwIDRwAwRAIgCGm4th3Jj4lR2H0wEvRVy4ggqXKy3wr69P0o70e3
4DUCIFu4k9VeqC5s0KCYH1gfFT5Sd53RxKimrUtFEjKoWy4A
-----END CERTIFICATE-----
)";

inline constexpr const char* key_pem = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgWfilTsKDGPPMKp+l
vTmkkuA5XAkitvscVREYUop9JlyhRANCAATxjc6M+nuGjSp9tY5Ft+9HxcewX0yi
LE4a93eS/DROO8klGFOiFcrFgJt+fcug34Czc7iov6ZxxgyqAdzvH+Qh
-----END PRIVATE KEY-----
)";

inline constexpr const char* other_key_pem = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgQCIzXqwi5iexoGNQ
2uVA9Fxl6D58FVpuj/6GNMhZ3Z6hRANCAAQX7Mt3p2SAiFLeBEJne/1N1LNQzVZq
CXR4/C+17ekJ9YtaxQsIGaBD3IBM9EffghzgKnDE1KC6cf3a7UqI2XC+
-----END PRIVATE KEY-----
)";

// Issued by certificate_pem for broker.example: subjectAltName DNS:broker.example,
// key usage digitalSignature, extended key usage serverAuth.
inline constexpr const char* server_certificate_pem = R"(
-----BEGIN CERTIFICATE-----
MIIBzDCCAXKgAwIBAgIUPkCE/atk/qEjG93JDKCRUfUnWLEwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSaW90Z3cgdW5pdCB0ZXN0IENBMCAXDTI2MTIwMzA5MTk1NFoY
DzIxMjYxMTA5MDkxOTU0WjAZMRcwFQYDVQQDDA5icm9rZXIuZXhhbXBsZTBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABKQZvy32G4YJRPB1aI6SmL0bjUtUj9Fp6D/Z
tS17948D3nKG7W22REb4NFu+cxKGLGeUORsTP+QUlue5W+k+8TajgZEwgY4wGQYD
VR0RBBIwEIIOYnJva2VyLmV4YW1wbGUwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQM
MAoGCCsGAQUFBwMBMAwGA1UdEwEB/wQCMAAwHQYDVR0OBBYEFP1PWMX30/V6I/Gu
fkd0afPFU6FPMB8GA1UdIwQYMBaAFE9QoYcbxsqhx1BnSSbayGIScrQtMAoGCCqG
SM49BAMCA0gAMEUCIQDYm13XbGvV98bB5KWpxMATiMrzjkqVlvwx5mlQsXFNmQIg
QORwjmy/b0OS/v7TzAY3dp12ukKvWCLTTFYRtCnBNxo=
-----END CERTIFICATE-----
)";

inline constexpr const char* server_key_pem = R"(
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNUSSBeco+S1Pzf2r
ffbwjhrNABQwVv4oxPJTm1FzWtuhRANCAASkGb8t9huGCUTwdWiOkpi9G41LVI/R
aeg/2bUte/ePA95yhu1ttkRG+DRbvnMShixnlDkbEz/kFJbnuVvpPvE2
-----END PRIVATE KEY-----
)";

}  // namespace iotgw::bridge::tls::test
