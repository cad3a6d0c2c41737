#include "storage/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstdio>

#include "coord/base/bytes.h"
#include "coord/base/crc32c.h"
#include "storage/file_util.h"

namespace coord::storage {
namespace {

constexpr std::string_view kNamePrefix = "snapshot.";
constexpr size_t kZxidHexDigits = 16;

// Passes the body through to the file while extending the checksum and counting its length.
class BodySink final : public ByteSink {
 public:
  BodySink(FdWriter* out, uint32_t crc) : out_(out), crc_(crc) {}
  Status Write(std::string_view bytes) override {
    crc_ = Crc32cExtend(crc_, bytes.data(), bytes.size());
    length_ += bytes.size();
    return out_->Write(bytes);
  }
  uint32_t crc() const { return crc_; }
  uint64_t length() const { return length_; }

 private:
  FdWriter* out_;
  uint32_t crc_;
  uint64_t length_ = 0;
};

std::string EncodeHeader(Zxid zxid) {
  std::string header(kSnapshotMagic);
  ByteWriter writer(&header);
  writer.PutU32(kSnapshotFormatVersion);
  writer.PutU64(zxid);
  return header;
}

// Everything from the header to the fsync, on an open descriptor.
Status WriteContent(int fd, const std::string& path, Zxid zxid,
                    const SnapshotBodyWriter& write_body) {
  FdWriter out(fd, path, kSnapshotWriteBufferBytes);
  const std::string header = EncodeHeader(zxid);
  COORD_RETURN_IF_ERROR(out.Write(header));
  BodySink body(&out, Crc32c(header));
  COORD_RETURN_IF_ERROR(write_body(body));
  std::string trailer;
  ByteWriter writer(&trailer);
  writer.PutU64(body.length());
  writer.PutU32(body.crc());
  COORD_RETURN_IF_ERROR(out.Write(trailer));
  COORD_RETURN_IF_ERROR(out.Flush());
  if (::fsync(fd) != 0) return ErrnoStatus("fsync " + path, errno);
  return Status::Ok();
}

}  // namespace

std::string SnapshotFileName(Zxid zxid) {
  char hex[kZxidHexDigits + 1];
  std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(zxid));
  return std::string(kNamePrefix) + hex;
}

bool ParseSnapshotFileName(std::string_view name, Zxid* zxid) {
  if (name.size() != kNamePrefix.size() + kZxidHexDigits || !name.starts_with(kNamePrefix)) {
    return false;
  }
  Zxid value = 0;
  for (char c : name.substr(kNamePrefix.size())) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return false;
    }
    value = (value << 4) | static_cast<Zxid>(digit);
  }
  *zxid = value;
  return true;
}

Status WriteSnapshotFile(const std::string& dir, Zxid zxid, const SnapshotBodyWriter& write_body) {
  const std::string path = dir + "/" + SnapshotFileName(zxid);
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("create " + tmp, errno);
  Status status = WriteContent(fd, tmp, zxid, write_body);
  if (::close(fd) != 0 && status.ok()) status = ErrnoStatus("close " + tmp, errno);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("rename " + tmp, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return FsyncDir(dir);
}

Status VerifyAndStripSnapshot(std::string* file, Zxid zxid, const std::string& path) {
  if (file->size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    return Status(Code::kCorruption, path + ": too short for a snapshot");
  }
  if (!file->starts_with(kSnapshotMagic)) {
    return Status(Code::kCorruption, path + ": not a snapshot (bad magic)");
  }
  ByteReader fields(std::string_view(*file).substr(kSnapshotMagic.size()));
  uint32_t version = 0;
  uint64_t header_zxid = 0;
  fields.GetU32(&version);
  fields.GetU64(&header_zxid);  // both present: the size was checked above
  if (version != kSnapshotFormatVersion) {
    return Status(Code::kCorruption, path + ": unknown format version " + std::to_string(version));
  }
  if (header_zxid != zxid) {
    return Status(Code::kCorruption, path + ": header zxid " + ZxidToString(header_zxid) +
                                         " does not match " + ZxidToString(zxid));
  }
  const size_t body_end = file->size() - kSnapshotTrailerBytes;
  ByteReader trailer(std::string_view(*file).substr(body_end));
  uint64_t body_length = 0;
  uint32_t crc = 0;
  trailer.GetU64(&body_length);
  trailer.GetU32(&crc);
  if (body_length != body_end - kSnapshotHeaderBytes) {
    return Status(Code::kCorruption, path + ": body length mismatch (truncated file?)");
  }
  if (Crc32cExtend(0, file->data(), body_end) != crc) {
    return Status(Code::kCorruption, path + ": checksum mismatch");
  }
  file->resize(body_end);
  file->erase(0, kSnapshotHeaderBytes);
  return Status::Ok();
}

}  // namespace coord::storage
