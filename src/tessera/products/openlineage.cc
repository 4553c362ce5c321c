#include "tessera/products/openlineage.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <curl/curl.h>

#include "tessera/common/random.h"
#include "tessera/common/time.h"

namespace tessera::products {
namespace {

constexpr const char* kProducer = "https://github.com/tessera-mesh/tessera/tree/v0.1.0";
constexpr const char* kRunEventSchema =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* kFacetBase = "https://openlineage.io/spec/facets/";

Json Facet(const std::string& schema) {
  return {{"_producer", kProducer}, {"_schemaURL", std::string(kFacetBase) + schema}};
}

// Datasets as the node names them: product tables in the job namespace, files in "file".
Json Dataset(const std::string& kind, const std::string& name, const std::string& job_namespace) {
  return {{"namespace", kind == "files" ? "file" : job_namespace}, {"name", name}};
}

size_t DiscardBody(char*, size_t size, size_t count, void*) { return size * count; }

}  // namespace

LineageRun::LineageRun(const ProductDescriptor& descriptor, LineageSink sink)
    : descriptor_(descriptor), sink_(std::move(sink)), run_id_(RandomUuid()) {}

Json LineageRun::Event(const char* type) const {
  Json job_facets = {
      {"jobType", Facet("2-0-3/JobTypeJobFacet.json#/$defs/JobTypeJobFacet")},
  };
  job_facets["jobType"]["processingType"] = "BATCH";
  job_facets["jobType"]["integration"] = "TESSERA";
  job_facets["jobType"]["jobType"] = "APPLY";
  if (!descriptor_.description.empty()) {
    job_facets["documentation"] =
        Facet("1-1-0/DocumentationJobFacet.json#/$defs/DocumentationJobFacet");
    job_facets["documentation"]["description"] = descriptor_.description;
  }
  if (!descriptor_.owner_team.empty()) {
    job_facets["ownership"] = Facet("1-1-0/OwnershipJobFacet.json#/$defs/OwnershipJobFacet");
    job_facets["ownership"]["owners"] = {{{"name", "team:" + descriptor_.owner_team}}};
  }
  Json inputs = Json::array();
  for (const TableSpec& t : descriptor_.tables) {
    if (t.source.kind == SourceKind::kFiles)
      inputs.push_back(Dataset("files", t.source.path, sink_.job_namespace));
  }
  return {{"eventType", type},
          {"eventTime", FormatIso8601Millis(SystemClock::Instance().NowMillis())},
          {"producer", kProducer},
          {"schemaURL", kRunEventSchema},
          {"run", {{"runId", run_id_}, {"facets", Json::object()}}},
          {"job",
           {{"namespace", sink_.job_namespace},
            {"name", "apply." + descriptor_.FullName()},
            {"facets", job_facets}}},
          {"inputs", inputs},
          {"outputs", Json::array()}};
}

Json LineageRun::Start() const { return Event("START"); }

Json LineageRun::Fail(const Status& error) const {
  Json event = Event("FAIL");
  Json message = Facet("1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet");
  message["message"] = error.message();
  message["programmingLanguage"] = "C++";
  event["run"]["facets"]["errorMessage"] = message;
  return event;
}

Json LineageRun::Finish(const ApplyReport& report) const {
  Json event = report.blocked_by.empty() ? Event("COMPLETE")
                                         : Fail(Status::InvalidArgument(report.blocked_by));
  // Inputs: every file and table the build read.
  Json inputs = Json::array();
  std::set<std::string> seen;
  for (const catalog::LineageEdge& e : report.lineage) {
    if (e.input_name.rfind(report.product + ".", 0) == 0)
      continue;  // the product's own tables are outputs
    if (seen.insert(e.input_kind + "\n" + e.input_name).second)
      inputs.push_back(Dataset(e.input_kind, e.input_name, sink_.job_namespace));
  }
  event["inputs"] = inputs;

  Json outputs = Json::array();
  for (const TableBuild& t : report.tables) {
    const std::string name = report.product + "." + t.name;
    Json dataset = Dataset("table", name, sink_.job_namespace);
    Json schema = Facet("1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet");
    Json fields = Json::array();
    for (const catalog::CatalogColumn& c : t.columns) {
      Json field = {{"name", c.name}, {"type", c.type}};
      if (!c.description.empty())
        field["description"] = c.description;
      fields.push_back(std::move(field));
    }
    schema["fields"] = fields;
    dataset["facets"] = {{"schema", schema}};

    std::map<std::string, Json> lineage_fields;
    for (const catalog::ColumnLineageEdge& e : report.column_lineage) {
      if (e.output_table != t.name)
        continue;
      bool file = e.input_name.find('/') != std::string::npos;
      lineage_fields[e.output_column]["inputFields"].push_back(
          {{"namespace", file ? "file" : sink_.job_namespace},
           {"name", e.input_name},
           {"field", e.input_column}});
    }
    if (!lineage_fields.empty()) {
      Json facet = Facet("1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet");
      facet["fields"] = Json(lineage_fields);
      dataset["facets"]["columnLineage"] = facet;
    }

    Json assertions = Json::array();
    for (const RuleResult& r : report.rules) {
      if (r.table != t.name)
        continue;
      Json assertion = {{"assertion", r.type},
                        {"success", r.passed},
                        {"severity", r.severity == Severity::kError ? "error" : "warn"},
                        {"failures", r.violations}};
      assertions.push_back(std::move(assertion));
    }
    if (!assertions.empty()) {
      // OpenLineage defines this facet for inputs; tessera checks the data it is about to
      // publish, so it rides on the output it describes.
      Json facet = Facet(
          "1-0-1/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet");
      facet["assertions"] = assertions;
      dataset["facets"]["dataQualityAssertions"] = facet;
    }
    if (t.delta_version >= 0) {
      Json stats = Facet(
          "1-0-2/OutputStatisticsOutputDatasetFacet.json#/$defs/"
          "OutputStatisticsOutputDatasetFacet");
      stats["rowCount"] = t.rows;
      stats["size"] = t.bytes;
      stats["fileCount"] = t.files;
      dataset["outputFacets"] = {{"outputStatistics", stats}};
    }
    outputs.push_back(std::move(dataset));
  }
  event["outputs"] = outputs;
  return event;
}

Status LineageRun::Emit(const Json& event) const {
  const std::string line = DumpJson(event);
  if (!sink_.file.empty()) {
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(sink_.file).parent_path(), error);
    // One write of a whole line in append mode: concurrent applies never interleave lines.
    FILE* out = std::fopen(sink_.file.c_str(), "a");
    if (out == nullptr)
      return Status::IoError("cannot open " + sink_.file);
    std::string text = line + "\n";
    bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
    written = (std::fclose(out) == 0) && written;
    if (!written)
      return Status::IoError("cannot write " + sink_.file);
  }
  if (sink_.url.empty())
    return Status::OK();
  CURL* curl = curl_easy_init();
  if (curl == nullptr)
    return Status::IoError("cannot start an HTTP client");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(curl, CURLOPT_URL, sink_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, line.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(line.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, DiscardBody);
  CURLcode code = curl_easy_perform(curl);
  long status = 0;  // NOLINT(google-runtime-int): curl_easy_getinfo writes a long
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  if (code != CURLE_OK)
    return Status::IoError("posting to " + sink_.url + ": " + curl_easy_strerror(code));
  if (status < 200 || status >= 300)
    return Status::IoError("posting to " + sink_.url + ": HTTP " + std::to_string(status));
  return Status::OK();
}

}  // namespace tessera::products
