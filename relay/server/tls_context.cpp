#include "relay/server/tls_context.hpp"

namespace polyrtc::relay::server {

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& pkey_file,
                                                     std::string& error) {
    auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
    asio::error_code ec;
    // Old protocol versions are off: browsers and TURN clients all speak TLS 1.2+.
    context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                             asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                             asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use,
                         ec);
    if (!ec) context->use_certificate_chain_file(cert_file, ec);
    if (ec) {
        error = "cert " + cert_file + ": " + ec.message();
        return nullptr;
    }
    context->use_private_key_file(pkey_file, asio::ssl::context::pem, ec);
    if (ec) {
        error = "pkey " + pkey_file + ": " + ec.message();
        return nullptr;
    }
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
        error = "pkey " + pkey_file + " does not match cert " + cert_file;
        return nullptr;
    }
    return context;
}

}  // namespace polyrtc::relay::server
