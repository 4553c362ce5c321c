#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tessera/common/json.h"
#include "tessera/delta/actions.h"

namespace tessera::sharing {

/// The two shapes of /metadata, /query and /changes responses (PROTOCOL.md "Delta Sharing
/// Capabilities Header"): `parquet` (the original, simplified actions) or `delta` (verbatim Delta
/// actions wrapped for sharing).
enum class ResponseFormat { kParquet, kDelta };

std::string_view ResponseFormatName(ResponseFormat format);

/// How file ids are derived: `parquet` = hex MD5 of the log path, `delta` = hex SHA-256 (what the
/// reference server does, so clients that cache by id agree across servers).
enum class FileIdScheme { kParquet, kDelta };

/// The id of a file action: stable across requests, different for the same path with another
/// deletion vector.
std::string FileId(FileIdScheme scheme, std::string_view log_path,
                   const std::optional<delta::DeletionVectorDescriptor>& dv);

/// A signed URL for a file and when it stops working (epoch ms).
struct SignedFile {
  std::string url;
  int64_t expiration_ms = 0;
};

/// `{"protocol": ...}`. Parquet format always says minReaderVersion 1 (the client only reads
/// Parquet files then); delta format carries the table's protocol verbatim, with `version` when
/// given (historical protocol lines).
Json ProtocolLine(ResponseFormat format, const delta::Protocol& protocol,
                  std::optional<int64_t> version);

/// Extra fields of a metaData line.
struct MetadataExtras {
  std::optional<int64_t> version;
  std::optional<int64_t> size;
  std::optional<int64_t> num_files;
  /// Whether recipients may read the change feed (history shared and CDF on): parquet format
  /// reduces the configuration to `enableChangeDataFeed`.
  bool change_data_feed = false;
};

/// `{"metaData": ...}`. Parquet format: id, name, description, format, schemaString (field
/// metadata reduced to comments), partitionColumns, configuration; delta format: the Delta
/// metadata verbatim under `deltaMetadata`.
Json MetadataLine(ResponseFormat format, const delta::Metadata& metadata,
                  const MetadataExtras& extras);

/// Which wrapper a file line uses: snapshot files are `file`; startingVersion queries and
/// /changes use `add`, `remove` and `cdf` (parquet format) or `file` with the Delta action
/// (delta format).
enum class FileLineKind { kFile, kAdd, kRemove, kCdf };

/// What a file line says besides the action itself.
struct FileLineExtras {
  std::string id;
  SignedFile data;
  /// The deletion vector's file, when the action has an on-disk one (delta format only).
  std::optional<SignedFile> deletion_vector;
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp;
};

/// A file line for an `add` (kFile or kAdd), `remove` (kRemove) or `cdc` (kCdf) action.
Json FileLine(ResponseFormat format, FileLineKind kind, const delta::Action& action,
              const FileLineExtras& extras);

/// Append the parquet-format `file` line of a snapshot file (and its newline) to `out`: the same
/// text as DumpJson(FileLine(kParquet, kFile, add, extras)), without building a JSON tree, for
/// responses with thousands of files.
void AppendParquetFileLine(std::string& out, const delta::AddFile& add,
                           const FileLineExtras& extras);

/// `{"endStreamAction": ...}` with whichever fields are set.
Json EndStreamLine(const std::optional<std::string>& refresh_token,
                   const std::optional<std::string>& next_page_token,
                   std::optional<int64_t> min_url_expiration_ms);

/// The schemaString with every field's metadata reduced to its `comment` (nested fields too), as
/// parquet-format responses carry it.
std::string StripSchemaMetadata(std::string_view schema_string);

}  // namespace tessera::sharing
