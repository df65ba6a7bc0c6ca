#include "compiler/compile_error.h"
