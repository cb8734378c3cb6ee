#include "core/sctp/association.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <set>

#include "core/sctp/stack.hpp"
#include "core/sctp/usrsctp_include.hpp"

namespace polyrtc::sctp {

const char* to_string(SctpError error) {
    switch (error) {
        case SctpError::kStackUnavailable: return "usrsctp stack unavailable";
        case SctpError::kSocketFailure: return "usrsctp socket could not be created or configured";
        case SctpError::kInvalidState: return "command not allowed in this association state";
        case SctpError::kInvalidStream: return "stream id outside the negotiated streams";
        case SctpError::kMessageTooLarge: return "message larger than the remote max-message-size";
        case SctpError::kInvalidReliability: return "both max_retransmits and max_packet_lifetime_ms set";
        case SctpError::kEmptyMessage: return "SCTP cannot carry an empty user message";
    }
    return "unknown SctpError";
}

const char* to_string(AssociationState state) {
    switch (state) {
        case AssociationState::kNew: return "new";
        case AssociationState::kConnecting: return "connecting";
        case AssociationState::kConnected: return "connected";
        case AssociationState::kShuttingDown: return "shutting-down";
        case AssociationState::kClosed: return "closed";
        case AssociationState::kFailed: return "failed";
    }
    return "unknown";
}

namespace {

constexpr size_t kSctpCommonHeaderSize = 12;
constexpr size_t kReceiveChunk = 65536;         // bytes per usrsctp_recvv call
constexpr int kSocketBufferSize = 1024 * 1024;  // SO_SNDBUF / SO_RCVBUF (libdatachannel)
constexpr size_t kUnlimitedMessageCap = 4 * kDefaultMaxMessageSize;
// Idle ticking. usrsctp has no "next timer" query, so a busy association is ticked every
// Stack::kTimerTickMs. Once nothing has been sent or received for kIdleAfter (ten times the
// 20 ms delayed-SACK timer) and no DATA is unacknowledged or pending, the only timer left is
// the heartbeat (10 s interval plus RTO), which tolerates kIdleTick of lateness. Any input,
// command or packet makes the association busy again.
constexpr Duration kIdleAfter = Duration::millis(200);
constexpr Duration kIdleTick = Duration::seconds(1);

bool would_block(int error) {
    return error == EWOULDBLOCK || error == EAGAIN;
}

template <class T>
bool set_option(struct socket* sock, int level, int name, const T& value) {
    return usrsctp_setsockopt(sock, level, name, &value, static_cast<socklen_t>(sizeof(value))) == 0;
}

// Copies a usrsctp notification struct out of the receive buffer (never cast over bytes).
template <class T>
bool read_struct(const Bytes& buffer, T& out) {
    if (buffer.size() < sizeof(T)) return false;
    std::memcpy(&out, buffer.data(), sizeof(T));
    return true;
}

}  // namespace

struct SctpAssociation::Impl final : PacketSink {
    struct Outgoing {
        uint16_t stream = 0;
        uint32_t ppid = 0;
        Bytes data;
        size_t offset = 0;  // bytes already handed to usrsctp
        SendOptions options;
    };
    struct Incoming {
        Bytes data;
        uint32_t ppid = 0;
        bool unordered = false;
        bool too_large = false;  // discard the rest up to MSG_EOR
    };

    AssociationConfig config;
    struct socket* sock = nullptr;
    bool stack_ref = false;
    bool registered = false;
    AssociationState state = AssociationState::kNew;
    uint16_t outbound_streams = 0;
    uint16_t inbound_streams = 0;
    size_t send_limit = kDefaultMaxMessageSize;

    std::deque<Bytes> transmits;
    std::deque<Event> events;
    std::deque<Outgoing> queue;
    std::map<uint16_t, size_t> buffered;  // counted bytes per stream
    size_t queued_total = 0;
    std::vector<uint16_t> pending_resets;  // waiting for their queued messages / a retry
    std::set<uint16_t> resets_in_flight;
    bool shutdown_requested = false;
    bool shutdown_sent = false;
    Timestamp last_activity;  // latest packet in or out, start() or send()

    std::map<uint16_t, Incoming> partial;
    Bytes receive_buffer = Bytes(kReceiveChunk);
    Bytes notification;
    AssociationStats stats;

    ~Impl() {
        if (sock != nullptr) usrsctp_close(sock);  // SO_LINGER 0: aborted and freed now
        if (registered) Stack::deregister_sink(this);
        if (stack_ref) Stack::release();
    }

    void on_packet(const uint8_t* data, size_t size) override {
        last_activity = Stack::latest_now();
        ++stats.packets_sent;
        stats.largest_packet_sent = std::max(stats.largest_packet_sent, size);
        transmits.emplace_back(data, data + size);
    }

    // See kIdleAfter.
    bool idle() const {
        if (state != AssociationState::kConnected || sock == nullptr) return false;
        if (!queue.empty() || !pending_resets.empty() || !resets_in_flight.empty() || !transmits.empty() ||
            shutdown_requested)
            return false;
        if (Stack::latest_now() - last_activity < kIdleAfter) return false;
        struct sctp_status status {};
        socklen_t length = sizeof(status);
        if (usrsctp_getsockopt(sock, IPPROTO_SCTP, SCTP_STATUS, &status, &length) != 0) return false;
        return status.sstat_unackdata == 0 && status.sstat_penddata == 0;
    }

    bool alive() const {
        return state == AssociationState::kConnecting || state == AssociationState::kConnected ||
               state == AssociationState::kShuttingDown;
    }

    bool configure() {
        if (usrsctp_set_non_blocking(sock, 1) != 0) return false;
        struct linger no_linger {};
        no_linger.l_onoff = 1;
        no_linger.l_linger = 0;
        if (!set_option(sock, SOL_SOCKET, SO_LINGER, no_linger)) return false;
        int buffer_size = kSocketBufferSize;
        if (!set_option(sock, SOL_SOCKET, SO_SNDBUF, buffer_size)) return false;
        if (!set_option(sock, SOL_SOCKET, SO_RCVBUF, buffer_size)) return false;

        struct sctp_assoc_value reset {};
        reset.assoc_id = SCTP_FUTURE_ASSOC;
        reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, reset)) return false;
        int on = 1;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_RECVRCVINFO, on)) return false;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_EXPLICIT_EOR, on)) return false;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_NODELAY, on)) return false;
        int interleave = 0;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, interleave)) return false;

        for (uint16_t type :
             {uint16_t{SCTP_ASSOC_CHANGE}, uint16_t{SCTP_STREAM_RESET_EVENT}, uint16_t{SCTP_PARTIAL_DELIVERY_EVENT}}) {
            struct sctp_event event {};
            event.se_assoc_id = SCTP_FUTURE_ASSOC;
            event.se_on = 1;
            event.se_type = type;
            if (!set_option(sock, IPPROTO_SCTP, SCTP_EVENT, event)) return false;
        }

        struct sctp_initmsg init {};
        init.sinit_num_ostreams = config.streams;
        init.sinit_max_instreams = config.streams;
        if (!set_option(sock, IPPROTO_SCTP, SCTP_INITMSG, init)) return false;

        // For AF_CONN usrsctp's path MTU counts the chunks only: the 12-byte common header
        // comes on top (checked by a test: no packet exceeds max_packet_size).
        struct sctp_paddrparams params {};
        params.spp_assoc_id = SCTP_FUTURE_ASSOC;
        params.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE;
        params.spp_pathmtu = static_cast<uint32_t>(config.max_packet_size - kSctpCommonHeaderSize);
        if (!set_option(sock, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, params)) return false;

        struct sockaddr_conn local {};
        local.sconn_family = AF_CONN;
        local.sconn_port = htons(config.local_port);
        local.sconn_addr = static_cast<PacketSink*>(this);
        return usrsctp_bind(sock, reinterpret_cast<struct sockaddr*>(&local), sizeof(local)) == 0;
    }

    void fail(std::string reason) {
        if (!alive() && state != AssociationState::kNew) return;
        state = AssociationState::kFailed;
        events.emplace_back(FailedEvent{std::move(reason)});
    }

    void close(bool by_peer_abort) {
        if (!alive()) return;
        state = AssociationState::kClosed;
        events.emplace_back(ClosedEvent{by_peer_abort});
    }

    // ---- receiving

    void drain_socket() {
        if (sock == nullptr) return;
        for (;;) {
            struct sctp_rcvinfo info {};
            socklen_t info_len = sizeof(info);
            unsigned int info_type = 0;
            int flags = 0;
            socklen_t from_len = 0;
            ssize_t n = usrsctp_recvv(sock, receive_buffer.data(), receive_buffer.size(), nullptr, &from_len, &info,
                                      &info_len, &info_type, &flags);
            if (n < 0) return;  // EWOULDBLOCK, ENOTCONN, ECONNRESET: nothing more now
            if (n == 0) {       // end of stream: the association is gone
                if (state == AssociationState::kShuttingDown || state == AssociationState::kConnected) close(false);
                return;
            }
            size_t size = static_cast<size_t>(n);
            if ((flags & MSG_NOTIFICATION) != 0) {
                notification.insert(notification.end(), receive_buffer.begin(),
                                    receive_buffer.begin() + static_cast<std::ptrdiff_t>(size));
                if ((flags & MSG_EOR) != 0) {
                    handle_notification();
                    notification.clear();
                }
                continue;
            }
            if (info_type != SCTP_RECVV_RCVINFO) continue;  // cannot attribute: drop
            handle_data(info, size, (flags & MSG_EOR) != 0);
        }
    }

    void handle_data(const struct sctp_rcvinfo& info, size_t size, bool end_of_record) {
        Incoming& in = partial[info.rcv_sid];
        if (in.data.empty() && !in.too_large) {
            in.ppid = ntohl(info.rcv_ppid);
            in.unordered = (info.rcv_flags & SCTP_UNORDERED) != 0;
        }
        if (!in.too_large && in.data.size() + size > config.local_max_message_size) {
            in.too_large = true;
            in.data = Bytes();
        }
        if (!in.too_large)
            in.data.insert(in.data.end(), receive_buffer.begin(),
                           receive_buffer.begin() + static_cast<std::ptrdiff_t>(size));
        if (!end_of_record) return;
        if (in.too_large) {
            ++stats.messages_dropped_too_large;
        } else {
            ++stats.messages_received;
            events.emplace_back(MessageEvent{info.rcv_sid, in.ppid, in.unordered, std::move(in.data)});
        }
        partial.erase(info.rcv_sid);
    }

    void handle_notification() {
        uint16_t type = 0;  // sn_header.sn_type, the first field of every notification
        if (!read_struct(notification, type)) return;
        switch (type) {
            case SCTP_ASSOC_CHANGE: {
                struct sctp_assoc_change change {};
                if (!read_struct(notification, change)) return;
                handle_assoc_change(change, notification.size() > sizeof(change));
                break;
            }
            case SCTP_STREAM_RESET_EVENT: {
                struct sctp_stream_reset_event reset {};
                if (!read_struct(notification, reset)) return;
                std::vector<uint16_t> streams;
                size_t end = std::min<size_t>(reset.strreset_length, notification.size());
                for (size_t off = sizeof(reset); off + 2 <= end; off += 2) {
                    uint16_t id = 0;
                    std::memcpy(&id, notification.data() + off, 2);
                    streams.push_back(id);
                }
                handle_stream_reset(reset.strreset_flags, std::move(streams));
                break;
            }
            case SCTP_PARTIAL_DELIVERY_EVENT: {
                struct sctp_pdapi_event pd {};
                if (!read_struct(notification, pd)) return;
                if (pd.pdapi_indication == SCTP_PARTIAL_DELIVERY_ABORTED) {
                    ++stats.partial_deliveries_aborted;
                    partial.erase(static_cast<uint16_t>(pd.pdapi_stream));
                }
                break;
            }
            default: break;
        }
    }

    void handle_assoc_change(const struct sctp_assoc_change& change, bool has_abort_chunk) {
        switch (change.sac_state) {
            case SCTP_COMM_UP:
                if (state == AssociationState::kConnecting) {
                    state = AssociationState::kConnected;
                    outbound_streams = change.sac_outbound_streams;
                    inbound_streams = change.sac_inbound_streams;
                    events.emplace_back(ConnectedEvent{outbound_streams, inbound_streams});
                }
                break;
            case SCTP_COMM_LOST:
                // usrsctp appends the received ABORT chunk to sac_info when the peer aborted.
                if (has_abort_chunk && state != AssociationState::kConnecting)
                    close(true);
                else
                    fail(has_abort_chunk ? "peer aborted the association setup"
                                         : "association lost (retransmission limit reached)");
                break;
            case SCTP_CANT_STR_ASSOC: fail("association could not be established"); break;
            case SCTP_SHUTDOWN_COMP: close(false); break;
            default: break;  // SCTP_RESTART: the association continues
        }
    }

    void handle_stream_reset(uint16_t flags, std::vector<uint16_t> streams) {
        if ((flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) != 0) {
            // Our request was refused or timed out: ask again at the next opportunity.
            if ((flags & SCTP_STREAM_RESET_OUTGOING_SSN) != 0 || (flags & SCTP_STREAM_RESET_INCOMING_SSN) == 0) {
                for (uint16_t id : streams) {
                    if (resets_in_flight.erase(id) > 0) pending_resets.push_back(id);
                }
            }
            return;
        }
        if ((flags & SCTP_STREAM_RESET_INCOMING_SSN) != 0) {
            events.emplace_back(IncomingStreamsResetEvent{streams});
            for (uint16_t id : streams) partial.erase(id);
        }
        if ((flags & SCTP_STREAM_RESET_OUTGOING_SSN) != 0) {
            for (uint16_t id : streams) resets_in_flight.erase(id);
            events.emplace_back(OutgoingStreamsResetEvent{std::move(streams)});
        }
    }

    // ---- sending

    bool stream_has_queued(uint16_t stream) const {
        return std::any_of(queue.begin(), queue.end(), [&](const Outgoing& m) { return m.stream == stream; });
    }

    void flush() {
        if (state != AssociationState::kConnected) return;
        std::map<uint16_t, bool> decreased;
        while (!queue.empty()) {
            Outgoing& m = queue.front();
            struct sctp_sendv_spa spa {};
            spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
            spa.sendv_sndinfo.snd_sid = m.stream;
            spa.sendv_sndinfo.snd_ppid = htonl(m.ppid);
            spa.sendv_sndinfo.snd_flags = SCTP_EOR;
            if (!m.options.reliability.ordered) spa.sendv_sndinfo.snd_flags |= SCTP_UNORDERED;
            if (m.options.reliability.max_retransmits) {
                spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
                spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_RTX;
                spa.sendv_prinfo.pr_value = *m.options.reliability.max_retransmits;
            } else if (m.options.reliability.max_packet_lifetime_ms) {
                spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
                spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
                spa.sendv_prinfo.pr_value = *m.options.reliability.max_packet_lifetime_ms;
            }
            size_t remaining = m.data.size() - m.offset;
            ssize_t n = usrsctp_sendv(sock, m.data.data() + m.offset, remaining, nullptr, 0, &spa, sizeof(spa),
                                      SCTP_SENDV_SPA, 0);
            if (n < 0 && would_block(errno)) break;
            size_t accepted = n < 0 ? remaining : static_cast<size_t>(n);
            if (n < 0) ++stats.send_errors;  // the message is dropped
            m.offset += accepted;
            queued_total -= accepted;
            if (m.options.counted) {
                auto it = buffered.find(m.stream);
                if (it != buffered.end()) {
                    it->second -= std::min(it->second, accepted);
                    decreased[m.stream] = true;
                }
            }
            if (m.offset < m.data.size()) break;  // send buffer full mid-message
            if (n >= 0) ++stats.messages_sent;
            queue.pop_front();
        }
        for (const auto& [stream, unused] : decreased) {
            (void)unused;
            size_t now_buffered = buffered[stream];
            if (now_buffered == 0) buffered.erase(stream);
            events.emplace_back(BufferedAmountDecreasedEvent{stream, now_buffered});
        }
        request_resets();
        if (shutdown_requested && !shutdown_sent && queue.empty()) {
            shutdown_sent = true;
            state = AssociationState::kShuttingDown;
            usrsctp_shutdown(sock, SHUT_WR);
        }
    }

    void request_resets() {
        std::vector<uint16_t> ready;
        for (uint16_t id : pending_resets) {
            if (!stream_has_queued(id)) ready.push_back(id);
        }
        if (ready.empty()) return;
        Bytes buffer(sizeof(struct sctp_reset_streams) + ready.size() * sizeof(uint16_t));
        struct sctp_reset_streams header {};
        header.srs_assoc_id = 0;
        header.srs_flags = SCTP_STREAM_RESET_OUTGOING;
        header.srs_number_streams = static_cast<uint16_t>(ready.size());
        uint8_t* out = buffer.data();
        const uint16_t* ids = ready.data();
        if (out == nullptr || ids == nullptr) return;
        std::memcpy(out, &header, sizeof(header));
        std::memcpy(out + sizeof(header), ids, ready.size() * sizeof(uint16_t));
        if (usrsctp_setsockopt(sock, IPPROTO_SCTP, SCTP_RESET_STREAMS, out, static_cast<socklen_t>(buffer.size())) !=
            0) {
            if (errno == EALREADY || errno == EBUSY || would_block(errno)) return;  // retry later
            // Anything else (a stream the peer never negotiated): nothing to reset.
        } else {
            resets_in_flight.insert(ready.begin(), ready.end());
        }
        pending_resets.erase(
            std::remove_if(pending_resets.begin(), pending_resets.end(),
                           [&](uint16_t id) { return std::find(ready.begin(), ready.end(), id) != ready.end(); }),
            pending_resets.end());
    }
};

SctpAssociation::SctpAssociation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SctpAssociation::SctpAssociation(SctpAssociation&&) noexcept = default;
SctpAssociation& SctpAssociation::operator=(SctpAssociation&&) noexcept = default;
SctpAssociation::~SctpAssociation() = default;

Result<SctpAssociation, SctpError> SctpAssociation::create(const AssociationConfig& config) {
    auto impl = std::make_unique<Impl>();
    impl->config = config;
    if (impl->config.max_packet_size < 256) impl->config.max_packet_size = 256;
    if (impl->config.streams == 0) impl->config.streams = 1;
    impl->send_limit = config.remote_max_message_size == 0 ? kUnlimitedMessageCap : config.remote_max_message_size;
    if (!Stack::acquire()) return unexpected(SctpError::kStackUnavailable);
    impl->stack_ref = true;
    Stack::register_sink(impl.get());
    impl->registered = true;
    impl->sock = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
    if (impl->sock == nullptr || !impl->configure()) return unexpected(SctpError::kSocketFailure);
    return SctpAssociation(std::move(impl));
}

AssociationState SctpAssociation::state() const {
    return impl_->state;
}
const AssociationConfig& SctpAssociation::config() const {
    return impl_->config;
}
uint16_t SctpAssociation::outbound_streams() const {
    return impl_->outbound_streams;
}
uint16_t SctpAssociation::inbound_streams() const {
    return impl_->inbound_streams;
}
size_t SctpAssociation::buffered_amount(uint16_t stream) const {
    auto it = impl_->buffered.find(stream);
    return it == impl_->buffered.end() ? 0 : it->second;
}
size_t SctpAssociation::queued_bytes() const {
    return impl_->queued_total;
}
const AssociationStats& SctpAssociation::stats() const {
    return impl_->stats;
}

Status<SctpError> SctpAssociation::start(Timestamp now) {
    Impl& a = *impl_;
    if (a.state != AssociationState::kNew) return unexpected(SctpError::kInvalidState);
    Stack::advance(now);
    // Both sides connect to their own registered address (AF_CONN carries no addresses: the
    // packet's source and destination are the address given to usrsctp_conninput).
    struct sockaddr_conn remote {};
    remote.sconn_family = AF_CONN;
    remote.sconn_port = htons(a.config.remote_port);
    remote.sconn_addr = static_cast<PacketSink*>(&a);
    a.state = AssociationState::kConnecting;
    a.last_activity = now;
    int rc = usrsctp_connect(a.sock, reinterpret_cast<struct sockaddr*>(&remote), sizeof(remote));
    if (rc != 0 && errno != EINPROGRESS) {
        a.fail("usrsctp_connect failed");
        return unexpected(SctpError::kSocketFailure);
    }
    a.drain_socket();
    return {};
}

void SctpAssociation::handle_packet(Timestamp now, ByteView packet) {
    Impl& a = *impl_;
    Stack::advance(now);
    a.last_activity = std::max(a.last_activity, now);
    ++a.stats.packets_received;
    if (packet.size() < kSctpCommonHeaderSize) {
        ++a.stats.packets_dropped_short;
        return;
    }
    if (a.state == AssociationState::kNew) {
        ++a.stats.packets_dropped_before_start;
        return;
    }
    if (a.sock == nullptr) return;
    // usrsctp copies the packet, verifies the CRC32c and drops what does not belong.
    usrsctp_conninput(static_cast<PacketSink*>(&a), packet.data(), packet.size(), 0);
    a.drain_socket();
}

void SctpAssociation::handle_timeout(Timestamp now) {
    Stack::advance(now);
    impl_->drain_socket();
}

Status<SctpError> SctpAssociation::send(uint16_t stream, uint32_t ppid, ByteView data, const SendOptions& options) {
    Impl& a = *impl_;
    if (a.state != AssociationState::kNew && a.state != AssociationState::kConnecting &&
        a.state != AssociationState::kConnected)
        return unexpected(SctpError::kInvalidState);
    if (a.shutdown_requested) return unexpected(SctpError::kInvalidState);
    if (data.empty()) return unexpected(SctpError::kEmptyMessage);
    if (options.reliability.max_retransmits && options.reliability.max_packet_lifetime_ms)
        return unexpected(SctpError::kInvalidReliability);
    uint16_t limit = a.state == AssociationState::kConnected ? a.outbound_streams : a.config.streams;
    if (stream >= limit) return unexpected(SctpError::kInvalidStream);
    if (data.size() > a.send_limit) return unexpected(SctpError::kMessageTooLarge);
    a.queue.push_back(Impl::Outgoing{stream, ppid, data.to_bytes(), 0, options});
    a.last_activity = std::max(a.last_activity, Stack::latest_now());
    a.queued_total += data.size();
    if (options.counted) a.buffered[stream] += data.size();
    return {};
}

Status<SctpError> SctpAssociation::reset_streams(const std::vector<uint16_t>& streams) {
    Impl& a = *impl_;
    if (!a.alive() || a.state == AssociationState::kShuttingDown) return unexpected(SctpError::kInvalidState);
    for (uint16_t id : streams) {
        if (id >= a.config.streams) return unexpected(SctpError::kInvalidStream);
    }
    for (uint16_t id : streams) {
        if (std::find(a.pending_resets.begin(), a.pending_resets.end(), id) == a.pending_resets.end() &&
            a.resets_in_flight.count(id) == 0)
            a.pending_resets.push_back(id);
    }
    return {};
}

Status<SctpError> SctpAssociation::shutdown(Timestamp now) {
    Impl& a = *impl_;
    Stack::advance(now);
    if (a.state == AssociationState::kConnecting || a.state == AssociationState::kNew) {
        // Nothing to shut down gracefully: abort the setup.
        a.state = AssociationState::kClosed;
        a.events.emplace_back(ClosedEvent{false});
        return {};
    }
    if (a.state != AssociationState::kConnected) return unexpected(SctpError::kInvalidState);
    a.shutdown_requested = true;
    return {};
}

void SctpAssociation::abort(Timestamp now) {
    Impl& a = *impl_;
    Stack::advance(now);
    if (a.sock != nullptr) {
        usrsctp_close(a.sock);  // SO_LINGER 0: ABORT goes out through our (still registered) sink
        a.sock = nullptr;
    }
    a.queue.clear();
    a.buffered.clear();
    a.queued_total = 0;
    a.pending_resets.clear();
    if (a.alive() || a.state == AssociationState::kNew) {
        a.state = AssociationState::kClosed;
        a.events.emplace_back(ClosedEvent{false});
    }
}

std::optional<Bytes> SctpAssociation::poll_transmit() {
    Impl& a = *impl_;
    if (a.transmits.empty() && a.sock != nullptr &&
        (!a.queue.empty() || !a.pending_resets.empty() || (a.shutdown_requested && !a.shutdown_sent)))
        a.flush();
    if (a.transmits.empty()) return std::nullopt;
    Bytes packet = std::move(a.transmits.front());
    a.transmits.pop_front();
    return packet;
}

std::optional<Event> SctpAssociation::poll_event() {
    Impl& a = *impl_;
    if (a.events.empty()) return std::nullopt;
    Event event = std::move(a.events.front());
    a.events.pop_front();
    return event;
}

std::optional<Timestamp> SctpAssociation::poll_timeout() const {
    if (!impl_->alive()) return std::nullopt;
    if (impl_->idle()) return std::max(Stack::next_tick(), Stack::latest_now() + kIdleTick);
    return Stack::next_tick();
}

}  // namespace polyrtc::sctp
