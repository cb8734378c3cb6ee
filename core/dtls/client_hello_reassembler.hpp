// Reassembles a fragmented DTLS ClientHello for mbedTLS 2.28's server.
//
// RFC 6347 section 4.2.3: "each DTLS handshake message MAY be fragmented over multiple
// records". mbedTLS reassembles every handshake message except the first ClientHello, which
// its server reads straight from the record layer and refuses when fragmented
// (ssl_srv.c: "ClientHello fragmentation not supported", MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO).
// Chromium 156 offers DTLS 1.3 and an X25519MLKEM768 key share of 1216 bytes, so its
// ClientHello is 1413 bytes and arrives as two fragments (1175 + 238 bytes, two datagrams):
// a polyrtc DTLS server failed every handshake with it.
//
// The endpoint runs the server's datagrams through this until mbedTLS has read a ClientHello.
// Fragments are held; once the message is complete, one datagram with the whole ClientHello in
// one record (fragment_offset 0, fragment_length = length) stands in for them. The handshake
// transcript is the same either way: RFC 6347 4.2.6 hashes handshake messages as if they were
// sent unfragmented.
#pragma once

#include <cstdint>
#include <vector>

#include "core/common/bytes.hpp"

namespace polyrtc::dtls {

class ClientHelloReassembler {
public:
    // A ClientHello larger than this (handshake body) is left to mbedTLS to refuse. mbedTLS's
    // default input buffer takes 16384 bytes of record content, 12 of them the header.
    static constexpr size_t kMaxMessage = 16384 - 12;

    enum class Verdict {
        kPass,      // no ClientHello fragment in this datagram: hand it to mbedTLS unchanged
        kHeld,      // fragments kept; the ClientHello is not complete yet: nothing for mbedTLS
        kComplete,  // take() returns the reassembled datagram for mbedTLS
    };

    // One datagram whose record headers the caller has already validated.
    Verdict handle(ByteView datagram);
    // The reassembled datagram after kComplete (once); empty otherwise.
    Bytes take();

    uint64_t fragments_held() const { return fragments_held_; }

private:
    void reset(uint16_t message_seq, uint32_t length, uint16_t version);

    bool active_ = false;
    uint16_t message_seq_ = 0;
    uint32_t length_ = 0;
    uint16_t version_ = 0;    // record version of the first fragment
    uint64_t sequence_ = 0;   // highest record sequence number among the fragments
    Bytes body_;              // the handshake body being filled
    std::vector<bool> have_;  // which bytes of body_ arrived
    uint32_t missing_ = 0;    // bytes of body_ not yet received
    Bytes complete_;          // the datagram handed out by take()
    uint64_t fragments_held_ = 0;
};

}  // namespace polyrtc::dtls
