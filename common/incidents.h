// Incidents: reports of the same event from different outlets, linked into one incident with a
// summary that traces every fact to its reports and links to related incidents (the attack a
// strike answered, earlier incidents the reports recall).
//
// Two reports are the same event when their main events agree: event dates within the dates'
// precision, the same or nearby places, compatible weapons and actors, similar wording. Only
// main-role values link; background mentions never do. Reports without an event (no date, or
// neither a main place nor a main weapon) stay incidents of their own.
#pragma once

#include <xapian.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dates.h"
#include "gazetteer.h"

namespace incidex {

// One article as the linker sees it: its main event's facts and its wording.
struct Report {
  std::string id;
  nlohmann::json record;             // what a summary lists: title, source, source_id, published,
                                     // url, event_date, killed, injured (when the record has them)
  std::optional<Date> date;
  bool date_from_text = false;       // false: the publication date stood in
  std::vector<const Entity*> places, weapons, groups;   // main role, as named
  std::vector<std::vector<const Entity*>> place_ancestors;  // of each of `places`
  bool strike = false;                     // its main weapons tell an air or drone strike
  std::vector<const Entity*> weapon_set, group_set;  // main role with ancestors, sorted by address
  std::set<std::string> mentioned_places;  // any role, as named (for "recalls")
  std::vector<std::pair<std::uint64_t, double>> terms;  // word weights (tf-idf), normalised to length 1,
                                                      // by a 64-bit hash of the word, in hash order
  bool response = false;                   // the text says "in response", "retaliation"…
  std::map<std::string, std::string> stances;  // group id → "claimed", "denied" or "blamed"
  std::string published;                    // YYYY-MM-DD or ""

  // Whether the report describes an event that can be linked at all.
  bool has_event() const { return date.has_value() && (!places.empty() || !weapons.empty()); }
};

// Document frequency of a word, for tf-idf: (documents containing it, all documents).
using WordStats = std::function<std::pair<double, double>(const std::string& word)>;

// Counts of the words that make an article's wording: folded words of 3+ letters, stopwords and
// numbers left out. From text, or from an indexed article's terms.
std::map<std::string, int> word_counts(std::string_view text);
std::map<std::string, int> indexed_word_counts(const Xapian::Database& db, Xapian::docid doc);

// Builds a report from an article record (the explain record: stances and response_cue included)
// and its word counts.
Report make_report(const nlohmann::json& record, const std::map<std::string, int>& words, const Gazetteer& g,
                   const WordStats& stats);

struct LinkOptions {
  double threshold = 0.40;  // similarity at which two reports are one event
  int date_slack_days = 1;  // day-precision dates this far apart can be one event
  int response_days = 14;   // how far back a strike's answered attack may lie
};

// Similarity of two reports' events in [0, 1]; 0 when they cannot be one event (dates apart,
// conflicting weapons, no event).
double similarity(const Report& a, const Report& b, const LinkOptions& o = {});

// Groups reports into incidents: each report joins the most similar incident (its best-matching
// member) at or above the threshold, else founds a new one; reports are taken in event-date order.
// Returns lists of indices into `reports`, each list in that order.
std::vector<std::vector<std::size_t>> cluster_reports(const std::vector<Report>& reports, const LinkOptions& o = {});

// The incident id of a cluster founded by the article `founder_id`: stable across re-indexing.
std::string incident_id_for(const std::string& founder_id);

// The incident record: id, title, event_date and precision, location (the most specific place
// shared by most reports, with coordinates and path), groups (with stances and reports),
// weapons, locations, killed / injured (the lowest figure reported, with every report's own),
// reports (outlet, published, url, title, figures) in time order, first and last report,
// summary text and the facts it is made of with the reports each came from. `related` is
// filled by relate_incidents.
nlohmann::json summarize_incident(const std::string& id, const std::vector<const Report*>& members, const Gazetteer& g);

// Fills each incident's related.responds_to (earlier incidents within response_days whose actors or
// places its reports name, when they speak of a response or retaliation) and related.recalls
// (earlier incidents whose main place its reports mention as background).
void relate_incidents(std::vector<nlohmann::json>& incidents, const std::map<std::string, std::vector<const Report*>>& members,
                      const LinkOptions& o = {});

struct LinkStats {
  std::size_t articles = 0;    // articles (re)linked
  std::size_t incidents = 0;   // incidents written
  std::size_t multi = 0;       // of which with two or more reports
  std::size_t relations = 0;   // responds_to and recalls links written
};

// Links the articles of a database into incident documents (type "incident"). Linking reads the
// articles in event-date order and writes each incident once no later article can join it or be
// earlier than it, so memory holds the reports of a few weeks and a brief of each incident, not
// the whole corpus. Word weights count articles only: linking the same articles gives the same
// incidents whether or not incidents are stored.
class IncidentLinker {
 public:
  IncidentLinker(Xapian::WritableDatabase& db, const Gazetteer& g, LinkOptions o = {});

  // Recomputes every incident from every article; drops incidents whose articles are gone.
  LinkStats relink_all();
  // Links the given articles (new or replaced): re-clusters only the articles whose event dates
  // lie near theirs, keeping the ids of incidents that keep their reports. Commits.
  LinkStats link(const std::vector<std::string>& article_ids);
  // Called now and then while linking with the articles read so far and the articles to read.
  void on_progress(std::function<void(std::size_t done, std::size_t total)> f) { progress_ = std::move(f); }

 private:
  // `everything`: the articles are all the database's articles.
  LinkStats relink(std::vector<Xapian::docid> articles, bool everything);

  Xapian::WritableDatabase& db_;
  const Gazetteer& g_;
  LinkOptions o_;
  std::function<void(std::size_t, std::size_t)> progress_;
};

}  // namespace incidex
