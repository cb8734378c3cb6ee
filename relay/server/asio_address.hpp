// Conversions between Asio endpoints and core's net:: address values.
#pragma once

#include <asio.hpp>

#include "core/net/socket_address.hpp"

namespace polyrtc::relay::server {

inline net::IpAddress to_ip(const asio::ip::address& address) {
    if (address.is_v4()) return net::IpAddress::v4(address.to_v4().to_uint());
    const auto bytes = address.to_v6().to_bytes();
    std::array<uint8_t, 16> copy{};
    std::copy(bytes.begin(), bytes.end(), copy.begin());
    return net::IpAddress::v6(copy);
}

inline asio::ip::address to_asio(const net::IpAddress& ip) {
    if (ip.is_v4()) return asio::ip::address_v4(ip.v4_u32());
    asio::ip::address_v6::bytes_type bytes{};
    std::copy(ip.bytes().begin(), ip.bytes().end(), bytes.begin());
    return asio::ip::address_v6(bytes);
}

template <class Endpoint>
net::SocketAddress to_socket_address(const Endpoint& endpoint) {
    return net::SocketAddress(to_ip(endpoint.address()), endpoint.port());
}

inline asio::ip::udp::endpoint to_udp_endpoint(const net::SocketAddress& address) {
    return asio::ip::udp::endpoint(to_asio(address.ip()), address.port());
}

}  // namespace polyrtc::relay::server
