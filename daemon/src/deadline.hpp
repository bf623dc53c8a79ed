// One lazy deadline per connection, shared by TlsStream and PlainStream.
//
// Setting a deadline only stores the time. The timer is (re)armed when it is
// not armed, or when it would fire after the new deadline; when it fires
// early (the deadline moved later meanwhile) it re-arms once. Keep-alive
// traffic moves every connection's deadline forward several times per
// request: this way that costs a clock read, not a cancel + wait + handler
// on a timer each time. On expiry the socket is cancelled and `timed_out`
// set, so the pending operation fails with beast::error::timeout.
//
// `Impl` has members `DeadlineState deadline` and `socket`.
#pragma once
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>

namespace sentryd {

struct DeadlineState {
    using clock = std::chrono::steady_clock;
    static constexpr clock::time_point none = clock::time_point::max();

    template <class Executor>
    explicit DeadlineState(const Executor& ex) : timer(ex) {}

    boost::asio::steady_timer timer;
    clock::time_point at = none;     // the deadline; none = no deadline
    clock::time_point armed = none;  // when the timer fires; none = not armed
    bool timed_out = false;
};

namespace detail {

template <class Impl>
void arm_deadline(const std::shared_ptr<Impl>& impl) {
    DeadlineState& d = impl->deadline;
    d.armed = d.at;
    d.timer.expires_at(d.at);  // a wait already pending completes with operation_aborted
    d.timer.async_wait([weak = std::weak_ptr<Impl>(impl), at = d.at](boost::system::error_code ec) {
        if (ec) return;
        auto i = weak.lock();
        if (!i) return;
        DeadlineState& s = i->deadline;
        if (s.armed != at) return;  // re-armed after this wait had already fired
        s.armed = DeadlineState::none;
        if (s.at == DeadlineState::none) return;
        if (DeadlineState::clock::now() < s.at) return arm_deadline(i);
        s.timed_out = true;
        boost::system::error_code ignored;
        i->socket.cancel(ignored);
    });
}

}  // namespace detail

template <class Impl>
void set_deadline(const std::shared_ptr<Impl>& impl, DeadlineState::clock::time_point at) {
    DeadlineState& d = impl->deadline;
    d.at = at;
    d.timed_out = false;
    // An armed timer that fires no later than `at` re-arms itself then;
    // with no deadline it simply stops.
    if (at == DeadlineState::none || d.armed <= at) return;
    detail::arm_deadline(impl);
}

}  // namespace sentryd
