#include "tests/compat/compat_target.h"

#include <cstdlib>

#include "coord/base/check.h"
#include "tests/support/ensemble.h"

namespace coord::compat {
namespace {

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

}  // namespace

CompatTarget::CompatTarget() {
  const std::string target = Env("COORD_COMPAT_TARGET", "coord");
  if (target == "zookeeper") {
    address_ = Env("COORD_COMPAT_SERVER", "127.0.0.1:2191");
    return;
  }
  CHECK(target == "coord") << "COORD_COMPAT_TARGET must be coord or zookeeper, not " << target;
  // Short ticks and a 1 s minimum session timeout keep the expiry tests quick; ZooKeeper's own
  // minimum (2 ticks of 2 s) makes the same tests slower against it, not different.
  address_ = "127.0.0.1:" + std::to_string(testing::FreePort());
  testing::CoorddOptions options;
  options.extra_config =
      "tick_ms: 20\n"
      "min_session_timeout_ms: 1000\n"
      "zookeeper_address: " +
      address_ + "\n";
  coordd_ = std::make_unique<testing::CoorddProcess>(options);
  coordd_->Start();
}

int CompatTarget::port() const {
  const size_t colon = address_.rfind(':');
  CHECK(colon != std::string::npos) << address_;
  return std::atoi(address_.c_str() + colon + 1);
}

std::string CompatTarget::ServerLog() const { return coordd_ ? coordd_->ServerLog() : ""; }

}  // namespace coord::compat
