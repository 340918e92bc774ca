# Precompiled headers. Parsing the same standard, absl, nlohmann and GoogleTest headers is
# a large share of every translation unit (a quarter to a third of a test file at -O0), so
# each build compiles them once, in two flavours, and every Flyover target reuses one:
#   flyover_lib_pch   cmake/lib_pch.h   with the library flags (libraries, binaries, benches,
#                                       fuzzers)
#   flyover_test_pch  cmake/test_pch.h  with the test-code flags (tests, shared test suites)
# A reused precompiled header must be built with the same flags as its users; the helpers in
# FlyoverHelpers.cmake give both groups uniform flags (CompilerFlags.cmake), so it holds.
# FLYOVER_PCH=OFF turns it off (to check that every file includes what it uses).
option(FLYOVER_PCH "Reuse precompiled standard and third-party headers" ON)

if(FLYOVER_PCH)
  add_library(flyover_lib_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cc)
  target_link_libraries(flyover_lib_pch PUBLIC absl::status absl::statusor absl::strings
                        absl::synchronization absl::time nlohmann_json::nlohmann_json)
  target_compile_options(flyover_lib_pch PRIVATE -pthread)
  target_precompile_headers(flyover_lib_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/lib_pch.h)
  flyover_apply_flags(flyover_lib_pch)

  add_library(flyover_test_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cc)
  target_link_libraries(flyover_test_pch PUBLIC absl::status absl::statusor absl::strings
                        absl::synchronization absl::time nlohmann_json::nlohmann_json
                        GTest::gmock GTest::gtest)
  target_compile_options(flyover_test_pch PRIVATE -pthread)
  target_precompile_headers(flyover_test_pch PRIVATE ${PROJECT_SOURCE_DIR}/cmake/test_pch.h)
  flyover_apply_flags(flyover_test_pch TEST)
endif()

# flyover_use_pch(<target> [TEST]): <target> reuses the matching precompiled header.
function(flyover_use_pch target)
  cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
  if(NOT FLYOVER_PCH)
    return()
  endif()
  if(ARG_TEST)
    target_precompile_headers(${target} REUSE_FROM flyover_test_pch)
    target_link_libraries(${target} PRIVATE GTest::gmock GTest::gtest)
  else()
    target_precompile_headers(${target} REUSE_FROM flyover_lib_pch)
  endif()
  # The header's own include paths (absl, nlohmann) come with these. Some packages' flags
  # add -pthread, which defines _REENTRANT; a header and its users must agree on every
  # macro, so every target and both headers get -pthread.
  target_link_libraries(${target} PRIVATE nlohmann_json::nlohmann_json absl::status)
  target_compile_options(${target} PRIVATE -pthread)
endfunction()
