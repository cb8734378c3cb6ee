// GET /turn-credentials decisions: who gets credentials, what they look like.
#include "relay/http/credentials_endpoint.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "core/stun/integrity.hpp"
#include "relay/turn/credentials.hpp"

namespace polyrtc::relay::http {
namespace {

CredentialsEndpointConfig config() {
    CredentialsEndpointConfig c;
    c.allowed_origins = {"https://app.example"};
    c.secret = "s3cret";
    c.ttl_s = 600;
    c.udp_port = 3478;
    c.tcp_port = 3478;
    c.tls_port = 5349;
    c.http_port = 443;
    c.http_tls = true;
    return c;
}

CredentialsRequest request(std::string_view origin, std::string_view target = "/turn-credentials") {
    CredentialsRequest r;
    r.origin = origin;
    r.host = "turn.example:443";
    r.target = target;
    r.unix_now = 1800000000;
    r.random_user = "00112233aabbccdd";
    return r;
}

}  // namespace

TEST_CASE("relay.credentials_endpoint: an allowed origin gets REST credentials the relay accepts") {
    const auto response = issue_credentials(config(), request("https://APP.example/"));
    REQUIRE(response.status == 200);
    CHECK(response.allow_origin == "https://app.example");
    const auto body = nlohmann::json::parse(response.body);
    CHECK(body["username"] == "1800000600:00112233aabbccdd");
    CHECK(body["password"] == turn::rest_api_password("s3cret", "1800000600:00112233aabbccdd"));
    CHECK(body["credential"] == body["password"]);
    CHECK(body["ttl"] == 600);
    CHECK(body["uris"] ==
          nlohmann::json::array({"turn:turn.example:3478?transport=udp", "turn:turn.example:3478?transport=tcp",
                                 "turns:turn.example:5349?transport=tcp"}));
    CHECK(body["ws_uri"] == "wss://turn.example:443/turn");

    // The relay's own check of such a username: the key it derives matches.
    turn::CredentialConfig credentials;
    credentials.realm = "r";
    credentials.rest_secrets = {"s3cret"};
    const turn::Credentials check(credentials, Bytes(32, 1));
    auto keys = check.keys_for(body["username"].get<std::string>(), 1800000000);
    REQUIRE(keys.ok());
    CHECK(keys->front() ==
          stun::long_term_key(body["username"].get<std::string>(), "r", body["password"].get<std::string>()));
}

TEST_CASE("relay.credentials_endpoint: other origins, no origin, a bad Host or username are refused") {
    CHECK(issue_credentials(config(), request("https://evil.example")).status == 403);
    CHECK(issue_credentials(config(), request("")).status == 403);
    CHECK(issue_credentials(config(), request("null")).status == 403);
    auto cross = request("");
    cross.sec_fetch_site = "cross-site";
    CHECK(issue_credentials(config(), cross).status == 403);
    auto bad_host = request("https://app.example");
    bad_host.host = "turn.example/../x";
    CHECK(issue_credentials(config(), bad_host).status == 400);
    CHECK(issue_credentials(config(), request("https://app.example", "/turn-credentials?username=a:b")).status == 400);
    CHECK(issue_credentials(config(), request("https://app.example", "/turn-credentials?username=")).status == 400);
    const auto refused = issue_credentials(config(), request("https://evil.example"));
    CHECK(refused.allow_origin.empty());
    CHECK(refused.body.find("password") == std::string::npos);
}

TEST_CASE("relay.credentials_endpoint: same-origin requests use the Host, only with Sec-Fetch-Site") {
    auto c = config();
    c.allowed_origins = {"https://turn.example:443"};
    auto same = request("");
    same.sec_fetch_site = "same-origin";
    CHECK(issue_credentials(c, same).status == 200);
    c.http_tls = false;  // then the relay's own origin is http://, not in the list
    CHECK(issue_credentials(c, same).status == 403);
}

TEST_CASE("relay.credentials_endpoint: ?username names the user part, listeners that are off are not announced") {
    auto c = config();
    c.udp_port.reset();
    c.tls_port.reset();
    c.http_tls = false;
    c.http_port = 8080;
    auto r = request("https://app.example", "/turn-credentials?service=turn&username=alice.1");
    r.host = "[2001:db8::1]:8080";
    const auto body = nlohmann::json::parse(issue_credentials(c, r).body);
    CHECK(body["username"] == "1800000600:alice.1");
    CHECK(body["uris"] == nlohmann::json::array({"turn:[2001:db8::1]:3478?transport=tcp"}));
    CHECK(body["ws_uri"] == "ws://[2001:db8::1]:8080/turn");
}

}  // namespace polyrtc::relay::http
