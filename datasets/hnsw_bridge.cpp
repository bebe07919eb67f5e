/*
 * hnsw_bridge — C++ side of hnsw_bridge.h. MappedHNSW is hnswlib's
 * HierarchicalNSW<float> loaded by our own reader: the header and the upper
 * levels' link lists are read (pread), level 0 is a pointer into a read-only
 * mmap of the file. Its search is hnswlib's searchKnn / searchBaseLayerST
 * (without deletions), unchanged but for the visited-node record and the
 * rbh_prefetch_nodes call. Every entry point catches all exceptions.
 */
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <queue>
#include <stdexcept>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hnswlib/hnswlib.h>

#include "hnsw_bridge.h"

namespace {

thread_local std::string last_error;

int fail(const std::string &msg)
{
	last_error = msg;
	return -1;
}

using hnswlib::tableint;
using hnswlib::linklistsizeint;
typedef hnswlib::HierarchicalNSW<float> HNSW;

/* read exactly len bytes at off, or throw */
void pread_all(int fd, void *buf, size_t len, off_t off, const std::string &what)
{
	char *p = static_cast<char *>(buf);

	while (len) {
		ssize_t n = pread(fd, p, len, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw std::runtime_error(what + ": " + (n ? strerror(errno) : "file too short"));
		p += n;
		len -= (size_t)n;
		off += n;
	}
}

class MappedHNSW : public HNSW {
public:
	MappedHNSW(hnswlib::SpaceInterface<float> *s, const std::string &path, size_t dim) : HNSW(s)
	{
		data_level0_memory_ = nullptr;
		linkLists_ = nullptr;
		visited_list_pool_ = nullptr;
		cur_element_count = 0;
		try {
			load(s, path, dim);
		} catch (...) {
			/* leave nothing for the base destructor to misread */
			for (size_t i = 0; linkLists_ && i < cur_element_count; i++)
				free(linkLists_[i]);
			free(linkLists_);
			linkLists_ = nullptr;
			cur_element_count = 0;
			throw;
		}
	}

	~MappedHNSW()
	{
		/* not ours to free(): the base destructor must not touch the mapping */
		data_level0_memory_ = nullptr;
		if (map_ != MAP_FAILED && map_)
			munmap(map_, map_len_);
	}

	void *map_ = nullptr;
	size_t map_len_ = 0;
	uint64_t level0_off_ = 0;

	/* searchKnn without deletions, recording visited nodes and hinting neighbours */
	void search(const float *q, size_t k, size_t ef, int64_t *ids, float *dist, int32_t *visited,
		    int64_t max_visited, int64_t *n_visited) const
	{
		Trace t{ visited, max_visited, 0 };
		tableint cur = enterpoint_node_;
		float curdist;

		note(t, cur);
		curdist = fstdistfunc_(q, getDataByInternalId(cur), dist_func_param_);
		for (int level = maxlevel_; level > 0; level--) {
			bool changed = true;

			while (changed) {
				changed = false;
				if (element_levels_[cur] < level)
					throw std::runtime_error("corrupt graph: a node below its level");
				unsigned int *data = (unsigned int *)get_linklist(cur, level);
				int size = getListCount(data);
				tableint *datal = (tableint *)(data + 1);

				if ((size_t)size > maxM_)
					throw std::runtime_error("corrupt graph: a link list longer than M");
				for (int i = 0; i < size; i++)
					if (datal[i] >= cur_element_count)
						throw std::runtime_error("corrupt graph: neighbour out of range");
				hint(datal, size, nullptr, 0);
				for (int i = 0; i < size; i++) {
					tableint cand = datal[i];

					note(t, cand);
					float d = fstdistfunc_(q, getDataByInternalId(cand), dist_func_param_);
					if (d < curdist) {
						curdist = d;
						cur = cand;
						changed = true;
					}
				}
			}
		}
		auto top = base_layer(cur, q, std::max(ef, k), t);
		while (top.size() > k)
			top.pop();
		for (size_t i = 0; i < k; i++) {
			ids[i] = -1;
			dist[i] = 0;
		}
		for (size_t i = top.size(); i > 0; i--) {
			ids[i - 1] = (int64_t)getExternalLabel(top.top().second);
			dist[i - 1] = top.top().first;
			top.pop();
		}
		*n_visited = t.n;
	}

private:
	struct Trace {
		int32_t *out;
		int64_t max, n;
	};
	typedef std::priority_queue<std::pair<float, tableint>, std::vector<std::pair<float, tableint>>,
				    CompareByFirst> Queue;

	static void note(Trace &t, tableint id)
	{
		if (t.n < t.max)
			t.out[t.n] = (int32_t)id;
		t.n++;
	}

	/* the neighbours about to be read, unvisited ones only when a visited array is given */
	void hint(const tableint *nb, int size, const hnswlib::vl_type *vis, hnswlib::vl_type tag) const
	{
		int64_t ids[2 * 1024];
		int n = 0;

		for (int j = 0; j < size && n < (int)(sizeof(ids) / sizeof(ids[0])); j++)
			if (!vis || vis[nb[j]] != tag)
				ids[n++] = nb[j];
		if (n)
			rbh_prefetch_nodes(this, ids, n);
	}

	/* hnswlib's searchBaseLayerST<false> */
	Queue base_layer(tableint ep_id, const float *q, size_t ef, Trace &t) const
	{
		hnswlib::VisitedList *vl = visited_list_pool_->getFreeVisitedList();
		hnswlib::vl_type *visited_array = vl->mass;
		hnswlib::vl_type tag = vl->curV;
		Queue top_candidates, candidate_set;
		float lowerBound, dist = fstdistfunc_(q, getDataByInternalId(ep_id), dist_func_param_);

		lowerBound = dist;
		top_candidates.emplace(dist, ep_id);
		candidate_set.emplace(-dist, ep_id);
		visited_array[ep_id] = tag;
		while (!candidate_set.empty()) {
			std::pair<float, tableint> current = candidate_set.top();

			if (-current.first > lowerBound && top_candidates.size() == ef)
				break;
			candidate_set.pop();
			int *data = (int *)get_linklist0(current.second);
			size_t size = getListCount((linklistsizeint *)data);

			if (size > maxM0_)
				throw std::runtime_error("corrupt graph: a level-0 link list longer than 2M");
			for (size_t j = 1; j <= size; j++)
				if ((size_t)(unsigned int)*(data + j) >= cur_element_count)
					throw std::runtime_error("corrupt graph: neighbour out of range");
			hint((const tableint *)(data + 1), (int)size, visited_array, tag);
			for (size_t j = 1; j <= size; j++) {
				int candidate_id = *(data + j);

				if (visited_array[candidate_id] == tag)
					continue;
				visited_array[candidate_id] = tag;
				note(t, (tableint)candidate_id);
				float d = fstdistfunc_(q, getDataByInternalId(candidate_id), dist_func_param_);
				if (top_candidates.size() < ef || lowerBound > d) {
					candidate_set.emplace(-d, candidate_id);
					top_candidates.emplace(d, candidate_id);
					if (top_candidates.size() > ef)
						top_candidates.pop();
					if (!top_candidates.empty())
						lowerBound = top_candidates.top().first;
				}
			}
		}
		visited_list_pool_->releaseVisitedList(vl);
		return top_candidates;
	}

	template <typename T> void get(int fd, T &v, off_t &off)
	{
		pread_all(fd, &v, sizeof(v), off, "header");
		off += sizeof(v);
	}

	void load(hnswlib::SpaceInterface<float> *s, const std::string &path, size_t dim)
	{
		struct stat st;
		off_t off = 0;
		int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			throw std::runtime_error(path + ": " + strerror(errno));
		std::unique_ptr<int, void (*)(int *)> closer(&fd, [](int *f) { close(*f); });
		if (fstat(fd, &st))
			throw std::runtime_error(path + ": " + strerror(errno));
		if ((uint64_t)st.st_size < RBH_HEADER_BYTES)
			throw std::runtime_error(path + ": not an hnswlib index (shorter than its header)");
		get(fd, offsetLevel0_, off);
		get(fd, max_elements_, off);
		get(fd, cur_element_count, off);
		get(fd, size_data_per_element_, off);
		get(fd, label_offset_, off);
		get(fd, offsetData_, off);
		get(fd, maxlevel_, off);
		get(fd, enterpoint_node_, off);
		get(fd, maxM_, off);
		get(fd, maxM0_, off);
		get(fd, M_, off);
		get(fd, mult_, off);
		get(fd, ef_construction_, off);
		data_size_ = s->get_data_size();
		fstdistfunc_ = s->get_dist_func();
		dist_func_param_ = s->get_dist_func_param();
		size_links_per_element_ = maxM_ * sizeof(tableint) + sizeof(linklistsizeint);
		size_links_level0_ = maxM0_ * sizeof(tableint) + sizeof(linklistsizeint);
		/* the sizes must be those of an L2 graph of dim floats, and fit the file */
		if (data_size_ != dim * sizeof(float) || M_ < 2 || M_ > 10000 || maxM0_ != 2 * M_ ||
		    maxM_ != M_ || offsetLevel0_ != 0 || offsetData_ != size_links_level0_ ||
		    label_offset_ != offsetData_ + data_size_ ||
		    size_data_per_element_ != label_offset_ + sizeof(hnswlib::labeltype) ||
		    cur_element_count == 0 || cur_element_count > max_elements_ ||
		    enterpoint_node_ >= cur_element_count || maxlevel_ < 0 || maxlevel_ > 64 ||
		    cur_element_count > ((uint64_t)st.st_size - RBH_HEADER_BYTES) / size_data_per_element_)
			throw std::runtime_error(path + ": not an hnswlib L2 index of " + std::to_string(dim) +
						 "-dimensional vectors (wrong header)");
		level0_off_ = (uint64_t)off;
		off += (off_t)(cur_element_count * size_data_per_element_);
		max_elements_ = cur_element_count;
		linkLists_ = (char **)calloc(cur_element_count, sizeof(void *));
		if (!linkLists_)
			throw std::runtime_error("out of memory");
		element_levels_ = std::vector<int>(cur_element_count);
		/* the upper levels: in memory, as serving systems keep them */
		for (size_t i = 0; i < cur_element_count; i++) {
			unsigned int size;

			pread_all(fd, &size, sizeof(size), off, path + ": upper levels");
			off += sizeof(size);
			if (size % size_links_per_element_ || size / size_links_per_element_ > 64)
				throw std::runtime_error(path + ": corrupt upper-level links");
			element_levels_[i] = (int)(size / size_links_per_element_);
			if (!size)
				continue;
			linkLists_[i] = (char *)malloc(size);
			if (!linkLists_[i])
				throw std::runtime_error("out of memory");
			pread_all(fd, linkLists_[i], size, off, path + ": upper levels");
			off += size;
		}
		if (element_levels_[enterpoint_node_] != maxlevel_)
			throw std::runtime_error(path + ": not an hnswlib index (entry point below the top level)");
		if (off != st.st_size)
			throw std::runtime_error(path + ": not an hnswlib index (" +
						 std::to_string(st.st_size - off) + " bytes after its end)");
		std::vector<std::mutex>(cur_element_count).swap(link_list_locks_);
		std::vector<std::mutex>(max_update_element_locks).swap(link_list_update_locks_);
		visited_list_pool_ = new hnswlib::VisitedListPool(1, (int)cur_element_count);
		revSize_ = 1.0 / mult_;
		ef_ = 10;
		num_deleted_ = 0;
		map_len_ = (size_t)st.st_size;
		map_ = mmap(nullptr, map_len_, PROT_READ, MAP_SHARED, fd, 0);
		if (map_ == MAP_FAILED) {
			map_ = nullptr;
			throw std::runtime_error(path + ": mmap: " + strerror(errno));
		}
		data_level0_memory_ = (char *)map_ + level0_off_;
	}
};

} // namespace

struct rbh_index {
	std::unique_ptr<hnswlib::L2Space> space;
	std::unique_ptr<HNSW> lib;		/* all in memory (mapped = 0) */
	std::unique_ptr<MappedHNSW> mapped;	/* level 0 mmapped */
	int64_t dim;
	std::mutex ef_lock;			/* hnswlib's ef_ is one per index */

	const HNSW &graph() const { return mapped ? *mapped : *lib; }
};

extern "C" {

const char *rbh_last_error(void)
{
	return last_error.c_str();
}

__attribute__((noinline, used, visibility("default")))
void rbh_prefetch_nodes(const void *self, const int64_t *ids, int n)
{
	/* a uprobe's attach point: keep the call and its arguments */
	asm volatile("" : : "r"(self), "r"(ids), "r"(n) : "memory");
}

int rbh_build(const float *x, int64_t n, int64_t dim, int m, int ef_construction, int threads,
	      const char *path, volatile sig_atomic_t *stop,
	      void (*progress)(int64_t done, int64_t total, void *ctx), void *ctx)
{
	try {
		hnswlib::L2Space space((size_t)dim);
		HNSW g(&space, (size_t)n, (size_t)m, (size_t)ef_construction, 100);
		const int64_t block = 16384;
		std::atomic<bool> failed(false);
		std::string why;

		if (n < 1)
			return fail("no vectors to index");
		/* the first point alone: hnswlib's entry point is set by it */
		g.addPoint(x, 0);
		for (int64_t b = 1; b < n; b += block) {
			int64_t end = std::min(n, b + block);

			if (stop && *stop)
				return fail("interrupted");
#pragma omp parallel for num_threads(threads) schedule(dynamic, 256)
			for (int64_t i = b; i < end; i++) {
				try {
					g.addPoint(x + i * dim, (size_t)i);
				} catch (const std::exception &e) {
					failed = true;
				}
			}
			if (failed)
				return fail("hnswlib could not add a point");
			if (progress)
				progress(end, n, ctx);
		}
		g.saveIndex(path);
		return 0;
	} catch (const std::exception &e) {
		return fail(std::string("hnswlib: ") + e.what());
	}
}

int rbh_open(const char *path, int64_t dim, int mapped, struct rbh_index **out)
{
	*out = nullptr;
	try {
		std::unique_ptr<rbh_index> h(new rbh_index());

		h->dim = dim;
		h->space.reset(new hnswlib::L2Space((size_t)dim));
		if (mapped) {
			h->mapped.reset(new MappedHNSW(h->space.get(), path, (size_t)dim));
		} else {
			/* hnswlib's loadIndex checks the file's structure, not its dim: check first */
			MappedHNSW check(h->space.get(), path, (size_t)dim);
			h->lib.reset(new HNSW(h->space.get(), path));
		}
		*out = h.release();
		return 0;
	} catch (const std::exception &e) {
		return fail(e.what());
	}
}

void rbh_close(struct rbh_index *h)
{
	delete h;
}

int64_t rbh_count(const struct rbh_index *h)
{
	return (int64_t)h->graph().cur_element_count;
}

int rbh_m(const struct rbh_index *h)
{
	return (int)h->graph().M_;
}

void rbh_level0(const struct rbh_index *h, uint64_t *offset, uint64_t *node_bytes)
{
	*offset = h->mapped ? h->mapped->level0_off_ : RBH_HEADER_BYTES;
	*node_bytes = h->graph().size_data_per_element_;
}

void *rbh_mapping(const struct rbh_index *h, size_t *len)
{
	*len = h->mapped ? h->mapped->map_len_ : 0;
	return h->mapped ? h->mapped->map_ : nullptr;
}

int rbh_search(const struct rbh_index *h, const float *q, int64_t k, int64_t ef, int64_t *ids,
	       float *dist, int32_t *visited, int64_t max_visited, int64_t *n_visited)
{
	try {
		if (!h->mapped)
			return fail("rbh_search needs a mapped index");
		h->mapped->search(q, (size_t)k, (size_t)ef, ids, dist, visited, max_visited, n_visited);
		return 0;
	} catch (const std::exception &e) {
		return fail(e.what());
	}
}

int rbh_search_library(struct rbh_index *h, const float *q, int64_t k, int64_t ef, int64_t *ids,
		       float *dist)
{
	try {
		HNSW &g = h->mapped ? static_cast<HNSW &>(*h->mapped) : *h->lib;
		std::priority_queue<std::pair<float, hnswlib::labeltype>> top;

		{
			std::lock_guard<std::mutex> lock(h->ef_lock);
			g.setEf((size_t)ef);
			top = g.searchKnn(q, (size_t)k);
		}
		for (int64_t i = 0; i < k; i++) {
			ids[i] = -1;
			dist[i] = 0;
		}
		for (size_t i = top.size(); i > 0; i--) {
			ids[i - 1] = (int64_t)top.top().second;
			dist[i - 1] = top.top().first;
			top.pop();
		}
		return 0;
	} catch (const std::exception &e) {
		return fail(e.what());
	}
}

} // extern "C"
