"""URL normalisation (spec §2.7) and the keys used for joining, grouping and variants.

- `normalise_url`: lower-case scheme and host, drop a default port, the `#fragment` and tracking
  parameters (`utm_*`, `gclid`, `fbclid`, `msclkid`); path case and trailing slash are kept.
- `url_key`: additionally ignores the scheme, a leading `www.` and a trailing slash; the query
  string is kept (canonical checks, §0.6).
- `variant_key`: `url_key` without the query string (§0.6 "url_variants").
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

TRACKING_PARAMS = frozenset({"gclid", "fbclid", "msclkid"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _is_tracking(param: str) -> bool:
    name = param.split("=", 1)[0].lower()
    return name.startswith("utm_") or name in TRACKING_PARAMS


def normalise_url(raw: str) -> str:
    """The §2.7 normal form of a URL; text that is not an absolute URL is only trimmed."""
    url = raw.strip()
    if "://" not in url:
        return url.split("#", 1)[0]
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        netloc = parts.netloc
        userinfo, _, hostport = netloc.rpartition("@")
        host, sep, port = hostport.rpartition(":") if (
            ":" in hostport and not hostport.endswith("]")) else (hostport, "", "")
        if not sep:
            host, port = hostport, ""
        host = host.lower()
        if port and _DEFAULT_PORTS.get(scheme) == port:
            port = ""
        netloc = (userinfo + "@" if userinfo else "") + host + (":" + port if port else "")
        query = parts.query
        if query:
            query = "&".join(p for p in query.split("&") if p and not _is_tracking(p))
        return urlunsplit((scheme, netloc, parts.path, query, ""))
    except ValueError:
        return url.split("#", 1)[0]


def url_key(url_norm: str) -> str:
    """`urlKey`: the normalised URL without scheme, leading `www.` and trailing slash."""
    rest = url_norm.split("://", 1)[1] if "://" in url_norm else url_norm
    if rest.startswith("www."):
        rest = rest[4:]
    path, qmark, query = rest.partition("?")
    path = path.rstrip("/") or path
    return path + qmark + query


def variant_key(url_norm: str) -> str:
    """`url_key` without the query string: equal keys are URL variants (§0.6)."""
    return url_key(url_norm).split("?", 1)[0].rstrip("/")


def looks_like_url(value: str) -> bool:
    """True when the cell starts with `http://` or `https://` (GSC pages vs queries, §3)."""
    return value[:8].lower().startswith(("http://", "https://"))
