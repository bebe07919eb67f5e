/*
 * faiss_bridge — C++ side of faiss_bridge.h: the OnDiskInvertedLists plumbing the
 * FAISS 1.7.3 C API lacks. A FaissIndex* from the C API is a faiss::Index*.
 * Every entry point catches all exceptions: C callers get -1 and the message in
 * rbf_last_error() (per thread).
 */
#include <cstdio>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <faiss/IVFlib.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/invlists/OnDiskInvertedLists.h>

#include "faiss_bridge.h"

namespace {

thread_local std::string last_error;

int fail(const std::string &msg)
{
	last_error = msg;
	return -1;
}

faiss::Index *as_index(FaissIndex *idx)
{
	return reinterpret_cast<faiss::Index *>(idx);
}

/* The IVF inside idx (through pre-transforms, id maps, refine), or throw. */
faiss::IndexIVF *ivf_of(FaissIndex *idx)
{
	if (!idx)
		throw std::runtime_error("no index");
	return faiss::ivflib::extract_index_ivf(as_index(idx));
}

faiss::OnDiskInvertedLists *ondisk_of(FaissIndex *idx)
{
	auto *od = dynamic_cast<faiss::OnDiskInvertedLists *>(ivf_of(idx)->invlists);

	if (!od)
		throw std::runtime_error("the inverted lists are not on disk (OnDiskInvertedLists)");
	return od;
}

/*
 * OnDiskInvertedLists::update_totsize printf()s "resizing ..." to stdout; rabench's
 * stdout may carry a report, so the merge runs with fd 1 pointed at stderr.
 * Only done while building an index, when nothing else prints.
 */
class stdout_to_stderr {
	int saved;

public:
	stdout_to_stderr()
	{
		fflush(stdout);
		saved = dup(1);
		if (saved >= 0)
			dup2(2, 1);
	}
	~stdout_to_stderr()
	{
		fflush(stdout);
		if (saved >= 0) {
			dup2(saved, 1);
			close(saved);
		}
	}
};

template <typename F> int guarded(F &&f)
{
	try {
		return f();
	} catch (const std::exception &e) {
		return fail(e.what());
	} catch (...) {
		return fail("unknown C++ exception");
	}
}

} // namespace

extern "C" {

const char *rbf_last_error(void)
{
	return last_error.c_str();
}

int rbf_ivf_to_ondisk(FaissIndex *idx, const char *ivfdata_path)
{
	return guarded([&] {
		faiss::IndexIVF *ivf = ivf_of(idx);
		const faiss::InvertedLists *il = ivf->invlists;

		if (!il)
			return fail("the IVF index has no inverted lists");
		if (dynamic_cast<const faiss::OnDiskInvertedLists *>(il))
			return fail("the inverted lists are already on disk");
		auto *od = new faiss::OnDiskInvertedLists(ivf->nlist, ivf->code_size, ivfdata_path);
		try {
			stdout_to_stderr quiet;
			od->merge_from(&il, 1);
		} catch (...) {
			delete od;
			throw;
		}
		/* own = true: the index deletes od; replace_invlists deletes the old lists it owned. */
		ivf->replace_invlists(od, true);
		return 0;
	});
}

int rbf_ivf_set_ondisk_filename(FaissIndex *idx, const char *ivfdata_path)
{
	return guarded([&] {
		if (!ivfdata_path || !*ivfdata_path)
			return fail("empty .ivfdata path");
		/* Only the recorded name changes: the current mapping stays valid. */
		ondisk_of(idx)->filename = ivfdata_path;
		return 0;
	});
}

int rbf_ivf_ondisk_filename(FaissIndex *idx, char *buf, size_t len)
{
	return guarded([&] {
		const std::string &name = ondisk_of(idx)->filename;

		if (name.size() + 1 > len)
			return fail("buffer too small for the .ivfdata path");
		memcpy(buf, name.c_str(), name.size() + 1);
		return 0;
	});
}

int64_t rbf_ivf_nlist(FaissIndex *idx)
{
	int64_t n = -1;

	guarded([&] {
		n = (int64_t)ivf_of(idx)->nlist;
		return 0;
	});
	return n;
}

int rbf_ivf_list_extents(FaissIndex *idx, int64_t list_no, uint64_t *codes_off, uint64_t *codes_len,
			 uint64_t *ids_off, uint64_t *ids_len)
{
	return guarded([&] {
		faiss::OnDiskInvertedLists *od = ondisk_of(idx);

		if (list_no < 0 || (size_t)list_no >= od->lists.size())
			return fail("list number " + std::to_string(list_no) + " out of range (nlist " +
				    std::to_string(od->lists.size()) + ")");
		const faiss::OnDiskOneList &l = od->lists[list_no];
		/* A list that never got a slot has offset (size_t)-1 and no bytes. */
		uint64_t off = l.offset == (size_t)-1 ? 0 : l.offset;

		*codes_off = off;
		*codes_len = (uint64_t)l.size * od->code_size;
		*ids_off = off + (uint64_t)l.capacity * od->code_size;
		*ids_len = (uint64_t)l.size * sizeof(faiss::Index::idx_t);
		return 0;
	});
}

int rbf_ivf_mapping(FaissIndex *idx, void **ptr, size_t *len)
{
	return guarded([&] {
		faiss::OnDiskInvertedLists *od = ondisk_of(idx);

		*ptr = od->ptr;
		*len = od->totsize;
		return 0;
	});
}

int rbf_ivf_set_prefetch_threads(FaissIndex *idx, int nthreads)
{
	return guarded([&] {
		if (nthreads < 0)
			return fail("negative prefetch thread count");
		ondisk_of(idx)->prefetch_nthread = nthreads;
		return 0;
	});
}

int rbf_ivf_set_nprobe(FaissIndex *idx, int64_t nprobe)
{
	return guarded([&] {
		faiss::IndexIVF *ivf = ivf_of(idx);

		if (nprobe <= 0 || (size_t)nprobe > ivf->nlist)
			return fail("nprobe " + std::to_string(nprobe) + " outside [1, nlist=" +
				    std::to_string(ivf->nlist) + "]");
		ivf->nprobe = (size_t)nprobe;
		return 0;
	});
}

int rbf_ivf_assign(FaissIndex *idx, const float *x, int64_t n, int64_t nprobe, int64_t *lists)
{
	return guarded([&] {
		faiss::IndexIVF *ivf = ivf_of(idx);
		auto *pt = dynamic_cast<faiss::IndexPreTransform *>(as_index(idx));
		const float *xt = x;

		if (nprobe <= 0 || (size_t)nprobe > ivf->nlist)
			return fail("nprobe " + std::to_string(nprobe) + " outside [1, nlist]");
		/* The quantizer lives in the transformed space of a pre-transformed index. */
		if (pt)
			xt = pt->apply_chain(n, x);
		std::vector<faiss::Index::idx_t> out((size_t)(n * nprobe));
		try {
			ivf->quantizer->assign(n, xt, out.data(), nprobe);
		} catch (...) {
			if (xt != x)
				delete[] xt;
			throw;
		}
		if (xt != x)
			delete[] xt;
		for (size_t i = 0; i < out.size(); i++)
			lists[i] = out[i];
		return 0;
	});
}

} // extern "C"
