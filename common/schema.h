// The layout of incidex documents in Xapian: term prefixes, value slots and stored data. Every
// reader and writer of the index goes through these names, so they are the index format.
//
// Free text: folded words with positions (title and body), `Z`-prefixed English stems, title
// words again under `S`; adjacent words other than function words again as one `P` pair term. Facet filter terms: main-role values under XG/XW/XL, each also under
// every ancestor (a group's umbrella, a weapon's category, a place's province and country), any-role values under XAG/XAW/XAL, the outlet under
// XS, the event day/month/year under XD/XM/XY, the type under XT and the unique id under Q.
#pragma once

#include <xapian.h>

#include <map>
#include <string>
#include <string_view>

#include "analyzer.h"

namespace incidex::schema {

inline constexpr std::string_view kIdPrefix = "Q";
inline constexpr std::string_view kPairPrefix = "P";        // P<word> <next word>, without positions (word_pairs.h)
inline constexpr std::string_view kPairedTerm = "XP";       // on every document indexed with pairs
inline constexpr std::string_view kTypePrefix = "XT";
inline constexpr std::string_view kTitlePrefix = "S";
inline constexpr std::string_view kStemPrefix = "Z";
inline constexpr std::string_view kDayPrefix = "XD";
inline constexpr std::string_view kMonthPrefix = "XM";
inline constexpr std::string_view kYearPrefix = "XY";
inline constexpr std::string_view kArticleType = "article";
inline constexpr std::string_view kIncidentType = "incident";
inline constexpr std::string_view kMemberPrefix = "XJ";      // on an incident: XJ<article id>
inline constexpr std::string_view kRespondsPrefix = "XR";    // on an incident: XR<incident it answered>
inline constexpr std::string_view kRecallsPrefix = "XV";     // on an incident: XV<incident its reports recall>

// Main-role filter prefix of a facet ("XG", "XW", "XL", "XS").
std::string_view main_prefix(Facet f);
// Any-role filter prefix of a facet ("XAG", "XAW", "XAL"; the source has only one role: "XS").
std::string_view any_prefix(Facet f);
// Exact-mention prefix ("XEG", "XEW", "XEL"): the entity itself was named, in any role, without
// ancestors. Queries use it so that a name typed in any spelling finds its entity.
std::string_view mention_prefix(Facet f);

// Value slots.
enum Slot : Xapian::valueno {
  kEventDate = 0,      // "YYYYMMDD" (month precision "YYYYMM00"); empty when unknown
  kPublished = 1,      // "YYYYMMDD"
  kEventMonth = 2,     // "YYYYMM", for histograms
  kLat = 3,            // sortable_serialise(latitude) of the main location
  kLon = 4,
  kKilled = 5,         // sortable_serialise(count); empty when unknown
  kInjured = 6,
  kSource = 7,         // source id
  kGroups = 8,         // main-role ids, sorted, joined by '|' (one value per document, so that
  kWeapons = 9,        //   Xapian's ValueCountMatchSpy counts exactly, also over remote shards;
  kLocations = 10,     //   values are stored as named and expanded to ancestors when counting)
  kGroupsAny = 11,     // the same for any role
  kWeaponsAny = 12,
  kLocationsAny = 13,
  kDatePrecision = 14, // "day", "month" or empty
  kIncidentId = 15,    // on an incident: its id
};

// The value slot holding a facet's ids for the given role.
Xapian::valueno facet_slot(Facet f, bool any_role);

inline constexpr char kListSeparator = '|';
// Joins ids sorted and unique with kListSeparator.
std::string join_ids(std::vector<std::string> ids);

// Weight of title words relative to body words.
inline constexpr Xapian::termcount kTitleWeight = 3;
// Words longer than this (in bytes, folded) are not indexed.
inline constexpr size_t kMaxWordBytes = 64;

// Stored data: the record as one line of JSON, "\n", then the article text (none for incidents),
// so that readers that need only the record do not parse the text.
std::string pack_data(const nlohmann::json& record, std::string_view text);
// The record of stored data (a discarded json value when it is not valid).
nlohmann::json read_record(std::string_view data);
// The same without the entities' mentions (their text spans, most of an article's record).
nlohmann::json read_record_without_mentions(std::string_view data);
// The article text of stored data ("" when there is none).
std::string_view read_text(std::string_view data);

// Builds the document of an analysed article. `record` is the explain record; it is stored as the
// document data together with the article text.
Xapian::Document make_document(const Analysis& a, const Gazetteer& g, const nlohmann::json& record);

// Builds the document of an incident record (incidents.h): its title, summary and report titles
// as text, the union of its reports' main-role values as facet terms (all outlets under XS),
// member, relation, date and coordinate terms and values, and the record as data.
Xapian::Document make_incident_document(const nlohmann::json& incident, const Gazetteer& g);

// The id of the incident an article belongs to (through the incident's member term), or "".
std::string incident_of(const Xapian::Database& db, const std::string& article_id);

// The main location of an analysed article: its most specific main-role place (the first named
// among equals), or null.
const Entity* main_location(const Analysis& a);

}  // namespace incidex::schema
