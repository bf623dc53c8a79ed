// yescrypt password hashing and the first-boot password generator.
#include "password.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <string>

using namespace micsd;

TEST_CASE("hash_password produces a salted yescrypt hash") {
    std::string h = hash_password("correct horse");
    REQUIRE_FALSE(h.empty());
    CHECK(h.rfind("$y$", 0) == 0);
    // $y$<params>$<salt>$<hash>: four '$'-separated fields after the id.
    CHECK(std::count(h.begin(), h.end(), '$') == 4);
    CHECK(h.find("correct horse") == std::string::npos);

    std::string h2 = hash_password("correct horse");
    REQUIRE_FALSE(h2.empty());
    CHECK(h2.rfind("$y$", 0) == 0);
    CHECK(h != h2);  // a fresh salt every time
}

TEST_CASE("verify_password accepts the password and nothing else") {
    std::string h = hash_password("s3cret!");
    REQUIRE_FALSE(h.empty());
    CHECK(verify_password("s3cret!", h));
    CHECK_FALSE(verify_password("s3cret", h));
    CHECK_FALSE(verify_password("s3cret!!", h));
    CHECK_FALSE(verify_password("S3cret!", h));
    CHECK_FALSE(verify_password("", h));

    // Both hashes of one password verify it.
    std::string h2 = hash_password("s3cret!");
    CHECK(verify_password("s3cret!", h2));
}

TEST_CASE("verify_password refuses empty, truncated and foreign hashes") {
    CHECK_FALSE(verify_password("", ""));
    CHECK_FALSE(verify_password("anything", ""));
    CHECK_FALSE(verify_password("anything", "*"));
    CHECK_FALSE(verify_password("anything", "!"));
    CHECK_FALSE(verify_password("anything", "not-a-hash"));
    std::string h = hash_password("pw");
    REQUIRE(h.size() > 10);
    CHECK_FALSE(verify_password("pw", h.substr(0, h.size() - 1)));
    CHECK_FALSE(verify_password("pw", h + "x"));
    std::string flipped = h;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    CHECK_FALSE(verify_password("pw", flipped));
}

TEST_CASE("an empty password still hashes and verifies only itself") {
    std::string h = hash_password("");
    REQUIRE_FALSE(h.empty());
    CHECK(verify_password("", h));
    CHECK_FALSE(verify_password(" ", h));
}

TEST_CASE("burn_dummy_verify is callable repeatedly") {
    burn_dummy_verify("x");
    burn_dummy_verify("");
    CHECK(true);
}

TEST_CASE("random_password: length and alphabet without look-alikes") {
    const std::string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    CHECK(random_password(0) == "");
    CHECK(random_password(1).size() == 1);
    CHECK(random_password(16).size() == 16);
    CHECK(random_password(64).size() == 64);

    std::set<char> seen;
    std::set<std::string> distinct;
    for (int i = 0; i < 200; ++i) {
        std::string p = random_password(16);
        REQUIRE(p.size() == 16);
        distinct.insert(p);
        for (char c : p) {
            CHECK_MESSAGE(alphabet.find(c) != std::string::npos, "unexpected character ", c);
            seen.insert(c);
        }
    }
    CHECK(distinct.size() == 200);
    for (char bad : std::string("01ilIoO"))
        CHECK(seen.count(bad) == 0);
    // 3200 draws over 55 symbols: every symbol turns up.
    CHECK(seen.size() == alphabet.size());
}
