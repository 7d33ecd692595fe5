#include "word_pairs.h"

#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include "schema.h"

namespace incidex::word_pairs {

namespace {

using Q = Xapian::Query;

// Sorted, for binary search.
constexpr std::string_view kFunctionWords[] = {
    "a",   "an",  "and", "are",  "as",    "at",   "be",    "been", "but", "by",   "for",  "from", "had", "has",
    "have", "he", "her", "his",  "in",    "is",   "it",    "its",  "not", "of",   "on",   "or",   "said", "she",
    "that", "the", "their", "they", "this", "to", "was",  "were", "which", "who", "with"};
static_assert(std::is_sorted(std::begin(kFunctionWords), std::end(kFunctionWords)));

// The word of a phrase's term and whether it is under the title prefix; nullopt for any other term.
std::optional<std::pair<std::string_view, bool>> word_of(std::string_view term) {
  const bool title = term.starts_with(schema::kTitlePrefix);
  if (title) term.remove_prefix(schema::kTitlePrefix.size());
  if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z')) return std::nullopt;  // another prefix
  return std::pair{term, title};
}

// The window of an OP_PHRASE query. Xapian 1.4 has no accessor for it; its description reads
// "Query((a@1 PHRASE 2 b@2))", and terms hold no spaces.
std::optional<unsigned> window_of(const Q& phrase) {
  const std::string d = phrase.get_description();
  constexpr std::string_view op = " PHRASE ";
  const size_t at = d.find(op);
  if (at == std::string::npos) return std::nullopt;
  unsigned w = 0;
  size_t i = at + op.size();
  if (i >= d.size() || d[i] < '0' || d[i] > '9') return std::nullopt;
  for (; i < d.size() && d[i] >= '0' && d[i] <= '9'; ++i) w = w * 10 + static_cast<unsigned>(d[i] - '0');
  return w;
}

std::optional<Q> phrase_with_pairs(const Q& phrase) {
  const size_t n = phrase.get_num_subqueries();
  if (n < 2 || window_of(phrase) != n) return std::nullopt;
  std::vector<std::string> terms;
  for (size_t i = 0; i < n; ++i) {
    const Q sub = phrase.get_subquery(i);
    if (sub.get_type() != Q::LEAF_TERM) return std::nullopt;
    terms.push_back(*sub.get_terms_begin());
  }
  std::vector<Q> pairs;
  for (size_t i = 0; i + 1 < n; ++i) {
    const auto a = word_of(terms[i]), b = word_of(terms[i + 1]);
    if (a && b && a->second == b->second && pairable(a->first) && pairable(b->first))
      pairs.emplace_back(pair_term(terms[i], terms[i + 1]));
  }
  if (pairs.empty()) return std::nullopt;
  if (n == 2) {
    // The pair alone decides; the words carry the weight, as they do in the phrase.
    return Q(Q::OP_FILTER, Q(Q::OP_AND, phrase.get_subquery(0), phrase.get_subquery(1)), pairs.front());
  }
  pairs.insert(pairs.begin(), phrase);
  return Q(Q::OP_FILTER, pairs.begin(), pairs.end());
}

// nullopt when nothing changes.
std::optional<Q> rewrite(const Q& q) {
  switch (q.get_type()) {
    case Q::OP_PHRASE:
      return phrase_with_pairs(q);
    // Operators without parameters, whose subqueries are matched and weighed independently.
    case Q::OP_AND:
    case Q::OP_OR:
    case Q::OP_AND_NOT:
    case Q::OP_XOR:
    case Q::OP_AND_MAYBE:
    case Q::OP_FILTER: {
      std::vector<Q> subs;
      bool changed = false;
      for (size_t i = 0; i < q.get_num_subqueries(); ++i) {
        const Q sub = q.get_subquery(i);
        auto r = rewrite(sub);
        changed |= r.has_value();
        subs.push_back(r ? std::move(*r) : sub);
      }
      if (!changed) return std::nullopt;
      return Q(q.get_type(), subs.begin(), subs.end());
    }
    default:
      return std::nullopt;
  }
}

}  // namespace

bool pairable(std::string_view key) {
  return !std::binary_search(std::begin(kFunctionWords), std::end(kFunctionWords), key);
}

std::string pair_term(std::string_view first, std::string_view second) {
  std::string t;
  t.reserve(schema::kPairPrefix.size() + first.size() + 1 + second.size());
  t.append(schema::kPairPrefix).append(first).append(1, ' ').append(second);
  return t;
}

bool complete(const Xapian::Database& db) {
  const Xapian::doccount n = db.get_doccount();
  return n > 0 && db.get_termfreq(std::string(schema::kPairedTerm)) == n;
}

Xapian::Query use_pairs(const Xapian::Query& q) {
  auto r = rewrite(q);
  return r ? std::move(*r) : q;
}

}  // namespace incidex::word_pairs
