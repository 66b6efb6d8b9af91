// mistake: implicit float -> half conversion (precision changes must be visible: half(1.0f))
// expect-head: conversion from .float. to non-scalar type .mantissa::half. requested
#include "mantissa/mantissa.hpp"

using namespace mantissa;

half h = 1.0f;
