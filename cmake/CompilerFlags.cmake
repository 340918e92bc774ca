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

# Applies Flyover's flags to one of its own targets.
function(flyover_apply_flags target)
  target_compile_options(${target} PRIVATE ${FLYOVER_WARNINGS} ${FLYOVER_SANITIZER_FLAGS})
  target_link_options(${target} PRIVATE ${FLYOVER_SANITIZER_FLAGS})
endfunction()
