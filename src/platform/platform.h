#pragma once
// Facade of platform/: the application object and its services.

#include "platform/app.h"
#include "platform/bias.h"
#include "platform/cluster_sweep.h"
#include "platform/dataset_service.h"
#include "platform/endpoint_service.h"
#include "platform/evaluation.h"
#include "platform/explanation.h"
#include "platform/importance.h"
#include "platform/model_archive.h"
#include "platform/model_service.h"
#include "platform/training.h"
#include "platform/transform.h"
#include "platform/job_service.h"
