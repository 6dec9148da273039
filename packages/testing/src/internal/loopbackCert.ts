/**
 * A self-signed certificate for 127.0.0.1 and localhost (valid to 2126), and its private key: test-only
 * material for TLS servers on loopback, where a private key that is public costs nothing. Made with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -days 36500 -nodes
 * -addext subjectAltName=IP:127.0.0.1,DNS:localhost -addext basicConstraints=critical,CA:TRUE`; Node's
 * crypto cannot make certificates, and shipping one keeps tests free of an openssl binary.
 *
 * @internal
 */
export const cert = `-----BEGIN CERTIFICATE-----
MIIBwTCCAWegAwIBAgIUF3Gn8KuF52JcuHgcyuMRt5jNyUcwCgYIKoZIzj0EAwIw
JzElMCMGA1UEAwwcZGVlcHNldC10b2tlbnMgbG9vcGJhY2sgdGVzdDAgFw0yNjEy
MDEwNTUwMTFaGA8yMTI2MTEwNzA1NTAxMVowJzElMCMGA1UEAwwcZGVlcHNldC10
b2tlbnMgbG9vcGJhY2sgdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABHhN
YKFbF1Eju66+c3Son1oidpMuJje1BP2bct5eMH1jHCOh8TeE2b+SzZPMak0tdC5d
mwPOaTMzTFH2IqgFz7qjbzBtMB0GA1UdDgQWBBQh0mTCdSAplW8RLywtJ+Qz/NJY
ljAfBgNVHSMEGDAWgBQh0mTCdSAplW8RLywtJ+Qz/NJYljAaBgNVHREEEzARhwR/
AAABgglsb2NhbGhvc3QwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
AiEA4j1d0kGguH5tkRgD845uv5rm0Mv3h4QXG0GlY3AF3GACIHArdc40hgUEqcKA
jVdWpTmacv1wFM3sn/JTkboLq5X5
-----END CERTIFICATE-----
`

/** @internal */
export const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgo0kVThWY3vlvJUFF
7Y1AfLylCoHi3voWgxXN+7rKEBChRANCAAR4TWChWxdRI7uuvnN0qJ9aInaTLiY3
tQT9m3LeXjB9YxwjofE3hNm/ks2TzGpNLXQuXZsDzmkzM0xR9iKoBc+6
-----END PRIVATE KEY-----
`
