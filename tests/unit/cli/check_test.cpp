#include "check.hpp"
#include "commands.hpp"

#include <doctest/doctest.h>

#include <sstream>

TEST_CASE("check_config: a rendered configuration passes, bad lines are named") {
    std::istringstream good("! comment\nhostname edge1\n\ntimeout 5\nsnmp-server community abc ro\n");
    std::ostringstream err;
    cli::CheckResult r = cli::check_config(good, err, cli::grammar());
    CHECK(r.lines == 3);
    CHECK(r.errors == 0);
    CHECK(err.str().empty());

    std::istringstream bad("hostname edge1\nhostnam\ntimeout 99999999\nshow version\nservice ssh 11\n");
    std::ostringstream err2;
    r = cli::check_config(bad, err2, cli::grammar());
    CHECK(r.lines == 5);
    CHECK(r.errors == 4);
    CHECK(err2.str() ==
          "line 2: % incomplete command at column 8: hostnam\n"
          "line 3: % invalid input at column 9: timeout 99999999\n"
          "line 4: % invalid input at column 1: show version\n"
          "line 5: % invalid input at column 13: service ssh 11\n");
}
