// SessionDescription::parse on hand-made input: line endings, preserved unknowns, and
// malformed or hostile input, where the error must name the line.
#include <string>

#include <doctest/doctest.h>

#include "core/sdp/session_description.hpp"

namespace polyrtc::sdp {
namespace {

const std::string kMinimal =
    "v=0\r\n"
    "o=- 1 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:abcd\r\n"
    "a=ice-pwd:abcdefghijklmnopqrstuvwx\r\n"
    "a=fingerprint:sha-256 "
    "6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=sctp-port:5000\r\n";

// kMinimal with line `number` (1-based) replaced by `line` (no line ending).
std::string with_line(size_t number, const std::string& line) {
    std::string out;
    size_t start = 0;
    for (size_t n = 1; start < kMinimal.size(); ++n) {
        size_t end = kMinimal.find("\r\n", start);
        out += (n == number ? line : kMinimal.substr(start, end - start)) + "\r\n";
        start = end + 2;
    }
    return out;
}

ParseError parse_error(const std::string& text) {
    auto sd = SessionDescription::parse(text);
    REQUIRE_MESSAGE(!sd.ok(), "expected a parse error");
    return sd.error();
}

}  // namespace

TEST_CASE("sdp.parser: the minimal data channel description parses and prints back") {
    auto sd = SessionDescription::parse(kMinimal);
    REQUIRE_MESSAGE(sd.ok(), sd.error().to_string());
    CHECK(sd->to_string() == kMinimal);
    CHECK(sd->media[0].sctp_port() == 5000);
}

TEST_CASE("sdp.parser: LF-only input is accepted and CRLF is written") {
    std::string lf;
    for (char c : kMinimal) {
        if (c != '\r') lf += c;
    }
    auto sd = SessionDescription::parse(lf);
    REQUIRE(sd.ok());
    CHECK(sd->to_string() == kMinimal);
    // A missing final line ending is tolerated too.
    auto unterminated = SessionDescription::parse(kMinimal.substr(0, kMinimal.size() - 2));
    REQUIRE(unterminated.ok());
    CHECK(unterminated->to_string() == kMinimal);
}

TEST_CASE("sdp.parser: unknown attributes and line types survive a round trip in place") {
    std::string text =
        "v=0\r\n"
        "o=- 1 2 IN IP4 127.0.0.1\r\n"
        "s=-\r\n"
        "i=a session\r\n"
        "b=AS:30\r\n"
        "t=0 0\r\n"
        "r=604800 3600 0 90000\r\n"
        "a=x-session-thing:42\r\n"
        "a=ice-lite\r\n"
        "m=audio 0 UDP/TLS/RTP/SAVPF 0\r\n"
        "i=audio\r\n"
        "c=IN IP4 0.0.0.0\r\n"
        "b=TIAS:64000\r\n"
        "a=x-custom\r\n"
        "a=mid:a\r\n"
        "a=x-custom:with: colons\r\n";
    auto sd = SessionDescription::parse(text);
    REQUIRE_MESSAGE(sd.ok(), sd.error().to_string());
    CHECK(sd->to_string() == text);
    CHECK(sd->ice_lite());
    CHECK(sd->media[0].rejected());
    CHECK(sd->media[0].value("x-custom") == std::nullopt);  // the first is a flag
    CHECK(sd->media[0].find_all("x-custom").size() == 2);
    CHECK(sd->media[0].find_all("x-custom")[1]->value == "with: colons");
}

TEST_CASE("sdp.parser: legacy a=sctpmap data channel sections are recognized") {
    std::string text = with_line(6, "m=application 9 DTLS/SCTP 5000");
    text.replace(text.find("a=sctp-port:5000"), 16, "a=sctpmap:5000 webrtc-datachannel 1024");
    auto sd = SessionDescription::parse(text);
    REQUIRE_MESSAGE(sd.ok(), sd.error().to_string());
    CHECK(sd->media[0].is_datachannel());
    REQUIRE(sd->media[0].sctpmap());
    CHECK(sd->media[0].sctpmap()->port == 5000);
    CHECK(sd->media[0].sctpmap()->streams == 1024u);
}

TEST_CASE("sdp.parser: m= with port 0 is a rejected section; port/count is kept") {
    auto sd = SessionDescription::parse(with_line(6, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
    REQUIRE(sd.ok());
    CHECK(sd->media[0].rejected());
    auto counted = SessionDescription::parse(with_line(6, "m=audio 49170/2 RTP/AVP 0"));
    REQUIRE(counted.ok());
    CHECK(counted->media[0].port_count == 2);
    CHECK(counted->media[0].media_line_value() == "audio 49170/2 RTP/AVP 0");
}

TEST_CASE("sdp.parser: errors name the line number and show the line") {
    auto e = parse_error(with_line(10, "a=fingerprint:sha-256 ZZ:8B"));
    CHECK(e.code == SdpError::kMalformedAttribute);
    CHECK(e.line_number == 10);
    CHECK(e.line == "a=fingerprint:sha-256 ZZ:8B");
    CHECK(e.to_string().rfind("line 10: a=fingerprint: ", 0) == 0);
    CHECK(e.to_string().find("\"a=fingerprint:sha-256 ZZ:8B\"") != std::string::npos);
}

TEST_CASE("sdp.parser: structural errors: missing v=, o=, s=, t=, bad version") {
    CHECK(parse_error("o=- 1 2 IN IP4 127.0.0.1\r\n").code == SdpError::kMissingVersion);
    CHECK(parse_error(with_line(1, "v=1")).code == SdpError::kUnsupportedVersion);
    CHECK(parse_error(with_line(2, "s=-")).code == SdpError::kMissingOrigin);
    CHECK(parse_error(with_line(3, "t=0 0")).code == SdpError::kMissingSessionName);
    auto no_t = parse_error(with_line(4, "a=ice-lite"));
    CHECK(no_t.code == SdpError::kMissingTiming);
    CHECK(no_t.line_number == 6);  // the m= line that came before any t=
    CHECK(parse_error(with_line(4, "t=now")).code == SdpError::kMalformedTiming);
    CHECK(parse_error(with_line(4, "v=0")).code == SdpError::kMisplacedLine);
    CHECK(parse_error(with_line(2, "o=- x 2 IN IP4 127.0.0.1")).code == SdpError::kMalformedOrigin);
    CHECK(parse_error(with_line(2, "o=- 1 2 IN IP4")).code == SdpError::kMalformedOrigin);
    CHECK(parse_error(with_line(7, "c=IN IP4")).code == SdpError::kMalformedConnection);
}

TEST_CASE("sdp.parser: truncated descriptions fail with the line where they stop") {
    auto empty = parse_error("");
    CHECK(empty.code == SdpError::kEmpty);
    CHECK(empty.line_number == 0);
    auto v_only = parse_error("v=0\r\n");
    CHECK(v_only.code == SdpError::kMissingOrigin);
    CHECK(v_only.line_number == 1);
    auto vo = parse_error("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n");
    CHECK(vo.code == SdpError::kMissingSessionName);
    auto vos = parse_error("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n");
    CHECK(vos.code == SdpError::kMissingTiming);
    // Cut in the middle of a line: the partial line is checked like any other.
    std::string cut = kMinimal.substr(0, kMinimal.find("a=fingerprint:") + 30);
    auto mid_line = parse_error(cut);
    CHECK(mid_line.code == SdpError::kMalformedAttribute);
    CHECK(mid_line.line_number == 10);
    // Every prefix of a valid description either parses or fails cleanly.
    for (size_t n = 0; n <= kMinimal.size(); ++n) {
        auto r = SessionDescription::parse(std::string_view(kMinimal).substr(0, n));
        if (!r) CHECK(!r.error().to_string().empty());
    }
}

TEST_CASE("sdp.parser: bad m= lines") {
    CHECK(parse_error(with_line(6, "m=application")).code == SdpError::kMalformedMedia);
    CHECK(parse_error(with_line(6, "m=application 9 UDP/DTLS/SCTP")).code == SdpError::kMalformedMedia);  // no fmt
    CHECK(parse_error(with_line(6, "m=application 70000 UDP/DTLS/SCTP webrtc-datachannel")).code ==
          SdpError::kMalformedMedia);
    CHECK(parse_error(with_line(6, "m=application -1 UDP/DTLS/SCTP webrtc-datachannel")).code ==
          SdpError::kMalformedMedia);
    CHECK(parse_error(with_line(6, "m=application 9  UDP/DTLS/SCTP webrtc-datachannel")).code ==
          SdpError::kMalformedMedia);  // two spaces
    CHECK(parse_error(with_line(6, "m=application 9 UDP//SCTP webrtc-datachannel")).code == SdpError::kMalformedMedia);
    auto e = parse_error(with_line(6, "m=application 9/0 UDP/DTLS/SCTP webrtc-datachannel"));
    CHECK(e.code == SdpError::kMalformedMedia);
    CHECK(e.line_number == 6);
}

TEST_CASE("sdp.parser: malformed WebRTC attributes are rejected with their line") {
    struct Case {
        size_t line;
        const char* text;
        SdpError code;
    };
    const Case cases[] = {
        {8, "a=ice-ufrag:abc", SdpError::kMalformedAttribute},           // < 4 chars
        {8, "a=ice-ufrag:ab_d", SdpError::kMalformedAttribute},          // not ice-char
        {9, "a=ice-pwd:tooshort", SdpError::kMalformedAttribute},        // < 22 chars
        {10, "a=fingerprint:sha-256", SdpError::kMalformedAttribute},    // no digest
        {10, "a=fingerprint:md5 00:11", SdpError::kMalformedAttribute},  // unknown hash
        {11, "a=setup:both", SdpError::kMalformedAttribute},
        {12, "a=mid:", SdpError::kMalformedAttribute},
        {13, "a=sctp-port:65536", SdpError::kMalformedAttribute},
        {13, "a=max-message-size:-1", SdpError::kMalformedAttribute},
        {13, "a=candidate:1 1 udp 1 192.0.2.1 5000 typ bogus", SdpError::kMalformedAttribute},
        {13, "a=rtpmap:200 opus/48000/2", SdpError::kMalformedAttribute},  // payload type > 127
        {13, "a=rtpmap:111 opus", SdpError::kMalformedAttribute},          // no clock rate
        {13, "a=fmtp:111", SdpError::kMalformedAttribute},
        {13, "a=rtcp-fb:111", SdpError::kMalformedAttribute},
        {13, "a=extmap:0 urn:x", SdpError::kMalformedAttribute},  // id 0 is reserved
        {13, "a=extmap:1/sideways urn:x", SdpError::kMalformedAttribute},
        {13, "a=ssrc:abc cname:x", SdpError::kMalformedAttribute},
        {13, "a=ssrc-group:FID 1 x", SdpError::kMalformedAttribute},
        {13, "a=msid:a b c", SdpError::kMalformedAttribute},
        {13, "a=sctpmap:5000", SdpError::kMalformedAttribute},
        {13, "a=ice-options:trickle  renomination", SdpError::kMalformedAttribute},
        {5, "a=group:BUNDLE 0 ", SdpError::kMalformedAttribute},  // trailing space
        {13, "a=:value", SdpError::kMalformedAttribute},          // empty name
        {13, "a=ice-ufrag:efgh", SdpError::kDuplicateAttribute},
        {13, "a=setup:active", SdpError::kDuplicateAttribute},
        {13, "a=mid:1", SdpError::kDuplicateAttribute},
    };
    for (const auto& c : cases) {
        std::string text = c.text;
        CAPTURE(text);
        auto e = parse_error(with_line(c.line, c.text));
        CHECK(e.code == c.code);
        CHECK(e.line_number == c.line);
        CHECK(e.line == c.text);
    }
    auto twice = parse_error(kMinimal + "a=sctp-port:5001\r\n");
    CHECK(twice.code == SdpError::kDuplicateAttribute);
    CHECK(twice.line_number == 14);
}

TEST_CASE("sdp.parser: a mid used by two m= sections is an error on the second") {
    std::string text = kMinimal + "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n";
    auto e = parse_error(text);
    CHECK(e.code == SdpError::kDuplicateMid);
    CHECK(e.line_number == 15);
    CHECK(e.to_string().find("already used") != std::string::npos);
}

TEST_CASE("sdp.parser: hostile input is bounded: size, line length, line count, NUL, stray CR") {
    std::string huge_line = with_line(13, "a=x-junk:" + std::string(5000, 'A'));
    auto e = parse_error(huge_line);
    CHECK(e.code == SdpError::kLineTooLong);
    CHECK(e.line_number == 13);
    CHECK(e.line.size() < 130);  // shown cut, not all 5000 bytes
    CHECK(e.line.substr(e.line.size() - 3) == "...");

    auto too_large = parse_error(kMinimal + std::string(70000, 'a'));
    CHECK(too_large.code == SdpError::kTooLarge);
    CHECK(too_large.line_number == 0);

    std::string many = kMinimal;
    while (many.size() < 60000) many += "a=x\r\n";
    auto too_many = parse_error(many);
    CHECK(too_many.code == SdpError::kTooManyLines);
    CHECK(too_many.line_number == kMaxLines + 1);

    std::string nul = with_line(8, std::string("a=ice-ufrag:ab\0cd", 17));
    auto n = parse_error(nul);
    CHECK(n.code == SdpError::kInvalidCharacter);
    CHECK(n.line_number == 8);
    CHECK(n.line == "a=ice-ufrag:ab\\x00cd");

    auto cr = parse_error(with_line(8, "a=ice-ufrag:abcd\rx"));
    CHECK(cr.code == SdpError::kInvalidCharacter);

    auto empty_line = parse_error(with_line(8, ""));
    CHECK(empty_line.code == SdpError::kMalformedLine);
    CHECK(empty_line.line_number == 8);
    CHECK(parse_error(with_line(8, "A=foo")).code == SdpError::kMalformedLine);
    CHECK(parse_error(with_line(8, "ice-ufrag")).code == SdpError::kMalformedLine);
}

TEST_CASE("sdp.parser: binary garbage never crashes and always names a line or the whole input") {
    uint32_t state = 12345;
    for (int round = 0; round < 300; ++round) {
        std::string text = kMinimal;
        for (int k = 0; k < 8; ++k) {
            state = state * 1103515245u + 12345u;
            size_t pos = (state >> 8) % text.size();
            state = state * 1103515245u + 12345u;
            text[pos] = static_cast<char>(state >> 24);
        }
        auto r = SessionDescription::parse(text);
        if (r) {
            CHECK(SessionDescription::parse(r->to_string()).ok());
        } else {
            CHECK(!r.error().to_string().empty());
        }
    }
}

TEST_CASE("sdp.parser: building a description in code and printing it") {
    SessionDescription sd;
    sd.origin.session_id = "42";
    sd.fields.push_back(Field{'t', "0 0"});
    sd.add("group", "BUNDLE 0");
    MediaDescription m;
    m.media = "application";
    m.protocol = "UDP/DTLS/SCTP";
    m.formats = {"webrtc-datachannel"};
    m.connection = Connection{};
    m.add("mid", "0");
    m.add_flag("rtcp-mux");
    sd.media.push_back(m);
    CHECK(sd.to_string() ==
          "v=0\r\no=- 42 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
          "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtcp-mux\r\n");
    sd.media[0].set("mid", "data");
    CHECK(sd.media[0].mid() == "data");
    CHECK(sd.media[0].remove_all("rtcp-mux") == 1);
    CHECK(!sd.media[0].rtcp_mux());
}

}  // namespace polyrtc::sdp
