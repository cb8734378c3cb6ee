// Two MediaSessions, A and Z, wired in memory through a link with latency, seeded loss and
// reordering, on a simulated clock: the time jumps from event to event (a datagram arriving,
// a session's deadline, the next 20 ms capture tick), so each packet is handled at its exact
// arrival time and RTCP round-trip times come out exact.
#pragma once

#include <functional>
#include <map>
#include <vector>

#include "core/media/media_session.hpp"
#include "core/rtp/demux.hpp"
#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/srtp_session.hpp"
#include "tests/unit/audio/tone.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::media::testing {

inline dtls::SrtpKeyingMaterial test_keys() {
    dtls::SrtpKeyingMaterial keys;
    keys.profile = dtls::SrtpProfile::kAes128CmHmacSha1_80;
    keys.client_write_key = Bytes(16, 0x11);
    keys.server_write_key = Bytes(16, 0x22);
    keys.client_write_salt = Bytes(14, 0x33);
    keys.server_write_salt = Bytes(14, 0x44);
    return keys;
}

inline AudioSendConfig send_config(std::string mid, uint32_t ssrc) {
    AudioSendConfig c;
    c.mid = std::move(mid);
    c.ssrc = ssrc;
    c.cname = "cname-" + std::to_string(ssrc);
    c.opus_payload_type = 111;
    c.dtmf_payload_type = 110;
    c.dtmf_clock_rate = 48000;
    c.audio_level_extension_id = 1;
    c.mid_extension_id = 4;
    return c;
}

inline AudioReceiveConfig receive_config(std::string mid, std::vector<uint32_t> remote_ssrcs) {
    AudioReceiveConfig c;
    c.mid = std::move(mid);
    c.remote_ssrcs = std::move(remote_ssrcs);
    c.opus_payload_type = 111;
    c.dtmf_payload_types = {110, 126};
    c.audio_level_extension_id = 1;
    c.mid_extension_id = 4;
    return c;
}

struct MediaPair {
    MediaSession a{polyrtc::testing::seeded_rng("media A")};
    MediaSession z{polyrtc::testing::seeded_rng("media Z")};
    Timestamp now = Timestamp::from_millis(1000);
    Duration latency = Duration::millis(25);
    uint32_t loss_percent = 0;
    uint32_t reorder_ms = 0;  // extra random delay 0..reorder_ms per datagram
    polyrtc::testing::XorShift rng{0x12345678};
    // Returns true to drop a datagram (on top of random loss); sees A's and Z's output.
    std::function<bool(bool from_a, const Bytes&)> drop;
    std::vector<Bytes> a_sent;  // every datagram A emitted, in order
    std::vector<Bytes> z_sent;
    uint64_t a_rtp_dropped = 0;  // A's RTP datagrams the link dropped
    uint64_t z_rtp_dropped = 0;

    struct InFlight {
        bool to_z;
        Bytes datagram;
    };
    std::multimap<Timestamp, InFlight> wire;

    void key_both() {
        REQUIRE(a.set_srtp_keys(test_keys(), dtls::DtlsRole::kClient).ok());
        REQUIRE(z.set_srtp_keys(test_keys(), dtls::DtlsRole::kServer).ok());
    }

    void drain(bool from_a) {
        MediaSession& s = from_a ? a : z;
        while (auto d = s.poll_transmit()) {
            (from_a ? a_sent : z_sent).push_back(*d);
            bool is_rtp = rtp::classify_media_packet(*d) == rtp::MediaPacketKind::kRtp;
            bool lost = (drop && drop(from_a, *d)) || (loss_percent > 0 && rng.below(100) < loss_percent);
            if (lost) {
                if (is_rtp) ++(from_a ? a_rtp_dropped : z_rtp_dropped);
                continue;
            }
            Duration delay = latency + Duration::millis(reorder_ms ? rng.below(reorder_ms + 1) : 0);
            wire.emplace(now + delay, InFlight{from_a, std::move(*d)});
        }
    }
    void drain_both() {
        drain(true);
        drain(false);
    }

    // Runs every arrival and deadline up to `until`, then sets the clock there.
    void advance_to(Timestamp until) {
        for (int guard = 0; guard < 100000; ++guard) {
            std::optional<Timestamp> next;
            auto consider = [&](std::optional<Timestamp> t) {
                if (t && (!next || *t < *next)) next = t;
            };
            if (!wire.empty()) consider(wire.begin()->first);
            consider(a.poll_timeout());
            consider(z.poll_timeout());
            if (!next || *next > until) break;
            now = std::max(now, *next);
            if (!wire.empty() && wire.begin()->first <= now) {
                InFlight f = std::move(wire.begin()->second);
                wire.erase(wire.begin());
                (f.to_z ? z : a).handle_packet(now, f.datagram);
            }
            if (auto t = a.poll_timeout(); t && *t <= now) a.handle_timeout(now);
            if (auto t = z.poll_timeout(); t && *t <= now) z.handle_timeout(now);
            drain_both();
        }
        now = until;
    }
};

// A's RTP packets as Z sees them: unprotected with a context built from the same keys.
inline std::vector<rtp::RtpPacketView> unprotect_all(const std::vector<Bytes>& datagrams, std::vector<Bytes>& storage) {
    auto srtp = srtp::SrtpSession::create(test_keys(), dtls::DtlsRole::kServer).value();
    storage.clear();
    storage.reserve(datagrams.size());
    for (const Bytes& d : datagrams) {
        if (rtp::classify_media_packet(d) != rtp::MediaPacketKind::kRtp) continue;
        auto plain = srtp.inbound.unprotect_rtp(d);
        REQUIRE(plain.ok());
        storage.push_back(std::move(*plain));
    }
    std::vector<rtp::RtpPacketView> out;
    for (const Bytes& b : storage) out.push_back(rtp::parse_rtp(b).value());
    return out;
}

}  // namespace polyrtc::media::testing
