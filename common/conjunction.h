// The documents of a conjunction of term sets, read straight from Xapian's posting lists: a
// document matches when it carries at least one term of every clause, none of the excluded
// terms, and, when a column filter is given, a column value the filter accepts. Each match can
// be weighed as Xapian's matcher weighs it (BM25, bm25.h).
//
// Counting passes use it instead of Xapian's matcher when their query has this shape: the matcher
// spends several times a posting list read on each match (weights, match spies, candidate
// bookkeeping), which dominates a pass that counts, and one that ranks every match.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bm25.h"
#include "value_columns.h"

namespace incidex {

struct Conjunction {
  std::vector<std::vector<std::string>> all;  // a document carries at least one term of each clause
  std::vector<std::string> none;              // and none of these terms
  // The value columns of the database walked, when a walk reads values from them (to count,
  // and for the column filter). With a column filter (`column` ≥ 0), the document's code in the
  // column at `column` is marked in `codes`.
  std::shared_ptr<const ValueColumns> columns;
  int column = -1;
  std::vector<char> codes;
  Xapian::doccount marked = 0;  // documents whose code is marked
  // The weighted terms of the query: term `index` of clause `clause` of `all`, with its
  // within-query frequency. A match weighs the sum of their BM25 parts for the terms it carries.
  struct Weighted {
    std::size_t clause, index;
    Xapian::termcount wqf;
  };
  std::vector<Weighted> weighted;
  // False when some of the query's weight is not in `weighted` (synonyms, scaled or optional
  // parts, weighted terms beside MatchAll in a disjunction): then only Xapian's matcher ranks it.
  bool weighable = true;
};

// The clauses of `q` when it is made of terms and MatchAll under OP_AND, OP_FILTER, OP_OR,
// OP_SYNONYM, OP_SCALE_WEIGHT, OP_AND_MAYBE (its first part) and OP_AND_NOT (of terms), with
// every disjunction made of terms only; nullopt for anything else (phrases, value ranges,
// posting sources, nested disjunctions of conjunctions...). MatchAll adds no clause (and weighs
// nothing); the excluded terms go to `none`; the terms Xapian weighs (not those filtered on or
// excluded) to `weighted`.
std::optional<Conjunction> conjunction_of(const Xapian::Query& q);

// Marks, in `c`, the codes of `slot` in `columns` whose value lies between `lo` and `hi` inclusive
// in byte order (either empty: unbounded on that side), the empty value excepted — the documents
// OP_VALUE_RANGE / OP_VALUE_GE would match. Throws std::invalid_argument when the columns lack
// `slot`, when `c` already has a column filter, or when it names other columns.
void add_column_range(Conjunction& c, std::shared_ptr<const ValueColumns> columns, Xapian::valueno slot,
                      const std::string& lo, const std::string& hi);

// Walks the matches of a Conjunction in docid order over one docid range of one database.
class ConjunctionCursor {
 public:
  // Matches of `c` in `db` from `first` to `last` inclusive. `db` and `c` must outlive the cursor;
  // `c`'s columns, if any, must have been read from `db` at its revision.
  ConjunctionCursor(const Xapian::Database& db, const Conjunction& c, Xapian::docid first, Xapian::docid last);
  ConjunctionCursor(const ConjunctionCursor&) = delete;
  ConjunctionCursor& operator=(const ConjunctionCursor&) = delete;
  ~ConjunctionCursor();

  // The next match, or 0 when there are no more.
  Xapian::docid next();
  // The weight Xapian's matcher (default BM25) gives the match next() returned last, when the
  // conjunction is weighable. Equal to the last bit when the query weighs at most two terms; else
  // the sum may be added up in another order than Xapian's (a difference in the last bit).
  double weight();

 private:
  class Clause;
  struct Scored;
  bool in_column(Xapian::docid did) const {
    return column_.empty() || c_.codes[did < column_.size() ? column_[did] : 0];
  }
  // The first document at or after `did` that the column filter keeps, or 0 when there is none.
  Xapian::docid next_in_column(Xapian::docid did) const {
    for (; did < column_.size(); ++did)
      if (c_.codes[column_[did]]) return did;
    return 0;
  }
  bool excluded(Xapian::docid did);

  const Xapian::Database& db_;
  const Conjunction& c_;
  std::span<const std::uint32_t> column_;         // the filtered column, if any
  std::vector<std::unique_ptr<Clause>> clauses_;  // rarest first; at least one
  std::vector<Scored> scored_;                    // the weighted terms
  bool column_proposes_ = false;                  // the column filter keeps fewer documents than any clause
  std::unique_ptr<Clause> none_;                  // the excluded terms, or null
  Xapian::docid from_, last_;
  Xapian::docid at_ = 0;  // the last match
};

}  // namespace incidex
