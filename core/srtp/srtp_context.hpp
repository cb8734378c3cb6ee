// SRTP and SRTCP (RFC 3711) for one direction of one DTLS-SRTP association: one master key
// and salt, any number of SSRCs. Two transforms:
//
// AES_CM_128_HMAC_SHA1_80 (RFC 3711, the one WebRTC mandates):
//   SRTP packet  (3.1):  RTP header | encrypted payload | authentication tag (10 bytes)
//   SRTCP packet (3.4):  RTCP header + sender SSRC (8 bytes) | encrypted rest |
//                        E (1 bit) + SRTCP index (31 bits) | authentication tag (10 bytes)
// AEAD_AES_128_GCM (RFC 7714; 12-byte master salt):
//   SRTP packet  (8):    RTP header (the AAD) | ciphertext | tag (16 bytes)
//   SRTCP packet (9):    first 8 bytes (AAD) | ciphertext | tag (16) | E + SRTCP index (AAD)
//
// Per-SSRC state (3.2.3: "the crypto context ... is identified by ... SSRC"; DTLS-SRTP shares
// the master key between SSRCs of a direction, RFC 5764 4.1.2) is the rollover counter, the
// highest sequence number and the replay window. It is created on the first packet of an
// SSRC, bounded by kMaxStreams.
//
// The context is a value: protect/unprotect are pure transforms of bytes plus that state. A
// packet that fails unprotect leaves the state as it was ("the receiver ... MUST NOT update
// ... ROC ... and replay list" until authenticated, 3.3).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"
#include "core/srtp/cipher.hpp"
#include "core/srtp/replay_window.hpp"

namespace polyrtc::srtp {

enum class SrtpSuite {
    kAesCm128HmacSha1_80,
    kAeadAes128Gcm,
};
const char* to_string(SrtpSuite suite);

enum class SrtpError {
    kBadKeyMaterial,  // master key not 16 bytes or salt not 14
    kMalformed,       // not an RTP/RTCP packet the header parser accepts
    kTooShort,        // shorter than header + tag (+ SRTCP index)
    kAuthFailed,      // tag mismatch: tampered, wrong key, or wrong ROC guess
    kReplayed,        // index already in the replay window
    kTooOld,          // index left of the replay window
    kTooManyStreams,  // a new SSRC beyond kMaxStreams
    kIndexExhausted,  // SRTCP index would pass 2^31 - 1: rekey required (3.3.1)
};
const char* to_string(SrtpError error);

// The 80-bit tag of AES_CM_128_HMAC_SHA1_80 (RFC 3711 5.2, RFC 5764 4.1.2).
inline constexpr size_t kAuthTagSize = 10;
inline constexpr size_t kGcmTagSize = 16;
inline constexpr size_t kSrtcpIndexSize = 4;

class SrtpContext {
public:
    static constexpr size_t kMaxStreams = 32;

    static Result<SrtpContext, SrtpError> create(ByteView master_key, ByteView master_salt,
                                                 SrtpSuite suite = SrtpSuite::kAesCm128HmacSha1_80);

    // RTP -> SRTP: encrypts the payload, appends the tag. The packet index comes from the
    // sequence number and this SSRC's rollover counter, which advances when the sequence
    // number wraps.
    Result<Bytes, SrtpError> protect_rtp(ByteView rtp);
    // SRTP -> RTP: estimates the index (3.3.1, appendix A), checks replay, authenticates,
    // decrypts, then updates ROC, highest sequence number and the window.
    Result<Bytes, SrtpError> unprotect_rtp(ByteView srtp);

    // RTCP -> SRTCP: encrypts everything after the first 8 bytes and appends E=1, the
    // 31-bit SRTCP index (one counter for the context, starting at 1) and the tag.
    Result<Bytes, SrtpError> protect_rtcp(ByteView rtcp);
    // SRTCP -> RTCP: authenticates, checks replay on the SRTCP index, decrypts when E is set.
    Result<Bytes, SrtpError> unprotect_rtcp(ByteView srtcp);

    // The rollover counter of `ssrc` (nullopt before its first packet). For tests and stats.
    std::optional<uint32_t> rollover_counter(uint32_t ssrc) const;

private:
    struct Stream {
        uint32_t ssrc = 0;
        bool started = false;
        uint32_t roc = 0;
        uint16_t highest_seq = 0;  // s_l
        ReplayWindow replay;
        ReplayWindow rtcp_replay;
    };
    struct Keys {
        std::optional<AesCounterMode> cipher;  // AES-CM
        std::optional<HmacSha1> auth;          // AES-CM
        std::optional<AesGcm> aead;            // GCM
        Bytes salt;                            // 14 bytes (AES-CM) or 12 (GCM)
    };

    SrtpContext(SrtpSuite suite, Keys rtp, Keys rtcp) : suite_(suite), rtp_(std::move(rtp)), rtcp_(std::move(rtcp)) {}
    size_t tag_size() const { return suite_ == SrtpSuite::kAeadAes128Gcm ? kGcmTagSize : kAuthTagSize; }
    // Both transforms of a payload; nullopt when a GCM tag does not verify.
    Bytes seal_rtp(ByteView header, ByteView payload, uint32_t ssrc, uint32_t roc, uint16_t seq);
    std::optional<Bytes> open_rtp(ByteView header, ByteView sealed, uint32_t ssrc, uint32_t roc, uint16_t seq);
    Stream* find_stream(uint32_t ssrc);
    Result<Stream*, SrtpError> stream_for(uint32_t ssrc);

    SrtpSuite suite_;
    Keys rtp_;
    Keys rtcp_;
    std::vector<Stream> streams_;
    // libsrtp (and so Chromium) sends its first SRTCP packet with index 1; starting there
    // keeps our output byte-identical to its reference packets.
    uint32_t next_srtcp_index_ = 1;
};

// RFC 3711 4.1.1 counter block: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), where i
// is the 48-bit SRTP packet index or the 31-bit SRTCP index.
std::array<uint8_t, 16> aes_cm_iv(ByteView session_salt, uint32_t ssrc, uint64_t index);

// RFC 7714 8.1 / 9.1: IV = (00 00 || SSRC || ROC || SEQ) XOR salt for SRTP, and
// (00 00 || SSRC || 00 00 || 0 + SRTCP index) XOR salt for SRTCP: both are
// 00 00 || SSRC || a 48-bit index (ROC * 2^16 + SEQ, or the SRTCP index).
std::array<uint8_t, 12> gcm_iv(ByteView session_salt, uint32_t ssrc, uint64_t index);

// RFC 3711 appendix A: the ROC value v that makes `seq` closest to the highest sequence
// number seen, s_l. May be roc - 1 (a late packet from before the last wrap) or roc + 1.
uint32_t estimate_roc(uint32_t roc, uint16_t s_l, uint16_t seq);

}  // namespace polyrtc::srtp
