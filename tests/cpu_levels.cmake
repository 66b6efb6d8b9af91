# tests/cpu_levels.cmake: the kernel suites again with the fastest paths switched off.
# The GEMM, conversion, max-pooling, Adam, BatchNorm and ReLU / bias kernels are compiled once
# per CPU level and the highest the CPU has is run (core/src/cpu/cpu_level.hpp); these registrations run the suites that
# exercise them under MANTISSA_CPU=<level> for every lower level, so that the paths another
# machine would take are tested here too. Each suite is one CTest test per level (25 s of CPU,
# under a minute on a loaded 2-core machine).
mantissa_add_suites(core cpu_level)

set(_lower_levels scalar avx2 avx512 avx512_bf16)
foreach(level IN LISTS _lower_levels)
  foreach(suite IN ITEMS test_cpu_level test_gemm test_convert test_ops test_nn_ops test_conv2d
      test_maxpool2d test_fusion test_layers test_optim)
    add_test(NAME cpu_${level}.${suite} COMMAND ${suite})
    set_tests_properties(cpu_${level}.${suite} PROPERTIES
      ENVIRONMENT MANTISSA_CPU=${level} LABELS "core;cpu_levels")
  endforeach()
endforeach()

# An unknown level is reported, not silently taken as a level.
add_test(NAME cpu_level_unknown_reported COMMAND test_cpu_level --gtest_filter=CpuLevel.CapIsHonoured)
set_tests_properties(cpu_level_unknown_reported PROPERTIES
  ENVIRONMENT MANTISSA_CPU=avx3 LABELS "core;cpu_levels"
  PASS_REGULAR_EXPRESSION "MANTISSA_CPU=avx3 is not a CPU level \\(scalar, avx2, avx512, avx512_bf16, amx\\); ignored")

# The per-level objects define nothing outside their own namespace (besides compiler data),
# so the linker can never keep an AVX-512 copy of a function a baseline caller runs.
if(CMAKE_NM)
  foreach(level IN LISTS MANTISSA_CPU_LEVELS)
    add_test(NAME cpu_${level}.objects_private
      COMMAND ${CMAKE_COMMAND} -DNM=${CMAKE_NM} -DLEVEL=${level}
        "-DOBJECTS=$<TARGET_OBJECTS:mantissa_core_cpu_${level}>"
        -P ${CMAKE_CURRENT_SOURCE_DIR}/check_level_symbols.cmake)
    set_tests_properties(cpu_${level}.objects_private PROPERTIES LABELS "core;cpu_levels")
  endforeach()
endif()

# And no AVX instruction anywhere else in the libraries (built for baseline x86-64 unless
# MANTISSA_NATIVE): the installed package runs on any x86-64 CPU.
list(LENGTH MANTISSA_CPU_LEVELS _level_count)
if(CMAKE_OBJDUMP AND _level_count GREATER 1 AND NOT MANTISSA_NATIVE)
  add_test(NAME cpu_levels.baseline_code_has_no_avx
    COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/check_baseline_code.sh ${CMAKE_OBJDUMP}
      $<TARGET_FILE:mantissa_core> $<TARGET_FILE:mantissa_data> $<TARGET_FILE:mantissa_layers>
      $<TARGET_FILE:mantissa_optim> $<TARGET_FILE:mantissa_dist>)
  set_tests_properties(cpu_levels.baseline_code_has_no_avx PROPERTIES LABELS "core;cpu_levels")
endif()
