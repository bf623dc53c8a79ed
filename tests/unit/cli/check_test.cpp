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

TEST_CASE("check_config: banner login text lines are the banner's, as in the shell") {
    // The running-config form: the text lines are not commands (the second
    // would be an invalid command, the third starts like one).
    std::istringstream good(
        "banner login ^C\nLab appliance: authorised staff only.\nhostname is not a command here\n^C\n"
        "banner login #one line#\nbanner login dod\nhostname edge1\n");
    std::ostringstream err;
    cli::CheckResult r = cli::check_config(good, err, cli::grammar());
    CHECK(err.str().empty());
    CHECK(r.errors == 0);
    CHECK(r.lines == 4);

    // Line numbers after a banner still count its text lines.
    std::istringstream after("banner login ^C\ntext\n^C\nhostnam\n");
    std::ostringstream err2;
    r = cli::check_config(after, err2, cli::grammar());
    CHECK(err2.str() == "line 4: % incomplete command at column 8: hostnam\n");

    std::istringstream open("hostname edge1\nbanner login ^C\nnever closed\n");
    std::ostringstream err3;
    r = cli::check_config(open, err3, cli::grammar());
    CHECK(r.errors == 1);
    CHECK(err3.str() == "line 2: % text not closed by its delimiter: banner login ^C\n");
}
