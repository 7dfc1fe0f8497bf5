// Chat templates of real model families, verbatim from their Hugging Face
// tokenizer_config.json (JSON escapes decoded), rendered on one conversation and
// compared with the exact prompt transformers' apply_chat_template produces.

#include "genai/chat_template.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "genai/gguf_reader.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

using ::testing::HasSubstr;

// system + user + assistant + user.
std::vector<ChatMessage> Conversation() {
  return {{"system", "You are a helpful assistant."},
          {"user", "Hello!"},
          {"assistant", "Hi there. How can I help?"},
          {"user", "What is 2+2?"}};
}

std::vector<ChatMessage> WithoutSystem() {
  auto messages = Conversation();
  messages.erase(messages.begin());
  return messages;
}

ChatTemplateOptions Options(std::string bos, std::string eos) {
  ChatTemplateOptions options;
  options.bos_token = std::move(bos);
  options.eos_token = std::move(eos);
  return options;
}

std::string Render(std::string_view source, const std::vector<ChatMessage>& messages,
                   const ChatTemplateOptions& options) {
  auto t = ChatTemplate::Parse(source);
  if (!t.ok()) return "PARSE ERROR: " + t.status().message();
  auto out = t->Render(messages, options);
  if (!out.ok()) return "RENDER ERROR: " + out.status().message();
  return *out;
}

constexpr std::string_view kLlama3 =
    R"tpl({% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>

'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>

' }}{% endif %})tpl";

TEST(ChatTemplate, Llama3Instruct) {
  EXPECT_EQ(Render(kLlama3, Conversation(), Options("<|begin_of_text|>", "<|eot_id|>")),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful "
            "assistant.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  auto options = Options("<|begin_of_text|>", "<|eot_id|>");
  options.add_generation_prompt = false;
  EXPECT_EQ(Render(kLlama3, {{"user", "  hi  "}}, options),
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>");
}

constexpr std::string_view kLlama31 = R"tpl({{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\n\n" }}
{%- if builtin_tools is defined or tools is not none %}
    {{- "Environment: ipython\n" }}
{%- endif %}
{%- if builtin_tools is defined %}
    {{- "Tools: " + builtin_tools | reject('equalto', 'code_interpreter') | join(", ") + "\n\n"}}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\n" }}
{{- "Today Date: " + date_string + "\n\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\n\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\n\n" }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\n\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\n\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- if not message.tool_calls|length == 1 %}
            {{- raise_exception("This model only supports single tool-calls at once!") }}
        {%- endif %}
        {%- set tool_call = message.tool_calls[0].function %}
        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- "<|python_tag|>" + tool_call.name + ".call(" }}
            {%- for arg_name, arg_val in tool_call.arguments | items %}
                {{- arg_name + '="' + arg_val + '"' }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- endif %}
                {%- endfor %}
            {{- ")" }}
        {%- else  %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' -}}
            {{- '{"name": "' + tool_call.name + '", ' }}
            {{- '"parameters": ' }}
            {{- tool_call.arguments | tojson }}
            {{- "}" }}
        {%- endif %}
        {%- if builtin_tools is defined %}
            {#- This means we're in ipython mode #}
            {{- "<|eom_id|>" }}
        {%- else %}
            {{- "<|eot_id|>" }}
        {%- endif %}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\n\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
{%- endif %}
)tpl";

TEST(ChatTemplate, Llama31InstructWithoutTools) {
  EXPECT_EQ(Render(kLlama31, Conversation(), Options("<|begin_of_text|>", "<|eot_id|>")),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
            "You are a helpful assistant.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\nHi there. How can I help?<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatTemplate, Llama31InstructWithToolsAndToolCalls) {
  auto options = Options("<|begin_of_text|>", "<|eot_id|>");
  options.extra["date_string"] = "23 Jul 2024";
  options.tools = Json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "description": "Get the weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}}, "required": ["city"]}}}])");
  std::vector<ChatMessage> messages = {{"system", "You are helpful."},
                                       {"user", "What is the weather in Paris?"}};
  ChatMessage call{"assistant", ""};
  call.fields["tool_calls"] = Json::parse(
      R"([{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}])");
  messages.push_back(call);
  messages.push_back({"tool", "22C"});
  const std::string tool_json =
      "{\n"
      "    \"type\": \"function\",\n"
      "    \"function\": {\n"
      "        \"name\": \"get_weather\",\n"
      "        \"description\": \"Get the weather\",\n"
      "        \"parameters\": {\n"
      "            \"type\": \"object\",\n"
      "            \"properties\": {\n"
      "                \"city\": {\n"
      "                    \"type\": \"string\"\n"
      "                }\n"
      "            },\n"
      "            \"required\": [\n"
      "                \"city\"\n"
      "            ]\n"
      "        }\n"
      "    }\n"
      "}";
  EXPECT_EQ(
      Render(kLlama31, messages, options),
      "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
      "Environment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 23 Jul 2024\n\n"
      "You are helpful.<|eot_id|>"
      "<|start_header_id|>user<|end_header_id|>\n\n"
      "Given the following functions, please respond with a JSON for a function call "
      "with its proper arguments that best answers the given prompt.\n\n"
      "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name "
      "and its "
      "value}.Do not use variables.\n\n" +
          tool_json +
          "\n\nWhat is the weather in Paris?<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n"
          "{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>"
          // A string is iterable: the 3.1 template JSON-encodes tool results.
          "<|start_header_id|>ipython<|end_header_id|>\n\n\"22C\"<|eot_id|>"
          "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

constexpr std::string_view kMistralV02 = R"tpl({%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
        {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
    {%- endif %}
    {%- if message['role'] == 'user' %}
        {%- if loop.first and system_message is defined %}
            {{- ' [INST] ' + system_message + '\n\n' + message['content'] + ' [/INST]' }}
        {%- else %}
            {{- ' [INST] ' + message['content'] + ' [/INST]' }}
        {%- endif %}
    {%- elif message['role'] == 'assistant' %}
        {{- ' ' + message['content'] + eos_token}}
    {%- else %}
        {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
    {%- endif %}
{%- endfor %}
)tpl";

TEST(ChatTemplate, Mistral7BInstructV02) {
  EXPECT_EQ(
      Render(kMistralV02, Conversation(), Options("<s>", "</s>")),
      "<s> [INST] You are a helpful assistant.\n\nHello! [/INST] Hi there. How can I help?</s>"
      " [INST] What is 2+2? [/INST]");
  EXPECT_EQ(
      Render(kMistralV02, {{"user", "a"}, {"user", "b"}}, Options("<s>", "</s>")),
      "RENDER ERROR: chat template: After the optional system message, conversation roles must "
      "alternate user/assistant/user/assistant/...");
}

constexpr std::string_view kMistralV03 = R"tpl({%- if messages[0]["role"] == "system" %}
    {%- set system_message = messages[0]["content"] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set loop_messages = messages %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}
{%- set user_messages = loop_messages | selectattr("role", "equalto", "user") | list %}

{#- This block checks for alternating user/assistant messages, skipping tool calling messages #}
{%- set ns = namespace() %}
{%- set ns.index = 0 %}
{%- for message in loop_messages %}
    {%- if not (message.role == "tool" or message.role == "tool_results" or (message.tool_calls is defined and message.tool_calls is not none)) %}
        {%- if (message["role"] == "user") != (ns.index % 2 == 0) %}
            {{- raise_exception("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...") }}
        {%- endif %}
        {%- set ns.index = ns.index + 1 %}
    {%- endif %}
{%- endfor %}

{{- bos_token }}
{%- for message in loop_messages %}
    {%- if message["role"] == "user" %}
        {%- if tools is not none and (message == user_messages[-1]) %}
            {{- "[AVAILABLE_TOOLS] [" }}
            {%- for tool in tools %}
                {%- set tool = tool.function %}
                {{- '{"type": "function", "function": {' }}
                {%- for key, val in tool.items() if key != "return" %}
                    {%- if val is string %}
                        {{- '"' + key + '": "' + val + '"' }}
                    {%- else %}
                        {{- '"' + key + '": ' + val|tojson }}
                    {%- endif %}
                    {%- if not loop.last %}
                        {{- ", " }}
                    {%- endif %}
                {%- endfor %}
                {{- "}}" }}
                {%- if not loop.last %}
                    {{- ", " }}
                {%- else %}
                    {{- "]" }}
                {%- endif %}
            {%- endfor %}
            {{- "[/AVAILABLE_TOOLS]" }}
            {%- endif %}
        {%- if loop.last and system_message is defined %}
            {{- "[INST] " + system_message + "\n\n" + message["content"] + "[/INST]" }}
        {%- else %}
            {{- "[INST] " + message["content"] + "[/INST]" }}
        {%- endif %}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- if message.content is defined and message.content.content is defined %}
            {%- set content = message.content.content %}
        {%- else %}
            {%- set content = message.content %}
        {%- endif %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- else %}
        {{- raise_exception("Only user and assistant roles are supported, with the exception of an initial optional system message!") }}
    {%- endif %}
{%- endfor %}
)tpl";

TEST(ChatTemplate, Mistral7BInstructV03) {
  // v0.3 puts the system message into the last user turn.
  EXPECT_EQ(Render(kMistralV03, Conversation(), Options("<s>", "</s>")),
            "<s>[INST] Hello![/INST] Hi there. How can I help?</s>"
            "[INST] You are a helpful assistant.\n\nWhat is 2+2?[/INST]");
}

TEST(ChatTemplate, Mistral7BInstructV03WithTools) {
  auto options = Options("<s>", "</s>");
  options.tools = Json::parse(R"([{"type": "function", "function": {"name": "add",
      "description": "Add numbers", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}])");
  std::vector<ChatMessage> messages = {{"user", "Add 1 and 2"}};
  ChatMessage call{"assistant", ""};
  call.fields["tool_calls"] = Json::parse(
      R"([{"id": "abcdef123", "type": "function", "function": {"name": "add", "arguments": {"a": 1}}}])");
  messages.push_back(call);
  ChatMessage result{"tool", "3"};
  result.fields["tool_call_id"] = "abcdef123";
  messages.push_back(result);
  EXPECT_EQ(
      Render(kMistralV03, messages, options),
      "<s>[AVAILABLE_TOOLS] [{\"type\": \"function\", \"function\": {\"name\": \"add\", "
      "\"description\": \"Add numbers\", \"parameters\": {\"type\": \"object\", \"properties\": "
      "{\"a\": {\"type\": \"integer\"}}}}}][/AVAILABLE_TOOLS][INST] Add 1 and 2[/INST]"
      "[TOOL_CALLS] [{\"name\": \"add\", \"arguments\": {\"a\": 1}, \"id\": \"abcdef123\"}]</s>"
      "[TOOL_RESULTS] {\"content\": 3, \"call_id\": \"abcdef123\"}[/TOOL_RESULTS]");
}

constexpr std::string_view kQwen2 =
    R"tpl({% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %})tpl";

TEST(ChatTemplate, Qwen2Instruct) {
  auto messages = Conversation();
  messages[0].content = "You are a pirate.";
  EXPECT_EQ(Render(kQwen2, messages, Options("", "<|im_end|>")),
            "<|im_start|>system\nYou are a pirate.<|im_end|>\n"
            "<|im_start|>user\nHello!<|im_end|>\n"
            "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n"
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
            "<|im_start|>assistant\n");
  // Without a system message the default one is inserted.
  EXPECT_EQ(Render(kQwen2, {{"user", "Hello!"}}, Options("", "<|im_end|>")),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
}

constexpr std::string_view kGemma2 =
    R"tpl({{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '
' + message['content'] | trim + '<end_of_turn>
' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model
'}}{% endif %})tpl";

TEST(ChatTemplate, Gemma2It) {
  EXPECT_EQ(Render(kGemma2, WithoutSystem(), Options("<bos>", "<eos>")),
            "<bos><start_of_turn>user\nHello!<end_of_turn>\n"
            "<start_of_turn>model\nHi there. How can I help?<end_of_turn>\n"
            "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n"
            "<start_of_turn>model\n");
  auto t = ChatTemplate::Parse(kGemma2);
  ASSERT_TRUE(t.ok());
  auto system = t->Render(Conversation(), Options("<bos>", "<eos>"));
  ASSERT_FALSE(system.ok());
  EXPECT_EQ(system.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(system.status().message(), "chat template: System role not supported");
  auto twice =
      t->Render({{"user", "a"}, {"assistant", "b"}, {"assistant", "c"}}, Options("<bos>", "<eos>"));
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.status().message(),
              HasSubstr("Conversation roles must alternate user/assistant/user/assistant/..."));
}

constexpr std::string_view kPhi3Mini =
    R"tpl({% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'user' %}{{'<|user|>
' + message['content'] + '<|end|>
'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>
' + message['content'] + '<|end|>
'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>
' }}{% else %}{{ eos_token }}{% endif %})tpl";

TEST(ChatTemplate, Phi3MiniInstruct) {
  EXPECT_EQ(Render(kPhi3Mini, Conversation(), Options("<s>", "<|endoftext|>")),
            "<|system|>\nYou are a helpful assistant.<|end|>\n"
            "<|user|>\nHello!<|end|>\n"
            "<|assistant|>\nHi there. How can I help?<|end|>\n"
            "<|user|>\nWhat is 2+2?<|end|>\n"
            "<|assistant|>\n");
  auto options = Options("<s>", "<|endoftext|>");
  options.add_generation_prompt = false;
  EXPECT_EQ(Render(kPhi3Mini, {{"user", "Hi"}}, options), "<|user|>\nHi<|end|>\n<|endoftext|>");
}

constexpr std::string_view kLlama2Chat =
    R"tpl({% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %})tpl";

TEST(ChatTemplate, Llama2Chat) {
  EXPECT_EQ(Render(kLlama2Chat, Conversation(), Options("<s>", "</s>")),
            "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST]"
            " Hi there. How can I help? </s><s>[INST] What is 2+2? [/INST]");
  EXPECT_EQ(
      Render(kLlama2Chat, WithoutSystem(), Options("<s>", "</s>")),
      "<s>[INST] Hello! [/INST] Hi there. How can I help? </s><s>[INST] What is 2+2? [/INST]");
}

TEST(ChatTemplate, BuiltInsRenderTheirFamiliesPrompts) {
  auto render = [](std::string_view name, const std::vector<ChatMessage>& messages,
                   const ChatTemplateOptions& o) {
    auto t = ChatTemplate::BuiltIn(name);
    if (!t.ok()) return t.status().ToString();
    auto out = t->Render(messages, o);
    return out.ok() ? *out : out.status().ToString();
  };
  EXPECT_EQ(render("llama3", Conversation(), Options("<|begin_of_text|>", "<|eot_id|>")),
            Render(kLlama3, Conversation(), Options("<|begin_of_text|>", "<|eot_id|>")));
  EXPECT_EQ(render("mistral", Conversation(), Options("<s>", "</s>")),
            Render(kMistralV02, Conversation(), Options("<s>", "</s>")));
  EXPECT_EQ(render("phi3", Conversation(), Options("<s>", "<|endoftext|>")),
            Render(kPhi3Mini, Conversation(), Options("<s>", "<|endoftext|>")));
  EXPECT_EQ(render("llama2", Conversation(), Options("<s>", "</s>")),
            Render(kLlama2Chat, Conversation(), Options("<s>", "</s>")));
  EXPECT_EQ(render("chatml", Conversation(), Options("", "")),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nHello!<|im_end|>\n"
            "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n"
            "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render("gemma", Conversation(), Options("<bos>", "<eos>")),
            "<bos><start_of_turn>user\nYou are a helpful assistant.\n\nHello!<end_of_turn>\n"
            "<start_of_turn>model\nHi there. How can I help?<end_of_turn>\n"
            "<start_of_turn>user\nWhat is 2+2?<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_THAT(ChatTemplate::BuiltIn("vicuna").status().message(),
              HasSubstr("unknown built-in chat template 'vicuna'"));
}

TEST(ChatTemplate, ParseErrorsNameLineAndColumn) {
  auto t = ChatTemplate::Parse("{% for m in messages %}\n{{ m.content | nope }}\n{% endfor %}");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(t.status().message(), "chat template: line 2, column 16: unknown filter 'nope'");
}

TEST(ChatTemplate, ExtraVariablesAndMessageFields) {
  auto t = ChatTemplate::Parse(
      "{{ greeting }}{% for m in messages %}[{{ m.role }}:{{ m.name | default('-') }}:{{ m.content "
      "}}]{% endfor %}"
      "{{ tools | length if tools is defined else 'no tools' }}");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ChatTemplateOptions options;
  options.extra["greeting"] = "hey";
  ChatMessage named{"user", "x"};
  named.fields["name"] = "bob";
  auto out = t->Render({named, {"assistant", "y"}}, options);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hey[user:bob:x][assistant:-:y]no tools");
  options.tools = Json::array({1, 2});
  EXPECT_EQ(*t->Render({}, options), "hey2");
}

// A SentencePiece vocabulary of the given tokens (BOS 1, EOS 2).
GgufMetadata VocabMetadata(std::vector<std::string> tokens) {
  GgufMetadata m;
  m.Set("general.architecture", GgufValue::String("llama"));
  m.Set("tokenizer.ggml.model", GgufValue::String("llama"));
  const std::vector<float> scores(tokens.size(), 0.0f);
  m.Set("tokenizer.ggml.scores", GgufValue::Array<float>(GgufType::kFloat32, scores));
  m.Set("tokenizer.ggml.tokens", GgufValue::StringArray(std::move(tokens)));
  m.Set("tokenizer.ggml.bos_token_id", GgufValue::U32(1));
  m.Set("tokenizer.ggml.eos_token_id", GgufValue::U32(2));
  return m;
}

std::string BuiltInNameFor(std::vector<std::string> extra_tokens, std::string arch = "llama") {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "a"};
  tokens.insert(tokens.end(), extra_tokens.begin(), extra_tokens.end());
  GgufMetadata m = VocabMetadata(std::move(tokens));
  m.Set("general.architecture", GgufValue::String(std::move(arch)));
  auto tokenizer = Tokenizer::FromMetadata(m);
  if (!tokenizer.ok()) return tokenizer.status().ToString();
  return std::string(ChatTemplate::BuiltInNameFor(m, *tokenizer));
}

TEST(ChatTemplateForModel, PicksABuiltInByVocabulary) {
  EXPECT_EQ(BuiltInNameFor({"<|start_header_id|>", "<|im_start|>"}), "llama3");
  EXPECT_EQ(BuiltInNameFor({"<|im_start|>", "<|im_end|>"}), "chatml");
  EXPECT_EQ(BuiltInNameFor({"<start_of_turn>"}), "gemma");
  EXPECT_EQ(BuiltInNameFor({"<|user|>"}), "phi3");
  EXPECT_EQ(BuiltInNameFor({"[INST]"}), "mistral");
  EXPECT_EQ(BuiltInNameFor({}, "mistral"), "mistral");
  EXPECT_EQ(BuiltInNameFor({}), "llama2");
}

TEST(ChatTemplateForModel, PrefersTheMetadataTemplate) {
  GgufMetadata m = VocabMetadata({"<unk>", "<s>", "</s>", "<|im_start|>"});
  m.Set("tokenizer.chat_template",
        GgufValue::String("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"));
  auto tokenizer = Tokenizer::FromMetadata(m);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
  auto t = ChatTemplate::ForModel(m, *tokenizer);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t->Render({{"user", "x"}}, ChatOptionsFor(*tokenizer)), "<s>x</s>");

  m.Set("tokenizer.chat_template", GgufValue::String("{% if %}"));
  EXPECT_THAT(ChatTemplate::ForModel(m, *tokenizer).status().message(),
              HasSubstr("metadata key 'tokenizer.chat_template': chat template: line 1, column 7"));
  m.Set("tokenizer.chat_template", GgufValue::U32(3));
  EXPECT_THAT(ChatTemplate::ForModel(m, *tokenizer).status().message(),
              HasSubstr("tokenizer.chat_template"));
}

// The shared GGUF vocabularies: Phi-3's carries its (original) template; the tiny
// Qwen2 and SentencePiece llama models carry none and get chatml and llama2.
TEST(ChatTemplateForModel, SharedModelFiles) {
  struct Case {
    std::string file;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"tokenizer/ggml-vocab-phi-3.gguf",
       "<s><|user|>\nHello!<|end|>\n<|assistant|>\nHi there. How can I help?<|end|>\n"
       "<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n"},
      {"models/tiny-qwen2-f32.gguf",
       "<|im_start|>system\nYou are a helpful "
       "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
       "<|im_start|>assistant\nHi there. How can I help?<|im_end|>\n<|im_start|>user\nWhat is "
       "2+2?<|im_end|>\n"
       "<|im_start|>assistant\n"},
      {"models/tiny-llama-spm-f32.gguf",
       "<s>[INST] <<SYS>>\nYou are a helpful assistant.\n<</SYS>>\n\nHello! [/INST] Hi there. How "
       "can I help? "
       "</s><s>[INST] What is 2+2? [/INST]"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const auto path = testing::LlmData(c.file);
    Result<GgufFile> file = GgufFile::Open(path);
    ASSERT_TRUE(file.ok()) << testing::MissingDataMessage(path) << ": " << file.status().ToString();
    auto tokenizer = Tokenizer::FromMetadata(file->metadata());
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status().ToString();
    auto t = ChatTemplate::ForModel(file->metadata(), *tokenizer);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto out = t->Render(Conversation(), ChatOptionsFor(*tokenizer));
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(*out, c.expected);
  }
}

}  // namespace
}  // namespace strata::genai
