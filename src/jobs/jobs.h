#pragma once
// Facade of jobs/: the persistent job queue, job types, the scheduler that runs jobs
// in worker processes, and the worker's entry point.

#include "jobs/job.h"
#include "jobs/job_repository.h"
#include "jobs/job_type.h"
#include "jobs/scheduler.h"
#include "jobs/worker.h"
