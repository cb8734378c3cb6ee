// DTLS records as they arrive in a datagram, before mbedTLS sees them: the endpoint reads the
// headers for its replay accounting, the ClientHello reassembler reads handshake fragments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/common/bytes.hpp"

namespace polyrtc::dtls {

// RFC 6347 section 4.1: the DTLS record header.
//
//   struct {
//        ContentType type;                  // 1 byte: 20 ccs, 21 alert, 22 handshake, 23 app data
//        ProtocolVersion version;           // 2 bytes: {254, 253} DTLS 1.2, {254, 255} DTLS 1.0
//        uint16 epoch;                      // 2 bytes
//        uint48 sequence_number;            // 6 bytes
//        uint16 length;                     // 2 bytes
//        opaque fragment[DTLSPlaintext.length];
//      } DTLSPlaintext;
constexpr size_t kRecordHeaderSize = 13;
// RFC 6347 4.1 via RFC 5246 6.2.3: "The length (in bytes) of the following
// TLSCiphertext.fragment. The length MUST NOT exceed 2^14 + 2048."
constexpr size_t kMaxRecordLength = 16384 + 2048;

struct Record {
    uint8_t type;
    uint16_t version;
    uint16_t epoch;
    uint64_t sequence;
    ByteView fragment;  // into the datagram: valid while it is
};

// Splits a datagram into its records. False (and `out` unspecified) if the datagram is empty
// or any record is malformed or truncated: unknown content type, a version that is not DTLS
// 1.0/1.2, or a length over the RFC's bound.
bool parse_records(ByteView datagram, std::vector<Record>& out);

}  // namespace polyrtc::dtls
