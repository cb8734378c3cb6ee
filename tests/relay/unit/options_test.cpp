#include "relay/config/options.hpp"

#include <doctest/doctest.h>

namespace polyrtc::relay::config {

TEST_CASE("relay.options: no credential option and no --no-auth refuses to start, naming the flags") {
    auto outcome = parse_command_line({});
    CHECK_FALSE(outcome.options);
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.error.find("--no-auth") != std::string::npos);
    CHECK(outcome.error.find("--user NAME:PASSWORD") != std::string::npos);
    CHECK(outcome.error.find("--use-auth-secret --static-auth-secret SECRET") != std::string::npos);
}

TEST_CASE("relay.options: defaults with --no-auth") {
    auto outcome = parse_command_line({"--no-auth"});
    REQUIRE(outcome.options);
    CHECK(outcome.options->http_port == 8080);
    CHECK(outcome.options->listening_ip == "0.0.0.0");
    CHECK(outcome.options->realm == "polyrtc");
    CHECK_FALSE(outcome.options->web_root);
    CHECK(outcome.options->signal_max_room_size == 16);
    CHECK(outcome.options->signal_max_message_size == 65536);
}

TEST_CASE("relay.options: users are repeatable and split at the first colon") {
    auto outcome = parse_command_line({"--user", "alice:pa:ss", "-u", "bob:x", "--realm", "example.org"});
    REQUIRE(outcome.options);
    REQUIRE(outcome.options->users.size() == 2);
    CHECK(outcome.options->users[0].name == "alice");
    CHECK(outcome.options->users[0].password == "pa:ss");
    CHECK(outcome.options->users[1].name == "bob");
    CHECK(outcome.options->realm == "example.org");
}

TEST_CASE("relay.options: malformed --user is refused") {
    for (const char* bad : {"alice", ":pw", "alice:"}) {
        auto outcome = parse_command_line({"--user", bad});
        CHECK_FALSE(outcome.options);
        CHECK(outcome.exit_code == 2);
        CHECK(outcome.error.find("NAME:PASSWORD") != std::string::npos);
    }
}

TEST_CASE("relay.options: REST secret needs both flags") {
    auto only_flag = parse_command_line({"--use-auth-secret"});
    CHECK_FALSE(only_flag.options);
    CHECK(only_flag.error.find("add --static-auth-secret") != std::string::npos);
    auto only_secret = parse_command_line({"--static-auth-secret", "s"});
    CHECK_FALSE(only_secret.options);
    CHECK(only_secret.error.find("add --use-auth-secret") != std::string::npos);
    auto both = parse_command_line({"--use-auth-secret", "--static-auth-secret", "s1", "--static-auth-secret", "s2"});
    REQUIRE(both.options);
    CHECK(both.options->static_auth_secrets == std::vector<std::string>{"s1", "s2"});
}

TEST_CASE("relay.options: --no-auth with credentials and --lt-cred-mech without users are refused") {
    CHECK_FALSE(parse_command_line({"--no-auth", "--user", "a:b"}).options);
    CHECK_FALSE(parse_command_line({"--lt-cred-mech", "--no-auth"}).options);
    CHECK(parse_command_line({"--lt-cred-mech", "--user", "a:b"}).options);
}

TEST_CASE("relay.options: --help goes to stdout with exit 0") {
    auto outcome = parse_command_line({"--help"});
    CHECK_FALSE(outcome.options);
    CHECK(outcome.exit_code == 0);
    CHECK(outcome.output.find("--http-port") != std::string::npos);
    CHECK(outcome.error.empty());
}

TEST_CASE("relay.options: bad values are errors") {
    CHECK(parse_command_line({"--no-auth", "--http-port", "70000"}).exit_code != 0);
    CHECK(parse_command_line({"--no-auth", "--listening-ip", "not-an-ip"}).exit_code == 2);
    CHECK(parse_command_line({"--no-auth", "--web-root", "/definitely/not/here"}).exit_code == 2);
    CHECK(parse_command_line({"--no-auth", "--bogus"}).exit_code != 0);
    CHECK(parse_command_line({"--no-auth", "--listening-ip", "::1"}).options);
}

TEST_CASE("relay.options: coturn config file lines become flags") {
    std::string error;
    auto args = config_file_to_args(
        "# comment\n\n  lt-cred-mech\nuser=alice:secret\nrealm = \"example.org\"\n--no-auth\r\n", error);
    REQUIRE(args);
    CHECK(*args ==
          std::vector<std::string>{"--lt-cred-mech", "--user=alice:secret", "--realm=example.org", "--no-auth"});
    CHECK_FALSE(config_file_to_args("user alice:secret\n", error));
    CHECK(error.find("line 1") != std::string::npos);
}

TEST_CASE("relay.options: a missing -c file is an error") {
    auto outcome = parse_command_line({"-c", "/definitely/not/here.conf"});
    CHECK_FALSE(outcome.options);
    CHECK(outcome.exit_code == 2);
    CHECK(outcome.error.find("cannot read config file") != std::string::npos);
}

}  // namespace polyrtc::relay::config

namespace polyrtc::relay::config {

TEST_CASE("relay.options: --allowed-origin is normalized and validated") {
    auto outcome = parse_command_line(
        {"--no-auth", "--allowed-origin", "HTTPS://Example.org/", "--allowed-origin", "http://localhost:8080"});
    REQUIRE(outcome.options);
    CHECK(outcome.options->allowed_origins == std::vector<std::string>{"https://example.org", "http://localhost:8080"});
    for (const char* bad : {"example.org", "https://", "https://a/b", "://x", "https://u@h"}) {
        CHECK_MESSAGE(parse_command_line({"--no-auth", "--allowed-origin", bad}).exit_code == 2, bad);
    }
    CHECK_FALSE(normalize_origin("null"));
}

TEST_CASE("relay.options: TCP/TLS listeners, --max-bps and the credentials endpoint") {
    auto defaults = parse_command_line({"--no-auth"});
    REQUIRE(defaults.options);
    CHECK(defaults.options->tls_listening_port == 5349);
    CHECK_FALSE(defaults.options->no_tcp);
    CHECK_FALSE(defaults.options->cert);
    CHECK(defaults.options->max_bps == 0);
    CHECK_FALSE(defaults.options->credentials_endpoint);
    CHECK(defaults.options->credentials_ttl == 86400);

    auto set = parse_command_line({"--no-auth", "--no-tcp", "--no-tls", "--tls-listening-port", "5350", "--cert",
                                   "c.pem", "--pkey", "k.pem", "--max-bps", "125000"});
    REQUIRE(set.options);
    CHECK(set.options->no_tcp);
    CHECK(set.options->no_tls);
    CHECK(set.options->tls_listening_port == 5350);
    CHECK(*set.options->cert == "c.pem");
    CHECK(*set.options->pkey == "k.pem");
    CHECK(set.options->max_bps == 125000);

    auto half = parse_command_line({"--no-auth", "--cert", "c.pem"});
    CHECK_FALSE(half.options);
    CHECK(half.error.find("--cert and --pkey go together") != std::string::npos);

    auto endpoint = parse_command_line({"--use-auth-secret", "--static-auth-secret", "s", "--credentials-endpoint",
                                        "--allowed-origin", "https://a.example", "--credentials-ttl", "600"});
    REQUIRE(endpoint.options);
    CHECK(endpoint.options->credentials_endpoint);
    CHECK(endpoint.options->credentials_ttl == 600);
    for (const auto& bad : std::vector<std::vector<std::string>>{
             {"--use-auth-secret", "--static-auth-secret", "s", "--credentials-endpoint"},
             {"--user", "a:b", "--allowed-origin", "https://a.example", "--credentials-endpoint"}}) {
        auto refused = parse_command_line(bad);
        CHECK_FALSE(refused.options);
        CHECK(refused.exit_code == 2);
        CHECK(refused.error.find("--credentials-endpoint needs") != std::string::npos);
    }
}

}  // namespace polyrtc::relay::config
