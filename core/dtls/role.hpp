// DtlsRole: our side of the DTLS handshake. One definition for the whole stack: SDP/JSEP
// derives it from a=setup (RFC 8842, core/sdp), the DTLS endpoint takes it (core/dtls), and
// the data-channel registry picks even or odd SCTP stream ids from it (RFC 8832 section 6,
// core/datachannel). Header-only so that modules without mbedTLS can use it.
#pragma once

namespace polyrtc::dtls {

// The client (a=setup:active) sends the ClientHello.
enum class DtlsRole { kClient, kServer };

inline const char* to_string(DtlsRole role) {
    return role == DtlsRole::kClient ? "client" : "server";
}

}  // namespace polyrtc::dtls
