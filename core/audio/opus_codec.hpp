// Opus encoder and decoder for WebRTC audio (RFC 7587): 48 kHz, mono, 20 ms frames of 960
// int16 samples, which is what crosses the page/core boundary (media-contract.md).
//
// RFC 7587 4.1: "the RTP timestamp is incremented with a 48000 Hz clock rate for all modes
// of Opus and all sampling rates"; the payload is one Opus packet as the encoder made it. A
// peer may send 10..60 ms packets or stereo: the decoder takes any of them (downmixed to
// mono by libopus) and reports the number of samples decoded.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

struct OpusEncoder;
struct OpusDecoder;

namespace polyrtc::audio {

inline constexpr int kSampleRate = 48000;
inline constexpr size_t kFrameSamples = 960;      // 20 ms at 48 kHz
inline constexpr size_t kMaxFrameSamples = 5760;  // 120 ms, the longest Opus packet

using Samples = std::vector<int16_t>;

enum class AudioError {
    kBadConfig,     // bitrate or loss percentage out of range
    kCodecInit,     // libopus refused to create the codec
    kBadFrameSize,  // encode: not 960 samples
    kEncodeFailed,
    kDecodeFailed,  // corrupt packet
};
const char* to_string(AudioError error);

struct OpusEncoderConfig {
    int bitrate = 32000;             // bits/s, 6000..510000
    bool inband_fec = true;          // LBRR data for the previous frame (SILK/hybrid modes)
    int expected_loss_percent = 10;  // tunes how much FEC the encoder spends
    // 0..10. 5 is what libwebrtc uses on mobile: in the page the encoder runs on the main
    // thread, and at libopus's default (10) it took ~10 % of a core per call in Wasm.
    int complexity = 5;
};

class OpusFrameEncoder {
public:
    static Result<OpusFrameEncoder, AudioError> create(OpusEncoderConfig config);
    // One 20 ms frame (960 samples) -> one Opus packet.
    Result<Bytes, AudioError> encode(const Samples& frame);

private:
    struct Free {
        void operator()(::OpusEncoder* e) const;
    };
    std::unique_ptr<::OpusEncoder, Free> enc_;
};

class OpusFrameDecoder {
public:
    static Result<OpusFrameDecoder, AudioError> create();
    // A received packet -> its samples (960 for a 20 ms packet).
    Result<Samples, AudioError> decode(ByteView packet);
    // Packet-loss concealment: `samples` of synthesized audio continuing the last frame.
    Samples conceal(size_t samples = kFrameSamples);
    // The lost frame before `next_packet`, from the in-band FEC data `next_packet` carries
    // (libopus falls back to concealment when it carries none).
    Result<Samples, AudioError> recover(ByteView next_packet, size_t samples = kFrameSamples);

private:
    struct Free {
        void operator()(::OpusDecoder* d) const;
    };
    std::unique_ptr<::OpusDecoder, Free> dec_;
};

}  // namespace polyrtc::audio
