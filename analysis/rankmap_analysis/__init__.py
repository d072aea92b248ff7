"""rankmap analysis: reads an SEO export, detects its source and builds the data model.

Modules: `reading` (encodings, delimiter/header detection, streaming rows), `fields` (header
normalisation and aliases), `values` (the number/boolean/date parsers), `urls` (URL
normalisation), `detect` (source detection, §3), `tables` (building the `model.Dataset`),
`errors` (user-facing failures, §11), `progress` (progress lines). The checks, mapping and
result writing live in `pipeline` and the modules it uses.
"""

ANALYSIS_VERSION = "1.0.0"
