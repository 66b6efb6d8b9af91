// tests/cuda/test_cuda_gemm.cpp: (being written)
#include "parity.hpp"
