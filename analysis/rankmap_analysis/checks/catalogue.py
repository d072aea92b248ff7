"""The check catalogue and the thresholds every rule reads.

This module owns the static description of each on-page check of analysis-spec §5: its id,
label, category, severity, the threshold it compares with, why it matters, where the rule comes
from and the standard recommendation. The result's top-level ``checks`` list (§9.6), the ``label``
of every issue and the ``summary.thresholds`` object are all produced from here, so the workbook
never needs a second copy of these texts. It holds data only; the rules live in ``rules.py``.
"""

from __future__ import annotations

# Default thresholds (analysis-spec §5, §6, §7). Recorded as used in ``summary.thresholds``.
THRESHOLDS: dict = {
    "titleMaxChars": 60,
    "titleMinChars": 30,
    "titleMaxPixels": 561,
    "titleMinPixels": 200,
    "metaDescriptionMaxChars": 160,
    "metaDescriptionMinChars": 70,
    "metaDescriptionMaxPixels": 985,
    "h1MaxChars": 70,
    "thinContentWords": 200,
    "urlMaxLength": 115,
    "urlMaxFolderDepth": 4,
    "crawlDepthHigh": 4,
    "nonIndexableTrafficImpressions": 100,
    "lowCtrMinImpressions": 100,
    "lowCtrMaxPosition": 10,
    "lowCtrRatio": 0.5,
    "pageTwoMinImpressions": 100,
    "impressionsNoClicksMin": 500,
    "keywordPartialMatchRatio": 0.5,
    "relatedUrlsMax": 10,
    "cannibalizationMinImpressions": 50,
    "cannibalizationMinShare": 0.10,
    "cannibalizationMaxPosition": 20,
    "cannibalizationHighMaxPosition": 10,
    "opportunityMinImpressions": 50,
    "opportunityMinVolume": 50,
    "quickWinMinPosition": 4,
    "quickWinMaxPosition": 10,
    "strikingDistanceMaxPosition": 20,
    "quickWinTargetPosition": 3,
    "strikingDistanceTargetPosition": 8,
    "declinedPositionDelta": 5,
    "siteCurveMinRows": 10,
    "siteCurveMinImpressions": 1000,
    "recommendedMaxRows": 500,
}

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {name: index for index, name in enumerate(SEVERITY_ORDER)}
SEVERITY_WEIGHT = {"critical": 10, "high": 5, "medium": 3, "low": 1, "info": 0}

_SF = "Screaming Frog SEO Spider default"
_GOOGLE_URLS = "Google Search Central: URL structure best practices"
_GOOGLE_TITLES = "Google Search Central: Influencing title links"
_GOOGLE_SNIPPETS = "Google Search Central: Control your snippets"
_GOOGLE_HEADINGS = "Google (John Mueller, #AskGoogleWebmasters 2019): multiple H1s are fine"
_HTTP = "HTTP status semantics; Screaming Frog SEO Spider response codes"
_ROBOTS = "Google Search Central: robots meta tag and robots.txt"
_CANONICAL = "Google Search Central: consolidate duplicate URLs"
_CTR = "Sistrix 2020 CTR study (or the site's own CTR curve)"


class Check:
    """One catalogue entry: the fixed texts and the threshold of a §5 check."""

    __slots__ = ("id", "label", "category", "severity", "threshold", "why", "source",
                 "recommendation", "order")

    def __init__(self, check_id, label, category, severity, threshold, why, source,
                 recommendation):
        self.id = check_id
        self.label = label
        self.category = category
        self.severity = severity
        self.threshold = threshold
        self.why = why
        self.source = source
        self.recommendation = recommendation
        self.order = 0

    def catalogue_entry(self) -> dict:
        """The §9.6 object, keys in the documented order."""
        return {
            "id": self.id,
            "label": self.label,
            "category": self.category,
            "severity": self.severity,
            "threshold": self.threshold,
            "why": self.why,
            "source": self.source,
        }


def _build(thresholds: dict) -> list:
    t = thresholds
    low_ctr = (f"impressions ≥ {t['lowCtrMinImpressions']}, position ≤ {t['lowCtrMaxPosition']}, "
               f"CTR < {t['lowCtrRatio']} × expected")
    entries = [
        # §5.1 response and indexability
        Check("status_4xx", "Client error (4xx)", "response", "critical", "400–499",
              "Visitors and crawlers get an error instead of the page; links to it are wasted.",
              _HTTP, "Restore the page, or 301-redirect it to the closest live page and fix the "
              "links pointing to it."),
        Check("status_5xx", "Server error (5xx)", "response", "critical", "≥ 500",
              "Server errors stop crawling and, if they persist, drop the page from the index.",
              _HTTP, "Fix the server error; check logs and hosting capacity."),
        Check("no_response", "No response", "response", "high", None,
              "The crawler got no HTTP answer (timeout or refused connection), so nothing on the "
              "page can be indexed.", _HTTP,
              "Check that the server answers this URL reliably and quickly."),
        Check("redirect_3xx", "Redirect (3xx)", "response", "medium", "300–399",
              "Internal links to redirects cost a hop for users and crawl budget for search "
              "engines.", _HTTP, "Link directly to the final URL; keep only necessary redirects."),
        Check("blocked_by_robots", "Blocked by robots.txt", "indexability", "high", None,
              "Search engines cannot crawl a blocked URL, so its content cannot rank.", _ROBOTS,
              "Allow crawling in robots.txt if the page should rank; otherwise ignore."),
        Check("noindex", "Noindex", "indexability", "high", None,
              "A noindex directive keeps the page out of search results.", _ROBOTS,
              "Remove the noindex directive if the page should appear in search."),
        Check("canonicalised", "Canonicalised to another URL", "indexability", "medium", None,
              "The page points its canonical at another URL, so it will usually not be indexed "
              "itself.", _CANONICAL,
              "Make sure this URL is meant to be a duplicate; otherwise make the canonical "
              "self-referencing and link to the canonical version."),
        Check("canonical_missing", "Canonical missing", "indexability", "low", None,
              "Without a canonical, parameter and variant URLs can split signals between "
              "duplicates.", _CANONICAL, "Add a self-referencing canonical link element."),
        Check("non_indexable_with_traffic", "Non-indexable page with search traffic",
              "indexability", "high",
              f"clicks > 0 or impressions ≥ {t['nonIndexableTrafficImpressions']}",
              "The page still earns search traffic that it will lose once it drops out of the "
              "index.", "Google Search Console data joined with the crawl",
              "Check whether the page should be indexable; if not, redirect its traffic to the "
              "right page."),
        # §5.2 title
        Check("title_missing", "Title missing", "title", "high", 0,
              "The title is the main text of the search result; without one Google invents it.",
              _GOOGLE_TITLES, "Write a unique, descriptive title for the page."),
        Check("title_too_long_chars", "Title too long (characters)", "title", "low",
              t["titleMaxChars"],
              "Long titles are usually truncated in the search result.", _SF,
              "Shorten the title or move the key phrase to the start."),
        Check("title_too_long_pixels", "Title too wide (pixels)", "title", "medium",
              t["titleMaxPixels"],
              "Google truncates titles by pixel width (about 600 px on desktop).", _SF,
              "Shorten the title or move the key phrase to the start."),
        Check("title_too_short_chars", "Title too short (characters)", "title", "low",
              t["titleMinChars"],
              "A very short title wastes space to describe the page and is often rewritten.",
              _SF, "Make the title more descriptive: add the topic and a qualifier."),
        Check("title_too_short_pixels", "Title too narrow (pixels)", "title", "low",
              t["titleMinPixels"],
              "A very narrow title uses little of the space the search result offers.", _SF,
              "Make the title more descriptive: add the topic and a qualifier."),
        Check("title_duplicate", "Duplicate title", "title", "high", 2,
              "Pages sharing a title compete with each other and look identical in results.",
              _GOOGLE_TITLES, "Give every indexable page its own title."),
        Check("title_multiple", "Multiple titles", "title", "medium", 1,
              "With several title elements the search engine has to guess which one applies.",
              _SF, "Keep a single title element in the page head."),
        Check("title_same_as_h1", "Title same as H1", "title", "info", None,
              "An identical title and H1 is fine but misses a chance to target a variant.", _SF,
              "Optionally vary the title and H1 to cover a related phrasing."),
        # §5.3 meta description
        Check("meta_description_missing", "Meta description missing", "meta_description",
              "medium", 0,
              "Without a description Google builds the snippet from page text, which may read "
              "poorly.", _GOOGLE_SNIPPETS, "Write a unique description summarising the page."),
        Check("meta_description_too_long_chars", "Meta description too long (characters)",
              "meta_description", "low", t["metaDescriptionMaxChars"],
              "Long descriptions are cut off in the snippet.",
              "Industry range 70–160 characters (Screaming Frog default max 155)",
              "Shorten the description so the key message fits before the cut."),
        Check("meta_description_too_long_pixels", "Meta description too wide (pixels)",
              "meta_description", "low", t["metaDescriptionMaxPixels"],
              "Snippets are truncated by pixel width.", _SF,
              "Shorten the description so the key message fits before the cut."),
        Check("meta_description_too_short", "Meta description too short", "meta_description",
              "low", t["metaDescriptionMinChars"],
              "A very short description gives searchers little reason to click.",
              "Industry range 70–160 characters",
              "Expand the description with what the page offers and a reason to visit."),
        Check("meta_description_duplicate", "Duplicate meta description", "meta_description",
              "medium", 2, "Google recommends unique, page-specific descriptions.",
              _GOOGLE_SNIPPETS, "Write a distinct description for each indexable page."),
        Check("meta_description_multiple", "Multiple meta descriptions", "meta_description",
              "low", 1, "With several descriptions the search engine has to pick one.", _SF,
              "Keep a single meta description element."),
        # §5.4 headings
        Check("h1_missing", "H1 missing", "headings", "medium", 0,
              "The main heading tells users and search engines what the page is about.", _SF,
              "Add one H1 that states the page's topic."),
        Check("h1_multiple", "Multiple H1", "headings", "low", 1,
              "Multiple H1s are fine for Google but can blur the page's main topic.",
              _GOOGLE_HEADINGS, "Consider one main H1 and H2s for sections."),
        Check("h1_duplicate", "Duplicate H1", "headings", "low", 2,
              "Pages with the same main heading look like the same topic.", _SF,
              "Give each indexable page a distinct H1."),
        Check("h1_too_long", "H1 too long", "headings", "low", t["h1MaxChars"],
              "A long main heading is harder to scan.", _SF, "Shorten the H1 to the core topic."),
        Check("h2_missing", "H2 missing", "headings", "info", None,
              "Subheadings structure longer content for readers.", _SF,
              "Add H2 subheadings where the content has sections."),
        # §5.5 content
        Check("thin_content", "Thin content", "content", "medium", t["thinContentWords"],
              "Word count is not a ranking factor, but very short pages often fail to answer "
              "the query.", _SF + " (Low Content Pages)",
              "Add useful content, or merge the page into a stronger one."),
        Check("exact_duplicate", "Exact duplicate page", "content", "medium", 2,
              "Identical pages split links and rankings between copies.", _SF,
              "Keep one version: redirect or canonicalise the copies."),
        Check("near_duplicate", "Near-duplicate page", "content", "low", 0,
              "Very similar pages compete with each other for the same queries.",
              "Screaming Frog SEO Spider (90 % similarity)",
              "Differentiate the content or consolidate the pages."),
        # §5.6 URL structure
        Check("url_too_long", "URL too long", "url", "low", t["urlMaxLength"],
              "Long URLs are hard to read and share and are truncated in results.", _SF,
              "Use a shorter, descriptive URL (redirect the old one)."),
        Check("url_underscores", "Underscores in URL", "url", "low", None,
              "Google recommends hyphens rather than underscores to separate words.",
              _GOOGLE_URLS, "Use hyphens between words in new URLs."),
        Check("url_uppercase", "Uppercase in URL", "url", "low", None,
              "URLs are case-sensitive, so mixed case invites duplicate URLs.", _GOOGLE_URLS,
              "Use lower-case URLs and redirect upper-case variants."),
        Check("url_parameters", "URL parameters", "url", "info", None,
              "Parameters can create many URLs for the same content.", _GOOGLE_URLS,
              "Make sure parameter URLs are canonicalised or needed."),
        Check("url_non_ascii", "Non-ASCII characters in URL", "url", "low", None,
              "Non-ASCII characters are percent-encoded and can be mangled when shared.",
              _GOOGLE_URLS, "Prefer ASCII words in URLs, or make sure encoding is consistent."),
        Check("url_multiple_slashes", "Multiple slashes in URL", "url", "low", None,
              "A double slash usually comes from a broken link template and duplicates URLs.",
              _SF, "Fix the link template so paths have single slashes."),
        Check("url_contains_space", "Space in URL", "url", "low", None,
              "Spaces are encoded as %20 and often break when URLs are copied.", _SF,
              "Replace spaces with hyphens."),
        Check("url_deep_folder", "Deep folder structure", "url", "info", t["urlMaxFolderDepth"],
              "Deep paths are harder to read and often signal a deep site structure.",
              _GOOGLE_URLS, "Keep URL paths short and logical."),
        Check("crawl_depth_high", "High crawl depth", "url", "low", t["crawlDepthHigh"],
              "Pages many clicks from the start page are crawled less and receive less "
              "internal link equity.", _SF,
              "Link to the page from higher-level pages or hubs."),
        # §5.7 keyword alignment
        Check("keyword_missing_in_title", "Target keyword not in title", "keyword", "medium",
              None, "The title is the strongest on-page signal of what a page is about.",
              _GOOGLE_TITLES, "Work the target keyword naturally into the title."),
        Check("keyword_missing_in_h1", "Target keyword not in H1", "keyword", "low", None,
              "The main heading confirms the page's topic to readers.", _SF,
              "Use the target keyword or a close variant in the H1."),
        Check("keyword_missing_in_meta_description", "Target keyword not in meta description",
              "keyword", "low", None,
              "Google highlights query words in snippets, which helps the result stand out.",
              _GOOGLE_SNIPPETS, "Mention the target keyword in the description."),
        Check("keyword_missing_in_url", "Target keyword not in URL", "keyword", "low", None,
              "Descriptive words in a URL help users and search engines understand the page.",
              _GOOGLE_URLS, "For new pages, include the main keyword in the URL slug."),
        # §5.8 performance
        Check("low_ctr_for_position", "Low CTR for position", "performance", "medium", low_ctr,
              "The page is shown near the top but is clicked far less than pages at that "
              "position usually are.", _CTR,
              "Rewrite the title and description to match the query; check SERP features."),
        Check("page_two_ranking", "Ranking on page two", "performance", "low",
              f"10 < position ≤ 20, impressions ≥ {t['pageTwoMinImpressions']}",
              "Page-two results get a small share of clicks; a small gain can move the page to "
              "page one.", "Sistrix 2020 CTR study",
              "Strengthen the content and internal links for the page's main queries."),
        Check("impressions_no_clicks", "Impressions without clicks", "performance", "low",
              t["impressionsNoClicksMin"],
              "The page is seen in results but never chosen.", "Google Search Console data",
              "Check the queries it shows for and make the snippet answer them."),
    ]
    for index, check in enumerate(entries):
        check.order = index
    return entries


CHECKS: list = _build(THRESHOLDS)
CHECKS_BY_ID: dict = {check.id: check for check in CHECKS}
