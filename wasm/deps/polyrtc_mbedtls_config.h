/* mbedTLS 2.28 configuration for polyrtc's Wasm build: what a WebRTC endpoint needs, no more.
 *
 * - DTLS 1.2 with ECDHE-ECDSA, AES-128-GCM and ChaCha20-Poly1305 (what browsers offer),
 *   P-256 and X25519, DTLS-SRTP (Debian enables it natively; upstream's default does not).
 * - X.509 writing for self-signed certificates; PEM for certificates supplied by pages.
 * - SHA-1 and MD5 for STUN/TURN (MESSAGE-INTEGRITY is HMAC-SHA1; the long-term key is MD5),
 *   AES-CTR for SRTP.
 * - No real clock (MBEDTLS_HAVE_TIME off: core/ takes time as input; peers are pinned by
 *   fingerprint, so certificate dates are not checked), no file system, no platform
 *   entropy (the embedder seeds polyrtc::crypto::Csprng).
 */
#ifndef POLYRTC_MBEDTLS_CONFIG_H
#define POLYRTC_MBEDTLS_CONFIG_H

#define MBEDTLS_NO_PLATFORM_ENTROPY

/* Symmetric crypto and hashes */
#define MBEDTLS_AES_C
#define MBEDTLS_CIPHER_MODE_CTR
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_CTR_DRBG_C

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_PEM_WRITE_C

/* X.509: parse the peer's certificate, write our self-signed one */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CRT_WRITE_C

/* DTLS 1.2 */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_DTLS
#define MBEDTLS_SSL_DTLS_ANTI_REPLAY
#define MBEDTLS_SSL_DTLS_HELLO_VERIFY
#define MBEDTLS_SSL_DTLS_BADMAC_LIMIT
#define MBEDTLS_SSL_COOKIE_C
#define MBEDTLS_SSL_DTLS_SRTP
#define MBEDTLS_SSL_EXPORT_KEYS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED

#define MBEDTLS_SSL_CIPHERSUITES \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256

#include "mbedtls/check_config.h"
#endif
