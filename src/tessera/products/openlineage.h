#pragma once

#include <string>

#include "tessera/common/json.h"
#include "tessera/common/result.h"
#include "tessera/products/apply.h"
#include "tessera/products/descriptor.h"

namespace tessera::products {

/// Where an apply's OpenLineage events go. Plain value.
struct LineageSink {
  /// NDJSON file the events are appended to (one line each); empty: none.
  std::string file;
  /// An OpenLineage HTTP endpoint (e.g. Marquez's http://host:5000/api/v1/lineage); empty: none.
  std::string url;
  /// The job namespace, naming the node ("tessera" by default).
  std::string job_namespace = "tessera";
};

/// OpenLineage 2-0-2 RunEvents for one apply: START before the build, then COMPLETE (published or
/// planned) or FAIL (a rule blocked it, or an error). Datasets are named as the node names
/// them: products' tables as "domain.product.table" in `namespace`, files by path in "file".
class LineageRun {
 public:
  LineageRun(const ProductDescriptor& descriptor, LineageSink sink);

  /// The START event.
  Json Start() const;
  /// The COMPLETE or FAIL event after `report`: outputs with schema, output statistics,
  /// column lineage and the contract's data quality assertions.
  Json Finish(const ApplyReport& report) const;
  /// The FAIL event for an apply that ended with `error`.
  Json Fail(const Status& error) const;

  /// Append `event` to the sink's file and POST it to its URL. Return kIoError naming what
  /// failed; the caller decides whether that matters (an apply only warns).
  Status Emit(const Json& event) const;

  const std::string& run_id() const { return run_id_; }

 private:
  Json Event(const char* type) const;

  const ProductDescriptor& descriptor_;
  LineageSink sink_;
  std::string run_id_;
};

}  // namespace tessera::products
