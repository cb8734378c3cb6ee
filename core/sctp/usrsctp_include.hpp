// The one place that includes usrsctp.h, with its warnings silenced (it is a C header with
// old-style casts and unused parameters in inline helpers). Include only from .cpp files.
#pragma once

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wcast-align"
#pragma GCC diagnostic ignored "-Wshadow"
#include <usrsctp.h>
#pragma GCC diagnostic pop
