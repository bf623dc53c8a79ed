// The --More-- pager's decisions, without a terminal: where output pauses for
// a given height, what each key does, and how wrapped lines count.
#include "pager.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using cli::Pager;
using Key = Pager::Key;

namespace {

// Feeds n one-line pieces the way Shell::print does (pause check before each
// line) and returns the line indexes before which "--More--" appeared, answering
// every pause with the given keys in turn (SPACE once they run out).
std::vector<int> pauses(Pager& p, int n, std::vector<Key> keys = {}, const std::string& line = "x\n") {
    std::vector<int> at;
    std::size_t k = 0;
    for (int i = 0; i < n && !p.stopped(); ++i) {
        if (p.should_pause()) {
            at.push_back(i);
            p.resume(k < keys.size() ? keys[k++] : Key::next_page);
            if (p.stopped()) break;
        }
        p.wrote(line);
    }
    return at;
}

}  // namespace

TEST_CASE("a page is height - 1 lines, and the last page never pauses") {
    Pager p(5);
    CHECK(pauses(p, 4).empty());  // exactly one screen: no --More--
    p.reset(5, 0);
    CHECK(pauses(p, 5) == std::vector<int>{4});
    p.reset(5, 0);
    CHECK(pauses(p, 13) == std::vector<int>{4, 8, 12});
    p.reset(24, 0);
    CHECK(pauses(p, 50) == std::vector<int>{23, 46});
}

TEST_CASE("ENTER shows one more line, SPACE a whole page") {
    Pager p(5);
    CHECK(pauses(p, 10, {Key::next_line, Key::next_line, Key::next_page}) == std::vector<int>{4, 5, 6});
    p.reset(5, 0);
    CHECK(pauses(p, 11, {Key::next_page, Key::next_line}) == std::vector<int>{4, 8, 9});
}

TEST_CASE("q and Ctrl-C stop the output; other keys change nothing") {
    Pager p(5);
    CHECK(pauses(p, 100, {Key::quit}) == std::vector<int>{4});
    CHECK(p.stopped());
    CHECK_FALSE(p.should_pause());  // a stopped pager never asks again

    p.reset(5, 0);
    CHECK_FALSE(p.stopped());  // each command starts fresh
    p.wrote("a\nb\nc\nd\n");
    REQUIRE(p.should_pause());
    p.resume(Key::other);
    CHECK(p.should_pause());

    CHECK(Pager::key_for(' ') == Key::next_page);
    CHECK(Pager::key_for('\r') == Key::next_line);
    CHECK(Pager::key_for('\n') == Key::next_line);
    CHECK(Pager::key_for('q') == Key::quit);
    CHECK(Pager::key_for('Q') == Key::quit);
    CHECK(Pager::key_for(3) == Key::quit);
    CHECK(Pager::key_for('x') == Key::other);
    CHECK(Pager::key_for(27) == Key::other);
}

TEST_CASE("height 0 (terminal length 0) never pauses; tiny screens still progress") {
    Pager p(0);
    CHECK(pauses(p, 1000).empty());
    p.reset(1, 0);
    CHECK(pauses(p, 3) == std::vector<int>{1, 2});
    p.reset(2, 0);
    CHECK(pauses(p, 3) == std::vector<int>{1, 2});
    p.reset(-3, 0);  // nonsense heights mean "off", never a crash
    CHECK(pauses(p, 10).empty());
}

TEST_CASE("long lines count as the rows they wrap onto") {
    Pager p(5, 10);
    p.wrote(std::string(25, 'x') + "\n");  // 3 rows
    CHECK_FALSE(p.should_pause());
    p.wrote("y\n");  // 4th row
    CHECK(p.should_pause());

    p.reset(5, 10);
    // Exactly the width fits on one row (the cursor wraps only when more follows).
    for (int i = 0; i < 3; ++i) p.wrote(std::string(10, 'x') + "\n");
    CHECK_FALSE(p.should_pause());

    p.reset(5, 0);  // width 0: no wrap accounting
    p.wrote(std::string(300, 'x') + "\n");
    CHECK_FALSE(p.should_pause());

    p.reset(3, 4);
    // Multi-byte UTF-8 is one column per character; escapes take none.
    p.wrote("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n\x1b\n");
    CHECK(p.should_pause());
}

TEST_CASE("partial lines: pieces without a newline stay on the same row") {
    Pager p(3);
    p.wrote("abc");
    p.wrote("def\n");
    CHECK_FALSE(p.should_pause());
    p.wrote("g\r\n");
    CHECK(p.should_pause());
}
