# SPDX-License-Identifier: GPL-3.0-or-later
# Project-wide warning set, applied per target so third-party headers stay quiet.
function(oodlens_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
  endif()
endfunction()
