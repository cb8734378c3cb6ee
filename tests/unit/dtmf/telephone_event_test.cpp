#include "core/dtmf/telephone_event.hpp"

#include <doctest/doctest.h>

#include "tests/unit/stun/hex.hpp"

namespace polyrtc::dtmf {

using testing::from_hex;

TEST_CASE("dtmf.telephone_event: parses and serializes the RFC 4733 payload") {
    // event 5, E=1, R=0, volume 10, duration 800 (100 ms at 8 kHz)
    auto e = parse_telephone_event(from_hex("058a0320"));
    REQUIRE(e.ok());
    CHECK(e->event == 5);
    CHECK(e->end);
    CHECK(e->volume == 10);
    CHECK(e->duration == 800);
    CHECK(to_hex(serialize_telephone_event(*e)) == "058a0320");
    // R set by a sender is ignored; serializing writes it as zero.
    auto r = parse_telephone_event(from_hex("0b4affff"));
    REQUIRE(r.ok());
    CHECK_FALSE(r->end);
    CHECK(r->volume == 10);
    CHECK(r->duration == 0xFFFF);
    CHECK(to_hex(serialize_telephone_event(*r)) == "0b0affff");
    CHECK(parse_telephone_event(from_hex("058a03")).error() == DtmfError::kTruncated);
    CHECK(parse_telephone_event(ByteView{}).error() == DtmfError::kTruncated);
}

TEST_CASE("dtmf.telephone_event: maps the sixteen DTMF tones to event codes and back") {
    const char* tones = "0123456789*#ABCD";
    for (uint8_t i = 0; i < 16; ++i) {
        CHECK(tone_to_event(tones[i]) == i);
        CHECK(event_to_tone(i) == tones[i]);
    }
    CHECK(tone_to_event('a') == 12);
    CHECK(tone_to_event('d') == 15);
    CHECK_FALSE(tone_to_event('E').has_value());
    CHECK_FALSE(tone_to_event(',').has_value());
    CHECK_FALSE(event_to_tone(16).has_value());
}

}  // namespace polyrtc::dtmf
