// One-line, human-readable renderings of transactions for the tools.
#pragma once

#include <string>

#include "protocol/txn.h"

namespace coord::tools {

// "create /app/config (persistent, 12 bytes, 1 acl)" and so on; binary data is not printed.
std::string FormatTxn(const Txn& txn);

}  // namespace coord::tools
