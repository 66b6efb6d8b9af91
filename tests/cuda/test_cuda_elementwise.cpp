// tests/cuda/test_cuda_elementwise.cpp: (being written)
#include "parity.hpp"
