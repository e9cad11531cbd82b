// discover: finds every reference to datasets in the code of a fleet of repositories, tells
// which referencing repositories the catalog knows (known consumers) and which it does not
// (shadow consumers), and writes Backstage descriptors for the latter.
//
//   reference.h          DatasetPattern, Reference, ReferenceForm: what is looked for and found
//   substring_finder.h   CaseInsensitiveFinder: the SIMD hot loop
//   reference_matcher.h  ReferenceMatcher: candidates + context check over a buffer; LineTracker
//   scanner.h            ResolveRepositories, ScanRepositories: the threaded, streaming fleet scan
//   consumers.h          ClassifyConsumers: known, shadow and stale consumers
//   descriptors.h        ShadowDescriptors, WriteShadowDescriptors: --emit-catalog
//
// Calls: base, catalog (the Entity model only; the caller loads entities from the store).
// Called by: cli (skein discover), and later fleet (campaigns find their consumers here).
//
// Thread-safety: see each header; the scan runs its own threads and returns plain values.
#pragma once

#include "discover/consumers.h"
#include "discover/descriptors.h"
#include "discover/reference.h"
#include "discover/reference_matcher.h"
#include "discover/scanner.h"
#include "discover/substring_finder.h"
