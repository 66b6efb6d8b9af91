// tests/cuda/test_cuda_training.cpp: (being written)
#include "parity.hpp"
