// mistake: implicit float -> half conversion (precision changes must be visible: half(1.0f))
// expect-first: conversion from .float. to non-scalar type .mantissa::half. requested
// expect-head: from .float. to (non-scalar type )?.mantissa::half.
// gcc-expect-head: conversion from .float. to non-scalar type .mantissa::half. requested
#include "mantissa/core/core.hpp"

using namespace mantissa;

half h = 1.0f;
