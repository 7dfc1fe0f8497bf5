// The grammar matcher: hash-consed parse stacks, memoized transitions and the token
// trie walk (see grammar_matcher.h for the design).
//
// Hand-written: no Debian 12 package constrains token sampling by a grammar.
#include "genai/grammar_matcher.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

namespace strata::genai {
namespace internal {
namespace {

// Open-addressing hash map from 64-bit keys to 32-bit values (the memo and the arena
// index are hit once per trie node, so std::unordered_map's nodes would dominate).
class U64Map {
 public:
  U64Map() { Clear(); }
  uint32_t* Find(uint64_t key) {
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }
  // REQUIRES: key absent and != kEmpty.
  void Insert(uint64_t key, uint32_t value) {
    if ((size_ + 1) * 2 > keys_.size()) Grow();
    size_t i = Hash(key) & mask_;
    while (keys_[i] != kEmpty) i = (i + 1) & mask_;
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }
  size_t size() const { return size_; }
  void Clear() {
    keys_.assign(1024, kEmpty);
    values_.assign(1024, 0);
    mask_ = 1023;
    size_ = 0;
  }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static size_t Hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    k ^= k >> 33;
    return static_cast<size_t>(k);
  }
  void Grow() {
    std::vector<uint64_t> keys = std::move(keys_);
    std::vector<uint32_t> values = std::move(values_);
    keys_.assign(keys.size() * 2, kEmpty);
    values_.assign(keys.size() * 2, 0);
    mask_ = keys_.size() - 1;
    size_ = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != kEmpty) Insert(keys[i], values[i]);
    }
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> values_;
  size_t mask_ = 0, size_ = 0;
};

uint64_t Key(uint32_t hi, uint32_t lo) {
  return uint64_t{hi} << 32 | lo;
}

constexpr size_t kCompactNodes = 1'000'000;  // rebuild the arena beyond this many nodes
constexpr size_t kCompactMemo = 8'000'000;
constexpr size_t kMaskCacheSize = 32;

}  // namespace

// A matcher position: an interned stack set and, in the middle of a UTF-8 character,
// the bytes seen so far: partial = length << 28 | remaining << 24 | value bits.
struct MatchState {
  uint32_t set = 0;  // 0: the empty set (rejected)
  uint32_t partial = 0;
  uint64_t key() const { return Key(set, partial); }
};

class GrammarState {
 public:
  explicit GrammarState(const Grammar& g) : g_(g) { Reset(); }

  void Reset() {
    nodes_.assign(1, {0, 0});  // node 0: the empty stack (the grammar is complete)
    node_index_.Clear();
    memo_.Clear();
    visited_.Clear();
    stamp_ = 0;
    set_begin_.assign(1, 0);
    set_begin_.push_back(0);  // set 0: empty
    set_data_.clear();
    set_ids_.clear();
    set_ids_.emplace(std::string(), 0);
    masks_.clear();
    error_ = Status::Ok();
    out_.clear();
    ++stamp_;
    for (uint32_t alt : g_.alternatives(g_.root())) work_.push_back({alt, 0});
    Closure();
    current = {InternSet(), 0};
  }

  // The state after one more byte; set 0 when the byte is rejected.
  MatchState Step(MatchState s, uint8_t b) {
    if (s.partial == 0) {
      if (b < 0x80) return {Advance(s.set, b), 0};
      uint32_t len = 0, value = 0;
      if (b >= 0xC2 && b <= 0xDF) {
        len = 2, value = b & 0x1Fu;
      } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, value = b & 0x0Fu;
      } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, value = b & 0x07u;
      } else {
        return {};
      }
      const uint32_t partial = len << 28 | (len - 1) << 24 | value;
      return PartialPossible(s.set, partial) ? MatchState{s.set, partial} : MatchState{};
    }
    if ((b & 0xC0) != 0x80) return {};
    const uint32_t len = s.partial >> 28;
    const uint32_t remaining = ((s.partial >> 24) & 0xF) - 1;
    const uint32_t value = (s.partial & 0xFFFFFF) << 6 | (b & 0x3Fu);
    if (remaining == 0) {
      const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return {};
      return {Advance(s.set, value), 0};
    }
    const uint32_t partial = len << 28 | remaining << 24 | value;
    return PartialPossible(s.set, partial) ? MatchState{s.set, partial} : MatchState{};
  }

  std::span<const uint32_t> Stacks(uint32_t set) const {
    return {set_data_.data() + set_begin_[set], set_begin_[set + 1] - set_begin_[set]};
  }
  bool CanEnd(MatchState s) const { return s.partial == 0 && s.set != 0 && Stacks(s.set)[0] == 0; }
  bool CanContinue(MatchState s) const {
    auto st = Stacks(s.set);
    return st.size() > 1 || (st.size() == 1 && st[0] != 0);
  }

  // Fills *mask for the current state (or returns a cached one).
  const TokenMask* Mask(const GrammarVocabulary& vocab) {
    const uint64_t key = current.key();
    for (auto& [k, m] : masks_) {
      if (k == key) return &m;
    }
    TokenMask mask;
    mask.words.assign((static_cast<size_t>(vocab.n_vocab()) + 63) / 64, 0);
    const auto& nodes = vocab.nodes();
    const auto& tokens = vocab.tokens();
    walk_.resize(vocab.max_depth() + 1);
    walk_[0] = current;
    for (size_t i = 1; i < nodes.size();) {
      const GrammarVocabulary::Node& n = nodes[i];
      const MatchState s = Step(walk_[n.depth - 1], n.byte);
      if (s.set == 0) {
        i = n.end;
        continue;
      }
      walk_[n.depth] = s;
      for (uint32_t t = n.tok_begin; t < n.tok_end; ++t) mask.Set(tokens[t]);
      mask.n_text_tokens += static_cast<int32_t>(n.tok_end - n.tok_begin);
      ++i;
    }
    if (!error_.ok()) return nullptr;
    mask.can_end = CanEnd(current);
    if (mask.can_end) {
      for (TokenId id : vocab.end_of_generation()) mask.Set(id);
    }
    if (masks_.size() >= kMaskCacheSize) masks_.erase(masks_.begin());
    masks_.emplace_back(key, std::move(mask));
    return &masks_.back().second;
  }

  // Drops the caches and rebuilds the arena around the current state when they grew
  // large (the walks intern many states that are never reached).
  void MaybeCompact() {
    if (nodes_.size() < kCompactNodes && memo_.size() < kCompactMemo) return;
    std::vector<std::pair<uint32_t, uint32_t>> old = std::move(nodes_);
    std::vector<uint32_t> stacks(Stacks(current.set).begin(), Stacks(current.set).end());
    const uint32_t partial = current.partial;
    nodes_.assign(1, {0, 0});
    node_index_.Clear();
    memo_.Clear();
    visited_.Clear();
    set_begin_.assign(2, 0);
    set_data_.clear();
    set_ids_.clear();
    set_ids_.emplace(std::string(), 0);
    masks_.clear();
    std::unordered_map<uint32_t, uint32_t> moved{{0, 0}};
    out_.clear();
    for (uint32_t s : stacks) out_.push_back(Copy(old, s, &moved));
    std::sort(out_.begin(), out_.end());
    current = {InternSet(), partial};
  }

  const Status& error() const { return error_; }
  MatchState current;

 private:
  uint32_t Copy(const std::vector<std::pair<uint32_t, uint32_t>>& old, uint32_t id,
                std::unordered_map<uint32_t, uint32_t>* moved) {
    if (auto it = moved->find(id); it != moved->end()) return it->second;
    const uint32_t parent = Copy(old, old[id].second, moved);
    const uint32_t copy = Intern(old[id].first, parent);
    moved->emplace(id, copy);
    return copy;
  }

  uint32_t Intern(uint32_t pos, uint32_t parent) {
    const uint64_t key = Key(pos, parent);
    if (const uint32_t* id = node_index_.Find(key)) return *id;
    const auto id = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back({pos, parent});
    node_index_.Insert(key, id);
    if (nodes_.size() > GrammarMatcher::kMaxNodes && error_.ok()) {
      error_ = InvalidArgumentError(fmt::format(
          "grammar: more than {} parse stack entries (the grammar nests or branches too much)",
          GrammarMatcher::kMaxNodes));
    }
    return id;
  }

  // Interns the sorted stack ids in out_ (duplicates removed here) as a set.
  uint32_t InternSet() {
    out_.erase(std::unique(out_.begin(), out_.end()), out_.end());
    std::string key(reinterpret_cast<const char*>(out_.data()), out_.size() * sizeof(uint32_t));
    auto [it, inserted] =
        set_ids_.emplace(std::move(key), static_cast<uint32_t>(set_begin_.size() - 1));
    if (inserted) {
      set_data_.insert(set_data_.end(), out_.begin(), out_.end());
      set_begin_.push_back(static_cast<uint32_t>(set_data_.size()));
    }
    return it->second;
  }

  // Expands the (position, continuation) pairs in work_ until every stack in out_
  // waits for a character (or is the empty stack 0).
  void Closure() {
    using K = Grammar::ElementKind;
    const auto& els = g_.elements();
    while (!work_.empty()) {
      const auto [pos, parent] = work_.back();
      work_.pop_back();
      // The visited table keeps a stamp per key, so it never needs clearing.
      const uint64_t key = Key(pos, parent);
      if (uint32_t* seen = visited_.Find(key)) {
        if (*seen == stamp_) continue;
        *seen = stamp_;
      } else {
        visited_.Insert(key, stamp_);
      }
      const Grammar::Element& e = els[pos];
      if (e.kind == K::kEnd) {
        if (parent == 0) {
          out_.push_back(0);
        } else {
          work_.push_back(nodes_[parent]);
        }
      } else if (e.kind == K::kRule) {
        const uint32_t cont = els[pos + 1].kind == K::kEnd ? parent : Intern(pos + 1, parent);
        for (uint32_t alt : g_.alternatives(e.index)) work_.push_back({alt, cont});
      } else {
        out_.push_back(Intern(pos, parent));
        if (out_.size() > GrammarMatcher::kMaxStacks && error_.ok()) {
          error_ = InvalidArgumentError(fmt::format(
              "grammar: more than {} simultaneous parse positions (the grammar is too ambiguous)",
              GrammarMatcher::kMaxStacks));
        }
      }
      if (!error_.ok()) {
        work_.clear();
        return;
      }
    }
  }

  uint32_t Advance(uint32_t set, uint32_t cp) {
    if (set == 0) return 0;
    const uint64_t key = Key(set, cp);
    if (const uint32_t* r = memo_.Find(key)) return *r;
    const auto& els = g_.elements();
    out_.clear();
    ++stamp_;
    // Stacks() points into set_data_, which InternSet may grow: copy the ids first.
    scratch_.assign(Stacks(set).begin(), Stacks(set).end());
    for (uint32_t s : scratch_) {
      if (s == 0) continue;
      const auto [pos, parent] = nodes_[s];
      if (g_.char_class(els[pos].index).Matches(cp)) {
        work_.push_back({pos + 1, parent});
        Closure();
      }
    }
    if (!error_.ok()) return 0;
    std::sort(out_.begin(), out_.end());
    const uint32_t result = InternSet();
    memo_.Insert(key, result);
    return result;
  }

  bool PartialPossible(uint32_t set, uint32_t partial) {
    if (set == 0) return false;
    const uint64_t key = Key(set, 0x80000000u | partial);
    if (const uint32_t* r = memo_.Find(key)) return *r != 0;
    const uint32_t len = partial >> 28;
    const uint32_t remaining = (partial >> 24) & 0xF;
    const uint32_t bits = 6 * remaining;
    uint32_t lo = (partial & 0xFFFFFF) << bits;
    uint32_t hi = lo | ((1u << bits) - 1);
    lo = std::max(lo, len == 2 ? 0x80u : len == 3 ? 0x800u : 0x10000u);
    hi = std::min(hi, 0x10FFFFu);
    bool possible = false;
    if (lo <= hi) {
      for (uint32_t s : Stacks(set)) {
        if (s != 0 && g_.char_class(g_.elements()[nodes_[s].first].index).MatchesSomeIn(lo, hi)) {
          possible = true;
          break;
        }
      }
    }
    memo_.Insert(key, possible ? 1 : 0);
    return possible;
  }

  const Grammar& g_;
  std::vector<std::pair<uint32_t, uint32_t>> nodes_;  // (element position, parent node)
  U64Map node_index_;
  U64Map memo_;     // (set, code point) -> set; (set, 1 << 31 | partial) -> possible
  U64Map visited_;  // (position, parent) -> stamp of the last Closure that saw it
  uint32_t stamp_ = 0;
  std::vector<uint32_t> set_begin_;  // set i: set_data_[set_begin_[i], set_begin_[i + 1])
  std::vector<uint32_t> set_data_;
  std::unordered_map<std::string, uint32_t> set_ids_;
  std::vector<std::pair<uint64_t, TokenMask>> masks_;
  std::vector<std::pair<uint32_t, uint32_t>> work_;
  std::vector<uint32_t> out_, scratch_;
  std::vector<MatchState> walk_;
  Status error_;
};

}  // namespace internal

// ---- GrammarVocabulary

GrammarVocabulary::GrammarVocabulary(const Tokenizer& tokenizer) : n_vocab_(tokenizer.n_vocab()) {
  pieces_.resize(static_cast<size_t>(n_vocab_));
  std::vector<TokenId> order;
  order.reserve(pieces_.size());
  for (TokenId id = 0; id < n_vocab_; ++id) {
    if (tokenizer.IsEndOfGeneration(id)) {
      eog_.push_back(id);
      continue;
    }
    if (tokenizer.IsControl(id)) continue;
    std::string piece = tokenizer.Piece(id);
    if (piece.empty() || piece.size() > 0xFFFF) continue;
    pieces_[id] = std::move(piece);
    order.push_back(id);
  }
  std::sort(order.begin(), order.end(), [&](TokenId a, TokenId b) {
    return pieces_[a] != pieces_[b] ? pieces_[a] < pieces_[b] : a < b;
  });
  // Sorted pieces give the trie in depth-first order: each piece shares its longest
  // common prefix with the previous one, so only the nodes below that are new.
  nodes_.push_back({0, 0, 0, 0, 0});
  std::vector<uint32_t> open{0};  // the path to the last node
  std::string_view prev;
  for (TokenId id : order) {
    const std::string_view p = pieces_[id];
    size_t lcp = 0;
    while (lcp < p.size() && lcp < prev.size() && p[lcp] == prev[lcp]) ++lcp;
    while (open.size() > lcp + 1) {
      nodes_[open.back()].end = static_cast<uint32_t>(nodes_.size());
      open.pop_back();
    }
    for (size_t k = lcp; k < p.size(); ++k) {
      open.push_back(static_cast<uint32_t>(nodes_.size()));
      const auto t = static_cast<uint32_t>(tokens_.size());
      nodes_.push_back({0, t, t, static_cast<uint16_t>(k + 1), static_cast<uint8_t>(p[k])});
    }
    max_depth_ = std::max(max_depth_, p.size());
    nodes_[open.back()].tok_end = static_cast<uint32_t>(tokens_.size() + 1);
    tokens_.push_back(id);
    prev = p;
  }
  for (uint32_t n : open) nodes_[n].end = static_cast<uint32_t>(nodes_.size());
}

bool GrammarVocabulary::IsEndOfGeneration(TokenId id) const {
  return std::find(eog_.begin(), eog_.end(), id) != eog_.end();
}

std::string_view GrammarVocabulary::Piece(TokenId id) const {
  if (id < 0 || id >= n_vocab_) return {};
  return pieces_[static_cast<size_t>(id)];
}

// ---- GrammarMatcher

GrammarMatcher::GrammarMatcher(std::shared_ptr<const Grammar> grammar,
                               std::shared_ptr<const GrammarVocabulary> vocabulary)
    : grammar_(std::move(grammar)),
      vocabulary_(std::move(vocabulary)),
      state_(std::make_unique<internal::GrammarState>(*grammar_)) {}
GrammarMatcher::GrammarMatcher(GrammarMatcher&&) noexcept = default;
GrammarMatcher& GrammarMatcher::operator=(GrammarMatcher&&) noexcept = default;
GrammarMatcher::~GrammarMatcher() = default;

void GrammarMatcher::Reset() {
  state_->Reset();
}

Result<const TokenMask*> GrammarMatcher::AllowedTokens() {
  if (!vocabulary_) return InvalidArgumentError("grammar matcher: no vocabulary to filter");
  if (!state_->error().ok()) return state_->error();
  state_->MaybeCompact();
  const TokenMask* mask = state_->Mask(*vocabulary_);
  if (mask == nullptr) return state_->error();
  return mask;
}

Result<const TokenMask*> GrammarMatcher::MaskLogits(std::span<float> logits) {
  STRATA_ASSIGN_OR_RETURN(const TokenMask* mask, AllowedTokens());
  const size_t n = std::min(logits.size(), static_cast<size_t>(vocabulary_->n_vocab()));
  for (size_t i = 0; i < n; ++i) {
    if (!mask->Test(static_cast<TokenId>(i))) logits[i] = -INFINITY;
  }
  for (size_t i = n; i < logits.size(); ++i) logits[i] = -INFINITY;
  return mask;
}

Status GrammarMatcher::AcceptText(std::string_view bytes) {
  if (!state_->error().ok()) return state_->error();
  internal::MatchState s = state_->current;
  for (size_t i = 0; i < bytes.size(); ++i) {
    s = state_->Step(s, static_cast<uint8_t>(bytes[i]));
    if (!state_->error().ok()) return state_->error();
    if (s.set == 0) {
      return InvalidArgumentError(fmt::format(
          "grammar: the text is not allowed at byte {} of \"{}\"", i, std::string(bytes)));
    }
  }
  state_->current = s;
  return Status::Ok();
}

Status GrammarMatcher::AcceptToken(TokenId id) {
  if (!vocabulary_) return InvalidArgumentError("grammar matcher: no vocabulary for tokens");
  if (vocabulary_->IsEndOfGeneration(id)) {
    if (CanEnd()) return Status::Ok();
    return InvalidArgumentError(
        fmt::format("grammar: token {} ends the text, but the grammar is not complete", id));
  }
  const std::string_view piece = vocabulary_->Piece(id);
  if (piece.empty())
    return InvalidArgumentError(fmt::format("grammar: token {} is never allowed", id));
  Status s = AcceptText(piece);
  if (!s.ok()) return s.WithContext(fmt::format("token {}", id));
  return Status::Ok();
}

bool GrammarMatcher::CanEnd() const {
  return state_->CanEnd(state_->current);
}

const Status& GrammarMatcher::error() const {
  return state_->error();
}

bool GrammarMatcher::CanContinue() const {
  return state_->current.partial != 0 || state_->CanContinue(state_->current);
}

Result<bool> GrammarMatches(const std::shared_ptr<const Grammar>& grammar, std::string_view text) {
  GrammarMatcher m(grammar, nullptr);
  Status s = m.AcceptText(text);
  if (!m.error().ok()) return m.error();
  return s.ok() && m.CanEnd();
}

}  // namespace strata::genai
