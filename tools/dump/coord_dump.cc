// coord-dump: prints what a data dir holds — the hard state, the log entries and a summary of
// each snapshot — without changing anything.
//
//   coord-dump DATA_DIR [--limit N] [--from ZXID]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>

#include "coord/tree/tree_snapshot.h"
#include "protocol/txn_codec.h"
#include "storage/data_dir.h"
#include "storage/lmdb_log.h"
#include "storage/snapshot_store.h"
#include "tools/dump/txn_format.h"

namespace coord::tools {
namespace {

int Usage() {
  std::fprintf(stderr, "usage: coord-dump DATA_DIR [--limit N] [--from ZXID]\n");
  return 2;
}

void PrintSnapshots(const std::string& data_dir) {
  std::string dir = storage::SnapshotDirOf(data_dir);
  std::printf("snapshots in %s:\n", dir.c_str());
  if (!std::filesystem::is_directory(dir)) {
    std::printf("  (none)\n");
    return;
  }
  // Read-only: a running member may be writing a snapshot .tmp right now.
  std::optional<storage::SnapshotStore> store = storage::SnapshotStore::OpenReadOnly(dir);
  auto list = store->List();
  if (list.empty()) std::printf("  (none)\n");
  for (const storage::SnapshotInfo& info : list) {
    std::printf("  %s  zxid %s  %llu bytes", std::filesystem::path(info.path).filename().c_str(),
                ZxidToString(info.zxid).c_str(), static_cast<unsigned long long>(info.size_bytes));
    Result<storage::LoadedSnapshot> loaded = store->Load(info);
    if (!loaded.ok()) {
      std::printf("  INVALID: %s\n", loaded.status().ToString().c_str());
      continue;
    }
    Result<TreeSnapshotSummary> summary = TreeSnapshotCodec::ReadSummary(loaded->body);
    if (!summary.ok()) {
      std::printf("  INVALID: %s\n", summary.status().ToString().c_str());
      continue;
    }
    std::printf("  checksum ok  %llu nodes  %llu sessions  %llu acls  digest %016llx\n",
                static_cast<unsigned long long>(summary->nodes),
                static_cast<unsigned long long>(summary->sessions),
                static_cast<unsigned long long>(summary->acls),
                static_cast<unsigned long long>(summary->digest));
  }
}

int PrintLog(const std::string& data_dir, Zxid from, uint64_t limit) {
  std::string dir = storage::LogDirOf(data_dir);
  std::printf("log in %s:\n", dir.c_str());
  if (!std::filesystem::is_directory(dir)) {
    std::printf("  (none)\n");
    return 0;
  }
  Result<std::unique_ptr<storage::LmdbLog>> log = storage::LmdbLog::Open(dir);
  if (!log.ok()) {
    std::fprintf(stderr, "coord-dump: cannot open log: %s\n", log.status().ToString().c_str());
    return 1;
  }
  storage::HardState hs = (*log)->GetHardState();
  std::printf("  accepted epoch %u, current epoch %u, last snapshot %s\n", hs.accepted_epoch,
              hs.current_epoch, ZxidToString(hs.last_snapshot_zxid).c_str());
  std::printf("  entries %s .. %s\n", ZxidToString((*log)->FirstZxid()).c_str(),
              ZxidToString((*log)->LastZxid()).c_str());
  uint64_t printed = 0;
  Zxid next = std::max<Zxid>(from, 1);
  while (printed < limit && next != 0 && next <= (*log)->LastZxid()) {
    auto entries = (*log)->Read(next, std::numeric_limits<Zxid>::max(), 4 << 20);
    if (!entries.ok()) {
      std::printf("  read error at %s: %s\n", ZxidToString(next).c_str(),
                  entries.status().ToString().c_str());
      return 1;
    }
    if (entries->empty()) break;
    for (const storage::LogEntry& e : *entries) {
      if (printed++ >= limit) break;
      Result<TxnRecord> record = DecodeTxnRecord(e.payload);
      if (!record.ok()) {
        std::printf("  %-14s UNDECODABLE: %s\n", ZxidToString(e.zxid).c_str(),
                    record.status().ToString().c_str());
        continue;
      }
      std::printf("  %-14s epoch %u #%u  t=%lld  session 0x%llx req %lld  %s\n",
                  ZxidToString(e.zxid).c_str(), EpochOf(e.zxid), CounterOf(e.zxid),
                  static_cast<long long>(record->time_ms),
                  static_cast<unsigned long long>(record->session_id),
                  static_cast<long long>(record->request_id), FormatTxn(record->txn).c_str());
    }
    next = entries->back().zxid + 1;
  }
  return 0;
}

}  // namespace
}  // namespace coord::tools

int main(int argc, char** argv) {
  if (argc < 2) return coord::tools::Usage();
  std::string data_dir = argv[1];
  uint64_t limit = std::numeric_limits<uint64_t>::max();
  coord::Zxid from = 0;
  for (int i = 2; i < argc; ++i) {
    if (std::strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
      limit = std::strtoull(argv[++i], nullptr, 0);
    } else if (std::strcmp(argv[i], "--from") == 0 && i + 1 < argc) {
      from = std::strtoull(argv[++i], nullptr, 0);
    } else {
      return coord::tools::Usage();
    }
  }
  if (!std::filesystem::is_directory(data_dir)) {
    std::fprintf(stderr, "coord-dump: %s is not a directory\n", data_dir.c_str());
    return 1;
  }
  coord::tools::PrintSnapshots(data_dir);
  return coord::tools::PrintLog(data_dir, from, limit);
}
