#include "sentryd/device_cache.hpp"
#include "sentryd/ascii.hpp"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace sentryd {

char status_letter(DeviceStatus s) {
    switch (s) {
        case DeviceStatus::allowed: return 'A';
        case DeviceStatus::blocked: return 'B';
        case DeviceStatus::pending: return 'P';
        case DeviceStatus::wipe_pending: return 'W';
    }
    return '?';
}

std::string_view status_name(DeviceStatus s) {
    switch (s) {
        case DeviceStatus::allowed: return "allowed";
        case DeviceStatus::blocked: return "blocked";
        case DeviceStatus::pending: return "pending";
        case DeviceStatus::wipe_pending: return "wipe-pending";
    }
    return "unknown";
}

std::string_view uem_status_name(UemStatus s) {
    switch (s) {
        case UemStatus::none: return "none";
        case UemStatus::allowed: return "allowed";
        case UemStatus::blocked: return "blocked";
        case UemStatus::wipe: return "wipe";
    }
    return "unknown";
}

namespace {

// An index slot holds the entry id + 1 in its low bits and a few more bits
// of the hash above them, so a probe that passes a different key is
// rejected without touching that entry's cache line.
constexpr unsigned kIdBits = 22;
constexpr std::uint32_t kIdMask = (1u << kIdBits) - 1;
constexpr std::size_t kMaxIds = kIdMask - 1;
inline std::uint32_t tag_of(std::uint32_t hash) { return (hash >> kIdBits) << kIdBits; }

inline unsigned char fold(unsigned char c) { return static_cast<unsigned char>(ascii_lower(static_cast<char>(c))); }

bool equal_ci(const char* a, std::string_view b) {
    for (std::size_t i = 0; i < b.size(); ++i)
        if (fold(static_cast<unsigned char>(a[i])) != fold(static_cast<unsigned char>(b[i]))) return false;
    return true;
}

// SipHash-2-4 over the case-folded key, fed byte by byte through a small
// buffer so the folded copy never exists. Keyed per process: device ids
// come from the network, and a fixed hash would let a client pick ids that
// all land in one probe run.
struct SipHash {
    std::uint64_t v0, v1, v2, v3;
    std::uint64_t tail = 0;
    unsigned ntail = 0;
    std::uint64_t total = 0;

    static std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }
    void round() {
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
    }
    SipHash(std::uint64_t k0, std::uint64_t k1)
        : v0(0x736f6d6570736575ULL ^ k0), v1(0x646f72616e646f6dULL ^ k1),
          v2(0x6c7967656e657261ULL ^ k0), v3(0x7465646279746573ULL ^ k1) {}
    void byte(unsigned char c) {
        tail |= static_cast<std::uint64_t>(c) << (8 * ntail);
        ++total;
        if (++ntail == 8) {
            v3 ^= tail; round(); round(); v0 ^= tail;
            tail = 0;
            ntail = 0;
        }
    }
    std::uint64_t finish() {
        std::uint64_t b = (total << 56) | tail;
        v3 ^= b; round(); round(); v0 ^= b;
        v2 ^= 0xff;
        round(); round(); round(); round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
};

constexpr char kMagic[8] = {'S', 'N', 'T', 'R', 'Y', 'D', 'C', '1'};
constexpr std::uint32_t kFileVersion = 1;

// FNV-1a over the record bytes: catches a truncated or damaged file, which
// is all a checksum has to do here (the file is ours, 0600, in the state dir).
struct Fnv {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    void add(const void* p, std::size_t n) {
        auto* b = static_cast<const unsigned char*>(p);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ULL;
    }
};

// Fixed-size part of one record in the file, little-endian host layout
// (the file never leaves the appliance that wrote it).
struct DiskRecord {
    std::uint8_t dev_len, user_len, type_len, status, uem, flags;
    std::uint16_t eas_version;
    std::uint16_t redirect_len;
    std::uint16_t pad;
    std::uint32_t first_seen, last_seen, policy_key;
};
static_assert(sizeof(DiskRecord) == 24);

}  // namespace

DeviceCache::DeviceCache(std::size_t max_entries) : max_entries_(max_entries < kMaxIds ? max_entries : kMaxIds) {
    std::uint64_t k[2] = {0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
    // A failed getrandom only weakens flooding resistance, never correctness.
    if (::getrandom(k, sizeof k, 0) != static_cast<ssize_t>(sizeof k)) k[0] ^= static_cast<std::uint64_t>(::time(nullptr));
    k0_ = k[0];
    k1_ = k[1];
    index_.assign(1024, 0);
}

std::uint32_t DeviceCache::hash_key(std::string_view dev, std::string_view user) const {
    SipHash h(k0_, k1_);
    for (char c : dev) h.byte(fold(static_cast<unsigned char>(c)));
    h.byte(0);  // separator: ("ab","c") and ("a","bc") differ
    for (char c : user) h.byte(fold(static_cast<unsigned char>(c)));
    return static_cast<std::uint32_t>(h.finish());
}

bool DeviceCache::key_equals(const DeviceEntry& e, std::string_view dev, std::string_view user) const {
    if (e.dev_len != dev.size() || e.user_len != user.size()) return false;
    const char* p = arena_.data() + e.arena;
    return equal_ci(p, dev) && equal_ci(p + e.dev_len, user);
}

DeviceCache::Id DeviceCache::find(std::string_view dev, std::string_view user) const {
    if (dev.empty() || dev.size() > kMaxDeviceIdLen || user.size() > kMaxUserLen) return npos;
    std::uint32_t h = hash_key(dev, user);
    std::size_t mask = index_.size() - 1;
    std::uint32_t tag = tag_of(h);
    for (std::size_t i = h & mask;; i = (i + 1) & mask) {
        std::uint32_t slot = index_[i];
        if (slot == 0) return npos;
        if ((slot & ~kIdMask) != tag) continue;
        Id id = (slot & kIdMask) - 1;
        const DeviceEntry& e = entries_[id];
        if (e.hash == h && key_equals(e, dev, user)) return id;
    }
}

void DeviceCache::index_insert(Id id) {
    std::size_t mask = index_.size() - 1;
    std::size_t i = entries_[id].hash & mask;
    while (index_[i] != 0) i = (i + 1) & mask;
    index_[i] = (id + 1) | tag_of(entries_[id].hash);
}

// Backward-shift deletion: linear probing without tombstones, so lookups
// never slow down after many purges.
void DeviceCache::index_remove(Id id) {
    std::size_t mask = index_.size() - 1;
    std::size_t i = entries_[id].hash & mask;
    while ((index_[i] & kIdMask) != id + 1) i = (i + 1) & mask;
    std::size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (index_[j] == 0) break;
        std::size_t home = entries_[(index_[j] & kIdMask) - 1].hash & mask;
        // Move j back into the hole at i unless its home lies cyclically in (i, j].
        bool stays = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            index_[i] = index_[j];
            i = j;
        }
    }
    index_[i] = 0;
}

void DeviceCache::grow_index() {
    std::vector<std::uint32_t> old;
    old.swap(index_);
    index_.assign(old.size() * 2, 0);
    for (std::uint32_t slot : old)
        if (slot != 0) index_insert((slot & kIdMask) - 1);
}

DeviceCache::Id DeviceCache::find_or_add(std::string_view dev, std::string_view user, bool* created) {
    if (created) *created = false;
    if (dev.empty() || dev.size() > kMaxDeviceIdLen || user.size() > kMaxUserLen) return npos;
    if (Id id = find(dev, user); id != npos) return id;
    if (live_ >= max_entries_ || arena_.size() + dev.size() + user.size() > 0xffffffffULL) return npos;
    Id id;
    if (!free_.empty()) {
        id = free_.back();
        free_.pop_back();
    } else {
        id = static_cast<Id>(entries_.size());
        entries_.emplace_back();
    }
    DeviceEntry& e = entries_[id];
    e = DeviceEntry{};
    e.hash = hash_key(dev, user);
    e.arena = static_cast<std::uint32_t>(arena_.size());
    e.dev_len = static_cast<std::uint8_t>(dev.size());
    e.user_len = static_cast<std::uint8_t>(user.size());
    e.flags = DeviceEntry::live;
    arena_.insert(arena_.end(), dev.begin(), dev.end());
    arena_.insert(arena_.end(), user.begin(), user.end());
    ++live_;
    if (live_ * 2 > index_.size()) grow_index();  // load factor <= 1/2
    index_insert(id);
    if (created) *created = true;
    return id;
}

bool DeviceCache::erase(std::string_view dev, std::string_view user) {
    Id id = find(dev, user);
    if (id == npos) return false;
    index_remove(id);
    DeviceEntry& e = entries_[id];
    arena_garbage_ += e.dev_len + e.user_len;
    if (e.stats != 0) {
        counters_[e.stats - 1] = DeviceCounters{};
        counters_free_.push_back(e.stats - 1);
    }
    e = DeviceEntry{};
    free_.push_back(id);
    --live_;
    maybe_compact_arena();
    return true;
}

std::size_t DeviceCache::clear() {
    std::size_t n = live_;
    entries_.clear();
    entries_.shrink_to_fit();
    free_.clear();
    free_.shrink_to_fit();
    index_.assign(1024, 0);
    index_.shrink_to_fit();
    arena_.clear();
    arena_.shrink_to_fit();
    arena_garbage_ = 0;
    counters_.clear();
    counters_.shrink_to_fit();
    counters_free_.clear();
    live_ = 0;
    return n;
}

// Erased keys leave their bytes in the arena; once they are most of it the
// live strings are copied into a fresh arena (O(n), amortised over the
// erases that made the garbage).
void DeviceCache::maybe_compact_arena() {
    if (arena_garbage_ < 65536 || arena_garbage_ * 2 < arena_.size()) return;
    std::vector<char> fresh;
    fresh.reserve(arena_.size() - arena_garbage_);
    for (DeviceEntry& e : entries_) {
        if (!e.is(DeviceEntry::live)) continue;
        std::size_t len = e.dev_len + e.user_len;
        std::uint32_t at = static_cast<std::uint32_t>(fresh.size());
        fresh.insert(fresh.end(), arena_.begin() + e.arena, arena_.begin() + e.arena + len);
        e.arena = at;
    }
    arena_.swap(fresh);
    arena_garbage_ = 0;
}

std::string_view DeviceCache::device_id(Id id) const {
    const DeviceEntry& e = entries_[id];
    return {arena_.data() + e.arena, e.dev_len};
}

std::string_view DeviceCache::user(Id id) const {
    const DeviceEntry& e = entries_[id];
    return {arena_.data() + e.arena + e.dev_len, e.user_len};
}

std::string_view DeviceCache::device_type(Id id) const { return types_[entries_[id].device_type]; }
std::string_view DeviceCache::redirect(Id id) const { return redirects_[entries_[id].redirect]; }

std::uint32_t DeviceCache::intern(std::vector<std::string>& pool, std::unordered_map<std::string, std::uint32_t>& map,
                                  std::string_view s, std::uint32_t limit) {
    if (s.empty()) return 0;
    std::string key(s);
    if (auto it = map.find(key); it != map.end()) return it->second;
    if (pool.size() >= limit) return 0;  // bounded: a flood of distinct values is not stored
    std::uint32_t id = static_cast<std::uint32_t>(pool.size());
    pool.push_back(key);
    map.emplace(std::move(key), id);
    return id;
}

void DeviceCache::set_device_type(Id id, std::string_view type) {
    if (type.size() > kMaxDeviceTypeLen) type = type.substr(0, kMaxDeviceTypeLen);
    entries_[id].device_type = static_cast<std::uint16_t>(intern(types_, type_ids_, type, 0xffff));
}

void DeviceCache::set_redirect(Id id, std::string_view url) {
    if (url.size() > kMaxRedirectLen) url = {};
    entries_[id].redirect = intern(redirects_, redirect_ids_, url, 65536);
}

std::size_t DeviceCache::clear_redirects() {
    std::size_t n = 0;
    for (DeviceEntry& e : entries_)
        if (e.is(DeviceEntry::live) && e.redirect != 0) {
            e.redirect = 0;
            ++n;
        }
    redirects_.assign(1, "");
    redirect_ids_.clear();
    return n;
}

DeviceCounters& DeviceCache::counters(Id id) {
    DeviceEntry& e = entries_[id];
    if (e.stats == 0) {
        if (!counters_free_.empty()) {
            e.stats = counters_free_.back() + 1;
            counters_free_.pop_back();
        } else {
            counters_.emplace_back();
            e.stats = static_cast<std::uint32_t>(counters_.size());
        }
    }
    return counters_[e.stats - 1];
}

const DeviceCounters* DeviceCache::counters_if(Id id) const {
    const DeviceEntry& e = entries_[id];
    return e.stats == 0 ? nullptr : &counters_[e.stats - 1];
}

DeviceView DeviceCache::view(Id id) const {
    DeviceView v;
    v.device_id = std::string(device_id(id));
    v.user = std::string(user(id));
    v.device_type = std::string(device_type(id));
    v.redirect = std::string(redirect(id));
    v.e = entries_[id];
    return v;
}

DeviceCache::Id DeviceCache::next_from(Id from) const {
    for (std::size_t i = from; i < entries_.size(); ++i)
        if (entries_[i].is(DeviceEntry::live)) return static_cast<Id>(i);
    return npos;
}

DeviceCacheStats DeviceCache::stats() const {
    DeviceCacheStats s;
    s.entries = live_;
    for (const DeviceEntry& e : entries_) {
        if (!e.is(DeviceEntry::live)) continue;
        ++s.by_status[static_cast<int>(e.status)];
        if (!e.is(DeviceEntry::validated)) ++s.pending_validation;
        if (e.stats != 0) ++s.with_counters;
    }
    s.bytes = entries_.capacity() * sizeof(DeviceEntry) + free_.capacity() * sizeof(Id) +
              index_.capacity() * sizeof(std::uint32_t) + arena_.capacity() +
              counters_.capacity() * sizeof(DeviceCounters) + counters_free_.capacity() * sizeof(std::uint32_t);
    for (const auto& t : types_) s.bytes += t.capacity() + sizeof t;
    for (const auto& r : redirects_) s.bytes += r.capacity() + sizeof r;
    return s;
}

long DeviceCache::save(const std::string& path, std::string* err) const {
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (err) *err = tmp + ": " + std::strerror(errno);
        return -1;
    }
    FILE* f = ::fdopen(fd, "wb");
    if (!f) {
        ::close(fd);
        if (err) *err = std::strerror(errno);
        return -1;
    }
    std::uint32_t count = 0;
    for (const DeviceEntry& e : entries_)
        if (e.is(DeviceEntry::live) && e.status != DeviceStatus::pending) ++count;
    std::uint64_t written_at = static_cast<std::uint64_t>(::time(nullptr));
    bool ok = std::fwrite(kMagic, sizeof kMagic, 1, f) == 1 && std::fwrite(&kFileVersion, 4, 1, f) == 1 &&
              std::fwrite(&count, 4, 1, f) == 1 && std::fwrite(&written_at, 8, 1, f) == 1;
    Fnv sum;
    long n = 0;
    for (std::size_t i = 0; ok && i < entries_.size(); ++i) {
        const DeviceEntry& e = entries_[i];
        // A pending entry's state is not known yet: restoring it would
        // resurrect a guess (the guide's "unknown state is skipped").
        if (!e.is(DeviceEntry::live) || e.status == DeviceStatus::pending) continue;
        std::string_view type = types_[e.device_type], redir = redirects_[e.redirect];
        DiskRecord r{};
        r.dev_len = e.dev_len;
        r.user_len = e.user_len;
        r.type_len = static_cast<std::uint8_t>(type.size());
        r.status = static_cast<std::uint8_t>(e.status);
        r.uem = static_cast<std::uint8_t>(e.uem);
        r.flags = static_cast<std::uint8_t>(e.flags & (DeviceEntry::validated | DeviceEntry::wiped));
        r.eas_version = e.eas_version;
        r.redirect_len = static_cast<std::uint16_t>(redir.size());
        r.first_seen = e.first_seen;
        r.last_seen = e.last_seen;
        r.policy_key = e.policy_key;
        sum.add(&r, sizeof r);
        sum.add(arena_.data() + e.arena, e.dev_len + e.user_len);
        sum.add(type.data(), type.size());
        sum.add(redir.data(), redir.size());
        ok = std::fwrite(&r, sizeof r, 1, f) == 1 &&
             std::fwrite(arena_.data() + e.arena, 1, e.dev_len + e.user_len, f) == e.dev_len + e.user_len &&
             std::fwrite(type.data(), 1, type.size(), f) == type.size() &&
             std::fwrite(redir.data(), 1, redir.size(), f) == redir.size();
        ++n;
    }
    ok = ok && std::fwrite(&sum.h, 8, 1, f) == 1 && std::fflush(f) == 0 && ::fsync(fd) == 0;
    int saved = errno;
    ok = (std::fclose(f) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        if (err) *err = path + ": " + std::strerror(ok ? errno : saved);
        ::unlink(tmp.c_str());
        return -1;
    }
    return n;
}

long DeviceCache::load(const std::string& path, std::string* err) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (err) *err = path + ": " + std::strerror(errno);
        return -1;
    }
    FILE* f = ::fdopen(fd, "rb");
    if (!f) {
        ::close(fd);
        if (err) *err = std::strerror(errno);
        return -1;
    }
    struct Closer {
        FILE* f;
        ~Closer() { std::fclose(f); }
    } closer{f};
    char magic[8];
    std::uint32_t version = 0, count = 0;
    std::uint64_t written_at = 0;
    if (std::fread(magic, 8, 1, f) != 1 || std::memcmp(magic, kMagic, 8) != 0 || std::fread(&version, 4, 1, f) != 1 ||
        version != kFileVersion || std::fread(&count, 4, 1, f) != 1 || std::fread(&written_at, 8, 1, f) != 1) {
        if (err) *err = path + ": not a device-cache file of this version";
        return -1;
    }
    // Two passes over the file: the first checks every record and the
    // checksum, the second adds them. A damaged file restores nothing rather
    // than half of it, and the file is never held in memory whole.
    long header_end = std::ftell(f);
    long restored = 0;
    for (int pass = 0; pass < 2; ++pass) {
        if (std::fseek(f, header_end, SEEK_SET) != 0) {
            if (err) *err = path + ": " + std::strerror(errno);
            return -1;
        }
        Fnv sum;
        std::string strings;
        for (std::uint32_t i = 0; i < count; ++i) {
            DiskRecord r;
            if (std::fread(&r, sizeof r, 1, f) != 1) {
                if (err) *err = path + ": truncated";
                return -1;
            }
            if (r.dev_len == 0 || r.dev_len > kMaxDeviceIdLen || r.type_len > kMaxDeviceTypeLen ||
                r.redirect_len > kMaxRedirectLen || r.status > 3 || r.uem > 3) {
                if (err) *err = path + ": damaged record " + std::to_string(i + 1);
                return -1;
            }
            std::size_t len = std::size_t(r.dev_len) + r.user_len + r.type_len + r.redirect_len;
            strings.resize(len);
            if (std::fread(strings.data(), 1, len, f) != len) {
                if (err) *err = path + ": truncated";
                return -1;
            }
            if (pass == 0) {
                sum.add(&r, sizeof r);
                sum.add(strings.data(), len);
                continue;
            }
            std::string_view s(strings);
            bool created = false;
            Id id = find_or_add(s.substr(0, r.dev_len), s.substr(r.dev_len, r.user_len), &created);
            if (id == npos || !created) continue;  // already in memory (not counted) or full
            DeviceEntry& e = entries_[id];
            e.status = static_cast<DeviceStatus>(r.status);
            e.uem = static_cast<UemStatus>(r.uem);
            e.flags = static_cast<std::uint8_t>(DeviceEntry::live |
                                                (r.flags & (DeviceEntry::validated | DeviceEntry::wiped)));
            e.eas_version = r.eas_version;
            e.first_seen = r.first_seen;
            e.last_seen = r.last_seen;
            e.policy_key = r.policy_key;
            set_device_type(id, s.substr(std::size_t(r.dev_len) + r.user_len, r.type_len));
            set_redirect(id, s.substr(std::size_t(r.dev_len) + r.user_len + r.type_len, r.redirect_len));
            ++restored;
        }
        if (pass == 0) {
            std::uint64_t stored = 0;
            if (std::fread(&stored, 8, 1, f) != 1 || stored != sum.h) {
                if (err) *err = path + ": checksum mismatch";
                return -1;
            }
        }
    }
    return restored;
}

}  // namespace sentryd
