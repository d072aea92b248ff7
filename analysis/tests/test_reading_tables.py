"""Building the data model from synthetic exports (spec §1.1, §1.6, §2.5, §2.6, §4)."""

import unittest

from rankmap_analysis.reading import probe_input

from . import TempFiles, dataset_for

API = "Date,Page,Query,Clicks,Impressions,CTR,Position\n"


class SearchConsoleAggregationTest(unittest.TestCase):
    def test_daily_rows_are_aggregated_per_query_and_page(self):
        ds = dataset_for(API + "2024-01-02,https://a.com/x,Shoes,1,10,0.1,2\n"
                               "2024-01-01,https://a.com/x#top,shoes,3,30,0.1,4\n"
                               "2024-01-03,https://a.com/y,shoes,0,60,0,9\n")
        self.assertEqual(ds.data_source, "gsc_query_page")
        self.assertEqual(len(ds.kw_rows), 2)
        first = ds.kw_rows[0]
        self.assertEqual((first.keyword, first.clicks, first.impressions), ("Shoes", 4, 40))
        self.assertAlmostEqual(first.ctr, 0.1)
        self.assertAlmostEqual(first.position, (2 * 10 + 4 * 30) / 40)
        self.assertEqual(ds.rows, {"read": 3, "analysed": 2, "skipped": 0, "skippedReasons": {},
                                   "aggregatedFrom": 3})
        self.assertEqual(ds.date_range, {"start": "2024-01-01", "end": "2024-01-03"})
        page = ds.pages["https://a.com/x"]
        self.assertEqual((page.clicks, page.impressions, page.keywords_count, page.top_keyword),
                         (4, 40, 1, "Shoes"))
        self.assertEqual(list(ds.pages), ["https://a.com/x", "https://a.com/y"])

    def test_bigquery_sum_position_is_zero_based(self):
        ds = dataset_for("data_date,site_url,url,query,is_anonymized_query,impressions,clicks,"
                         "sum_position\n"
                         "2024-01-01,sc-domain:a.com,https://a.com/,shoes,false,10,1,20\n"
                         "2024-01-02,sc-domain:a.com,https://a.com/,shoes,false,10,1,0\n"
                         "2024-01-02,sc-domain:a.com,https://a.com/,,true,5,0,0\n")
        row = ds.kw_rows[0]
        self.assertAlmostEqual(row.position, 20 / 20 + 1)
        self.assertEqual(ds.rows["skippedReasons"], {"empty_keyword": 1})
        self.assertEqual(ds.source["variant"], "bigquery")

    def test_a_page_only_api_pull_is_aggregated_per_page(self):
        ds = dataset_for("date,page,clicks,impressions,ctr,position\n"
                         "2024-01-01,https://a.com/,1,10,0.1,2\n"
                         "2024-01-02,https://a.com/,1,30,0.03,4\n")
        self.assertEqual(ds.data_source, "gsc_pages")
        page = ds.pages["https://a.com/"]
        self.assertEqual((page.clicks, page.impressions), (2, 40))
        self.assertAlmostEqual(page.position, 3.5)
        self.assertAlmostEqual(page.ctr, 0.05)
        self.assertEqual(ds.rows["analysed"], 1)
        self.assertEqual(ds.kw_rows, [])

    def test_a_query_only_api_pull_is_aggregated_per_query(self):
        ds = dataset_for("date,query,device,clicks,impressions,ctr,position\n"
                         "2024-01-01,shoes,MOBILE,1,10,0.1,2\n"
                         "2024-01-01,shoes,DESKTOP,1,10,0.1,4\n")
        self.assertEqual((ds.data_source, len(ds.kw_rows)), ("gsc_queries", 1))
        self.assertEqual(ds.kw_rows[0].url, None)
        self.assertAlmostEqual(ds.kw_rows[0].position, 3)

    def test_ui_percent_ctr_is_a_fraction_and_the_row_value_is_kept(self):
        ds = dataset_for("Top queries,Clicks,Impressions,CTR,Position\n"
                         "duo,82836,2235819,3.7%,3.63\n")
        self.assertAlmostEqual(ds.kw_rows[0].ctr, 0.037)
        self.assertFalse(ds.ctr_as_fraction)

    def test_ctr_fractions_are_kept_and_named_in_a_warning(self):
        ds = dataset_for(API + "2024-01-01,https://a.com/,a,1,2,0.5,3\n")
        self.assertTrue(ds.ctr_as_fraction)
        self.assertTrue(any("fraction" in w for w in ds.warnings))

    def test_ctr_above_one_without_percent_is_in_percent_units(self):
        ds = dataset_for("Top queries,Clicks,Impressions,CTR,Position\n"
                         "a,1,10,10,2\nb,1,100,1,3\n")
        self.assertEqual([round(k.ctr, 4) for k in ds.kw_rows], [0.1, 0.01])
        self.assertFalse(ds.ctr_as_fraction)

    def test_a_nan_ctr_cell_does_not_decide_the_ctr_unit(self):
        ds = dataset_for("Top queries,Clicks,Impressions,CTR,Position\n"
                         "a,1,10,nan,2\nb,1,100,12.5,3\n")
        self.assertFalse(ds.ctr_as_fraction)
        self.assertAlmostEqual(ds.kw_rows[1].ctr, 0.125)

    def test_a_missing_ctr_is_clicks_over_impressions(self):
        ds = dataset_for("query,page,clicks,impressions\nshoes,https://a.com/,5,20\n")
        self.assertAlmostEqual(ds.kw_rows[0].ctr, 0.25)

    def test_exactly_1000_ui_rows_warn_about_the_row_cap_and_999_do_not(self):
        head = "Top queries,Clicks,Impressions,CTR,Position\n"
        for n, capped in ((1000, True), (999, False)):
            ds = dataset_for(head + "".join(f"q{i},1,2,50%,3\n" for i in range(n)))
            self.assertEqual(ds.ui_row_capped, capped)
            self.assertEqual(any("1,000 rows" in w for w in ds.warnings), capped, n)

    def test_an_excel_comma_locale_file_reads_decimal_commas_and_space_thousands(self):
        ds = dataset_for("Top queries;Clicks;Impressions;CTR;Position\n"
                         "duo;1 234;10 000;2,7 %;1,5\nabc;2;100;0,5 %;12,25\n")
        first = ds.kw_rows[0]
        self.assertEqual((first.clicks, first.impressions), (1234, 10000))
        self.assertAlmostEqual(first.ctr, 0.027)
        self.assertAlmostEqual(first.position, 1.5)
        self.assertEqual(ds.source["delimiter"], ";")

    def test_a_semicolon_file_with_dot_decimals_stays_dot_decimal(self):
        ds = dataset_for("Keyword;URL;Position;Search Volume;CPC;Keyword Difficulty\n"
                         "a;https://a.com/;3;1.000;1.26;20\n")
        self.assertAlmostEqual(ds.kw_rows[0].cpc, 1.26)


    def test_looker_studio_downloads_are_query_page_data(self):
        ds = dataset_for("Landing Page,Query,Url Clicks,Impressions,URL CTR,Avg. Position\n"
                         "https://a.com/,shoes,2,20,10%,3.5\n")
        row = ds.kw_rows[0]
        self.assertEqual((ds.source["variant"], row.clicks, row.impressions),
                         ("looker_studio", 2, 20))
        self.assertAlmostEqual(row.ctr, 0.1)
        self.assertAlmostEqual(row.position, 3.5)

    def test_comparison_mode_keeps_the_previous_period(self):
        ds = dataset_for("Top queries,Last 28 days Clicks,Previous period Clicks,"
                         "Last 28 days Impressions,Previous period Impressions,"
                         "Last 28 days CTR,Previous period CTR,Last 28 days Position,"
                         "Previous period Position\n"
                         "shoes,10,4,100,80,10%,5%,3.2,4.5\n")
        row = ds.kw_rows[0]
        self.assertTrue(ds.is_compare)
        self.assertEqual((row.clicks, row.impressions, row.previous_clicks,
                          row.previous_impressions), (10, 100, 4, 80))
        self.assertAlmostEqual(row.previous_ctr, 0.05)
        self.assertEqual((row.position, row.previous_position), (3.2, 4.5))
        self.assertEqual(ds.source["variant"], "ui_compare")


class RankToolTest(unittest.TestCase):
    SEMRUSH = ("Keyword,Position,Previous position,Search Volume,Keyword Difficulty,CPC,URL,"
               "Traffic,Traffic (%),Trends,Timestamp,SERP Features by Keyword,Keyword Intents,"
               "Position Type\n")

    def test_semrush_rows_keep_every_url_and_tool_metrics(self):
        ds = dataset_for(self.SEMRUSH
                         + 'shoes,3,0,"8,100",40,1.2,https://a.com/s,100,0.06,"[0,1]",2023-09-09,'
                           '"Sitelinks, Video","commercial, informational",Organic\n'
                           "shoes,9,7,8100,40,1.2,https://a.com/t,5,0.01,,2023-09-10,,,"
                           "People also ask\n")
        self.assertEqual(ds.data_source, "semrush_positions")
        a, b = ds.kw_rows
        self.assertEqual((a.position, a.previous_position, a.search_volume, a.traffic),
                         (3, 0, 8100, 100))
        self.assertEqual(a.intent, ["commercial", "informational"])
        self.assertEqual(a.serp_features, ["Sitelinks", "Video"])
        self.assertIsNone(a.serp_feature_of_url)
        self.assertIsNone(a.ctr)  # Traffic (%) is never a CTR
        self.assertEqual(b.serp_feature_of_url, "People also ask")
        self.assertEqual(ds.date_range, {"start": "2023-09-09", "end": "2023-09-10"})
        self.assertEqual(ds.pages["https://a.com/s"].traffic, 100)

    def test_a_repeated_keyword_url_pair_keeps_its_best_position(self):
        ds = dataset_for(self.SEMRUSH
                         + "shoes,9,0,10,1,1,https://a.com/s,1,0,,,,,Organic\n"
                           "shoes,4,0,10,1,1,https://a.com/s,1,0,,,,,People also ask\n")
        self.assertEqual(len(ds.kw_rows), 1)
        self.assertEqual(ds.kw_rows[0].position, 4)
        self.assertEqual(ds.rows["analysed"], 1)

    def test_ahrefs_boolean_intent_columns_become_intents(self):
        ds = dataset_for("Keyword\tVolume\tKD\tCPC\tOrganic traffic\tCurrent position\t"
                         "Current URL\tCurrent URL inside\tUpdated\tNavigational\tInformational\t"
                         "Commercial\tTransactional\tBranded\tLocal\n"
                         "card\t100\t5\t\t10\t2\thttps://a.com/c\tAI Overview\t"
                         "2026-01-05 21:07:39\tfalse\ttrue\ttrue\tfalse\ttrue\tfalse\n")
        row = ds.kw_rows[0]
        self.assertEqual(row.intent, ["informational", "commercial", "branded"])
        self.assertEqual(row.serp_feature_of_url, "AI Overview")
        self.assertIsNone(row.cpc)
        self.assertIn("intent", ds.fields)
        self.assertTrue(any("cannibalisation cannot be computed" in w for w in ds.warnings))


    def test_ahrefs_compare_mode_reads_current_and_previous_values(self):
        ds = dataset_for("Keyword,Volume,KD,CPC,Previous organic traffic,"
                         "Current organic traffic,Organic traffic change,Previous position,"
                         "Current position,Position change,Previous URL,Current URL,"
                         "Previous date,Current date\n"
                         "card,100,5,1.5,40,60,20,7,3,4,https://a.com/old,https://a.com/c,"
                         "2025-12-01,2026-01-05\n"
                         "loan,50,9,2,10,0,-10,5,,lost,https://a.com/l,,2025-12-01,2026-01-05\n")
        self.assertEqual((ds.data_source, ds.source["variant"]),
                         ("ahrefs_organic_keywords", "v3_compare"))
        card, loan = ds.kw_rows
        self.assertEqual((card.url, card.position, card.previous_position, card.traffic,
                          card.previous_traffic, card.position_change),
                         ("https://a.com/c", 3, 7, 60, 40, "4"))
        self.assertEqual((loan.url, loan.position, loan.position_change), (None, None, "lost"))
        self.assertEqual(ds.date_range, {"start": "2026-01-05", "end": "2026-01-05"})
        self.assertTrue(ds.is_compare)

    def test_ahrefs_legacy_reads_history_and_the_feature_holding_the_url(self):
        ds = dataset_for("#\tKeyword\tPosition\tPosition History\tVolume\tURL\tDifficulty\t"
                         "Traffic (desc)\tCPC\tLast Update\tPage URL inside\tSERP Features\n"
                         "1\tcard\t2\t5\t900\thttps://a.com/c\t12\t300\t1.1\t2019-05-01\t"
                         "Featured snippet\tFeatured snippet, Sitelinks\n")
        row = ds.kw_rows[0]
        self.assertEqual(ds.data_source, "ahrefs_organic_keywords_legacy")
        self.assertEqual((row.position, row.previous_position, row.traffic,
                          row.keyword_difficulty, row.serp_feature_of_url),
                         (2, 5, 300, 12, "Featured snippet"))


class ListsTest(unittest.TestCase):
    def test_multi_keyword_cells_split_on_semicolon_when_any_cell_has_one(self):
        ds = dataset_for('Page;Keywords\r\nhttps://a.com/;"duo security, inc.; duo; ;duo"\r\n'
                         'https://a.com/b;"duo | mfa"\r\n')
        self.assertEqual(ds.multi_keyword_separator, ";")
        self.assertEqual([(k.keyword, k.rank_in_cell) for k in ds.kw_rows],
                         [("duo security, inc.", 1), ("duo", 2), ("duo | mfa", 1)])

    def test_pipe_is_the_separator_when_no_cell_has_a_semicolon(self):
        ds = dataset_for('url,keywords\nhttps://a.com/,"a | b, c"\n')
        self.assertEqual(ds.multi_keyword_separator, "|")
        self.assertEqual([k.keyword for k in ds.kw_rows], ["a", "b, c"])

    def test_comma_is_the_separator_when_nothing_else_is_used(self):
        ds = dataset_for('url,keywords\nhttps://a.com/,"a, b"\nhttps://a.com/c,d\n')
        self.assertEqual(ds.multi_keyword_separator, ",")
        self.assertEqual([k.keyword for k in ds.kw_rows], ["a", "b", "d"])

    def test_a_keyword_list_without_url_warns_and_keeps_metrics(self):
        ds = dataset_for('"Keyword","Intent","Volume","KD %","CPC","Competition","Results"\n'
                         '"json compare","N","8,100","23","6.17","0.00","117M"\n'
                         '"json","I, C","n/a","","0","0","3.9K"\n'
                         '"JSON ","I","1","1","1","1","1"\n')
        self.assertEqual(ds.data_source, "keyword_list")
        a, b = ds.kw_rows
        self.assertEqual((a.search_volume, a.number_of_results, a.intent),
                         (8100, 117_000_000, ["navigational"]))
        self.assertEqual((b.search_volume, b.number_of_results, b.intent),
                         (None, 3900, ["informational", "commercial"]))
        self.assertEqual(ds.rows["skippedReasons"], {"duplicate_keyword": 1})
        self.assertTrue(any("no URL/position" in w for w in ds.warnings))


    def test_a_keyword_list_with_positions_but_no_url_says_the_url_is_missing(self):
        ds = dataset_for("Keyword,Position,Volume\nshoes,4,100\n")
        self.assertEqual(ds.data_source, "keyword_list")
        self.assertEqual(ds.kw_rows[0].position, 4)
        self.assertTrue(any("no URL column" in w for w in ds.warnings))

    def test_rows_with_extra_cells_are_analysed_but_noted(self):
        ds = dataset_for("keyword,url\na,https://a.com/,extra\nb,https://a.com/b\n")
        self.assertEqual(ds.rows, {"read": 2, "analysed": 2, "skipped": 0,
                                   "skippedReasons": {"extra_cells_ignored": 1},
                                   "aggregatedFrom": 2})

    def test_a_duplicate_header_column_is_ignored_not_merged(self):
        ds = dataset_for("keyword,url,keyword\na,https://a.com/,b\n")
        self.assertEqual([k.keyword for k in ds.kw_rows], ["a"])
        self.assertEqual(ds.source["columnsIgnored"], ["keyword_2"])


class CrawlTest(unittest.TestCase):
    SF = ("Address,Content Type,Status Code,Status,Indexability,Indexability Status,Title 1,"
          "Title 1 Length,Meta Description 1,H1-1,H1-1 Length,H1-2,H2-1,Canonical Link Element 1,"
          "Hash,Clicks,Impressions,CTR,Position\n")

    def test_text_columns_empty_on_every_row_are_absent_and_named_once(self):
        ds = dataset_for(self.SF
                         + "https://a.com/,text/html,200,OK,Indexable,,,20,,,0,,,,,1,10,0.1,3\n"
                           "https://a.com/i.png,image/png,200,OK,Indexable,,,0,,,0,,,,,,,,\n")
        self.assertEqual(ds.empty_columns, ["Title 1", "Meta Description 1", "H1-1", "H1-2",
                                            "H2-1", "Canonical Link Element 1", "Hash"])
        self.assertEqual(sum("treated as absent" in w for w in ds.warnings), 1)
        self.assertNotIn("title", ds.fields)
        self.assertIn("titleLength", ds.fields)
        page = ds.pages["https://a.com/"]
        self.assertEqual((page.title, page.title_length, page.h1_count), (None, 20, None))
        self.assertAlmostEqual(page.ctr, 0.1)
        self.assertFalse(ds.pages["https://a.com/i.png"].is_html)
        self.assertEqual(ds.source["variant"], "internal_all")

    def test_h1_count_needs_a_non_empty_h1_2_column(self):
        ds = dataset_for(self.SF
                         + "https://a.com/,text/html,200,OK,Indexable,,T,1,,A,1,B,,,,,,,\n"
                           "https://a.com/b,text/html,200,OK,Indexable,,T,1,,A,1,,,,,,,,\n"
                           "https://a.com/c,text/html,200,OK,Indexable,,T,1,,,0,,,,,,,,\n")
        self.assertEqual([p.h1_count for p in ds.pages.values()], [2, 1, 0])
        self.assertTrue(ds.has_h1_second)

    def test_lengths_are_computed_from_text_when_no_length_column(self):
        ds = dataset_for("url,title,h1,meta_description\nhttps://a.com/,Hello,World,\n"
                         "https://a.com/b,,,Some text\n")
        page = ds.pages["https://a.com/"]
        self.assertEqual((page.title_length, page.h1_length, page.meta_description_length),
                         (5, 5, 0))
        self.assertEqual(ds.pages["https://a.com/b"].meta_description_length, 9)
        self.assertEqual(ds.data_source, "generic_onpage")

    def test_a_repeated_url_keeps_its_first_row(self):
        ds = dataset_for("url,title\nhttps://a.com/,One\nHTTPS://A.COM/#x,Two\n")
        self.assertEqual([p.title for p in ds.pages.values()], ["One"])
        self.assertEqual(ds.rows["skippedReasons"], {"duplicate_url": 1})

    def test_static_file_urls_without_content_type_are_not_html(self):
        ds = dataset_for("Address,Content Type,Status Code,Status,Indexability,Title 1\n"
                         "https://a.com/x.webp,,200,OK,Indexable,\n"
                         "https://a.com/page,,0,Blocked by robots.txt,Non-Indexable,\n")
        self.assertEqual([p.is_html for p in ds.pages.values()], [False, True])
        self.assertEqual(ds.pages["https://a.com/page"].status_code, 0)


class SourceInfoTest(unittest.TestCase):
    def test_summary_source_describes_the_file(self):
        ds = dataset_for("\ufeffExport date: 2024-04-01\nKeyword,URL,Position,Notes\n"
                         "a,https://a.com/,1,x\n")
        self.assertEqual(ds.source, {
            "id": "generic_rankings", "tool": None, "variant": "rankings",
            "label": "Keyword rankings (keyword, URL, position)", "encoding": "utf-8",
            "delimiter": ",", "hasBom": True, "headerRow": 2,
            "columnsFound": ["Keyword", "URL", "Position"], "columnsIgnored": ["Notes"],
            "toolGuess": None, "inputName": None})

    def test_the_probe_never_keeps_more_than_the_sample(self):
        with TempFiles() as tmp:
            path = tmp.write("big.csv", "keyword,url\n" + "a,b\n" * 5000)
            self.assertEqual(len(probe_input(path).sample), 200)


if __name__ == "__main__":
    unittest.main()
