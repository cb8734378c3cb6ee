#include "core/audio/opus_codec.hpp"

#include <opus.h>

namespace polyrtc::audio {

const char* to_string(AudioError error) {
    switch (error) {
        case AudioError::kBadConfig: return "bad Opus configuration";
        case AudioError::kCodecInit: return "Opus codec could not be created";
        case AudioError::kBadFrameSize: return "audio frame must be 960 samples (20 ms at 48 kHz)";
        case AudioError::kEncodeFailed: return "Opus encoding failed";
        case AudioError::kDecodeFailed: return "Opus packet could not be decoded";
    }
    return "unknown audio error";
}

void OpusFrameEncoder::Free::operator()(::OpusEncoder* e) const {
    opus_encoder_destroy(e);
}
void OpusFrameDecoder::Free::operator()(::OpusDecoder* d) const {
    opus_decoder_destroy(d);
}

Result<OpusFrameEncoder, AudioError> OpusFrameEncoder::create(OpusEncoderConfig config) {
    if (config.bitrate < 6000 || config.bitrate > 510000) return unexpected(AudioError::kBadConfig);
    if (config.expected_loss_percent < 0 || config.expected_loss_percent > 100) {
        return unexpected(AudioError::kBadConfig);
    }
    if (config.complexity < 0 || config.complexity > 10) return unexpected(AudioError::kBadConfig);
    int err = OPUS_OK;
    // VOIP favours speech intelligibility and enables SILK's in-band FEC.
    OpusFrameEncoder out;
    out.enc_.reset(opus_encoder_create(kSampleRate, 1, OPUS_APPLICATION_VOIP, &err));
    if (err != OPUS_OK || !out.enc_) return unexpected(AudioError::kCodecInit);
    // The ctl requests are passed without libopus's checking macros, which expand to C casts.
    if (opus_encoder_ctl(out.enc_.get(), OPUS_SET_BITRATE_REQUEST, opus_int32{config.bitrate}) != OPUS_OK ||
        opus_encoder_ctl(out.enc_.get(), OPUS_SET_INBAND_FEC_REQUEST, opus_int32{config.inband_fec ? 1 : 0}) !=
            OPUS_OK ||
        opus_encoder_ctl(out.enc_.get(), OPUS_SET_PACKET_LOSS_PERC_REQUEST, opus_int32{config.expected_loss_percent}) !=
            OPUS_OK ||
        opus_encoder_ctl(out.enc_.get(), OPUS_SET_COMPLEXITY_REQUEST, opus_int32{config.complexity}) != OPUS_OK) {
        return unexpected(AudioError::kBadConfig);
    }
    return out;
}

Result<Bytes, AudioError> OpusFrameEncoder::encode(const Samples& frame) {
    if (frame.size() != kFrameSamples) return unexpected(AudioError::kBadFrameSize);
    // 1275 bytes is the largest single Opus frame (RFC 6716 3.2.1).
    Bytes out(1275);
    opus_int32 n = opus_encode(enc_.get(), frame.data(), static_cast<int>(kFrameSamples), out.data(),
                               static_cast<opus_int32>(out.size()));
    if (n < 0) return unexpected(AudioError::kEncodeFailed);
    out.resize(static_cast<size_t>(n));
    return out;
}

Result<OpusFrameDecoder, AudioError> OpusFrameDecoder::create() {
    int err = OPUS_OK;
    OpusFrameDecoder out;
    out.dec_.reset(opus_decoder_create(kSampleRate, 1, &err));
    if (err != OPUS_OK || !out.dec_) return unexpected(AudioError::kCodecInit);
    return out;
}

Result<Samples, AudioError> OpusFrameDecoder::decode(ByteView packet) {
    if (packet.empty()) return unexpected(AudioError::kDecodeFailed);  // empty would mean PLC
    Samples out(kMaxFrameSamples);
    int n = opus_decode(dec_.get(), packet.data(), static_cast<opus_int32>(packet.size()), out.data(),
                        static_cast<int>(out.size()), 0);
    if (n < 0) return unexpected(AudioError::kDecodeFailed);
    out.resize(static_cast<size_t>(n));
    return out;
}

Samples OpusFrameDecoder::conceal(size_t samples) {
    if (samples == 0 || samples > kMaxFrameSamples || samples % 120 != 0) samples = kFrameSamples;
    Samples out(samples);
    int n = opus_decode(dec_.get(), nullptr, 0, out.data(), static_cast<int>(samples), 0);
    if (n < 0) return Samples(samples, 0);
    out.resize(static_cast<size_t>(n));
    return out;
}

Result<Samples, AudioError> OpusFrameDecoder::recover(ByteView next_packet, size_t samples) {
    if (next_packet.empty()) return conceal(samples);
    if (samples == 0 || samples > kMaxFrameSamples || samples % 120 != 0) samples = kFrameSamples;
    Samples out(samples);
    int n = opus_decode(dec_.get(), next_packet.data(), static_cast<opus_int32>(next_packet.size()), out.data(),
                        static_cast<int>(samples), 1);
    if (n < 0) return unexpected(AudioError::kDecodeFailed);
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace polyrtc::audio
