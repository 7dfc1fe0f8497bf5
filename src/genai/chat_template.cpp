#include "genai/chat_template.h"

#include <utility>

namespace strata::genai {

ChatTemplateOptions ChatOptionsFor(const Tokenizer& tokenizer) {
  ChatTemplateOptions options;
  if (tokenizer.bos() >= 0) options.bos_token = std::string(tokenizer.TokenText(tokenizer.bos()));
  if (tokenizer.eos() >= 0) options.eos_token = std::string(tokenizer.TokenText(tokenizer.eos()));
  return options;
}

Result<ChatTemplate> ChatTemplate::Parse(std::string_view source) {
  auto parsed = JinjaTemplate::Parse(source);
  if (!parsed.ok()) return parsed.status().WithContext("chat template");
  return ChatTemplate(std::move(parsed).value(), std::make_shared<const std::string>(source));
}

Result<ChatTemplate> ChatTemplate::BuiltIn(std::string_view name) {
  const std::string_view source = BuiltInChatTemplateSource(name);
  if (source.empty()) {
    return InvalidArgumentError("unknown built-in chat template '" + std::string(name) +
                                "' (expected llama3, chatml, gemma, phi3, mistral or llama2)");
  }
  return Parse(source);
}

std::string_view ChatTemplate::BuiltInNameFor(const GgufMetadata& metadata,
                                              const Tokenizer& tokenizer) {
  if (tokenizer.FindToken("<|start_header_id|>")) return "llama3";
  if (tokenizer.FindToken("<|im_start|>")) return "chatml";
  if (tokenizer.FindToken("<start_of_turn>")) return "gemma";
  if (tokenizer.FindToken("<|user|>")) return "phi3";
  const std::string_view arch = metadata.GetStringOr("general.architecture", "").value_or("");
  if (tokenizer.FindToken("[INST]") || arch.find("mistral") != std::string_view::npos)
    return "mistral";
  return "llama2";
}

Result<ChatTemplate> ChatTemplate::ForModel(const GgufMetadata& metadata,
                                            const Tokenizer& tokenizer) {
  if (metadata.Contains("tokenizer.chat_template")) {
    STRATA_ASSIGN_OR_RETURN(std::string_view source, metadata.GetString("tokenizer.chat_template"));
    auto parsed = Parse(source);
    if (!parsed.ok()) return parsed.status().WithContext("metadata key 'tokenizer.chat_template'");
    return parsed;
  }
  return BuiltIn(BuiltInNameFor(metadata, tokenizer));
}

Result<std::string> ChatTemplate::Render(const std::vector<ChatMessage>& messages,
                                         const ChatTemplateOptions& options) const {
  Json list = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    if (!m.fields.is_object()) {
      return InvalidArgumentError("chat template: message " + std::to_string(i) +
                                  ": fields must be a JSON object");
    }
    Json message = {{"role", m.role}, {"content", m.content}};
    for (auto it = m.fields.begin(); it != m.fields.end(); ++it) message[it.key()] = it.value();
    list.push_back(std::move(message));
  }
  Json context = Json::object();
  context["messages"] = std::move(list);
  context["bos_token"] = options.bos_token;
  context["eos_token"] = options.eos_token;
  context["add_generation_prompt"] = options.add_generation_prompt;
  if (!options.tools.is_null()) context["tools"] = options.tools;
  if (!options.extra.is_null() && !options.extra.is_object()) {
    return InvalidArgumentError("chat template: extra variables must be a JSON object");
  }
  if (options.extra.is_object()) {
    for (auto it = options.extra.begin(); it != options.extra.end(); ++it)
      context[it.key()] = it.value();
  }
  auto rendered = template_.Render(context, options.render);
  if (!rendered.ok()) return rendered.status().WithContext("chat template");
  return rendered;
}

}  // namespace strata::genai
