"""Seeded generator of a large Search Console API export for benchmarking the analyser.

The file has the shape of an API pull with the date, page and query dimensions
(`Date,Page,Query,Clicks,Impressions,CTR,Position`, CTR a fraction and position a float, as
`gsc_api_date_page_query.csv`): by default 1,000,000 rows over 90 consecutive dates, drawn from
20,000 pages and 200,000 queries.

Popularity is Zipf-like on two levels. How often a query appears follows a Zipf-Mandelbrot law
whose flat head keeps even the most popular query under one row per page and day, so every
(date, page, query) key is unique, as in a real export. How many impressions a row gets falls as a
power of the query's rank, so the head queries carry most of the traffic. Pages are shared
Zipf-wise between queries and about one query in six ranks with a second page (cannibalisation).

Same seed and options -> byte-identical file. Rows are written one at a time, grouped by date;
memory holds only the page and query pools and the keys of the current date.

    python3 analysis/bench/generate.py --rows 1000000 --seed 1 --output gsc_1m.csv
"""

from __future__ import annotations

import argparse
import csv
import datetime
import itertools
import math
import random
import sys
from typing import TextIO

HEADER = ("Date", "Page", "Query", "Clicks", "Impressions", "CTR", "Position")
DEFAULT_ROWS = 1_000_000
DEFAULT_DATES = 90
DEFAULT_PAGES = 20_000
DEFAULT_QUERIES = 200_000
FIRST_DATE = datetime.date(2024, 7, 1)
SITE = "https://www.example.com"

_CONSONANTS = "bcdfghjklmnprstvz"
_VOWELS = "aeiou"
_VOCABULARY_SIZE = 6_000
_SECTIONS = ("blog", "guides", "products", "services", "news", "help", "learn", "shop",
             "category", "reviews", "tools", "courses")
# Share of queries ranking with a second page, and chance a row uses that second page.
_SECOND_PAGE_SHARE = 0.16
_SECOND_PAGE_ROW_SHARE = 0.3
# Impressions per row for the top query; they fall as rank ** -_IMPRESSION_DECAY.
_TOP_IMPRESSIONS = 4_000.0
_IMPRESSION_DECAY = 0.65


def _cumulative_zipf(count: int, offset: float, exponent: float = 1.0) -> list[float]:
    """Cumulative Zipf-Mandelbrot weights `(rank + offset) ** -exponent` for ranks 1..count."""
    return list(itertools.accumulate((rank + offset) ** -exponent
                                     for rank in range(1, count + 1)))


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    """`size` distinct pronounceable words of two to four syllables."""
    syllables = [c + v for c in _CONSONANTS for v in _VOWELS]
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        word = "".join(rng.choices(syllables, k=rng.choice((2, 2, 3, 3, 3, 4))))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def _phrases(rng: random.Random, vocabulary: list[str], count: int, lengths: tuple[int, ...],
             separator: str) -> list[str]:
    """`count` distinct phrases whose words are drawn Zipf-wise, so common terms are shared."""
    weights = _cumulative_zipf(len(vocabulary), offset=2.0)
    phrases: list[str] = []
    seen: set[str] = set()
    while len(phrases) < count:
        # Words are drawn in batches; a phrase already made is dropped and the loop tops up.
        sizes = rng.choices(lengths, k=count - len(phrases))
        words = rng.choices(vocabulary, cum_weights=weights, k=sum(sizes))
        start = 0
        for size in sizes:
            phrase = separator.join(words[start:start + size])
            start += size
            if phrase not in seen:
                seen.add(phrase)
                phrases.append(phrase)
    return phrases


def _pages(rng: random.Random, vocabulary: list[str], count: int) -> list[str]:
    """`count` distinct page URLs: the home page first, then section/slug pages."""
    slugs = _phrases(rng, vocabulary, max(count - 1, 0), (2, 3, 3, 4, 5), "-")
    pages = [SITE + "/"]
    for slug in slugs:
        section = _SECTIONS[rng.randrange(len(_SECTIONS))]
        pages.append(f"{SITE}/{section}/{slug}.html" if rng.random() < 0.5
                     else f"{SITE}/{section}/{slug}/")
    return pages[:count]


def _rows_per_date(rows: int, dates: int) -> list[int]:
    """Spread `rows` over the dates as evenly as possible (earlier dates take the remainder)."""
    base, extra = divmod(rows, dates)
    return [base + (1 if index < extra else 0) for index in range(dates)]


def generate(out: TextIO, rows: int = DEFAULT_ROWS, seed: int = 1, dates: int = DEFAULT_DATES,
             pages: int = DEFAULT_PAGES, queries: int = DEFAULT_QUERIES) -> int:
    """Write the header and `rows` data rows to `out`; return the number of data rows written.

    At most `pages` distinct pages x `dates` keys exist per query; a query whose keys for a date
    are used up is replaced by another draw, so `rows` must stay well below
    `dates x queries` (the defaults allow far more than 10 million rows).
    """
    if rows < 0 or dates < 1 or pages < 1 or queries < 1:
        raise ValueError("rows must be >= 0 and dates, pages and queries >= 1")
    if rows > dates * queries // 2:
        raise ValueError(f"{rows} rows do not fit in {dates} dates x {queries} queries")
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, _VOCABULARY_SIZE)
    page_urls = _pages(rng, vocabulary, pages)
    query_texts = _phrases(rng, vocabulary, queries, (1, 2, 2, 3, 3, 3, 4, 4, 5), " ")

    # Per query (by popularity rank): its pages, their base positions and its impression scale.
    page_weights = _cumulative_zipf(pages, offset=max(pages / 1000.0, 1.0))
    page_ids = range(pages)
    primary = rng.choices(page_ids, cum_weights=page_weights, k=queries)
    others = rng.choices(page_ids, cum_weights=page_weights, k=queries)
    uniform = rng.random
    secondary = [other if other != first and uniform() < _SECOND_PAGE_SHARE else -1
                 for first, other in zip(primary, others)]
    base_position = [(1.0 + 79.0 * rng.random() ** 2.5, 1.0 + 79.0 * rng.random() ** 2.0)
                     for _ in range(queries)]
    impression_scale = [_TOP_IMPRESSIONS * rank ** -_IMPRESSION_DECAY
                        for rank in range(1, queries + 1)]
    # The flat head (offset) caps the top query's share so it appears < once per page and day.
    query_weights = _cumulative_zipf(queries, offset=queries / 40.0)
    query_ids = range(queries)

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    # Local names: this loop runs once per row and dominates the run time.
    write_row, uniform, choices, log = writer.writerow, rng.random, rng.choices, math.log
    written = 0
    for day, day_rows in enumerate(_rows_per_date(rows, dates)):
        date = (FIRST_DATE + datetime.timedelta(days=day)).isoformat()
        used: set[int] = set()
        for query in choices(query_ids, cum_weights=query_weights, k=day_rows):
            other = secondary[query]
            key = query * 2 + (1 if other >= 0 and uniform() < _SECOND_PAGE_ROW_SHARE else 0)
            while key in used:
                # Taken today: try the query's other page, else another query.
                if other >= 0 and key ^ 1 not in used:
                    key ^= 1
                else:
                    query = choices(query_ids, cum_weights=query_weights)[0]
                    other = secondary[query]
                    key = query * 2 + (1 if other >= 0 and uniform() < 0.5 else 0)
            used.add(key)
            slot = key & 1

            # Exponentially distributed around the query's scale (inverse transform).
            impressions = 1 + int(impression_scale[query] * -log(1.0 - uniform()))
            position = base_position[query][slot] * (0.75 + 0.5 * uniform())
            if position < 1.0:
                position = 1.0
            clicks = int(impressions * 0.32 * position ** -1.1 * (0.4 + 1.2 * uniform())
                         + uniform())
            if clicks > impressions:
                clicks = impressions
            # As the API does: averages over the day's impressions, written in full precision.
            position_sum = round(position * impressions)
            if position_sum < impressions:
                position_sum = impressions
            write_row((date, page_urls[other if slot else primary[query]], query_texts[query],
                       clicks, impressions, repr(clicks / impressions),
                       repr(position_sum / impressions)))
        written += day_rows
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: write the generated export to `--output` (or stdout with `-`)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="data rows (1,000,000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--dates", type=int, default=DEFAULT_DATES, help="distinct dates (90)")
    parser.add_argument("--pages", type=int, default=DEFAULT_PAGES, help="page pool (20,000)")
    parser.add_argument("--queries", type=int, default=DEFAULT_QUERIES,
                        help="query pool (200,000)")
    parser.add_argument("--output", default="-", help="file to write, `-` for stdout")
    args = parser.parse_args(argv)
    try:
        if args.output == "-":
            generate(sys.stdout, args.rows, args.seed, args.dates, args.pages, args.queries)
        else:
            with open(args.output, "w", encoding="utf-8", newline="") as out:
                generate(out, args.rows, args.seed, args.dates, args.pages, args.queries)
    except ValueError as exc:
        parser.error(str(exc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
