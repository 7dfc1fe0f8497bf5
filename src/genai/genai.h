#pragma once
// Facade of genai/, Strata's own LLM engine. Other subsystems include this header only.
//
// So far: the GGUF container (gguf.h types, gguf_reader.h, gguf_writer.h) and the
// tensor types with exact dequantization and reference quantization (tensor_type.h,
// dequantize.h, fp16.h), and the tokenizers driven by GGUF metadata (tokenizer.h). The
// forward pass and the scheduler build on these.

#include "genai/dequantize.h"
#include "genai/fp16.h"
#include "genai/gguf.h"
#include "genai/gguf_reader.h"
#include "genai/gguf_value.h"
#include "genai/gguf_writer.h"
#include "genai/tensor_type.h"
#include "genai/tokenizer.h"
