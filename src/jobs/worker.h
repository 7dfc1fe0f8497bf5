#pragma once
// The body of `strata worker --job ID`: runs one claimed job in this process and
// records its outcome in the catalog. Its stdout and stderr are the job's log (the
// scheduler redirects them before exec).

#include <string>

#include "jobs/job_type.h"
#include "store/store.h"

namespace strata::jobs {

// Returns the process exit code: 0 when the outcome (Completed, Failed or Stopped)
// was recorded, 1 when it could not be (job missing, not claimed, catalog error).
// SIGTERM is treated as a stop request.
int RunWorker(store::Store& store, const JobTypeRegistry& types, const std::string& job_id);

}  // namespace strata::jobs
