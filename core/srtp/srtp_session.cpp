#include "core/srtp/srtp_session.hpp"

namespace polyrtc::srtp {

Result<SrtpSession, SrtpError> SrtpSession::create(const dtls::SrtpKeyingMaterial& keys, dtls::DtlsRole local_role) {
    if (keys.profile != dtls::SrtpProfile::kAes128CmHmacSha1_80) return unexpected(SrtpError::kBadKeyMaterial);
    bool client = local_role == dtls::DtlsRole::kClient;
    auto out = SrtpContext::create(client ? keys.client_write_key : keys.server_write_key,
                                   client ? keys.client_write_salt : keys.server_write_salt);
    auto in = SrtpContext::create(client ? keys.server_write_key : keys.client_write_key,
                                  client ? keys.server_write_salt : keys.client_write_salt);
    if (!out || !in) return unexpected(SrtpError::kBadKeyMaterial);
    return SrtpSession{std::move(*out), std::move(*in)};
}

}  // namespace polyrtc::srtp
