#include "core/common/bytes.hpp"

namespace polyrtc {

ByteView ByteView::subview(size_t offset, size_t count) const {
    if (offset >= size_) return ByteView(data_ + size_, 0);
    size_t available = size_ - offset;
    return ByteView(data_ + offset, count < available ? count : available);
}

std::optional<uint8_t> ByteReader::read_u8() {
    if (remaining() < 1) return std::nullopt;
    return bytes_[pos_++];
}

std::optional<uint16_t> ByteReader::read_u16() {
    if (remaining() < 2) return std::nullopt;
    uint16_t v = static_cast<uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
    pos_ += 2;
    return v;
}

std::optional<uint32_t> ByteReader::read_u24() {
    if (remaining() < 3) return std::nullopt;
    uint32_t v = (uint32_t{bytes_[pos_]} << 16) | (uint32_t{bytes_[pos_ + 1]} << 8) | bytes_[pos_ + 2];
    pos_ += 3;
    return v;
}

std::optional<uint32_t> ByteReader::read_u32() {
    if (remaining() < 4) return std::nullopt;
    uint32_t v = (uint32_t{bytes_[pos_]} << 24) | (uint32_t{bytes_[pos_ + 1]} << 16) |
                 (uint32_t{bytes_[pos_ + 2]} << 8) | bytes_[pos_ + 3];
    pos_ += 4;
    return v;
}

std::optional<uint64_t> ByteReader::read_u64() {
    auto hi = read_u32();
    if (!hi) return std::nullopt;
    auto lo = read_u32();
    if (!lo) {
        pos_ -= 4;
        return std::nullopt;
    }
    return (uint64_t{*hi} << 32) | *lo;
}

std::optional<ByteView> ByteReader::read_bytes(size_t count) {
    if (remaining() < count) return std::nullopt;
    ByteView v = bytes_.subview(pos_, count);
    pos_ += count;
    return v;
}

bool ByteReader::skip(size_t count) {
    if (remaining() < count) return false;
    pos_ += count;
    return true;
}

void ByteWriter::write_u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::write_u24(uint32_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 16));
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
}

void ByteWriter::write_u32(uint32_t v) {
    write_u16(static_cast<uint16_t>(v >> 16));
    write_u16(static_cast<uint16_t>(v));
}

void ByteWriter::write_u64(uint64_t v) {
    write_u32(static_cast<uint32_t>(v >> 32));
    write_u32(static_cast<uint32_t>(v));
}

void ByteWriter::patch_u16(size_t offset, uint16_t v) {
    if (offset + 2 > out_.size()) return;
    out_[offset] = static_cast<uint8_t>(v >> 8);
    out_[offset + 1] = static_cast<uint8_t>(v);
}

std::string to_hex(ByteView bytes) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (uint8_t b : bytes) {
        out.push_back(kDigits[b >> 4]);
        out.push_back(kDigits[b & 0xf]);
    }
    return out;
}

}  // namespace polyrtc
