// tests/cuda/test_cuda_layers.cpp: (being written)
#include "parity.hpp"
