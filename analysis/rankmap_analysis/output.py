"""Writing the result JSON (analysis-spec §9) incrementally, and the value conventions.

Owns the byte layout of the result file: the top-level keys in the documented order, the
summary first, then every array one row at a time (a pre-built encoder, ``allow_nan=False``), so
a million-row result is never held as one string. It also owns the rounding helpers every row
builder uses (CTR 4 decimals, position 2, counts as integers, ``None`` instead of NaN).
It computes nothing about SEO.

``keyword_row`` / ``onpage_row`` build a row as a dict; the pipeline writes the same rows with
``keyword_json`` / ``onpage_json``, which produce the encoder's exact bytes for that dict
without building it (held together by tests/test_output.py).
"""

from __future__ import annotations

import json
import json.encoder

_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"),
                            check_circular=False)


def _make_encode():
    """One reusable C encoder (``JSONEncoder.encode`` builds a new one for every call)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return _ENCODER.encode
    encoder = make(None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",",
                   False, False, False)

    def encode(value):
        if value.__class__ is str:
            return json.encoder.encode_basestring(value)
        return "".join(encoder(value, 0))
    return encode


_encode = _make_encode()


def finite(value):
    """``None`` for NaN and infinities (invalid JSON), the value otherwise."""
    # ``x - x`` is 0 for every finite number and NaN for NaN and ±inf: one cheap test on the
    # hot path of a million-row result.
    if value is None or value - value == 0:
        return value
    return None


def count(value):
    """A count: whole numbers as ``int``, other numbers rounded to 2 decimals."""
    if value is None or value.__class__ is int:
        return value
    if value - value != 0:
        return None
    if value.__class__ is bool:
        return value
    if value.is_integer():
        return int(value)
    return round(value, 2)


def ctr(value):
    """A CTR fraction rounded to 4 decimals."""
    if value is None or value - value != 0:
        return None
    return round(float(value), 4)


def position(value):
    """A position rounded to 2 decimals."""
    if value is None or value - value != 0:
        return None
    return round(float(value), 2)


def number(value, digits: int = 2):
    """Any other number: integers kept, floats rounded to ``digits`` decimals."""
    if value is None or value.__class__ is int or value.__class__ is bool:
        return value
    if value - value != 0:
        return None
    rounded = round(value, digits)
    return int(rounded) if rounded.is_integer() else rounded


def _text(value):
    """Input text for display: ``None`` for absent or blank values (never ``""``)."""
    if value is None:
        return None
    value = str(value)
    return value if value.strip() else None


def _length(length, text):
    if length is not None:
        return count(length)
    if text is not None:
        return len(text.strip())
    return None


def issue_json(issue) -> dict:
    """The §9.3 issue object."""
    check = issue.check
    value = issue.value
    if isinstance(value, float):
        value = number(value, 4)
    threshold = issue.threshold
    if isinstance(threshold, float):
        threshold = number(threshold, 4)
    return {
        "id": check.id,
        "label": check.label,
        "category": check.category,
        "severity": issue.severity,
        "message": issue.message,
        "value": value,
        "threshold": threshold,
        "recommendation": check.recommendation,
        "relatedUrls": list(issue.related),
    }


def _page_parts(result, drop_info: bool):
    """What both §9.2 row writers derive from a ``PageResult``: the page, the issues shown
    (without ``info`` ones when ``drop_info``), the robots directives and the inlink count."""
    page = result.page
    issues = result.issues
    if drop_info:
        issues = [issue for issue in issues if issue.severity != "info"]
    robots = [text.strip() for text in (page.meta_robots, page.x_robots_tag)
              if text and text.strip()]
    inlinks = page.unique_inlinks if page.unique_inlinks is not None else page.inlinks
    return page, issues, robots, inlinks


def onpage_row(result, drop_info: bool) -> dict:
    """One §9.2 ``onpageResults`` row from a pipeline ``PageResult``."""
    page, issues, robots, inlinks = _page_parts(result, drop_info)
    align = result.alignment
    target = result.target
    return {
        "url": page.url,
        "contentType": _text(page.content_type),
        "statusCode": count(page.status_code),
        "status": _text(page.status),
        "indexability": _text(page.indexability),
        "indexabilityStatus": _text(page.indexability_status),
        "title": _text(page.title),
        "titleLength": _length(page.title_length, page.title),
        "titlePixelWidth": count(page.title_pixel_width),
        "metaDescription": _text(page.meta_description),
        "metaDescriptionLength": _length(page.meta_description_length, page.meta_description),
        "metaDescriptionPixelWidth": count(page.meta_description_pixel_width),
        "h1": _text(page.h1),
        "h1Length": _length(page.h1_length, page.h1),
        "h1Count": count(page.h1_count),
        "h2": _text(page.h2),
        "canonical": _text(page.canonical),
        "metaRobots": "; ".join(robots) if robots else None,
        "wordCount": count(page.word_count),
        "crawlDepth": count(page.crawl_depth),
        "inlinks": count(inlinks),
        "responseTime": number(page.response_time, 3),
        "urlLength": len(page.url),
        "clicks": count(page.clicks),
        "impressions": count(page.impressions),
        "ctr": ctr(page.ctr),
        "position": position(page.position),
        "keywordsCount": count(page.keywords_count),
        "traffic": number(page.traffic),
        "targetKeyword": target.keyword if target is not None else None,
        "keywordInTitle": align.title if align is not None else None,
        "keywordInH1": align.h1 if align is not None else None,
        "keywordInUrl": align.url if align is not None else None,
        "keywordInMetaDescription": align.meta_description if align is not None else None,
        "issues": [issue_json(issue) for issue in issues],
        "issueCount": len(issues),
        "highestSeverity": issues[0].severity if issues else None,
        "priorityScore": result.priority,
    }


def keyword_row(result, is_gsc: bool) -> dict:
    """One §9.4 ``keywordMapping`` row from a mapping ``KeywordResult``."""
    best = result.best
    competing = []
    total_clicks = result.clicks if is_gsc else None
    total_impressions = result.impressions if is_gsc else None
    for row in result.rows:
        if row.url_norm is None:
            continue
        clicks, impressions = row.clicks, row.impressions
        competing.append({
            "url": row.url,
            "position": position(row.position),
            "clicks": count(clicks),
            "impressions": count(impressions),
            "clickShare": round(clicks / total_clicks, 4)
            if total_clicks and clicks is not None else None,
            "impressionShare": round(impressions / total_impressions, 4)
            if total_impressions and impressions is not None else None,
            "isBest": row is best,
        })
        if len(competing) == 10:
            break
    opportunity = result.opportunity
    return {
        "keyword": result.keyword,
        "bestUrl": best.url if best.url_norm is not None else None,
        "position": position(best.position),
        "previousPosition": position(best.previous_position),
        "clicks": count(result.clicks),
        "impressions": count(result.impressions),
        "ctr": ctr(result.ctr),
        "searchVolume": count(result.search_volume),
        "traffic": number(best.traffic),
        "keywordDifficulty": number(result.keyword_difficulty),
        "cpc": number(result.cpc),
        "intent": list(result.intent),
        "serpFeatures": list(result.serp_features),
        "urlCount": result.url_count,
        "competingUrls": competing,
        "cannibalization": result.cannibalization,
        "opportunity": opportunity.to_json() if opportunity is not None else None,
        "expectedCtr": ctr(result.expected_ctr),
        "priorityScore": result.priority,
    }


# --- The keywordMapping rows written as JSON text directly ----------------------------------
#
# ``keyword_json(result, is_gsc)`` is byte-for-byte ``_encode(keyword_row(result, is_gsc))``
# (tests/test_output.py holds them together on tricky values): the same rounding, then the
# encoder's own pieces (``encode_basestring`` for strings, ``float.__repr__`` / ``int.__repr__``
# for numbers, ``true`` / ``false`` / ``null``), with the key names written once as literals.
# It skips one dict per keyword and per competing URL, and the encoder's walk over them: the
# keyword table is the largest part of a big result. Anything but None, str, int and float goes
# through ``_encode``; a non-finite float that reaches it raises ``ValueError`` as the
# encoder does.

_encode_str = json.encoder.encode_basestring
_float_repr = float.__repr__
_int_repr = int.__repr__


def _j_float(value: float) -> str:
    if value - value == 0:
        return _float_repr(value)
    raise ValueError("Out of range float values are not JSON compliant: " + repr(value))


def _j(value) -> str:
    """Any value, as the encoder writes it."""
    if value is None:
        return "null"
    cls = value.__class__
    if cls is str:
        return _encode_str(value)
    if cls is float:
        return _j_float(value)
    if cls is int:
        return _int_repr(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    return _encode(value)


def _j_position(value) -> str:
    """``_encode(position(value))``."""
    if value is None or value - value != 0:
        return "null"
    return _float_repr(round(float(value), 2))


def _j_ctr(value) -> str:
    """``_encode(ctr(value))``."""
    if value is None or value - value != 0:
        return "null"
    return _float_repr(round(float(value), 4))


def _j_count(value) -> str:
    """``_encode(count(value))``."""
    if value is None:
        return "null"
    cls = value.__class__
    if cls is int:
        return _int_repr(value)
    if cls is float:
        if value - value != 0:
            return "null"
        if value.is_integer():
            return _int_repr(int(value))
        return _float_repr(round(value, 2))
    return _j(count(value))


def _j_number(value, digits: int = 2) -> str:
    """``_encode(number(value, digits))``."""
    if value is None:
        return "null"
    if value.__class__ is float:
        if value - value != 0:
            return "null"
        rounded = round(value, digits)
        return _int_repr(int(rounded)) if rounded.is_integer() else _float_repr(rounded)
    return _j(number(value, digits))


def _j_text(value) -> str:
    """``_encode(_text(value))``."""
    if value is None:
        return "null"
    if value.__class__ is not str:
        value = str(value)
    return _encode_str(value) if value.strip() else "null"


def _j_length(length, text) -> str:
    """``_encode(_length(length, text))``."""
    if length is not None:
        return _j_count(length)
    if text is not None:
        return _int_repr(len(text.strip()))
    return "null"


def onpage_json(result, drop_info: bool) -> str:
    """``_encode(onpage_row(result, drop_info))``, written directly like ``keyword_json``."""
    page, issues, robots, inlinks = _page_parts(result, drop_info)
    align = result.alignment
    target = result.target
    title, description, h1 = page.title, page.meta_description, page.h1
    if align is not None:
        alignment = (f'"keywordInTitle":{_j(align.title)},"keywordInH1":{_j(align.h1)},'
                     f'"keywordInUrl":{_j(align.url)},'
                     f'"keywordInMetaDescription":{_j(align.meta_description)},')
    else:
        alignment = ('"keywordInTitle":null,"keywordInH1":null,"keywordInUrl":null,'
                     '"keywordInMetaDescription":null,')
    return (
        f'{{"url":{_j(page.url)},"contentType":{_j_text(page.content_type)},'
        f'"statusCode":{_j_count(page.status_code)},"status":{_j_text(page.status)},'
        f'"indexability":{_j_text(page.indexability)},'
        f'"indexabilityStatus":{_j_text(page.indexability_status)},'
        f'"title":{_j_text(title)},"titleLength":{_j_length(page.title_length, title)},'
        f'"titlePixelWidth":{_j_count(page.title_pixel_width)},'
        f'"metaDescription":{_j_text(description)},'
        f'"metaDescriptionLength":{_j_length(page.meta_description_length, description)},'
        f'"metaDescriptionPixelWidth":{_j_count(page.meta_description_pixel_width)},'
        f'"h1":{_j_text(h1)},"h1Length":{_j_length(page.h1_length, h1)},'
        f'"h1Count":{_j_count(page.h1_count)},"h2":{_j_text(page.h2)},'
        f'"canonical":{_j_text(page.canonical)},'
        f'"metaRobots":{_encode_str("; ".join(robots)) if robots else "null"},'
        f'"wordCount":{_j_count(page.word_count)},"crawlDepth":{_j_count(page.crawl_depth)},'
        f'"inlinks":{_j_count(inlinks)},'
        f'"responseTime":{_j_number(page.response_time, 3)},'
        f'"urlLength":{_int_repr(len(page.url))},'
        f'"clicks":{_j_count(page.clicks)},"impressions":{_j_count(page.impressions)},'
        f'"ctr":{_j_ctr(page.ctr)},"position":{_j_position(page.position)},'
        f'"keywordsCount":{_j_count(page.keywords_count)},'
        f'"traffic":{_j_number(page.traffic)},'
        f'"targetKeyword":{_j(target.keyword) if target is not None else "null"},'
        f'{alignment}'
        f'"issues":[{",".join([_encode(issue_json(issue)) for issue in issues])}],'
        f'"issueCount":{_int_repr(len(issues))},'
        f'"highestSeverity":{_j(issues[0].severity) if issues else "null"},'
        f'"priorityScore":{_j(result.priority)}}}')


def _j_list(value) -> str:
    """``_encode(list(value))``."""
    return _encode(list(value)) if value else "[]"


def _j_share(part, total) -> str:
    """``_encode(round(part / total, 4) if total and part is not None else None)``."""
    if total and part is not None:
        return _j(round(part / total, 4))
    return "null"


_ENCODED_DICTS: dict[int, tuple[dict, str]] = {}


def _j_shared_dict(value) -> str:
    """A dict shared by many rows and never mutated (e.g. the not-cannibalised object)."""
    if value is None:
        return "null"
    found = _ENCODED_DICTS.get(id(value))
    if found is not None and found[0] is value and found[2] == value:
        return found[1]
    return _encode(value)


def remember_shared_dict(value: dict) -> None:
    """Encode ``value`` once; ``_j_shared_dict`` reuses the text while the dict is unchanged."""
    _ENCODED_DICTS[id(value)] = (value, _encode(value), dict(value))


def keyword_json(result, is_gsc: bool) -> str:
    """``_encode(keyword_row(result, is_gsc))``, written directly (see above)."""
    best = result.best
    clicks, impressions = result.clicks, result.impressions
    total_clicks = clicks if is_gsc else None
    total_impressions = impressions if is_gsc else None
    value = best.position
    position = ("null" if value is None or value - value != 0
                else _float_repr(round(value if value.__class__ is float else float(value), 2)))
    url = best.url
    best_url = ("null" if best.url_norm is None
                else _encode_str(url) if url.__class__ is str else _j(url))
    clicks_json = _int_repr(clicks) if clicks.__class__ is int else _j_count(clicks)
    impressions_json = (_int_repr(impressions) if impressions.__class__ is int
                        else _j_count(impressions))
    competing = []
    for row in result.rows:
        if row.url_norm is None:
            continue
        row_clicks, row_impressions = row.clicks, row.impressions
        # The best row's URL and position are the keyword's; a single row's counts are the
        # keyword's totals (the same objects), and an int divided by itself is exactly 1.0.
        if row is best:
            head = f'{{"url":{best_url},"position":{position},'
        else:
            head = f'{{"url":{_j(row.url)},"position":{_j_position(row.position)},'
        if row_clicks is total_clicks and row_clicks.__class__ is int:
            row_clicks_json, click_share = clicks_json, "1.0" if row_clicks else "null"
        else:
            row_clicks_json = _j_count(row_clicks)
            click_share = _j_share(row_clicks, total_clicks)
        if row_impressions is total_impressions and row_impressions.__class__ is int:
            row_impressions_json = impressions_json
            impression_share = "1.0" if row_impressions else "null"
        else:
            row_impressions_json = _j_count(row_impressions)
            impression_share = _j_share(row_impressions, total_impressions)
        competing.append(
            f'{head}"clicks":{row_clicks_json},"impressions":{row_impressions_json},'
            f'"clickShare":{click_share},"impressionShare":{impression_share},'
            f'"isBest":{"true" if row is best else "false"}}}')
        if len(competing) == 10:
            break
    opportunity = result.opportunity
    # Search Console rows have no tool metrics: their None values are written without a call.
    previous = best.previous_position
    volume, traffic = result.search_volume, best.traffic
    difficulty, cpc = result.keyword_difficulty, result.cpc
    intent, features = result.intent, result.serp_features
    url_count, priority = result.url_count, result.priority
    keyword, ctr_value, expected = result.keyword, result.ctr, result.expected_ctr
    # _j / _j_ctr inlined for the common types.
    keyword = _encode_str(keyword) if keyword.__class__ is str else _j(keyword)
    ctr_value = ("null" if ctr_value is None or ctr_value - ctr_value != 0 else _float_repr(
        round(ctr_value if ctr_value.__class__ is float else float(ctr_value), 4)))
    expected = ("null" if expected is None or expected - expected != 0 else _float_repr(
        round(expected if expected.__class__ is float else float(expected), 4)))
    priority = (_float_repr(priority) if priority.__class__ is float and priority - priority == 0
                else _j(priority))
    return (
        f'{{"keyword":{keyword},"bestUrl":{best_url},"position":{position},'
        f'"previousPosition":{"null" if previous is None else _j_position(previous)},'
        f'"clicks":{clicks_json},"impressions":{impressions_json},'
        f'"ctr":{ctr_value},'
        f'"searchVolume":{"null" if volume is None else _j_count(volume)},'
        f'"traffic":{"null" if traffic is None else _j_number(traffic)},'
        f'"keywordDifficulty":{"null" if difficulty is None else _j_number(difficulty)},'
        f'"cpc":{"null" if cpc is None else _j_number(cpc)},'
        f'"intent":{_j_list(intent) if intent else "[]"},'
        f'"serpFeatures":{_j_list(features) if features else "[]"},'
        f'"urlCount":{_int_repr(url_count) if url_count.__class__ is int else _j(url_count)},'
        f'"competingUrls":[{",".join(competing)}],'
        f'"cannibalization":{_j_shared_dict(result.cannibalization)},'
        f'"opportunity":{_encode(opportunity.to_json()) if opportunity is not None else "null"},'
        f'"expectedCtr":{expected},"priorityScore":{priority}}}')


_BATCH_ROWS = 256


def write_result(path: str, data_source: str, summary: dict, onpage_rows, keyword_rows,
                 checks: list) -> None:
    """Write ``{"dataSource", "summary", "onpageResults", "keywordMapping", "checks"}``.

    ``onpage_rows`` and ``keyword_rows`` are iterables of dicts, consumed once and encoded one
    at a time (a ``str`` row is taken as the row's JSON text, already encoded: a row is always
    an object, never a bare string); at most ``_BATCH_ROWS`` encoded rows are held before they are written, so memory
    stays bounded whatever the table size. The file is UTF-8 with a trailing newline.
    """
    encode = _encode
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        write = out.write
        write('{"dataSource":')
        write(encode(data_source))
        write(',\n"summary":')
        write(encode(summary))
        for name, rows in (("onpageResults", onpage_rows), ("keywordMapping", keyword_rows),
                           ("checks", checks)):
            write(',\n"' + name + '":[')
            batch = []
            separator = "\n"
            for row in rows:
                batch.append(separator)
                batch.append(row if row.__class__ is str else encode(row))
                separator = ",\n"
                if len(batch) >= 2 * _BATCH_ROWS:
                    write("".join(batch))
                    batch.clear()
            if batch:
                write("".join(batch))
            write("]")
        write("}\n")
