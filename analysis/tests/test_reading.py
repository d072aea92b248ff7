"""Reading one input: encodings, header line + delimiter, rows (spec §2.1–2.4, §11, §13)."""

import codecs
import contextlib
import unittest

from rankmap_analysis import reading
from rankmap_analysis.errors import AnalysisError
from rankmap_analysis.fields import HeaderMap, normalise_header
from rankmap_analysis.reading import RowCounters, iter_records, probe_input

from . import TempFiles, dataset_for

GSC = "Top queries,Clicks,Impressions,CTR,Position\n"


@contextlib.contextmanager
def patched(module, name, value):
    """Temporarily replace a module constant."""
    old = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, old)


def probe_bytes(data: bytes, name: str = "in.csv"):
    with TempFiles() as tmp:
        return probe_input(tmp.write(name, data))


def rows_of(data: bytes | str, limit: int | None = None):
    """All fitted rows and the counters of one synthetic file."""
    with TempFiles() as tmp:
        path = tmp.write("in.csv", data)
        probe = probe_input(path)
        counters = RowCounters()
        old = reading.FIELD_SIZE_LIMIT
        if limit is not None:
            reading.set_field_size_limit(limit)
        try:
            rows = list(iter_records(probe, counters))
        finally:
            reading.set_field_size_limit(old)
        return probe, rows, counters


class EncodingTest(unittest.TestCase):
    def test_utf8_without_bom(self):
        probe = probe_bytes((GSC + "café,1,2,3%,4\n").encode())
        self.assertEqual((probe.encoding, probe.has_bom, probe.codec), ("utf-8", False, "utf-8"))
        self.assertEqual(probe.warnings, [])

    def test_utf8_with_bom_is_stripped(self):
        probe = probe_bytes(codecs.BOM_UTF8 + (GSC + "a,1,2,3%,4\n").encode())
        self.assertEqual((probe.encoding, probe.has_bom), ("utf-8", True))
        self.assertEqual(probe.header.display[0], "Top queries")

    def test_utf16_le_and_be_with_bom(self):
        text = GSC.replace(",", "\t") + "a\t1\t2\t3%\t4\n"
        for bom, codec, name in ((codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
                                 (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be")):
            probe = probe_bytes(bom + text.encode(codec))
            self.assertEqual((probe.encoding, probe.has_bom, probe.delimiter),
                             (name, True, "\t"))
            self.assertIn("UTF-16", probe.warnings[0])
            self.assertEqual(probe.sample[0][0], "a")

    def test_utf16_without_bom_is_recognised_by_its_zero_bytes(self):
        text = GSC.replace(",", "\t") + "a\t1\t2\t3%\t4\n"
        self.assertEqual(probe_bytes(text.encode("utf-16-le")).encoding, "utf-16-le")
        self.assertEqual(probe_bytes(text.encode("utf-16-be")).encoding, "utf-16-be")

    def test_invalid_utf8_falls_back_to_cp1252_with_a_warning(self):
        probe = probe_bytes((GSC + "caf\xe9,1,2,3%,4\n").encode("cp1252"))
        self.assertEqual(probe.encoding, "cp1252")
        self.assertIn("cp1252", probe.warnings[0])
        self.assertEqual(probe.sample[0][0], "café")

    def test_invalid_utf8_after_the_head_restarts_the_pass_in_cp1252(self):
        body = "".join(f"query {i},1,2,3%,4\n" for i in range(400))
        data = (GSC + body + "caf\xe9,1,2,3%,4\n").encode("cp1252")
        with patched(reading, "HEAD_BYTES", 4096):
            self.assertGreater(len(data), reading.HEAD_BYTES)
            ds = dataset_for(data)
        self.assertEqual(ds.source["encoding"], "cp1252")
        self.assertEqual(ds.kw_rows[-1].keyword, "café")
        self.assertEqual(sum("cp1252" in w for w in ds.warnings), 1)
        self.assertEqual(ds.rows["read"], 401)

    def test_bytes_undefined_in_cp1252_fail_with_the_encodings_tried(self):
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(GSC.encode() + b"a\x81b,1,2,3%,4\n")
        self.assertEqual(ctx.exception.message, "Could not read the file encoding")
        self.assertIn("utf-8, cp1252", ctx.exception.details)

    def test_text_is_normalised_to_nfc(self):
        decomposed = "cafe\u0301"
        _, rows, _ = rows_of(GSC + decomposed + ",1,2,3%,4\n")
        self.assertEqual(rows[0][0], "caf\u00e9")


class BinaryAndEmptyTest(unittest.TestCase):
    def test_an_empty_file_has_no_data_rows(self):
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(b"")
        self.assertEqual(ctx.exception.message, "The file contains no data rows")
        self.assertIn("0 bytes", ctx.exception.details)

    def test_a_whitespace_only_file_has_no_data_rows(self):
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(b"\r\n  \n\n")
        self.assertEqual(ctx.exception.message, "The file contains no data rows")

    def test_zip_and_spreadsheet_content_is_not_a_text_export(self):
        for magic in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"%PDF-1.4"):
            with self.assertRaises(AnalysisError) as ctx:
                probe_bytes(magic + b"\x00" * 40 + b"rest")
            self.assertEqual(ctx.exception.message, "The file is not a text export")
            self.assertIn(magic[:2].hex(), ctx.exception.details.replace(" ", ""))

    def test_binary_garbage_is_not_a_text_export(self):
        import random
        rng = random.Random(5)
        garbage = bytes(rng.randrange(256) for _ in range(5000))
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(garbage)
        self.assertEqual(ctx.exception.message, "The file is not a text export")

    def test_utf16_needs_30_percent_zero_bytes(self):
        text = ("keyword\turl\n" + "a\tb\n" * 100).encode("utf-16-le")
        self.assertEqual(probe_bytes(text).encoding, "utf-16-le")
        # Zero bytes below the UTF-16 threshold mean binary content.
        few_zeros = b"keyword,url\n" + b"abcdefgh\x00,b\n" * 80
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(few_zeros)
        self.assertEqual(ctx.exception.message, "The file is not a text export")

    def test_a_few_control_characters_in_text_are_tolerated(self):
        data = ("keyword,url\n" + "shoes\x01,https://a.com/\n" + "boots,b\n" * 40).encode()
        probe = probe_bytes(data)
        self.assertEqual(probe.sample[0][0], "shoes\x01")

    def test_control_characters_without_zero_bytes_are_not_text(self):
        with self.assertRaises(AnalysisError) as ctx:
            probe_bytes(bytes(range(1, 9)) * 300)
        self.assertEqual(ctx.exception.message, "The file is not a text export")


class HeaderDetectionTest(unittest.TestCase):
    def test_each_delimiter_is_found(self):
        for delimiter in ("\t", ";", ",", "|"):
            data = f"keyword{delimiter}url\nshoes{delimiter}https://a.com/\n".encode()
            probe = probe_bytes(data)
            self.assertEqual(probe.delimiter, delimiter, repr(delimiter))
            self.assertEqual(probe.header_line, 1)

    def test_preamble_lines_before_the_header_are_skipped(self):
        data = ("Keyword Stats 2024-01-01 - 2024-03-31\nExport date: 2024-04-01\n\n"
                "Keyword,Avg. monthly searches\nshoes,1000\n").encode()
        probe = probe_bytes(data)
        self.assertEqual(probe.header_line, 4)
        _, rows, counters = rows_of(data)
        self.assertEqual(rows, [["shoes", "1000"]])
        self.assertEqual(counters.read, 1)

    def test_the_first_line_and_delimiter_mapping_two_fields_wins(self):
        # `;` and `,` both map two fields here; `;` is tried first.
        probe = probe_bytes(b"Keyword;URL;CPC,Volume,Position\nshoes;https://a.com/;1\n")
        self.assertEqual(probe.delimiter, ";")
        # Here only `,` maps two fields.
        probe = probe_bytes(b"Keyword;Position,Volume,CPC\nshoes;1,2,3\n")
        self.assertEqual(probe.delimiter, ",")

    def test_a_single_known_field_is_not_a_header(self):
        probe = probe_bytes(b"Keyword,Foo\nshoes,1\n")
        self.assertIsNone(probe.header)
        self.assertEqual(probe.first_cells, ["Keyword", "Foo"])

    def test_the_header_must_be_among_the_first_ten_non_empty_lines(self):
        preamble = "".join(f"note {i}\n" for i in range(10))
        self.assertIsNone(probe_bytes((preamble + "keyword,url\na,b\n").encode()).header)
        preamble = "".join(f"note {i}\n\n" for i in range(9))
        self.assertIsNotNone(probe_bytes((preamble + "keyword,url\na,b\n").encode()).header)

    def test_header_normalisation(self):
        self.assertEqual(normalise_header('\ufeff "Top   Queries:" '), "top queries")
        self.assertEqual(normalise_header("Requ\u0065\u0302tes"), "requêtes")

    def test_duplicate_headers_get_a_suffix_and_the_first_wins(self):
        header = HeaderMap(["Keyword", "URL", "Keyword"])
        self.assertEqual(header.display, ["Keyword", "URL", "Keyword_2"])
        self.assertEqual(header.column_of_field["keyword"], 0)
        self.assertEqual(header.found_and_ignored(), (["Keyword", "URL"], ["Keyword_2"]))

    def test_a_plain_repeated_metric_header_is_not_a_comparison(self):
        header = HeaderMap(["Top queries", "Clicks", "Clicks", "Impressions"])
        self.assertNotIn("previousClicks", header.column_of_field)
        self.assertFalse(header.is_compare)
        self.assertEqual(header.display[2], "Clicks_2")

    def test_the_gsc_filters_table_is_recognised_without_a_header_match(self):
        probe = probe_bytes(b"Filter,Value\nSearch type,Web\nDate,Last 3 months\n")
        self.assertTrue(probe.gsc_filters)


class RowsTest(unittest.TestCase):
    def test_short_rows_are_padded_and_long_rows_cut_and_counted(self):
        _, rows, counters = rows_of("keyword,url,volume\na,u\nb,u,1,extra\nc,u,2,\n")
        self.assertEqual(rows, [["a", "u", ""], ["b", "u", "1"], ["c", "u", "2"]])
        self.assertEqual(counters.reasons, {"extra_cells_ignored": 1})
        self.assertEqual(counters.read, 3)

    def test_fully_empty_rows_are_dropped_without_counting(self):
        _, rows, counters = rows_of("keyword,url\n,\n\na,u\n , \n")
        self.assertEqual(rows, [["a", "u"]])
        self.assertEqual(counters.read, 1)

    def test_mixed_line_endings_are_all_line_ends(self):
        _, rows, _ = rows_of(b"keyword,url\r\na,1\nb,2\rc,3\r\n")
        self.assertEqual([r[0] for r in rows], ["a", "b", "c"])

    def test_quoted_fields_keep_commas_quotes_and_newlines(self):
        _, rows, _ = rows_of('keyword,url\n"duo security, inc.",u\n"say ""hi""\nthere",v\n')
        self.assertEqual(rows[0][0], "duo security, inc.")
        self.assertEqual(rows[1][0], 'say "hi"\nthere')

    def test_a_trailing_total_row_is_dropped_and_counted(self):
        _, rows, counters = rows_of("keyword,clicks\ntotal,1\na,2\nGrand total,3\n")
        self.assertEqual([r[0] for r in rows], ["total", "a"])
        self.assertEqual(counters.reasons, {"summary_row": 1})

    def test_a_ten_megabyte_field_is_read(self):
        big = "x" * (10 * 1024 * 1024)
        _, rows, counters = rows_of(f"keyword,url\n{big},u\nb,v\n")
        self.assertEqual(len(rows), 2)
        self.assertEqual(len(rows[0][0]), len(big))
        self.assertEqual(counters.reasons, {})

    def test_a_field_over_the_limit_skips_the_row_as_field_too_long(self):
        _, rows, counters = rows_of("keyword,url\na,u\n" + "y" * 5000 + ",v\nb,w\n", limit=1000)
        self.assertEqual([r[0] for r in rows], ["a", "b"])
        self.assertEqual(counters.reasons, {"field_too_long": 1})
        self.assertEqual(counters.read, 3)

    def test_the_field_too_long_row_appears_in_summary_rows(self):
        old = reading.FIELD_SIZE_LIMIT
        reading.set_field_size_limit(1000)
        try:
            ds = dataset_for("keyword,url\na,https://a.com/\n" + "y" * 5000 + ",v\n")
        finally:
            reading.set_field_size_limit(old)
        self.assertEqual(ds.rows["skippedReasons"], {"field_too_long": 1})
        self.assertEqual((ds.rows["read"], ds.rows["skipped"], ds.rows["aggregatedFrom"]),
                         (2, 1, 1))

    def test_a_hyperlink_formula_keyword_is_kept_verbatim(self):
        ds = dataset_for('keyword,url\n"=HYPERLINK(""x"")",https://a.com/\n')
        self.assertEqual(ds.kw_rows[0].keyword, '=HYPERLINK("x")')

    def test_lines_are_split_only_on_cr_and_lf(self):
        _, rows, _ = rows_of("keyword,url\na\u2028b,u\nc\x0cd,v\n")
        self.assertEqual([r[0] for r in rows], ["a\u2028b", "c\x0cd"])

    def test_a_large_file_crosses_read_chunks_without_losing_lines(self):
        body = "".join(f"q{i},é{i}\r\n" for i in range(5000))
        with patched(reading, "LINE_CHUNK_CHARS", 997):
            _, rows, counters = rows_of("keyword,url\r\n" + body)
        self.assertEqual(counters.read, 5000)
        self.assertEqual(rows[-1], ["q4999", "é4999"])
        self.assertEqual(len({r[0] for r in rows}), 5000)

    def test_old_mac_line_ends_cross_read_chunks(self):
        body = "".join(f"q{i},u{i}\r" for i in range(3000))
        with patched(reading, "LINE_CHUNK_CHARS", 500):
            _, rows, counters = rows_of("keyword,url\r" + body)
        self.assertEqual(counters.read, 3000)
        self.assertEqual(rows[1234], ["q1234", "u1234"])

if __name__ == "__main__":
    unittest.main()
