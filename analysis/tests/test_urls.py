"""URL normalisation, urlKey and variant keys (spec §2.7, §0.6)."""

import unittest

from rankmap_analysis.urls import looks_like_url, normalise_url, url_key, variant_key


class NormaliseUrlTest(unittest.TestCase):
    def test_scheme_and_host_are_lower_cased_but_path_case_is_kept(self):
        self.assertEqual(normalise_url("HTTPS://Example.COM/Path/Page"),
                         "https://example.com/Path/Page")

    def test_default_ports_are_dropped_and_others_kept(self):
        self.assertEqual(normalise_url("https://example.com:443/a"), "https://example.com/a")
        self.assertEqual(normalise_url("http://example.com:80/a"), "http://example.com/a")
        self.assertEqual(normalise_url("https://example.com:8443/a"),
                         "https://example.com:8443/a")

    def test_fragment_is_dropped(self):
        self.assertEqual(normalise_url("https://example.com/a/#step-2"), "https://example.com/a/")

    def test_tracking_parameters_are_dropped_and_others_kept_in_order(self):
        self.assertEqual(
            normalise_url("https://example.com/a?utm_source=x&b=2&gclid=1&a=1&fbclid=2&msclkid=3"),
            "https://example.com/a?b=2&a=1")

    def test_trailing_slash_is_kept(self):
        self.assertNotEqual(normalise_url("https://example.com/a/"),
                            normalise_url("https://example.com/a"))

    def test_text_that_is_not_a_url_is_only_trimmed(self):
        self.assertEqual(normalise_url("  /relative/path "), "/relative/path")


class UrlKeyTest(unittest.TestCase):
    def test_scheme_www_and_trailing_slash_are_ignored(self):
        keys = {url_key(normalise_url(u)) for u in (
            "http://www.example.com/a/", "https://example.com/a", "https://www.example.com/a")}
        self.assertEqual(keys, {"example.com/a"})

    def test_the_query_string_is_kept_in_url_key_but_not_in_variant_key(self):
        self.assertEqual(url_key("https://example.com/a/?p=1"), "example.com/a?p=1")
        self.assertEqual(variant_key("https://example.com/a/?p=1"), "example.com/a")

    def test_the_site_root_keeps_its_host(self):
        self.assertEqual(url_key("https://www.example.com/"), "example.com")

    def test_looks_like_url_needs_an_http_scheme(self):
        self.assertTrue(looks_like_url("https://duo.com/"))
        self.assertTrue(looks_like_url("HTTP://duo.com/"))
        self.assertFalse(looks_like_url("duo.com"))


if __name__ == "__main__":
    unittest.main()
