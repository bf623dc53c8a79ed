#include "pager.hpp"

#include <algorithm>

namespace cli {

namespace {
// One line of the screen stays free for "--More--" itself; a 1-row terminal
// still has to make progress, so a page is never empty.
int page_rows(int height) { return std::max(1, height - 1); }
}  // namespace

void Pager::reset(int height, int width) {
    height_ = std::max(0, height);
    width_ = std::max(0, width);
    rows_ = 0;
    col_ = 0;
    budget_ = page_rows(height_);
    stopped_ = false;
}

void Pager::wrote(std::string_view text) {
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '\n') {
            ++rows_;
            col_ = 0;
        } else if (c == '\r') {
            col_ = 0;
        } else if ((c & 0xC0) == 0x80 || c < 0x20) {
            // UTF-8 continuation bytes and control characters take no column.
        } else {
            // Terminals wrap lazily: a character lands on the next row only when
            // the current one is already full (a line of exactly width fits).
            if (width_ > 0 && col_ >= width_) {
                ++rows_;
                col_ = 0;
            }
            ++col_;
        }
    }
}

void Pager::resume(Key k) {
    switch (k) {
        case Key::next_page:
            rows_ = 0;
            budget_ = page_rows(height_);
            break;
        case Key::next_line:
            rows_ = 0;
            budget_ = 1;
            break;
        case Key::quit: stopped_ = true; break;
        case Key::other: break;
    }
}

Pager::Key Pager::key_for(unsigned char c) {
    switch (c) {
        case ' ': return Key::next_page;
        case '\r':
        case '\n': return Key::next_line;
        case 'q':
        case 'Q':
        case 3: return Key::quit;  // Ctrl-C (read raw: signals are off while paging)
        default: return Key::other;
    }
}

}  // namespace cli
