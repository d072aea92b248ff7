"""On-page checks of analysis-spec §5: the catalogue, the per-page rules and keyword alignment."""
