// Reading a news article out of an HTML page with libxml2's forgiving HTML parser: its title,
// publication date, outlet and address from the page's metadata, and its paragraphs without
// the menus, share buttons, related links and comment sections around them. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dates.h"

namespace incidex {

struct HtmlPage {
  std::string title;   // og:title, else the article's <h1>, else <title> without " | Site"
  std::string source;  // og:site_name, else application-name
  std::string url;     // <link rel=canonical>, else og:url
  std::optional<Date> published;  // the first date field below that parses
  std::string published_text;     // its text; when no field parses, the first field's text
  std::string published_field;  // where it was found: "article:published_time", "time datetime"…
  std::vector<std::string> paragraphs;  // text blocks of the article, whitespace collapsed
};

// Extracts the article from a UTF-8 HTML page. Dates are looked for in this order:
// meta article:published_time, og:article:published_time, datePublished (itemprop or name),
// pubdate, date, DC.date, a <time datetime> inside the article, JSON-LD "datePublished".
// Paragraphs come from the <article> (else <main>, else the <div>/<section> holding the most
// paragraph text, else <body>) as the text of its p, h2–h6, li, blockquote and pre elements,
// skipping scripts, navigation, headers, footers, asides, forms, figures, buttons and elements
// whose class or id names sharing, social links, related items, newsletters, comments,
// adverts, promotions, breadcrumbs, subscriptions or cookies. Never throws for bad markup.
HtmlPage extract_html(std::string_view utf8_html);

// The charset an HTML page declares in a <meta> tag within its first 4 KiB
// (<meta charset="…"> or content="text/html; charset=…"), lower case; "" when there is none.
std::string declared_charset(std::string_view html);

}  // namespace incidex
