# run_deb.cmake: the .deb of this build, installed and used (cmake -P):
#   1. cpack -G DEB makes libmantissa-dev_<version>_<arch>.deb; its control fields are checked;
#   2. dpkg-deb -x unpacks it into a scratch root (what dpkg -i would put under /usr);
#   3. the installed package config names neither Eigen nor nlohmann-json (private, compiled in);
#   4. a CPU-only consumer (project/) is configured with Eigen, nlohmann-json, MPI and the CUDA
#      toolkit hidden (in a CUDA build too: mantissa::mantissa is the CPU library), then built
#      and run; its executable needs none of the CUDA libraries. In a CUDA build, a consumer
#      of mantissa::cuda (project/ with CONSUMER_CUDA) is built and run too;
#   5. components (components/): each of cuda, dist_mpi, dist_nccl required is found exactly
#      when this build has it, else the configure fails naming the reason; OPTIONAL_COMPONENTS
#      never fail; an unknown name fails naming the components there are; cuda with the
#      toolkit hidden fails saying so.
#   cmake -DBUILD_DIR= -DSOURCE_DIR= -DCOMPONENTS_DIR= -DWORK_DIR= -DCXX= -DWITH_CUDA=
#         -DWITH_MPI= -DWITH_NCCL= -P run_deb.cmake
function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "deb consumer test: ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
get_filename_component(_bin ${CMAKE_COMMAND} DIRECTORY)
run("cpack -G DEB" ${_bin}/cpack -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/pkg)
file(GLOB deb ${WORK_DIR}/pkg/*.deb)
list(LENGTH deb n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "deb consumer test: expected one .deb in ${WORK_DIR}/pkg, found ${n}: ${deb}")
endif()
message(STATUS "package: ${deb}")
run("dpkg-deb -f" dpkg-deb -f ${deb} Package Version Depends)
if(NOT last_output MATCHES "Package: libmantissa-dev\nVersion: 0\\.1\\.0\nDepends: [^\n]*zlib1g-dev")
  message(FATAL_ERROR "deb consumer test: unexpected control fields:\n${last_output}")
endif()
run("dpkg-deb -x" dpkg-deb -x ${deb} ${WORK_DIR}/root)
set(prefix ${WORK_DIR}/root/usr)
file(GLOB_RECURSE config_files ${prefix}/*/cmake/mantissa/*.cmake)
if(NOT config_files)
  message(FATAL_ERROR "deb consumer test: the package has no cmake/mantissa/ config")
endif()
foreach(f IN LISTS config_files)
  file(READ ${f} text)
  if(text MATCHES "(Eigen3|nlohmann_json)")  # a target or a find_dependency; not the comment
    message(FATAL_ERROR "deb consumer test: ${f} names ${CMAKE_MATCH_1}, a private header-only "
      "dependency: a consumer would need it installed to find mantissa")
  endif()
endforeach()
if(NOT EXISTS ${prefix}/include/mantissa/optim/torch_weights.hpp)
  message(FATAL_ERROR "deb consumer test: the package lacks include/mantissa/")
endif()

# 4. The CPU-only consumer with the private and optional dependencies out of sight.
set(hidden -DCMAKE_DISABLE_FIND_PACKAGE_Eigen3=ON -DCMAKE_DISABLE_FIND_PACKAGE_nlohmann_json=ON
  -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON)
set(no_cuda -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON)
set(common -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release)
run("configure (CPU-only consumer)" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build
  ${common} ${hidden} ${no_cuda})
run("build" ${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run("run" ${CMAKE_COMMAND} -E chdir ${WORK_DIR}/build ${WORK_DIR}/build/consumer)
set(want "consumer ok: mantissa 0\\.1\\.0, \\(2, 2\\) float32 product 10 13 28 40\n")
string(APPEND want "consumer model: loss fell, accuracy at least 0\\.9")
if(NOT last_output MATCHES "${want}")
  message(FATAL_ERROR "deb consumer test: unexpected output:\n${last_output}")
endif()
message(STATUS "${last_output}")
# What the executable loads: none of the CUDA libraries, whatever this build has.
run("readelf -d" readelf -d ${WORK_DIR}/build/consumer)
if(last_output MATCHES "(libcuda[a-z]*|libcublas[A-Za-z]*|libcudnn[a-z_]*)\\.so")
  message(FATAL_ERROR "deb consumer test: the CPU-only consumer needs ${CMAKE_MATCH_1}:\n"
    "${last_output}")
endif()
if(WITH_CUDA)
  run("configure (CUDA consumer)" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build_cuda
    ${common} ${hidden} -DCONSUMER_CUDA=ON)
  run("build (CUDA consumer)" ${CMAKE_COMMAND} --build ${WORK_DIR}/build_cuda
    --target consumer_cuda)
  run("run (CUDA consumer)" ${WORK_DIR}/build_cuda/consumer_cuda)
  if(NOT last_output MATCHES "cuda consumer ok: linked mantissa::cuda")
    message(FATAL_ERROR "deb consumer test: unexpected output:\n${last_output}")
  endif()
  message(STATUS "${last_output}")
endif()

# 5. Components.
set(case 0)
function(components expect required optional pattern)
  math(EXPR i "${case} + 1")
  set(case ${i} PARENT_SCOPE)
  execute_process(COMMAND ${CMAKE_COMMAND} -S ${COMPONENTS_DIR} -B ${WORK_DIR}/components_${i}
    ${common} -DREQUIRED=${required} -DOPTIONAL=${optional} ${ARGN}
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(all "${out}${err}")
  string(REGEX REPLACE "[ \n]+" " " flat "${all}")  # CMake wraps long messages
  if((expect STREQUAL "ok") AND NOT rc EQUAL 0 OR (expect STREQUAL "fail") AND rc EQUAL 0 OR
     NOT flat MATCHES "${pattern}")
    message(FATAL_ERROR "deb consumer test: COMPONENTS ${required} OPTIONAL_COMPONENTS "
      "${optional} ${ARGN}: expected ${expect} matching '${pattern}', got (${rc}):\n${all}")
  endif()
  message(STATUS "components '${required}' / optional '${optional}' ${ARGN}: ${expect}")
endfunction()
components(fail tpu "" "mantissa has no component 'tpu'; its components are cuda, dist_mpi and dist_nccl")
set(states "")
foreach(c cuda dist_mpi dist_nccl)
  string(TOUPPER ${c} C)
  string(REPLACE "DIST_" "" C ${C})
  if(WITH_${C})
    components(ok ${c} "" "component ${c}: found")
    string(APPEND states "component ${c}: found.*")
  else()
    components(fail ${c} "" "component ${c}: this mantissa was built without")
    string(APPEND states "component ${c}: not found.*")
  endif()
endforeach()
components(ok "" "cuda,dist_mpi,dist_nccl" "${states}")
if(WITH_MPI)
  components(fail dist_mpi "" "component dist_mpi: MPI \\(C\\+\\+\\) was not found here"
    -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON)
endif()
if(WITH_CUDA)
  components(fail cuda "" "component cuda: the CUDA toolkit was not found here.*CUDAToolkit_ROOT"
    -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON)
  components(ok "" cuda "component cuda: not found" -DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON)
endif()
