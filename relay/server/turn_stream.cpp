#include "relay/server/turn_stream.hpp"

#include <algorithm>
#include <deque>
#include <type_traits>
#include <vector>

#include "core/stun/channel_data.hpp"

namespace polyrtc::relay::server {
namespace {

using asio::ip::tcp;
using TlsSocket = asio::ssl::stream<tcp::socket>;

constexpr size_t kReadChunk = 64 * 1024;
// Messages gathered into one write: fewer system calls under load, bounded latency.
constexpr size_t kMaxGather = 64;

template <class Socket>
class Stream final : public TurnStream, public std::enable_shared_from_this<Stream<Socket>> {
public:
    template <class... SocketArgs>
    Stream(uint64_t id, Handlers handlers, size_t max_queued, SocketArgs&&... socket_args)
        : TurnStream(id),
          socket_(std::forward<SocketArgs>(socket_args)...),
          handlers_(std::move(handlers)),
          max_queued_(max_queued) {
        read_buffer_.resize(kReadChunk);
    }

    void start() override {
        asio::error_code ignored;
        socket_.lowest_layer().set_option(tcp::no_delay(true), ignored);
        if constexpr (std::is_same_v<Socket, TlsSocket>) {
            socket_.async_handshake(asio::ssl::stream_base::server,
                                    [self = this->shared_from_this()](const asio::error_code& error) {
                                        if (error) return self->finish();
                                        self->handshaken_ = true;
                                        self->read();
                                        self->write();  // anything queued meanwhile
                                    });
        } else {
            handshaken_ = true;
            read();
        }
    }

    void send(Bytes bytes) override {
        if (closed_ || bytes.empty() || queued_bytes_ + bytes.size() > max_queued_) return;
        queued_bytes_ += bytes.size();
        queue_.push_back(std::move(bytes));
        if (!writing_ && handshaken_) write();
    }

    void close() override {
        if (closed_) return;
        closed_ = true;
        asio::error_code ignored;
        socket_.lowest_layer().close(ignored);  // the pending read completes and calls finish()
    }

private:
    void read() {
        // Never read more than the framer can take: a 64 KiB read arriving while a large
        // partial frame is buffered would otherwise overflow it and reset a healthy
        // connection (seen with Chromium's TURN/TCP under data-channel load).
        socket_.async_read_some(
            asio::buffer(read_buffer_.data(), std::min(read_buffer_.size(), framer_.room())),
            [self = this->shared_from_this()](const asio::error_code& error, size_t n) { self->on_read(error, n); });
    }

    void on_read(const asio::error_code& error, size_t n) {
        if (error || closed_) return finish();
        if (!framer_.push(ByteView(read_buffer_.data(), n))) return finish();
        for (;;) {
            auto frame = framer_.next();
            if (!frame) return finish();  // desynchronized: no later boundary can be found
            if (!frame->has_value()) break;
            handlers_.on_message(id(), ByteView(**frame));
            if (closed_) return finish();  // the handler closed us
        }
        read();
    }

    void write() {
        if (queue_.empty() || closed_) {
            writing_ = false;
            return;
        }
        writing_ = true;
        in_flight_.clear();
        // Over TLS, one message per record and per write: some clients (turnutils_uclient)
        // read one record per readiness event and strand the rest in their TLS buffer.
        const size_t gather = std::is_same_v<Socket, TlsSocket> ? 1 : kMaxGather;
        while (!queue_.empty() && in_flight_.size() < gather) {
            in_flight_.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        buffers_.clear();
        for (const auto& bytes : in_flight_) buffers_.push_back(asio::buffer(bytes));
        asio::async_write(socket_, buffers_, [self = this->shared_from_this()](const asio::error_code& error, size_t) {
            for (const auto& bytes : self->in_flight_) self->queued_bytes_ -= bytes.size();
            self->in_flight_.clear();
            if (error) {
                self->writing_ = false;
                self->close();  // the read side reports the end
                return;
            }
            self->write();
        });
    }

    // The one place on_closed is called.
    void finish() {
        if (finished_) return;
        finished_ = true;
        closed_ = true;
        asio::error_code ignored;
        socket_.lowest_layer().close(ignored);
        queue_.clear();
        handlers_.on_closed(id());
    }

    Socket socket_;
    Handlers handlers_;
    size_t max_queued_;
    Bytes read_buffer_;
    stun::StreamFramer framer_;
    std::deque<Bytes> queue_;
    std::vector<Bytes> in_flight_;
    std::vector<asio::const_buffer> buffers_;
    size_t queued_bytes_ = 0;
    bool handshaken_ = false;
    bool writing_ = false;
    bool closed_ = false;
    bool finished_ = false;
};

}  // namespace

std::shared_ptr<TurnStream> make_tcp_stream(tcp::socket socket, uint64_t id, TurnStream::Handlers handlers,
                                            size_t max_queued) {
    return std::make_shared<Stream<tcp::socket>>(id, std::move(handlers), max_queued, std::move(socket));
}

std::shared_ptr<TurnStream> make_tls_stream(tcp::socket socket, asio::ssl::context& context, uint64_t id,
                                            TurnStream::Handlers handlers, size_t max_queued) {
    return std::make_shared<Stream<TlsSocket>>(id, std::move(handlers), max_queued, std::move(socket), context);
}

}  // namespace polyrtc::relay::server
