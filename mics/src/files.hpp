// Whole-file writes for MICS's generated files (credentials, snmpd.conf,
// certificates, exports): all-or-nothing, so a crash never leaves half a file.
#pragma once
#include <string>
#include <sys/types.h>

namespace micsd {

// Writes data to path.tmp (O_NOFOLLOW: a planted symlink cannot redirect it),
// fsyncs, sets mode, and renames over path. False on any failure (temp removed).
bool write_file_atomic(const std::string& path, const std::string& data, mode_t mode);

}  // namespace micsd
