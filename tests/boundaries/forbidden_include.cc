// Never built: boundaries.compiler_refuses compiles it as a server source and
// expects the compiler to refuse the include below.
#include "broker/internal/policy_context.h"
