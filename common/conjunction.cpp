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
      Term& term = terms_.emplace_back(Term{db.postlist_begin(t), 0});
      term.at = term.it == Xapian::PostingIterator() ? 0 : *term.it;
      frequency_ += db.get_termfreq(t);
    }
  }
  // The first document at or after `did` carrying one of the terms, or 0 when there is none.
  Xapian::docid skip_to(Xapian::docid did) {
    Xapian::docid first = 0;
    for (Term& t : terms_) {
      if (t.at != 0 && t.at < did) {
        t.it.skip_to(did);
        t.at = t.it == Xapian::PostingIterator() ? 0 : *t.it;
      }
      if (t.at != 0 && (first == 0 || t.at < first)) first = t.at;
    }
    return first;
  }
  Xapian::doccount frequency() const { return frequency_; }

 private:
  struct Term {
    Xapian::PostingIterator it;
    Xapian::docid at;  // where `it` is; 0 at its end
  };
  std::vector<Term> terms_;
  Xapian::doccount frequency_ = 0;
};

ConjunctionCursor::ConjunctionCursor(const Xapian::Database& db, const Conjunction& c, Xapian::docid first,
                                     Xapian::docid last)
    : c_(c), from_(std::max<Xapian::docid>(first, 1)), last_(last) {
  if (c.columns) column_ = c.columns->column(c.column);
  // Every document when there is no clause: the posting list of the empty term.
  if (c.all.empty()) clauses_.push_back(std::make_unique<Clause>(db, std::vector<std::string>{""}));
  for (const auto& terms : c.all) clauses_.push_back(std::make_unique<Clause>(db, terms));
  std::stable_sort(clauses_.begin(), clauses_.end(),
                   [](const auto& a, const auto& b) { return a->frequency() < b->frequency(); });
  if (!c.none.empty()) none_ = std::make_unique<Clause>(db, c.none);
}

ConjunctionCursor::~ConjunctionCursor() = default;

bool ConjunctionCursor::excluded(Xapian::docid did) { return none_ && none_->skip_to(did) == did; }

Xapian::docid ConjunctionCursor::next() {
  Xapian::docid did = from_;
  while (did != 0 && did <= last_) {
    // The rarest clause proposes a document; the column filter, an array read, checks it first;
    // then each other clause moves to the first document at or after it that it has, and one
    // landing further on proposes the next candidate.
    const Xapian::docid proposed = clauses_.front()->skip_to(did);
    if (proposed == 0 || proposed > last_) break;
    did = proposed;
    if (!in_column(did)) {
      ++did;
      continue;
    }
    bool agreed = true;
    for (std::size_t i = 1; i < clauses_.size() && agreed; ++i) {
      const Xapian::docid at = clauses_[i]->skip_to(did);
      if (at == 0) {
        from_ = 0;
        return 0;
      }
      if (at != did) {
        did = at;
        agreed = false;
      }
    }
    if (!agreed) continue;
    if (excluded(did)) {
      ++did;
      continue;
    }
    from_ = did + 1;  // 0 after the largest docid: no more
    return did;
  }
  from_ = 0;
  return 0;
}

}  // namespace incidex
