#include "session_limit.hpp"

#include <doctest/doctest.h>

using sshd::SessionLimit;

TEST_CASE("sshd session limit counts per child and frees on reap") {
    SessionLimit l;
    CHECK(l.try_acquire(10, 2));
    CHECK(l.try_acquire(11, 2));
    CHECK_FALSE(l.try_acquire(12, 2));  // the third authenticated session is refused
    CHECK(l.try_acquire(10, 2));        // asking twice does not take a second slot
    CHECK(l.active() == 2);
    l.release(10);
    l.release(99);  // unknown pid (never authenticated) is harmless
    CHECK(l.active() == 1);
    CHECK(l.try_acquire(12, 2));
}

TEST_CASE("sshd session limit follows a lowered maximum") {
    SessionLimit l;
    CHECK(l.try_acquire(1, 5));
    CHECK(l.try_acquire(2, 5));
    CHECK_FALSE(l.try_acquire(3, 1));
}

TEST_CASE("sshd sessions handed over by an earlier listener count whatever the limit") {
    SessionLimit l;
    l.hold(7);
    l.hold(8);
    CHECK(l.holds(7));
    CHECK_FALSE(l.holds(9));
    CHECK_FALSE(l.try_acquire(9, 2));  // two inherited sessions fill a limit of 2
    l.release(7);
    CHECK(l.try_acquire(9, 2));
}
