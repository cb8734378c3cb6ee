// Interop with an independent DTLS 1.2 stack: Debian's `openssl s_server` / `s_client` over a real
// UDP socket on 127.0.0.1. Native only (Node has no fork/exec). The test drives DtlsEndpoint the
// way an embedder does: real time in, datagrams out through a socket. OpenSSL's own output is
// the referee: the keying material it exports with label EXTRACTOR-dtls_srtp must equal ours,
// the fingerprint of its certificate must be what we verified, and it must have received,
// printed and (via -CAfile/-verify_return_error) verified our certificate.
#ifndef __EMSCRIPTEN__

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/dtls/certificate.hpp"
#include "core/dtls/endpoint.hpp"
#include "tests/unit/test_rng.hpp"

namespace polyrtc::dtls {

namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Runs a shell command; true on exit status 0.
bool run(const std::string& command) {
    return std::system((command + " >/dev/null 2>&1").c_str()) == 0;
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/polyrtc-dtls-interop-XXXXXX";
        char* made = mkdtemp(tmpl);
        REQUIRE(made != nullptr);
        path = made;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// One openssl child process: stdin is a pipe we hold, stdout and stderr go to a file.
struct OpensslProcess {
    pid_t pid = -1;
    int stdin_fd = -1;
    fs::path output;

    OpensslProcess(const std::vector<std::string>& args, fs::path out) : output(std::move(out)) {
        signal(SIGPIPE, SIG_IGN);  // the child may exit before we stop writing
        int pipe_fds[2];
        REQUIRE(pipe(pipe_fds) == 0);
        pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int out_fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
            dup2(pipe_fds[0], 0);
            dup2(out_fd, 1);
            dup2(out_fd, 2);
            close(pipe_fds[0]);
            close(pipe_fds[1]);
            std::vector<char*> argv;
            argv.reserve(args.size() + 1);
            for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execvp("openssl", argv.data());
            _exit(127);
        }
        close(pipe_fds[0]);
        stdin_fd = pipe_fds[1];
    }
    ~OpensslProcess() {
        if (stdin_fd >= 0) close(stdin_fd);
        if (pid > 0) {
            kill(pid, SIGTERM);
            int status;
            waitpid(pid, &status, 0);
        }
    }
    void write_line(const std::string& line) {
        std::string s = line + "\n";
        REQUIRE(write(stdin_fd, s.data(), s.size()) == static_cast<ssize_t>(s.size()));
    }
    std::string text() const { return read_file(output); }
};

Timestamp real_now() {
    using namespace std::chrono;
    return Timestamp::from_micros(duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());
}

// Waits (polling every 20 ms, up to `seconds`) until `done()`.
bool wait_for(const std::function<bool()>& done, int seconds = 10) {
    Timestamp deadline = real_now() + Duration::seconds(seconds);
    while (!done()) {
        if (real_now() > deadline) return false;
        poll(nullptr, 0, 20);
    }
    return true;
}

// A UDP socket on 127.0.0.1 feeding one DtlsEndpoint.
struct UdpDriver {
    int fd = -1;
    bool have_peer = false;
    std::vector<DtlsEvent> events;

    UdpDriver() {
        fd = socket(AF_INET, SOCK_DGRAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    }
    ~UdpDriver() { close(fd); }

    uint16_t port() const {
        sockaddr_in addr{};
        socklen_t len = sizeof addr;
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
        return ntohs(addr.sin_port);
    }
    void connect_to(uint16_t port) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(port);
        REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        have_peer = true;
    }

    // Pumps the endpoint: datagrams in and out, timers, events; until `done()` or `seconds`.
    bool pump(DtlsEndpoint& ep, const std::function<bool()>& done, int seconds = 10) {
        Timestamp deadline = real_now() + Duration::seconds(seconds);
        Bytes buf(65536);
        for (;;) {
            while (auto d = ep.poll_transmit()) {
                if (have_peer) (void)::send(fd, d->data(), d->size(), 0);
            }
            while (auto e = ep.poll_event()) events.push_back(std::move(*e));
            if (done()) return true;
            Timestamp now = real_now();
            if (now > deadline) return false;
            int wait_ms = 20;
            if (auto t = ep.poll_timeout()) {
                wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(20, (*t - now).as_millis())));
            }
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, wait_ms) > 0) {
                sockaddr_in from{};
                socklen_t len = sizeof from;
                ssize_t n = recvfrom(fd, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
                if (n > 0) {
                    if (!have_peer) connect_to(ntohs(from.sin_port));
                    ep.handle_receive(real_now(), ByteView(buf.data(), static_cast<size_t>(n)));
                }
            }
            now = real_now();
            if (auto t = ep.poll_timeout(); t && *t <= now) ep.handle_timeout(now);
        }
    }

    template <class T>
    const T* first() const {
        for (const DtlsEvent& e : events) {
            if (const T* t = std::get_if<T>(&e)) return t;
        }
        return nullptr;
    }
    std::string received_text() const {
        std::string s;
        for (const DtlsEvent& e : events) {
            if (const Data* d = std::get_if<Data>(&e)) s.append(d->bytes.begin(), d->bytes.end());
        }
        return s;
    }
};

uint16_t free_udp_port() {
    UdpDriver probe;
    return probe.port();
}

// The value after `key` on its line in OpenSSL's output, or "".
std::string field(const std::string& text, const std::string& key) {
    size_t at = text.find(key);
    if (at == std::string::npos) return {};
    at += key.size();
    size_t end = text.find('\n', at);
    return text.substr(at, end - at);
}

std::string upper_hex(const SrtpKeyingMaterial& k) {
    Bytes all;
    for (const Bytes* part : {&k.client_write_key, &k.server_write_key, &k.client_write_salt, &k.server_write_salt}) {
        all.insert(all.end(), part->begin(), part->end());
    }
    std::string hex = to_hex(all);
    for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return hex;
}

// An ECDSA P-256 key and self-signed certificate made by openssl, and ours as PEM for -CAfile.
struct Identities {
    TempDir dir;
    Fingerprint openssl_fingerprint;
    std::optional<crypto::Csprng> rng;
    std::optional<Certificate> ours;
    std::string our_pem;

    // `key_spec`: openssl req -newkey arguments for OpenSSL's own key.
    explicit Identities(const std::string& key_spec = "ec -pkeyopt ec_paramgen_curve:prime256v1") {
        REQUIRE(run("openssl version"));  // Debian's openssl package is a test dependency
        std::string d = dir.path.string();
        REQUIRE(run("openssl req -x509 -newkey " + key_spec + " -nodes -keyout " + d + "/key.pem -out " + d +
                    "/cert.pem -days 30 -subj /CN=openssl-interop"));
        REQUIRE(std::system(
                    ("openssl x509 -in " + d + "/cert.pem -noout -fingerprint -sha256 > " + d + "/fp.txt").c_str()) ==
                0);
        // "sha256 Fingerprint=3E:A9:..." -> "sha-256 3E:A9:..."
        std::string fp = field(read_file(dir.path / "fp.txt"), "Fingerprint=");
        auto parsed = Fingerprint::parse("sha-256 " + fp);
        REQUIRE(parsed.ok());
        openssl_fingerprint = *parsed;

        rng.emplace(polyrtc::testing::seeded_rng("openssl interop"));
        CertificateParams params;  // OpenSSL checks dates: valid from yesterday for 30 days
        params.not_before_unix = static_cast<int64_t>(std::time(nullptr)) - 86400;
        params.not_after_unix = params.not_before_unix + int64_t{31} * 86400;
        auto cert = Certificate::generate(params, *rng);
        REQUIRE(cert.ok());
        ours.emplace(std::move(cert.value()));
        {
            std::ofstream der(dir.path / "ours.der", std::ios::binary);
            der.write(reinterpret_cast<const char*>(ours->der().data()),
                      static_cast<std::streamsize>(ours->der().size()));
        }
        REQUIRE(run("openssl x509 -inform DER -in " + d + "/ours.der -out " + d + "/ours.pem"));
        our_pem = read_file(dir.path / "ours.pem");
    }
    std::string path(const char* name) const { return (dir.path / name).string(); }
};

}  // namespace

TEST_CASE("dtls.openssl_interop: our client and openssl s_server agree on SRTP keys and fingerprints") {
    Identities ids;
    uint16_t port = free_udp_port();
    OpensslProcess server({"openssl",
                           "s_server",
                           "-dtls1_2",
                           "-accept",
                           "127.0.0.1:" + std::to_string(port),
                           "-cert",
                           ids.path("cert.pem"),
                           "-key",
                           ids.path("key.pem"),
                           "-use_srtp",
                           "SRTP_AES128_CM_SHA1_80",
                           "-keymatexport",
                           "EXTRACTOR-dtls_srtp",
                           "-keymatexportlen",
                           "60",
                           "-Verify",
                           "1",
                           "-CAfile",
                           ids.path("ours.pem"),
                           "-verify_return_error"},
                          ids.dir.path / "server.out");
    REQUIRE(wait_for([&] { return server.text().find("ACCEPT") != std::string::npos; }));

    DtlsConfig config;
    config.role = DtlsRole::kClient;
    auto rng = polyrtc::testing::seeded_rng("openssl interop client");
    auto ep = DtlsEndpoint::create(*ids.ours, rng, config);
    REQUIRE(ep.ok());
    ep->set_remote_fingerprint(ids.openssl_fingerprint);
    UdpDriver udp;
    udp.connect_to(port);
    Timestamp t0 = real_now();
    REQUIRE(ep->start(t0).ok());
    REQUIRE(udp.pump(*ep, [&] { return ep->state() != DtlsState::kHandshaking; }));
    MESSAGE("openssl s_server handshake: ", (real_now() - t0).as_micros() / 1000.0, " ms (with HelloVerifyRequest)");
    REQUIRE(ep->state() == DtlsState::kConnected);
    const Connected* c = udp.first<Connected>();
    REQUIRE(c != nullptr);
    CHECK(c->peer_fingerprint == ids.openssl_fingerprint);
    CHECK(c->cipher_suite == 0xC02B);
    CHECK(c->srtp_profile == SrtpProfile::kAes128CmHmacSha1_80);

    // OpenSSL's side of the story, once it has printed it.
    REQUIRE(wait_for([&] { return server.text().find("Keying material: ") != std::string::npos; }));
    std::string out = server.text();
    CHECK(field(out, "Keying material: ") == upper_hex(c->srtp_keys));
    CHECK(out.find("SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80") != std::string::npos);
    CHECK(out.find("CIPHER is ECDHE-ECDSA-AES128-GCM-SHA256") != std::string::npos);
    // It received our certificate and verified it against -CAfile (else -verify_return_error
    // would have failed the handshake).
    CHECK(out.find(ids.our_pem) != std::string::npos);

    // Application data both ways.
    std::string hello = "hello openssl from polyrtc\n";
    REQUIRE(ep->send(ByteView(reinterpret_cast<const uint8_t*>(hello.data()), hello.size())).ok());
    REQUIRE(udp.pump(*ep, [] { return true; }));
    CHECK(wait_for([&] { return server.text().find("hello openssl from polyrtc") != std::string::npos; }));
    server.write_line("hello polyrtc from openssl");
    CHECK(udp.pump(*ep, [&] { return udp.received_text() == "hello polyrtc from openssl\n"; }));

    ep->close(real_now());
    REQUIRE(udp.pump(*ep, [] { return true; }));
}

TEST_CASE("dtls.openssl_interop: openssl s_client and our server agree, and a client without a certificate fails") {
    Identities ids;
    auto run_server = [&](bool client_sends_cert, UdpDriver& udp, std::optional<DtlsEndpoint>& ep,
                          std::optional<OpensslProcess>& client, crypto::Csprng& rng) {
        DtlsConfig config;
        config.role = DtlsRole::kServer;
        auto created = DtlsEndpoint::create(*ids.ours, rng, config);
        REQUIRE(created.ok());
        ep.emplace(std::move(created.value()));
        ep->set_remote_fingerprint(ids.openssl_fingerprint);
        REQUIRE(ep->start(real_now()).ok());
        std::vector<std::string> args = {"openssl",
                                         "s_client",
                                         "-dtls1_2",
                                         "-connect",
                                         "127.0.0.1:" + std::to_string(udp.port()),
                                         "-use_srtp",
                                         "SRTP_AES128_CM_SHA1_80",
                                         "-keymatexport",
                                         "EXTRACTOR-dtls_srtp",
                                         "-keymatexportlen",
                                         "60",
                                         "-CAfile",
                                         ids.path("ours.pem"),
                                         "-verify_return_error"};
        if (client_sends_cert) {
            args.insert(args.end(), {"-cert", ids.path("cert.pem"), "-key", ids.path("key.pem")});
        }
        client.emplace(args, ids.dir.path / (client_sends_cert ? "client.out" : "client-nocert.out"));
        REQUIRE(udp.pump(*ep, [&] { return ep->state() != DtlsState::kHandshaking; }));
    };

    SUBCASE("with a client certificate") {
        auto rng = polyrtc::testing::seeded_rng("openssl interop server");
        UdpDriver udp;
        std::optional<DtlsEndpoint> ep;
        std::optional<OpensslProcess> client;
        run_server(true, udp, ep, client, rng);
        REQUIRE(ep->state() == DtlsState::kConnected);
        const Connected* c = udp.first<Connected>();
        REQUIRE(c != nullptr);
        CHECK(c->peer_fingerprint == ids.openssl_fingerprint);
        REQUIRE(wait_for([&] { return client->text().find("Keying material: ") != std::string::npos; }));
        std::string out = client->text();
        CHECK(field(out, "Keying material: ") == upper_hex(c->srtp_keys));
        CHECK(out.find("SRTP Extension negotiated, profile=SRTP_AES128_CM_SHA1_80") != std::string::npos);
        CHECK(out.find("Verify return code: 0 (ok)") != std::string::npos);
        CHECK(out.find("Extended master secret: yes") != std::string::npos);  // RFC 7627 negotiated
        CHECK(out.find(ids.our_pem) != std::string::npos);                    // s_client prints the server certificate
        // OpenSSL's client prefers AES-256-GCM, which we do not offer: we chose from its list.
        CHECK((c->cipher_suite == 0xC02B || c->cipher_suite == 0xCCA9));

        client->write_line("hello polyrtc from s_client");
        CHECK(udp.pump(*ep, [&] { return udp.received_text() == "hello polyrtc from s_client\n"; }));
        std::string hello = "hello s_client from polyrtc\n";
        REQUIRE(ep->send(ByteView(reinterpret_cast<const uint8_t*>(hello.data()), hello.size())).ok());
        REQUIRE(udp.pump(*ep, [] { return true; }));
        CHECK(wait_for([&] { return client->text().find("hello s_client from polyrtc") != std::string::npos; }));
    }

    SUBCASE("without a client certificate the server fails the handshake") {
        auto rng = polyrtc::testing::seeded_rng("openssl interop server nocert");
        UdpDriver udp;
        std::optional<DtlsEndpoint> ep;
        std::optional<OpensslProcess> client;
        run_server(false, udp, ep, client, rng);
        CHECK(ep->state() == DtlsState::kFailed);
        const Failed* f = udp.first<Failed>();
        REQUIRE(f != nullptr);
        CHECK(f->reason == FailureReason::kNoPeerCertificate);
        CHECK(udp.first<Connected>() == nullptr);
    }
}

TEST_CASE("dtls.openssl_interop: peers with RSA certificates are accepted by fingerprint (native config)") {
    // Our certificate stays ECDSA; OpenSSL's is RSA-2048. As client we must then negotiate an
    // ECDHE-RSA suite; as server we verify an RSA CertificateVerify.
    Identities ids("rsa:2048");
    uint16_t port = free_udp_port();
    OpensslProcess server({"openssl", "s_server", "-dtls1_2", "-accept", "127.0.0.1:" + std::to_string(port), "-cert",
                           ids.path("cert.pem"), "-key", ids.path("key.pem"), "-use_srtp", "SRTP_AES128_CM_SHA1_80",
                           "-keymatexport", "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60", "-Verify", "1"},
                          ids.dir.path / "rsa-server.out");
    REQUIRE(wait_for([&] { return server.text().find("ACCEPT") != std::string::npos; }));
    DtlsConfig config;
    auto rng = polyrtc::testing::seeded_rng("openssl interop rsa client");
    auto ep = DtlsEndpoint::create(*ids.ours, rng, config);
    REQUIRE(ep.ok());
    ep->set_remote_fingerprint(ids.openssl_fingerprint);
    UdpDriver udp;
    udp.connect_to(port);
    REQUIRE(ep->start(real_now()).ok());
    REQUIRE(udp.pump(*ep, [&] { return ep->state() != DtlsState::kHandshaking; }));
    REQUIRE(ep->state() == DtlsState::kConnected);
    const Connected* c = udp.first<Connected>();
    REQUIRE(c != nullptr);
    CHECK(c->cipher_suite == 0xC02F);  // ECDHE-RSA-AES128-GCM-SHA256
    CHECK(c->peer_fingerprint == ids.openssl_fingerprint);
    REQUIRE(wait_for([&] { return server.text().find("Keying material: ") != std::string::npos; }));
    CHECK(field(server.text(), "Keying material: ") == upper_hex(c->srtp_keys));

    // And the other way: an RSA client certificate presented to our server.
    auto server_rng = polyrtc::testing::seeded_rng("openssl interop rsa server");
    DtlsConfig server_config;
    server_config.role = DtlsRole::kServer;
    auto our_server = DtlsEndpoint::create(*ids.ours, server_rng, server_config);
    REQUIRE(our_server.ok());
    our_server->set_remote_fingerprint(ids.openssl_fingerprint);
    REQUIRE(our_server->start(real_now()).ok());
    UdpDriver server_udp;
    OpensslProcess client(
        {"openssl", "s_client", "-dtls1_2", "-connect", "127.0.0.1:" + std::to_string(server_udp.port()), "-cert",
         ids.path("cert.pem"), "-key", ids.path("key.pem"), "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-keymatexport",
         "EXTRACTOR-dtls_srtp", "-keymatexportlen", "60"},
        ids.dir.path / "rsa-client.out");
    REQUIRE(server_udp.pump(*our_server, [&] { return our_server->state() != DtlsState::kHandshaking; }));
    REQUIRE(our_server->state() == DtlsState::kConnected);
    const Connected* sc = server_udp.first<Connected>();
    REQUIRE(sc != nullptr);
    CHECK(sc->peer_fingerprint == ids.openssl_fingerprint);
    REQUIRE(wait_for([&] { return client.text().find("Keying material: ") != std::string::npos; }));
    CHECK(field(client.text(), "Keying material: ") == upper_hex(sc->srtp_keys));
}

}  // namespace polyrtc::dtls

#endif  // __EMSCRIPTEN__
