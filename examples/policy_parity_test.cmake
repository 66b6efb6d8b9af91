# policy_parity_test.cmake: the reference CNN on a 10,000-image slice of Fashion-MNIST under
# each precision policy (same seed, 5 epochs); the 16-bit policies' test accuracy must be
# within 1 point of float32's. (cmake -P, with EXE = the fashion_mnist example.)
set(accuracies)
foreach(policy float32 mixed_float16 mixed_bfloat16)
  execute_process(COMMAND ${EXE} --precision ${policy} --epochs 5 --limit 10000 --threads 2
                          --out ${WORK}/${policy}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${policy}: fashion_mnist failed (${rc}):\n${out}\n${err}")
  endif()
  if(NOT out MATCHES "test accuracy: ([0-9.]+)")
    message(FATAL_ERROR "${policy}: no test accuracy in the output:\n${out}")
  endif()
  # "0.8567" -> 8567 (basis points; CMake's math is integer-only)
  string(REPLACE "." "" bp "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "^0+([0-9])" "\\1" bp "${bp}")
  set(acc_${policy} ${bp})
  message(STATUS "${policy}: test accuracy ${CMAKE_MATCH_1}")
endforeach()
foreach(policy mixed_float16 mixed_bfloat16)
  math(EXPR diff "${acc_${policy}} - ${acc_float32}")
  if(diff LESS -100 OR diff GREATER 100)
    message(FATAL_ERROR "${policy}: ${acc_${policy}} basis points vs float32's ${acc_float32}: "
                        "more than 1 point apart")
  endif()
endforeach()
