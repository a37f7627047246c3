# SPDX-License-Identifier: GPL-3.0-or-later
# Project-wide warning set, applied per target so third-party headers stay quiet.
# OODLENS_WERROR (the `ci` preset) turns these warnings into errors, on our own targets only.
option(OODLENS_WERROR "Treat compiler warnings in OOD Lens's own targets as errors" OFF)

function(oodlens_warnings target)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter)
    if(OODLENS_WERROR)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
