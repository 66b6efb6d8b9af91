// tests/cuda/test_cuda_optim.cpp: (being written)
#include "parity.hpp"
