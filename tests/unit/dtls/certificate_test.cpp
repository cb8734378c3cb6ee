#include "core/dtls/certificate.hpp"

#include <doctest/doctest.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

#include "tests/unit/test_rng.hpp"

namespace polyrtc::dtls {

namespace {

constexpr int64_t k2026_01_01 = 1767225600;

CertificateParams params_2026() {
    CertificateParams p;
    p.not_before_unix = k2026_01_01;
    p.not_after_unix = k2026_01_01 + 30 * 86400;
    return p;
}

// Parses DER with mbedTLS's X.509 parser; frees on scope exit.
struct ParsedCert {
    mbedtls_x509_crt crt;
    int status;
    explicit ParsedCert(const Bytes& der) {
        mbedtls_x509_crt_init(&crt);
        status = mbedtls_x509_crt_parse_der(&crt, der.data(), der.size());
    }
    ~ParsedCert() { mbedtls_x509_crt_free(&crt); }
};

}  // namespace

TEST_CASE("dtls.certificate: x509 time strings are UTC calendar dates") {
    CHECK(x509_time_string(0) == "19700101000000");
    CHECK(x509_time_string(951782400) == "20000229000000");  // leap day
    CHECK(x509_time_string(k2026_01_01 + 3661) == "20260101010101");
    CHECK(x509_time_string(-1).empty());
}

TEST_CASE("dtls.certificate: generates a self-signed ECDSA P-256 certificate that parses and verifies") {
    auto rng = testing::seeded_rng("certificate");
    auto cert = Certificate::generate(params_2026(), rng);
    REQUIRE(cert.ok());

    ParsedCert parsed(cert->der());
    REQUIRE(parsed.status == 0);
    CHECK(mbedtls_pk_get_type(&parsed.crt.pk) == MBEDTLS_PK_ECKEY);
    CHECK(mbedtls_pk_ec(parsed.crt.pk)->grp.id == MBEDTLS_ECP_DP_SECP256R1);
    CHECK(parsed.crt.sig_md == MBEDTLS_MD_SHA256);
    CHECK(parsed.crt.valid_from.year == 2026);
    CHECK(parsed.crt.valid_to.mon == 1);
    CHECK(parsed.crt.valid_to.day == 31);

    char subject[128];
    REQUIRE(mbedtls_x509_dn_gets(subject, sizeof subject, &parsed.crt.subject) > 0);
    CHECK(std::string(subject) == "CN=WebRTC");

    // Self-signed: the signature over the TBS part verifies with the certificate's own key.
    uint8_t hash[32];
    mbedtls_sha256_ret(parsed.crt.tbs.p, parsed.crt.tbs.len, hash, 0);
    CHECK(mbedtls_pk_verify(&parsed.crt.pk, MBEDTLS_MD_SHA256, hash, sizeof hash, parsed.crt.sig.p,
                            parsed.crt.sig.len) == 0);

    // The certificate's public key is the private key we hold.
    CHECK(mbedtls_pk_check_pair(&parsed.crt.pk, cert->key()) == 0);
}

TEST_CASE("dtls.certificate: fingerprint is the sha-256 of the DER encoding") {
    auto rng = testing::seeded_rng("fingerprint");
    auto cert = Certificate::generate(params_2026(), rng);
    REQUIRE(cert.ok());
    CHECK(cert->fingerprint() == Fingerprint::sha256_of(cert->der()));
    auto reparsed = Fingerprint::parse(cert->fingerprint().to_sdp());
    REQUIRE(reparsed.ok());
    CHECK(*reparsed == cert->fingerprint());
}

TEST_CASE("dtls.certificate: the same seed makes the same certificate, another seed another") {
    auto rng_a = testing::seeded_rng("same");
    auto rng_b = testing::seeded_rng("same");
    auto rng_c = testing::seeded_rng("other");
    auto a = Certificate::generate(params_2026(), rng_a);
    auto b = Certificate::generate(params_2026(), rng_b);
    auto c = Certificate::generate(params_2026(), rng_c);
    REQUIRE((a.ok() && b.ok() && c.ok()));
    CHECK(a->der() == b->der());
    CHECK(a->fingerprint() != c->fingerprint());
}

TEST_CASE("dtls.certificate: refuses an empty or inverted validity period") {
    auto rng = testing::seeded_rng("validity");
    CertificateParams p = params_2026();
    p.not_after_unix = p.not_before_unix;
    CHECK(Certificate::generate(p, rng).error() == CertificateError::kBadValidity);
    p.not_before_unix = -5;
    CHECK(Certificate::generate(p, rng).error() == CertificateError::kBadValidity);
}

}  // namespace polyrtc::dtls
