// The snapshot file format (see snapshot_store.h) and the code that writes and verifies one file:
//
//   header   "COORDSNP" | format version u32 | zxid u64
//   body     whatever the SnapshotBodyWriter streamed
//   trailer  body length u64 | CRC-32C of header + body u32
//
// Integers are little-endian (coord/base/bytes.h). The trailer's length catches a file cut short
// at a body boundary the checksum alone could match by accident; the zxid in the header must equal
// the one in the file name, so a renamed file is not trusted.
//
// Threading: functions only, thread-safe; safe to call in a forked child (no locks, no logging).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "coord/base/status.h"
#include "coord/base/types.h"
#include "storage/snapshot_store.h"

namespace coord::storage {

inline constexpr std::string_view kSnapshotMagic = "COORDSNP";
inline constexpr uint32_t kSnapshotFormatVersion = 1;
inline constexpr size_t kSnapshotHeaderBytes = 8 + 4 + 8;
inline constexpr size_t kSnapshotTrailerBytes = 8 + 4;
// The write buffer of a snapshot file: large enough that a body of small records costs few
// write(2) calls, small next to the tree it serializes.
inline constexpr size_t kSnapshotWriteBufferBytes = size_t{1} << 20;

// "snapshot.<zxid as 16 lowercase hex digits>"
std::string SnapshotFileName(Zxid zxid);
// Parses a complete snapshot's file name; false for anything else (.tmp files included).
bool ParseSnapshotFileName(std::string_view name, Zxid* zxid);

// Writes dir/<name>.tmp, fsyncs it, renames it to dir/<name> and fsyncs dir. On failure removes
// the .tmp file and leaves no snapshot behind.
Status WriteSnapshotFile(const std::string& dir, Zxid zxid, const SnapshotBodyWriter& write_body);

// Checks a whole file's header (magic, version, `zxid`), trailer and checksum, and turns it into
// its body in place. kCorruption if any check fails.
Status VerifyAndStripSnapshot(std::string* file, Zxid zxid, const std::string& path);

}  // namespace coord::storage
