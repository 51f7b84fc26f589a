# Warnings live in one INTERFACE target, linked by our own targets and tests only,
# never forced on users of the libraries (the HighFive habit).
add_library(meshsim_warnings INTERFACE)
target_compile_options(meshsim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough)
if(MESHSIM_WERROR)
  target_compile_options(meshsim_warnings INTERFACE -Werror)
endif()
