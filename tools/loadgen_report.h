#pragma once
// rcas-loadgen's outputs: the JSON report (docs/loadgen.md lists its fields), the summary
// lines, and a PNG plot of the timeline drawn by gnuplot.

#include <ostream>
#include <string>

#include "crypto/result.h"
#include "tools/loadgen.h"

namespace rcas::tools {

std::string ReportJson(const LoadReport& report, const std::string& scenario,
                       const std::string& mode);
void PrintSummary(const LoadReport& report, std::ostream& out);
// WritePlot draws `png`; an error when gnuplot is missing or fails.
Status WritePlot(const LoadReport& report, const std::string& png, const std::string& title);

}  // namespace rcas::tools
