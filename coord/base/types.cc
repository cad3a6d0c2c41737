#include "coord/base/types.h"

#include <cstdio>

namespace coord {

std::string ZxidToString(Zxid zxid) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(zxid));
  return buf;
}

}  // namespace coord
