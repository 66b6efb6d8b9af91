# cli_test.cmake: run an example with some arguments and judge its exit status and output.
#
#   cmake -DEXE=<program> -DARGS=<arg>[|<arg>...] -DEXIT=zero|nonzero -DEXPECT=<regex>
#         [-DEXPECT2=<regex>] -P cli_test.cmake
#
# Both conditions must hold: a refused flag exits non-zero AND names the flag (CTest's
# PASS_REGULAR_EXPRESSION alone ignores the exit status). stdout and stderr are matched
# together. Nothing is trained: the arguments are refused, or --help prints and exits.
foreach(var EXE EXIT EXPECT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "cli_test.cmake: -D${var}=... is required")
  endif()
endforeach()
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${EXE} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err
                TIMEOUT 60)
set(all "${out}${err}")
if(EXIT STREQUAL "zero" AND NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} ${ARGS}: exit status ${rc}, expected 0:\n${all}")
elseif(EXIT STREQUAL "nonzero" AND rc EQUAL 0)
  message(FATAL_ERROR "${EXE} ${ARGS}: exit status 0, expected a refusal:\n${all}")
endif()
foreach(re IN ITEMS "${EXPECT}" "${EXPECT2}")
  if(NOT re STREQUAL "" AND NOT all MATCHES "${re}")
    message(FATAL_ERROR "${EXE} ${ARGS}: the output does not match '${re}':\n${all}")
  endif()
endforeach()
message(STATUS "${EXE} ${ARGS}: exit ${rc} as expected; output matches")
