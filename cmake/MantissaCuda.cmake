# MantissaCuda.cmake: resolve MANTISSA_CUDA (AUTO/ON/OFF) into MANTISSA_WITH_CUDA.
# AUTO enables the backend when nvcc is found (on PATH or under /usr/local/cuda); ON makes its
# absence an error. Architectures: sm_80 and sm_90 unless CMAKE_CUDA_ARCHITECTURES is given.
#
# MANTISSA_CUDA_EMULATE=ON builds the same backend without a GPU: cuda/'s .cu sources compiled
# as C++ (kernels become host loops, launch.hpp), linked to test doubles of the CUDA runtime
# and cuBLAS and to the real cuDNN (its descriptors) with its compute calls interposed
# (cuda/emulation/). Needs the CUDA toolkit's headers and cuDNN, not nvcc's device compiler.
option(MANTISSA_CUDA_EMULATE "Build the CUDA backend as host code over test doubles (no GPU)" OFF)
set(MANTISSA_WITH_CUDA OFF)
if(MANTISSA_CUDA_EMULATE)
  find_package(CUDAToolkit REQUIRED)
  set(MANTISSA_WITH_CUDA ON)
elseif(NOT MANTISSA_CUDA STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER)
    find_program(_mantissa_nvcc nvcc HINTS /usr/local/cuda/bin)
    if(_mantissa_nvcc)
      set(CMAKE_CUDA_COMPILER ${_mantissa_nvcc})
    endif()
  endif()
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 80 90)
    endif()
    enable_language(CUDA)
    # CMake 3.25 predates nvcc 13 and does not know its C++20 flag; teach it, so that targets
    # requiring cxx_std_20 (all of mantissa) can hold .cu files.
    if(NOT "cuda_std_20" IN_LIST CMAKE_CUDA_COMPILE_FEATURES)
      set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
      set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
      list(APPEND CMAKE_CUDA_COMPILE_FEATURES cuda_std_20)
      set(CMAKE_CUDA20_COMPILE_FEATURES cuda_std_20)
    endif()
    find_package(CUDAToolkit REQUIRED)
    set(MANTISSA_WITH_CUDA ON)
  elseif(MANTISSA_CUDA STREQUAL "ON")
    message(FATAL_ERROR "MANTISSA_CUDA=ON but nvcc was not found (looked on PATH and in "
                        "/usr/local/cuda/bin); install the CUDA Toolkit or use MANTISSA_CUDA=AUTO")
  else()
    message(STATUS "mantissa: nvcc not found, building without the CUDA backend")
  endif()
endif()

# cuDNN (with the toolkit here; CMake's FindCUDAToolkit does not know it).
if(MANTISSA_WITH_CUDA)
  find_path(MANTISSA_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} REQUIRED)
  find_library(MANTISSA_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} REQUIRED)
endif()
