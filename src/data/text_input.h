#pragma once
// The input of text models (fastText): the raw text of one column, read in place of the
// preprocessing recipe's features. Training and serving both read it through these
// functions, so they see the same text for the same value.
//
// A value's text: strings as they are, numbers and booleans spelled out (as a CSV cell
// would show them), null as "".

#include <string>
#include <vector>

#include "data/recipe.h"
#include "data/table.h"

namespace strata::data {

// The text of `column` for `rows` of `table` (every row when `rows` is empty).
// InvalidArgument when the table has no such column.
Result<std::vector<std::string>> ColumnTexts(const Table& table, const std::string& column,
                                             const std::vector<int64_t>& rows);

// The text of `column` in each JSON row ({"col": value, ...}). A row without the column
// reads as "" and is noted; a value that is an object or a list is an InvalidArgument
// naming the row. Other keys are ignored.
Result<std::vector<std::string>> JsonTexts(const Json& rows, const std::string& column,
                                           TransformNotes* notes);

}  // namespace strata::data
