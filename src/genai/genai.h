#pragma once
// Facade of genai/, Strata's own LLM engine. Other subsystems include this header only.
//
// The GGUF container (gguf.h types, gguf_reader.h, gguf_writer.h); tensor types with
// exact dequantization and reference quantization (tensor_type.h, dequantize.h, fp16.h);
// tokenizers driven by GGUF metadata (tokenizer.h); the model, its forward pass and KV
// caches (llm_model.h) over the kernels of matmul.h; sampling (sampler.h), the
// generation loop (generate.h), constrained decoding by GBNF grammars and JSON schemas
// (grammar.h, grammar_matcher.h, json_schema.h), re-quantization of whole models
// (model_quantize.h), and chat templates (chat_template.h) over a small Jinja
// interpreter (jinja.h).

#include "genai/chat_template.h"
#include "genai/dequantize.h"
#include "genai/fp16.h"
#include "genai/generate.h"
#include "genai/gguf.h"
#include "genai/gguf_reader.h"
#include "genai/gguf_value.h"
#include "genai/gguf_writer.h"
#include "genai/grammar.h"
#include "genai/grammar_matcher.h"
#include "genai/json_schema.h"
#include "genai/jinja.h"
#include "genai/llm_config.h"
#include "genai/llm_model.h"
#include "genai/matmul.h"
#include "genai/model_quantize.h"
#include "genai/sampler.h"
#include "genai/synthetic_model.h"
#include "genai/tensor_type.h"
#include "genai/tokenizer.h"
