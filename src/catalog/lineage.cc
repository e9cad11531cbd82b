namespace skein {} // lineage placeholder
