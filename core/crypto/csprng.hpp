// Csprng: the core's only source of randomness, seeded by the caller.
//
// Sans-IO rule: core/ never opens /dev/urandom or calls getentropy(). The embedder seeds
// each instance (the page with crypto.getRandomValues, the relay with the OS, tests with a
// fixed seed so runs are reproducible). Internally it is mbedTLS's CTR_DRBG (AES-256).
#pragma once

#include <cstdint>
#include <memory>

#include "core/common/bytes.hpp"
#include "core/common/result.hpp"

namespace polyrtc::crypto {

enum class CsprngError {
    kSeedTooShort,  // fewer than Csprng::kMinSeedSize bytes
    kDrbgFailure,   // mbedTLS refused to seed or generate
};
const char* to_string(CsprngError error);

class Csprng {
public:
    static constexpr size_t kMinSeedSize = 32;

    static Result<Csprng, CsprngError> create(ByteView seed);

    Csprng(Csprng&&) noexcept;
    Csprng& operator=(Csprng&&) noexcept;
    ~Csprng();

    // Fills `out` with `size` random bytes. Cannot fail once seeded.
    void fill(uint8_t* out, size_t size);
    Bytes bytes(size_t size);
    uint32_t next_u32();
    uint64_t next_u64();

    // Adapter for mbedTLS APIs taking `int (*f_rng)(void*, unsigned char*, size_t)`;
    // pass `this` as p_rng.
    static int mbedtls_rng(void* self, unsigned char* out, size_t size);

private:
    struct State;
    explicit Csprng(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
};

}  // namespace polyrtc::crypto
