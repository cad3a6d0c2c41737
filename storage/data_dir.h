// The layout of a member's data dir: the LMDB log environment and the snapshot files.
//
//   <data_dir>/log/        LMDB environment (data.mdb, lock.mdb) — storage/lmdb_log.h
//   <data_dir>/snapshots/  snapshot.<zxid> files — storage/snapshot_store.h
#pragma once

#include <string>

namespace coord::storage {

inline std::string LogDirOf(const std::string& data_dir) { return data_dir + "/log"; }
inline std::string SnapshotDirOf(const std::string& data_dir) { return data_dir + "/snapshots"; }

}  // namespace coord::storage
