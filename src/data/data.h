#pragma once
// Facade of data/: readers (CSV, TSV, JSON Lines), schema inference, the columnar
// table format, and the importer that ties them together.

#include "data/column_type.h"
#include "data/csv_reader.h"
#include "data/html_charts.h"
#include "data/importer.h"
#include "data/inference.h"
#include "data/profile.h"
#include "data/reader.h"
#include "data/recipe.h"
#include "data/split.h"
#include "data/table.h"
#include "data/text_input.h"
#include "data/value_parse.h"
