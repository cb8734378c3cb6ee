// Result<T, E>: a value or an error, shaped like C++23 std::expected.
//
// core/ never throws (it is built with -fno-exceptions and runs inside Wasm, where an
// uncaught throw aborts the module). Every fallible operation returns a Result whose error
// type is the module's own enum; each such enum has a `to_string`.
#pragma once

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace polyrtc {

// Wraps an error so `Result<T, E>` can be built from it unambiguously even when T == E.
template <class E>
struct Unexpected {
    E error;
};

template <class E>
Unexpected<std::decay_t<E>> unexpected(E&& error) {
    return {std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] Result {
public:
    Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
    Result(Unexpected<E> error) : state_(std::in_place_index<1>, std::move(error.error)) {}

    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    // Precondition: ok(). Checked in debug builds.
    T& value() & {
        assert(ok());
        return std::get<0>(state_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(state_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(state_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    // Precondition: !ok().
    const E& error() const {
        assert(!ok());
        return std::get<1>(state_);
    }

    T value_or(T fallback) const& { return ok() ? std::get<0>(state_) : std::move(fallback); }

private:
    std::variant<T, E> state_;
};

// Result of an operation that produces no value.
template <class E>
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Unexpected<E> error) : error_(std::move(error.error)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const E& error() const {
        assert(!ok_);
        return error_;
    }

private:
    E error_{};
    bool ok_ = true;
};

}  // namespace polyrtc
