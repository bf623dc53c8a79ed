#include "files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace micsd {

bool write_file_atomic(const std::string& path, const std::string& data, mode_t mode) {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return false;
    bool ok = ::write(fd, data.data(), data.size()) == ssize_t(data.size()) && ::fchmod(fd, mode) == 0 &&
              ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace micsd
