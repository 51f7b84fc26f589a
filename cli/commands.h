// What the `meshsim` executable's source files share: the commands that live outside
// meshsim_main.cpp, option parsing, and Ctrl-C.
#pragma once

#include <atomic>
#include <string>

#include <boost/program_options.hpp>

namespace meshsim::cli {

namespace po = boost::program_options;

inline constexpr int kUsageExit = 2;  // every command's exit code for a usage error

// Parses a command's options, positional arguments going to "input"; returns false (and sets
// `code`: 0 after --help, kUsageExit after printing the error and `usage`) if the command should
// exit now.  Does not require any input.
bool parse_options(int argc, char** argv, const po::options_description& visible,
                   const po::options_description& all, const char* usage, po::variables_map& vm,
                   int& code);

// Checks before any work that a file can be created at `path` (given as --`option`): its
// directory exists, is a directory and is writable, and `path` itself is not a directory.
// False after printing a one-line error; the caller exits kUsageExit.  The file itself is
// written later, to a temporary name renamed into place.
bool check_output_path(const char* option, const std::string& path);

// Makes the first Ctrl-C (SIGINT) set the returned flag, which the runner (analysis/runner.h)
// reads between steps, so the command stops promptly, writes nothing and exits 3; a second
// Ctrl-C kills the process at once (the handler is reset after the first).
const std::atomic<bool>* stop_on_interrupt();

// meshsim check / compare (check_commands.cpp, compare_command.cpp); argv[0] is the command's name.
int cmd_check(int argc, char** argv);
int cmd_compare(int argc, char** argv);

}  // namespace meshsim::cli
