# MantissaTest.cmake: one helper that registers a GoogleTest suite.
#   mantissa_add_test(NAME test_tensor SOURCES core/test_tensor.cpp [LABELS core] [DATA_ONLY])
# DATA_ONLY links mantissa_data and mantissa_core alone (no layers or optimizers): quicker to
# build, which the sanitizer stages of .ci/run use.
# Each suite is one executable; gtest_discover_tests makes every TEST a CTest test.
include(GoogleTest)
function(mantissa_add_test)
  cmake_parse_arguments(T "DATA_ONLY" "NAME" "SOURCES;LABELS;LIBS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  if(T_DATA_ONLY)
    target_link_libraries(${T_NAME} PRIVATE mantissa_data mantissa_core)
  else()
    target_link_libraries(${T_NAME} PRIVATE mantissa::mantissa)
  endif()
  target_link_libraries(${T_NAME} PRIVATE GTest::gtest_main mantissa_options ${T_LIBS})
  # A GTEST_SKIP'd test (no GPU here) is reported by CTest as skipped, not as passed.
  gtest_discover_tests(${T_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${T_LABELS}" SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
endfunction()
