#include "core/srtp/srtp_context.hpp"

#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/key_derivation.hpp"

namespace polyrtc::srtp {

const char* to_string(SrtpSuite suite) {
    switch (suite) {
        case SrtpSuite::kAesCm128HmacSha1_80: return "AES_CM_128_HMAC_SHA1_80";
        case SrtpSuite::kAeadAes128Gcm: return "AEAD_AES_128_GCM";
    }
    return "unknown";
}

const char* to_string(SrtpError error) {
    switch (error) {
        case SrtpError::kBadKeyMaterial: return "SRTP master key or salt has the wrong size";
        case SrtpError::kMalformed: return "malformed RTP/RTCP packet";
        case SrtpError::kTooShort: return "SRTP packet too short";
        case SrtpError::kAuthFailed: return "SRTP authentication failed";
        case SrtpError::kReplayed: return "SRTP packet replayed";
        case SrtpError::kTooOld: return "SRTP packet older than the replay window";
        case SrtpError::kTooManyStreams: return "too many SRTP streams";
        case SrtpError::kIndexExhausted: return "SRTCP index exhausted";
    }
    return "unknown SRTP error";
}

uint32_t estimate_roc(uint32_t roc, uint16_t s_l, uint16_t seq) {
    // Appendix A, verbatim in structure:
    //   if (s_l < 32768) if (SEQ - s_l > 32768) v = ROC-1 else v = ROC
    //   else             if (s_l - 32768 > SEQ) v = ROC+1 else v = ROC
    if (s_l < 32768) {
        if (int{seq} - int{s_l} > 32768) return roc - 1;
        return roc;
    }
    if (int{s_l} - 32768 > int{seq}) return roc + 1;
    return roc;
}

Result<SrtpContext, SrtpError> SrtpContext::create(ByteView master_key, ByteView master_salt, SrtpSuite suite) {
    bool gcm = suite == SrtpSuite::kAeadAes128Gcm;
    if (master_key.size() != 16 || master_salt.size() != (gcm ? 12u : 14u)) {
        return unexpected(SrtpError::kBadKeyMaterial);
    }
    // RFC 7714 11: the KDF is RFC 3711's AES-CM PRF; the 96-bit master salt is padded with
    // zeros to the PRF's 112 bits (libsrtp does the same), and the session salt is 96 bits.
    Bytes kdf_salt(master_salt.begin(), master_salt.end());
    kdf_salt.resize(14, 0);
    auto make = [&](bool rtcp) -> std::optional<Keys> {
        Keys keys;
        KeyLabel enc = rtcp ? KeyLabel::kRtcpEncryption : KeyLabel::kRtpEncryption;
        KeyLabel salt = rtcp ? KeyLabel::kRtcpSalt : KeyLabel::kRtpSalt;
        Bytes cipher_key = derive_session_key(master_key, kdf_salt, enc, master_key.size());
        keys.salt = derive_session_key(master_key, kdf_salt, salt, gcm ? 12 : 14);
        if (gcm) {
            keys.aead = AesGcm::create(cipher_key);
            if (!keys.aead) return std::nullopt;
        } else {
            KeyLabel auth = rtcp ? KeyLabel::kRtcpAuthentication : KeyLabel::kRtpAuthentication;
            keys.cipher = AesCounterMode::create(cipher_key);
            keys.auth = HmacSha1::create(derive_session_key(master_key, kdf_salt, auth, 20));
            if (!keys.cipher || !keys.auth) return std::nullopt;
        }
        return keys;
    };
    auto rtp = make(false);
    auto rtcp = make(true);
    if (!rtp || !rtcp) return unexpected(SrtpError::kBadKeyMaterial);
    return SrtpContext(suite, std::move(*rtp), std::move(*rtcp));
}

std::array<uint8_t, 12> gcm_iv(ByteView salt, uint32_t ssrc, uint64_t index) {
    std::array<uint8_t, 12> iv{};
    for (int i = 0; i < 4; ++i) iv[2 + i] = static_cast<uint8_t>(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; ++i) iv[6 + i] = static_cast<uint8_t>(index >> (40 - 8 * i));
    for (size_t i = 0; i < 12 && i < salt.size(); ++i) iv[i] ^= salt[i];
    return iv;
}

// RFC 3711 4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16).
std::array<uint8_t, 16> aes_cm_iv(ByteView salt, uint32_t ssrc, uint64_t index) {
    std::array<uint8_t, 16> iv{};
    for (size_t i = 0; i < 14 && i < salt.size(); ++i) iv[i] = salt[i];
    for (int i = 0; i < 4; ++i) iv[4 + i] ^= static_cast<uint8_t>(ssrc >> (24 - 8 * i));
    for (int i = 0; i < 6; ++i) iv[8 + i] ^= static_cast<uint8_t>(index >> (40 - 8 * i));
    return iv;
}

SrtpContext::Stream* SrtpContext::find_stream(uint32_t ssrc) {
    for (auto& s : streams_) {
        if (s.ssrc == ssrc) return &s;
    }
    return nullptr;
}

Result<SrtpContext::Stream*, SrtpError> SrtpContext::stream_for(uint32_t ssrc) {
    if (Stream* s = find_stream(ssrc)) return s;
    if (streams_.size() >= kMaxStreams) return unexpected(SrtpError::kTooManyStreams);
    streams_.push_back(Stream{});
    streams_.back().ssrc = ssrc;
    return &streams_.back();
}

std::optional<uint32_t> SrtpContext::rollover_counter(uint32_t ssrc) const {
    for (const auto& s : streams_) {
        if (s.ssrc == ssrc && s.started) return s.roc;
    }
    return std::nullopt;
}

namespace {

void write_u32(uint8_t* out, uint32_t v) {
    out[0] = static_cast<uint8_t>(v >> 24);
    out[1] = static_cast<uint8_t>(v >> 16);
    out[2] = static_cast<uint8_t>(v >> 8);
    out[3] = static_cast<uint8_t>(v);
}

uint32_t read_u32(const uint8_t* in) {
    return (uint32_t{in[0]} << 24) | (uint32_t{in[1]} << 16) | (uint32_t{in[2]} << 8) | in[3];
}

}  // namespace

Result<Bytes, SrtpError> SrtpContext::protect_rtp(ByteView rtp) {
    auto parsed = rtp::parse_rtp(rtp);
    if (!parsed) return unexpected(SrtpError::kMalformed);
    const auto& h = parsed->header;
    auto stream = stream_for(h.ssrc);
    if (!stream) return unexpected(stream.error());
    Stream& s = **stream;
    // The sender's index follows the same estimate, so a wrap 65535 -> 0 increments ROC.
    uint32_t roc = s.started ? estimate_roc(s.roc, s.highest_seq, h.sequence_number) : 0;
    if (!s.started || roc > s.roc || (roc == s.roc && rtp::seq_newer(h.sequence_number, s.highest_seq))) {
        s.roc = roc;
        s.highest_seq = h.sequence_number;
        s.started = true;
    }

    return seal_rtp(rtp.subview(0, parsed->header_size), rtp.subview(parsed->header_size), h.ssrc, roc,
                    h.sequence_number);
}

Bytes SrtpContext::seal_rtp(ByteView header, ByteView payload, uint32_t ssrc, uint32_t roc, uint16_t seq) {
    uint64_t index = (uint64_t{roc} << 16) | seq;
    Bytes out(header.begin(), header.end());
    if (suite_ == SrtpSuite::kAeadAes128Gcm) {
        // RFC 7714 8.2: the header is the associated data, the payload (and padding) the
        // plaintext; the tag follows the ciphertext.
        Bytes sealed = rtp_.aead->seal(gcm_iv(rtp_.salt, ssrc, index), header, payload);
        out.insert(out.end(), sealed.begin(), sealed.end());
        return out;
    }
    out.insert(out.end(), payload.begin(), payload.end());
    // The payload and any padding are encrypted (3.1: "Encrypted Portion ... RTP payload,
    // RTP padding and RTP pad count").
    auto iv = aes_cm_iv(rtp_.salt, ssrc, index);
    rtp_.cipher->apply(iv, out.data() + header.size(), payload.size());
    uint8_t roc_bytes[4];
    write_u32(roc_bytes, roc);
    auto tag = rtp_.auth->compute(out, ByteView(roc_bytes, 4));
    out.insert(out.end(), tag.begin(), tag.begin() + kAuthTagSize);
    return out;
}

std::optional<Bytes> SrtpContext::open_rtp(ByteView header, ByteView sealed, uint32_t ssrc, uint32_t roc,
                                           uint16_t seq) {
    uint64_t index = (uint64_t{roc} << 16) | seq;
    Bytes out(header.begin(), header.end());
    if (suite_ == SrtpSuite::kAeadAes128Gcm) {
        auto plain = rtp_.aead->open(gcm_iv(rtp_.salt, ssrc, index), header, sealed);
        if (!plain) return std::nullopt;
        out.insert(out.end(), plain->begin(), plain->end());
        return out;
    }
    ByteView ciphertext = sealed.subview(0, sealed.size() - kAuthTagSize);
    out.insert(out.end(), ciphertext.begin(), ciphertext.end());
    uint8_t roc_bytes[4];
    write_u32(roc_bytes, roc);
    auto tag = rtp_.auth->compute(out, ByteView(roc_bytes, 4));
    if (!constant_time_equal(tag.data(), sealed.data() + ciphertext.size(), kAuthTagSize)) return std::nullopt;
    auto iv = aes_cm_iv(rtp_.salt, ssrc, index);
    rtp_.cipher->apply(iv, out.data() + header.size(), ciphertext.size());
    return out;
}

Result<Bytes, SrtpError> SrtpContext::unprotect_rtp(ByteView srtp) {
    if (srtp.size() < rtp::kRtpHeaderSize + tag_size()) return unexpected(SrtpError::kTooShort);
    ByteView authenticated = srtp.subview(0, srtp.size() - tag_size());
    // The header only: the payload is ciphertext, so padding can't be checked yet.
    auto parsed = rtp::parse_rtp_header(authenticated);
    if (!parsed) return unexpected(SrtpError::kMalformed);
    const auto& h = parsed->header;

    Stream* existing = find_stream(h.ssrc);
    if (existing == nullptr && streams_.size() >= kMaxStreams) return unexpected(SrtpError::kTooManyStreams);
    bool started = existing != nullptr && existing->started;
    uint32_t roc = started ? estimate_roc(existing->roc, existing->highest_seq, h.sequence_number) : 0;
    uint64_t index = (uint64_t{roc} << 16) | h.sequence_number;
    if (started) {
        // An estimate of ROC - 1 while ROC is 0 wrapped to 2^32 - 1: such a packet predates
        // the stream and the window says so.
        if (roc == UINT32_MAX && existing->roc == 0) return unexpected(SrtpError::kTooOld);
        switch (existing->replay.check(index)) {
            case ReplayWindow::Verdict::kReplayed: return unexpected(SrtpError::kReplayed);
            case ReplayWindow::Verdict::kTooOld: return unexpected(SrtpError::kTooOld);
            case ReplayWindow::Verdict::kNew: break;
        }
    }

    auto opened = open_rtp(srtp.subview(0, parsed->header_size), srtp.subview(parsed->header_size), h.ssrc, roc,
                           h.sequence_number);
    if (!opened) return unexpected(SrtpError::kAuthFailed);
    Bytes out = std::move(*opened);
    // With the plaintext, the padding can be checked; a bad count is a malformed packet
    // from an authenticated peer, still refused before any state changes.
    if (!rtp::parse_rtp(out)) return unexpected(SrtpError::kMalformed);

    auto stream = stream_for(h.ssrc);
    if (!stream) return unexpected(stream.error());
    Stream& s = **stream;
    if (!s.started || roc > s.roc || (roc == s.roc && rtp::seq_newer(h.sequence_number, s.highest_seq))) {
        s.roc = roc;
        s.highest_seq = h.sequence_number;
        s.started = true;
    }
    s.replay.accept(index);
    return out;
}

namespace {
constexpr size_t kSrtcpHeaderSize = 8;  // RTCP header + sender SSRC stay in the clear
constexpr uint32_t kEBit = 0x80000000u;
}  // namespace

Result<Bytes, SrtpError> SrtpContext::protect_rtcp(ByteView rtcp) {
    if (rtcp.size() < kSrtcpHeaderSize || (rtcp[0] >> 6) != 2) return unexpected(SrtpError::kMalformed);
    if (next_srtcp_index_ > 0x7FFFFFFFu) return unexpected(SrtpError::kIndexExhausted);
    uint32_t ssrc = read_u32(rtcp.data() + 4);
    uint32_t index = next_srtcp_index_++;
    uint8_t e_index[4];
    write_u32(e_index, kEBit | index);
    ByteView header = rtcp.subview(0, kSrtcpHeaderSize);
    ByteView body = rtcp.subview(kSrtcpHeaderSize);

    Bytes out(header.begin(), header.end());
    if (suite_ == SrtpSuite::kAeadAes128Gcm) {
        // RFC 7714 9.2: AAD = the first 8 octets || E + index; the index word goes last.
        Bytes aad(header.begin(), header.end());
        aad.insert(aad.end(), e_index, e_index + 4);
        Bytes sealed = rtcp_.aead->seal(gcm_iv(rtcp_.salt, ssrc, index), aad, body);
        out.insert(out.end(), sealed.begin(), sealed.end());
        out.insert(out.end(), e_index, e_index + 4);
        return out;
    }
    out.insert(out.end(), body.begin(), body.end());
    auto iv = aes_cm_iv(rtcp_.salt, ssrc, index);
    rtcp_.cipher->apply(iv, out.data() + kSrtcpHeaderSize, body.size());
    out.insert(out.end(), e_index, e_index + 4);
    // 3.4: the tag covers the header, the encrypted portion and the E+index word.
    auto tag = rtcp_.auth->compute(out);
    out.insert(out.end(), tag.begin(), tag.begin() + kAuthTagSize);
    return out;
}

Result<Bytes, SrtpError> SrtpContext::unprotect_rtcp(ByteView srtcp) {
    bool gcm = suite_ == SrtpSuite::kAeadAes128Gcm;
    if (srtcp.size() < kSrtcpHeaderSize + kSrtcpIndexSize + tag_size()) return unexpected(SrtpError::kTooShort);
    if ((srtcp[0] >> 6) != 2) return unexpected(SrtpError::kMalformed);
    // AES-CM: ... | E+index | tag. GCM: ... | tag | E+index.
    size_t index_at = gcm ? srtcp.size() - kSrtcpIndexSize : srtcp.size() - kAuthTagSize - kSrtcpIndexSize;
    uint32_t e_index = read_u32(srtcp.data() + index_at);
    bool encrypted = (e_index & kEBit) != 0;
    uint32_t index = e_index & ~kEBit;
    uint32_t ssrc = read_u32(srtcp.data() + 4);

    Stream* existing = find_stream(ssrc);
    if (existing == nullptr && streams_.size() >= kMaxStreams) return unexpected(SrtpError::kTooManyStreams);
    if (existing != nullptr) {
        switch (existing->rtcp_replay.check(index)) {
            case ReplayWindow::Verdict::kReplayed: return unexpected(SrtpError::kReplayed);
            case ReplayWindow::Verdict::kTooOld: return unexpected(SrtpError::kTooOld);
            case ReplayWindow::Verdict::kNew: break;
        }
    }
    Bytes out;
    if (gcm) {
        ByteView header = srtcp.subview(0, kSrtcpHeaderSize);
        ByteView sealed = srtcp.subview(kSrtcpHeaderSize, index_at - kSrtcpHeaderSize);
        Bytes aad(header.begin(), header.end());
        // 9.2/9.3: with E = 0 nothing is encrypted: the whole packet is associated data and
        // only the tag is "sealed".
        if (!encrypted) aad.insert(aad.end(), sealed.begin(), sealed.end() - kGcmTagSize);
        aad.insert(aad.end(), srtcp.data() + index_at, srtcp.data() + index_at + kSrtcpIndexSize);
        ByteView to_open = encrypted ? sealed : sealed.subview(sealed.size() - kGcmTagSize);
        auto plain = rtcp_.aead->open(gcm_iv(rtcp_.salt, ssrc, index), aad, to_open);
        if (!plain) return unexpected(SrtpError::kAuthFailed);
        out.assign(header.begin(), header.end());
        if (encrypted) {
            out.insert(out.end(), plain->begin(), plain->end());
        } else {
            out.insert(out.end(), sealed.begin(), sealed.end() - kGcmTagSize);
        }
    } else {
        ByteView authenticated = srtcp.subview(0, index_at + kSrtcpIndexSize);
        auto tag = rtcp_.auth->compute(authenticated);
        if (!constant_time_equal(tag.data(), srtcp.data() + authenticated.size(), kAuthTagSize)) {
            return unexpected(SrtpError::kAuthFailed);
        }
        out.assign(srtcp.begin(), srtcp.begin() + static_cast<std::ptrdiff_t>(index_at));
        if (encrypted) {
            auto iv = aes_cm_iv(rtcp_.salt, ssrc, index);
            rtcp_.cipher->apply(iv, out.data() + kSrtcpHeaderSize, out.size() - kSrtcpHeaderSize);
        }
    }
    auto stream = stream_for(ssrc);
    if (!stream) return unexpected(stream.error());
    (*stream)->rtcp_replay.accept(index);
    return out;
}

}  // namespace polyrtc::srtp
