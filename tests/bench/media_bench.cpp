// Media wire costs, built natively and to Wasm (run under Node) so media.bench.mjs can print
// both from the same run: SRTP protect+unprotect of audio-sized packets (AES-CM and GCM),
// Opus encode and decode of 20 ms frames. Prints one JSON line.
#include <chrono>
#include <cmath>
#include <cstdio>

#include "core/audio/opus_codec.hpp"
#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/srtp_context.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Protect + unprotect `count` RTP packets with a 120-byte payload (a 32 kbit/s Opus frame).
double srtp_packets_per_second(polyrtc::srtp::SrtpSuite suite, int count) {
    using namespace polyrtc;
    Bytes key(16, 0x42);
    Bytes salt(suite == srtp::SrtpSuite::kAeadAes128Gcm ? 12 : 14, 0x24);
    auto tx = srtp::SrtpContext::create(key, salt, suite);
    auto rx = srtp::SrtpContext::create(key, salt, suite);
    if (!tx || !rx) return 0;
    rtp::RtpHeader h;
    h.payload_type = 111;
    h.ssrc = 1;
    Bytes payload(120, 0x55);
    auto start = Clock::now();
    for (int i = 0; i < count; ++i) {
        h.sequence_number = static_cast<uint16_t>(i);
        auto packet = rtp::serialize_rtp(h, payload);
        auto sealed = tx->protect_rtp(*packet);
        if (!sealed || !rx->unprotect_rtp(*sealed)) return 0;
    }
    return count / seconds_since(start);
}

}  // namespace

int main() {
    using namespace polyrtc;
    constexpr int kPackets = 20000;
    double cm = srtp_packets_per_second(srtp::SrtpSuite::kAesCm128HmacSha1_80, kPackets);
    double gcm = srtp_packets_per_second(srtp::SrtpSuite::kAeadAes128Gcm, kPackets);

    // 10 s of a 440 Hz tone: encode, then decode, each as a multiple of real time.
    constexpr int kFrames = 500;
    auto enc = audio::OpusFrameEncoder::create({});
    auto dec = audio::OpusFrameDecoder::create();
    if (!enc || !dec) return 1;
    std::vector<audio::Samples> frames(kFrames, audio::Samples(audio::kFrameSamples));
    for (int f = 0; f < kFrames; ++f) {
        for (size_t i = 0; i < audio::kFrameSamples; ++i) {
            double t = static_cast<double>(static_cast<size_t>(f) * audio::kFrameSamples + i) / audio::kSampleRate;
            frames[static_cast<size_t>(f)][i] = static_cast<int16_t>(8000 * std::sin(2 * 3.14159265 * 440 * t));
        }
    }
    std::vector<Bytes> packets;
    auto start = Clock::now();
    for (const auto& f : frames) packets.push_back(enc->encode(f).value());
    double encode_s = seconds_since(start);
    start = Clock::now();
    for (const auto& p : packets) {
        if (!dec->decode(p)) return 1;
    }
    double decode_s = seconds_since(start);
    double audio_s = kFrames * 0.02;
    std::printf(
        "{\"bench\":\"media\",\"srtp_cm_packets_per_s\":%.0f,\"srtp_gcm_packets_per_s\":%.0f,"
        "\"opus_encode_x_realtime\":%.1f,\"opus_decode_x_realtime\":%.1f}\n",
        cm, gcm, audio_s / encode_s, audio_s / decode_s);
    return 0;
}
