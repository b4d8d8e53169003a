"""Analysis stage: posts are normalised, matched to schemes, scored, clustered into stories and tiered."""
