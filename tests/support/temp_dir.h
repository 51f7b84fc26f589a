// A fresh temporary directory for one test, removed with everything in it when the test ends,
// whether it passes, fails a REQUIRE or throws (RAII).  Tests write files only here: never into
// the source tree, the build tree or the working directory.
//
// The name is unique across processes (pid) and within one (a counter), and creation fails
// rather than reuse a directory left behind by a crashed run with a recycled pid: CTest runs
// test files in parallel processes.  Shared by every test folder.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace meshsim::testing {

class TempDir {
 public:
  // `tag` names the test in the directory name, for whoever finds one left behind by a crash.
  explicit TempDir(const std::string& tag = "test") {
    namespace fs = std::filesystem;
    static std::atomic<unsigned> counter{0};
    const fs::path base = fs::temp_directory_path();
    for (int tries = 0; tries < 100; ++tries) {
      const fs::path p = base / ("meshsim-" + tag + "-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(counter++));
      if (fs::create_directory(p)) {  // false: it exists already; take the next name
        path_ = p;
        return;
      }
    }
    throw std::runtime_error("TempDir: no free name under " + base.string());
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

  // Writes `text` to path()/rel (creating its parent directories); returns the file's path.
  std::string write(const std::string& rel, const std::string& text) const {
    const std::filesystem::path p = path_ / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.generic_string();
  }

  // path()/rel as a string with '/' separators (what the scenario loader takes).
  std::string str(const std::string& rel = "") const { return (path_ / rel).generic_string(); }

  // The names directly inside, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace meshsim::testing
