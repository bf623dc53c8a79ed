// A commit offers the sentryd snapshot before the revision is stored
// (App::commit, docs/activesync-config.md): a fake sentryd on run/sentryd.sock
// accepts or refuses; a refusal commits nothing and its reason comes back.
#include "app.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace micsd;
using nlohmann::json;

namespace {

const char* kAdminPw = "Adm1n-Test-Pass";
const char* kEnable = "En4ble-Test-Secret";

// Answers one config.apply with `reply` ({"ok":true} or an error object) and keeps the request.
struct FakeSentryd {
    int fd = -1;
    std::thread t;
    json request;
    FakeSentryd(const std::string& path, json reply) {
        fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        ::unlink(path.c_str());
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        REQUIRE(::listen(fd, 4) == 0);
        t = std::thread([this, reply] {
            int c = ::accept(fd, nullptr, nullptr);
            if (c < 0) return;
            std::uint32_t n = 0;
            if (::recv(c, &n, 4, MSG_WAITALL) == 4) {
                std::string body(ntohl(n), '\0');
                if (::recv(c, body.data(), body.size(), MSG_WAITALL) == ssize_t(body.size())) {
                    request = json::parse(body, nullptr, false);
                    json r = reply;
                    r["id"] = request.value("id", json());
                    std::string out = r.dump();
                    std::uint32_t len = htonl(std::uint32_t(out.size()));
                    (void)!::write(c, &len, 4);
                    (void)!::write(c, out.data(), out.size());
                }
            }
            ::close(c);
        });
    }
    ~FakeSentryd() {
        ::shutdown(fd, SHUT_RDWR);
        if (t.joinable()) t.join();
        ::close(fd);
    }
};

struct Fixture {
    sentry_test::TempDir dir{"sentryd-push-test"};
    std::unique_ptr<App> app;
    Session s;
    Fixture() {
        ::setenv("SENTRY_ADMIN_PASSWORD", kAdminPw, 1);
        ::setenv("SENTRY_ENABLE_SECRET", kEnable, 1);
        Options o;
        o.paths.state = dir.path;
        o.start_services = false;
        app = std::make_unique<App>(o);
        std::string why = app->init();
        REQUIRE_MESSAGE(why.empty(), why);
        s.trusted = true;
        REQUIRE(call("auth.login", {{"user", "admin"}, {"password", kAdminPw}, {"source", "t"}, {"service", "ssh"}})
                    .value("ok", false));
        REQUIRE(call("session.enable", {{"secret", kEnable}}).value("ok", false));
        REQUIRE(call("session.mode", {{"mode", "config"}}).value("ok", false));
    }
    json call(const std::string& op, json args) {
        json req = {{"v", 1}, {"id", 1}, {"op", op}, {"args", std::move(args)}};
        return json::parse(app->dispatch(s, req.dump()));
    }
    json set_servers(const std::string& list) {
        json e = {{"path", "activesync.service.servers[default]"}, {"op", "set"}, {"value", list}};
        return call("config.edit", {{"edits", json::array({e})}, {"line", "sentry activesync service default servers " + list}});
    }
    std::string sock() const { return app->options().paths.sentryd_sock(); }
};

}  // namespace

TEST_CASE("sentryd refuses the snapshot: nothing is committed and the reason comes back") {
    Fixture f;
    std::int64_t before = f.app->revision();
    json r, req;
    {
        FakeSentryd fake(f.sock(), {{"ok", false}, {"error", {{"code", "invalid"}, {"message", "config.activesync: nope"}}}});
        r = f.set_servers("mail1.example.com");
        fake.t.join();
        req = fake.request;
    }
    CHECK(req["args"]["version"] == before + 1);  // offered under the id the store would give it
    REQUIRE_FALSE(r.value("ok", true));
    CHECK(r["error"]["code"] == "apply_failed");
    CHECK(r["error"]["message"] == "sentryd refused the configuration: config.activesync: nope");
    CHECK(f.app->revision() == before);
    CHECK(f.app->running().values.count("activesync.service.servers[default]") == 0);
    CHECK(f.app->store().latest()->id == before);
}

TEST_CASE("sentryd accepts: the snapshot it got is the new revision") {
    Fixture f;
    std::int64_t before = f.app->revision();
    json r, req;
    {
        FakeSentryd fake(f.sock(), {{"ok", true}, {"data", {{"version", before + 1}}}});
        r = f.set_servers("mail1.example.com;mail2:8443");
        fake.t.join();
        req = fake.request;
    }
    REQUIRE_MESSAGE(r.value("ok", false), r.dump());
    CHECK(f.app->revision() == before + 1);
    CHECK(req["op"] == "config.apply");
    CHECK(req["args"]["version"] == before + 1);
    CHECK(req["args"]["config"]["activesync"]["services"][0]["servers"] ==
          json::parse(R"([{"host":"mail1.example.com","port":443},{"host":"mail2","port":8443}])"));
}

TEST_CASE("sentryd not running: the commit succeeds") {
    Fixture f;
    std::int64_t before = f.app->revision();
    json r = f.set_servers("mail1.example.com");
    REQUIRE_MESSAGE(r.value("ok", false), r.dump());
    CHECK(f.app->revision() == before + 1);
}
