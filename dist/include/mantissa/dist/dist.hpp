// mantissa/dist/dist.hpp: data-parallel training: the Communicator interface, its in-process
// implementation, the data-parallel helpers, and the MPI and NCCL communicators where this
// build has them (MANTISSA_WITH_MPI, MANTISSA_WITH_NCCL). See dist/README.md.
#pragma once

#include "mantissa/dist/communicator.hpp"
#include "mantissa/dist/data_parallel.hpp"
#include "mantissa/dist/in_process.hpp"
#ifdef MANTISSA_WITH_MPI
#include "mantissa/dist/mpi.hpp"
#endif
#ifdef MANTISSA_WITH_NCCL
#include "mantissa/dist/nccl.hpp"
#endif
