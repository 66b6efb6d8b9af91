# MantissaDist.cmake: the transports of dist/. MPI (Open MPI from Debian: libopenmpi-dev,
# openmpi-bin) gives MANTISSA_WITH_MPI; NCCL (with the CUDA toolkit, /usr/local/cuda) in the
# real CUDA build, with MPI for its bootstrap, gives MANTISSA_WITH_NCCL. Both optional:
# MANTISSA_MPI=OFF leaves them out.
option(MANTISSA_MPI "Build the MPI (and NCCL) communicators of dist/ when MPI is found" ON)
set(MANTISSA_WITH_MPI OFF)
set(MANTISSA_WITH_NCCL OFF)
if(MANTISSA_MPI)
  find_package(MPI COMPONENTS CXX)
  if(MPI_CXX_FOUND)
    set(MANTISSA_WITH_MPI ON)
    find_program(MANTISSA_MPIEXEC NAMES mpiexec mpirun HINTS ${MPI_HOME}/bin)
  else()
    message(STATUS "mantissa: MPI not found, building dist/ without MpiCommunicator "
                   "(install libopenmpi-dev openmpi-bin)")
  endif()
endif()
if(MANTISSA_WITH_MPI AND MANTISSA_WITH_CUDA AND NOT MANTISSA_CUDA_EMULATE)
  find_path(MANTISSA_NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  find_library(MANTISSA_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  if(MANTISSA_NCCL_INCLUDE_DIR AND MANTISSA_NCCL_LIBRARY)
    set(MANTISSA_WITH_NCCL ON)
  else()
    message(STATUS "mantissa: NCCL not found beside CUDA, building without NcclCommunicator")
  endif()
endif()
