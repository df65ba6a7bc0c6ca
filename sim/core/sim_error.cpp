#include "sim/core/sim_error.h"
