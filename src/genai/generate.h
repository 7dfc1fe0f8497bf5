#pragma once
// The generation loop: feed a prompt, then sample, feed and detokenize one token at a
// time until max_tokens, an end-of-generation token or a stop string. Text is handed to
// the caller as it becomes final: complete UTF-8, and never a part of a stop string
// (text that could still turn into a stop string is held back until it cannot).
//
// With a grammar (grammar.h, json_schema.h), each step samples only among the tokens
// the grammar allows next (the others' logits become -infinity before sampling);
// end-of-generation tokens are allowed once the grammar is complete. Generation stops
// with "stop" when nothing but end-of-generation is allowed, or nothing at all.

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "genai/grammar.h"
#include "genai/grammar_matcher.h"
#include "genai/llm_model.h"
#include "genai/sampler.h"
#include "genai/tokenizer.h"

namespace strata::genai {

struct GenerateOptions {
  int max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;  // stop strings; the output ends before the first one
  bool ignore_eos = false;        // keep going past end-of-generation tokens
  // Constrained decoding (see above); null: unconstrained.
  std::shared_ptr<const Grammar> grammar;
  // The token trie of this tokenizer for the grammar: pass one shared across requests
  // to save building it (tens of milliseconds for large vocabularies); built when null.
  std::shared_ptr<const GrammarVocabulary> grammar_vocabulary;
};

struct GenerateResult {
  std::vector<TokenId> ids;  // generated tokens (the stopping EOS token is not included)
  std::string text;          // their text, cut before a stop string
  std::string finish_reason;  // "stop" (EOS or stop string), "length", "cancelled"
  int n_prompt = 0;
  double prompt_seconds = 0;
  double generate_seconds = 0;
};

// Returns false from on_text to stop early (finish_reason "cancelled").
using TextCallback = std::function<bool(std::string_view text)>;

// The cache must be empty or hold a prefix the prompt continues (its tokens are not
// fed again); the prompt must leave room for at least one token. InvalidArgument for
// invalid sampling parameters, an empty prompt or a prompt longer than the context, and
// when a grammar's limits are exceeded (GrammarMatcher).
Result<GenerateResult> Generate(LlmEvaluator& evaluator, const Tokenizer& tokenizer, KvCache& cache,
                                std::span<const TokenId> prompt, const GenerateOptions& options,
                                const TextCallback& on_text = nullptr);

// The length of the longest suffix of `text` that is a proper prefix of some stop
// string (text that must be held back while generating). Exposed for tests.
size_t StopHoldback(std::string_view text, const std::vector<std::string>& stop);

}  // namespace strata::genai
