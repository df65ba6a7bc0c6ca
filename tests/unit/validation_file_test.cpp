// The validation file reader: RFC 4180 CSV (quotes, doubled quotes, CRLF, line breaks inside a
// quoted field) and the row checks. Every malformed file is a ConfigError whose message starts
// with FILE:LINE of the offending record; the line numbers below count the file's lines.
#include <gtest/gtest.h>

#include <string>

#include "tools/config/errors.h"
#include "tools/driver/csv_reader.h"
#include "tools/driver/validate/validation_file.h"

namespace infsim::driver {
namespace {

const char* const kHeader =
    "name,instance,model,framework,dtype,batch_size,n_models,workers_per_model,pipeline_size,"
    "throughput_avg,latency_ms_p50\n";

// The message of the ConfigError `text` raises ("" if it parses).
std::string error_of(const std::string& text) {
  try {
    parse_validation_csv(text, "f.csv");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(CsvReader, QuotesCrlfAndLineNumbers) {
  const CsvTable t = parse_csv(
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "\n"
      "2,\"two\nlines\",\r\n"
      "3,,z",
      "t.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(t.records.size(), 3u);
  EXPECT_EQ(t.records[0].line, 2);
  EXPECT_EQ(t.records[0].fields, (std::vector<std::string>{"1", "x, y", "say \"hi\""}));
  // Line 3 is blank; the record on line 4 spans lines 4-5, so the next starts on line 6.
  EXPECT_EQ(t.records[1].line, 4);
  EXPECT_EQ(t.records[1].fields, (std::vector<std::string>{"2", "two\nlines", ""}));
  EXPECT_EQ(t.records[2].line, 6);
  EXPECT_EQ(t.records[2].fields, (std::vector<std::string>{"3", "", "z"}));
}

TEST(CsvReader, MalformedRecordsNameTheirLine) {
  auto error = [](const std::string& text) {
    try {
      parse_csv(text, "t.csv");
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(error("a,b\n1,2\n3\n").rfind("t.csv:3: 1 fields, the header has 2", 0), 0u);
  EXPECT_EQ(error("a,b\n1,\"open\n").rfind("t.csv:2: a quoted field is not closed", 0), 0u);
  EXPECT_EQ(error("a,b\n1,x\"y\n").rfind("t.csv:2: a quote inside an unquoted field", 0), 0u);
  EXPECT_EQ(error("a,b\n1,\"x\"y\n").rfind("t.csv:2: text after the closing quote", 0), 0u);
  EXPECT_EQ(error("a,a\n").rfind("t.csv:1: column 'a' appears twice", 0), 0u);
  EXPECT_EQ(error("\n\n").rfind("t.csv:1: no header line", 0), 0u);
}

TEST(ValidationFile, ReadsARow) {
  const ValidationFile f = parse_validation_csv(
      std::string(kHeader) + "r1,inf1.xlarge,resnet50,neuronperf,bf16,4,2,3,1,100.5,\n", "f.csv");
  ASSERT_EQ(f.rows.size(), 1u);
  const ValidationRow& r = f.rows[0];
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.name, "r1");
  EXPECT_EQ(r.run.instance, "inf1.xlarge");
  EXPECT_EQ(r.run.model.source, "resnet50");
  EXPECT_EQ(r.run.framework, "neuronperf");
  EXPECT_EQ(r.run.model.batch, 4);
  EXPECT_EQ(r.run.n_models, 2);
  EXPECT_EQ(r.run.workers_per_model, 3);
  EXPECT_EQ(r.run.model.pipeline_cores, 1);
  EXPECT_EQ(r.run.user_batch, 0);
  ASSERT_EQ(r.measured.size(), validation_metrics().size());
  EXPECT_EQ(validation_metrics()[0].column, "throughput_avg");
  EXPECT_DOUBLE_EQ(*r.measured[0], 100.5);
  EXPECT_FALSE(r.measured[1].has_value());  // latency_ms_p50: empty cell
  EXPECT_EQ(f.metric_columns, (std::vector<std::string>{"throughput_avg", "latency_ms_p50"}));
}

TEST(ValidationFile, OptionalColumnsAndOverrides) {
  const ValidationFile f = parse_validation_csv(
      "instance,model,framework,dtype,batch_size,n_models,workers_per_model,pipeline_size,"
      "user_batch,seq_len,set,tolerance_pct,device_ms\n"
      "inf1.6xlarge,bert_base,tensorflow-neuron,fp16,1,16,2,1,10,64,"
      "\"runtime.queue_depth=2; runtime.cpu_node_time=148us\",15,2.7\n",
      "f.csv");
  const ValidationRow& r = f.rows.at(0);
  EXPECT_EQ(r.name, "line 2");
  EXPECT_EQ(r.run.user_batch, 10);
  EXPECT_EQ(r.run.model.seq_len, 64);
  EXPECT_EQ(r.run.overrides,
            (std::vector<std::string>{"runtime.queue_depth=2", "runtime.cpu_node_time=148us"}));
  EXPECT_DOUBLE_EQ(*r.tolerance_pct, 15);
}

TEST(ValidationFile, BadCellsAreConfigErrorsAtTheirLine) {
  const std::string ok = "r,inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,100,1\n";
  EXPECT_EQ(error_of(std::string(kHeader) + ok), "");
  EXPECT_EQ(error_of(std::string(kHeader) + ok +
                     "r,inf1.xlarge,resnet50,neuronperf,bf16,four,1,1,1,100,1\n"),
            "f.csv:3: batch_size must be a positive integer, not 'four'");
  EXPECT_EQ(error_of(std::string(kHeader) + "r,inf1.xlarge,resnet50,neuronperf,bf16,1,0,1,1,1,1\n"),
            "f.csv:2: n_models must be a positive integer, not '0'");
  EXPECT_EQ(error_of(std::string(kHeader) + "r,inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,-5,\n"),
            "f.csv:2: throughput_avg must be a positive number, not '-5'");
  EXPECT_EQ(error_of(std::string(kHeader) + "r,inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,,\n"),
            "f.csv:2: no measured value in the row");
  EXPECT_EQ(error_of(std::string(kHeader) + "r,,resnet50,neuronperf,bf16,1,1,1,1,1,\n"),
            "f.csv:2: instance is empty");
}

TEST(ValidationFile, BadHeadersAreConfigErrorsAtLineOne) {
  EXPECT_EQ(error_of("instance,model\n").rfind("f.csv:1: the header has no column", 0), 0u);
  EXPECT_EQ(error_of(std::string(kHeader).replace(0, 4, "nmae"))
                .rfind("f.csv:1: unknown column 'nmae'", 0),
            0u);
  EXPECT_EQ(error_of("instance,model,framework,dtype,batch_size,n_models,workers_per_model,"
                     "pipeline_size\n"),
            "f.csv:1: no measured column (throughput_avg, latency_ms_p50, ...)");
}

TEST(ValidationFile, SetNeedsKeyValue) {
  EXPECT_EQ(error_of("instance,model,framework,dtype,batch_size,n_models,workers_per_model,"
                     "pipeline_size,set,throughput_avg\n"
                     "inf1.xlarge,resnet50,neuronperf,bf16,1,1,1,1,runtime.queue_depth,1\n"),
            "f.csv:2: set: 'runtime.queue_depth' is not KEY=VALUE");
}

}  // namespace
}  // namespace infsim::driver
