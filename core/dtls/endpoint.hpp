// DtlsEndpoint: one DTLS 1.2 association of a WebRTC peer connection, sans-IO, on mbedTLS 2.28.
//
// What it speaks (what Chromium and Firefox speak, RFC 8827 section 6.5, RFC 8842, RFC 5764):
//   - DTLS 1.2 only (RFC 6347). Cipher suites in preference order:
//       ECDHE-ECDSA-AES128-GCM-SHA256 (0xC02B), ECDHE-ECDSA-CHACHA20-POLY1305 (0xCCA9),
//     then, where the mbedTLS configuration has RSA (native builds, not the Wasm config),
//       ECDHE-RSA-AES128-GCM-SHA256 (0xC02F), ECDHE-RSA-CHACHA20-POLY1305 (0xCCA8)
//     so that a DTLS server presenting an RSA certificate is accepted too.
//   - ECDHE groups X25519 then P-256 (P-384 also accepted for peer certificate keys where the
//     configuration has it). Extended master secret (RFC 7627) offered and accepted.
//   - use_srtp (RFC 5764) offering SRTP_AES128_CM_HMAC_SHA1_80 only: mbedTLS 2.28 refuses the
//     AEAD_AES_128_GCM profile in mbedtls_ssl_conf_dtls_srtp_protection_profiles. A peer that
//     does not negotiate use_srtp still connects (data channels need no SRTP); Connected then
//     carries SrtpProfile::kNone and no keys.
//   - Certificates both ways: the server sends CertificateRequest (MBEDTLS_SSL_VERIFY_REQUIRED on
//     both sides), so a peer that sends no certificate fails the handshake. Trust is the SDP
//     fingerprint only (RFC 8122, RFC 8827): self-signed, expired or RSA certificates are fine
//     once the digest of the peer's leaf DER matches one of the signaled fingerprints.
//   - No HelloVerifyRequest: browsers' DTLS servers do not require cookies, and ICE has already
//     proven the return path before DTLS starts.
//   - Records never exceed the MTU (default 1200 bytes, a datagram's UDP payload); handshake
//     messages are fragmented to fit (mbedtls_ssl_set_mtu). Anti-replay window on.
//
// Shape (like quinn-proto and str0m). Methods are of four kinds:
//   getters       role(), state(), stats(), max_app_payload(), remote_fingerprints_set()
//   inputs        handle_receive(now, datagram), handle_timeout(now)
//   commands      start(now), set_remote_fingerprints(...), send(bytes), close(now)
//   outputs       poll_transmit(), poll_event(), poll_timeout()
// After any input or command, drain poll_transmit() and poll_event() until they return nullopt,
// then arm one timer for poll_timeout(). The endpoint never reads a clock: every time-dependent
// input carries `now`, and mbedTLS's retransmission timer reads the `now` of the input being
// handled. Randomness comes only from the injected Csprng. The endpoint never calls user code.
//
// Timing: retransmission starts at DtlsConfig::handshake_timeout_initial and doubles per
// timeout (RFC 6347 section 4.2.4.1) up to handshake_timeout_max; when a flight has been
// retransmitted after waiting the maximum, the handshake fails with kHandshakeTimeout.
// The server sends the last flight (ChangeCipherSpec, Finished) and, once it has, has no timer:
// mbedTLS re-sends that flight only when the client's retransmitted Finished arrives (on
// retransmission the client puts its epoch-1 Finished in a datagram of its own). Under heavy
// loss this is the weak spot: with 30% loss each way about 1 handshake in 200 exhausts the
// 41 s budget (measured over 200 seeds in DtlsPair; median 0.55 s, p90 3.3 s).
//
// Remote fingerprint timing: the answer SDP may arrive after the peer's first flight. The peer
// certificate is checked as soon as both it and the fingerprints are known. If the handshake
// completes first, the endpoint holds Connected and any application data received
// (bounded, see DtlsConfig::max_unverified_buffer) until set_remote_fingerprints() is called;
// a mismatch then fails the endpoint and nothing held is ever delivered.
//
// Failure: a fatal error (fingerprint mismatch, handshake failure, timeout, fatal alert from
// the peer) raises exactly one Failed event and makes the endpoint inert: further input is
// ignored and counted in stats().ignored_inputs. Datagrams already queued (e.g. the fatal alert
// mbedTLS sends) can still be polled. Hostile network input (records that do not parse, fail
// authentication or are replayed) is dropped and counted, never fatal -- except during the
// unauthenticated handshake, where a malformed handshake message fails it, as in every DTLS 1.2
// stack.
//
// Application data: send() writes one DTLS record per call, at most max_app_payload() bytes,
// i.e. the MTU minus record overhead: 1200 - 37 = 1163 bytes with AES-128-GCM, 1200 - 29 = 1171
// with ChaCha20-Poly1305 at the default MTU. Records up to 16 KiB need an MTU of at least
// 16384 + 37. SCTP over DTLS (RFC 8261) already sizes its packets to fit: configure its MTU to
// max_app_payload(). Each received record is one Data event (record boundaries are preserved).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/common/time.hpp"
#include "core/crypto/csprng.hpp"
#include "core/dtls/certificate.hpp"
#include "core/dtls/fingerprint.hpp"
#include "core/dtls/role.hpp"

namespace polyrtc::dtls {

// a=setup:active -> kClient (sends ClientHello); a=setup:passive -> kServer (RFC 8842 5.2).

// Errors of commands. Failures of the association itself are events (Failed), not errors.
enum class DtlsError {
    kSetupFailed,     // mbedTLS refused the configuration or our certificate
    kBadConfig,       // MTU below kMinMtu, or timeouts out of range
    kAlreadyStarted,  // start() called twice
    kNotConnected,    // send() before Connected was raised
    kTooLarge,        // send() of more than max_app_payload() bytes
    kEmpty,           // send() of zero bytes (SCTP never sends empty packets)
    kClosed,          // the endpoint was closed (locally or by the peer)
    kFailed,          // the endpoint failed and is inert
    kWriteFailed,     // mbedTLS refused to write the record
};
const char* to_string(DtlsError error);

// Why a Failed event was raised.
enum class FailureReason {
    kFingerprintMismatch,     // peer certificate digest matches none of the signaled fingerprints
    kUnsupportedFingerprint,  // no signaled fingerprint uses a hash this build supports
    kNoPeerCertificate,       // the peer sent no certificate (we require one both ways)
    kPeerAlert,               // the peer sent a fatal alert (Failed::alert holds its code)
    kHandshakeTimeout,        // retransmissions exhausted
    kHandshakeFailed,         // any other handshake error (Failed::mbedtls_error holds the code)
    kTooManyBadRecords,       // DtlsConfig::bad_mac_limit records failed authentication
    kInternal,                // mbedTLS failed after the handshake
};
const char* to_string(FailureReason reason);

// SRTP protection profiles (RFC 5764 section 4.1.2; the IANA code points).
enum class SrtpProfile : uint16_t {
    kNone = 0x0000,                 // use_srtp not negotiated
    kAes128CmHmacSha1_80 = 0x0001,  // SRTP_AES128_CM_HMAC_SHA1_80
};
const char* to_string(SrtpProfile profile);

// RFC 5764 section 4.2: 2 * (key + salt) bytes exported with label "EXTRACTOR-dtls_srtp" (RFC
// 5705, no context), split in this order: client key, server key, client salt, server salt.
// The client (a=setup:active side) protects what it sends with the client key and salt.
struct SrtpKeyingMaterial {
    SrtpProfile profile = SrtpProfile::kNone;
    Bytes client_write_key;   // 16 bytes for kAes128CmHmacSha1_80
    Bytes server_write_key;   // 16
    Bytes client_write_salt;  // 14
    Bytes server_write_salt;  // 14
};

struct DtlsConfig {
    // Smallest MTU accepted: the largest single handshake record header plus a useful fragment.
    static constexpr uint16_t kMinMtu = 256;

    DtlsRole role = DtlsRole::kClient;
    // Maximum datagram size (the UDP payload) this endpoint emits.
    uint16_t mtu = 1200;
    // First retransmission timeout, doubled per timeout. RFC 6347 recommends 1 s; libwebrtc
    // uses 2 x ICE RTT clamped to [50 ms, 3 s]. 400 ms is 2 x a 200 ms RTT through the relay:
    // short enough that one lost flight costs well under a second, long enough that a relayed
    // path does not see spurious retransmissions. The owner may set 2 x the ICE RTT instead.
    Duration handshake_timeout_initial = Duration::millis(400);
    // Largest single retransmission timeout; reaching it once more fails the handshake.
    // 400 ms doubling to 16 s: 0.4+0.8+1.6+3.2+6.4+12.8+16 = 41.2 s until kHandshakeTimeout.
    Duration handshake_timeout_max = Duration::seconds(16);
    // Fail after this many records failed authentication; 0 = never (default). A limit lets
    // anyone who can inject packets on the path (the relay, for instance) kill the association
    // cheaply, so browsers (BoringSSL, NSS) silently drop bad records forever; so do we unless
    // asked. Bad records are counted in stats().bad_records either way.
    uint32_t bad_mac_limit = 0;
    // Application data received after the handshake but before the remote fingerprint is known
    // is held up to this many bytes; beyond it, records are dropped (SCTP retransmits them).
    size_t max_unverified_buffer = 256 * 1024;
};

// Events (poll_event).
struct Connected {
    SrtpProfile srtp_profile = SrtpProfile::kNone;
    SrtpKeyingMaterial srtp_keys;  // empty keys when srtp_profile == kNone
    uint16_t cipher_suite = 0;     // IANA id, e.g. 0xC02B
    std::string cipher_suite_name;
    Fingerprint peer_fingerprint;  // sha-256 of the peer certificate's DER
    Bytes peer_certificate_der;
};
struct Data {
    Bytes bytes;  // one DTLS record's plaintext
};
struct Closed {};  // the peer sent close_notify
struct Failed {
    FailureReason reason = FailureReason::kInternal;
    int mbedtls_error = 0;  // the mbedTLS error code, 0 if none
    int alert = -1;         // kPeerAlert: the alert description (RFC 5246 7.2), else -1
    std::string detail;
};
using DtlsEvent = std::variant<Connected, Data, Closed, Failed>;

enum class DtlsState {
    kNew,                  // created; start() not called (a server also starts on first input)
    kHandshaking,          // flights in progress
    kAwaitingFingerprint,  // handshake done; waiting for set_remote_fingerprints()
    kConnected,            // Connected raised; send() works
    kClosed,               // close() called or the peer's close_notify received
    kFailed,               // Failed raised; inert
};
const char* to_string(DtlsState state);

struct DtlsStats {
    uint64_t datagrams_received = 0;   // every handle_receive() call
    uint64_t datagrams_sent = 0;       // every datagram queued for poll_transmit()
    uint64_t malformed_datagrams = 0;  // a record header did not parse or overran: whole datagram dropped
    uint64_t replayed_records = 0;     // authenticated epoch, sequence number already seen or too old
    uint64_t bad_records = 0;          // authenticated epoch, failed decryption/authentication
    uint64_t unverified_dropped = 0;   // app data dropped because the unverified buffer was full
    uint64_t ignored_inputs = 0;       // inputs while closed or failed, or a client's before start()
    uint64_t retransmit_timeouts = 0;  // handshake timer expiries that retransmitted a flight
    uint64_t hello_fragments = 0;      // server: datagrams with ClientHello fragments, reassembled for mbedTLS
};

class DtlsEndpoint {
public:
    // `certificate` and `rng` must outlive the endpoint (the owner holds both; the certificate is
    // typically shared by all endpoints of an RTCPeerConnection).
    static Result<DtlsEndpoint, DtlsError> create(const Certificate& certificate, crypto::Csprng& rng,
                                                  const DtlsConfig& config);

    DtlsEndpoint(DtlsEndpoint&&) noexcept;
    DtlsEndpoint& operator=(DtlsEndpoint&&) noexcept;
    ~DtlsEndpoint();

    // --- getters
    DtlsRole role() const;
    DtlsState state() const;
    const DtlsStats& stats() const;
    bool remote_fingerprints_set() const;
    // Largest send() accepted now: MTU minus the negotiated suite's record overhead. Before the
    // handshake ends, the value for the worst suite we offer (AES-GCM, 37 bytes of overhead).
    size_t max_app_payload() const;

    // --- inputs
    // One received datagram (already demultiplexed: stun::classify_packet() == kDtls). A server that has
    // not been started starts now. Never fails: bad input is dropped and counted.
    void handle_receive(Timestamp now, ByteView datagram);
    // Call when `now` reaches poll_timeout(); earlier calls are harmless.
    void handle_timeout(Timestamp now);

    // --- commands
    // Begins the handshake. A client queues its ClientHello; a server waits for one.
    Status<DtlsError> start(Timestamp now);
    // The a=fingerprint values of the remote description. May be called before start(), during
    // the handshake, or after it completed (see the class comment). The peer certificate must
    // match one whose hash this build supports (sha-1, sha-224, sha-256; natively also sha-384
    // and sha-512). Calling it again replaces the set; once checked, a later call changes nothing.
    // An empty list is ignored.
    void set_remote_fingerprints(std::vector<Fingerprint> fingerprints);
    void set_remote_fingerprint(Fingerprint fingerprint);
    // Encrypts `app_data` as one record and queues it. Only in kConnected.
    Status<DtlsError> send(ByteView app_data);
    // Sends close_notify if connected, then stops. No event is raised for a local close.
    void close(Timestamp now);

    // --- outputs
    std::optional<Bytes> poll_transmit();
    std::optional<DtlsEvent> poll_event();
    // The next time handle_timeout() must be called, or nullopt if no timer is armed.
    std::optional<Timestamp> poll_timeout() const;

private:
    struct State;
    explicit DtlsEndpoint(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace polyrtc::dtls
