// JSON Schema -> GBNF: texts each schema's grammar must accept and reject, errors for
// unsupported schemas, and generation with the shared tiny models under a schema
// (random weights: this proves the constraint, not the model).
#include "genai/json_schema.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "genai/genai.h"
#include "shared_data.h"

namespace strata::genai {
namespace {

std::shared_ptr<const Grammar> SchemaGrammar(std::string_view schema_json) {
  Result<Json> schema = core::ParseJson(schema_json, "schema");
  EXPECT_TRUE(schema.ok()) << schema.status().ToString();
  if (!schema.ok()) return nullptr;
  Result<std::shared_ptr<const Grammar>> g = JsonSchemaGrammar(*schema);
  EXPECT_TRUE(g.ok()) << g.status().ToString() << "\n" << JsonSchemaToGbnf(*schema).value_or("");
  return g.ok() ? *g : nullptr;
}

std::string SchemaError(std::string_view schema_json) {
  Result<std::shared_ptr<const Grammar>> g =
      JsonSchemaGrammar(*core::ParseJson(schema_json, "schema"));
  EXPECT_FALSE(g.ok()) << schema_json;
  return g.ok() ? "" : g.status().ToString();
}

void ExpectAccepts(const std::shared_ptr<const Grammar>& g, const std::vector<std::string>& texts) {
  ASSERT_NE(g, nullptr);
  for (const std::string& t : texts) {
    Result<bool> r = GrammarMatches(g, t);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(*r) << "should accept: " << t;
    EXPECT_TRUE(core::ParseJson(t, "accepted text").ok()) << "accepted invalid JSON: " << t;
  }
}

void ExpectRejects(const std::shared_ptr<const Grammar>& g, const std::vector<std::string>& texts) {
  ASSERT_NE(g, nullptr);
  for (const std::string& t : texts) {
    Result<bool> r = GrammarMatches(g, t);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(*r) << "should reject: " << t;
  }
}

TEST(JsonSchema, ObjectWithRequiredAndOptionalProperties) {
  auto g = SchemaGrammar(R"({
    "type": "object",
    "properties": {
      "name": {"type": "string"},
      "age": {"type": "integer"},
      "score": {"type": "number"},
      "ok": {"type": "boolean"}
    },
    "required": ["name", "ok"],
    "additionalProperties": false
  })");
  ExpectAccepts(
      g, {R"({"name":"Ada","ok":true})", R"({"name":"Ada","age":36,"score":-1.5e3,"ok":false})",
          R"({"name":"","score":0.25,"ok":true})",
          "{\n  \"name\": \"A\\\"d\\u00e9\",\n  \"age\": 1,\n  \"ok\": true\n}",
          R"( {"name":"x" , "ok":true})"});
  ExpectRejects(g, {R"({"ok":true})",                          // missing required
                    R"({"name":"Ada"})",                       // missing required
                    R"({"name":"Ada","age":"36","ok":true})",  // wrong type
                    R"({"name":"Ada","age":3.5,"ok":true})",   // not an integer
                    R"({"name":"Ada","ok":true,"extra":1})",   // additionalProperties false
                    R"({"name":"Ada","ok":true,})",            // trailing comma
                    R"({"name":"Ada","ok":true} x)",
                    R"({"name":"Ada","age":01,"ok":true})",      // leading zero
                    "{\"name\":\"a\nb\",\"ok\":true}",           // raw control character
                    R"({"name":"\ud800","ok":true})",            // lone surrogate escape
                    "{\"name\":\"x\",          \"ok\":true}"});  // unbounded whitespace
}

TEST(JsonSchema, AdditionalPropertiesAndNestedObjects) {
  auto open = SchemaGrammar(R"({"type":"object","properties":{"a":{"type":"integer"}},
                                "required":["a"],"additionalProperties":{"type":"string"}})");
  ExpectAccepts(open, {R"({"a":1})", R"({"a":1,"b":"x","c":"y"})"});
  ExpectRejects(open, {R"({"a":1,"b":2})", R"({"b":"x"})"});
  auto any = SchemaGrammar(R"({"type":"object"})");
  ExpectAccepts(any, {"{}", R"({"x":[1,{"y":null}],"z":"w"})"});
  ExpectRejects(any, {"[]", "1"});
  auto nested = SchemaGrammar(R"({"type":"object","properties":{"p":{"type":"object",
      "properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"]}},"required":["p"]})");
  ExpectAccepts(nested, {R"({"p":{"x":1,"y":2}})"});
  ExpectRejects(nested, {R"({"p":{"x":1}})", R"({"p":{"x":1,"y":2,"z":3}})", R"({"p":[1,2]})"});
}

TEST(JsonSchema, EnumConstAnyOfAndTypeLists) {
  auto e = SchemaGrammar(R"({"enum":["red","green",3,null]})");
  ExpectAccepts(e, {R"("red")", R"("green")", "3", "null"});
  ExpectRejects(e, {R"("blue")", "4", R"("Red")"});
  auto c = SchemaGrammar(
      R"({"type":"object","properties":{"kind":{"const":"circle"}},"required":["kind"]})");
  ExpectAccepts(c, {R"({"kind":"circle"})"});
  ExpectRejects(c, {R"({"kind":"square"})"});
  auto a = SchemaGrammar(
      R"({"anyOf":[{"type":"integer"},{"type":"array","items":{"type":"boolean"}}]})");
  ExpectAccepts(a, {"12", "[true, false]", "[]"});
  ExpectRejects(a, {R"("x")", "[1]", "1.5"});
  auto t = SchemaGrammar(R"({"type":["string","null"],"maxLength":3})");
  ExpectAccepts(t, {R"("abc")", "null"});
  ExpectRejects(t, {R"("abcd")", "0"});
}

TEST(JsonSchema, ArraysAndStringLengths) {
  auto g = SchemaGrammar(R"({"type":"array","items":{"type":"string","minLength":1,"maxLength":2},
                             "minItems":1,"maxItems":3})");
  ExpectAccepts(g, {R"(["a"])", R"(["ab", "c", "\n"])", "[\n  \"x\"\n]"});
  ExpectRejects(g, {"[]", R"(["a","b","c","d"])", R"([""])", R"(["abc"])", "[1]"});
  auto empty = SchemaGrammar(R"({"type":"array","maxItems":0})");
  ExpectAccepts(empty, {"[]", "[ ]"});
  ExpectRejects(empty, {"[1]"});
}

TEST(JsonSchema, RefsToDefsAndRecursion) {
  auto g = SchemaGrammar(R"({
    "$defs": {"node": {"type": "object",
                       "properties": {"v": {"type": "integer"},
                                      "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                       "required": ["v"], "additionalProperties": false}},
    "$ref": "#/$defs/node"})");
  ExpectAccepts(g, {R"({"v":1})", R"({"v":1,"kids":[{"v":2},{"v":3,"kids":[{"v":4}]}]})"});
  ExpectRejects(g, {R"({"v":1,"kids":[{"w":2}]})", R"({"kids":[]})"});
  auto d = SchemaGrammar(R"({"definitions":{"id":{"type":"string","format":"uuid"}},
                             "type":"object","properties":{"id":{"$ref":"#/definitions/id"}},"required":["id"]})");
  ExpectAccepts(d, {R"({"id":"123e4567-e89b-12d3-a456-426614174000"})"});
  ExpectRejects(d, {R"({"id":"123e4567"})"});
}

TEST(JsonSchema, FormatsAndPatterns) {
  auto date = SchemaGrammar(R"({"type":"string","format":"date-time"})");
  ExpectAccepts(date, {R"("2024-02-29T13:05:00Z")", R"("1999-12-31T23:59:59.123+02:00")"});
  ExpectRejects(date, {R"("2024-13-01T00:00:00Z")", R"("2024-02-29")"});
  auto p = SchemaGrammar(R"({"type":"string","pattern":"^@[a-z0-9_]{2,4}(\\.x|-y)?\\d$"})");
  ExpectAccepts(p, {R"("@ab1")", R"("@a_b_.x7")", R"("@zz-y0")"});
  ExpectRejects(p, {R"("@a1")", R"("ab1")", R"("@abcde1")", R"("@ab.x")"});
  auto q = SchemaGrammar(R"({"type":"string","pattern":"^[^,]+ \"q\"$"})");
  ExpectAccepts(q, {R"("x \"q\"")"});
  ExpectRejects(q, {R"("x "q"")", R"("a,b \"q\"")"});
}

TEST(JsonSchema, AnyJsonForJsonMode) {
  auto object = AnyJsonGrammar(/*object_only=*/true);
  ASSERT_TRUE(object.ok()) << object.status().ToString();
  ExpectAccepts(*object, {"{}", R"({"a": [1, 2.5, -3e10, true, false, null, "s", {"b": {}}]})"});
  ExpectRejects(*object, {"[]", R"("x")", "{", R"({"a":})"});
  auto value = AnyJsonGrammar(/*object_only=*/false);
  ASSERT_TRUE(value.ok());
  ExpectAccepts(*value, {"[]", R"("x")", "0", "null", R"({"k":[]})"});
}

TEST(JsonSchema, UnsupportedOrInvalidSchemasAreErrors) {
  EXPECT_NE(SchemaError(R"({"type":"object","properties":{"a":{"not":{"type":"string"}}}})")
                .find("json schema at #/properties/a: unsupported keyword 'not'"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"$ref":"#/$defs/missing"})").find("does not exist"), std::string::npos);
  EXPECT_NE(SchemaError(R"({"$ref":"http://x/schema.json"})").find("only local references"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"type":"decimal"})").find("unsupported type 'decimal'"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"type":"string","pattern":"(a)\\1"})").find("not supported"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"type":"string","pattern":"(?=a)b"})").find("lookarounds"),
            std::string::npos);
  EXPECT_NE(SchemaError(R"({"enum":[]})").find("non-empty array"), std::string::npos);
  EXPECT_NE(SchemaError("false").find("matches nothing"), std::string::npos);
  EXPECT_EQ(SchemaError(R"({"type":"array","minItems":3,"maxItems":2})").find("InvalidArgument"),
            0u);
}

// ---- generation under a schema with the shared tiny models

constexpr std::string_view kPersonSchema = R"({
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 10},
    "age": {"type": "integer"},
    "tags": {"type": "array", "items": {"enum": ["a", "b", "c"]}, "maxItems": 3},
    "ok": {"type": "boolean"},
    "note": {"type": ["string", "null"], "maxLength": 4}
  },
  "required": ["name", "age", "ok"],
  "additionalProperties": false
})";

void CheckPerson(const Json& v) {
  ASSERT_TRUE(v.is_object());
  ASSERT_TRUE(v.contains("name") && v["name"].is_string());
  EXPECT_LE(v["name"].get<std::string>().size(), 40u);  // 10 characters of up to 4 bytes
  ASSERT_TRUE(v.contains("age") && v["age"].is_number_integer());
  ASSERT_TRUE(v.contains("ok") && v["ok"].is_boolean());
  if (v.contains("tags")) {
    ASSERT_TRUE(v["tags"].is_array());
    EXPECT_LE(v["tags"].size(), 3u);
    for (const Json& t : v["tags"]) EXPECT_TRUE(t == "a" || t == "b" || t == "c") << t.dump();
  }
  if (v.contains("note")) {
    EXPECT_TRUE(v["note"].is_null() || v["note"].is_string());
  }
  for (const auto& [key, unused] : v.items()) {
    EXPECT_TRUE(key == "name" || key == "age" || key == "tags" || key == "ok" || key == "note")
        << key;
  }
}

class JsonSchemaGenerate : public ::testing::TestWithParam<std::string> {};

TEST_P(JsonSchemaGenerate, EveryOutputParsesAndFitsTheSchema) {
  const auto path = testing::LlmData("models/" + GetParam());
  ASSERT_TRUE(std::filesystem::exists(path)) << testing::MissingDataMessage(path);
  Result<std::unique_ptr<LlmModel>> model = LlmModel::Open(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const Tokenizer& tok = (*model)->tokenizer();
  auto vocabulary = std::make_shared<const GrammarVocabulary>(tok);
  auto schema_grammar = SchemaGrammar(kPersonSchema);
  auto json_mode = AnyJsonGrammar(true);
  ASSERT_TRUE(json_mode.ok());
  LlmEvaluator eval(**model, 2);
  const std::vector<TokenId> prompt = tok.Encode("Reply in JSON:", true, false);
  for (uint64_t seed : {1, 2, 3, 4}) {
    for (bool schema : {true, false}) {
      SCOPED_TRACE(fmt::format("seed {} {}", seed, schema ? "schema" : "json mode"));
      KvCache cache(**model, 512);
      GenerateOptions options;
      options.max_tokens = schema ? 400 : 200;
      options.sampling.temperature = 1.0f;
      options.sampling.top_k = 0;
      options.sampling.top_p = 1.0f;
      options.sampling.min_p = 0.0f;
      options.sampling.seed = seed;
      options.grammar = schema ? schema_grammar : *json_mode;
      options.grammar_vocabulary = vocabulary;
      Result<GenerateResult> r = Generate(eval, tok, cache, prompt, options);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      if (std::getenv("STRATA_GRAMMAR_DEBUG") != nullptr) {  // to look at the outputs
        std::printf("%zu tokens %.3fs: %s\n", r->ids.size(), r->generate_seconds, r->text.c_str());
      }
      if (!schema && r->finish_reason == "length") continue;  // unbounded nesting may run out
      EXPECT_EQ(r->finish_reason, "stop") << r->text;
      Result<Json> v = core::ParseJson(r->text, "generated text");
      ASSERT_TRUE(v.ok()) << v.status().ToString() << "\n" << r->text;
      if (schema) {
        CheckPerson(*v);
      } else {
        EXPECT_TRUE(v->is_object()) << r->text;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(JsonSchemaOnSharedModels, JsonSchemaGenerate,
                         ::testing::Values("stories260K.gguf", "tiny-qwen2-q4_0.gguf",
                                           "tiny-llama-bpe-q8_0.gguf"),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.find(".gguf"));
                           for (char& c : n)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
}  // namespace strata::genai
