// Encodes TxnRecords for the log and decodes them back. Decoding verifies the buffer with the
// FlatBuffers Verifier first, so a damaged record is a kCorruption Status, never a crash.
#pragma once

#include <string>
#include <string_view>

#include "coord/base/status.h"
#include "protocol/txn.h"

namespace coord {

std::string EncodeTxnRecord(const TxnRecord& record);
Result<TxnRecord> DecodeTxnRecord(std::string_view bytes);

}  // namespace coord
