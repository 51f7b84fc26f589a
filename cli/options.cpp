// What every `meshsim` command does with its command line; see commands.h.
#include <iostream>

#include "cli/commands.h"

namespace meshsim::cli {

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
