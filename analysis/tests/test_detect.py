"""Source detection in the spec's order (spec §3, §0.3, §0.17) on synthetic headers."""

import unittest

from rankmap_analysis.detect import detect
from rankmap_analysis.fields import HeaderMap


def source(header: str, *rows: str, sep: str = ","):
    cells = header.split(sep)
    sample = [r.split(sep) + [""] * (len(cells) - len(r.split(sep))) for r in rows]
    return detect(HeaderMap(cells), sample)


SF_INTERNAL = ("Address,Content Type,Status Code,Status,Indexability,Indexability Status,"
               "Title 1,Title 1 Length,Meta Description 1,H1-1,Word Count,Crawl Depth")
SEMRUSH = ("Keyword,Position,Previous position,Search Volume,Keyword Difficulty,CPC,URL,Traffic,"
           "Traffic (%),Traffic Cost,Competition,Number of Results,Trends,Timestamp,"
           "SERP Features by Keyword,Keyword Intents,Position Type")
AHREFS_V3 = ("Keyword\tCountry code\tLocation\tLanguage\tEntities\tSERP features\tVolume\tKD\tCPC\t"
             "Organic traffic\tPaid traffic\tCurrent position\tCurrent URL\tCurrent URL inside\t"
             "Updated\tNavigational\tInformational\tCommercial\tTransactional\tBranded\tLocal")
AHREFS_COMPARE = (
    "Keyword,Country,Location,Language,Entities,Branded,Local,Navigational,Informational,"
    "Commercial,Transactional,SERP features,Volume,KD,CPC,Previous organic traffic,"
    "Current organic traffic,Organic traffic change,Current paid traffic,Previous position,"
    "Current position,Position change,Previous position kind,Previous URL,"
    "Current position kind,Current URL,Previous date,Current date")
AHREFS_LEGACY = ("#,Keyword,Position,Position History,Position History Date,Volume,URL,"
                 "Difficulty,Traffic (desc),CPC,Last Update,Page URL inside,SERP Features")


class ToolExportsTest(unittest.TestCase):
    def test_screaming_frog_internal_needs_address_indexability_title_and_content_type(self):
        self.assertEqual(source(SF_INTERNAL).source_id, "screaming_frog_internal")
        lengths_only = SF_INTERNAL.replace("Title 1,", "")
        self.assertEqual(source(lengths_only).source_id, "screaming_frog_internal")
        no_content_type = SF_INTERNAL.replace("Content Type,", "")
        self.assertNotEqual(source(no_content_type).source_id, "screaming_frog_internal")

    def test_screaming_frog_tab_exports_by_occurrences_or_tab_headers(self):
        titles = source("Address,Occurrences,Title 1,Title 1 Length,Title 1 Pixel Width,"
                        "Indexability,Indexability Status")
        self.assertEqual((titles.source_id, titles.variant), ("screaming_frog_tab", "page_titles"))
        codes = source("Address,Content Type,Status Code,Status,Indexability,"
                       "Indexability Status,Inlinks,Response Time,Redirect URL,Redirect Type")
        self.assertEqual((codes.source_id, codes.variant),
                         ("screaming_frog_tab", "response_codes"))
        h1 = source("Address,Occurrences,H1-1,H1-1 Length,H1-2,H1-2 Length,Indexability,"
                    "Indexability Status")
        self.assertEqual(h1.variant, "h1")

    def test_ahrefs_v3_and_its_compare_variant(self):
        v3 = source(AHREFS_V3, sep="\t")
        self.assertEqual((v3.source_id, v3.variant, v3.tool),
                         ("ahrefs_organic_keywords", "v3", "Ahrefs"))
        compare = source(AHREFS_COMPARE)
        self.assertEqual((compare.source_id, compare.variant),
                         ("ahrefs_organic_keywords", "v3_compare"))

    def test_ahrefs_legacy_by_its_history_or_traffic_sort_columns(self):
        self.assertEqual(source(AHREFS_LEGACY).source_id, "ahrefs_organic_keywords_legacy")
        asc = "Keyword,Position,Volume,URL,Traffic (asc)"
        self.assertEqual(source(asc).source_id, "ahrefs_organic_keywords_legacy")

    def test_semrush_positions_full_and_2026_order(self):
        self.assertEqual(source(SEMRUSH).source_id, "semrush_positions")
        short = ("Keyword,Position,Search Volume,Traffic,URL,Keyword Difficulty,CPC,"
                 "Keyword Intents,SERP Features by Keyword")
        self.assertEqual(source(short).source_id, "semrush_positions")

    def test_semrush_needs_one_of_its_marker_columns(self):
        plain = "Keyword,Position,Search Volume,URL"
        self.assertEqual(source(plain).source_id, "generic_rankings")


class SearchConsoleTest(unittest.TestCase):
    def test_query_page_shapes_from_api_looker_and_bigquery(self):
        api = source("Date,Page,Query,Clicks,Impressions,CTR,Position")
        self.assertEqual((api.source_id, api.variant), ("gsc_query_page", "api_with_date"))
        self.assertEqual(source("query,page,clicks,impressions,ctr,position,country,device")
                         .variant, "api")
        looker = source("Landing Page,Query,Url Clicks,Impressions,URL CTR,Average Position")
        self.assertEqual((looker.source_id, looker.variant), ("gsc_query_page", "looker_studio"))
        bigquery = source("data_date,site_url,url,query,is_anonymized_query,country,"
                          "search_type,device,impressions,clicks,sum_position")
        self.assertEqual((bigquery.source_id, bigquery.variant), ("gsc_query_page", "bigquery"))

    def test_the_bigquery_site_table_is_a_per_query_pull(self):
        detection = source("data_date,site_url,query,is_anonymized_query,country,search_type,"
                           "device,impressions,clicks,sum_top_position",
                           "2024-01-01,sc-domain:a.com,shoes,false,fra,WEB,MOBILE,10,1,20")
        self.assertEqual((detection.source_id, detection.variant),
                         ("gsc_queries", "api_aggregated"))

    def test_ui_queries_and_pages_in_every_listed_language(self):
        for header, row in (
                ("Top queries,Clicks,Impressions,CTR,Position", "duo,1,2,3%,4"),
                ("Requêtes les plus fréquentes,Clics,Impressions,CTR,Position", "pneu,1,2,3%,4"),
                ("Häufigste Suchanfragen,Klicks,Impressionen,CTR,Position", "reifen,1,2,3%,4"),
                ("上位のクエリ,クリック数,表示回数,CTR,掲載順位", "タイヤ,1,2,3%,4")):
            self.assertEqual(source(header, row).source_id, "gsc_queries", header)
        for header in ("Top pages,Clicks,Impressions,CTR,Position",
                       "Pages les plus populaires,Clics,Impressions,CTR,Position",
                       "Die häufigsten Seiten,Klicks,Impressionen,CTR,Position",
                       "上位のページ,クリック数,表示回数,CTR,掲載順位"):
            detection = source(header, "https://a.com/,1,2,3%,4")
            self.assertEqual((detection.source_id, detection.variant),
                             ("gsc_pages", "ui_export"), header)

    def test_an_unknown_first_header_is_decided_by_its_values(self):
        header = "Consultas principales,Clicks,Impressions,CTR,Position"
        urls = ["https://a.com/%d,1,2,3%%,4" % i for i in range(8)] + ["x,1,2,3%,4"] * 2
        self.assertEqual(source(header, *urls).source_id, "gsc_pages")
        words = ["q%d,1,2,3%%,4" % i for i in range(9)] + ["https://a.com/,1,2,3%,4"]
        self.assertEqual(source(header, *words).source_id, "gsc_queries")

    def test_url_share_thresholds_are_80_and_20_percent(self):
        header = "Dimension X,Clicks,Impressions,CTR,Position"

        def rows(urls, total=10):
            return [f"https://a.com/{i},1,2,3%,4" for i in range(urls)] + [
                f"q{i},1,2,3%,4" for i in range(total - urls)]
        self.assertEqual(source(header, *rows(8)).source_id, "gsc_pages")
        self.assertEqual(source(header, *rows(1)).source_id, "gsc_queries")
        self.assertEqual(source(header, *rows(2)).source_id, "unknown")
        self.assertEqual(source(header, *rows(7)).source_id, "unknown")

    def test_comparison_mode_maps_previous_columns(self):
        header = ("Top pages,Last 3 months Clicks,Previous 3 months Clicks,"
                  "Last 3 months Impressions,Previous 3 months Impressions,Last 3 months CTR,"
                  "Previous 3 months CTR,Last 3 months Position,Previous 3 months Position")
        detection = source(header, "https://a.com/,1,2,3,4,5%,6%,7,8")
        self.assertEqual((detection.source_id, detection.variant), ("gsc_pages", "ui_compare"))
        mapped = HeaderMap(header.split(","))
        self.assertEqual(mapped.column_of_field["clicks"], 1)
        self.assertEqual(mapped.column_of_field["previousClicks"], 2)
        self.assertEqual(mapped.column_of_field["previousPosition"], 8)
        self.assertTrue(mapped.is_compare)

    def test_french_comparison_mode_takes_the_first_column_as_current(self):
        header = ("Requêtes les plus fréquentes,3 derniers mois Clics,3 mois précédents Clics,"
                  "3 derniers mois Impressions,3 mois précédents Impressions")
        mapped = HeaderMap(header.split(","))
        self.assertEqual((mapped.column_of_field["clicks"],
                          mapped.column_of_field["previousClicks"]), (1, 2))

    def test_countries_devices_dates_and_appearance_tables_are_not_analysable(self):
        for first, table in (("Country", "Countries"), ("Pays", "Countries"),
                             ("Device", "Devices"), ("Appareils", "Devices"),
                             ("Gerät", "Devices"), ("Date", "Dates"), ("Datum", "Dates"),
                             ("日付", "Dates"), ("Search Appearance", "Search appearance"),
                             ("国", "Countries"), ("デバイス", "Devices"), ("Land", "Countries")):
            detection = source(f"{first},Clicks,Impressions,CTR,Position", "x,1,2,3%,4")
            self.assertEqual((detection.source_id, detection.gsc_table, detection.analysable),
                             ("gsc_other", table, False), first)

    def test_a_date_first_table_with_a_page_column_is_an_api_pull(self):
        pages = source("date,page,clicks,impressions,ctr,position",
                       "2024-01-01,https://a.com/,1,2,0.5,3")
        self.assertEqual((pages.source_id, pages.variant), ("gsc_pages", "api_aggregated"))
        queries = source("date,query,clicks,impressions,ctr,position,device",
                         "2024-01-01,shoes,1,2,0.5,3,MOBILE")
        self.assertEqual((queries.source_id, queries.variant), ("gsc_queries", "api_aggregated"))


class GenericShapesTest(unittest.TestCase):
    def test_moz_rankings_are_recognised_by_their_metric_names(self):
        detection = source("Keyword,URL,Rank,Monthly Volume,Difficulty,Organic CTR,Priority")
        self.assertEqual((detection.source_id, detection.tool_guess),
                         ("moz_keywords", "Moz Pro"))

    def test_generic_rankings_guess_the_tool(self):
        detection = source("Keyword,URL,Position,Suchvolumen,Konkurrenz")
        self.assertEqual((detection.source_id, detection.tool_guess),
                         ("generic_rankings", "Sistrix"))

    def test_keyword_lists_without_url(self):
        semrush = source('Keyword,Intent,Volume,KD %,CPC,Competition,Results')
        self.assertEqual((semrush.source_id, semrush.tool_guess), ("keyword_list", "Semrush"))
        ahrefs = source("#\tKeyword\tCountry\tDifficulty\tVolume\tCPC\tCPS\tParent Keyword\t"
                        "Last Update\tSERP Features\tGlobal volume\tTraffic potential", sep="\t")
        self.assertEqual((ahrefs.source_id, ahrefs.tool_guess),
                         ("keyword_list", "Ahrefs Keywords Explorer"))
        gkp = source("Keyword,Avg. monthly searches,Competition")
        self.assertEqual((gkp.source_id, gkp.tool_guess),
                         ("keyword_list", "Google Keyword Planner"))

    def test_keyword_url_lists_including_the_page_keywords_shape(self):
        self.assertEqual(source("keyword,url").source_id, "generic_keyword_url")
        self.assertEqual(source("Page;Keywords", sep=";").source_id, "generic_keyword_url")
        self.assertEqual(source("Target URL,Search Term,Volume").source_id,
                         "generic_keyword_url")

    def test_generic_onpage_lists(self):
        self.assertEqual(source("url,title,h1,meta_description").source_id, "generic_onpage")
        self.assertEqual(source("URL,Meta Description").source_id, "generic_onpage")
        self.assertEqual(source("url,meta_description").source_id, "generic_onpage")

    def test_anything_else_is_unknown(self):
        self.assertEqual(source("url,status code").source_id, "unknown")
        self.assertEqual(detect(None, []).source_id, "unknown")


if __name__ == "__main__":
    unittest.main()
