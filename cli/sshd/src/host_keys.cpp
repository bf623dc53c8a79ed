#include "host_keys.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sshd {

const std::vector<HostKeySpec>& host_key_specs() {
    static const std::vector<HostKeySpec> specs = {
        {"ssh_host_ed25519_key", SSH_KEYTYPE_ED25519, 0},
        {"ssh_host_ecdsa_key", SSH_KEYTYPE_ECDSA_P256, 256},
        {"ssh_host_rsa_key", SSH_KEYTYPE_RSA, 3072},
    };
    return specs;
}

namespace {

bool ensure_dir(const std::string& dir, bool check_only, std::string& err) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            err = dir + ": not a directory";
            return false;
        }
        if (!check_only && (st.st_mode & 077) && ::chmod(dir.c_str(), 0700) != 0) {
            err = dir + ": chmod 0700: " + std::strerror(errno);
            return false;
        }
        return true;
    }
    if (check_only) return true;  // would be created at start
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        err = dir + ": mkdir: " + std::strerror(errno);
        return false;
    }
    return true;
}

bool generate(const std::string& path, const HostKeySpec& spec, std::string& err) {
    ssh_key key = nullptr;
    if (ssh_pki_generate(spec.type, spec.bits, &key) != SSH_OK) {
        err = path + ": key generation failed";
        return false;
    }
    // Write to a temp file created 0600 first, then rename, so a crash never
    // leaves a truncated key that would be loaded (and fail) on the next start.
    std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        err = tmp + ": " + std::strerror(errno);
        ssh_key_free(key);
        return false;
    }
    ::close(fd);
    int rc = ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, tmp.c_str());
    ssh_key_free(key);
    if (rc != SSH_OK || ::chmod(tmp.c_str(), 0600) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
        err = path + ": cannot write host key";
        ::unlink(tmp.c_str());
        return false;
    }
    return true;
}

}  // namespace

bool load_host_keys(const std::string& dir, bool check_only, std::vector<ssh_key>& keys,
                    std::string& err) {
    if (!ensure_dir(dir, check_only, err)) return false;
    for (const auto& spec : host_key_specs()) {
        std::string path = dir + "/" + spec.file;
        if (::access(path.c_str(), F_OK) != 0) {
            if (check_only) continue;  // generated at start
            if (!generate(path, spec, err)) return false;
        }
        struct stat st{};
        if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077)) {
            if (check_only) {
                err = path + ": permissions too open (want 0600)";
                return false;
            }
            ::chmod(path.c_str(), 0600);
        }
        ssh_key key = nullptr;
        if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) != SSH_OK) {
            err = path + ": cannot load host key";
            return false;
        }
        if (ssh_key_type(key) != spec.type &&
            !(spec.type == SSH_KEYTYPE_ECDSA_P256 && ssh_key_type(key) == SSH_KEYTYPE_ECDSA)) {
            err = path + ": unexpected key type";
            ssh_key_free(key);
            return false;
        }
        keys.push_back(key);
    }
    return true;
}

std::string fingerprint(ssh_key key) {
    unsigned char* hash = nullptr;
    size_t len = 0;
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != SSH_OK) return "?";
    char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
    std::string out = fp ? fp : "?";
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    return out;
}

std::string public_key_line(ssh_key key) {
    if (!key) return {};
    char* b64 = nullptr;
    if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK || !b64) return {};
    std::string out = std::string(ssh_key_type_to_char(ssh_key_type(key))) + " " + b64;
    ssh_string_free_char(b64);
    return out.size() <= 8300 ? out : std::string();
}

}  // namespace sshd
