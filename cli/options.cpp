// What every `meshsim` command does with its command line and with Ctrl-C; see commands.h.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/commands.h"

namespace meshsim::cli {
namespace {

// Lock-free, so setting it is safe in a signal handler.
static_assert(std::atomic<bool>::is_always_lock_free);
std::atomic<bool> interrupted{false};

void on_interrupt(int) { interrupted.store(true, std::memory_order_relaxed); }

}  // namespace

const std::atomic<bool>* stop_on_interrupt() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C: the default action, at once
  sigaction(SIGINT, &action, nullptr);
  return &interrupted;
}

bool check_output_path(const char* option, const std::string& path) {
  namespace fs = std::filesystem;
  auto fail = [&](const std::string& why) {
    std::cerr << "meshsim: --" << option << " " << path << ": " << why << "\n";
    return false;
  };
  if (path.empty()) return fail("an empty path");
  std::error_code ec;
  if (fs::is_directory(path, ec)) return fail("is a directory; give a file name");
  const fs::path parent = fs::path(path).parent_path();
  const fs::path dir = parent.empty() ? fs::path(".") : parent;
  if (!fs::exists(dir, ec)) return fail("directory " + dir.string() + " does not exist");
  if (!fs::is_directory(dir, ec)) return fail(dir.string() + " is not a directory");
  if (::access(dir.c_str(), W_OK) != 0) return fail("directory " + dir.string() + " is not writable");
  return true;
}

bool parse_options(int argc, char** argv, const po::options_description& visible,
                   const po::options_description& all, const char* usage, po::variables_map& vm,
                   int& code) {
  po::positional_options_description pos;
  pos.add("input", -1);
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "meshsim: " << e.what() << "\n" << usage << "\n";
    code = kUsageExit;
    return false;
  }
  if (vm.count("help")) {
    std::cout << usage << "\n\n" << visible << "\n";
    code = 0;
    return false;
  }
  return true;
}

}  // namespace meshsim::cli
