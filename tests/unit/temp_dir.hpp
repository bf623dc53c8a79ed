// A temp directory for one test, removed with everything in it afterwards.
#pragma once
#include <doctest/doctest.h>

#include <filesystem>
#include <stdlib.h>
#include <string>

namespace sentry_test {

struct TempDir {
    std::string path;
    explicit TempDir(const char* prefix = "sentry-test") {
        std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        char* p = ::mkdtemp(tmpl.data());
        REQUIRE(p != nullptr);
        path = p;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
};

}  // namespace sentry_test
