# Warnings are errors for Flyover's own code; third-party headers come in as SYSTEM.
set(FLYOVER_WARNINGS -Wall -Wextra -Wpedantic -Werror -Wnon-virtual-dtor
    -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND FLYOVER_WARNINGS -Wshadow=local)
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  # clang checks the ABSL_GUARDED_BY / ABSL_EXCLUSIVE_LOCKS_REQUIRED annotations.
  list(APPEND FLYOVER_WARNINGS -Wshadow-uncaptured-local -Wthread-safety)
endif()

set(FLYOVER_SANITIZER_FLAGS "")
if(FLYOVER_SANITIZE)
  set(FLYOVER_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=undefined
      -fno-omit-frame-pointer)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 reports false maybe-uninitialized warnings inside libstdc++ (std::regex,
    # std::function) once ASan instruments the code; the plain build keeps the check.
    list(APPEND FLYOVER_SANITIZER_FLAGS -Wno-maybe-uninitialized)
  endif()
endif()
if(FLYOVER_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FLYOVER_FUZZ needs clang: configure with CXX=clang++")
  endif()
  set(FLYOVER_SANITIZER_FLAGS -fsanitize=fuzzer-no-link,address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
endif()

# A test's own sources need no optimiser and no fuzzer coverage: GoogleTest and GoogleMock
# expand to so much code that -O2 -g doubles their compile time, and the code under test
# (the libraries) keeps the build's flags. These come after the build type's flags, so
# they win.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  set(FLYOVER_TEST_CODE_FLAGS -O1 -g1)
else()
  set(FLYOVER_TEST_CODE_FLAGS -O0 -g1)
endif()
set(FLYOVER_TEST_SANITIZER_FLAGS ${FLYOVER_SANITIZER_FLAGS})
list(REMOVE_ITEM FLYOVER_TEST_SANITIZER_FLAGS -fsanitize=fuzzer-no-link,address,undefined)
if(FLYOVER_FUZZ)
  list(PREPEND FLYOVER_TEST_SANITIZER_FLAGS -fsanitize=address,undefined)
endif()

# flyover_apply_flags(<target> [TEST]): Flyover's flags for one of its own targets; TEST
# compiles the target's sources as test code (see above). Link flags are the same for all.
function(flyover_apply_flags target)
  cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
  if(ARG_TEST)
    target_compile_options(${target} PRIVATE ${FLYOVER_WARNINGS} ${FLYOVER_TEST_SANITIZER_FLAGS}
                                             ${FLYOVER_TEST_CODE_FLAGS})
  else()
    target_compile_options(${target} PRIVATE ${FLYOVER_WARNINGS} ${FLYOVER_SANITIZER_FLAGS})
  endif()
  target_link_options(${target} PRIVATE ${FLYOVER_SANITIZER_FLAGS})
endfunction()
