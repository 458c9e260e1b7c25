// The request-length table and the simulator-trace reader: line endings, blank lines, headers,
// column counts, and errors that name the file and line.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "models/host/workload.h"
#include "platform/error.h"

namespace {

/// A file under the build's temporary folder with the given bytes; removed at scope end.
struct TempFile {
  std::string path;
  TempFile(const std::string& name, const std::string& bytes)
      : path(std::string(NPVP_BINARY_DIR) + "/" + name) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~TempFile() { std::remove(path.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
};

}  // namespace

TEST_CASE("length tables accept LF and CRLF lines, blank lines and no final newline",
          "[workload]") {
  const TempFile lf("lengths_lf.tsv", "input_toks\toutput_toks\n12\t34\n\n5\t6");
  const TempFile crlf("lengths_crlf.tsv", "input_toks\toutput_toks\r\n12\t34\r\n\r\n5\t6\r\n");
  for (const auto* file : {&lf, &crlf}) {
    const auto pairs = vp::host::load_lengths(file->path);
    REQUIRE(pairs.size() == 2);
    CHECK(pairs[0].input == 12);
    CHECK(pairs[0].output == 34);
    CHECK(pairs[1].input == 5);
    CHECK(pairs[1].output == 6);
  }
}

TEST_CASE("length tables skip rows without tokens and reject bad rows by line", "[workload]") {
  const TempFile zeros("lengths_zero.tsv", "input_toks\toutput_toks\n0\t5\n7\t0\n3\t4\n");
  const auto pairs = vp::host::load_lengths(zeros.path);
  REQUIRE(pairs.size() == 1);
  CHECK(pairs[0].input == 3);

  const TempFile header("lengths_header.tsv", "input\toutput\n1\t2\n");
  CHECK_THROWS_WITH(vp::host::load_lengths(header.path),
                    Catch::Contains(":1: expected the header 'input_toks\toutput_toks'"));
  const TempFile columns("lengths_columns.tsv", "input_toks\toutput_toks\n1\t2\n3\t4\t5\n");
  CHECK_THROWS_WITH(vp::host::load_lengths(columns.path),
                    Catch::Contains("lengths_columns.tsv:3: expected 2 columns, found 3"));
  const TempFile empty_cell("lengths_empty_cell.tsv", "input_toks\toutput_toks\n1\t\r\n");
  CHECK_THROWS_WITH(vp::host::load_lengths(empty_cell.path),
                    Catch::Contains("lengths_empty_cell.tsv:2: '' is not a non-negative integer"));
  const TempFile none("lengths_none.tsv", "input_toks\toutput_toks\n");
  CHECK_THROWS_WITH(vp::host::load_lengths(none.path), Catch::Contains("no data rows"));
  CHECK_THROWS_WITH(vp::host::load_lengths(std::string(NPVP_BINARY_DIR) + "/no_such.tsv"),
                    Catch::Contains("no such file"));
}

TEST_CASE("simulator traces give contexts of seq_len - 1 on their channels", "[workload]") {
  const TempFile trace("trace_rows.csv", "seq_len,ch_idx\r\n10,3\r\n1,0\r\n");
  const auto requests = vp::host::load_trace(trace.path, 2048);
  REQUIRE(requests.size() == 2);
  CHECK(requests[0].context == 9);
  CHECK(requests[0].channel == 3);
  CHECK(requests[0].remaining == 1);
  CHECK(requests[1].context == 0);
  const TempFile bad("trace_rows_bad.csv", "seq_len,ch_idx\n10,3\n10\n");
  CHECK_THROWS_WITH(vp::host::load_trace(bad.path, 2048),
                    Catch::Contains("trace_rows_bad.csv:3: expected 2 columns, found 1"));
}
