// Test helpers for audio: a sine generator, Goertzel power, RMS and zero crossings.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/audio/opus_codec.hpp"

namespace polyrtc::testing {

inline constexpr double kPi = 3.14159265358979323846;

// Frame `index` (960 samples) of a sine at `hz` with peak `amplitude`.
inline audio::Samples sine_frame(double hz, double amplitude, size_t index) {
    audio::Samples out(audio::kFrameSamples);
    for (size_t i = 0; i < out.size(); ++i) {
        double t = static_cast<double>(index * audio::kFrameSamples + i) / audio::kSampleRate;
        out[i] = static_cast<int16_t>(std::lround(amplitude * std::sin(2 * kPi * hz * t)));
    }
    return out;
}

inline double rms(const std::vector<int16_t>& x) {
    double sum = 0;
    for (int16_t v : x) sum += static_cast<double>(v) * v;
    return x.empty() ? 0 : std::sqrt(sum / static_cast<double>(x.size()));
}

// Mean power of the `hz` component (Goertzel), on the same scale as rms()^2: a pure sine
// of peak A gives A^2 / 2 for both.
inline double goertzel_power(const std::vector<int16_t>& x, double hz) {
    double w = 2 * kPi * hz / audio::kSampleRate;
    double coeff = 2 * std::cos(w);
    double s1 = 0, s2 = 0;
    for (int16_t v : x) {
        double s = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    double n = static_cast<double>(x.size());
    return 2 * power / (n * n);
}

inline size_t zero_crossings(const std::vector<int16_t>& x) {
    size_t n = 0;
    for (size_t i = 1; i < x.size(); ++i) {
        if ((x[i - 1] < 0) != (x[i] < 0)) ++n;
    }
    return n;
}

// A small deterministic generator (xorshift32) for seeded loss and jitter.
struct XorShift {
    uint32_t state;
    uint32_t next() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        return state;
    }
    // Uniform in [0, n).
    uint32_t below(uint32_t n) { return next() % n; }
};

}  // namespace polyrtc::testing
