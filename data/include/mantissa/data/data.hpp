// mantissa/data/data.hpp: data loading and file formats in one include (IDX, CSV, the image
// loader, tabular helpers, safetensors).
#pragma once

#include "mantissa/data/csv.hpp"
#include "mantissa/data/idx.hpp"
#include "mantissa/data/loader.hpp"
#include "mantissa/data/subset.hpp"
#include "mantissa/data/tabular.hpp"
#include "mantissa/data/tabular_loader.hpp"
#include "mantissa/io/safetensors.hpp"
