#include "privdrop.hpp"

#include <cerrno>
#include <cstring>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

namespace sshd {

bool lookup_unprivileged(Unprivileged& out, std::string& err) {
    const passwd* pw = ::getpwnam("nobody");
    if (!pw || pw->pw_uid == 0) {
        err = "user 'nobody' not found";
        return false;
    }
    out.uid = pw->pw_uid;
    out.gid = pw->pw_gid;
    return true;
}

bool drop_root(const Unprivileged& to, std::string& err) {
    if (::geteuid() != 0 && ::getuid() != 0) return true;
    if (::setgroups(0, nullptr) != 0 || ::setresgid(to.gid, to.gid, to.gid) != 0 ||
        ::setresuid(to.uid, to.uid, to.uid) != 0) {
        err = std::string("dropping privileges: ") + std::strerror(errno);
        return false;
    }
    if (::setuid(0) == 0 || ::seteuid(0) == 0 || ::getuid() == 0 || ::geteuid() == 0 ||
        ::getgid() == 0 || ::getegid() == 0) {
        err = "privileges could be regained after drop";
        return false;
    }
    return true;
}

}  // namespace sshd
