#pragma once
// Facade of core/: the vocabulary every other subsystem uses. Include this header,
// not the individual ones, from outside core/.

#include "core/clock.h"
#include "core/config.h"
#include "core/files.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "core/process.h"
#include "core/progress.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "core/version.h"
