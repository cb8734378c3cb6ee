// Certificate: the DTLS identity of one peer connection.
//
// WebRTC endpoints use self-signed certificates and authenticate each other by the
// fingerprint signaled in SDP (RFC 8827 section 6.5), so the certificate's names and dates
// matter only to peers that look at them. Like browsers we generate ECDSA P-256 keys
// (W3C webrtc-pc `generateCertificate` default and what Chromium and Firefox use).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/crypto/csprng.hpp"
#include "core/dtls/fingerprint.hpp"

typedef struct mbedtls_pk_context mbedtls_pk_context;

namespace polyrtc::dtls {

enum class CertificateError {
    kKeyGeneration,  // mbedTLS could not generate the EC key
    kEncoding,       // mbedTLS could not build or sign the X.509 structure
    kBadValidity,    // not_after is not after not_before, or outside 1970..9999
};
const char* to_string(CertificateError error);

struct CertificateParams {
    std::string common_name = "WebRTC";
    // Validity as seconds since the Unix epoch. Wall-clock time is an input: core/ reads no
    // clock. The W3C default `expires` is 30 days.
    int64_t not_before_unix = 0;
    int64_t not_after_unix = 30 * 86400;
};

class Certificate {
public:
    // A new ECDSA P-256 key and a self-signed certificate (SHA-256 signature, random
    // 64-bit serial) drawn from `rng`.
    static Result<Certificate, CertificateError> generate(const CertificateParams& params, crypto::Csprng& rng);

    Certificate(Certificate&&) noexcept;
    Certificate& operator=(Certificate&&) noexcept;
    ~Certificate();

    const Bytes& der() const { return der_; }
    const Fingerprint& fingerprint() const { return fingerprint_; }
    int64_t not_after_unix() const { return not_after_unix_; }
    // The private key, for the DTLS endpoint that presents this certificate.
    mbedtls_pk_context* key() const { return key_.get(); }

private:
    struct KeyDeleter {
        void operator()(mbedtls_pk_context* key) const;
    };
    Certificate(std::unique_ptr<mbedtls_pk_context, KeyDeleter> key, Bytes der, int64_t not_after_unix);

    std::unique_ptr<mbedtls_pk_context, KeyDeleter> key_;
    Bytes der_;
    Fingerprint fingerprint_;
    int64_t not_after_unix_;
};

// "YYYYMMDDhhmmss" in UTC, the form mbedtls_x509write_crt_set_validity takes. Empty if the
// time is outside years 1970..9999.
std::string x509_time_string(int64_t unix_seconds);

}  // namespace polyrtc::dtls
