#include "core/dtls/endpoint.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "core/dtls/client_hello_reassembler.hpp"
#include "core/dtls/record.hpp"

#if !defined(MBEDTLS_SSL_PROTO_DTLS) || !defined(MBEDTLS_SSL_DTLS_SRTP) || !defined(MBEDTLS_SSL_EXPORT_KEYS) || \
    !defined(MBEDTLS_SSL_DTLS_ANTI_REPLAY) || !defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
#error "polyrtc's DTLS endpoint needs an mbedTLS with DTLS, DTLS-SRTP, key export, anti-replay and kept peer certs"
#endif

namespace polyrtc::dtls {

const char* to_string(DtlsError error) {
    switch (error) {
        case DtlsError::kSetupFailed: return "mbedTLS refused the DTLS configuration";
        case DtlsError::kBadConfig: return "invalid DTLS configuration (MTU or timeouts)";
        case DtlsError::kAlreadyStarted: return "DTLS endpoint already started";
        case DtlsError::kNotConnected: return "DTLS not connected";
        case DtlsError::kTooLarge: return "application data larger than one DTLS record fitting the MTU";
        case DtlsError::kEmpty: return "empty application data";
        case DtlsError::kClosed: return "DTLS endpoint closed";
        case DtlsError::kFailed: return "DTLS endpoint failed";
        case DtlsError::kWriteFailed: return "mbedTLS could not write the record";
    }
    return "unknown";
}

const char* to_string(FailureReason reason) {
    switch (reason) {
        case FailureReason::kFingerprintMismatch: return "peer certificate does not match the signaled fingerprint";
        case FailureReason::kUnsupportedFingerprint: return "no signaled fingerprint uses a supported hash function";
        case FailureReason::kNoPeerCertificate: return "peer sent no certificate";
        case FailureReason::kPeerAlert: return "peer sent a fatal alert";
        case FailureReason::kHandshakeTimeout: return "DTLS handshake timed out";
        case FailureReason::kHandshakeFailed: return "DTLS handshake failed";
        case FailureReason::kTooManyBadRecords: return "too many records failed authentication";
        case FailureReason::kInternal: return "internal DTLS error";
    }
    return "unknown";
}

const char* to_string(SrtpProfile profile) {
    switch (profile) {
        case SrtpProfile::kNone: return "none";
        case SrtpProfile::kAes128CmHmacSha1_80: return "SRTP_AES128_CM_HMAC_SHA1_80";
    }
    return "unknown";
}

const char* to_string(DtlsState state) {
    switch (state) {
        case DtlsState::kNew: return "new";
        case DtlsState::kHandshaking: return "handshaking";
        case DtlsState::kAwaitingFingerprint: return "awaiting-fingerprint";
        case DtlsState::kConnected: return "connected";
        case DtlsState::kClosed: return "closed";
        case DtlsState::kFailed: return "failed";
    }
    return "unknown";
}

namespace {

// Largest record expansion among the suites we offer: 13 header + 8 explicit nonce + 16 tag.
constexpr size_t kWorstRecordOverhead = kRecordHeaderSize + 8 + 16;
// RFC 5764 section 4.2 exporter label.
constexpr char kSrtpExporterLabel[] = "EXTRACTOR-dtls_srtp";
// More records than this in one datagram is not something a peer does (a 1200-byte datagram
// holds at most 92 empty records); the bound only keeps read loops finite.
constexpr int kMaxLoopIterations = 4096;

// mbedTLS's anti-replay window (ssl_msg.c mbedtls_ssl_dtls_replay_check): bit n of `window` is
// set iff record `top - n` has been authenticated.
bool window_has_seen(uint64_t top, uint64_t window, uint64_t sequence) {
    if (sequence > top) return false;
    uint64_t bit = top - sequence;
    if (bit >= 64) return true;  // too old to tell: treated as a replay
    return (window & (uint64_t{1} << bit)) != 0;
}

void window_mark(uint64_t& top, uint64_t& window, uint64_t sequence) {
    if (sequence > top) {
        uint64_t shift = sequence - top;
        window = shift >= 64 ? 1 : (window << shift) | 1;
        top = sequence;
    } else {
        window |= uint64_t{1} << (top - sequence);
    }
}

mbedtls_md_type_t md_type_for(const std::string& algorithm) {
    if (algorithm == "sha-1") return MBEDTLS_MD_SHA1;
    if (algorithm == "sha-224") return MBEDTLS_MD_SHA224;
    if (algorithm == "sha-256") return MBEDTLS_MD_SHA256;
    if (algorithm == "sha-384") return MBEDTLS_MD_SHA384;
    if (algorithm == "sha-512") return MBEDTLS_MD_SHA512;
    return MBEDTLS_MD_NONE;
}

enum class FingerprintCheck { kMatch, kMismatch, kUnsupported };

// RFC 8122 section 5 / RFC 8842 section 5: the peer's certificate must match a signaled
// fingerprint; fingerprints with hash functions this build lacks are skipped.
FingerprintCheck check_fingerprints(const Bytes& der, const std::vector<Fingerprint>& expected) {
    bool any_supported = false;
    for (const Fingerprint& fp : expected) {
        const mbedtls_md_info_t* info = mbedtls_md_info_from_type(md_type_for(fp.algorithm));
        if (info == nullptr || fp.digest.size() != mbedtls_md_get_size(info)) continue;
        any_supported = true;
        uint8_t digest[MBEDTLS_MD_MAX_SIZE];
        if (mbedtls_md(info, der.data(), der.size(), digest) != 0) continue;
        uint8_t diff = 0;  // constant time, for form's sake: the digest is public
        for (size_t i = 0; i < fp.digest.size(); ++i) diff |= static_cast<uint8_t>(digest[i] ^ fp.digest[i]);
        if (diff == 0) return FingerprintCheck::kMatch;
    }
    return any_supported ? FingerprintCheck::kMismatch : FingerprintCheck::kUnsupported;
}

std::string mbedtls_error_text(int error) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "mbedTLS error -0x%04X", static_cast<unsigned>(-error));
    return buf;
}

}  // namespace

struct DtlsEndpoint::State {
    const Certificate& certificate;
    crypto::Csprng& rng;
    DtlsConfig config;

    mbedtls_x509_crt own_crt;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;
    std::vector<int> ciphersuites;
    std::vector<mbedtls_ecp_group_id> curves;
    mbedtls_ssl_srtp_profile srtp_profiles[2] = {MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80, MBEDTLS_TLS_SRTP_UNSET};

    DtlsState state = DtlsState::kNew;
    DtlsStats stats;
    Timestamp now;

    // mbedTLS timer (mbedtls_ssl_set_timer_cb), in core time.
    bool timer_active = false;
    Timestamp timer_intermediate;
    Timestamp timer_final;

    // The datagram being handled; bio_recv hands it to mbedTLS once.
    ByteView input;
    bool input_pending = false;

    std::deque<Bytes> transmits;
    std::deque<DtlsEvent> events;

    // Peer authentication.
    std::vector<Fingerprint> remote_fingerprints;
    bool remote_fingerprints_set = false;
    Bytes peer_der;              // leaf certificate as received
    bool peer_verified = false;  // peer_der matched remote_fingerprints
    bool verify_failed = false;  // the verify callback rejected the certificate
    FailureReason verify_failure = FailureReason::kFingerprintMismatch;

    // Exporter inputs (mbedTLS 2.28 has no RFC 5705 exporter: we run the PRF ourselves).
    bool have_master = false;
    uint8_t master[48] = {};
    uint8_t randoms[64] = {};  // client_random || server_random
    mbedtls_tls_prf_types prf_type = MBEDTLS_SSL_TLS_PRF_NONE;

    std::deque<Bytes> unverified;
    size_t unverified_bytes = 0;

    // Server only, until mbedTLS has read a ClientHello (see client_hello_reassembler.hpp).
    ClientHelloReassembler client_hello;
    Bytes reassembled;

    std::vector<Record> records;  // scratch for handle_receive
    Bytes read_buffer = Bytes(MBEDTLS_SSL_IN_CONTENT_LEN);

    State(const Certificate& cert, crypto::Csprng& r, const DtlsConfig& cfg) : certificate(cert), rng(r), config(cfg) {
        mbedtls_x509_crt_init(&own_crt);
        mbedtls_ssl_config_init(&conf);
        mbedtls_ssl_init(&ssl);
    }
    ~State() {
        wipe_master();
        mbedtls_ssl_free(&ssl);
        mbedtls_ssl_config_free(&conf);
        mbedtls_x509_crt_free(&own_crt);
    }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    bool setup();

    // mbedTLS callbacks: they only queue or read the current input and `now`.
    static int bio_send(void* self, const unsigned char* buf, size_t len);
    static int bio_recv(void* self, unsigned char* buf, size_t len);
    static void timer_set(void* self, uint32_t intermediate_ms, uint32_t final_ms);
    static int timer_get(void* self);
    static int verify(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags);
    static int export_keys(void* self, const unsigned char* ms, const unsigned char* kb, size_t maclen, size_t keylen,
                           size_t ivlen, const unsigned char client_random[32], const unsigned char server_random[32],
                           mbedtls_tls_prf_types prf);

    bool handshake_over() const { return ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER; }
    bool awaiting_client_hello() const {
        return config.role == DtlsRole::kServer && ssl.state <= MBEDTLS_SSL_CLIENT_HELLO;
    }
    void drive_handshake();
    void on_handshake_complete();
    void read_app_data();
    void deliver(const uint8_t* data, size_t size);
    void verify_deferred();
    void emit_connected();
    void fail(FailureReason reason, int mbedtls_error, std::string detail);
    void fail_from_mbedtls(int error);
    void wipe_master() {
        mbedtls_platform_zeroize(master, sizeof master);
        have_master = false;
    }
};

bool DtlsEndpoint::State::setup() {
    const Bytes& der = certificate.der();
    if (mbedtls_x509_crt_parse_der(&own_crt, der.data(), der.size()) != 0) return false;

    const int endpoint = config.role == DtlsRole::kClient ? MBEDTLS_SSL_IS_CLIENT : MBEDTLS_SSL_IS_SERVER;
    if (mbedtls_ssl_config_defaults(&conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return false;
    }
    mbedtls_ssl_conf_rng(&conf, &crypto::Csprng::mbedtls_rng, &rng);
    // DTLS 1.2 only (RFC 8827 section 6.5: DTLS 1.2 or later; mbedTLS 2.28 has no DTLS 1.3).
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);

    // Suites browsers offer, in their order, keeping those this mbedTLS build has.
    for (int id :
         {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
          MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}) {
        if (mbedtls_ssl_ciphersuite_from_id(id) != nullptr) ciphersuites.push_back(id);
    }
    if (ciphersuites.empty()) return false;
    ciphersuites.push_back(0);
    mbedtls_ssl_conf_ciphersuites(&conf, ciphersuites.data());

    // ECDHE groups X25519 then P-256. P-384 last where available: mbedTLS also checks the
    // peer certificate's curve against this list.
    for (mbedtls_ecp_group_id id : {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1}) {
        if (mbedtls_ecp_curve_info_from_grp_id(id) != nullptr) curves.push_back(id);
    }
    curves.push_back(MBEDTLS_ECP_DP_NONE);
    mbedtls_ssl_conf_curves(&conf, curves.data());

    mbedtls_ssl_conf_extended_master_secret(&conf, MBEDTLS_SSL_EXTENDED_MS_ENABLED);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
#if defined(MBEDTLS_SSL_SESSION_TICKETS)
    mbedtls_ssl_conf_session_tickets(&conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif

    if (mbedtls_ssl_conf_dtls_srtp_protection_profiles(&conf, srtp_profiles) != 0) return false;
    mbedtls_ssl_conf_srtp_mki_value_supported(&conf, MBEDTLS_SSL_DTLS_SRTP_MKI_UNSUPPORTED);
    mbedtls_ssl_conf_export_keys_ext_cb(&conf, &State::export_keys, this);

    // Certificates both ways, checked by fingerprint. VERIFY_REQUIRED makes the server send
    // CertificateRequest and fail a peer that sends no certificate; it also insists on a CA
    // chain, so our own certificate stands in as one. No self-signed peer chains to it (the
    // key differs); the verify callback decides alone, by fingerprint.
    if (mbedtls_ssl_conf_own_cert(&conf, &own_crt, certificate.key()) != 0) return false;
    mbedtls_ssl_conf_ca_chain(&conf, &own_crt, nullptr);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_verify(&conf, &State::verify, this);
    if (config.role == DtlsRole::kServer) {
        mbedtls_ssl_conf_cert_req_ca_list(&conf, MBEDTLS_SSL_CERT_REQ_CA_LIST_DISABLED);
        // No HelloVerifyRequest: ICE already proved the return path, and browsers do not.
        mbedtls_ssl_conf_dtls_cookies(&conf, nullptr, nullptr, nullptr);
    }

    mbedtls_ssl_conf_dtls_anti_replay(&conf, MBEDTLS_SSL_ANTI_REPLAY_ENABLED);
    mbedtls_ssl_conf_dtls_badmac_limit(&conf, config.bad_mac_limit);
    mbedtls_ssl_conf_handshake_timeout(&conf, static_cast<uint32_t>(config.handshake_timeout_initial.as_millis()),
                                       static_cast<uint32_t>(config.handshake_timeout_max.as_millis()));
    mbedtls_ssl_conf_read_timeout(&conf, 0);

    if (mbedtls_ssl_setup(&ssl, &conf) != 0) return false;
    mbedtls_ssl_set_bio(&ssl, this, &State::bio_send, &State::bio_recv, nullptr);
    mbedtls_ssl_set_timer_cb(&ssl, this, &State::timer_set, &State::timer_get);
    mbedtls_ssl_set_mtu(&ssl, config.mtu);
    return true;
}

int DtlsEndpoint::State::bio_send(void* self, const unsigned char* buf, size_t len) {
    auto* s = static_cast<State*>(self);
    s->transmits.emplace_back(buf, buf + len);
    ++s->stats.datagrams_sent;
    return static_cast<int>(len);
}

int DtlsEndpoint::State::bio_recv(void* self, unsigned char* buf, size_t len) {
    auto* s = static_cast<State*>(self);
    if (!s->input_pending) return MBEDTLS_ERR_SSL_WANT_READ;
    s->input_pending = false;
    // Datagram semantics: a datagram larger than mbedTLS's buffer is truncated, and mbedTLS
    // then drops its last record. handle_receive's header check makes this unreachable for
    // well-formed input.
    size_t n = std::min(len, s->input.size());
    std::memcpy(buf, s->input.data(), n);
    return static_cast<int>(n);
}

void DtlsEndpoint::State::timer_set(void* self, uint32_t intermediate_ms, uint32_t final_ms) {
    auto* s = static_cast<State*>(self);
    if (final_ms == 0) {
        s->timer_active = false;
        return;
    }
    s->timer_active = true;
    s->timer_intermediate = s->now + Duration::millis(intermediate_ms);
    s->timer_final = s->now + Duration::millis(final_ms);
}

int DtlsEndpoint::State::timer_get(void* self) {
    auto* s = static_cast<State*>(self);
    if (!s->timer_active) return -1;
    if (s->now >= s->timer_final) return 2;
    if (s->now >= s->timer_intermediate) return 1;
    return 0;
}

int DtlsEndpoint::State::verify(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    auto* s = static_cast<State*>(self);
    // WebRTC pins the leaf (RFC 8827 6.5); intermediates, names, dates and the missing CA
    // are irrelevant, so their flags are cleared.
    *flags = 0;
    if (depth != 0) return 0;
    s->peer_der.assign(crt->raw.p, crt->raw.p + crt->raw.len);
    if (!s->remote_fingerprints_set) return 0;  // checked when the fingerprints arrive
    switch (check_fingerprints(s->peer_der, s->remote_fingerprints)) {
        case FingerprintCheck::kMatch: s->peer_verified = true; return 0;
        case FingerprintCheck::kMismatch: s->verify_failure = FailureReason::kFingerprintMismatch; break;
        case FingerprintCheck::kUnsupported: s->verify_failure = FailureReason::kUnsupportedFingerprint; break;
    }
    s->verify_failed = true;
    // Fatal even though flags are clear: mbedTLS sends an alert and fails the handshake.
    return MBEDTLS_ERR_X509_CERT_VERIFY_FAILED;
}

int DtlsEndpoint::State::export_keys(void* self, const unsigned char* ms, const unsigned char* /*kb*/,
                                     size_t /*maclen*/, size_t /*keylen*/, size_t /*ivlen*/,
                                     const unsigned char client_random[32], const unsigned char server_random[32],
                                     mbedtls_tls_prf_types prf) {
    auto* s = static_cast<State*>(self);
    std::memcpy(s->master, ms, sizeof s->master);
    std::memcpy(s->randoms, client_random, 32);
    std::memcpy(s->randoms + 32, server_random, 32);
    s->prf_type = prf;
    s->have_master = true;
    return 0;
}

void DtlsEndpoint::State::fail(FailureReason reason, int mbedtls_error, std::string detail) {
    if (state == DtlsState::kFailed) return;
    state = DtlsState::kFailed;
    timer_active = false;
    unverified.clear();
    unverified_bytes = 0;
    wipe_master();
    Failed failed;
    failed.reason = reason;
    failed.mbedtls_error = mbedtls_error;
    if (reason == FailureReason::kPeerAlert && ssl.in_msg != nullptr) failed.alert = ssl.in_msg[1];
    failed.detail = std::move(detail);
    events.emplace_back(std::move(failed));
}

void DtlsEndpoint::State::fail_from_mbedtls(int error) {
    std::string text = mbedtls_error_text(error);
    if (verify_failed) {
        fail(verify_failure, error, text);
    } else if (error == MBEDTLS_ERR_SSL_TIMEOUT) {
        fail(FailureReason::kHandshakeTimeout, error, text);
    } else if (error == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        fail(FailureReason::kPeerAlert, error, text);
    } else if (error == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
        fail(FailureReason::kNoPeerCertificate, error, text);
    } else if (error == MBEDTLS_ERR_SSL_INVALID_MAC) {
        fail(FailureReason::kTooManyBadRecords, error, text);
    } else if (handshake_over()) {
        fail(FailureReason::kInternal, error, text);
    } else {
        fail(FailureReason::kHandshakeFailed, error, text);
    }
}

void DtlsEndpoint::State::drive_handshake() {
    for (int i = 0; i < kMaxLoopIterations && state == DtlsState::kHandshaking; ++i) {
        int ret = mbedtls_ssl_handshake(&ssl);
        if (ret == 0) {
            on_handshake_complete();
            return;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            // mbedTLS may have served an expired timer before reading: go round once more
            // so the pending datagram is consumed.
            if (!input_pending) return;
            continue;
        }
        fail_from_mbedtls(ret);
        return;
    }
}

void DtlsEndpoint::State::on_handshake_complete() {
    if (peer_der.empty()) {  // unreachable with VERIFY_REQUIRED; kept as a guard
        fail(FailureReason::kNoPeerCertificate, 0, "handshake completed without a peer certificate");
        return;
    }
    state = DtlsState::kAwaitingFingerprint;
    if (remote_fingerprints_set && !peer_verified) {
        verify_deferred();
        return;
    }
    if (peer_verified) emit_connected();
}

// Checks the peer certificate against fingerprints that arrived after it.
void DtlsEndpoint::State::verify_deferred() {
    switch (check_fingerprints(peer_der, remote_fingerprints)) {
        case FingerprintCheck::kMatch:
            peer_verified = true;
            if (state == DtlsState::kAwaitingFingerprint) emit_connected();
            return;
        case FingerprintCheck::kMismatch:
            mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
            fail(FailureReason::kFingerprintMismatch, 0, "checked after the handshake");
            return;
        case FingerprintCheck::kUnsupported:
            mbedtls_ssl_send_alert_message(&ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
            fail(FailureReason::kUnsupportedFingerprint, 0, "checked after the handshake");
            return;
    }
}

void DtlsEndpoint::State::emit_connected() {
    Connected c;
    const char* name = mbedtls_ssl_get_ciphersuite(&ssl);
    c.cipher_suite_name = name != nullptr ? name : "";
    c.cipher_suite = static_cast<uint16_t>(name != nullptr ? mbedtls_ssl_get_ciphersuite_id(name) : 0);
    c.peer_certificate_der = peer_der;
    c.peer_fingerprint = Fingerprint::sha256_of(peer_der);

    mbedtls_dtls_srtp_info srtp;
    mbedtls_ssl_get_dtls_srtp_negotiation_result(&ssl, &srtp);
    if (srtp.chosen_dtls_srtp_profile == MBEDTLS_TLS_SRTP_AES128_CM_HMAC_SHA1_80) {
        if (!have_master) {
            fail(FailureReason::kInternal, 0, "no master secret for the SRTP exporter");
            return;
        }
        // RFC 5705 section 4 without context: PRF(master_secret, label, client_random +
        // server_random)[length]. RFC 5764 4.2: 2 * (16 + 14) bytes for this profile.
        constexpr size_t kKey = 16, kSalt = 14;
        uint8_t material[2 * (kKey + kSalt)];
        if (mbedtls_ssl_tls_prf(prf_type, master, sizeof master, kSrtpExporterLabel, randoms, sizeof randoms, material,
                                sizeof material) != 0) {
            fail(FailureReason::kInternal, 0, "SRTP exporter failed");
            return;
        }
        c.srtp_profile = SrtpProfile::kAes128CmHmacSha1_80;
        c.srtp_keys.profile = c.srtp_profile;
        c.srtp_keys.client_write_key.assign(material, material + kKey);
        c.srtp_keys.server_write_key.assign(material + kKey, material + 2 * kKey);
        c.srtp_keys.client_write_salt.assign(material + 2 * kKey, material + 2 * kKey + kSalt);
        c.srtp_keys.server_write_salt.assign(material + 2 * kKey + kSalt, material + sizeof material);
        mbedtls_platform_zeroize(material, sizeof material);
    }
    wipe_master();
    state = DtlsState::kConnected;
    events.emplace_back(std::move(c));
    for (Bytes& held : unverified) events.emplace_back(Data{std::move(held)});
    unverified.clear();
    unverified_bytes = 0;
}

void DtlsEndpoint::State::deliver(const uint8_t* data, size_t size) {
    if (state == DtlsState::kConnected) {
        events.emplace_back(Data{Bytes(data, data + size)});
    } else if (state == DtlsState::kAwaitingFingerprint && unverified_bytes + size <= config.max_unverified_buffer) {
        unverified.emplace_back(data, data + size);
        unverified_bytes += size;
    } else {
        ++stats.unverified_dropped;
    }
}

void DtlsEndpoint::State::read_app_data() {
    for (int i = 0; i < kMaxLoopIterations; ++i) {
        if (state != DtlsState::kConnected && state != DtlsState::kAwaitingFingerprint) return;
        int ret = mbedtls_ssl_read(&ssl, read_buffer.data(), read_buffer.size());
        if (ret > 0) {
            deliver(read_buffer.data(), static_cast<size_t>(ret));
            continue;
        }
        if (ret == 0) continue;  // an empty record: nothing to deliver
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            if (!input_pending) return;
            continue;
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            // RFC 5246 7.2.1: answer close_notify with our own, then stop.
            mbedtls_ssl_close_notify(&ssl);
            state = DtlsState::kClosed;
            unverified.clear();
            unverified_bytes = 0;
            events.emplace_back(Closed{});
            return;
        }
        fail_from_mbedtls(ret);
        return;
    }
}

Result<DtlsEndpoint, DtlsError> DtlsEndpoint::create(const Certificate& certificate, crypto::Csprng& rng,
                                                     const DtlsConfig& config) {
    if (config.mtu < DtlsConfig::kMinMtu || config.handshake_timeout_initial < Duration::millis(1) ||
        config.handshake_timeout_max < config.handshake_timeout_initial ||
        config.handshake_timeout_max > Duration::seconds(3600)) {
        return unexpected(DtlsError::kBadConfig);
    }
    auto state = std::make_unique<State>(certificate, rng, config);
    if (!state->setup()) return unexpected(DtlsError::kSetupFailed);
    return DtlsEndpoint(std::move(state));
}

DtlsEndpoint::DtlsEndpoint(std::unique_ptr<State> state) : state_(std::move(state)) {}
DtlsEndpoint::DtlsEndpoint(DtlsEndpoint&&) noexcept = default;
DtlsEndpoint& DtlsEndpoint::operator=(DtlsEndpoint&&) noexcept = default;
DtlsEndpoint::~DtlsEndpoint() = default;

DtlsRole DtlsEndpoint::role() const {
    return state_->config.role;
}
DtlsState DtlsEndpoint::state() const {
    return state_->state;
}
const DtlsStats& DtlsEndpoint::stats() const {
    return state_->stats;
}
bool DtlsEndpoint::remote_fingerprints_set() const {
    return state_->remote_fingerprints_set;
}

size_t DtlsEndpoint::max_app_payload() const {
    State& s = *state_;
    if (s.handshake_over()) {
        int n = mbedtls_ssl_get_max_out_record_payload(&s.ssl);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    return std::min<size_t>(s.config.mtu - kWorstRecordOverhead, MBEDTLS_SSL_OUT_CONTENT_LEN);
}

Status<DtlsError> DtlsEndpoint::start(Timestamp now) {
    State& s = *state_;
    if (s.state != DtlsState::kNew) return unexpected(DtlsError::kAlreadyStarted);
    s.now = now;
    s.state = DtlsState::kHandshaking;
    if (s.config.role == DtlsRole::kClient) s.drive_handshake();
    return {};
}

void DtlsEndpoint::handle_receive(Timestamp now, ByteView datagram) {
    State& s = *state_;
    ++s.stats.datagrams_received;
    if (s.state == DtlsState::kClosed || s.state == DtlsState::kFailed ||
        (s.state == DtlsState::kNew && s.config.role == DtlsRole::kClient)) {
        ++s.stats.ignored_inputs;
        return;
    }
    s.now = now;
    if (!parse_records(datagram, s.records)) {
        ++s.stats.malformed_datagrams;
        return;
    }
    if (s.state == DtlsState::kNew) s.state = DtlsState::kHandshaking;
    if (s.awaiting_client_hello()) {
        switch (s.client_hello.handle(datagram)) {
            case ClientHelloReassembler::Verdict::kPass: break;
            case ClientHelloReassembler::Verdict::kHeld: ++s.stats.hello_fragments; return;
            case ClientHelloReassembler::Verdict::kComplete:
                ++s.stats.hello_fragments;
                s.reassembled = s.client_hello.take();
                datagram = ByteView(s.reassembled.data(), s.reassembled.size());
                break;
        }
    }

    // Records of the current (authenticated) epoch after the handshake: classify each against
    // mbedTLS's replay window now, and after mbedTLS has processed them, to count what it
    // silently discards.
    const bool check_records = s.handshake_over();
    const uint16_t epoch = s.ssl.in_epoch;
    uint64_t top = s.ssl.in_window_top;
    uint64_t window = s.ssl.in_window;
    size_t fresh = 0;
    if (check_records) {
        for (Record& r : s.records) {
            if (r.epoch != epoch) continue;
            if (window_has_seen(top, window, r.sequence)) {
                ++s.stats.replayed_records;
                r.epoch = static_cast<uint16_t>(epoch + 1);  // exclude from the check below
                continue;
            }
            window_mark(top, window, r.sequence);
            ++fresh;
        }
    }

    s.input = datagram;
    s.input_pending = true;
    if (s.state == DtlsState::kHandshaking) s.drive_handshake();
    if (s.state == DtlsState::kConnected || s.state == DtlsState::kAwaitingFingerprint) s.read_app_data();
    s.input_pending = false;
    s.input = ByteView();

    if (check_records && fresh > 0 && s.state != DtlsState::kFailed && s.ssl.in_epoch == epoch) {
        for (const Record& r : s.records) {
            if (r.epoch == epoch && !window_has_seen(s.ssl.in_window_top, s.ssl.in_window, r.sequence)) {
                ++s.stats.bad_records;
            }
        }
    }
}

void DtlsEndpoint::handle_timeout(Timestamp now) {
    State& s = *state_;
    if (s.state == DtlsState::kClosed || s.state == DtlsState::kFailed) {
        ++s.stats.ignored_inputs;
        return;
    }
    s.now = now;
    if (s.state != DtlsState::kHandshaking || !s.timer_active || now < s.timer_final) return;
    s.drive_handshake();
    if (s.state != DtlsState::kFailed) ++s.stats.retransmit_timeouts;
}

void DtlsEndpoint::set_remote_fingerprints(std::vector<Fingerprint> fingerprints) {
    State& s = *state_;
    if (s.state == DtlsState::kClosed || s.state == DtlsState::kFailed || s.peer_verified || fingerprints.empty()) {
        return;
    }
    s.remote_fingerprints = std::move(fingerprints);
    s.remote_fingerprints_set = true;
    if (s.peer_der.empty()) return;  // checked by the verify callback when the certificate arrives
    if (s.state == DtlsState::kHandshaking) {
        // The certificate arrived before the fingerprint; the handshake is still going.
        switch (check_fingerprints(s.peer_der, s.remote_fingerprints)) {
            case FingerprintCheck::kMatch: s.peer_verified = true; return;
            case FingerprintCheck::kMismatch:
                mbedtls_ssl_send_alert_message(&s.ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
                s.fail(FailureReason::kFingerprintMismatch, 0, "checked during the handshake");
                return;
            case FingerprintCheck::kUnsupported:
                mbedtls_ssl_send_alert_message(&s.ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, MBEDTLS_SSL_ALERT_MSG_BAD_CERT);
                s.fail(FailureReason::kUnsupportedFingerprint, 0, "checked during the handshake");
                return;
        }
    }
    if (s.state == DtlsState::kAwaitingFingerprint) s.verify_deferred();
}

void DtlsEndpoint::set_remote_fingerprint(Fingerprint fingerprint) {
    std::vector<Fingerprint> one;
    one.push_back(std::move(fingerprint));
    set_remote_fingerprints(std::move(one));
}

Status<DtlsError> DtlsEndpoint::send(ByteView app_data) {
    State& s = *state_;
    switch (s.state) {
        case DtlsState::kConnected: break;
        case DtlsState::kClosed: return unexpected(DtlsError::kClosed);
        case DtlsState::kFailed: return unexpected(DtlsError::kFailed);
        default: return unexpected(DtlsError::kNotConnected);
    }
    if (app_data.empty()) return unexpected(DtlsError::kEmpty);
    if (app_data.size() > max_app_payload()) return unexpected(DtlsError::kTooLarge);
    int ret = mbedtls_ssl_write(&s.ssl, app_data.data(), app_data.size());
    if (ret != static_cast<int>(app_data.size())) return unexpected(DtlsError::kWriteFailed);
    return {};
}

void DtlsEndpoint::close(Timestamp now) {
    State& s = *state_;
    if (s.state == DtlsState::kClosed || s.state == DtlsState::kFailed) return;
    s.now = now;
    if (s.handshake_over()) mbedtls_ssl_close_notify(&s.ssl);
    s.state = DtlsState::kClosed;
    s.timer_active = false;
    s.unverified.clear();
    s.unverified_bytes = 0;
    s.wipe_master();
}

std::optional<Bytes> DtlsEndpoint::poll_transmit() {
    State& s = *state_;
    if (s.transmits.empty()) return std::nullopt;
    Bytes out = std::move(s.transmits.front());
    s.transmits.pop_front();
    return out;
}

std::optional<DtlsEvent> DtlsEndpoint::poll_event() {
    State& s = *state_;
    if (s.events.empty()) return std::nullopt;
    DtlsEvent out = std::move(s.events.front());
    s.events.pop_front();
    return out;
}

std::optional<Timestamp> DtlsEndpoint::poll_timeout() const {
    const State& s = *state_;
    if (s.state != DtlsState::kHandshaking || !s.timer_active) return std::nullopt;
    return s.timer_final;
}

}  // namespace polyrtc::dtls
