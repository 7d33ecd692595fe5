#include "conjunction.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace incidex {

namespace {

using Q = Xapian::Query;

// The within-query frequency of a term leaf (Xapian 1.4 shows it only in the description, as
// "#n" after the term when it is not 1).
Xapian::termcount leaf_wqf(const Q& leaf) {
  const std::string d = leaf.get_description();
  const std::string plain = Q(*leaf.get_terms_begin()).get_description();  // "Query(term)"
  const std::size_t end = plain.size() - 1;
  if (d.compare(0, end, plain, 0, end) != 0 || d.size() <= end || d[end] != '#') return 1;
  return Xapian::termcount(std::strtoul(d.c_str() + end + 1, nullptr, 10));
}

// Appends the terms of a disjunction of terms to `out`; `all` is set when it includes MatchAll.
// False when it includes anything else. When `weighted`, the terms it weighs go to `c.weighted`
// as terms of clause `clause`.
bool disjunction_terms(const Q& q, std::vector<std::string>& out, bool& all, Conjunction& c, bool weighted,
                       std::size_t clause) {
  switch (q.get_type()) {
    case Q::LEAF_TERM:
      if (weighted) c.weighted.push_back({clause, out.size(), leaf_wqf(q)});
      out.push_back(*q.get_terms_begin());
      return true;
    case Q::LEAF_MATCH_ALL:
      all = true;
      return true;
    case Q::LEAF_MATCH_NOTHING:
      return true;
    case Q::OP_SCALE_WEIGHT:
      if (weighted) c.weighable = false;  // Xapian 1.4 does not tell the factor
      return disjunction_terms(q.get_subquery(0), out, all, c, weighted, clause);
    case Q::OP_SYNONYM:
      if (weighted) c.weighable = false;  // weighed as one term of summed frequencies
      [[fallthrough]];
    case Q::OP_OR:
      for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        if (!disjunction_terms(q.get_subquery(i), out, all, c, weighted, clause)) return false;
      return true;
    default:
      return false;
  }
}

// Adds the clauses of `q` to `c`; `weighted`: whether Xapian weighs `q` (not a filter's right side).
bool collect(const Q& q, Conjunction& c, bool weighted) {
  switch (q.get_type()) {
    case Q::LEAF_MATCH_ALL:
      return true;
    case Q::LEAF_TERM:
    case Q::LEAF_MATCH_NOTHING:
    case Q::OP_OR:
    case Q::OP_SYNONYM: {
      std::vector<std::string> terms;
      bool all = false;
      const std::size_t weighted_before = c.weighted.size();
      if (!disjunction_terms(q, terms, all, c, weighted, c.all.size())) return false;
      if (!all) {
        c.all.push_back(std::move(terms));  // no terms: a clause nothing satisfies
      } else if (c.weighted.size() != weighted_before) {
        c.weighted.resize(weighted_before);  // matches everything, yet weighs its terms where present
        c.weighable = false;
      }
      return true;
    }
    case Q::OP_SCALE_WEIGHT:
      if (weighted) c.weighable = false;
      return collect(q.get_subquery(0), c, weighted);
    case Q::OP_AND_MAYBE:  // matches what its first part matches; the others add weight
      if (weighted && q.get_num_subqueries() > 1) c.weighable = false;
      return collect(q.get_subquery(0), c, weighted);
    case Q::OP_AND:
    case Q::OP_FILTER:
      for (std::size_t i = 0; i < q.get_num_subqueries(); ++i)
        if (!collect(q.get_subquery(i), c, weighted && (i == 0 || q.get_type() == Q::OP_AND))) return false;
      return true;
    case Q::OP_AND_NOT: {
      if (!collect(q.get_subquery(0), c, weighted)) return false;
      for (std::size_t i = 1; i < q.get_num_subqueries(); ++i) {
        bool all = false;
        if (!disjunction_terms(q.get_subquery(i), c.none, all, c, false, 0) || all) return false;
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
  if (!collect(q, c, true)) return std::nullopt;
  return c;
}

void add_column_range(Conjunction& c, std::shared_ptr<const ValueColumns> columns, Xapian::valueno slot,
                      const std::string& lo, const std::string& hi) {
  if (c.column >= 0) throw std::invalid_argument("add_column_range: the conjunction has a column filter already");
  if (c.columns && c.columns != columns) throw std::invalid_argument("add_column_range: the conjunction names other columns");
  const int index = columns->index_of(slot);
  if (index < 0) throw std::invalid_argument("add_column_range: slot " + std::to_string(slot) + " not read");
  c.marked = 0;
  c.codes = columns->codes_between(index, lo, hi, &c.marked);
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
  // The wdf of term `index` in `did`, where skip_to(did) left the terms; 0 when it is not there.
  Xapian::termcount wdf(std::size_t index, Xapian::docid did) const {
    const Term& t = terms_[index];
    return t.at == did ? t.it.get_wdf() : 0;
  }

 private:
  struct Term {
    Xapian::PostingIterator it;
    Xapian::docid at;  // where `it` is; 0 at its end
  };
  std::vector<Term> terms_;
  Xapian::doccount frequency_ = 0;
};

struct ConjunctionCursor::Scored {
  const Clause* clause;
  std::size_t index;
  Bm25Term bm25;
};

ConjunctionCursor::ConjunctionCursor(const Xapian::Database& db, const Conjunction& c, Xapian::docid first,
                                     Xapian::docid last)
    : db_(db), c_(c), from_(std::max<Xapian::docid>(first, 1)), last_(last) {
  if (c.column >= 0) column_ = c.columns->column(c.column);
  // Every document when there is no clause: the posting list of the empty term.
  if (c.all.empty()) clauses_.push_back(std::make_unique<Clause>(db, std::vector<std::string>{""}));
  for (const auto& terms : c.all) clauses_.push_back(std::make_unique<Clause>(db, terms));
  for (const Conjunction::Weighted& w : c.weighted)
    scored_.push_back({clauses_[w.clause].get(), w.index, Bm25Term(db, c.all[w.clause][w.index], w.wqf)});
  std::stable_sort(clauses_.begin(), clauses_.end(),
                   [](const auto& a, const auto& b) { return a->frequency() < b->frequency(); });
  if (!c.none.empty()) none_ = std::make_unique<Clause>(db, c.none);
  column_proposes_ = !column_.empty() && c.marked < clauses_.front()->frequency();
}

ConjunctionCursor::~ConjunctionCursor() = default;

bool ConjunctionCursor::excluded(Xapian::docid did) { return none_ && none_->skip_to(did) == did; }

Xapian::docid ConjunctionCursor::next() {
  Xapian::docid did = from_;
  while (did != 0 && did <= last_) {
    // The rarest clause, or the column filter when it keeps fewer documents (then it is a scan of
    // an array), proposes a document; the column filter checks a clause's proposal first, an
    // array read; then each other clause moves to the first document at or after it that it has,
    // and one landing further on proposes the next candidate.
    std::size_t others = 1;
    if (column_proposes_) {
      did = next_in_column(did);
      others = 0;
    } else {
      did = clauses_.front()->skip_to(did);
    }
    if (did == 0 || did > last_) break;
    if (!column_proposes_ && !in_column(did)) {
      ++did;
      continue;
    }
    bool agreed = true;
    for (std::size_t i = others; i < clauses_.size() && agreed; ++i) {
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
    return at_ = did;
  }
  from_ = 0;
  return 0;
}

double ConjunctionCursor::weight() {
  if (scored_.empty()) return 0;
  const Xapian::termcount length = db_.get_doclength(at_);
  double sum = 0;
  for (const Scored& s : scored_)
    if (const Xapian::termcount wdf = s.clause->wdf(s.index, at_)) sum += s.bm25.part(wdf, length);
  return sum;
}

}  // namespace incidex
