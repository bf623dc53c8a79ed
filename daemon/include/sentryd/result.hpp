// Errors as values at module boundaries (C++20 has no std::expected yet).
#pragma once
#include <string>
#include <utility>
#include <variant>

namespace sentryd {

// Either a value or a human-readable reason. The reason names the field or
// file that was wrong, so it can be shown to an administrator as is.
template <class T>
class Result {
public:
    Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit on purpose
    static Result fail(std::string reason) { return Result(Fail{std::move(reason)}); }

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() { return std::get<0>(v_); }
    const T& value() const { return std::get<0>(v_); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const std::string& error() const { return std::get<1>(v_).reason; }

private:
    struct Fail {
        std::string reason;
    };
    explicit Result(Fail f) : v_(std::in_place_index<1>, std::move(f)) {}
    std::variant<T, Fail> v_;
};

// For operations that return nothing on success.
struct Done {};
using Status = Result<Done>;
inline Status ok_status() { return Done{}; }

}  // namespace sentryd
