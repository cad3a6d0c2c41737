// A fresh directory under the test temp dir, removed with everything in it on destruction.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "coord/base/check.h"

namespace coord::storage {

class TempDir {
 public:
  TempDir() {
    std::string name = ::testing::TempDir() + "coord_storage_XXXXXX";
    CHECK(::mkdtemp(name.data()) != nullptr) << "mkdtemp " << name;
    path_ = name;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace coord::storage
