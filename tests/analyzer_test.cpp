// Analysis of single articles with the shipped gazetteers: roles, ambiguity, dates, figures.
#include <doctest/doctest.h>

#include <filesystem>

#include "analyzer.h"

using namespace incidex;

namespace {

const Gazetteer& gazetteer() {
  static const Gazetteer g = Gazetteer::load(std::filesystem::path(INCIDEX_SOURCE_DIR) / "data" / "gazetteer");
  return g;
}

Analysis analyze(const std::string& title, const std::string& text, std::optional<Date> published) {
  RawArticle raw;
  raw.title = title;
  raw.text = text;
  raw.published = published;
  raw.format = "json";
  raw.id = "test";
  return Analyzer(gazetteer()).analyze(std::move(raw));
}

const FacetValue* value(const Analysis& a, Facet f, const std::string& id) {
  for (const auto& v : a.values(f))
    if (v.entity->id == id) return &v;
  return nullptr;
}

}  // namespace

TEST_CASE("the main event's actors, weapon and place are main; recalled events are background") {
  const auto a = analyze(
      "Rockets fired at US base in Syria",
      "Rockets were fired at the Kharab al-Jir base near Rmelan in Hasaka province on Friday, and the "
      "Islamic Resistance in Iraq claimed the attack. No casualties were reported.\n\n"
      "In 2020, a ballistic missile attack on Ain al-Asad Air Base injured more than 100 troops.",
      Date::ymd(2023, 12, 30));
  REQUIRE(value(a, Facet::group, "islamic-resistance-in-iraq"));
  CHECK(value(a, Facet::group, "islamic-resistance-in-iraq")->role == Role::main);
  CHECK(value(a, Facet::place, "sy-kharab-al-jir")->role == Role::main);
  CHECK(value(a, Facet::place, "sy-rmelan")->role == Role::main);
  CHECK(value(a, Facet::weapon, "rocket")->role == Role::main);
  REQUIRE(value(a, Facet::place, "iq-ain-al-asad-air-base"));
  CHECK(value(a, Facet::place, "iq-ain-al-asad-air-base")->role == Role::background);
  CHECK(value(a, Facet::weapon, "ballistic-missile")->role == Role::background);
  CHECK(a.event_date.date->iso() == "2023-12-29");  // "on Friday" before a Saturday publication
  CHECK(a.event_date.from == "text");
  CHECK(a.killed.count == 0);
  CHECK(a.injured.count == 0);
}

TEST_CASE("spellings meet: Rumalyn and Rmelan are one town, Qataiba Hezbollah is Kataib Hezbollah") {
  const auto a = analyze("Qataiba Hezbollah blamed for rockets at Rumalyn", "No one was hurt.", Date::ymd(2024, 4, 22));
  CHECK(value(a, Facet::group, "kataib-hezbollah"));
  CHECK(value(a, Facet::place, "sy-rmelan"));
}

TEST_CASE("a bare short name inside a longer group name found in the article is that group") {
  const auto a = analyze("Kataib Hezbollah denies claim",
                         "Kataib Hezbollah denied the statement. Hezbollah called it fabricated news.", Date::ymd(2024, 4, 22));
  CHECK(value(a, Facet::group, "kataib-hezbollah"));
  CHECK_FALSE(value(a, Facet::group, "hezbollah"));
}

TEST_CASE("a generic weapon word repeating a named type is that type") {
  const auto a = analyze("Drone attack kills three US soldiers in Jordan",
                         "A one-way attack drone struck Tower 22 in Jordan on Sunday. The drone hit living quarters.",
                         Date::ymd(2024, 1, 29));
  CHECK(value(a, Facet::weapon, "one-way-attack-drone"));
  CHECK_FALSE(value(a, Facet::weapon, "drone"));
  CHECK(a.killed.count == 3);
}

TEST_CASE("a country used as an adjective is not the event's place") {
  const auto a = analyze("Rockets hit base", "US officials said Iran-backed militias fired rockets at the base in Syria on Monday.",
                         Date::ymd(2021, 6, 29));
  CHECK(value(a, Facet::place, "sy")->role == Role::main);
  const FacetValue* us = value(a, Facet::place, "us");
  CHECK((us == nullptr || us->role == Role::background));
  const FacetValue* ir = value(a, Facet::place, "ir");
  CHECK((ir == nullptr || ir->role == Role::background));
}

TEST_CASE("the event date is the earliest day in the lead, not the reaction's") {
  const auto a = analyze("Iraq condemns strike",
                         "Iraq's government condemned on Friday the air strike that hit militia positions near Abu Kamal "
                         "late on Thursday.",
                         Date::ymd(2021, 2, 27));
  CHECK(a.event_date.date->iso() == "2021-02-25");
}

TEST_CASE("without a publication date relative dates stay unresolved, absolute ones resolve") {
  const auto a = analyze("Rockets hit Erbil", "Rockets struck Erbil airport on Monday.", std::nullopt);
  CHECK_FALSE(a.published.date);
  CHECK_FALSE(a.event_date.date);
  const auto b = analyze("Rockets hit Erbil", "Rockets struck Erbil airport on February 15, 2021.", std::nullopt);
  CHECK(b.event_date.date->iso() == "2021-02-15");
}

TEST_CASE("with no date in the text the publication date stands in, and says so") {
  const auto a = analyze("Rockets hit Erbil", "Rockets struck Erbil airport.", Date::ymd(2021, 2, 16));
  CHECK(a.event_date.date->iso() == "2021-02-16");
  CHECK(a.event_date.from == "published");
}

TEST_CASE("mentions keep code point spans into their field") {
  const std::string text = "Kata\xE2\x80\x99ib Hezbollah fired rockets.";
  const auto a = analyze("Attack", text, Date::ymd(2024, 1, 1));
  const FacetValue* kh = value(a, Facet::group, "kataib-hezbollah");
  REQUIRE(kh);
  CHECK(kh->mentions[0].field == "text");
  CHECK(kh->mentions[0].begin == 0);
  CHECK(kh->mentions[0].end == 17);
  CHECK(kh->mentions[0].text == "Kata\xE2\x80\x99ib Hezbollah");
}

TEST_CASE("explain records carry the documented fields") {
  RawArticle raw;
  raw.title = "Rockets hit Rmelan";
  raw.text = "Rockets hit Rmelan on Sunday.";
  raw.published = Date::ymd(2024, 4, 22);
  raw.url = "https://example.org/a";
  raw.format = "json";
  const Analyzer an(gazetteer());
  const auto j = an.explain(an.analyze(raw));
  for (const char* k : {"id", "title", "source", "url", "published", "published_precision", "event_date",
                        "event_date_precision", "event_date_text", "groups", "weapons", "locations", "killed", "injured"})
    CHECK_MESSAGE(j.contains(k), k);
  CHECK(j["event_date"] == "2024-04-21");
  CHECK(j["locations"][0]["path"].size() >= 2);
}
