// SQLite store: migrations, revisions, the startup pointer, accounts, secrets
// and the audit trail. Each test works in its own temp dir.
#include "store.hpp"

#include <doctest/doctest.h>

#include "temp_dir.hpp"
#include <sqlite3.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

using namespace micsd;

namespace {

struct TempDir : sentry_test::TempDir {
    TempDir() : sentry_test::TempDir("store-test") {}
    std::string db() const { return path + "/sentry.db"; }
};

int raw_user_version(const std::string& db) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "PRAGMA user_version;", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return v;
}

void raw_exec(const std::string& db, const char* sql) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
    char* msg = nullptr;
    int rc = sqlite3_exec(h, sql, nullptr, nullptr, &msg);
    std::string m = msg ? msg : "";
    sqlite3_free(msg);
    sqlite3_close(h);
    REQUIRE_MESSAGE(rc == SQLITE_OK, m);
}

// The number of shipped migrations; bump with each appended step.
constexpr int kSchemaVersion = 4;  // 2: pending_revert, 3: lockout + password history, 4: deltas

}  // namespace

TEST_CASE("open creates the schema at the current version") {
    TempDir t;
    Store s;
    std::string err;
    REQUIRE_MESSAGE(s.open(t.db(), &err), err);
    CHECK(err.empty());
    CHECK(s.schema_version() == kSchemaVersion);
    CHECK(raw_user_version(t.db()) == kSchemaVersion);
    CHECK(std::filesystem::exists(t.db()));
    // An empty store has nothing in it.
    CHECK_FALSE(s.latest());
    CHECK_FALSE(s.revision(1));
    CHECK_FALSE(s.startup_id());
    CHECK_FALSE(s.account_hash("admin"));
    CHECK_FALSE(s.secret("enable"));
    CHECK(s.audit_tail(10).empty());
}

TEST_CASE("the database is in WAL mode") {
    TempDir t;
    {
        Store s;
        REQUIRE(s.open(t.db(), nullptr));
    }
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(t.db().c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "PRAGMA journal_mode;", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "wal");
    sqlite3_finalize(st);
    sqlite3_close(h);
}

TEST_CASE("reopening is idempotent and keeps the data") {
    TempDir t;
    std::int64_t id = 0;
    {
        Store s;
        REQUIRE(s.open(t.db(), nullptr));
        id = s.commit(R"({"system.hostname":"edge1"})", {"admin", "10.0.0.1", "abcd", "hostname edge1"});
        REQUIRE(id > 0);
        REQUIRE(s.set_startup(id));
        REQUIRE(s.put_account("admin", "$y$hash"));
    }
    for (int round = 0; round < 2; ++round) {
        Store s;
        std::string err;
        REQUIRE_MESSAGE(s.open(t.db(), &err), err);
        CHECK(s.schema_version() == kSchemaVersion);
        auto r = s.latest();
        REQUIRE(r);
        CHECK(r->id == id);
        CHECK(r->config == R"({"system.hostname":"edge1"})");
        CHECK(s.startup_id() == id);
        CHECK(s.account_hash("admin") == "$y$hash");
    }
}

TEST_CASE("commit returns increasing ids; latest and revision read them back") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    std::int64_t before = std::int64_t(std::time(nullptr));
    auto a = s.commit("{}", {"system", "local", "", "factory configuration"});
    auto b = s.commit(R"({"system.hostname":"edge1"})", {"admin", "192.0.2.7", "s1", "hostname edge1"});
    auto c = s.commit(R"({"system.hostname":"edge2"})", {"admin", "192.0.2.7", "s1", "hostname edge2"});
    std::int64_t after = std::int64_t(std::time(nullptr));
    CHECK(a > 0);
    CHECK(b > a);
    CHECK(c > b);

    auto l = s.latest();
    REQUIRE(l);
    CHECK(l->id == c);
    CHECK(l->config == R"({"system.hostname":"edge2"})");
    CHECK(l->meta.command == "hostname edge2");

    auto rb = s.revision(b);
    REQUIRE(rb);
    CHECK(rb->id == b);
    CHECK(rb->config == R"({"system.hostname":"edge1"})");
    CHECK(rb->meta.user == "admin");
    CHECK(rb->meta.source == "192.0.2.7");
    CHECK(rb->meta.session == "s1");
    CHECK(rb->meta.command == "hostname edge1");
    CHECK(rb->time >= before);
    CHECK(rb->time <= after);

    auto ra = s.revision(a);
    REQUIRE(ra);
    CHECK(ra->meta.user == "system");
    CHECK(ra->meta.session == "");
    CHECK(ra->config == "{}");

    CHECK_FALSE(s.revision(c + 1));
    CHECK_FALSE(s.revision(0));
    CHECK_FALSE(s.revision(-1));
}

TEST_CASE("revision text is stored byte for byte") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    std::string cfg = std::string("{\"ssh.banner\":\"a\\u0000b \xc3\xa9 'quoted'\"}");
    auto id = s.commit(cfg, {"o'neil", "src", "sess", "banner 'x'; DROP TABLE revisions;--"});
    REQUIRE(id > 0);
    auto r = s.revision(id);
    REQUIRE(r);
    CHECK(r->config == cfg);
    CHECK(r->meta.user == "o'neil");
    CHECK(r->meta.command == "banner 'x'; DROP TABLE revisions;--");
    CHECK(s.latest()->id == id);
}

TEST_CASE("revisions stored as deltas read back as full snapshots; every 64th is stored in full") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    auto base = s.commit(R"({"a":"1","b":2,"c":true})", {});
    int fulls = 0;
    auto full = [&](std::string text) {
        return [&fulls, text] {
            ++fulls;
            return text;
        };
    };
    auto d1 = s.commit_change(base, R"({"set":{"b":3,"d":"x"},"del":["a"]})", full(R"({"b":3,"c":true,"d":"x"})"), {});
    auto d2 = s.commit_change(d1, R"({"set":{},"del":["d"]})", full(R"({"b":3,"c":true})"), {"u", "s", "i", "cmd"});
    CHECK(fulls == 0);
    CHECK(s.revision(base)->config == R"({"a":"1","b":2,"c":true})");
    CHECK(s.revision(d1)->config == R"({"b":3,"c":true,"d":"x"})");
    auto r = s.latest();
    REQUIRE(r);
    CHECK(r->id == d2);
    CHECK(r->config == R"({"b":3,"c":true})");
    CHECK(r->meta.command == "cmd");
    CHECK(s.latest_id() == d2);
    // A chain never grows past kMaxDeltaChain: then the full text is stored.
    std::int64_t prev = d2;
    for (int i = 0; i < Store::kMaxDeltaChain; ++i)
        prev = s.commit_change(prev, R"({"set":{"n":)" + std::to_string(i) + "},\"del\":[]}",
                               full(R"({"b":3,"c":true,"n":)" + std::to_string(i) + "}"), {});
    CHECK(fulls == 1);
    for (std::int64_t id = d2 + 1; id <= prev; ++id) {
        auto x = s.revision(id);
        REQUIRE(x);
        CHECK(x->config == R"({"b":3,"c":true,"n":)" + std::to_string(id - d2 - 1) + "}");
    }
    // An unknown base: stored in full.
    auto lone = s.commit_change(9999, "{}", full("{\"z\":1}"), {});
    CHECK(fulls == 2);
    CHECK(s.revision(lone)->config == "{\"z\":1}");
}

TEST_CASE("startup pointer is set and then updated") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    auto a = s.commit("{}", {});
    auto b = s.commit("{}", {});
    CHECK_FALSE(s.startup_id());
    REQUIRE(s.set_startup(a));
    CHECK(s.startup_id() == a);
    REQUIRE(s.set_startup(b));
    CHECK(s.startup_id() == b);
    REQUIRE(s.set_startup(a));
    CHECK(s.startup_id() == a);
    // Only one row, ever.
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(t.db().c_str(), &h) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM startup;", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 1);
    sqlite3_finalize(st);
    sqlite3_close(h);
}

TEST_CASE("accounts and secrets are upserted by name") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    CHECK(s.put_account("admin", "h1"));
    CHECK(s.put_account("oper", "h2"));
    CHECK(s.account_hash("admin") == "h1");
    CHECK(s.account_hash("oper") == "h2");
    CHECK(s.put_account("admin", "h3"));
    CHECK(s.account_hash("admin") == "h3");
    CHECK(s.account_hash("oper") == "h2");
    CHECK_FALSE(s.account_hash("Admin"));  // names are case-sensitive
    CHECK_FALSE(s.account_hash(""));

    CHECK(s.put_secret("enable", "e1"));
    CHECK(s.secret("enable") == "e1");
    CHECK(s.put_secret("enable", "e2"));
    CHECK(s.secret("enable") == "e2");
    // Accounts and secrets are separate namespaces.
    CHECK_FALSE(s.secret("admin"));
    CHECK_FALSE(s.account_hash("enable"));
}

TEST_CASE("audit_tail returns the newest n records, oldest first") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    for (int i = 1; i <= 5; ++i)
        s.audit({1000 + i, "u" + std::to_string(i), "src", "sess", i % 2 ? "exec" : "config",
                 "cmd " + std::to_string(i), "success"});

    auto all = s.audit_tail(100);
    REQUIRE(all.size() == 5);
    for (int i = 0; i < 5; ++i) {
        CHECK(all[std::size_t(i)].command == "cmd " + std::to_string(i + 1));
        CHECK(all[std::size_t(i)].time == 1000 + i + 1);
    }
    CHECK(all[0].user == "u1");
    CHECK(all[0].source == "src");
    CHECK(all[0].session == "sess");
    CHECK(all[0].mode == "exec");
    CHECK(all[1].mode == "config");
    CHECK(all[0].result == "success");

    auto last2 = s.audit_tail(2);
    REQUIRE(last2.size() == 2);
    CHECK(last2[0].command == "cmd 4");
    CHECK(last2[1].command == "cmd 5");

    auto one = s.audit_tail(1);
    REQUIRE(one.size() == 1);
    CHECK(one[0].command == "cmd 5");

    CHECK(s.audit_tail(0).empty());
}

TEST_CASE("audit with time 0 is stamped with the current time") {
    TempDir t;
    Store s;
    REQUIRE(s.open(t.db(), nullptr));
    std::int64_t before = std::int64_t(std::time(nullptr));
    s.audit({0, "admin", "console", "", "exec", "show version", "success"});
    std::int64_t after = std::int64_t(std::time(nullptr));
    auto r = s.audit_tail(1);
    REQUIRE(r.size() == 1);
    CHECK(r[0].time >= before);
    CHECK(r[0].time <= after);
}

TEST_CASE("a database from a newer build is refused with a message") {
    TempDir t;
    {
        Store s;
        REQUIRE(s.open(t.db(), nullptr));
    }
    raw_exec(t.db(), "PRAGMA user_version=99;");
    Store s;
    std::string err;
    CHECK_FALSE(s.open(t.db(), &err));
    CHECK(err == "database schema 99 is newer than this build (" + std::to_string(kSchemaVersion) + ")");
    // It was not touched.
    CHECK(raw_user_version(t.db()) == 99);
}

TEST_CASE("a file that is not a database is refused") {
    TempDir t;
    {
        std::ofstream f(t.db());
        f << std::string(4096, 'x');
    }
    Store s;
    std::string err;
    CHECK_FALSE(s.open(t.db(), &err));
    CHECK_FALSE(err.empty());
}

TEST_CASE("a database in a missing directory cannot be opened") {
    TempDir t;
    Store s;
    std::string err;
    CHECK_FALSE(s.open(t.path + "/no/such/dir/sentry.db", &err));
    CHECK_FALSE(err.empty());
}

TEST_CASE("a failed migration is rolled back and reported") {
    TempDir t;
    // A table in the way of migration 0 -> 1.
    raw_exec(t.db(), "CREATE TABLE revisions(x INTEGER);");
    Store s;
    std::string err;
    CHECK_FALSE(s.open(t.db(), &err));
    CHECK(err.rfind("migration to schema 1 failed: ", 0) == 0);
    CHECK(err.find("revisions") != std::string::npos);
    CHECK(raw_user_version(t.db()) == 0);
}
