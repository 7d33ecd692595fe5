#include "conjunction.h"

#include <algorithm>
#include <stdexcept>

namespace incidex {

namespace {

using Q = Xapian::Query;

// Appends the terms of a disjunction of terms to `out`; `all` is set when it includes MatchAll.
// False when it includes anything else.
bool disjunction_terms(const Q& q, std::vector<std::string>& out, bool& all) {
  switch (q.get_type()) {
    case Q::LEAF_TERM:
      out.push_back(*q.get_terms_begin());
      return true;
    case Q::LEAF_MATCH_ALL:
      all = true;
      return true;
    case Q::LEAF_MATCH_NOTHING:
      return true;
    case Q::OP_SCALE_WEIGHT:
      return disjunction_terms(q.get_subquery(0), out, all);
    case Q::OP_OR:
    case Q::OP_SYNONYM:
      for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        if (!disjunction_terms(q.get_subquery(i), out, all)) return false;
      return true;
    default:
      return false;
  }
}

bool collect(const Q& q, Conjunction& c) {
  switch (q.get_type()) {
    case Q::LEAF_MATCH_ALL:
      return true;
    case Q::LEAF_TERM:
    case Q::LEAF_MATCH_NOTHING:
    case Q::OP_OR:
    case Q::OP_SYNONYM: {
      std::vector<std::string> terms;
      bool all = false;
      if (!disjunction_terms(q, terms, all)) return false;
      if (!all) c.all.push_back(std::move(terms));  // no terms: a clause nothing satisfies
      return true;
    }
    case Q::OP_SCALE_WEIGHT:
    case Q::OP_AND_MAYBE:  // matches what its first part matches
      return collect(q.get_subquery(0), c);
    case Q::OP_AND:
    case Q::OP_FILTER:
      for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        if (!collect(q.get_subquery(i), c)) return false;
      return true;
    case Q::OP_AND_NOT: {
      if (!collect(q.get_subquery(0), c)) return false;
      for (std::size_t i = 1; i < q.get_num_subqueries(); ++i) {
        bool all = false;
        if (!disjunction_terms(q.get_subquery(i), c.none, all) || all) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

std::optional<Conjunction> conjunction_of(const Xapian::Query& q) {
  Conjunction c;
  if (!collect(q, c)) return std::nullopt;
  return c;
}

void add_column_range(Conjunction& c, std::shared_ptr<const ValueColumns> columns, Xapian::valueno slot,
                      const std::string& lo, const std::string& hi) {
  if (c.columns) throw std::invalid_argument("add_column_range: the conjunction has a column filter already");
  const int index = columns->index_of(slot);
  if (index < 0) throw std::invalid_argument("add_column_range: slot " + std::to_string(slot) + " not read");
  c.codes = columns->codes_between(index, lo, hi);
  c.column = index;
  c.columns = std::move(columns);
}

// The documents carrying any of some terms.
class ConjunctionCursor::Clause {
 public:
  Clause(const Xapian::Database& db, const std::vector<std::string>& terms) {
    for (const std::string& t : terms) {
      its_.push_back(db.postlist_begin(t));
      frequency_ += db.get_termfreq(t);
    }
  }
  // The first document at or after `did` carrying one of the terms, or 0 when there is none.
  Xapian::docid skip_to(Xapian::docid did) {
    Xapian::docid first = 0;
    for (Xapian::PostingIterator& it : its_) {
      if (it == end_) continue;
      if (*it < did) {
        it.skip_to(did);
        if (it == end_) continue;
      }
      if (first == 0 || *it < first) first = *it;
    }
    return first;
  }
  Xapian::doccount frequency() const { return frequency_; }

 private:
  std::vector<Xapian::PostingIterator> its_;
  const Xapian::PostingIterator end_;
  Xapian::doccount frequency_ = 0;
};

ConjunctionCursor::ConjunctionCursor(const Xapian::Database& db, const Conjunction& c, Xapian::docid first,
                                     Xapian::docid last)
    : c_(c), from_(std::max<Xapian::docid>(first, 1)), last_(last) {
  // Every document when there is no clause: the posting list of the empty term.
  if (c.all.empty()) clauses_.push_back(std::make_unique<Clause>(db, std::vector<std::string>{""}));
  for (const auto& terms : c.all) clauses_.push_back(std::make_unique<Clause>(db, terms));
  std::stable_sort(clauses_.begin(), clauses_.end(),
                   [](const auto& a, const auto& b) { return a->frequency() < b->frequency(); });
  for (const std::string& t : c.none) none_.push_back(db.postlist_begin(t));
}

ConjunctionCursor::~ConjunctionCursor() = default;

bool ConjunctionCursor::accepted(Xapian::docid did) {
  const Xapian::PostingIterator end;
  for (Xapian::PostingIterator& it : none_) {
    if (it != end && *it < did) it.skip_to(did);
    if (it != end && *it == did) return false;
  }
  return !c_.columns || c_.codes[c_.columns->code(c_.column, did)];
}

Xapian::docid ConjunctionCursor::next() {
  Xapian::docid did = from_;
  while (did != 0 && did <= last_) {
    // Leapfrog: each clause moves to the first document at or after `did` it has; when one lands
    // further on, that is the next candidate for all of them.
    bool agreed = true;
    for (const auto& clause : clauses_) {
      const Xapian::docid at = clause->skip_to(did);
      if (at == 0) {
        from_ = 0;
        return 0;
      }
      if (at != did) {
        did = at;
        agreed = false;
        break;
      }
    }
    if (!agreed) continue;
    if (accepted(did)) {
      from_ = did + 1;  // 0 after the largest docid: no more
      return did;
    }
    ++did;
  }
  from_ = 0;
  return 0;
}

}  // namespace incidex
