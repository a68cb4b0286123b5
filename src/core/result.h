// Errors are values at module boundaries: every fallible function returns
// result<T> (or status for no value). One small code enum; http/ maps it to a
// status code and an error body in exactly one place.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace lokal {

enum class errc {
    invalid_request,  // 400: the caller sent something we cannot accept
    not_found,        // 404
    conflict,         // 409
    unauthorized,     // 401
    forbidden,        // 403
    too_large,        // 413
    unavailable,      // 503: busy, out of memory, shutting down
    no_space,         // 507: the disk (models or data folder) is full
    canceled,         // the client went away; nothing is sent
    internal,         // 500: our bug or an I/O failure
};

struct error {
    errc code = errc::internal;
    std::string message;
    int retry_after = 0;  // seconds; set when trying again later can succeed (HTTP Retry-After)
};

inline error make_error(errc code, std::string message) { return error{code, std::move(message)}; }

// A 503 that tells the client when to try again.
inline error make_busy_error(std::string message, int retry_after_seconds = 1) {
    return error{errc::unavailable, std::move(message), retry_after_seconds};
}

template <class T>
class [[nodiscard]] result {
public:
    result(T value) : v_(std::move(value)) {}
    result(error err) : v_(std::move(err)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    T & value() & { return std::get<0>(v_); }
    const T & value() const & { return std::get<0>(v_); }
    T && value() && { return std::get<0>(std::move(v_)); }
    T & operator*() & { return value(); }
    const T & operator*() const & { return value(); }
    T * operator->() { return &value(); }
    const T * operator->() const { return &value(); }

    const error & err() const { return std::get<1>(v_); }

private:
    std::variant<T, error> v_;
};

template <>
class [[nodiscard]] result<void> {
public:
    result() = default;
    result(error err) : err_(std::move(err)), ok_(false) {}

    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const error & err() const { return err_; }

private:
    error err_;
    bool ok_ = true;
};

using status = result<void>;

}  // namespace lokal
