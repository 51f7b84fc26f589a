// The commands of the `meshsim` executable that live outside meshsim_main.cpp.
#pragma once

namespace meshsim::cli {

// meshsim check / compare (check_commands.cpp); argv[0] is the command's name.
int cmd_check(int argc, char** argv);
int cmd_compare(int argc, char** argv);

}  // namespace meshsim::cli
