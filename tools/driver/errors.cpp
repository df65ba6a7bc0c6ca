#include "tools/driver/errors.h"
