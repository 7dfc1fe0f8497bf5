#pragma once
// A structural check of a FAISS index file before faiss::read_index sees it, for the
// two index types Strata writes: IndexFlat (fourcc IxF2, IxFI, IxFl) and IndexHNSWFlat
// (IHNf over an IxF2 storage). Written by hand: FAISS validates little of what it reads.
// Its reader sizes each vector from a count in the file before reading it, so a
// damaged or crafted count (model archives are imported from anywhere) made it allocate
// and zero terabytes; and its HNSW search follows the stored graph without bounds
// checks. This check walks the bytes as FAISS 1.7.3's index_read.cpp reads them and
// refuses a file whose counts exceed its bytes, that does not end where the index ends,
// or whose HNSW graph points outside itself (neighbour ids, level ranges, offsets, the
// entry point), so that what passes can be read and searched safely.

#include <cstddef>
#include <span>
#include <string>

#include "core/core.h"

namespace strata::ml {

// InvalidArgument naming `name` and what is wrong; Ok when faiss::read_index may read
// `bytes`.
Status CheckFaissIndexBytes(std::span<const unsigned char> bytes, const std::string& name);

}  // namespace strata::ml
