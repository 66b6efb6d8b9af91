// tests/cuda/test_cuda_conv.cpp: (being written)
#include "parity.hpp"
