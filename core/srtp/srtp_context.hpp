// SRTP and SRTCP (RFC 3711) with AES_CM_128_HMAC_SHA1_80, for one direction of one DTLS-SRTP
// association: one master key and salt, any number of SSRCs.
//
//   SRTP packet  (3.1):  RTP header | encrypted payload | authentication tag (10 bytes)
//   SRTCP packet (3.4):  RTCP header + sender SSRC (8 bytes) | encrypted rest |
//                        E (1 bit) + SRTCP index (31 bits) | authentication tag (10 bytes)
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
inline constexpr size_t kSrtcpIndexSize = 4;

class SrtpContext {
public:
    static constexpr size_t kMaxStreams = 32;

    static Result<SrtpContext, SrtpError> create(ByteView master_key, ByteView master_salt);

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
        AesCounterMode cipher;
        HmacSha1 auth;
        Bytes salt;
    };

    SrtpContext(Keys rtp, Keys rtcp) : rtp_(std::move(rtp)), rtcp_(std::move(rtcp)) {}
    Stream* find_stream(uint32_t ssrc);
    Result<Stream*, SrtpError> stream_for(uint32_t ssrc);

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

// RFC 3711 appendix A: the ROC value v that makes `seq` closest to the highest sequence
// number seen, s_l. May be roc - 1 (a late packet from before the last wrap) or roc + 1.
uint32_t estimate_roc(uint32_t roc, uint16_t s_l, uint16_t seq);

}  // namespace polyrtc::srtp
