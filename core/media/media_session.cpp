#include "core/media/media_session.hpp"

#include <algorithm>
#include <cmath>

#include "core/audio/jitter_buffer.hpp"
#include "core/dtmf/dtmf_receiver.hpp"
#include "core/dtmf/dtmf_sender.hpp"
#include "core/media/reception_stats.hpp"
#include "core/rtp/demux.hpp"
#include "core/rtp/rtcp.hpp"
#include "core/rtp/rtp_packet.hpp"
#include "core/srtp/srtp_session.hpp"

namespace polyrtc::media {

const char* to_string(MediaError error) {
    switch (error) {
        case MediaError::kUnknownTransceiver: return "unknown transceiver";
        case MediaError::kNotSending: return "transceiver is not sending";
        case MediaError::kNoTelephoneEvent: return "telephone-event was not negotiated";
        case MediaError::kBadTone: return "not a DTMF tone";
        case MediaError::kBadFrame: return "audio frame is not 960 samples";
        case MediaError::kBadKeys: return "SRTP keys refused";
    }
    return "unknown media error";
}

namespace {

constexpr uint32_t kAudioClockRate = 48000;  // Opus's RTP clock (RFC 7587 4.1)
constexpr uint32_t kFrameUnits = 960;
constexpr Duration kFrame = Duration::millis(20);
// A capture pause of this many frame periods starts a new talkspurt (marker, RFC 3551 4.1)
// and moves the timestamp on by the time that passed.
constexpr int64_t kGapFrames = 3;
constexpr Duration kFirstRtcpDelay = Duration::millis(100);
constexpr Duration kRtcpInterval = Duration::seconds(1);
constexpr Duration kMinDtmfDuration = Duration::millis(40);  // W3C insertDTMF's clamps
constexpr Duration kMaxDtmfDuration = Duration::millis(6000);
// The NTP seconds our clock's zero maps to: any fixed value works (only differences and
// echoed LSRs are compared), this one keeps LSR != 0 ("no SR yet").
constexpr uint64_t kNtpEpochSeconds = 3900000000ull;

// Clock units from `from` to `to`, never negative (a caller's clock that steps back counts as 0).
int64_t units_between(Timestamp from, Timestamp to, uint32_t rate) {
    return std::max<int64_t>(0, (to - from).as_micros()) * rate / 1000000;
}

// 32.32 fixed point NTP (RFC 3550 4) for a point on the caller's monotonic clock.
uint64_t ntp_of(Timestamp now) {
    int64_t us = std::max<int64_t>(0, now.as_micros());
    uint64_t seconds = kNtpEpochSeconds + static_cast<uint64_t>(us / 1000000);
    uint64_t fraction = (static_cast<uint64_t>(us % 1000000) << 32) / 1000000;
    return (seconds << 32) | fraction;
}
uint32_t compact_ntp(uint64_t ntp) {
    return static_cast<uint32_t>(ntp >> 16);
}

// Linear 0..1 against full scale (0 dBov is a full-scale square wave's RMS, RFC 6464 3).
double linear_level(const audio::Samples& frame) {
    if (frame.empty()) return 0;
    double sum = 0;
    for (int16_t v : frame) sum += static_cast<double>(v) * v;
    return std::min(1.0, std::sqrt(sum / static_cast<double>(frame.size())) / 32768.0);
}

// RFC 6464 3: "the audio level expressed in -dBov, with values from 0 to 127 representing 0
// to -127 dBov"; digital silence is 127.
uint8_t level_dbov(double linear) {
    if (linear <= 0) return 127;
    double dbov = -20 * std::log10(linear);
    return static_cast<uint8_t>(std::clamp(std::lround(dbov), 0L, 127L));
}
// Voice activity (the V bit): above -50 dBov, where a speaking microphone sits and a quiet
// room does not. RFC 6464 leaves the detector to the sender.
constexpr uint8_t kVoiceActivityDbov = 50;

struct SendStream {
    SendStream(AudioSendConfig c, audio::OpusFrameEncoder e, std::optional<dtmf::DtmfSender> d)
        : config(std::move(c)), encoder(std::move(e)), dtmf(d) {}

    AudioSendConfig config;
    audio::OpusFrameEncoder encoder;
    std::optional<dtmf::DtmfSender> dtmf;
    uint16_t next_seq = 0;
    uint32_t next_ts = 0;  // the next audio frame's timestamp
    std::optional<Timestamp> last_frame_at;
    bool marker_pending = true;  // the next audio packet starts a talkspurt
    OutboundAudioStats stats;
};

// Telephone-event clock rate of one PT, learned from its packets (AudioReceiveConfig lists
// the PTs only): consecutive updates of an event grow by the elapsed time in that clock, so
// duration step / arrival step is ~8000 or ~48000; a factor of 6 apart rides out jitter.
struct DtmfRateGuess {
    int votes_8000 = 0;
    int votes_48000 = 0;
    std::optional<uint32_t> last_ts;
    uint16_t last_duration = 0;
    Timestamp last_at;
    uint32_t rate() const { return votes_8000 > votes_48000 ? 8000 : 48000; }
};

struct ReceiveStream {
    ReceiveStream(AudioReceiveConfig c, audio::JitterBuffer j, dtmf::DtmfReceiver d)
        : config(std::move(c)), jitter(std::move(j)), dtmf(std::move(d)) {}

    AudioReceiveConfig config;
    audio::JitterBuffer jitter;
    dtmf::DtmfReceiver dtmf;  // runs at 48000; durations rescaled by the PT's guessed rate
    std::optional<uint32_t> ssrc;
    ReceptionStats reception{48000};
    InboundAudioStats stats;
    uint32_t lsr = 0;  // middle 32 bits of the last SR's NTP time
    std::optional<Timestamp> lsr_arrival;
    std::map<uint8_t, DtmfRateGuess> dtmf_rates;
    uint8_t last_dtmf_pt = 0;
};

struct Transceiver {
    std::optional<SendStream> send;
    std::optional<ReceiveStream> receive;
};

// The receiver counts in 48 kHz units whatever the PT's rate (see DtmfRateGuess).
dtmf::DtmfReceiverConfig dtmf_receiver_config() {
    dtmf::DtmfReceiverConfig c;
    c.clock_rate = 48000;
    return c;
}

std::optional<dtmf::DtmfSender> make_dtmf_sender(const AudioSendConfig& config) {
    if (!config.dtmf_payload_type) return std::nullopt;
    dtmf::DtmfSenderConfig c;
    c.clock_rate = config.dtmf_clock_rate;
    auto sender = dtmf::DtmfSender::create(c);
    if (!sender) return std::nullopt;  // an unsupported rate: no DTMF rather than a broken one
    return *sender;
}

}  // namespace

struct MediaSession::Impl {
    explicit Impl(crypto::Csprng r) : rng(std::move(r)) {}

    crypto::Csprng rng;
    std::map<TransceiverId, Transceiver> transceivers;
    std::optional<srtp::SrtpSession> srtp;
    std::deque<Bytes> transmit;
    std::deque<MediaEvent> events;
    uint64_t dropped = 0;
    std::optional<Timestamp> last_now;
    std::optional<Timestamp> next_rtcp;
    std::optional<uint32_t> receiver_ssrc;  // RR sender SSRC when nothing is sent
    std::string fallback_cname;

    bool has_streams() const {
        for (const auto& [id, t] : transceivers) {
            if (t.send || t.receive) return true;
        }
        return false;
    }

    // Every timestamped input: remembers the time and arms the first report once keys and a
    // stream exist.
    void touch(Timestamp now) {
        if (!last_now || now > *last_now) last_now = now;
        if (srtp && !next_rtcp && has_streams()) next_rtcp = now + kFirstRtcpDelay;
    }

    SendStream* send_stream(TransceiverId id) {
        auto it = transceivers.find(id);
        if (it == transceivers.end() || !it->second.send) return nullptr;
        return &*it->second.send;
    }

    // The audio clock at `now`: the next frame's timestamp, moved on by however long capture
    // has been quiet beyond one frame.
    static uint32_t audio_clock(const SendStream& s, Timestamp now) {
        if (!s.last_frame_at || now <= *s.last_frame_at + kFrame) return s.next_ts;
        return s.next_ts + static_cast<uint32_t>(units_between(*s.last_frame_at + kFrame, now, kAudioClockRate));
    }

    void send_rtp(SendStream& s, uint8_t pt, bool marker, uint32_t ts, ByteView payload,
                  std::optional<uint8_t> level_byte) {
        rtp::RtpHeader h;
        h.payload_type = pt;
        h.marker = marker;
        h.sequence_number = s.next_seq++;
        h.timestamp = ts;
        h.ssrc = s.config.ssrc;
        if (s.config.audio_level_extension_id && level_byte) {
            h.extensions.push_back({*s.config.audio_level_extension_id, Bytes{*level_byte}});
        }
        if (s.config.mid_extension_id && !s.config.mid.empty()) {
            h.extensions.push_back({*s.config.mid_extension_id, Bytes(s.config.mid.begin(), s.config.mid.end())});
        }
        auto packet = rtp::serialize_rtp(h, payload);
        if (!packet) {
            // A configured id or mid the one/two-byte forms cannot carry: send without them.
            h.extensions.clear();
            packet = rtp::serialize_rtp(h, payload);
            if (!packet) return;
        }
        auto protected_packet = srtp->outbound.protect_rtp(*packet);
        if (!protected_packet) return;
        ++s.stats.packets_sent;
        s.stats.bytes_sent += payload.size();
        s.stats.header_bytes_sent += packet->size() - payload.size();
        transmit.push_back(std::move(*protected_packet));
    }

    void flush_dtmf(Timestamp now, SendStream& s) {
        if (!s.dtmf || !srtp) return;
        while (auto p = s.dtmf->poll_packet(now)) {
            send_rtp(s, *s.config.dtmf_payload_type, p->marker, p->rtp_timestamp, p->payload(), std::nullopt);
        }
    }

    // RFC 8843 / a=ssrc / single-stream matching, in the header comment's order. Learns the SSRC.
    ReceiveStream* match(const rtp::RtpHeader& h, TransceiverId& id_out) {
        for (auto& [id, t] : transceivers) {
            if (!t.receive) continue;
            const auto& ssrcs = t.receive->config.remote_ssrcs;
            if (t.receive->ssrc == h.ssrc || std::find(ssrcs.begin(), ssrcs.end(), h.ssrc) != ssrcs.end()) {
                id_out = id;
                return learn(*t.receive, h.ssrc);
            }
        }
        for (auto& [id, t] : transceivers) {
            if (!t.receive || !t.receive->config.mid_extension_id) continue;
            const auto* ext = h.find_extension(*t.receive->config.mid_extension_id);
            const std::string& mid = t.receive->config.mid;
            if (ext && !mid.empty() && ext->value == Bytes(mid.begin(), mid.end())) {
                id_out = id;
                return learn(*t.receive, h.ssrc);
            }
        }
        ReceiveStream* only = nullptr;
        TransceiverId only_id = 0;
        for (auto& [id, t] : transceivers) {
            if (!t.receive) continue;
            if (only) return nullptr;
            only = &*t.receive;
            only_id = id;
        }
        if (!only) return nullptr;
        const auto& dtmf_pts = only->config.dtmf_payload_types;
        if (h.payload_type != only->config.opus_payload_type &&
            std::find(dtmf_pts.begin(), dtmf_pts.end(), h.payload_type) == dtmf_pts.end()) {
            return nullptr;
        }
        id_out = only_id;
        return learn(*only, h.ssrc);
    }

    static ReceiveStream* learn(ReceiveStream& r, uint32_t ssrc) {
        if (r.ssrc != ssrc) {
            // A new source (the remote replaced its sender): its sequence space starts over,
            // so the jitter buffer and the RFC 4733 receiver do too.
            if (r.ssrc) {
                auto jitter = audio::JitterBuffer::create({});
                auto tones = dtmf::DtmfReceiver::create(dtmf_receiver_config());
                if (jitter && tones) {
                    r.jitter = std::move(*jitter);
                    r.dtmf = std::move(*tones);
                }
            }
            r.ssrc = ssrc;
            r.reception = ReceptionStats(kAudioClockRate);
            // inbound-rtp stats are per SSRC: a new source is a new stats object.
            if (r.stats.ssrc != 0) {
                r.stats = InboundAudioStats{};
                r.stats.mid = r.config.mid;
            }
            r.stats.ssrc = ssrc;
            r.lsr = 0;
            r.lsr_arrival.reset();
        }
        return &r;
    }

    void note_dtmf_rate(ReceiveStream& r, Timestamp now, uint8_t pt, uint32_t ts, ByteView payload) {
        auto e = dtmf::parse_telephone_event(payload);
        if (!e) return;
        DtmfRateGuess& g = r.dtmf_rates[pt];
        if (g.last_ts == ts && e->duration > g.last_duration && now > g.last_at) {
            double rate = (e->duration - g.last_duration) / ((now - g.last_at).as_micros() / 1e6);
            // The geometric mean of 8000 and 48000 separates the two.
            if (rate < 19596) {
                ++g.votes_8000;
            } else {
                ++g.votes_48000;
            }
        }
        if (g.last_ts != ts || e->duration > g.last_duration) {
            g.last_ts = ts;
            g.last_duration = e->duration;
            g.last_at = now;
        }
        r.last_dtmf_pt = pt;
    }

    void drain_dtmf(TransceiverId id, ReceiveStream& r) {
        while (auto tone = r.dtmf.poll_event()) {
            uint32_t rate = r.dtmf_rates[r.last_dtmf_pt].rate();
            const auto& pts = r.config.dtmf_payload_types;
            auto known = std::find(pts.begin(), pts.end(), r.last_dtmf_pt);
            size_t index = static_cast<size_t>(known - pts.begin());
            if (known != pts.end() && index < r.config.dtmf_clock_rates.size() &&
                (r.config.dtmf_clock_rates[index] == 8000 || r.config.dtmf_clock_rates[index] == 48000)) {
                rate = r.config.dtmf_clock_rates[index];
            }
            // The receiver counted units at 48000; rescale to the PT's clock.
            int64_t units = (tone->duration.as_micros() * 48000 + 500000) / 1000000;
            DtmfReceivedEvent ev;
            ev.transceiver = id;
            ev.tone = tone->tone;
            ev.duration = Duration::micros(units * 1000000 / rate);
            ++r.stats.dtmf_events_received;
            events.push_back(ev);
        }
    }

    void handle_rtp(Timestamp now, ByteView packet) {
        auto plain = srtp->inbound.unprotect_rtp(packet);
        if (!plain) {
            ++dropped;
            return;
        }
        auto view = rtp::parse_rtp(*plain);
        if (!view) {
            ++dropped;
            return;
        }
        const rtp::RtpHeader& h = view->header;
        TransceiverId id = 0;
        ReceiveStream* r = match(h, id);
        if (!r) {
            ++dropped;
            return;
        }
        const auto& dtmf_pts = r->config.dtmf_payload_types;
        if (h.payload_type == r->config.opus_payload_type) {
            r->jitter.insert(now, h.sequence_number, view->payload);
            r->reception.on_packet(now, h.sequence_number, h.timestamp, true);
        } else if (std::find(dtmf_pts.begin(), dtmf_pts.end(), h.payload_type) != dtmf_pts.end()) {
            note_dtmf_rate(*r, now, h.payload_type, h.timestamp, view->payload);
            r->dtmf.handle_packet(now, h.timestamp, h.marker, view->payload);
            r->jitter.insert_placeholder(now, h.sequence_number);
            r->reception.on_packet(now, h.sequence_number, h.timestamp, false);
            drain_dtmf(id, *r);
        } else {
            ++dropped;
            return;
        }
        ++r->stats.packets_received;
        r->stats.bytes_received += view->payload.size();
        r->stats.header_bytes_received += plain->size() - view->payload.size();
        r->stats.last_packet_received = now;
    }

    void handle_report_block(Timestamp now, const rtp::ReportBlock& b) {
        for (auto& [id, t] : transceivers) {
            if (!t.send || t.send->config.ssrc != b.ssrc) continue;
            OutboundAudioStats& s = t.send->stats;
            s.remote_fraction_lost = b.fraction_lost / 256.0;
            s.remote_packets_lost = b.cumulative_lost;
            s.remote_jitter = static_cast<double>(b.jitter) / kAudioClockRate;
            if (b.last_sr != 0) {
                // RFC 3550 6.4.1: "A - LSR - DLSR" in 1/65536 s.
                uint32_t rtt = compact_ntp(ntp_of(now)) - b.last_sr - b.delay_since_last_sr;
                if (rtt < 0x80000000u) s.round_trip_time = rtt / 65536.0;
            }
        }
    }

    void handle_rtcp(Timestamp now, ByteView packet) {
        auto plain = srtp->inbound.unprotect_rtcp(packet);
        if (!plain) {
            ++dropped;
            return;
        }
        auto compound = rtp::parse_rtcp_compound(*plain);
        if (!compound) {
            ++dropped;
            return;
        }
        for (const auto& p : *compound) {
            if (const auto* sr = std::get_if<rtp::SenderReport>(&p)) {
                for (auto& [id, t] : transceivers) {
                    if (!t.receive) continue;
                    const auto& ssrcs = t.receive->config.remote_ssrcs;
                    if (t.receive->ssrc != sr->ssrc && std::find(ssrcs.begin(), ssrcs.end(), sr->ssrc) == ssrcs.end())
                        continue;
                    t.receive->lsr = compact_ntp(sr->ntp_timestamp);
                    t.receive->lsr_arrival = now;
                }
                for (const auto& b : sr->reports) handle_report_block(now, b);
            } else if (const auto* rr = std::get_if<rtp::ReceiverReport>(&p)) {
                for (const auto& b : rr->reports) handle_report_block(now, b);
            }
            // SDES, BYE, feedback: nothing to do for audio without NACK (BYE is ignored: the
            // jitter buffer runs dry on its own and SDP removes the stream).
        }
    }

    void send_rtcp(Timestamp now) {
        std::vector<rtp::ReportBlock> blocks;
        for (auto& [id, t] : transceivers) {
            if (!t.receive || !t.receive->ssrc || !t.receive->reception.started()) continue;
            ReceiveStream& r = *t.receive;
            uint32_t dlsr = 0;
            if (r.lsr_arrival) dlsr = static_cast<uint32_t>((now - *r.lsr_arrival).as_micros() * 65536 / 1000000);
            if (blocks.size() < 31) blocks.push_back(r.reception.make_report_block(*r.ssrc, r.lsr, dlsr));
        }
        std::vector<rtp::RtcpPacket> packets;
        rtp::Sdes sdes;
        const SendStream* any_send = nullptr;
        for (auto& [id, t] : transceivers) {
            if (!t.send) continue;
            const SendStream& s = *t.send;
            if (!any_send) any_send = &s;
            sdes.chunks.push_back({s.config.ssrc, s.config.cname.empty() ? fallback_cname : s.config.cname});
            if (s.stats.packets_sent == 0) continue;
            rtp::SenderReport sr;
            sr.ssrc = s.config.ssrc;
            sr.ntp_timestamp = ntp_of(now);
            // The RTP timestamp of `now` on the audio clock (RFC 3550 6.4.1).
            sr.rtp_timestamp = s.last_frame_at
                                   ? s.next_ts - kFrameUnits +
                                         static_cast<uint32_t>(units_between(*s.last_frame_at, now, kAudioClockRate))
                                   : s.next_ts;
            sr.packet_count = static_cast<uint32_t>(s.stats.packets_sent);
            sr.octet_count = static_cast<uint32_t>(s.stats.bytes_sent);
            if (packets.empty()) sr.reports = blocks;
            packets.emplace_back(std::move(sr));
        }
        if (packets.empty()) {
            rtp::ReceiverReport rr;
            if (any_send) {
                rr.ssrc = any_send->config.ssrc;
            } else {
                if (!receiver_ssrc) receiver_ssrc = rng.next_u32();
                rr.ssrc = *receiver_ssrc;
                sdes.chunks.push_back({rr.ssrc, fallback_cname});
            }
            rr.reports = blocks;
            packets.emplace(packets.begin(), std::move(rr));
        }
        if (sdes.chunks.size() > 31) sdes.chunks.resize(31);
        packets.emplace_back(std::move(sdes));
        auto bytes = rtp::serialize_rtcp_compound(packets);
        if (!bytes) return;
        auto protected_packet = srtp->outbound.protect_rtcp(*bytes);
        if (!protected_packet) return;
        transmit.push_back(std::move(*protected_packet));
    }

    void run_timers(Timestamp now) {
        for (auto& [id, t] : transceivers) {
            if (t.send) flush_dtmf(now, *t.send);
            if (t.receive) {
                t.receive->dtmf.handle_timeout(now);
                drain_dtmf(id, *t.receive);
            }
        }
        if (srtp && next_rtcp && now >= *next_rtcp) {
            if (has_streams()) send_rtcp(now);
            // RFC 3550 6.3.1: randomized over [0.5, 1.5] of the interval so peers do not lock step.
            int64_t us = kRtcpInterval.as_micros();
            next_rtcp =
                now + Duration::micros(us / 2 + static_cast<int64_t>(rng.next_u32() % static_cast<uint32_t>(us)));
        }
    }
};

MediaSession::MediaSession(crypto::Csprng rng) : impl_(std::make_unique<Impl>(std::move(rng))) {
    // RFC 7022: a random CNAME when a receive-only session needs one for its RR's SDES.
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 16; ++i) impl_->fallback_cname.push_back(kAlphabet[impl_->rng.next_u32() % 64]);
}
MediaSession::~MediaSession() = default;
MediaSession::MediaSession(MediaSession&&) noexcept = default;
MediaSession& MediaSession::operator=(MediaSession&&) noexcept = default;

Status<MediaError> MediaSession::configure(TransceiverId id, const std::optional<AudioSendConfig>& send,
                                           const std::optional<AudioReceiveConfig>& receive) {
    Transceiver& t = impl_->transceivers[id];
    if (!send) {
        t.send.reset();
    } else if (t.send && t.send->config.ssrc == send->ssrc) {
        SendStream& s = *t.send;
        bool rate_changed = send->dtmf_clock_rate != s.config.dtmf_clock_rate;
        bool playing = s.dtmf && s.dtmf->is_playing();
        s.config = *send;
        s.stats.mid = send->mid;
        if (!send->dtmf_payload_type) {
            s.dtmf.reset();  // telephone-event was dropped: a tone in flight is cut short
        } else if (!s.dtmf || (rate_changed && !playing)) {
            // A tone on the wire finishes with the packetizer it started with.
            s.dtmf = make_dtmf_sender(*send);
        }
    } else {
        auto encoder = audio::OpusFrameEncoder::create({});
        if (!encoder) return unexpected(MediaError::kNotSending);
        SendStream s{*send, std::move(*encoder), make_dtmf_sender(*send)};
        // RFC 3550 5.1: "The initial value of the sequence number SHOULD be random"; likewise
        // the timestamp.
        s.next_seq = static_cast<uint16_t>(impl_->rng.next_u32());
        s.next_ts = impl_->rng.next_u32();
        s.stats.ssrc = send->ssrc;
        s.stats.mid = send->mid;
        t.send.emplace(std::move(s));
    }
    if (!receive) {
        t.receive.reset();
    } else if (t.receive && t.receive->config.mid == receive->mid) {
        t.receive->config = *receive;
    } else {
        auto jitter = audio::JitterBuffer::create({});
        auto dtmf_rx = dtmf::DtmfReceiver::create(dtmf_receiver_config());
        if (!jitter || !dtmf_rx) return unexpected(MediaError::kUnknownTransceiver);
        ReceiveStream r{*receive, std::move(*jitter), std::move(*dtmf_rx)};
        r.stats.mid = receive->mid;
        t.receive.emplace(std::move(r));
    }
    if (!t.send && !t.receive) impl_->transceivers.erase(id);
    if (impl_->last_now) impl_->touch(*impl_->last_now);
    return {};
}

void MediaSession::remove(TransceiverId id) {
    impl_->transceivers.erase(id);
}

Status<MediaError> MediaSession::set_srtp_keys(const dtls::SrtpKeyingMaterial& keys, dtls::DtlsRole local_role) {
    auto session = srtp::SrtpSession::create(keys, local_role);
    if (!session) return unexpected(MediaError::kBadKeys);
    impl_->srtp.emplace(std::move(*session));
    impl_->next_rtcp.reset();
    if (impl_->last_now) impl_->touch(*impl_->last_now);
    return {};
}

bool MediaSession::has_keys() const {
    return impl_->srtp.has_value();
}

Status<MediaError> MediaSession::send_audio(Timestamp now, TransceiverId id, const audio::Samples& frame) {
    auto it = impl_->transceivers.find(id);
    if (it == impl_->transceivers.end()) return unexpected(MediaError::kUnknownTransceiver);
    if (!it->second.send) return unexpected(MediaError::kNotSending);
    if (frame.size() != audio::kFrameSamples) return unexpected(MediaError::kBadFrame);
    impl_->touch(now);
    SendStream& s = *it->second.send;
    impl_->flush_dtmf(now, s);

    // The audio clock runs whether or not the frame goes out (RFC 4733 2.5.1.2: audio and
    // events share it); a pause in capture moves it on by the time that passed.
    uint32_t ts = s.next_ts;
    if (s.last_frame_at) {
        int64_t frames = ((now - *s.last_frame_at).as_micros() + kFrame.as_micros() / 2) / kFrame.as_micros();
        if (frames >= kGapFrames) {
            ts += static_cast<uint32_t>((frames - 1) * kFrameUnits);
            s.marker_pending = true;
        }
    }
    s.next_ts = ts + kFrameUnits;
    s.last_frame_at = now;

    // media-source stats describe what was captured, sent or not.
    double level = linear_level(frame);
    s.stats.audio_level = level;
    s.stats.total_audio_energy += level * level * 0.02;
    s.stats.total_samples_duration += 0.02;

    if (!impl_->srtp || (s.dtmf && s.dtmf->suppresses_audio())) {
        ++s.stats.frames_dropped;
        return {};
    }
    auto payload = s.encoder.encode(frame);
    if (!payload) {
        ++s.stats.frames_dropped;
        return {};
    }
    uint8_t dbov = level_dbov(level);
    uint8_t level_byte = static_cast<uint8_t>((dbov < kVoiceActivityDbov ? 0x80 : 0) | dbov);
    impl_->send_rtp(s, s.config.opus_payload_type, s.marker_pending, ts, *payload, level_byte);
    s.marker_pending = false;
    return {};
}

audio::Samples MediaSession::receive_audio(Timestamp now, TransceiverId id) {
    impl_->touch(now);
    auto it = impl_->transceivers.find(id);
    if (it == impl_->transceivers.end() || !it->second.receive) return audio::Samples(audio::kFrameSamples, 0);
    ReceiveStream& r = *it->second.receive;
    audio::PlayoutFrame frame = r.jitter.play_out(now);
    double level = linear_level(frame.samples);
    InboundAudioStats& s = r.stats;
    if (frame.kind != audio::FrameKind::kSilence) {
        s.total_samples_received += frame.samples.size();
        if (frame.kind == audio::FrameKind::kConcealed) {
            s.concealed_samples += frame.samples.size();
            if (level_dbov(level) >= 90) s.silent_concealed_samples += frame.samples.size();
        }
    }
    s.audio_level = level;
    s.total_audio_energy += level * level * 0.02;
    s.total_samples_duration += 0.02;
    return std::move(frame.samples);
}

bool MediaSession::can_insert_dtmf(TransceiverId id) const {
    auto it = impl_->transceivers.find(id);
    return it != impl_->transceivers.end() && it->second.send && it->second.send->dtmf.has_value();
}

Status<MediaError> MediaSession::play_dtmf(Timestamp now, TransceiverId id, char tone, Duration duration) {
    auto it = impl_->transceivers.find(id);
    if (it == impl_->transceivers.end()) return unexpected(MediaError::kUnknownTransceiver);
    if (!it->second.send) return unexpected(MediaError::kNotSending);
    SendStream& s = *it->second.send;
    if (!s.dtmf) return unexpected(MediaError::kNoTelephoneEvent);
    if (!dtmf::tone_to_event(tone)) return unexpected(MediaError::kBadTone);
    impl_->touch(now);
    impl_->flush_dtmf(now, s);
    if (!impl_->srtp) return {};  // nothing leaves before the keys (header comment)
    duration = std::clamp(duration, kMinDtmfDuration, kMaxDtmfDuration);
    // The event starts at the audio clock's next frame: no audio packet carries that
    // timestamp, since frames are suppressed from here until the last end packet.
    auto played = s.dtmf->play(now, tone, duration, Impl::audio_clock(s, now));
    if (!played) return unexpected(MediaError::kBadTone);
    ++s.stats.dtmf_events_sent;
    return {};
}

void MediaSession::handle_packet(Timestamp now, ByteView packet) {
    impl_->touch(now);
    if (!impl_->srtp) {
        ++impl_->dropped;
        return;
    }
    switch (rtp::classify_media_packet(packet)) {
        case rtp::MediaPacketKind::kRtp: impl_->handle_rtp(now, packet); break;
        case rtp::MediaPacketKind::kRtcp: impl_->handle_rtcp(now, packet); break;
        case rtp::MediaPacketKind::kNotMedia: ++impl_->dropped; break;
    }
}

void MediaSession::handle_timeout(Timestamp now) {
    impl_->touch(now);
    impl_->run_timers(now);
}

std::optional<Bytes> MediaSession::poll_transmit() {
    if (impl_->transmit.empty()) return std::nullopt;
    Bytes out = std::move(impl_->transmit.front());
    impl_->transmit.pop_front();
    return out;
}

std::optional<MediaEvent> MediaSession::poll_event() {
    if (impl_->events.empty()) return std::nullopt;
    MediaEvent out = impl_->events.front();
    impl_->events.pop_front();
    return out;
}

std::optional<Timestamp> MediaSession::poll_timeout() const {
    std::optional<Timestamp> next;
    auto consider = [&](std::optional<Timestamp> t) {
        if (t && (!next || *t < *next)) next = t;
    };
    if (impl_->srtp && impl_->has_streams()) consider(impl_->next_rtcp);
    for (const auto& [id, t] : impl_->transceivers) {
        if (t.send && t.send->dtmf && impl_->srtp) consider(t.send->dtmf->poll_timeout());
        if (t.receive) consider(t.receive->dtmf.poll_timeout());
    }
    return next;
}

std::optional<OutboundAudioStats> MediaSession::outbound_stats(TransceiverId id) const {
    auto it = impl_->transceivers.find(id);
    if (it == impl_->transceivers.end() || !it->second.send) return std::nullopt;
    return it->second.send->stats;
}

std::optional<InboundAudioStats> MediaSession::inbound_stats(TransceiverId id) const {
    auto it = impl_->transceivers.find(id);
    if (it == impl_->transceivers.end() || !it->second.receive) return std::nullopt;
    const ReceiveStream& r = *it->second.receive;
    InboundAudioStats s = r.stats;
    s.packets_lost = r.reception.cumulative_lost();
    s.jitter = r.reception.jitter_seconds();
    return s;
}

uint64_t MediaSession::dropped_packets() const {
    return impl_->dropped;
}

}  // namespace polyrtc::media
