/**
 * Certificates of the replay's TLS stand-ins: two self-signed EC P-256 certificates for 127.0.0.1 and
 * localhost, valid for a century. `good` is written to the replay's trust file (the `{{ca}}` placeholder),
 * so a check that trusts it passes; `bad` is trusted by nothing, so serving it is a certificate failure.
 * Loopback demo keys with no other use: they are public on purpose.
 */
export const GOOD_CERT = `-----BEGIN CERTIFICATE-----
MIIBtTCCAVugAwIBAgIUSx/sTX6hIFTzpaEdyQo83nTBhHUwCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWcmVwbGF5IHN0YW5kLWluIChnb29kKTAgFw0yNjEyMDcwNzQ2
MDJaGA8yMTI2MTExMzA3NDYwMlowITEfMB0GA1UEAwwWcmVwbGF5IHN0YW5kLWlu
IChnb29kKTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABA/CrpZTKQldG6ymZL83
qO4Wg4DxE169FabtfC9OvZvR2e0a95Duv6ZpCqjBf7KscdgzBxvxyOYxKJGqCPx9
sQujbzBtMB0GA1UdDgQWBBR9kOM83NRwOcYUz6d7vIn4maZeSjAfBgNVHSMEGDAW
gBR9kOM83NRwOcYUz6d7vIn4maZeSjAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQT
MBGHBH8AAAGCCWxvY2FsaG9zdDAKBggqhkjOPQQDAgNIADBFAiEAqURiaPk15Evp
mxF7KfEQBBRITXH+v9bMHk3Sqb+nAxMCICWTij2xlC30Z0UkFUl9RBQBkhfMl/+1
Olw47kHE67Wf
-----END CERTIFICATE-----`;
export const GOOD_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgIg3FBivr34mqdZ4r
r/aYJ96m9g8oL/3GP4NZlZ3TmdahRANCAAQPwq6WUykJXRuspmS/N6juFoOA8RNe
vRWm7XwvTr2b0dntGveQ7r+maQqowX+yrHHYMwcb8cjmMSiRqgj8fbEL
-----END PRIVATE KEY-----`;
export const BAD_CERT = `-----BEGIN CERTIFICATE-----
MIIBszCCAVmgAwIBAgIUPURhfm3WA/Ib11RQfeQ3rPe401owCgYIKoZIzj0EAwIw
IDEeMBwGA1UEAwwVcmVwbGF5IHN0YW5kLWluIChiYWQpMCAXDTI2MTIwNzA3NDYw
MloYDzIxMjYxMTEzMDc0NjAyWjAgMR4wHAYDVQQDDBVyZXBsYXkgc3RhbmQtaW4g
KGJhZCkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATXR8tfhGmADWPmJCNoBtR+
dAMy9ILpkh69MrSQ9qKNTanUkQWYAVs/DlOS6RLczMpjvdR1d3Wsk9kFuck5W7Cp
o28wbTAdBgNVHQ4EFgQUTzsVk8jSLX6KNM3xzSvBfy5oS7gwHwYDVR0jBBgwFoAU
TzsVk8jSLX6KNM3xzSvBfy5oS7gwDwYDVR0TAQH/BAUwAwEB/zAaBgNVHREEEzAR
hwR/AAABgglsb2NhbGhvc3QwCgYIKoZIzj0EAwIDSAAwRQIgS9diKrVCTjtlMsX7
FdSBSzjnqI45GIhvJuifRFEdn6UCIQCfcypfxCLWahHaxsdEq6dIaRpVNKdH0dVb
V80TlKMiuw==
-----END CERTIFICATE-----`;
export const BAD_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgkFn6xPWtvZa8Rvcd
hEq1sHB7MJbwsF33km+L+00KynahRANCAATXR8tfhGmADWPmJCNoBtR+dAMy9ILp
kh69MrSQ9qKNTanUkQWYAVs/DlOS6RLczMpjvdR1d3Wsk9kFuck5W7Cp
-----END PRIVATE KEY-----`;
