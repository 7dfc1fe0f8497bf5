#include "genai/generate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <fmt/format.h>

namespace strata::genai {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

size_t StopHoldback(std::string_view text, const std::vector<std::string>& stop) {
  size_t hold = 0;
  for (const std::string& s : stop) {
    for (size_t n = std::min(s.size() - 1, text.size()); n > hold; --n) {
      if (text.substr(text.size() - n) == std::string_view(s).substr(0, n)) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}

Result<GenerateResult> Generate(LlmEvaluator& evaluator, const Tokenizer& tokenizer, KvCache& cache,
                                std::span<const TokenId> prompt, const GenerateOptions& options,
                                const TextCallback& on_text) {
  const int n_vocab = tokenizer.n_vocab();
  STRATA_RETURN_IF_ERROR(options.sampling.Validate(n_vocab));
  if (prompt.empty()) return InvalidArgumentError("the prompt is empty (no tokens)");
  if (options.max_tokens < 0) {
    return InvalidArgumentError(fmt::format("max_tokens must not be negative, got {}", options.max_tokens));
  }
  for (const std::string& s : options.stop) {
    if (s.empty()) return InvalidArgumentError("a stop string is empty");
  }
  if (static_cast<int64_t>(prompt.size()) + cache.size() >= cache.capacity()) {
    return InvalidArgumentError(fmt::format("the prompt ({} tokens) does not fit the context of {} tokens",
                                            prompt.size() + cache.size(), cache.capacity()));
  }

  std::optional<GrammarMatcher> matcher;
  if (options.grammar) {
    std::shared_ptr<const GrammarVocabulary> vocabulary = options.grammar_vocabulary;
    if (!vocabulary) vocabulary = std::make_shared<GrammarVocabulary>(tokenizer);
    if (vocabulary->n_vocab() != n_vocab) {
      return InvalidArgumentError("grammar_vocabulary was built for another tokenizer");
    }
    matcher.emplace(options.grammar, std::move(vocabulary));
  }

  GenerateResult result;
  result.n_prompt = static_cast<int>(prompt.size());
  Sampler sampler(options.sampling, n_vocab);
  for (TokenId t : prompt) sampler.Accept(t);

  std::vector<float> logits;
  auto start = std::chrono::steady_clock::now();
  SequenceInput in{&cache, prompt};
  STRATA_RETURN_IF_ERROR(evaluator.Decode({&in, 1}, &logits));
  result.prompt_seconds = SecondsSince(start);
  start = std::chrono::steady_clock::now();

  StreamingDetokenizer detok(tokenizer);
  size_t emitted = 0;  // bytes of result.text handed to on_text
  result.finish_reason = "length";
  bool done = false, stopped_by_string = false;
  const auto emit = [&](size_t upto) {
    if (upto > emitted && on_text && !on_text(std::string_view(result.text).substr(emitted, upto - emitted))) {
      result.finish_reason = "cancelled";
      done = true;
    }
    emitted = std::max(emitted, upto);
  };

  for (int step = 0; step < options.max_tokens && !done; ++step) {
    if (matcher) {
      STRATA_ASSIGN_OR_RETURN(const TokenMask* mask,
                              matcher->MaskLogits({logits.data(), static_cast<size_t>(n_vocab)}));
      if (mask->n_text_tokens == 0) {  // complete (only end-of-generation left) or stuck
        result.finish_reason = "stop";
        break;
      }
      if (options.ignore_eos) {
        for (TokenId id = 0; id < n_vocab; ++id) {
          if (tokenizer.IsEndOfGeneration(id)) logits[id] = -INFINITY;
        }
      }
    }
    const TokenId next = sampler.Sample({logits.data(), static_cast<size_t>(n_vocab)});
    if (!options.ignore_eos && tokenizer.IsEndOfGeneration(next)) {
      result.finish_reason = "stop";
      break;
    }
    if (matcher) STRATA_RETURN_IF_ERROR(matcher->AcceptToken(next));
    result.ids.push_back(next);
    sampler.Accept(next);
    const size_t before = result.text.size();
    result.text += detok.Push(next);

    // A stop string may straddle the text emitted so far and the new piece.
    size_t longest_stop = 0;
    for (const auto& s : options.stop) longest_stop = std::max(longest_stop, s.size());
    const size_t from = before >= longest_stop ? before - longest_stop + 1 : 0;
    size_t cut = std::string::npos;
    for (const auto& s : options.stop) cut = std::min(cut, result.text.find(s, from));
    if (cut != std::string::npos) {
      stopped_by_string = true;
      result.text.resize(cut);
      emit(cut);
      if (!done) result.finish_reason = "stop";
      done = true;
      break;
    }
    emit(result.text.size() - StopHoldback(result.text, options.stop));
    if (done) break;
    if (step + 1 == options.max_tokens) break;
    if (cache.size() >= cache.capacity()) break;  // context full: "length"
    SequenceInput one{&cache, std::span<const TokenId>(&result.ids.back(), 1)};
    STRATA_RETURN_IF_ERROR(evaluator.Decode({&one, 1}, &logits));
  }
  if (!stopped_by_string && result.finish_reason != "cancelled") {
    result.text += detok.Finish();  // an incomplete character at the end, as U+FFFD
    emit(result.text.size());
  }
  result.generate_seconds = SecondsSince(start);
  return result;
}

}  // namespace strata::genai
