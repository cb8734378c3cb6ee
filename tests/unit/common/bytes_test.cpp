#include "core/common/bytes.hpp"

#include <doctest/doctest.h>

namespace polyrtc {

TEST_CASE("common.bytes: reader reads big-endian fields and refuses to run past the end") {
    const Bytes input = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    ByteReader r(input);
    CHECK(r.read_u8() == 0x01);
    CHECK(r.read_u16() == 0x0203);
    CHECK(r.read_u24() == 0x040506u);
    CHECK(r.remaining() == 1);
    CHECK_FALSE(r.read_u16().has_value());
    CHECK(r.remaining() == 1);  // a failed read consumes nothing
    CHECK_FALSE(r.read_bytes(2).has_value());
    CHECK(r.read_u8() == 0x07);
    CHECK(r.empty());
    CHECK_FALSE(r.read_u8().has_value());
}

TEST_CASE("common.bytes: a failed u64 read leaves the position unchanged") {
    const Bytes input = {1, 2, 3, 4, 5, 6};
    ByteReader r(input);
    CHECK_FALSE(r.read_u64().has_value());
    CHECK(r.position() == 0);
}

TEST_CASE("common.bytes: writer round-trips through reader") {
    ByteWriter w;
    w.write_u8(0xab);
    w.write_u16(0xcdef);
    w.write_u24(0x123456);
    w.write_u32(0x89abcdef);
    w.write_u64(0x0102030405060708ull);
    w.write_string("hi");
    w.patch_u16(1, 0xbeef);
    ByteReader r(w.bytes());
    CHECK(r.read_u8() == 0xab);
    CHECK(r.read_u16() == 0xbeef);
    CHECK(r.read_u24() == 0x123456u);
    CHECK(r.read_u32() == 0x89abcdefu);
    CHECK(r.read_u64() == 0x0102030405060708ull);
    auto tail = r.read_bytes(2);
    REQUIRE(tail.has_value());
    CHECK(std::string(tail->begin(), tail->end()) == "hi");
}

TEST_CASE("common.bytes: subview clamps to the available bytes") {
    const Bytes input = {1, 2, 3};
    ByteView v(input);
    CHECK(v.subview(1).size() == 2);
    CHECK(v.subview(2, 10).size() == 1);
    CHECK(v.subview(5).empty());
    CHECK(to_hex(v) == "010203");
}

}  // namespace polyrtc
