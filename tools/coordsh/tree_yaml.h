// export / import of a subtree as YAML.
//
// The document describes the node at the exported path:
//   data: "text"            # or data_base64: "..." when the data is not printable text
//   children:
//     name:
//       data: ...
//       children: ...
// Keys are optional (no data, no children). Ephemeral nodes are not exported (session state).
// Import writes the document's node at the target path (creating it and missing ancestors) and
// everything below: a node that exists gets its data set if it differs, a missing one is created
// (persistent). Work is committed in multis of up to kImportBatch operations, each atomic, parents
// before children; nothing is deleted.
#pragma once

#include <string>
#include <vector>

#include "coord/client.h"

namespace coord::coordsh {

constexpr size_t kImportBatch = 100;

Result<std::string> ExportYaml(Client* client, const std::string& path);

struct ImportReport {
  std::vector<std::string> actions;  // "create /a/b", "set /a" (what was or would be done)
  size_t created = 0;
  size_t updated = 0;
};
// `file` "-" reads standard input. kBadArguments for a malformed document (naming where).
Result<ImportReport> ImportYaml(Client* client, const std::string& file, const std::string& path,
                                bool dry_run);

}  // namespace coord::coordsh
