#include "core/dtls/certificate.hpp"

#include <cstdio>

#include <mbedtls/bignum.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

namespace polyrtc::dtls {

const char* to_string(CertificateError error) {
    switch (error) {
        case CertificateError::kKeyGeneration: return "EC key generation failed";
        case CertificateError::kEncoding: return "X.509 encoding failed";
        case CertificateError::kBadValidity: return "invalid certificate validity period";
    }
    return "unknown";
}

std::string x509_time_string(int64_t unix_seconds) {
    if (unix_seconds < 0) return {};
    int64_t days = unix_seconds / 86400;
    int64_t secs = unix_seconds % 86400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm, proleptic Gregorian).
    int64_t z = days + 719468;
    int64_t era = z / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t day = doy - (153 * mp + 2) / 5 + 1;
    int64_t month = mp < 10 ? mp + 3 : mp - 9;
    int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    if (year > 9999) return {};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", static_cast<int>(year), static_cast<int>(month),
                  static_cast<int>(day), static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                  static_cast<int>(secs % 60));
    return buf;
}

void Certificate::KeyDeleter::operator()(mbedtls_pk_context* key) const {
    mbedtls_pk_free(key);
    delete key;
}

Certificate::Certificate(std::unique_ptr<mbedtls_pk_context, KeyDeleter> key, Bytes der, int64_t not_after_unix)
    : key_(std::move(key)),
      der_(std::move(der)),
      fingerprint_(Fingerprint::sha256_of(der_)),
      not_after_unix_(not_after_unix) {}
Certificate::Certificate(Certificate&&) noexcept = default;
Certificate& Certificate::operator=(Certificate&&) noexcept = default;
Certificate::~Certificate() = default;

namespace {

// Owns a mbedtls_x509write_cert for the duration of generate().
struct CertWriter {
    mbedtls_x509write_cert crt;
    mbedtls_mpi serial;
    CertWriter() {
        mbedtls_x509write_crt_init(&crt);
        mbedtls_mpi_init(&serial);
    }
    ~CertWriter() {
        mbedtls_x509write_crt_free(&crt);
        mbedtls_mpi_free(&serial);
    }
};

}  // namespace

Result<Certificate, CertificateError> Certificate::generate(const CertificateParams& params, crypto::Csprng& rng) {
    std::string not_before = x509_time_string(params.not_before_unix);
    std::string not_after = x509_time_string(params.not_after_unix);
    if (not_before.empty() || not_after.empty() || params.not_after_unix <= params.not_before_unix) {
        return unexpected(CertificateError::kBadValidity);
    }

    std::unique_ptr<mbedtls_pk_context, KeyDeleter> key(new mbedtls_pk_context);
    mbedtls_pk_init(key.get());
    if (mbedtls_pk_setup(key.get(), mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
        mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), &crypto::Csprng::mbedtls_rng, &rng) != 0) {
        return unexpected(CertificateError::kKeyGeneration);
    }

    CertWriter writer;
    // A positive 63-bit serial: DER INTEGERs are signed, and RFC 5280 wants serials > 0.
    uint8_t serial[8];
    rng.fill(serial, sizeof serial);
    serial[0] = static_cast<uint8_t>((serial[0] & 0x7f) | 0x01);
    std::string name = "CN=" + params.common_name;

    mbedtls_x509write_crt_set_version(&writer.crt, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&writer.crt, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&writer.crt, key.get());
    mbedtls_x509write_crt_set_issuer_key(&writer.crt, key.get());
    if (mbedtls_mpi_read_binary(&writer.serial, serial, sizeof serial) != 0 ||
        mbedtls_x509write_crt_set_serial(&writer.crt, &writer.serial) != 0 ||
        mbedtls_x509write_crt_set_subject_name(&writer.crt, name.c_str()) != 0 ||
        mbedtls_x509write_crt_set_issuer_name(&writer.crt, name.c_str()) != 0 ||
        mbedtls_x509write_crt_set_validity(&writer.crt, not_before.c_str(), not_after.c_str()) != 0) {
        return unexpected(CertificateError::kEncoding);
    }

    // x509write_crt_der writes at the *end* of the buffer and returns the length.
    Bytes buffer(1024);
    int written =
        mbedtls_x509write_crt_der(&writer.crt, buffer.data(), buffer.size(), &crypto::Csprng::mbedtls_rng, &rng);
    if (written <= 0) return unexpected(CertificateError::kEncoding);
    Bytes der(buffer.end() - written, buffer.end());
    return Certificate(std::move(key), std::move(der), params.not_after_unix);
}

}  // namespace polyrtc::dtls
