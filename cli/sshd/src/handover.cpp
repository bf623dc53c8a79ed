#include "handover.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace sshd {

std::string format_handover(const std::vector<pid_t>& pids) {
    std::string out;
    for (pid_t p : pids) out += std::to_string(p) + "\n";
    return out;
}

std::vector<pid_t> parse_handover(std::string_view text) {
    std::vector<pid_t> out;
    std::size_t pos = 0;
    while (pos < text.size() && out.size() < kMaxHandover) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty() || line.size() > 7) continue;
        long v = 0;
        bool digits = true;
        for (char c : line) {
            if (c < '0' || c > '9') digits = false;
            else v = v * 10 + (c - '0');
        }
        if (!digits || v <= 1 || v >= (1L << 22)) continue;
        if (std::find(out.begin(), out.end(), pid_t(v)) == out.end()) out.push_back(pid_t(v));
    }
    return out;
}

namespace {

int pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
    return int(::syscall(SYS_pidfd_open, pid, 0));
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

std::string argv0_of(pid_t pid) {
    std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
    std::string a0;
    std::getline(f, a0, '\0');
    return a0;
}

}  // namespace

bool pidfd_exited(int pidfd) {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

void pidfd_kill(const Adopted& a, int sig) {
#ifdef SYS_pidfd_send_signal
    if (::syscall(SYS_pidfd_send_signal, a.pidfd, sig, nullptr, 0) == 0) return;
#endif
    if (!pidfd_exited(a.pidfd)) ::kill(a.pid, sig);
}

std::vector<Adopted> adopt_sessions(const std::vector<pid_t>& pids, const std::string& self_argv0) {
    std::vector<Adopted> out;
    for (pid_t pid : pids) {
        int fd = pidfd_open(pid);
        if (fd < 0) continue;
        // The pidfd was opened first: if the process is still alive after
        // reading its cmdline, that cmdline was this process's.
        bool ours = !self_argv0.empty() && argv0_of(pid) == self_argv0 && !pidfd_exited(fd);
        if (ours) out.push_back({pid, fd});
        else ::close(fd);
    }
    return out;
}

std::vector<pid_t> take_handover_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return {};
    std::string text(8 * kMaxHandover, '\0');
    f.read(text.data(), std::streamsize(text.size()));
    text.resize(std::size_t(f.gcount()));
    ::unlink(path.c_str());
    return parse_handover(text);
}

bool write_handover_file(const std::string& path, const std::vector<pid_t>& pids) {
    std::string tmp = path + ".tmp", text = format_handover(pids);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace sshd
