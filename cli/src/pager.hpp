// The "--More--" pager's bookkeeping, kept apart from the terminal so it can be
// tested without a TTY: it counts the screen rows written since the last pause
// and says when the next piece of output must wait for a key.
#pragma once
#include <string_view>

namespace cli {

class Pager {
public:
    enum class Key { next_page, next_line, quit, other };

    // height 0 = never pause (terminal length 0). width 0 = count each line as
    // one row; otherwise long lines are counted as the rows they wrap onto.
    explicit Pager(int height = 0, int width = 0) { reset(height, width); }

    // Starts a new command's output: a full page (height - 1 rows) before the first pause.
    void reset(int height, int width);
    // True when more output must wait for a key (checked before writing it).
    bool should_pause() const { return !stopped_ && height_ > 0 && rows_ >= budget_; }
    // Accounts for text just written to the screen.
    void wrote(std::string_view text);
    // After "--More--": SPACE a page, ENTER a line, q / Ctrl-C stop the output.
    void resume(Key k);
    bool stopped() const { return stopped_; }
    int height() const { return height_; }

    static Key key_for(unsigned char c);

private:
    int height_ = 0;
    int width_ = 0;
    int rows_ = 0;    // rows completed since the last pause
    int budget_ = 0;  // rows allowed before the next pause
    int col_ = 0;     // column of the cursor in the current row
    bool stopped_ = false;
};

}  // namespace cli
