// Bounds-checked reading and writing of network byte order.
//
// Parsers never cast structs over packet bytes: they read through ByteReader, whose every
// read fails cleanly (returns false / nullopt) instead of running past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace polyrtc {

using Bytes = std::vector<uint8_t>;

// A non-owning view of bytes (C++17 has no std::span).
class ByteView {
public:
    constexpr ByteView() = default;
    constexpr ByteView(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    ByteView(const Bytes& bytes) : data_(bytes.data()), size_(bytes.size()) {}  // NOLINT: implicit by design

    constexpr const uint8_t* data() const { return data_; }
    constexpr size_t size() const { return size_; }
    constexpr bool empty() const { return size_ == 0; }
    constexpr uint8_t operator[](size_t i) const { return data_[i]; }
    constexpr const uint8_t* begin() const { return data_; }
    constexpr const uint8_t* end() const { return data_ + size_; }

    // Sub-view; clamps to the available bytes.
    ByteView subview(size_t offset, size_t count = SIZE_MAX) const;
    Bytes to_bytes() const { return Bytes(begin(), end()); }

private:
    const uint8_t* data_ = nullptr;
    size_t size_ = 0;
};

class ByteReader {
public:
    explicit ByteReader(ByteView bytes) : bytes_(bytes) {}

    size_t remaining() const { return bytes_.size() - pos_; }
    size_t position() const { return pos_; }
    bool empty() const { return remaining() == 0; }

    std::optional<uint8_t> read_u8();
    std::optional<uint16_t> read_u16();
    std::optional<uint32_t> read_u24();
    std::optional<uint32_t> read_u32();
    std::optional<uint64_t> read_u64();
    // The next `count` bytes as a view into the input, or nullopt if fewer remain.
    std::optional<ByteView> read_bytes(size_t count);
    bool skip(size_t count);
    // The unread rest of the input.
    ByteView rest() const { return bytes_.subview(pos_); }

private:
    ByteView bytes_;
    size_t pos_ = 0;
};

class ByteWriter {
public:
    ByteWriter() = default;
    explicit ByteWriter(Bytes initial) : out_(std::move(initial)) {}

    void write_u8(uint8_t v) { out_.push_back(v); }
    void write_u16(uint16_t v);
    void write_u24(uint32_t v);
    void write_u32(uint32_t v);
    void write_u64(uint64_t v);
    void write_bytes(ByteView bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }
    void write_string(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
    void write_zeros(size_t count) { out_.insert(out_.end(), count, 0); }
    // Overwrite a big-endian u16 at an earlier offset (length fields written after the body).
    void patch_u16(size_t offset, uint16_t v);

    size_t size() const { return out_.size(); }
    const Bytes& bytes() const { return out_; }
    Bytes take() { return std::move(out_); }

private:
    Bytes out_;
};

// Lower-case hex of `bytes` with no separators, e.g. "0a1b".
std::string to_hex(ByteView bytes);

}  // namespace polyrtc
