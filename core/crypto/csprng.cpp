#include "core/crypto/csprng.hpp"

#include <algorithm>
#include <climits>
#include <cstring>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/sha256.h>

namespace polyrtc::crypto {

const char* to_string(CsprngError error) {
    switch (error) {
        case CsprngError::kSeedTooShort: return "seed too short (need at least 32 bytes)";
        case CsprngError::kDrbgFailure: return "CTR_DRBG failure";
    }
    return "unknown";
}

// CTR_DRBG pulls its entropy through a callback. We expand the caller's seed into as many
// bytes as it asks for with SHA-256 in counter mode, so any seed of kMinSeedSize or more
// works regardless of the DRBG's configured entropy length.
struct Csprng::State {
    Bytes seed;
    uint32_t counter = 0;
    mbedtls_ctr_drbg_context drbg;

    State() { mbedtls_ctr_drbg_init(&drbg); }
    ~State() { mbedtls_ctr_drbg_free(&drbg); }
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    static int entropy(void* self, unsigned char* out, size_t size) {
        auto* state = static_cast<State*>(self);
        while (size > 0) {
            uint8_t block[32];
            uint8_t counter_be[4] = {static_cast<uint8_t>(state->counter >> 24),
                                     static_cast<uint8_t>(state->counter >> 16),
                                     static_cast<uint8_t>(state->counter >> 8), static_cast<uint8_t>(state->counter)};
            ++state->counter;
            mbedtls_sha256_context sha;
            mbedtls_sha256_init(&sha);
            mbedtls_sha256_starts_ret(&sha, 0);
            mbedtls_sha256_update_ret(&sha, state->seed.data(), state->seed.size());
            mbedtls_sha256_update_ret(&sha, counter_be, sizeof counter_be);
            mbedtls_sha256_finish_ret(&sha, block);
            mbedtls_sha256_free(&sha);
            size_t n = std::min(size, sizeof block);
            std::memcpy(out, block, n);
            out += n;
            size -= n;
        }
        return 0;
    }
};

Result<Csprng, CsprngError> Csprng::create(ByteView seed) {
    if (seed.size() < kMinSeedSize) return unexpected(CsprngError::kSeedTooShort);
    auto state = std::make_unique<State>();
    state->seed = seed.to_bytes();
    static constexpr unsigned char kPersonalization[] = "polyrtc";
    if (mbedtls_ctr_drbg_seed(&state->drbg, &State::entropy, state.get(), kPersonalization,
                              sizeof kPersonalization - 1) != 0) {
        return unexpected(CsprngError::kDrbgFailure);
    }
    // The seed is all the entropy there is; reseeding from its expansion adds nothing.
    mbedtls_ctr_drbg_set_reseed_interval(&state->drbg, INT_MAX);
    return Csprng(std::move(state));
}

Csprng::Csprng(std::unique_ptr<State> state) : state_(std::move(state)) {}
Csprng::Csprng(Csprng&&) noexcept = default;
Csprng& Csprng::operator=(Csprng&&) noexcept = default;
Csprng::~Csprng() = default;

void Csprng::fill(uint8_t* out, size_t size) {
    while (size > 0) {
        size_t n = std::min<size_t>(size, MBEDTLS_CTR_DRBG_MAX_REQUEST);
        mbedtls_ctr_drbg_random(&state_->drbg, out, n);
        out += n;
        size -= n;
    }
}

Bytes Csprng::bytes(size_t size) {
    Bytes out(size);
    fill(out.data(), size);
    return out;
}

uint32_t Csprng::next_u32() {
    uint8_t b[4];
    fill(b, sizeof b);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

uint64_t Csprng::next_u64() {
    return (uint64_t{next_u32()} << 32) | next_u32();
}

int Csprng::mbedtls_rng(void* self, unsigned char* out, size_t size) {
    static_cast<Csprng*>(self)->fill(out, size);
    return 0;
}

}  // namespace polyrtc::crypto
