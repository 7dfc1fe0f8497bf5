#pragma once
// Facade of serve/: loaded models (Predictor) and explanations of their predictions,
// real-time endpoints with variants, micro-batching and data capture, and invocation
// payload parsing.

#include "serve/data_capture.h"
#include "serve/endpoint.h"
#include "serve/explainer.h"
#include "serve/invocation.h"
#include "serve/micro_batcher.h"
#include "serve/partial_dependence.h"
#include "serve/predictor.h"
