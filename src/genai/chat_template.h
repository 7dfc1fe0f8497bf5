#pragma once
// Chat templates: turning a conversation into the prompt text a model was trained on.
//
// GGUF models carry their Hugging Face chat template (a Jinja2 program) in the metadata
// key tokenizer.chat_template; it is rendered with the Jinja subset of jinja.h, exactly
// as transformers' apply_chat_template does (trim_blocks and lstrip_blocks on). Models
// without one get a built-in template chosen from their vocabulary.
//
// A ChatTemplate is immutable and may be rendered from several threads at once.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "genai/gguf.h"
#include "genai/jinja.h"
#include "genai/tokenizer.h"

namespace strata::genai {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant", "tool", ...
  std::string content;
  // More keys of the message object the template sees: tool_calls, tool_call_id, name,
  // ... A key here replaces role or content (e.g. "content": null for a tool call).
  Json fields = Json::object();
};

struct ChatTemplateOptions {
  std::string bos_token, eos_token;  // exposed to the template as bos_token / eos_token
  bool add_generation_prompt = true;
  Json tools = nullptr;         // exposed as `tools` when not null
  Json extra = Json::object();  // more variables (e.g. date_string); replace the above
  JinjaRenderOptions render;    // limits, and the clock of strftime_now()
};

// The Jinja source of a built-in template; empty for an unknown name.
std::string_view BuiltInChatTemplateSource(std::string_view name);

// bos_token and eos_token set to the texts of the tokenizer's BOS and EOS tokens.
ChatTemplateOptions ChatOptionsFor(const Tokenizer& tokenizer);

class ChatTemplate {
 public:
  // Parses once. InvalidArgument "chat template: line L, column C: ..." on a syntax
  // error or an unsupported construct.
  static Result<ChatTemplate> Parse(std::string_view source);
  // tokenizer.chat_template when present; else a built-in one chosen by the vocabulary:
  // llama3 when <|start_header_id|> is a token, chatml for <|im_start|>, gemma for
  // <start_of_turn>, phi3 for <|user|>, mistral for [INST] or a mistral architecture,
  // else llama2.
  static Result<ChatTemplate> ForModel(const GgufMetadata& metadata, const Tokenizer& tokenizer);
  // "llama3", "chatml", "gemma", "phi3", "mistral", "llama2"; InvalidArgument otherwise.
  static Result<ChatTemplate> BuiltIn(std::string_view name);
  // The name for ForModel's choice without a template in the metadata.
  static std::string_view BuiltInNameFor(const GgufMetadata& metadata, const Tokenizer& tokenizer);

  // InvalidArgument "chat template: ..." on a template error at render time; for the
  // template's raise_exception('...') the message is passed through after that prefix
  // (e.g. "Conversation roles must alternate user/assistant/user/assistant/...").
  Result<std::string> Render(const std::vector<ChatMessage>& messages,
                             const ChatTemplateOptions& options) const;

  const std::string& source() const { return *source_; }

 private:
  ChatTemplate(JinjaTemplate tmpl, std::shared_ptr<const std::string> source)
      : template_(std::move(tmpl)), source_(std::move(source)) {}
  JinjaTemplate template_;
  std::shared_ptr<const std::string> source_;
};

}  // namespace strata::genai
