// Both directions of SRTP for one DTLS-SRTP association (RFC 5764 section 4.2).
//
// core/dtls exports client key, server key, client salt, server salt. "the client ... uses
// client_write_SRTP_master_key and client_write_SRTP_master_salt" to protect what it sends,
// the server the server's pair; each side unprotects with the other's.
#pragma once

#include "core/common/result.hpp"
#include "core/dtls/endpoint.hpp"
#include "core/srtp/srtp_context.hpp"

namespace polyrtc::srtp {

struct SrtpSession {
    SrtpContext outbound;  // protect_rtp / protect_rtcp
    SrtpContext inbound;   // unprotect_rtp / unprotect_rtcp

    // kBadKeyMaterial when the profile is not AES_CM_128_HMAC_SHA1_80 or sizes are off.
    static Result<SrtpSession, SrtpError> create(const dtls::SrtpKeyingMaterial& keys, dtls::DtlsRole local_role);
};

}  // namespace polyrtc::srtp
