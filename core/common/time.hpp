// Core time: a point on a monotonic clock that the caller owns.
//
// Sans-IO rule: nothing in core/ reads a clock. Every input that depends on time carries a
// `Timestamp now` supplied by the caller (JS `performance.now()` in the page, a simulated
// clock in tests). There is deliberately no `Timestamp::now()`.
#pragma once

#include <cstdint>

namespace polyrtc {

class Duration {
public:
    constexpr Duration() = default;
    static constexpr Duration micros(int64_t us) { return Duration(us); }
    static constexpr Duration millis(int64_t ms) { return Duration(ms * 1000); }
    static constexpr Duration seconds(int64_t s) { return Duration(s * 1000000); }

    constexpr int64_t as_micros() const { return us_; }
    constexpr int64_t as_millis() const { return us_ / 1000; }

    constexpr Duration operator+(Duration o) const { return Duration(us_ + o.us_); }
    constexpr Duration operator-(Duration o) const { return Duration(us_ - o.us_); }
    constexpr Duration operator*(int64_t k) const { return Duration(us_ * k); }
    constexpr Duration operator/(int64_t k) const { return Duration(us_ / k); }
    constexpr bool operator==(Duration o) const { return us_ == o.us_; }
    constexpr bool operator!=(Duration o) const { return us_ != o.us_; }
    constexpr bool operator<(Duration o) const { return us_ < o.us_; }
    constexpr bool operator<=(Duration o) const { return us_ <= o.us_; }
    constexpr bool operator>(Duration o) const { return us_ > o.us_; }
    constexpr bool operator>=(Duration o) const { return us_ >= o.us_; }

private:
    constexpr explicit Duration(int64_t us) : us_(us) {}
    int64_t us_ = 0;
};

class Timestamp {
public:
    constexpr Timestamp() = default;
    // Microseconds since the caller's epoch (any fixed origin; only differences matter).
    static constexpr Timestamp from_micros(int64_t us) { return Timestamp(us); }
    static constexpr Timestamp from_millis(int64_t ms) { return Timestamp(ms * 1000); }

    constexpr int64_t as_micros() const { return us_; }
    constexpr int64_t as_millis() const { return us_ / 1000; }

    constexpr Timestamp operator+(Duration d) const { return Timestamp(us_ + d.as_micros()); }
    constexpr Timestamp operator-(Duration d) const { return Timestamp(us_ - d.as_micros()); }
    constexpr Duration operator-(Timestamp o) const { return Duration::micros(us_ - o.us_); }
    constexpr bool operator==(Timestamp o) const { return us_ == o.us_; }
    constexpr bool operator!=(Timestamp o) const { return us_ != o.us_; }
    constexpr bool operator<(Timestamp o) const { return us_ < o.us_; }
    constexpr bool operator<=(Timestamp o) const { return us_ <= o.us_; }
    constexpr bool operator>(Timestamp o) const { return us_ > o.us_; }
    constexpr bool operator>=(Timestamp o) const { return us_ >= o.us_; }

private:
    constexpr explicit Timestamp(int64_t us) : us_(us) {}
    int64_t us_ = 0;
};

}  // namespace polyrtc
