# run_consumer.cmake: install -> configure -> build -> run an outside project (cmake -P).
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer test: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
run("install" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix)
if(NOT EXISTS ${WORK_DIR}/prefix/include/mantissa/mantissa.hpp)
  message(FATAL_ERROR "consumer test: the install has no include/mantissa/mantissa.hpp")
endif()
run("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_BUILD_TYPE=Release)
run("build" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("run" ${WORK_DIR}/build/consumer)
if(NOT last_output MATCHES "consumer ok: mantissa 0\\.1\\.0, \\(2, 2\\) float32 product 10 13 28 40")
  message(FATAL_ERROR "consumer test: unexpected output:\n${last_output}")
endif()
message(STATUS "${last_output}")
