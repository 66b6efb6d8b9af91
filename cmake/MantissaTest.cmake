# MantissaTest.cmake: one helper that registers a GoogleTest suite.
#   mantissa_add_test(NAME test_tensor SOURCES core/test_tensor.cpp [LABELS core] [DATA_ONLY])
# DATA_ONLY links mantissa_data and mantissa_core alone (no layers or optimizers): quicker to
# build, which the sanitizer stages of .ci/run use.
# Each suite is one executable; gtest_discover_tests makes every TEST a CTest test.
include(GoogleTest)

# Test code (not the library) at -O1 in a Release build: the suites' time is in the library's
# kernels, built -O3; -O3 over ~60 suites of templates costs a third of their compile time.
# Linked after mantissa_options, so its -O1 comes after that target's -O3 on the command line.
add_library(mantissa_test_options INTERFACE)
target_compile_options(mantissa_test_options INTERFACE $<$<CONFIG:Release>:-O1>)

function(mantissa_add_test)
  cmake_parse_arguments(T "DATA_ONLY" "NAME" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  if(T_DATA_ONLY)
    target_link_libraries(${T_NAME} PRIVATE mantissa_data mantissa_core)
  else()
    target_link_libraries(${T_NAME} PRIVATE mantissa::mantissa)
  endif()
  target_link_libraries(${T_NAME} PRIVATE GTest::gtest_main mantissa_options mantissa_test_options
    ${T_LIBS})
  # A GTEST_SKIP'd test (no GPU here) is reported by CTest as skipped, not as passed.
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
