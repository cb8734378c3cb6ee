// TurnStream: one TURN-over-TCP or TURN-over-TLS client connection (RFC 8656 section 12.5).
//
// The stream is cut into whole STUN and ChannelData messages by core's stun::StreamFramer
// and each message is handed to `on_message`; a stream that desynchronizes (a frame that is
// neither, or more than a full message buffered without completing) is closed, since no later
// message boundary can be found. One connection is one client 5-tuple.
//
// Lifetime: the glue keeps a shared_ptr per open connection; every pending Asio operation
// holds one too, so the object outlives its last completion handler. `on_closed` is called
// exactly once, from a completion handler (never from inside send() or close()), after which
// the glue drops its pointer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include <asio.hpp>
#include <asio/ssl.hpp>

#include "core/common/bytes.hpp"

namespace polyrtc::relay::server {

class TurnStream {
public:
    struct Handlers {
        std::function<void(uint64_t id, ByteView message)> on_message;
        std::function<void(uint64_t id)> on_closed;
    };

    virtual ~TurnStream() = default;

    // Starts the TLS handshake (TLS only) and the read loop.
    virtual void start() = 0;
    // Queues one framed message. Dropped when more than `max_queued` bytes are already
    // waiting: TURN carries datagrams, so loss beats unbounded memory.
    virtual void send(Bytes bytes) = 0;
    // Closes the socket; pending operations complete with an error and on_closed follows.
    virtual void close() = 0;

    uint64_t id() const { return id_; }

protected:
    explicit TurnStream(uint64_t id) : id_(id) {}

private:
    uint64_t id_;
};

std::shared_ptr<TurnStream> make_tcp_stream(asio::ip::tcp::socket socket, uint64_t id, TurnStream::Handlers handlers,
                                            size_t max_queued);
std::shared_ptr<TurnStream> make_tls_stream(asio::ip::tcp::socket socket, asio::ssl::context& context, uint64_t id,
                                            TurnStream::Handlers handlers, size_t max_queued);

}  // namespace polyrtc::relay::server
