// The one OpenSSL server context shared by TURN over TLS and https/wss on the HTTP port.
#pragma once

#include <memory>
#include <string>

#include <asio/ssl.hpp>

namespace polyrtc::relay::server {

// TLS 1.2 or newer, the certificate chain from `cert_file` (PEM) and the key from
// `pkey_file` (PEM). nullptr with `error` set when a file cannot be used or the key does not
// match the certificate.
std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& pkey_file,
                                                     std::string& error);

}  // namespace polyrtc::relay::server
