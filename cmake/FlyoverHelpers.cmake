# Helper functions every module's CMakeLists.txt uses. Each Flyover target belongs to a
# module; flyover_finalize_aggregate_targets() checks every link between Flyover targets
# against the seams declared in cmake/Seams.cmake and fails the configure on a violation.
include(GoogleTest)

set_property(GLOBAL PROPERTY FLYOVER_TARGETS "")
set_property(GLOBAL PROPERTY FLYOVER_UNIT_TESTS "")
set_property(GLOBAL PROPERTY FLYOVER_FUZZERS "")

# flyover_seam(<module> ALLOWS <module>...): <module>'s targets may link only targets of
# the listed modules (list the module itself to allow links inside it).
function(flyover_seam module)
  cmake_parse_arguments(ARG "" "" "ALLOWS" ${ARGN})
  set_property(GLOBAL PROPERTY FLYOVER_SEAM_${module} ${ARG_ALLOWS})
  set_property(GLOBAL PROPERTY FLYOVER_SEAM_DECLARED_${module} TRUE)
endfunction()

# _flyover_register(<target> <module> <deps> [TEST])
function(_flyover_register target module deps)
  set_target_properties(${target} PROPERTIES FLYOVER_MODULE ${module} FLYOVER_DEPS "${deps}")
  set_property(GLOBAL APPEND PROPERTY FLYOVER_TARGETS ${target})
  flyover_apply_flags(${target} ${ARGN})
  flyover_use_pch(${target} ${ARGN})
endfunction()

# flyover_library(<name> MODULE <module> SRCS <file>... [DEPS <target>...])
# A static library whose public include root is the repository root, so headers are
# included as "common/status.h", "kube/api/meta.h", ...
function(flyover_library name)
  cmake_parse_arguments(ARG "" "MODULE" "SRCS;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}")
endfunction()

# flyover_binary(<name> MODULE <module> SRCS <file>... [DEPS <target>...]) -> build/bin/<name>
function(flyover_binary name)
  cmake_parse_arguments(ARG "" "MODULE" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}")
endfunction()

# flyover_test(<name> MODULE <module> SRCS <file>... [DEPS <target>...]
#              [LABELS <label>...] [TIMEOUT <seconds>])
# A GoogleTest binary in build/tests/; each test case becomes one ctest entry.
# Label "unit" marks hermetic tests, the ones the sanitizer build runs.
function(flyover_test name)
  cmake_parse_arguments(ARG "" "MODULE;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SRCS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}" TEST)
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_MODE PRE_TEST)
  # gtest_discover_tests flattens its PROPERTIES, so a second label would be read as a
  # property name. The labels go on after discovery instead, on the test list it defines.
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${name}_labels.cmake)
  file(WRITE ${labels_file} "if(${name}_TESTS)\n"
    "  set_tests_properties(\${${name}_TESTS} PROPERTIES LABELS \"${ARG_LABELS}\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
  if("unit" IN_LIST ARG_LABELS)
    set_property(GLOBAL APPEND PROPERTY FLYOVER_UNIT_TESTS ${name})
  endif()
endfunction()

# flyover_test_objects(<name> MODULE <module> SRCS <file>... [DEPS <target>...])
# Test sources compiled once as an OBJECT library and linked into every test binary that
# names it in DEPS: for shared GoogleTest suites (TEST_P cases instantiated per binary),
# whose registrations a static library would let the linker drop. Compiled as test code.
function(flyover_test_objects name)
  cmake_parse_arguments(ARG "" "MODULE" "SRCS;DEPS" ${ARGN})
  add_library(${name} OBJECT ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} GTest::gmock GTest::gtest)
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}" TEST)
endfunction()

# flyover_fuzzer(<name> MODULE <module> SRCS <file>... [DEPS <target>...])
# A libFuzzer target, built only when FLYOVER_FUZZ is on (clang).
function(flyover_fuzzer name)
  cmake_parse_arguments(ARG "" "MODULE" "SRCS;DEPS" ${ARGN})
  if(NOT FLYOVER_FUZZ)
    return()
  endif()
  add_executable(${name} ${ARG_SRCS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}")
  set_property(GLOBAL APPEND PROPERTY FLYOVER_FUZZERS ${name})
endfunction()

# flyover_benchmark(<name> MODULE <module> SRCS <file>... [DEPS <target>...])
# A Google Benchmark (or plain) program in build/bench/; run by hand, results recorded
# in docs/benchmarks.md with the command that produced them.
function(flyover_benchmark name)
  cmake_parse_arguments(ARG "" "MODULE" "SRCS;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  _flyover_register(${name} ${ARG_MODULE} "${ARG_DEPS}")
endfunction()

function(_flyover_check_seams)
  get_property(targets GLOBAL PROPERTY FLYOVER_TARGETS)
  foreach(target IN LISTS targets)
    get_target_property(module ${target} FLYOVER_MODULE)
    get_target_property(deps ${target} FLYOVER_DEPS)
    get_property(declared GLOBAL PROPERTY FLYOVER_SEAM_DECLARED_${module})
    if(NOT declared)
      message(FATAL_ERROR "seam: target ${target} names module '${module}', which cmake/Seams.cmake does not declare")
    endif()
    get_property(allowed GLOBAL PROPERTY FLYOVER_SEAM_${module})
    foreach(dep IN LISTS deps)
      if(NOT TARGET ${dep})
        continue()
      endif()
      get_target_property(dep_module ${dep} FLYOVER_MODULE)
      if(NOT dep_module)
        continue()  # third-party target
      endif()
      if(NOT dep_module IN_LIST allowed)
        message(FATAL_ERROR "seam: ${target} (module ${module}) may not depend on ${dep} "
                            "(module ${dep_module}); ${module} may use only: ${allowed}")
      endif()
    endforeach()
  endforeach()
endfunction()

# Called once at the end of the top-level CMakeLists.txt.
function(flyover_finalize_aggregate_targets)
  _flyover_check_seams()
  get_property(unit_tests GLOBAL PROPERTY FLYOVER_UNIT_TESTS)
  add_custom_target(unit_tests)
  if(unit_tests)
    add_dependencies(unit_tests ${unit_tests})
  endif()
  get_property(fuzzers GLOBAL PROPERTY FLYOVER_FUZZERS)
  add_custom_target(fuzzers)
  if(fuzzers)
    add_dependencies(fuzzers ${fuzzers})
  endif()
endfunction()
